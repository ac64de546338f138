"""Performance tables: layout table + figures for an edition -> rows of display strings.

Each measure row holds last year, this year, Better/Worse, MSG rank (with its rag
colour) and the Improved/Worsened/Same movement since the previous edition, exactly
as printed. Satisfaction measures are followed by their confidence-interval row.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass, field
from fractions import Fraction

import msgspec

from reportgen.compute import rules
from reportgen.compute.aggregate import Aggregate, Figures
from reportgen.compute.wording import Wording
from reportgen.errors import InputError, ProblemCollector
from reportgen.load.catalogue import Aggregation, Measure
from reportgen.load.content import Statement
from reportgen.load.data import MsgEntry, SurveyEstimate
from reportgen.load.layout import PerformanceTable, StatementTable
from reportgen.months import Month

CSV_COLUMNS = ("section", "kind", "label", "last_year", "this_year", "diff", "msg_rank", "movement")
# the figures as ``reportgen figures`` writes them and the archive keeps them: the printed
# table's columns, and the MSG rank's colour (green, red or black; empty where the row has
# no coloured rank), which is printed too, so a re-issue that changes only it is seen
FIGURES_COLUMNS = (*CSV_COLUMNS, "msg_colour")


@dataclass(frozen=True)
class Row:
    """One printed row; ``as_csv`` gives the golden table's columns."""

    section: int
    kind: str  # measure | confidence_interval | statement
    label: str
    last_year: str = ""
    this_year: str = ""
    diff: str = ""
    msg_rank: str = ""
    movement: str = ""
    rag: str | None = None  # green / red / black for the MSG rank
    measure_id: str | None = None
    # how each cell was derived (measure and confidence-interval rows)
    derivation: Derivation | None = field(default=None, compare=False, repr=False)
    # where the row's text was written (the catalogue's measure, the narrative's
    # statement): a row too tall for a page is named by it
    source: tuple[str | None, int | None] = field(default=(None, None), compare=False, repr=False)

    def as_csv(self) -> tuple[str, ...]:
        return (
            str(self.section),
            self.kind,
            self.label,
            self.last_year,
            self.this_year,
            self.diff,
            self.msg_rank,
            self.movement,
        )

    def as_figures(self) -> tuple[str, ...]:
        """The row in ``FIGURES_COLUMNS``."""
        return (*self.as_csv(), self.rag or "")


@dataclass(frozen=True)
class TableRows:
    """A table as printed: caption, column headers and rows of display strings, each row
    keeping how its cells were derived (performance) or where it was written (statement)."""

    section: int
    caption: str
    headers: tuple[str, ...]
    rows: tuple[Row, ...]
    kind: str  # performance | statement
    msg_ranking: bool = False
    # where the caption was written (the layout's default caption, or the table's own)
    source: tuple[str | None, int | None] = field(default=(None, None), compare=False)
    # where the layout places this table: a problem of the table as a whole names it
    place: tuple[str | None, int | None] = field(default=(None, None), compare=False)


NOT_COMPARABLE = "not comparable before {month}"
NO_BASE = "no base (last year was zero)"
NO_DENOMINATOR = "no base (the denominator was zero)"
NOT_YET_MONITORED = "not yet monitored"
NO_MSG_RANKING = "no MSG ranking published"


class YearFigure(msgspec.Struct, frozen=True):
    """One year's cell of a measure row (last year or this year) and how it was made."""

    months: tuple[Month, ...]
    value: Fraction | None  # unrounded; None where the cell prints n/a
    text: str  # as printed
    aggregate: Aggregate | None = None  # monthly measures
    estimate: SurveyEstimate | None = None  # reported measures
    reason: str | None = None  # why n/a


class MsgCell(msgspec.Struct, frozen=True):
    rank: str
    entry: MsgEntry
    colour: rules.MsgColour | None
    rag: str | None
    reason: str | None = None


