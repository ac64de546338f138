"""``reportgen explain``: one measure's row -> how each printed cell was derived.

In:  a report folder, a measure id and an edition.
Out: the measure's ``Derivation`` — the very record its printed row was made from
     (``compute.tables.derive``) — as text or as JSON: the window with each month's
     figures and their sources, the totals, the unrounded and displayed values, the
     rule with its arithmetic (``(715 − 669) / 669 × 100 = 6.876… → 6.9, half-up``), the
     previous edition's difference and the movement with the polarity that names it,
     the MSG rank, average and colour rule, the confidence interval's inputs, and the
     revision vintage of every figure. Nothing here computes a figure: it formats.
"""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction
from typing import Any

from reportgen.compute import rules
from reportgen.compute.aggregate import Aggregate, Figures, MonthFigure
from reportgen.compute.tables import (
    Derivation,
    YearFigure,
    check_edition_in_data,
    derive,
    row_derivation,
)
from reportgen.compute.wording import describe_months
from reportgen.errors import InputError
from reportgen.load.catalogue import Aggregation, Measure, Unit
from reportgen.load.folder import ReportFolder
from reportgen.load.layout import PerformanceTable
from reportgen.load.schema import did_you_mean
from reportgen.months import Month

MINUS, TIMES = "−", "×"
EXTRA_DIGITS = 2  # an unrounded value shows two digits more than it prints


# --- the record ------------------------------------------------------------------------


def explain_measure(
    folder: ReportFolder, measure_id: str, edition: Month
) -> tuple[Derivation, int | None]:
    """(the measure's derivation in ``edition``, the section whose table prints it)."""
    measure = folder.catalogue.get(measure_id)
    if measure is None:
        raise InputError(
            f"unknown measure {measure_id!r}" + did_you_mean(measure_id, folder.catalogue),
            file=folder.catalogue.file,
            hint="give a measure id from the catalogue",
        )
    figures = Figures(folder.catalogue, folder.data, edition)
    check_edition_in_data(figures, edition)
    # the measure's row as its table derives it (the other rows are not wanted: a gap in
    # another measure's figures is no reason not to explain this one)
    for section in folder.layout.sections:
        for table in section.tables():
            if isinstance(table, PerformanceTable) and measure_id in table.measures:
                return row_derivation(table, figures, measure, edition), section.number
    # a chart-only or component measure: its row as a table without MSG ranking would print it
    return derive(figures, measure, edition), None


# --- numbers as the explanation writes them ---------------------------------------------


def exact(value: Fraction | Decimal | int) -> str:
    """A value in full where it has a short decimal form (715, 95.1), else approximately."""
    if isinstance(value, Decimal):
        return rules.format_decimal(value, max(0, -value.as_tuple().exponent))  # type: ignore[operator]
    value = Fraction(value)
    if value.denominator == 1:
        return str(value.numerator)
    for places in range(1, 7):
        if (value * 10**places).denominator == 1:
            return rules.format_decimal(
                Decimal(value.numerator) / Decimal(value.denominator), places
            )
    return approximately(value, 5)


def approximately(value: Fraction | Decimal, places: int) -> str:
    """6.875934… -> "6.876…" at ``places``; a value exact at ``places`` has no ellipsis."""
    fraction = Fraction(value)
    if (fraction * 10**places).denominator == 1:
        return exact(fraction) if places else str(fraction.numerator)
    return rules.format_decimal(rules.round_half_up(fraction, places), places) + "…"


def unrounded(value: Fraction | Decimal, decimals: int) -> str:
    return approximately(value, decimals + EXTRA_DIGITS)


def scaled(measure: Measure, numerator: str, denominator: str, scale: int) -> str:
    return f"{numerator} / {denominator}" + (f" {TIMES} {scale}" if scale != 1 else "")


def printed_value(measure: Measure, value: Fraction) -> str:
    return rules.format_decimal(rules.displayed_value(measure, value), measure.decimals)


# --- one cell at a time ----------------------------------------------------------------


