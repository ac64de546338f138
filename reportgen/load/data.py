"""Monthly data: the CSVs and/or the analysts' workbook -> a validated ``PerformanceData``.

``data/monthly.csv``          measure,month,numerator,denominator (one row per measure and
                              month; ``numerator`` is the count for counts)
``data/msg.csv``              edition,measure,rank,msg_average,period_end
``data/survey_estimates.csv`` edition,measure,last_year,this_year,period_end
``data/revisions.csv``        measure,month,numerator,denominator,until_edition (optional:
                              a month's figure as it stood for editions up to and including
                              ``until_edition``, before a later correction)
``data/performance.xlsx``     the same figures as a workbook (``reportgen.load.workbook``);
                              it may hold some or all of them, but a figure may not be in
                              both a CSV and the workbook

Reading and checking are separate: a reader (``csvfile``, ``workbook``) gives rows of
text cells, each knowing its place (``data/monthly.csv:12``, ``data/performance.xlsx:
Monthly!F12``); the validators here turn a row into a typed record or an error at that
place. So every rule, and its message, is the same for a CSV and for the workbook.
Every problem in the data files is collected and raised once, at the end of loading.
Numbers are kept exact (``Fraction``): half-up rounding at an exact .x5 needs the true
value, not a binary float close to it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Hashable, Iterable, Mapping
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import msgspec

from reportgen.errors import InputError, ProblemCollector, ReportgenError, shown
from reportgen.load.catalogue import Aggregation, Catalogue, Measure, Unit
from reportgen.load.csvfile import read_csv
from reportgen.load.rows import Cell, SourceRow, Where
from reportgen.load.schema import did_you_mean
from reportgen.months import Month

if TYPE_CHECKING:
    import pandas as pd

MONTHLY_COLUMNS = ("measure", "month", "numerator", "denominator")
REVISIONS_COLUMNS = (*MONTHLY_COLUMNS, "until_edition")
MSG_COLUMNS = ("edition", "measure", "rank", "msg_average", "period_end")
SURVEY_COLUMNS = ("edition", "measure", "last_year", "this_year", "period_end")
WORKBOOK = "performance.xlsx"


class DataKind(msgspec.Struct, frozen=True):
    """One kind of data: its CSV, its workbook sheet, its columns."""

    key: str
    csv: str
    sheet: str
    columns: tuple[str, ...]
    required: bool  # the CSV or the sheet must exist


MONTHLY = DataKind("monthly", "monthly.csv", "Monthly", MONTHLY_COLUMNS, True)
REVISIONS = DataKind("revisions", "revisions.csv", "Revisions", REVISIONS_COLUMNS, False)
MSG = DataKind("msg", "msg.csv", "MSG", MSG_COLUMNS, True)
SURVEY = DataKind("survey", "survey_estimates.csv", "Survey", SURVEY_COLUMNS, True)
KINDS = (MONTHLY, REVISIONS, MSG, SURVEY)

# --- cells -----------------------------------------------------------------------------

LIMIT = 10**15  # beyond Excel's 15 significant digits a figure is a typing or paste error
LIMIT_DIGITS = len(str(LIMIT)) - 1  # a whole part with more digits is LIMIT or more
MAX_DECIMALS = 32  # decimal places a figure may be typed to
_NUMBER = re.compile(rf"-?[0-9]{{1,32}}(\.[0-9]{{1,{MAX_DECIMALS}}})?")
_THOUSANDS = re.compile(rf"-?[0-9]{{1,3}}(,[0-9]{{3}}){{1,10}}(\.[0-9]{{1,{MAX_DECIMALS}}})?")
_SCIENTIFIC = re.compile(r"[-+]?[0-9]{1,20}(\.[0-9]{1,20})?[eE][-+]?[0-9]{1,4}")
RANK = re.compile(r"[1-8]")
MAX_NUMBER_TEXT = 70  # longer than any figure below the limit, with its decimals
_MISSING = {"", "na", "n/a", "null", "none", "-"}
_NAN = {"nan", "-nan", "+nan"}
_INFINITE = {"inf", "+inf", "-inf", "infinity", "+infinity", "-infinity", "∞", "-∞", "+∞"}
EXCEL_ERRORS = {
    "#div/0!",
    "#ref!",
    "#value!",
    "#n/a",
    "#name?",
    "#num!",
    "#null!",
    "#spill!",
    "#calc!",
    "#getting_data",
    "#field!",
    "#blocked!",
    "#connect!",
    "#busy!",
    "#unknown!",
}
COUNTS_HINT = "give the counts (numerator and denominator); rates are derived from them"
PLAIN_PERCENT_HINT = "write the percentage as a plain number, without the %"


def cell_text(cell: Cell, column: str) -> str:
    """The cell's text, refusing what no column can hold: an Excel error, a bare formula."""
    text = cell.text
    if text.lower() in EXCEL_ERRORS:
        raise cell.where.error(
            f"column {column!r} is {text}, an Excel error",
            "correct the formula (or type the figure) in the workbook, then save it again",
        )
    if text.startswith("="):
        raise cell.where.error(
            f"column {column!r} is the formula {shown(text)} with no saved result",
            "open the workbook in Excel and save it, so the result is stored, or type the figure",
        )
    return text