class Derivation(msgspec.Struct, frozen=True):
    """How every cell of one measure row was derived: what ``reportgen explain`` shows.

    The printed row is made from this record (``performance_rows``), so the
    explanation cannot drift from the figure.
    """

    measure: Measure
    edition: Month
    last_year: YearFigure
    this_year: YearFigure
    difference: rules.Difference | None
    difference_text: str
    difference_reason: str | None
    movement: rules.Movement
    movement_reason: str | None
    previous: Derivation | None  # the previous edition's row, as it stood then
    msg: MsgCell | None = None
    intervals: tuple[rules.Interval | None, rules.Interval | None] | None = None

    @property
    def respondents(self) -> tuple[Fraction | None, Fraction | None]:
        return tuple(  # type: ignore[return-value]
            y.aggregate.denominator if y.aggregate else None
            for y in (self.last_year, self.this_year)
        )


def data_month(table: PerformanceTable, figures: Figures, edition: Month) -> Month:
    """The month a table's caption names: the edition less its measures' smallest lag."""
    lag = min(figures.catalogue[m].window.lag for m in table.measures)
    return edition.shift(-lag)


def check_edition_in_data(figures: Figures, edition: Month) -> None:
    data = figures.data
    if not data.first_month <= edition <= data.last_month:
        raise InputError(
            f"edition {edition} is outside the data, which runs from {data.first_month} "
            f"to {data.last_month}",
            file=data.monthly_file,
            hint="add that month's figures or choose an edition inside the data",
        )


def comparable_with_last_year(measure: Measure, last_months: list[Month]) -> bool:
    """Whether last year's figure of the measure may stand beside this year's: not where
    last year's window begins before its ``comparable_from`` (the table prints "not
    comparable"; the charts draw no last year)."""
    return measure.comparable_from is None or last_months[0] >= measure.comparable_from


def not_yet_monitored(figures: Figures, measure: Measure, months: list[Month]) -> bool:
    """True where the whole window lies before the measure was first monitored.

    That is before its ``comparable_from`` *and* before its first figure (victimless
    prosecutions in an edition before November 2013): the edition prints n/a. A row lost
    from a series that had begun is still an error.
    """
    if measure.comparable_from is None or months[-1] >= measure.comparable_from:
        return False
    first = figures.first_month(measure.id)
    return first is not None and months[-1] < first


def _year(
    figures: Figures, measure: Measure, months: list[Month], reason: str | None
) -> YearFigure:
    if reason is not None:
        return YearFigure(tuple(months), None, rules.NOT_AVAILABLE, reason=reason)
    aggregate = figures.aggregate(measure.id, months)
    return YearFigure(
        tuple(months),
        aggregate.value,
        rules.format_value(measure, aggregate.value),
        aggregate,
        reason=NO_DENOMINATOR if aggregate.value is None else None,
    )


def _survey_years(
    figures: Figures, measure: Measure, edition: Month
) -> tuple[YearFigure, YearFigure]:
    estimate = figures.data.survey_estimate(edition, measure.id)
    this_months = measure.window.months(edition)
    last_months = [m.shift(-12) for m in this_months]
    return tuple(  # type: ignore[return-value]
        YearFigure(tuple(months), value, rules.format_value(measure, value), estimate=estimate)
        for months, value in ((last_months, estimate.last_year), (this_months, estimate.this_year))
    )


def _difference(
    measure: Measure, last: YearFigure, this: YearFigure, percent_sign: bool
) -> tuple[rules.Difference | None, str, str | None]:
    if last.value is None or this.value is None:
        return None, rules.NOT_AVAILABLE, last.reason or this.reason
    difference = rules.derive_difference(measure, last.value, this.value)
    text = rules.format_difference(measure, difference.value, percent_sign=percent_sign)
    return difference, text, NO_BASE if difference.value is None else None


def _intervals(last: YearFigure, this: YearFigure) -> tuple[rules.Interval | None, ...]:
    found: list[rules.Interval | None] = []
    for year in (last, this):
        totals = year.aggregate
        if totals is None or totals.denominator is None or not totals.denominator:
            found.append(None)
            continue
        proportion = totals.numerator / totals.denominator
        found.append(rules.derive_confidence_interval(proportion, totals.denominator))
    return tuple(found)


