"""A chart's value axis says what its ticks are, whatever the figures: a flat series
(every month 7, or all zero) and a handful of counts drew ticks that read "7 7 7 7",
"1 1 1 2 2 2" or "0 0 0 −0 −0" (a sweep found them; the sample's charts are unchanged).
"""

from __future__ import annotations

import msgspec
import pytest

from reportgen.compute.chartdata import ChartData, Series
from reportgen.compute.edition import compute_edition
from reportgen.load.folder import load_content, load_report, load_report_theme
from reportgen.months import Month
from reportgen.render.charts import ChartStyle, draw_charts
from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.slow  # draws with matplotlib


@pytest.fixture(scope="module")
def trend() -> tuple[ChartData, ChartStyle]:
    """The sample's first line chart, to be given other figures."""
    folder = load_report(REPO_ROOT)
    march = Month(2014, 3)
    edition = compute_edition(folder, march, load_content(folder, march))
    [chart] = [c for c in edition.charts() if c.kind.value == "trend"][:1]
    return chart, ChartStyle.from_theme(load_report_theme(folder))


def y_ticks(chart: ChartData, style: ChartStyle) -> list[str]:
    """The value axis's tick labels, as the chart's text gives them (bottom to top)."""
    [texts] = draw_charts([chart], style).texts
    left = [t for t in texts if t.angle == 0 and t.x < 46 and any(c.isdigit() for c in t.text)]
    return [t.text for t in sorted(left, key=lambda t: t.y)]


@pytest.mark.parametrize(
    ("value", "percent"), [(7.0, False), (0.0, False), (0.0, True), (100.0, True)]
)
def test_a_flat_series_has_distinct_ticks_from_zero(trend, value: float, percent: bool) -> None:
    chart, style = trend
    months = len(chart.x_labels)
    flat = msgspec.structs.replace(
        chart, series=(Series("all the same", (value,) * months),), percent=percent
    )
    ticks = y_ticks(flat, style)
    assert len(ticks) >= 2 and len(set(ticks)) == len(ticks), ticks
    assert ticks[0] in ("0", "0.0%", "0%") and not any("−" in t or "-" in t for t in ticks)


def test_a_handful_of_counts_has_whole_number_ticks(trend) -> None:
    chart, style = trend
    values = tuple(float(1 + i % 2) for i in range(len(chart.x_labels)))
    ticks = y_ticks(msgspec.structs.replace(chart, series=(Series("1 or 2", values),)), style)
    assert len(set(ticks)) == len(ticks), ticks
    assert all(t.isdigit() for t in ticks), ticks


@pytest.mark.parametrize("spread", [0.15, 0.001])
def test_a_steady_rate_has_distinct_ticks(trend, spread: float) -> None:
    """A rate moving a tenth of a point printed "92.3% 92.3% 92.4% 92.4%"; one moving a
    thousandth printed "50.0%" on every tick."""
    chart, style = trend
    values = tuple(92.3 + spread * (i % 2) for i in range(len(chart.x_labels)))
    steady = msgspec.structs.replace(chart, series=(Series("steady", values),), percent=True)
    ticks = y_ticks(steady, style)
    assert len(ticks) >= 2 and len(set(ticks)) == len(ticks), ticks


@pytest.mark.parametrize(
    ("values", "percent"),
    [((None,) * 3, True), ((None,) * 3, False), ((-5.0,) * 3, True), ((-5.0, -5.001, -5.0), True)],
    ids=["no values, a rate", "no values, a count", "a steady negative rate", "a steadier one"],
)
def test_a_series_with_nothing_to_tell_apart_shows_its_values_from_zero(
    trend, values: tuple[float | None, ...], percent: bool
) -> None:
    """No values at all printed "-0.04% … 0.04%"; a steady negative rate was moved out of
    view (the axis went from 0 to 1)."""
    chart, style = trend
    months = len(chart.x_labels)
    series = (Series("s", tuple(values[i % 3] for i in range(months))),)
    ticks = y_ticks(msgspec.structs.replace(chart, series=series, percent=percent), style)
    assert len(set(ticks)) == len(ticks) >= 2, ticks
    assert not any("−" in t for t in ticks if t.strip("−-0.%") == "")  # never "−0"
    numbers = [float(t.rstrip("%").replace(",", "").replace("−", "-")) for t in ticks]
    present = [v for v in values if v is not None]
    assert min(numbers) <= min(present, default=0.0) and max(numbers) >= max(present, default=0.0)
    assert 0.0 in numbers
    if min(present, default=0.0) >= 0:  # nothing below zero to show
        assert min(numbers) == 0.0, ticks


def test_a_narrow_rate_s_value_axis_stays_on_the_chart(trend) -> None:
    """Two decimals ("99.90%" … "100.00%") are wider than the plan allowed for: the y label
    started past the chart's left edge."""
    chart, style = trend
    values = tuple(99.9 if i % 2 else 100.0 for i in range(len(chart.x_labels)))
    steady = msgspec.structs.replace(chart, series=(Series("s", values),), percent=True)
    for size in (7.5, 12.0):
        sized = msgspec.structs.replace(style, font_size=size)
        [texts] = draw_charts([steady], sized).texts
        assert min(t.x - (0.74 * t.size if t.angle == 90 else 0) for t in texts) >= -0.5