def plain_count(text: str) -> int | None:
    """A whole count in ASCII digits below the limit, or None for anything else."""
    return int(text) if text.isdigit() and len(text) <= LIMIT_DIGITS and text.isascii() else None


def parse_number(cell: Cell, column: str, percent_hint: str = COUNTS_HINT) -> Fraction:
    """Read one numeric cell exactly; refuse anything that would have to be guessed."""
    count = plain_count(cell.text)
    if count is not None:
        return Fraction(count)  # the common case, a count: no pattern needed
    text = cell_text(cell, column)
    folded = text.lower()
    refuse = cell.where.error
    if folded in _MISSING:
        raise refuse(
            f"column {column!r} is {shown(text)}: the figure is missing (missing is not zero)",
            cell.where.missing_advice,
        )
    if folded in _NAN:
        raise refuse(
            f"column {column!r} is {shown(text)}, 'not a number', which is not a figure",
            "enter the figure; a missing figure is an error, never zero",
        )
    if folded in _INFINITE:
        raise refuse(
            f"column {column!r} is {shown(text)}, infinite, which is not a figure",
            "enter the figure (a rate whose denominator is zero is given as its two counts)",
        )
    if len(text) > MAX_NUMBER_TEXT:
        raise refuse(
            f"column {column!r} is {shown(text)}, which is not a number",
            "use digits with an optional '.' and '-', e.g. 1234 or 12.5",
        )
    if _NUMBER.fullmatch(text):
        whole = text.lstrip("-").partition(".")[0].lstrip("0")
        if len(whole) > LIMIT_DIGITS:
            raise refuse(
                f"column {column!r} is {shown(text)}, too large for a figure ({LIMIT} or more)",
                "check for extra digits, or a reference number pasted into the column",
            )
        return Fraction(text)
    if _THOUSANDS.fullmatch(text):
        raise refuse(
            f"column {column!r} is {shown(text)}, written with a thousands separator",
            f"write it as {text.replace(',', '')}",
        )
    if text.endswith("%"):
        raise refuse(f"column {column!r} is {shown(text)}, a percentage", percent_hint)
    if _SCIENTIFIC.fullmatch(text):
        raise refuse(
            f"column {column!r} is {shown(text)}, in scientific notation, which drops digits",
            "format the column as Number (no decimals) in Excel and save again, or type "
            "the figure in full",
        )
    raise refuse(
        f"column {column!r} is {shown(text)}, which is not a number",
        "use digits with an optional '.' and '-', e.g. 1234 or 12.5",
    )


def parse_month(cell: Cell, column: str) -> Month:
    text = cell_text(cell, column)
    try:
        if len(text) > 20:
            raise ValueError(f"{shown(text)} is not a month; write it as YYYY-MM, e.g. 2014-03")
        return Month.parse(text)
    except ValueError as exc:
        raise cell.where.error(f"column {column!r}: {exc}") from None


