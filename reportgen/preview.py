"""``reportgen preview``: rebuild an edition's draft each time one of its files is saved.

In: a report folder and an edition. Out: the draft PDF (``out/…-DRAFT.pdf``), rebuilt
after every save of a file the build reads, and a ``PreviewEvent`` per rebuild (its
time, or the problems that stopped it) for the caller to show.

The process stays warm: modules imported, fonts registered, the report folder loaded
and the charts drawn once. A narrative edit then costs only its own narrative, the
layout and the finishing; a change to the data, catalogue, layout or theme reloads the
folder (charts are drawn again only if they changed). The files are polled (their
size and modification time): no watcher library, nothing that can miss an editor's
save-by-rename. A bad edit is reported and the watch goes on; every write is atomic, so
stopping (Ctrl-C) never leaves a half-written PDF.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import msgspec

from reportgen import collect_after_edition, stops
from reportgen.assemble.build import EditionBuilder
from reportgen.cachefolder import new_command
from reportgen.errors import ReportgenError, error_lines
from reportgen.load.folder import CATALOGUE, CONTENT, DATA, LAYOUT, THEME
from reportgen.months import Month
from reportgen.render.charts import DrawnCharts

POLL_SECONDS = 0.1
Snapshot = dict[str, tuple[int, int]]  # path -> (size, modified ns)


class PreviewEvent(msgspec.Struct, frozen=True):
    path: Path | None  # the PDF written, if the build worked
    seconds: float
    problems: tuple[str, ...] = ()  # what stopped the build, as the CLI prints them


def _watched(root: Path, edition: Month) -> list[Path]:
    folders = [root / DATA, root / CONTENT / str(edition)]
    files = [root / CATALOGUE, root / LAYOUT, root / THEME]
    for folder in folders:
        if folder.is_dir():
            files += [path for path in folder.iterdir() if not path.name.startswith(".")]
    return sorted(set(files))


def snapshot(root: Path, edition: Month) -> Snapshot:
    found: Snapshot = {}
    for path in _watched(root, edition):
        try:
            info = path.stat()
        except OSError:
            continue  # gone between listing and looking: the next poll sees it
        found[str(path.relative_to(root))] = (info.st_size, info.st_mtime_ns)
    return found


def _narrative_only(before: Snapshot, after: Snapshot, edition: Month) -> bool:
    prefix = f"{CONTENT}/{edition}/"
    changed = {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}
    return all(name.startswith(prefix) for name in changed)


class Preview:
    """One warm builder for one edition's draft."""

    def __init__(self, root: Path, edition: Month) -> None:
        self.root = Path(root).resolve()
        self.edition = edition
        self.builder: EditionBuilder | None = None
        self.memory: dict[str, DrawnCharts] = {}  # charts drawn, kept across rebuilds

    def rebuild(self, *, reload: bool) -> PreviewEvent:
        started = time.perf_counter()
        new_command()  # a cache given up at the last rebuild is tried again
        try:
            if reload or self.builder is None:
                self.builder = None  # a folder that fails to load is not kept
                self.builder = EditionBuilder(self.root, memory=self.memory)
            result = self.builder.build(self.edition, draft=True)
        except (ReportgenError, OSError) as error:
            return PreviewEvent(None, time.perf_counter() - started, error_lines(error))
        return PreviewEvent(result.path, time.perf_counter() - started)


def watch(
    root: Path,
    edition: Month,
    report: Callable[[PreviewEvent], None],
) -> None:
    """Build the draft now and after every change, until Ctrl-C (which the caller
    catches)."""
    root = Path(root).resolve()
    preview = Preview(root, edition)
    seen = snapshot(root, edition)
    report(preview.rebuild(reload=True))
    collect_after_edition()  # after the report, not in the time it shows
    while True:
        stops.check()  # Ctrl-C whose raise a finalizer swallowed (in the collection)
        time.sleep(POLL_SECONDS)
        now = snapshot(root, edition)
        if now == seen:
            continue
        time.sleep(POLL_SECONDS / 2)  # an editor may write a file in several steps
        now = snapshot(root, edition)
        reload = not _narrative_only(seen, now, edition)
        seen = now
        report(preview.rebuild(reload=reload))
        collect_after_edition()
