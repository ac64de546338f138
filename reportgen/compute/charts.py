"""Chart series: a layout ``ChartSpec`` + figures for an edition -> ``ChartData``.

Series are plain floats ready to plot; gaps are None. Which months, which measures
and which financial years a chart shows all come from the edition month.
"""

from __future__ import annotations

from reportgen.compute.aggregate import Figures
from reportgen.compute.chartdata import ChartData, Series
from reportgen.compute.tables import comparable_with_last_year
from reportgen.errors import InputError, ProblemCollector
from reportgen.load.catalogue import Unit, WindowKind
from reportgen.load.layout import ChartKind, ChartSpec
from reportgen.months import Month, month_range

__all__ = ["ChartData", "Series", "chart_data", "check_chart_data"]


def _month_label(month: Month) -> str:
    return month.abbr.split()[0]


def _point_months(figures: Figures, measure_id: str, month: Month) -> list[Month]:
    """The months one point of a line adds up: the month, or the twelve to it."""
    measure = figures.catalogue[measure_id]
    if measure.window.kind is WindowKind.ROLLING_12_MONTHS:
        return measure.window.months(month.shift(measure.window.lag))
    return [month]


def _new_basis(figures: Figures, measure_id: str, month: Month) -> bool:
    """Whether the point at ``month`` is on the measure's present definition (from its
    ``comparable_from``; a measure without one has only ever had one)."""
    since = figures.catalogue[measure_id].comparable_from
    return since is None or _point_months(figures, measure_id, month)[0] >= since


def _breaks(figures: Figures, measure_id: str, months: list[Month]) -> tuple[int, ...]:
    """Where a trend line crosses its measure's change of definition: figures before it
    are not joined to the ones after, as the tables print no comparison across it."""
    return tuple(
        index
        for index in range(1, len(months))
        if _new_basis(figures, measure_id, months[index])
        and not _new_basis(figures, measure_id, months[index - 1])
    )


def _point(figures: Figures, measure_id: str, month: Month) -> float | None:
    months = _point_months(figures, measure_id, month)
    first = figures.first_month(measure_id)
    if first is None or months[0] < first:
        return None  # before the series began: a gap in the line, not an error
    value = figures.value(measure_id, months)
    return None if value is None else float(value)


def check_chart_data(spec: ChartSpec, figures: Figures) -> None:
    for measure_id in spec.measures:
        if not figures.has_data(measure_id):
            raise InputError(
                f"chart {spec.title.text!r} draws {measure_id}, which has no data",
                file=spec.file,
                line=spec.line,
                hint=f"add rows for {measure_id} to {figures.data.monthly_file} or draw "
                "another measure",
            )


def chart_data(spec: ChartSpec, title: str, figures: Figures, edition: Month) -> ChartData:
    check_chart_data(spec, figures)
    found = ProblemCollector()  # every month the chart misses at once, not the first

    def point(measure_id: str, month: Month) -> float | None:
        with found.attempt():
            return _point(figures, measure_id, month)
        return None

    def total(measure_id: str, months: list[Month]) -> float | None:
        with found.attempt():
            value = figures.value(measure_id, months)
            return None if value is None else float(value)
        return None

    catalogue = figures.catalogue
    first = catalogue[spec.measures[0]]
    end = edition.shift(-first.window.lag)
    if spec.kind is ChartKind.TREND:
        months = month_range(end.shift(1 - spec.months), end)
        x_labels = tuple(f"{_month_label(m)}\n{m.year % 100:02d}" for m in months)
        point_names = tuple(m.name for m in months)
        period = f"{months[0].name} to {months[-1].name}"
        series = tuple(
            Series(label, tuple(point(m, month) for month in months), _breaks(figures, m, months))
            for m, label in zip(spec.measures, spec.labels, strict=True)
        )
    elif spec.kind is ChartKind.YEAR_ON_YEAR:
        start = end.financial_year_start
        months = month_range(start, start.shift(11))
        measure_id = spec.measures[0]
        this_year = tuple(point(measure_id, m) if m <= end else None for m in months)
        # a year before a change of definition is no comparison: a gap, as the table's n/a
        last_year = tuple(
            point(measure_id, m.shift(-12))
            if _new_basis(figures, measure_id, m.shift(-12))
            or not _new_basis(figures, measure_id, m)
            else None
            for m in months
        )
        x_labels = tuple(_month_label(m) for m in months)
        point_names = tuple(m.month_name for m in months)
        series = (
            Series(start.shift(-12).financial_year, last_year),
            Series(start.financial_year, this_year),
        )
        years = f"{series[0].name} and {series[1].name}"
        period = f"{months[0].month_name} to {months[-1].month_name}, {years}"
    else:
        x_labels = point_names = spec.labels
        this_months, last_months = figures.windowed(spec.measures[0], edition)
        period = (
            f"{this_months[0].name} to {this_months[-1].name}, against the same months "
            "a year before"
        )
        values = {
            label: tuple(
                # last year's bar where the table prints its comparison, as the table
                total(m, months)
                if label == "this" or comparable_with_last_year(catalogue[m], months)
                else None
                for m in spec.measures
            )
            for label, months in (("last", last_months), ("this", this_months))
        }
        series = (
            Series(last_months[-1].financial_year, values["last"]),
            Series(this_months[-1].financial_year, values["this"]),
        )
    found.raise_if_any()
    percent = all(catalogue[m].unit is Unit.PERCENT for m in spec.measures)
    key = repr((spec.kind.value, title, x_labels, series, spec.y_label))
    return ChartData(
        spec.kind,
        title,
        x_labels,
        series,
        spec.y_label,
        percent,
        key,
        point_names,
        period,
        file=spec.file,
        line=spec.title.line,
        y_label_line=spec.y_label_line,
        label_places=spec.label_places,
    )