def optional_month(cell: Cell, column: str) -> Month | None:
    return parse_month(cell, column) if cell.text else None


def known_measure(cell: Cell, catalogue: Catalogue) -> Measure:
    text = cell_text(cell, "measure")
    measure = catalogue.get(text)
    if measure is None:
        raise cell.where.error(
            f"unknown measure {shown(text)}" + did_you_mean(text, catalogue),
            f"add it to {catalogue.file} or correct the name",
        )
    return measure


# --- rows ------------------------------------------------------------------------------


class MonthlyFigure(msgspec.Struct, frozen=True):
    """One measure's figures for one month, and where they were typed."""

    measure_id: str
    month: Month
    numerator: Fraction
    denominator: Fraction | None
    where: Where
    until_edition: Month | None = None  # a revision: the figure as it stood until then


class MsgEntry(msgspec.Struct, frozen=True):
    rank: str  # a rank 1-8, or "n/a"
    msg_average: Fraction | None
    period_end: Month | None
    where: Where | None = None


class SurveyEstimate(msgspec.Struct, frozen=True):
    last_year: Fraction
    this_year: Fraction
    period_end: Month | None
    where: Where | None = None


class _RowProblems(ProblemCollector):
    """Every problem of one row: each cell is checked even after another fails."""

    def value(self, read: Callable[[], T]) -> T | None:
        try:
            return read()
        except ReportgenError as error:
            self.add(error)
            return None


T = TypeVar("T")


def monthly_figure(row: SourceRow, catalogue: Catalogue, *, revision: bool) -> MonthlyFigure:
    """One row of ``monthly.csv`` (or ``revisions.csv``), checked; raises with every
    problem of the row."""
    return _plain_monthly_figure(row, catalogue, revision) or checked_monthly_figure(
        row, catalogue, revision=revision
    )


def _plain_monthly_figure(
    row: SourceRow, catalogue: Catalogue, revision: bool
) -> MonthlyFigure | None:
    """The row nearly every row is, accepted in a few steps: a measure with rows of its
    own, months written YYYY-MM and whole counts below the limit. None for any other
    row, which ``checked_monthly_figure`` then accepts or refuses with its reasons; a row
    accepted here is one it accepts, giving the same figure (a test holds them to it).
    """
    measure = catalogue.get(row["measure"].text)
    if measure is None or not measure.has_own_rows:
        return None
    numerator = plain_count(row["numerator"].text)
    if numerator is None:
        return None
    denominator_text = row["denominator"].text
    denominator = None
    if measure.aggregation is Aggregation.RATIO:
        denominator = plain_count(denominator_text)
        if denominator is None or (measure.unit is Unit.PERCENT and numerator > denominator):
            return None
    elif denominator_text:
        return None
    month = _plain_month(row["month"].text)
    until = _plain_month(row["until_edition"].text) if revision else None
    if month is None or (revision and until is None):
        return None
    return MonthlyFigure(
        measure.id,
        month,
        Fraction(numerator),
        None if denominator is None else Fraction(denominator),
        row.where,
        until,
    )


def _plain_month(text: str) -> Month | None:
    if len(text) != len("2014-03"):
        return None
    try:
        return Month.parse(text)
    except ValueError:
        return None


