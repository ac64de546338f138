"""A chart's alternative text: ``ChartData`` -> the words a screen reader reads instead.

What the chart shows and over which period, then each series: where it was highest and
lowest and its latest value (trend and year-on-year charts), or every bar's value
(comparison charts), with numbers as the chart prints them ("2,717", "43.8%", "8.6").
A pure function of the chart's data: the tagged PDF gives it as the Figure's /Alt.
"""

from __future__ import annotations

from reportgen.compute.chartdata import ChartData, Series
from reportgen.load.layout import ChartKind

_KIND = {
    ChartKind.TREND: "Line chart",
    ChartKind.YEAR_ON_YEAR: "Line chart",
    ChartKind.COMPARISON: "Bar chart",
}


def chart_description(data: ChartData) -> str:
    """One paragraph: "Line chart: <title>, <period>. <series> highest in ... ."."""
    opening = f"{_KIND[data.kind]}: {data.title}, {data.period}."
    if data.kind is ChartKind.COMPARISON:
        return f"{opening} {_bars(data)}"
    series = list(data.series)
    if data.kind is ChartKind.YEAR_ON_YEAR:
        series.reverse()  # this year first: it is the news
    # a year-on-year chart's earlier year is complete: only the current one has a latest
    latest = {s.name for s in series} if data.kind is ChartKind.TREND else {series[0].name}
    lines = [_line(data, s, with_latest=s.name in latest) for s in series]
    return f"{opening}{_breaks(data)} {'; '.join(lines)}."


def _breaks(data: ChartData) -> str:
    """Where the lines are broken, in words: " Figures before April 2013 are on an
    earlier definition, and the lines are not joined across it." """
    names = data.point_names or data.x_labels
    where = sorted({index for s in data.series for index in s.breaks})
    if not where:
        return ""
    months = " and ".join(names[index] for index in where)
    joined = "the line is" if len(data.series) == 1 else "the lines are"
    return (
        f" Figures before {months} are on an earlier definition, and {joined} not joined across it."
    )


def _points(data: ChartData, series: Series) -> list[tuple[str, float]]:
    names = data.point_names or data.x_labels
    return [(name, v) for name, v in zip(names, series.values, strict=True) if v is not None]


def _line(data: ChartData, series: Series, *, with_latest: bool) -> str:
    points = _points(data, series)
    if not points:
        return f"{series.name} no figures"
    # max/min keep the first of equal values: the earliest month
    high = max(points, key=lambda p: p[1])
    low = min(points, key=lambda p: p[1])
    words = (
        f"{series.name} highest in {high[0]} ({data.number(high[1])}), "
        f"lowest in {low[0]} ({data.number(low[1])})"
    )
    if with_latest:
        last = points[-1]
        words += f", latest {data.number(last[1])} in {last[0]}"
    return words


def _bars(data: ChartData) -> str:
    names = data.point_names or data.x_labels
    categories = []
    for index, name in enumerate(names):
        values = [
            f"{data.number(v)} in {s.name}"
            for s in data.series
            if (v := s.values[index]) is not None
        ]
        categories.append(f"{name} {', '.join(values) if values else 'no figures'}")
    return "; ".join(categories) + "."