def year_arithmetic(measure: Measure, year: YearFigure) -> str:
    """How a year's figure was made, ending in the printed cell."""
    if year.estimate is not None:
        where = f" ({year.estimate.where})" if year.estimate.where else ""
        return f"reported estimate {exact(year.value or 0)}{where} → {year.text}"
    if year.aggregate is None:
        return f"n/a: {year.reason}"
    aggregate = year.aggregate
    arithmetic = _aggregate_arithmetic(measure, aggregate)
    if aggregate.value is None:
        return f"{arithmetic} = n/a: {year.reason}"
    result = unrounded(aggregate.value, measure.decimals)
    if aggregate.denominator is None and aggregate.value.denominator == 1:
        return f"{arithmetic} → {year.text}"
    return f"{arithmetic} = {result} → {year.text}, half-up"


def _aggregate_arithmetic(measure: Measure, aggregate: Aggregate) -> str:
    kind = aggregate.aggregation
    if kind is Aggregation.SUM_OF:
        names = " + ".join(part.measure_id for part in aggregate.parts)
        values = " + ".join(exact(part.numerator) for part in aggregate.parts)
        return f"{measure.id} = {names} = {values} = {exact(aggregate.numerator)}"
    if kind is Aggregation.RATIO_OF:
        top, bottom = aggregate.parts
        names = scaled(measure, top.measure_id, bottom.measure_id, aggregate.scale)
        values = scaled(measure, exact(top.numerator), exact(bottom.numerator), aggregate.scale)
        return f"{names} = {values}"
    if kind is Aggregation.RATIO:
        names = scaled(measure, "Σ numerator", "Σ denominator", aggregate.scale)
        values = scaled(
            measure, exact(aggregate.numerator), exact(aggregate.denominator or 0), aggregate.scale
        )
        return f"{names} = {values}"
    return f"Σ over {len(aggregate.months)} month(s) = {exact(aggregate.numerator)}"


def difference_arithmetic(derivation: Derivation) -> str:
    difference = derivation.difference
    if difference is None:
        return f"n/a: {derivation.difference_reason}"
    last, this = exact(difference.last_year), exact(difference.this_year)
    if difference.rule is rules.DifferenceRule.PERCENT_CHANGE:
        if difference.unrounded is None:
            return f"last year was {last}: n/a: {derivation.difference_reason}"
        change = unrounded(difference.unrounded, difference.decimals)
        return (
            f"({this} {MINUS} {last}) / {last} {TIMES} 100 = {change} → "
            f"{derivation.difference_text}, half-up"
        )
    return (
        f"{this} {MINUS} {_signed(last)} = "
        f"{rules.format_decimal(difference.value, difference.decimals)}"  # type: ignore[arg-type]
        f" (the displayed values, not the unrounded ones) → {derivation.difference_text}"
    )


def movement_arithmetic(derivation: Derivation) -> str:
    movement = derivation.movement
    if movement.change is None:
        return f"n/a: {derivation.movement_reason}"
    decimals = rules.difference_decimals(derivation.measure)
    this = rules.format_decimal(movement.this_difference, decimals)  # type: ignore[arg-type]
    before = rules.format_decimal(movement.previous_difference, decimals)  # type: ignore[arg-type]
    change = rules.format_decimal(movement.change, decimals)
    polarity = movement.polarity.words
    if movement.good is None:
        reading = "no change at the printed precision"
    else:
        rose = movement.change > 0
        reading = f"it {'rose' if rose else 'fell'}, which is {'good' if movement.good else 'bad'}"
    return f"{this} {MINUS} {_signed(before)} = {change}; {polarity}, {reading} → {movement.text}"


def _signed(number: str) -> str:
    """A negative number subtracted is bracketed: 8 − (-3), not 8 − -3."""
    return f"({number})" if number.startswith("-") else number


