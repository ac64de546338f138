"""The loaded data kept in ``.reportgen-cache/``: a command whose data has not changed
since a load that passed reads it back, without parsing the data files again or
importing pandas (most of a ``check``'s time, as an analyst edits the narrative).

In: a report folder, the files the data load depends on (the catalogue, which the
figures are checked against, and ``data/``'s files), how the catalogue in hand was read,
and the load itself. Out: the ``PerformanceData`` that load gives, from the cache where
it holds a load of exactly these bytes.

The key is reportgen's code and the Python, msgspec and python-calamine that read the
files and the entry, then each file's name and the sha256 of its bytes (or that it is
absent). An entry is made only where the load read exactly the bytes of the key (a file
saved during the load makes none), and used only where the catalogue in hand was read
from the bytes of the key. Only a load that passed is kept: a problem in the data is
found by loading it, every time. An entry is read as a plain file, never through a
link, and checked against the load's own rules (``_data_problem``); one that fails, or
cannot be decoded at all, is warned about once, removed, and the data loaded again. An
entry is written only once the command has written its own output (``keep``): on a
nearly full disk the edition comes first.

Files: ``data-<key>.msgpack``; the newest few are kept.
"""

from __future__ import annotations

import hashlib
import itertools
import sys
from collections.abc import Callable, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import msgspec

from reportgen.cachefolder import (
    CacheFolder,
    code_version,
    framed,
    installed_version,
)
from reportgen.errors import prints_as_is
from reportgen.load.catalogue import Aggregation, Catalogue, Measure, Unit
from reportgen.load.data import (
    KINDS,
    LIMIT,
    MAX_DECIMALS,
    RANK,
    PerformanceData,
    in_reported_range,
    period_ends_by,
)
from reportgen.months import FIRST_YEAR, LAST_YEAR, Month
from reportgen.reading import MAX_INPUT_BYTES, Reads, read_limited, recorded_reads

MAGIC = b"reportgen data cache 1\n"
KEEP = 4  # entries: the data as it is, and as it was a few saves ago
_INT64 = 1 << 63


class DataCache(CacheFolder):
    """One command's view of the data cache in ``root``'s ``.reportgen-cache/``."""

    what = "data cache"

    def loaded(
        self,
        root: Path,
        names: Sequence[Path],
        catalogue: Catalogue,
        catalogue_reads: Reads,
        load: Callable[[], PerformanceData],
    ) -> tuple[PerformanceData, str | None]:
        """``load()``'s data, from the cache where it holds a load of the bytes of
        ``names`` (in ``root``), the catalogue's among them as ``catalogue_reads`` saw it;
        else loaded. With the key of those bytes where the data is theirs (for ``keep``),
        None where a file changed during the load."""
        fingerprint = _fingerprint(Path(root), names) if self.usable else None
        if fingerprint is None:
            return load(), None
        key, seen = fingerprint
        if catalogue_reads and all(
            seen.get(file) == digests for file, digests in catalogue_reads.items()
        ):
            cached = self._read(key, catalogue)
            if cached is not None:
                return cached, key
        with recorded_reads() as reads:
            data = load()
        made_from = {file: set(digests) for file, digests in catalogue_reads.items()}
        for file, digests in reads.items():
            made_from.setdefault(file, set()).update(digests)
        return data, key if made_from == seen else None

    def keep(self, key: str, data: PerformanceData) -> None:
        """Keep ``data`` under ``key`` (``loaded``'s), unless it is kept already: called
        once the command has written what it was for, so on a nearly full disk its own
        output comes first."""
        if self.lacks(_entry(key)):
            self._store(key, data)

    def _read(self, key: str, catalogue: Catalogue) -> PerformanceData | None:
        return self.read_entry(
            _entry(key),
            MAGIC,
            msgspec.msgpack.Decoder(PerformanceData, dec_hook=_decode).decode,
            lambda data: _data_problem(data, catalogue),
            "loading the data",
        )

    def _store(self, key: str, data: PerformanceData) -> None:
        try:
            payload = msgspec.msgpack.encode(data, enc_hook=_encode)
        except Exception:  # a value msgpack cannot hold: this data is loaded every time
            return
        self.store_sealed(_entry(key), MAGIC, payload, keep=KEEP)


def _entry(key: str) -> str:
    return f"data-{key}.msgpack"


def _fingerprint(root: Path, names: Sequence[Path]) -> tuple[str, Reads] | None:
    """The key of the files' bytes as they are now, and the reads that saw them; None
    where a file cannot be read (the load then says why)."""
    digest = hashlib.sha256()
    # what reads the files and the entry, besides reportgen's own code
    for part in (code_version(), sys.version, msgspec.__version__):
        framed(digest, part.encode())
    framed(digest, installed_version("python_calamine").encode())
    seen: Reads = {}
    for name in names:
        framed(digest, str(name).encode())
        with recorded_reads() as reads:
            try:
                read_limited(root / name, MAX_INPUT_BYTES)
            except FileNotFoundError:
                framed(digest, b"absent")
                continue
            except OSError:
                return None
        ((file, digests),) = reads.items()
        framed(digest, b"sha256:" + next(iter(digests)).encode("ascii"))  # one read
        seen.setdefault(file, set()).update(digests)
    return digest.hexdigest(), seen


