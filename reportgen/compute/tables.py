"""Performance tables: layout table + figures for an edition -> rows of display strings.

Each measure row holds last year, this year, Better/Worse, MSG rank (with its rag
colour) and the Improved/Worsened/Same movement since the previous edition, exactly
as printed. Satisfaction measures are followed by their confidence-interval row.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from reportgen.compute import rules
from reportgen.compute.aggregate import Figures
from reportgen.compute.wording import Wording
from reportgen.errors import InputError
from reportgen.load.catalogue import Aggregation, Measure
from reportgen.load.content import Statement
from reportgen.load.layout import PerformanceTable, StatementTable
from reportgen.months import Month

CSV_COLUMNS = ("section", "kind", "label", "last_year", "this_year", "diff", "msg_rank", "movement")


@dataclass(frozen=True)
class Row:
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


@dataclass(frozen=True)
class TableRows:
    section: int
    caption: str
    headers: tuple[str, ...]
    rows: tuple[Row, ...]
    kind: str  # performance | statement
    msg_ranking: bool = False


@dataclass(frozen=True)
class Comparison:
    """One measure's two years for one edition, before formatting."""

    last_year: Fraction | None
    this_year: Fraction | None
    difference: Decimal | None
    respondents: tuple[Fraction | None, Fraction | None] = (None, None)
    proportions: tuple[Fraction | None, Fraction | None] = (None, None)


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


def compare(figures: Figures, measure: Measure, edition: Month) -> Comparison:
    figures = figures.as_of(edition)
    if measure.aggregation is Aggregation.REPORTED:
        estimate = figures.data.survey.get((str(edition), measure.id))
        if estimate is None:
            raise InputError(
                f"no survey estimate for {measure.id} in edition {edition}",
                file=figures.data.survey_file,
                hint=f"add a row '{edition},{measure.id},last,this,period_end'",
            )
        diff = rules.difference(measure, estimate.last_year, estimate.this_year)
        return Comparison(estimate.last_year, estimate.this_year, diff)
    this_months, last_months = figures.windowed(measure.id, edition)
    if not_yet_monitored(figures, measure, this_months):
        return Comparison(None, None, None)
    this_year = figures.value(measure.id, this_months)
    comparable = measure.comparable_from is None or last_months[0] >= measure.comparable_from
    last_year = figures.value(measure.id, last_months) if comparable else None
    diff = None
    if last_year is not None and this_year is not None:
        diff = rules.difference(measure, last_year, this_year)
    respondents: tuple[Fraction | None, Fraction | None] = (None, None)
    proportions: tuple[Fraction | None, Fraction | None] = (None, None)
    if measure.confidence_interval:
        totals = (
            figures.totals(measure.id, last_months) if comparable else None,
            figures.totals(measure.id, this_months),
        )
        respondents = tuple(t.denominator if t else None for t in totals)  # type: ignore[assignment]
        proportions = tuple(  # type: ignore[assignment]
            t.numerator / t.denominator if t and t.denominator else None for t in totals
        )
    return Comparison(last_year, this_year, diff, respondents, proportions)


def previous_difference(figures: Figures, measure: Measure, edition: Month) -> Decimal | None:
    """The previous edition's Better/Worse, or None where the measure had not begun.

    A measure first monitored mid-series (``comparable_from``: victimless prosecutions,
    November 2013) has no previous edition to move from before then: its movement is
    n/a. Any other gap is an error, so a lost row never turns into a quiet "n/a".
    """
    previous = edition.shift(-1)
    if measure.aggregation is Aggregation.REPORTED:
        started = any(
            key[1] == measure.id and Month.parse(key[0]) <= previous for key in figures.data.survey
        )
        return compare(figures, measure, previous).difference if started else None
    this_months, _ = figures.windowed(measure.id, previous)
    if measure.comparable_from is not None and this_months[0] < measure.comparable_from:
        return None
    return compare(figures, measure, previous).difference


def _msg_cell(figures: Figures, measure: Measure, edition: Month, this_year: Fraction | None):
    entry = figures.data.msg.get((str(edition), measure.id))
    if entry is None:
        # an absent row is a gap in the data, not the published "n/a"
        raise InputError(
            f"no MSG ranking for {measure.id} in edition {edition}",
            file=figures.data.msg_file,
            hint=f"add '{edition},{measure.id},RANK,MSG_AVERAGE,PERIOD_END' "
            f"(or '{edition},{measure.id},n/a,,' where no ranking is published)",
        )
    if entry.rank == rules.NOT_AVAILABLE:
        return rules.NOT_AVAILABLE, None
    if this_year is None or entry.msg_average is None:
        return entry.rank, "black"
    return entry.rank, rules.msg_rag(measure, this_year, entry.msg_average)


def performance_rows(
    table: PerformanceTable, section: int, figures: Figures, edition: Month
) -> list[Row]:
    rows: list[Row] = []
    for measure_id in table.measures:
        measure = figures.catalogue[measure_id]
        now = compare(figures, measure, edition)
        before = previous_difference(figures, measure, edition)
        msg_rank, rag = "", None
        if table.msg_ranking:
            msg_rank, rag = _msg_cell(figures, measure, edition, now.this_year)
        rows.append(
            Row(
                section=section,
                kind="measure",
                label=measure.label,
                last_year=rules.format_value(measure, now.last_year),
                this_year=rules.format_value(measure, now.this_year),
                diff=rules.format_difference(
                    measure, now.difference, percent_sign=table.diff_percent_sign
                ),
                msg_rank=msg_rank,
                movement=rules.movement(measure, now.difference, before),
                rag=rag,
                measure_id=measure.id,
            )
        )
        if measure.confidence_interval:
            cells = [
                rules.confidence_interval(p, n) if p is not None and n is not None else "n/a"
                for p, n in zip(now.proportions, now.respondents, strict=True)
            ]
            rows.append(Row(section, "confidence_interval", "Confidence interval", *cells))
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
        headers=(),
        rows=tuple(
            Row(section_number, "statement", s.target, movement=s.status) for s in statements
        ),
        kind="statement",
    )