def checked_monthly_figure(
    row: SourceRow, catalogue: Catalogue, *, revision: bool
) -> MonthlyFigure:
    """Every rule for a monthly row, each cell checked even after another fails."""
    problems = _RowProblems()
    measure = problems.value(lambda: known_measure(row["measure"], catalogue))
    month = problems.value(lambda: parse_month(row["month"], "month"))
    until = (
        problems.value(lambda: parse_month(row["until_edition"], "until_edition"))
        if revision
        else None
    )
    if measure is not None and not measure.has_own_rows:
        problems.add(
            row["measure"].where.error(
                f"measure {measure.id!r} is {measure.aggregation.value}, derived from other "
                "figures, so it has no rows of its own",
                "remove the row",
            )
        )
        measure = None
    numerator = problems.value(lambda: parse_number(row["numerator"], "numerator"))
    denominator: Fraction | None = None
    den_cell = row["denominator"]
    if measure is not None and measure.aggregation is Aggregation.RATIO:
        denominator = problems.value(lambda: parse_number(den_cell, "denominator"))
        if denominator is not None and denominator < 0:
            problems.add(_negative(den_cell, "denominator"))
    elif measure is not None and den_cell.text:
        problems.add(
            den_cell.where.error(
                f"{measure.id} is a count, but the row has a denominator",
                "leave 'denominator' empty for counts",
            )
        )
    num_where = row["numerator"].where
    if numerator is not None and numerator < 0:
        problems.add(_negative(row["numerator"], "numerator"))
    if measure is not None and numerator is not None:
        if measure.aggregation is Aggregation.SUM and numerator.denominator != 1:
            problems.add(
                num_where.error(
                    f"{measure.id} is a count, but numerator is {shown(row['numerator'].text)}",
                    "counts are whole numbers",
                )
            )
        if (
            measure.unit is Unit.PERCENT
            and denominator is not None
            and numerator > denominator >= 0
        ):
            problems.add(
                num_where.error(
                    f"{measure.id} numerator {row['numerator'].text} is larger than its "
                    f"denominator {den_cell.text}, which would print as more than 100%",
                    "check the two columns are not swapped",
                )
            )
    problems.raise_if_any()
    assert measure is not None and month is not None and numerator is not None
    return MonthlyFigure(measure.id, month, numerator, denominator, row.where, until)


def in_reported_range(value: Fraction | None, measure: Measure) -> bool:
    """Whether a reported figure of the measure (a survey estimate, an MSG average) is
    what it can be: a percentage from 0 to 100, anything else 0 or more."""
    return value is not None and value >= 0 and (measure.unit is not Unit.PERCENT or value <= 100)


def _negative(cell: Cell, column: str) -> InputError:
    return cell.where.error(
        f"{column} {cell.text} is negative",
        "figures are counts of zero or more; type it as published, without a sign",
    )


def period_ends_by(period_end: Month | None, edition: Month) -> bool:
    """Whether a reported figure's period ends by its edition's month: an edition can
    report only what has already happened."""
    return period_end is None or period_end <= edition


def _period_end_problem(
    period_end: Month | None, edition: Month | None, cell: Cell
) -> InputError | None:
    if edition is None or period_ends_by(period_end, edition):
        return None
    return cell.where.error(
        f"period_end {period_end} is after the edition {edition}: an edition reports "
        "periods that have ended by its month",
        "check the year and the month",
    )


def _in_reported_range(
    value: Fraction | None, measure: Measure | None, cell: Cell, column: str
) -> InputError | None:
    if value is None or measure is None or in_reported_range(value, measure):
        return None
    percent = measure.unit is Unit.PERCENT
    return cell.where.error(
        f"{column} {cell.text} of {measure.id} is outside what it can be: a "
        f"{'percentage is from 0 to 100' if percent else 'figure is 0 or more'}",
        "check the figure and its column",
    )


def msg_entry(row: SourceRow, catalogue: Catalogue) -> tuple[tuple[str, str], MsgEntry]:
    problems = _RowProblems()
    edition = problems.value(lambda: parse_month(row["edition"], "edition"))
    measure = problems.value(lambda: known_measure(row["measure"], catalogue))
    rank = problems.value(lambda: cell_text(row["rank"], "rank"))
    entry = None
    if rank is not None and rank.lower() == "n/a":
        entry = MsgEntry("n/a", None, None, row.where)
    elif rank is not None:
        if not RANK.fullmatch(rank):
            problems.add(
                row["rank"].where.error(
                    f"rank {shown(rank)} is not a position 1-8 in the Most Similar Group",
                    "write 1 (best) to 8, or n/a",
                )
            )
        average = problems.value(
            lambda: parse_number(row["msg_average"], "msg_average", PLAIN_PERCENT_HINT)
        )
        outside = _in_reported_range(average, measure, row["msg_average"], "msg_average")
        if outside is not None:
            problems.add(outside)
        period_end = problems.value(lambda: optional_month(row["period_end"], "period_end"))
        late = _period_end_problem(period_end, edition, row["period_end"])
        if late is not None:
            problems.add(late)
        entry = MsgEntry(rank, average, period_end, row.where)
    problems.raise_if_any()
    assert edition is not None and measure is not None and entry is not None
    return (str(edition), measure.id), entry