def msg_arithmetic(derivation: Derivation) -> str | None:
    cell = derivation.msg
    if cell is None:
        return None
    entry = cell.entry
    where = f" ({entry.where})" if entry.where else ""
    if cell.reason:
        return f"n/a: {cell.reason}{where}"
    period = f", period to {entry.period_end}" if entry.period_end else ""
    head = f"rank {cell.rank} of 8 (1 = best){period}{where}"
    colour = cell.colour
    if colour is None:
        return f"{head}; no MSG average or no figure to compare: {cell.rag}"
    polarity = colour.polarity.words
    decimals = derivation.measure.decimals
    ours = rules.format_decimal(colour.ours, decimals)
    theirs = rules.format_decimal(colour.theirs, decimals)
    if colour.colour == "black":
        reading = "the same at the printed precision"
    else:
        reading = f"ours is {'better' if colour.colour == 'green' else 'worse'}"
    return (
        f"{head}; MSG average {exact(entry.msg_average or 0)} → {theirs}, ours {ours}: "
        f"{polarity}, {reading} → {colour.colour} (green better than the MSG average, "
        "red worse, black the same)"
    )


def interval_arithmetic(interval: rules.Interval | None, year: YearFigure) -> str:
    if interval is None:
        return f"n/a: {year.reason or 'no respondents'}"
    aggregate = year.aggregate
    p = (
        f"{exact(aggregate.numerator)} / {exact(aggregate.denominator or 0)}"
        if aggregate
        else exact(interval.proportion)
    )
    if interval.half_width is None:
        return f"p = {p}, n = {exact(interval.respondents)}: n/a (no respondents)"
    return (
        f"1.96 {TIMES} √(p(1 {MINUS} p) / n) {TIMES} 100 with p = {p} = "
        f"{approximately(interval.proportion, 5)}, n = {exact(interval.respondents)} = "
        f"{approximately(interval.half_width, 3)} → {interval.text}, half-up"
    )


# --- the window ------------------------------------------------------------------------


def month_columns(aggregate: Aggregate) -> list[tuple[str, list[MonthFigure], str]]:
    """The figures a window sums: (column name, one figure per month, which value)."""
    if aggregate.aggregation is Aggregation.RATIO:
        rows = list(aggregate.rows)
        return [("numerator", rows, "numerator"), ("denominator", rows, "denominator")]
    if aggregate.rows:
        return [(aggregate.measure_id, list(aggregate.rows), "numerator")]
    return [column for part in aggregate.parts for column in month_columns(part)]


def window_lines(measure: Measure, year: YearFigure) -> list[str]:
    aggregate = year.aggregate
    if aggregate is None:
        return []
    columns = month_columns(aggregate)
    widths = [max(len(name), 9) for name, _, _ in columns]
    lines = [
        "    month    "
        + "  ".join(name.rjust(w) for (name, _, _), w in zip(columns, widths, strict=True))
    ]
    revised = []
    for index, month in enumerate(aggregate.months):
        cells = []
        for (_, rows, which), width in zip(columns, widths, strict=True):
            figure = rows[index]
            value = exact(figure.numerator if which == "numerator" else figure.denominator or 0)
            if figure.until_edition:
                value += "*"
                revised.append(figure)
            cells.append(value.rjust(width))
        lines.append(f"    {month}  " + "  ".join(cells))
    totals = []
    for (_, rows, which), width in zip(columns, widths, strict=True):
        total = sum((getattr(r, which) or Fraction(0) for r in rows), Fraction(0))
        totals.append(exact(total).rjust(width))
    lines.append("    total    " + "  ".join(totals))
    for (name, rows, _), _w in zip(columns, widths, strict=True):
        lines.append(f"    {name}: {sources(rows)}")
    if revised:
        vintages = sorted({f.until_edition for f in revised})
        lines.append(
            "    * a revised figure, as it stood for editions up to "
            + ", ".join(vintages)
            + f" ({sources(revised)})"
        )
    return lines


def sources(rows: list[MonthFigure]) -> str:
    places = list(dict.fromkeys(row.source for row in rows))
    return places[0] if len(places) == 1 else f"{places[0]} … {places[-1]} ({len(places)} rows)"


