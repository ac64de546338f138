"""Monthly data: tidy CSV files -> a validated ``PerformanceData``.

``data/monthly.csv``        measure,month,numerator,denominator (one row per measure and
                            month; ``numerator`` is the count for counts)
``data/msg.csv``            edition,measure,rank,msg_average,period_end
``data/survey_estimates.csv`` edition,measure,last_year,this_year,period_end
``data/revisions.csv``      measure,month,numerator,denominator,until_edition (optional:
                            a month's figure as it stood for editions up to and including
                            ``until_edition``, before a later correction)

Every cell is checked where it is read, so an error names the file, the line and the
column. Numbers are kept exact (``Fraction``): half-up rounding at an exact .x5 needs
the true value, not a binary float close to it.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import pandas as pd

from reportgen.errors import InputError
from reportgen.load.catalogue import Aggregation, Catalogue, Unit
from reportgen.months import Month

_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_MISSING = {"", "na", "n/a", "nan", "null", "none", "-"}


def parse_number(text: str, *, file: str, line: int, column: str) -> Fraction:
    """Read one numeric cell exactly; refuse anything that would have to be guessed."""
    cell = text.strip()
    if cell.lower() in _MISSING:
        raise InputError(
            f"column {column!r} is {text!r}: the figure is missing (missing is not zero)",
            file=file,
            line=line,
            hint="enter the figure, or remove the row if the month has no data",
        )
    if _NUMBER.match(cell):
        return Fraction(cell)
    if re.match(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$", cell):
        raise InputError(
            f"column {column!r} is {text!r}, written with a thousands separator",
            file=file,
            line=line,
            hint=f"write it as {cell.replace(',', '')}",
        )
    if cell.endswith("%"):
        raise InputError(
            f"column {column!r} is {text!r}, a percentage",
            file=file,
            line=line,
            hint="give the counts (numerator and denominator); rates are derived from them",
        )
    raise InputError(
        f"column {column!r} is {text!r}, which is not a number",
        file=file,
        line=line,
        hint="use digits with an optional '.' and '-', e.g. 1234 or 12.5",
    )


def _parse_month(text: str, *, file: str, line: int, column: str) -> Month:
    try:
        return Month.parse(text)
    except ValueError as exc:
        raise InputError(f"column {column!r}: {exc}", file=file, line=line) from None


def _read_rows(path: Path, name: str, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    try:
        # utf-8-sig: a CSV saved by Excel starts with an invisible byte-order mark
        handle = path.open(newline="", encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError("file not found", file=name, hint="create it or check --root") from None
    with handle:
        reader = csv.DictReader(handle)
        header = tuple(reader.fieldnames or ())
        if header != columns:
            raise InputError(
                f"header is {','.join(header) or '(empty)'}",
                file=name,
                line=1,
                hint=f"the header must be exactly {','.join(columns)}",
            )
        rows = []
        for record in reader:
            if None in record or any(value is None for value in record.values()):
                cells = [record[c] for c in columns if record.get(c) is not None]
                cells += record.get(None) or []  # type: ignore[call-overload]
                raise InputError(
                    f"expected {len(columns)} cells, found {len(cells)}",
                    file=name,
                    line=reader.line_num,
                    hint=_cells_hint(cells, columns),
                )
            rows.append((reader.line_num, {k: v.strip() for k, v in record.items()}))
    return rows


def _cells_hint(cells: list[str], columns: tuple[str, ...]) -> str:
    """Why a row may have the wrong number of cells, for the error message."""
    cells = [cell.strip() for cell in cells]
    for first, second in zip(cells, cells[1:], strict=False):
        if re.fullmatch(r"-?\d{1,3}", first) and re.fullmatch(r"\d{3}(\.\d+)?", second):
            return (
                f"'{first},{second}' looks like a number written with a thousands separator, "
                f"which splits the cell: write it as {first}{second}"
            )
    return f"each row needs {len(columns)} cells: {','.join(columns)}"


@dataclass(frozen=True)
class MsgEntry:
    rank: str  # a rank 1-8, or "n/a"
    msg_average: Fraction | None
    period_end: Month | None


@dataclass(frozen=True)
class SurveyEstimate:
    last_year: Fraction
    this_year: Fraction
    period_end: Month | None


@dataclass(frozen=True)
class PerformanceData:
    """All figures of a report folder, validated."""

    monthly: pd.DataFrame  # index (measure, month: str); numerator, denominator (Fraction)
    revisions: pd.DataFrame  # the same, plus until_edition: earlier vintages of some rows
    msg: dict[tuple[str, str], MsgEntry]  # (edition, measure)
    survey: dict[tuple[str, str], SurveyEstimate]  # (edition, measure)
    monthly_file: str
    msg_file: str
    survey_file: str
    first_month: Month
    last_month: Month
    row_lines: dict[tuple[str, str], int]
    revisions_file: str = ""

    def monthly_as_of(self, edition: str) -> pd.DataFrame:
        """The monthly figures as they stood for ``edition``.

        A revision row applies to every edition up to its ``until_edition``; where
        several do, the earliest vintage that still covers the edition wins.
        """
        if self.revisions.empty:
            return self.monthly
        applicable = self.revisions[self.revisions["until_edition"] >= edition]
        if applicable.empty:
            return self.monthly
        earliest = (
            applicable.sort_values("until_edition")
            .groupby(level=["measure", "month"], sort=True)
            .head(1)
            .drop(columns="until_edition")
        )
        frame = self.monthly.copy()
        frame.loc[earliest.index, ["numerator", "denominator"]] = earliest
        return frame


def _load_monthly(
    path: Path, name: str, catalogue: Catalogue, *, revisions: bool = False
) -> tuple[pd.DataFrame, dict]:
    records: list[tuple] = []
    lines: dict[tuple, int] = {}
    columns = ("measure", "month", "numerator", "denominator")
    if revisions:
        columns += ("until_edition",)
    for line, row in _read_rows(path, name, columns):
        measure_id = row["measure"]
        measure = catalogue.get(measure_id)
        if measure is None:
            raise InputError(
                f"unknown measure {measure_id!r}",
                file=name,
                line=line,
                hint=f"add it to {catalogue.file} or correct the name",
            )
        if not measure.has_own_rows:
            raise InputError(
                f"measure {measure_id!r} is {measure.aggregation.value}, derived from other "
                "figures, so it has no rows of its own",
                file=name,
                line=line,
                hint="remove the row",
            )
        month = _parse_month(row["month"], file=name, line=line, column="month")
        key: tuple = (measure_id, str(month))
        if revisions:
            until = _parse_month(row["until_edition"], file=name, line=line, column="until_edition")
            key += (str(until),)
        if key in lines:
            raise InputError(
                f"{' '.join(key)} appears twice (first on line {lines[key]})",
                file=name,
                line=line,
                hint="keep one row per measure and month",
            )
        lines[key] = line
        numerator = parse_number(row["numerator"], file=name, line=line, column="numerator")
        denominator: Fraction | None = None
        if measure.aggregation is Aggregation.RATIO:
            denominator = parse_number(
                row["denominator"], file=name, line=line, column="denominator"
            )
            if denominator < 0:
                raise InputError("denominator is negative", file=name, line=line)
        elif row["denominator"]:
            raise InputError(
                f"{measure_id} is a count, but the row has a denominator",
                file=name,
                line=line,
                hint="leave 'denominator' empty for counts",
            )
        if numerator < 0:
            raise InputError("numerator is negative", file=name, line=line)
        if measure.aggregation is Aggregation.SUM and numerator.denominator != 1:
            raise InputError(
                f"{measure_id} is a count, but numerator is {row['numerator']!r}",
                file=name,
                line=line,
                hint="counts are whole numbers",
            )
        if measure.unit is Unit.PERCENT and denominator is not None and numerator > denominator:
            raise InputError(
                f"{measure_id} numerator {row['numerator']} is larger than its denominator "
                f"{row['denominator']}, which would print as more than 100%",
                file=name,
                line=line,
                hint="check the two columns are not swapped",
            )
        records.append((*key[:2], numerator, denominator, *key[2:]))
    if not records and not revisions:
        raise InputError("no data rows", file=name, line=2)
    frame = pd.DataFrame.from_records(records, columns=list(columns))
    frame = frame.set_index(["measure", "month"]).sort_index()
    return frame, lines


def _load_msg(path: Path, name: str, catalogue: Catalogue) -> dict[tuple[str, str], MsgEntry]:
    entries: dict[tuple[str, str], MsgEntry] = {}
    columns = ("edition", "measure", "rank", "msg_average", "period_end")
    for line, row in _read_rows(path, name, columns):
        edition = _parse_month(row["edition"], file=name, line=line, column="edition")
        if row["measure"] not in catalogue:
            raise InputError(f"unknown measure {row['measure']!r}", file=name, line=line)
        key = (str(edition), row["measure"])
        if key in entries:
            raise InputError(
                f"{row['measure']} for edition {edition} appears twice", file=name, line=line
            )
        rank = row["rank"]
        if rank.lower() == "n/a":
            entries[key] = MsgEntry("n/a", None, None)
            continue
        if not rank.isdigit() or not 1 <= int(rank) <= 8:
            raise InputError(
                f"rank {rank!r} is not a position 1-8 in the Most Similar Group",
                file=name,
                line=line,
                hint="write 1 (best) to 8, or n/a",
            )
        average = parse_number(row["msg_average"], file=name, line=line, column="msg_average")
        period_end = (
            _parse_month(row["period_end"], file=name, line=line, column="period_end")
            if row["period_end"]
            else None
        )
        entries[key] = MsgEntry(rank, average, period_end)
    return entries


def _load_survey(
    path: Path, name: str, catalogue: Catalogue
) -> dict[tuple[str, str], SurveyEstimate]:
    estimates: dict[tuple[str, str], SurveyEstimate] = {}
    columns = ("edition", "measure", "last_year", "this_year", "period_end")
    for line, row in _read_rows(path, name, columns):
        edition = _parse_month(row["edition"], file=name, line=line, column="edition")
        measure = catalogue.get(row["measure"])
        if measure is None:
            raise InputError(f"unknown measure {row['measure']!r}", file=name, line=line)
        if measure.aggregation is not Aggregation.REPORTED:
            raise InputError(
                f"{measure.id} is derived from monthly data, not a reported estimate",
                file=name,
                line=line,
            )
        key = (str(edition), measure.id)
        if key in estimates:
            raise InputError(
                f"{measure.id} for edition {edition} appears twice", file=name, line=line
            )
        estimates[key] = SurveyEstimate(
            parse_number(row["last_year"], file=name, line=line, column="last_year"),
            parse_number(row["this_year"], file=name, line=line, column="this_year"),
            _parse_month(row["period_end"], file=name, line=line, column="period_end")
            if row["period_end"]
            else None,
        )
    return estimates


def load_data(folder: Path, catalogue: Catalogue, root: Path | None = None) -> PerformanceData:
    """Load ``monthly.csv``, ``msg.csv`` and ``survey_estimates.csv`` from ``folder``."""

    def display(file_name: str) -> str:
        path = folder / file_name
        return str(path.relative_to(root)) if root and path.is_relative_to(root) else str(path)

    monthly, lines = _load_monthly(folder / "monthly.csv", display("monthly.csv"), catalogue)
    revisions_path = folder / "revisions.csv"
    revisions = pd.DataFrame(columns=["numerator", "denominator", "until_edition"])
    if revisions_path.exists():
        revisions, _ = _load_monthly(
            revisions_path, display("revisions.csv"), catalogue, revisions=True
        )
        unknown = revisions.index.difference(monthly.index)
        if len(unknown):
            measure_id, month = unknown[0]
            raise InputError(
                f"revision of {measure_id} {month}, which has no row in monthly.csv",
                file=display("revisions.csv"),
                line=_first_line(revisions_path, measure_id, month),
                hint="a revision records an earlier figure of an existing row",
            )
    months = sorted(Month.parse(m) for m in monthly.index.get_level_values("month").unique())
    return PerformanceData(
        monthly=monthly,
        msg=_load_msg(folder / "msg.csv", display("msg.csv"), catalogue),
        survey=_load_survey(
            folder / "survey_estimates.csv", display("survey_estimates.csv"), catalogue
        ),
        monthly_file=display("monthly.csv"),
        msg_file=display("msg.csv"),
        survey_file=display("survey_estimates.csv"),
        first_month=months[0],
        last_month=months[-1],
        row_lines=lines,
        revisions=revisions,
        revisions_file=display("revisions.csv"),
    )


def _first_line(path: Path, measure_id: str, month: str) -> int | None:
    with path.open(encoding="utf-8") as handle:
        for number, text in enumerate(handle, start=1):
            if text.startswith(f"{measure_id},{month},"):
                return number
    return None