def survey_estimate(row: SourceRow, catalogue: Catalogue) -> tuple[tuple[str, str], SurveyEstimate]:
    problems = _RowProblems()
    edition = problems.value(lambda: parse_month(row["edition"], "edition"))
    measure = problems.value(lambda: known_measure(row["measure"], catalogue))
    if measure is not None and measure.aggregation is not Aggregation.REPORTED:
        problems.add(
            row["measure"].where.error(
                f"{measure.id} is derived from monthly data, not a reported estimate",
                "survey estimates are for measures with 'aggregation: reported'",
            )
        )
    last = problems.value(lambda: parse_number(row["last_year"], "last_year", PLAIN_PERCENT_HINT))
    this = problems.value(lambda: parse_number(row["this_year"], "this_year", PLAIN_PERCENT_HINT))
    period_end = problems.value(lambda: optional_month(row["period_end"], "period_end"))
    late = _period_end_problem(period_end, edition, row["period_end"])
    if late is not None:
        problems.add(late)
    for value, column in ((last, "last_year"), (this, "this_year")):
        outside = _in_reported_range(value, measure, row[column], column)
        if outside is not None:
            problems.add(outside)
    problems.raise_if_any()
    assert edition is not None and measure is not None and last is not None and this is not None
    return (str(edition), measure.id), SurveyEstimate(last, this, period_end, row.where)


# --- the folder ------------------------------------------------------------------------


class FigureColumns(msgspec.Struct, frozen=True):
    """Monthly figures, a column each, in order of measure, then month (pandas sorts them
    at load): plain values the compute stage reads without pandas, and the data cache
    keeps as they are."""

    measure: tuple[str, ...] = ()
    month: tuple[str, ...] = ()  # "2014-03"
    numerator: tuple[Fraction, ...] = ()
    denominator: tuple[Fraction | None, ...] = ()  # None: a count
    source: tuple[str, ...] = ()  # "data/monthly.csv:12", "data/performance.xlsx: Monthly!F12"
    until_edition: tuple[str, ...] = ()  # revisions only: "2014-02"

    def __len__(self) -> int:
        return len(self.measure)

    def keys(self) -> list[tuple[str, str]]:
        """(measure, month) of every figure, in order."""
        return list(zip(self.measure, self.month, strict=True))

    def frame(self) -> pd.DataFrame:
        """The figures as a pandas frame indexed by (measure, month), for a reader who
        wants one."""
        import pandas as pd

        columns = ["numerator", "denominator", "source"]
        if self.until_edition:
            columns.append("until_edition")
        frame = pd.DataFrame(
            {name: list(getattr(self, name)) for name in ["measure", "month", *columns]},
            columns=["measure", "month", *columns],
        )
        return frame.set_index(["measure", "month"])