def vintage_line(derivation: Derivation) -> str:
    revised = [
        f
        for year in (derivation.last_year, derivation.this_year)
        if year.aggregate
        for f in _all_rows(year.aggregate)
        if f.until_edition
    ]
    if not revised:
        return f"figures as they stood for {derivation.edition} (no revision applies)"
    vintages = ", ".join(sorted({f.until_edition for f in revised}))
    return (
        f"figures as they stood for {derivation.edition}: {len(revised)} revised figure(s) "
        f"from the vintage until edition {vintages}"
    )


def _all_rows(aggregate: Aggregate) -> list[MonthFigure]:
    return list(aggregate.rows) + [r for part in aggregate.parts for r in _all_rows(part)]


# --- text ------------------------------------------------------------------------------


def describe_measure(measure: Measure) -> str:
    unit = {
        Unit.COUNT: "a count",
        Unit.PERCENT: f"a percentage at {measure.decimals} decimal(s)",
        Unit.SECONDS: f"an average in seconds at {measure.decimals} decimal(s)",
        Unit.DAYS: f"days at {measure.decimals} decimal(s)",
    }[measure.unit]
    how = {
        Aggregation.SUM: "the sum of its monthly counts",
        Aggregation.RATIO: "its summed numerators over its summed denominators",
        Aggregation.SUM_OF: "the sum of " + " + ".join(measure.components),
        Aggregation.RATIO_OF: " over ".join(measure.components),
        Aggregation.REPORTED: "an estimate reported for each edition",
    }[measure.aggregation]
    window = measure.window.kind.value.replace("_", " ")
    lag = f", {measure.window.lag} month(s) in arrears" if measure.window.lag else ""
    polarity = measure.polarity.words
    return f"{unit}; {how}; {window}{lag}; {polarity}"


def _year_heading(name: str, year: YearFigure, measure: Measure) -> str:
    if year.estimate is not None:
        period = year.estimate.period_end
        return f"{name}: the survey estimate" + (
            f" for the 12 months to {period}" if period else ""
        )
    months = list(year.months)
    span = f"{months[0]} … {months[-1]}" if len(months) > 1 else str(months[0])
    return f"{name}: {describe_months(months)} ({span})"


def explain_text(derivation: Derivation, section: int | None) -> str:
    measure = derivation.measure
    edition = derivation.edition
    where = f", section {section}" if section is not None else " (in no table of the layout)"
    lines = [
        f"{measure.id}: {measure.label}",
        f"edition {edition.name}{where}; {vintage_line(derivation)}",
        f"measure: {describe_measure(measure)}",
        "",
    ]
    for name, year in (("this year", derivation.this_year), ("last year", derivation.last_year)):
        lines.append(_year_heading(name.capitalize(), year, measure))
        lines += window_lines(measure, year)
        lines.append(f"  {name}: {year_arithmetic(measure, year)}")
        lines.append("")
    rule = f" ({derivation.difference.rule.value})" if derivation.difference else ""
    lines.append(f"Better/Worse{rule}: {difference_arithmetic(derivation)}")
    previous = derivation.previous
    if previous is not None:
        lines.append(
            f"Previous edition ({previous.edition.name}, {vintage_line(previous)}): "
            f"this year {previous.this_year.text}, last year {previous.last_year.text}; "
            f"Better/Worse {difference_arithmetic(previous)}"
        )
    lines.append(f"Since {edition.shift(-1).abbr}: {movement_arithmetic(derivation)}")
    msg = msg_arithmetic(derivation)
    if msg is not None:
        lines.append(f"MSG ranking: {msg}")
    if derivation.intervals is not None:
        for name, interval, year in zip(
            ("last year", "this year"),
            derivation.intervals,
            (derivation.last_year, derivation.this_year),
            strict=True,
        ):
            lines.append(f"Confidence interval, {name}: {interval_arithmetic(interval, year)}")
    return "\n".join(lines) + "\n"


# --- JSON ------------------------------------------------------------------------------