def derive(
    figures: Figures,
    measure: Measure,
    edition: Month,
    *,
    percent_sign: bool = False,
    msg_ranking: bool = False,
    with_previous: bool = True,
) -> Derivation:
    """One measure row of an edition, every cell with its derivation."""
    figures = figures.as_of(edition)
    # both years' missing months at once, and the previous edition's, told as one
    found = ProblemCollector()
    years: Derivation | None = None
    with found.attempt():
        years = _years(figures, measure, edition, percent_sign)
    previous: Derivation | None = None
    with found.attempt():
        if with_previous:
            previous = previous_derivation(figures, measure, edition, percent_sign=percent_sign)
    found.raise_if_any()
    assert years is not None
    if not with_previous and not msg_ranking:
        return years
    difference, difference_reason = years.difference, years.difference_reason
    movement_reason = None
    movement = rules.derive_movement(
        measure,
        difference.value if difference else None,
        previous.difference.value if previous and previous.difference else None,
    )
    if movement.text == rules.NOT_AVAILABLE:
        if with_previous and previous is None:
            movement_reason = NOT_YET_MONITORED
        elif difference_reason:
            movement_reason = difference_reason
        elif previous is not None:
            movement_reason = f"{previous.edition.abbr}: {previous.difference_reason}"
    this = years.this_year
    msg = _msg_cell(figures, measure, edition, this.value) if msg_ranking else None
    return Derivation(
        measure,
        edition,
        years.last_year,
        this,
        difference,
        years.difference_text,
        difference_reason,
        movement,
        movement_reason,
        previous,
        msg,
        years.intervals,
    )


def _years(figures: Figures, measure: Measure, edition: Month, percent_sign: bool) -> Derivation:
    """The row without the previous edition's and the MSG rank: both years and their
    difference. Made once per data set (``Figures.kept``): an edition's row is also the
    next edition's previous row, and the editions of a year are computed together."""
    key = ("years", measure.id, str(edition), percent_sign)
    kept = figures.kept(key)
    if kept is not None:
        return typing.cast(Derivation, kept)
    years: list[YearFigure] = []
    found = ProblemCollector()
    if measure.aggregation is Aggregation.REPORTED:
        years += _survey_years(figures, measure, edition)
    else:
        this_months, last_months = figures.windowed(measure.id, edition)
        not_comparable = (
            None
            if comparable_with_last_year(measure, last_months)
            else NOT_COMPARABLE.format(month=measure.comparable_from)
        )
        before = NOT_YET_MONITORED if not_yet_monitored(figures, measure, this_months) else None
        for months, reason in ((last_months, before or not_comparable), (this_months, before)):
            with found.attempt():
                years.append(_year(figures, measure, months, reason))
    found.raise_if_any()
    last, this = years
    difference, difference_text, difference_reason = _difference(measure, last, this, percent_sign)
    movement = rules.derive_movement(measure, difference.value if difference else None, None)
    derivation = Derivation(
        measure,
        edition,
        last,
        this,
        difference,
        difference_text,
        difference_reason,
        movement,
        difference_reason if movement.text == rules.NOT_AVAILABLE else None,
        None,
        None,
        _intervals(last, this) if measure.confidence_interval else None,  # type: ignore[arg-type]
    )
    figures.keep(key, derivation)
    return derivation


def previous_derivation(
    figures: Figures, measure: Measure, edition: Month, *, percent_sign: bool = False
) -> Derivation | None:
    """The previous edition's row as it stood then, or None where it was not yet monitored.

    A measure first monitored mid-series (``comparable_from``: victimless prosecutions,
    November 2013) has no previous edition to move from before then: its movement is
    n/a. Any other gap is an error, so a lost row never turns into a quiet "n/a" — for
    a survey estimate as for monthly figures.
    """
    previous = edition.shift(-1)
    if measure.aggregation is Aggregation.REPORTED:
        if measure.comparable_from is not None and previous < measure.comparable_from:
            return None
    else:
        this_months, _ = figures.windowed(measure.id, previous)
        if measure.comparable_from is not None and this_months[0] < measure.comparable_from:
            return None
    return derive(figures, measure, previous, percent_sign=percent_sign, with_previous=False)