class PerformanceData(msgspec.Struct, frozen=True, weakref=True):
    """All figures of a report folder, validated."""

    monthly: FigureColumns
    revisions: FigureColumns  # the same, plus until_edition: earlier vintages of some rows
    msg: dict[tuple[str, str], MsgEntry]  # (edition, measure)
    survey: dict[tuple[str, str], SurveyEstimate]  # (edition, measure)
    monthly_file: str  # where a missing monthly figure is to be added
    msg_file: str
    survey_file: str
    first_month: Month
    last_month: Month
    revisions_file: str = ""
    files: Mapping[str, tuple[str, ...]] = msgspec.field(default_factory=dict)  # kind -> files
    warnings: tuple[str, ...] = ()

    def msg_ranking(self, edition: Month, measure_id: str) -> MsgEntry:
        """The edition's MSG row for the measure; its absence is a gap in the data (only
        an explicit "n/a" row prints n/a), told the same wherever it is met."""
        entry = self.msg.get((str(edition), measure_id))
        if entry is None:
            row = f"{edition},{measure_id},RANK,MSG_AVERAGE,PERIOD_END"
            if self.msg_file.endswith(WORKBOOK):
                hint = (
                    f"add a row to the {MSG.sheet} sheet: {_cells(row)} (rank n/a and the "
                    "rest empty where no ranking is published)"
                )
            else:
                hint = (
                    f"add '{row}' (or '{edition},{measure_id},n/a,,' where no ranking is published)"
                )
            raise InputError(
                f"no MSG ranking for {measure_id} in edition {edition}",
                file=self.msg_file,
                hint=hint,
            )
        return entry

    def survey_estimate(self, edition: Month, measure_id: str) -> SurveyEstimate:
        """The edition's survey estimate for the measure, told the same wherever missed."""
        estimate = self.survey.get((str(edition), measure_id))
        if estimate is None:
            row = f"{edition},{measure_id},last,this,period_end"
            if self.survey_file.endswith(WORKBOOK):
                hint = f"add a row to the {SURVEY.sheet} sheet: {_cells(row)}"
            else:
                hint = f"add a row '{row}'"
            raise InputError(
                f"no survey estimate for {measure_id} in edition {edition}",
                file=self.survey_file,
                hint=hint,
            )
        return estimate

    def how_to_add(self, measure_id: str, month: str) -> str:
        """Where an analyst types a missing monthly figure, for a hint."""
        if self.monthly_file.endswith(WORKBOOK):
            return f"enter it in the Monthly sheet of {self.monthly_file}: {measure_id}, {month}"
        return f"add a row '{measure_id},{month},…' to {self.monthly_file}"


def _cells(row: str) -> str:
    """A CSV row as the cells of a sheet's row: "2014-03 | ksi | …"."""
    return " | ".join(row.split(","))


class _Sources(msgspec.Struct):
    """The rows of each kind of data, from whichever files hold them."""

    rows: dict[str, list[SourceRow]]
    files: dict[str, list[str]]
    warnings: list[str]
    # kinds not wholly read: a file that could not be read, or rows of one that could
    # not (an unclosed quote takes the lines after it): nothing sure to check against
    unread: set[str] = msgspec.field(default_factory=set)