def _number(value: Fraction | Decimal | None) -> str | None:
    """Exact, as text: "715", "95.1", "4600/669" (JSON numbers would lose digits)."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return str(value)
    written = exact(value)
    return str(value) if "…" in written else written


def _figure(figure: MonthFigure) -> dict[str, Any]:
    return {
        "measure": figure.measure_id,
        "month": str(figure.month),
        "numerator": _number(figure.numerator),
        "denominator": _number(figure.denominator),
        "source": figure.source,
        "revised_until_edition": figure.until_edition or None,
    }


def _year_json(measure: Measure, year: YearFigure) -> dict[str, Any]:
    aggregate = year.aggregate
    return {
        "months": [str(m) for m in year.months],
        "printed": year.text,
        "unrounded": _number(year.value),
        "numerator": _number(aggregate.numerator) if aggregate else None,
        "denominator": _number(aggregate.denominator) if aggregate else None,
        "figures": [_figure(f) for f in _all_rows(aggregate)] if aggregate else [],
        "estimate_source": str(year.estimate.where)
        if year.estimate and year.estimate.where
        else None,
        "arithmetic": year_arithmetic(measure, year),
        "reason": year.reason,
    }


def explain_json(derivation: Derivation, section: int | None) -> dict[str, Any]:
    measure = derivation.measure
    result: dict[str, Any] = {
        "measure": measure.id,
        "label": measure.label,
        "edition": str(derivation.edition),
        "section": section,
        "unit": measure.unit.value,
        "decimals": measure.decimals,
        "polarity": measure.polarity.value,
        "aggregation": measure.aggregation.value,
        "window": measure.window.kind.value,
        "lag": measure.window.lag,
        "vintage": vintage_line(derivation),
        "last_year": _year_json(measure, derivation.last_year),
        "this_year": _year_json(measure, derivation.this_year),
        "diff": {
            "printed": derivation.difference_text,
            "rule": derivation.difference.rule.value if derivation.difference else None,
            "unrounded": _number(derivation.difference.unrounded)
            if derivation.difference
            else None,
            "arithmetic": difference_arithmetic(derivation),
            "reason": derivation.difference_reason,
        },
        "movement": {
            "printed": derivation.movement.text,
            "previous_edition": str(derivation.edition.shift(-1)),
            "previous_diff": _number(derivation.movement.previous_difference),
            "change": _number(derivation.movement.change),
            "arithmetic": movement_arithmetic(derivation),
            "reason": derivation.movement_reason,
        },
    }
    if derivation.previous is not None:
        previous = derivation.previous
        result["previous"] = {
            "edition": str(previous.edition),
            "vintage": vintage_line(previous),
            "last_year": _year_json(measure, previous.last_year),
            "this_year": _year_json(measure, previous.this_year),
            "diff": {
                "printed": previous.difference_text,
                "arithmetic": difference_arithmetic(previous),
                "reason": previous.difference_reason,
            },
        }
    if derivation.msg is not None:
        cell = derivation.msg
        result["msg_rank"] = {
            "printed": cell.rank,
            "colour": cell.rag,
            "msg_average": _number(cell.entry.msg_average),
            "source": str(cell.entry.where) if cell.entry.where else None,
            "arithmetic": msg_arithmetic(derivation),
            "reason": cell.reason,
        }
    if derivation.intervals is not None:
        result["confidence_interval"] = [
            {
                "printed": interval.text if interval else rules.NOT_AVAILABLE,
                "p": _number(interval.proportion) if interval else None,
                "n": _number(interval.respondents) if interval else None,
                "arithmetic": interval_arithmetic(interval, year),
            }
            for interval, year in zip(
                derivation.intervals, (derivation.last_year, derivation.this_year), strict=True
            )
        ]
    return result


def explain(folder: ReportFolder, measure_id: str, edition: Month, output: str = "text") -> str:
    derivation, section = explain_measure(folder, measure_id, edition)
    if output == "json":
        return json.dumps(explain_json(derivation, section), indent=2, ensure_ascii=False) + "\n"
    return explain_text(derivation, section)
