"""The chart cache: drawn charts kept in ``.reportgen-cache/`` of the report folder.

In: a report folder; a digest of everything the drawn charts depend on (``charts_digest``
in ``render.charts``) and the ``DrawnCharts`` to keep. Out: the charts drawn before, or
None. Also a small index from the *inputs* (``chart_inputs_key``: the bytes of the files
charts are made from, the edition asked for and reportgen's code) to that digest, so the
command line can tell before it imports anything heavy whether the charts need drawing
at all, and start no chart worker when they do not.

The cache is an optimisation, never a reason to fail: a cache folder that is a link out
of the report folder, cannot be read or written, or holds a damaged entry (each entry
carries the sha256 of its PDF and of its texts) is reported once as a warning and the
build goes on without it. The index is only a hint; the digest is always checked.

Files: ``charts-<digest>.pdf`` (one page per chart), ``charts-<digest>.json`` (each
chart's text, and the sha256 of the PDF and of the texts) and ``inputs-<key>`` (a digest).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportgen.atomic import OutputError, ensure_folder, write_bytes, write_text
from reportgen.cachefolder import CacheFolder, DamagedEntry, code_version, framed
from reportgen.errors import prints_as_is
from reportgen.reading import MAX_INPUT_BYTES, read_limited

if TYPE_CHECKING:
    from reportgen.render.charts import DrawnCharts

# bounds of a chart's text as matplotlib lays it out (points; a chart is a page wide)
MAX_CHART_POINTS = 10_000
MAX_TEXT_SIZE = 200
MAX_TEXT_LENGTH = 1_000
# the files whose bytes the charts are made from (the narrative is not one of them)
CHART_INPUTS = (
    Path("data/catalogue.yaml"),
    Path("layouts/report.yaml"),
    Path("layouts/theme.yaml"),
)
_DIGEST = re.compile(r"^[0-9a-f]{64}$")


def chart_inputs_key(root: Path, edition: object | None) -> str:
    """What the charts of ``edition`` are made from, read as bytes (no parsing).

    ``edition`` None stands for the default edition, which the narrative folders and
    the data decide: the names of the folders under ``content/`` are then part of the
    key (the data already is), so the default need not be worked out (with pandas).
    """
    root = Path(root)
    digest = hashlib.sha256()
    framed(digest, code_version().encode())
    if edition is not None:
        framed(digest, f"edition {edition}".encode())
    else:
        try:
            folders = sorted(p.name for p in (root / "content").iterdir() if p.is_dir())
        except OSError:
            folders = []
        framed(digest, ("default edition of " + " ".join(folders)).encode())
    data = root / "data"
    try:
        csvs = sorted(p.relative_to(root) for p in data.glob("*.csv"))
    except OSError:
        csvs = []
    for relative in (*CHART_INPUTS, *csvs):
        path = root / relative
        framed(digest, str(relative).encode())
        try:
            if path.is_symlink():
                framed(digest, b"link:" + os.readlink(path).encode())
            else:
                # bounded, and never a FIFO (the load refuses both, after this look-ahead)
                framed(digest, read_limited(path, MAX_INPUT_BYTES))
        except OSError as error:
            framed(digest, f"unreadable:{type(error).__name__}:{error.errno}".encode())
    return digest.hexdigest()


class ChartCache(CacheFolder):
    """One build's view of the chart cache; ``quiet`` for the command line's look-ahead."""

    what = "chart cache"

    def knows(self, key: str) -> bool:
        """Whether the charts for inputs ``key`` were drawn and kept (a cheap hint)."""
        if not self.usable:
            return False
        digest = self._indexed(key)
        return digest is not None and bool(_DIGEST.match(digest)) and self.knows_digest(digest)

    def _indexed(self, key: str) -> str | None:
        """The digest the index notes for inputs ``key``; None where it notes none
        (bounded, and never a FIFO: the index is only a hint)."""
        try:
            return self.read(f"inputs-{key}", 1024).decode("ascii").strip()
        except (OSError, ValueError):  # not there, a link, not ASCII
            return None

    def load(self, digest: str, count: int) -> DrawnCharts | None:
        """The ``count`` charts kept under ``digest``, or None (never kept, unreadable,
        damaged)."""
        if not self.usable:
            return None
        pdf_path, json_path = (
            self.path(f"charts-{digest}.pdf"),
            self.path(f"charts-{digest}.json"),
        )
        try:
            # inside the try: a cache folder that cannot be searched (no x permission)
            # makes exists() raise, not say False
            if not (pdf_path.exists() and json_path.exists()):
                return None
            # bounded, and never a FIFO: a cache is never a reason to hang
            pdf = self.read(pdf_path.name)
            entry = json.loads(self.read(json_path.name).decode("utf-8"))
        except OSError as error:
            self.give_up(
                f"cannot read the chart cache ({error.filename or json_path}: "
                f"{error.strerror or error}); drawing the charts instead"
            )
            return None
        except DamagedEntry as error:  # a link, a folder, a FIFO: no file would replace it
            self.warn(f"the chart cache entry {json_path} is damaged ({error}); drawing again")
            self.discard(pdf_path.name, json_path.name)
            return None
        except (ValueError, RecursionError) as error:  # not UTF-8, not JSON, too deep
            self.warn(
                f"the chart cache entry {json_path} is damaged ({type(error).__name__}); "
                "drawing again"
            )
            return None
        try:
            drawn = _drawn(entry, pdf)
            if len(drawn.texts) != count:
                raise ValueError(f"it holds {len(drawn.texts)} charts, not {count}")
            return drawn
        except ChangedPdf as error:
            self.warn(f"the chart cache entry {pdf_path} is damaged ({error}); drawing again")
        except KeyError as error:
            self.warn(
                f"the chart cache entry {json_path} is damaged (it has no {error} field); "
                "drawing again"
            )
        except (TypeError, ValueError, OverflowError) as error:
            self.warn(f"the chart cache entry {json_path} is damaged ({error}); drawing again")
        return None

    def store(self, digest: str, drawn: DrawnCharts) -> None:
        if not self.usable:
            return
        runs = [[_run_json(run) for run in chart] for chart in drawn.texts]
        entry = {
            "pdf_sha256": hashlib.sha256(drawn.pdf).hexdigest(),
            "texts_sha256": texts_sha256(runs),
            "texts": runs,
        }
        pdf = self.path(f"charts-{digest}.pdf")
        try:
            ensure_folder(self.folder, within=self.root)
            write_bytes(pdf, drawn.pdf, within=self.root)
            write_text(self.path(f"charts-{digest}.json"), json.dumps(entry), within=self.root)
        except (OSError, OutputError) as error:
            with contextlib.suppress(OSError):
                pdf.unlink()  # half an entry is never used, and a full disk needs the room
            self.unwritable(error)

    def remember(self, key: str, digest: str) -> None:
        """Note that inputs ``key`` make the charts kept under ``digest``."""
        if not self.usable or not self.knows_digest(digest):
            return
        if self._indexed(key) == digest:
            return
        try:
            write_text(self.path(f"inputs-{key}"), digest + "\n", within=self.root)
        except (OSError, OutputError) as error:
            self.unwritable(error)

    def knows_digest(self, digest: str) -> bool:
        try:
            return all(self.path(f"charts-{digest}.{ext}").is_file() for ext in ("pdf", "json"))
        except OSError:  # a folder that cannot be searched: as good as no entry
            return False


def _run_json(run: Any) -> dict[str, Any]:
    return {
        "x": run.x,
        "y": run.y,
        "text": run.text,
        "size": run.size,
        "angle": run.angle,
        "bold": run.bold,
        "rgb": list(run.rgb),
    }


class ChangedPdf(ValueError):
    """An entry's PDF is not the one its sha256 was taken of."""