def _read_sources(
    folder: Path, catalogue: Catalogue, display: Callable[[str], str], problems: list
) -> _Sources:
    sources = _Sources({k.key: [] for k in KINDS}, {k.key: [] for k in KINDS}, [])
    book_path = folder / WORKBOOK
    # lexists: a link that leads nowhere is a file the analyst meant to give, and is
    # told; it is not taken for an optional file left out
    has_book = os.path.lexists(book_path)
    for kind in KINDS:
        path = folder / kind.csv
        if not (os.path.lexists(path) or (kind.required and not has_book)):
            continue
        try:
            read = read_csv(path, display(kind.csv), kind.columns)
        except ReportgenError as error:
            problems.append(error)
            sources.unread.add(kind.key)
            continue
        sources.rows[kind.key] += read.rows
        sources.files[kind.key].append(display(kind.csv))
        problems.extend(read.problems)
        if read.problems:
            sources.unread.add(kind.key)
    if has_book:
        from reportgen.load.workbook import read_workbook

        name = display(WORKBOOK)
        try:
            book = read_workbook(
                book_path,
                name,
                {k.sheet: k.columns for k in KINDS if k is not MONTHLY},
                elsewhere={
                    k.sheet for k in KINDS if k.key in sources.files and sources.files[k.key]
                },
            )
        except ReportgenError as error:
            problems.append(error)
            sources.unread.update(kind.key for kind in KINDS)
            return sources
        problems.extend(book.problems)
        if book.problems:
            sources.unread.update(kind.key for kind in KINDS if kind.sheet in book.sheets)
        for kind in KINDS:
            if kind.sheet in book.sheets:
                sources.rows[kind.key] += book.sheets[kind.sheet]
                sources.files[kind.key].append(name)
            elif kind.required and not sources.files[kind.key]:
                problems.append(
                    InputError(
                        f"the workbook has no sheet {kind.sheet!r}, and there is no "
                        f"{display(kind.csv)}" + did_you_mean(kind.sheet, book.sheet_names),
                        file=name,
                        hint=f"add a sheet named {kind.sheet} with the columns "
                        f"{','.join(kind.columns)}",
                    )
                )
        for label in book.labels:
            measure = catalogue.get(label.measure_id)
            if measure is not None and " ".join(label.text.split()) != measure.label:
                sources.warnings.append(
                    f"{label.where}: the label of {measure.id} is {shown(label.text)}, but "
                    f"{catalogue.file} says {shown(measure.label)} (the catalogue's is printed)"
                )
    return sources


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def _unique(
    records: Iterable[tuple[K, V, Where]],
    describe: Callable[[K], str],
    keep: str,
    problems: list,
) -> dict[K, tuple[V, Where]]:
    """One record per key; a second one is an error naming both places.

    Where many figures are both in a CSV and in the workbook (a workbook made from the
    CSVs, which were then kept), that is one problem, not one per figure.
    """
    found: dict[K, tuple[V, Where]] = {}
    in_both: dict[tuple[str, str], list[tuple[K, Where, Where]]] = {}
    for key, value, where in records:
        if key not in found:
            found[key] = (value, where)
            continue
        first = found[key][1]
        if first.file == where.file:
            problems.append(
                where.error(
                    f"{describe(key)} appears twice (first {'at' if first.cell else 'on'} "
                    f"{first.short})",
                    keep,
                )
            )
        else:
            in_both.setdefault((first.file, where.file), []).append((key, first, where))
    hint = "keep the figure in one place: the workbook or the CSV"
    for (first_file, second_file), clashes in in_both.items():
        if len(clashes) <= MAX_CLASHES_LISTED:
            for key, first, where in clashes:
                problems.append(
                    where.error(f"{describe(key)} is in both {first} and {where}", hint)
                )
            continue
        key, first, where = clashes[0]
        problems.append(
            InputError(
                f"{len(clashes)} figures are in both {first_file} and {second_file} (the "
                f"first: {describe(key)} at {first.short} and {where.short})",
                file=second_file,
                hint=f"remove {first_file} if the workbook now holds its figures; otherwise "
                "keep each figure in one place",
            )
        )
    return found


MAX_CLASHES_LISTED = 5


def _validated(
    rows: Iterable[SourceRow], check: Callable[[SourceRow], V], problems: list
) -> list[V]:
    records = []
    for row in rows:
        try:
            records.append(check(row))
        except ReportgenError as error:
            problems.append(error)
    return records


def _figure_columns(figures: Iterable[MonthlyFigure], revisions: bool) -> FigureColumns:
    # imported here, not with the module: the later stages import this module for its
    # value types, and a process that only lays pages out need not load pandas
    import pandas as pd

    columns = ["measure", "month", "numerator", "denominator", "source"]
    if revisions:
        columns.append("until_edition")
    records = [
        (f.measure_id, str(f.month), f.numerator, f.denominator, str(f.where))
        + ((str(f.until_edition),) if revisions else ())
        for f in figures
    ]
    frame = pd.DataFrame.from_records(records, columns=columns)
    frame = frame.set_index(["measure", "month"]).sort_index()
    index = frame.index.tolist()
    # each column as a list: iterating a column of objects fetches its cells one by one
    return FigureColumns(
        measure=tuple(str(measure) for measure, _ in index),
        month=tuple(str(month) for _, month in index),
        numerator=tuple(frame["numerator"].tolist()),
        # a frame may hold a missing denominator as NaN: a count's is None
        denominator=tuple(
            d if isinstance(d, Fraction) else None for d in frame["denominator"].tolist()
        ),
        source=tuple(frame["source"].tolist()),
        until_edition=tuple(frame["until_edition"].tolist()) if revisions else (),
    )