def _data_problem(data: PerformanceData, catalogue: Catalogue) -> str | None:
    """What of ``data`` no load of a data folder for ``catalogue`` gives, by the load's
    own rules (``load.data``): the compute stage relies on every one of them. (An entry
    made by hand that passes is trusted as the data files are: whoever can write the
    report folder can change its figures either way.)"""
    monthly, revised = data.monthly, data.revisions
    for columns, revisions in ((monthly, False), (revised, True)):
        count = len(columns.measure)
        lengths = {
            len(columns.month),
            len(columns.numerator),
            len(columns.denominator),
            len(columns.source),
            len(columns.until_edition) if revisions else count,
        }
        if lengths != {count} or (columns.until_edition and not revisions):
            return "its columns of figures differ in length"
        for measure_id, numerator, denominator in zip(
            columns.measure, columns.numerator, columns.denominator, strict=True
        ):
            problem = _figure_problem(catalogue.get(measure_id), numerator, denominator)
            if problem is not None:
                return f"{measure_id}: {problem}"
        for month in {*columns.month, *columns.until_edition}:
            if not _canonical(month):
                return f"{month!r} is not a month as a load writes it"
    keys = monthly.keys()
    if any(a >= b for a, b in itertools.pairwise(keys)):
        return "its figures are not in order of measure and month"
    known = set(keys)
    vintages = list(zip(revised.measure, revised.month, revised.until_edition, strict=True))
    if len(set(vintages)) != len(vintages) or any(v[:2] not in known for v in vintages):
        return "it revises a figure twice, or a figure the monthly data does not have"
    months = sorted(Month.parse(month) for month in set(monthly.month))
    if not months or (data.first_month, data.last_month) != (months[0], months[-1]):
        return "its first and last months are not those of its figures"
    for (edition, measure_id), entry in data.msg.items():
        measure = catalogue.get(measure_id)
        ranked = entry.rank != "n/a"
        if (
            not _canonical(edition)
            or measure is None
            or entry.where is None
            or not _calendar(entry.period_end)
            or not period_ends_by(entry.period_end, Month.parse(edition))
            or (
                ranked
                and not (
                    RANK.fullmatch(entry.rank)
                    and _number(entry.msg_average)
                    and in_reported_range(entry.msg_average, measure)
                )
            )
            or (not ranked and (entry.msg_average, entry.period_end) != (None, None))
        ):
            return f"its MSG ranking of {measure_id} for {edition} is not one a load gives"
    for (edition, measure_id), estimate in data.survey.items():
        measure = catalogue.get(measure_id)
        if (
            not _canonical(edition)
            or measure is None
            or measure.aggregation is not Aggregation.REPORTED
            or estimate.where is None
            or not _calendar(estimate.period_end)
            or not period_ends_by(estimate.period_end, Month.parse(edition))
            or not all(
                _number(value) and in_reported_range(value, measure)
                for value in (estimate.last_year, estimate.this_year)
            )
        ):
            return f"its survey estimate of {measure_id} for {edition} is not one a load gives"
    if set(data.files) != {kind.key for kind in KINDS}:
        return "it does not say which files hold each kind of data"
    # what is printed as it is (sources, files, warnings): as the load writes them, one
    # line with nothing a terminal would take for a command
    named = [data.monthly_file, data.msg_file, data.survey_file, data.revisions_file]
    texts = {*monthly.source, *revised.source, *data.warnings, *named}
    texts.update(name for names in data.files.values() for name in names)
    if not all(prints_as_is(text) for text in texts):
        return "it holds a text no load writes"
    return None


def _figure_problem(
    measure: Measure | None, numerator: Fraction, denominator: Fraction | None
) -> str | None:
    """The load's rules for one monthly figure (``checked_monthly_figure``)."""
    if measure is None or not measure.has_own_rows:
        return "a measure with no rows of its own"
    ratio = measure.aggregation is Aggregation.RATIO
    if (denominator is not None) != ratio:
        return "a denominator where there is none, or none where there is one"
    if not _number(numerator) or numerator < 0:
        return "a numerator no data file could give"
    if not ratio and numerator.denominator != 1:
        return "a count that is not whole"
    if denominator is not None:
        if not _number(denominator) or denominator < 0:
            return "a denominator no data file could give"
        if measure.unit is Unit.PERCENT and numerator > denominator:
            return "a percentage over 100"
    return None


def _number(value: Fraction | None) -> bool:
    """A number a cell can hold (``parse_number``): below the limit, to at most
    ``MAX_DECIMALS`` decimal places."""
    return value is not None and abs(value) < LIMIT and (10**MAX_DECIMALS) % value.denominator == 0


def _canonical(month: str) -> bool:
    """A month as a load writes it: ``str`` of a month of a report."""
    try:
        return str(Month.parse(month)) == month
    except ValueError:
        return False


def _calendar(month: Month | None) -> bool:
    return month is None or FIRST_YEAR <= month.year <= LAST_YEAR


def _encode(value: Any) -> Any:
    if isinstance(value, Fraction):
        parts = (value.numerator, value.denominator)
        # msgpack holds 64-bit integers; a longer one is kept as its digits
        return [part if -_INT64 <= part < _INT64 else str(part) for part in parts]
    raise TypeError(f"{type(value).__name__} is not kept in the data cache")


def _decode(kind: type, value: Any) -> Any:
    # TypeError and ValueError are what msgspec turns into its ValidationError
    if kind is not Fraction or not (isinstance(value, list) and len(value) == 2):
        raise TypeError(f"not a {kind.__name__}")
    if not all(type(part) is int or (type(part) is str and part.isascii()) for part in value):
        raise TypeError("not a fraction's two whole numbers")
    numerator, denominator = (int(part) for part in value)  # ValueError: not digits
    if denominator <= 0:
        raise ValueError("a fraction's denominator must be above zero")
    return Fraction(numerator, denominator)