def _msg_cell(
    figures: Figures, measure: Measure, edition: Month, this_year: Fraction | None
) -> MsgCell:
    entry = figures.data.msg_ranking(edition, measure.id)
    if entry.rank == rules.NOT_AVAILABLE:
        return MsgCell(rules.NOT_AVAILABLE, entry, None, None, NO_MSG_RANKING)
    if this_year is None or entry.msg_average is None:
        return MsgCell(entry.rank, entry, None, "black")
    colour = rules.derive_msg_rag(measure, this_year, entry.msg_average)
    return MsgCell(entry.rank, entry, colour, colour.colour)


def row_derivation(
    table: PerformanceTable, figures: Figures, measure: Measure, edition: Month
) -> Derivation:
    """The measure's row as ``table`` derives it (its difference's sign, its MSG rank)."""
    return derive(
        figures,
        measure,
        edition,
        percent_sign=table.diff_percent_sign,
        msg_ranking=table.msg_ranking,
    )


def performance_rows(
    table: PerformanceTable, section: int, figures: Figures, edition: Month
) -> list[Row]:
    rows: list[Row] = []
    problems = ProblemCollector()  # every measure's missing figure at once, not the first
    for measure_id in table.measures:
        measure = figures.catalogue[measure_id]
        with problems.attempt():
            derivation = row_derivation(table, figures, measure, edition)
        if problems.problems:
            continue  # the table is not printed: only its problems are wanted now
        rows.append(
            Row(
                section=section,
                kind="measure",
                label=measure.label,
                last_year=derivation.last_year.text,
                this_year=derivation.this_year.text,
                diff=derivation.difference_text,
                msg_rank=derivation.msg.rank if derivation.msg else "",
                movement=derivation.movement.text,
                rag=derivation.msg.rag if derivation.msg else None,
                measure_id=measure.id,
                derivation=derivation,
                source=(figures.catalogue.file, measure.line),
            )
        )
        if derivation.intervals is not None:
            last_year, this_year = (
                i.text if i is not None else rules.NOT_AVAILABLE for i in derivation.intervals
            )
            rows.append(
                Row(
                    section,
                    "confidence_interval",
                    "Confidence interval",
                    last_year=last_year,
                    this_year=this_year,
                    derivation=derivation,
                )
            )
    problems.raise_if_any()
    return rows


def performance_table(
    table: PerformanceTable,
    section_number: int,
    section_title: str,
    figures: Figures,
    wording: Wording,
) -> TableRows:
    month = data_month(table, figures, wording.edition)
    extra = {
        "number": str(section_number),
        "title": section_title,
        "data_month": month.abbr,
        "previous_data_month": month.shift(-1).abbr,
    }
    headers = [wording.fill(h, extra) for h in table.headers]
    if table.msg_ranking:
        headers.insert(3, "MSG Ranking")
    return TableRows(
        section=section_number,
        caption=wording.fill(table.caption, extra),
        source=(table.caption.file, table.caption.line),
        place=(table.caption.file, table.line),
        headers=tuple(headers),
        rows=tuple(performance_rows(table, section_number, figures, wording.edition)),
        kind="performance",
        msg_ranking=table.msg_ranking,
    )


def statement_table(
    table: StatementTable,
    section_number: int,
    section_title: str,
    statements: tuple[Statement, ...],
    wording: Wording,
) -> TableRows:
    extra = {"number": str(section_number), "title": section_title}
    return TableRows(
        section=section_number,
        caption=wording.fill(table.caption, extra),
        source=(table.caption.file, table.caption.line),
        place=(table.caption.file, table.line),
        headers=(),
        rows=tuple(
            Row(
                section_number,
                "statement",
                s.target,
                movement=s.status,
                source=(s.file, s.line),
            )
            for s in statements
        ),
        kind="statement",
    )