def load_data(folder: Path, catalogue: Catalogue, root: Path | None = None) -> PerformanceData:
    """Every data file of ``folder`` (the CSVs and/or ``performance.xlsx``), checked.

    Raises one ``Problems`` (or the single error) naming every bad row and cell.
    """

    def display(file_name: str) -> str:
        path = folder / file_name
        return str(path.relative_to(root)) if root and path.is_relative_to(root) else str(path)

    problems: list[ReportgenError] = []
    sources = _read_sources(folder, catalogue, display, problems)
    rows = sources.rows
    monthly_figures = _validated(
        rows["monthly"], lambda r: monthly_figure(r, catalogue, revision=False), problems
    )
    revision_figures = _validated(
        rows["revisions"], lambda r: monthly_figure(r, catalogue, revision=True), problems
    )
    msg = _validated(rows["msg"], lambda r: msg_entry(r, catalogue), problems)
    survey = _validated(rows["survey"], lambda r: survey_estimate(r, catalogue), problems)

    monthly = _unique(
        (((f.measure_id, str(f.month)), f, f.where) for f in monthly_figures),
        lambda key: f"{key[0]} {key[1]}",
        "keep one row per measure and month",
        problems,
    )
    revised = _unique(
        (
            ((f.measure_id, str(f.month), str(f.until_edition)), f, f.where)
            for f in revision_figures
        ),
        lambda key: f"{key[0]} {key[1]} until edition {key[2]}",
        "keep one row per measure, month and until_edition",
        problems,
    )
    msg_entries = _unique(
        ((key, entry, entry.where) for key, entry in msg),  # type: ignore[misc]
        lambda key: f"{key[1]} for edition {key[0]}",
        "keep one row per edition and measure",
        problems,
    )
    estimates = _unique(
        ((key, estimate, estimate.where) for key, estimate in survey),  # type: ignore[misc]
        lambda key: f"{key[1]} for edition {key[0]}",
        "keep one row per edition and measure",
        problems,
    )
    # against the rows as typed, so a monthly row with a bad figure is reported only once
    typed = {(r["measure"].text, r["month"].text) for r in rows["monthly"]}
    for (measure_id, month, _), (_figure, where) in revised.items():
        if "monthly" in sources.unread:
            break  # the monthly figures could not be read: nothing to check against
        if (measure_id, month) not in monthly and (measure_id, month) not in typed:
            problems.append(
                where.error(
                    f"revision of {measure_id} {month}, which has no figure in the monthly data",
                    "a revision records an earlier figure of an existing row",
                )
            )
    monthly_files = sources.files["monthly"]
    if not monthly and not problems:
        problems.append(
            InputError(
                "no monthly figures", file=monthly_files[0] if monthly_files else display("")
            )
        )
    _raise_all(problems)

    months = sorted({figure.month for figure, _ in monthly.values()})
    first_file = next(iter(monthly_files), display(MONTHLY.csv))
    return PerformanceData(
        monthly=_figure_columns((f for f, _ in monthly.values()), revisions=False),
        revisions=_figure_columns((f for f, _ in revised.values()), revisions=True),
        msg={key: entry for key, (entry, _) in msg_entries.items()},
        survey={key: estimate for key, (estimate, _) in estimates.items()},
        monthly_file=first_file,
        msg_file=next(iter(sources.files["msg"]), display(MSG.csv)),
        survey_file=next(iter(sources.files["survey"]), display(SURVEY.csv)),
        first_month=months[0],
        last_month=months[-1],
        revisions_file=next(iter(sources.files["revisions"]), display(REVISIONS.csv)),
        files={key: tuple(files) for key, files in sources.files.items()},
        warnings=tuple(sources.warnings),
    )


def _raise_all(problems: list[ReportgenError]) -> None:
    """Raise every problem once (a workbook row repeats its measure's problem per month)."""
    collector = ProblemCollector()
    for problem in problems:
        collector.add(problem)
    collector.raise_if_any()