def texts_sha256(texts: Any) -> str:
    """The sha256 of an entry's chart texts, as JSON in one spelling: a bar's value
    changed in the file ("18,128" to "18,528") would otherwise be printed as it reads.
    Read back, the same values give the same spelling (floats keep their shortest
    repr, ints stay ints)."""
    spelt = json.dumps(texts, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(spelt.encode("ascii")).hexdigest()


def _drawn(entry: Any, pdf: bytes) -> DrawnCharts:
    from reportgen.render.charts import ChartText, DrawnCharts

    if hashlib.sha256(pdf).hexdigest() != entry["pdf_sha256"]:
        raise ChangedPdf("its PDF does not match its sha256: truncated or changed")
    if texts_sha256(entry["texts"]) != entry["texts_sha256"]:
        raise ValueError("its chart texts do not match their sha256: changed")
    return DrawnCharts(pdf, tuple(tuple(_run(run, ChartText) for run in c) for c in entry["texts"]))


def _run(run: Any, chart_text: Any) -> Any:
    # the values as they were drawn (int stays int): a cached build gives the same bytes
    numbers = [run[name] for name in ("x", "y", "size", "angle")] + list(run["rgb"])
    if len(run) != 7 or len(run["rgb"]) != 3 or not isinstance(run["bold"], bool):
        raise ValueError("a chart text entry has the wrong fields")
    if not isinstance(run["text"], str) or not all(
        isinstance(n, int | float) and not isinstance(n, bool) for n in numbers
    ):
        raise ValueError("a chart text entry has a value of the wrong type")
    # what matplotlib lays out on a chart: anything else would be drawn as it is (a NaN
    # written into the page makes the PDF invalid)
    x, y, size, angle, *rgb = (float(n) for n in numbers)
    text = run["text"]
    if not (
        all(math.isfinite(n) for n in (x, y, size, angle, *rgb))
        and abs(x) <= MAX_CHART_POINTS
        and abs(y) <= MAX_CHART_POINTS
        and 0 < size <= MAX_TEXT_SIZE
        and -360 <= angle <= 360
        and all(0 <= c <= 1 for c in rgb)
        and len(text) <= MAX_TEXT_LENGTH
        and prints_as_is(text)
    ):
        raise ValueError("a chart text entry has a value no chart has")
    return chart_text(**{**run, "rgb": tuple(run["rgb"])})
