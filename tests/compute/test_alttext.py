"""Chart alternative text: generated from ``ChartData`` alone, checked against the sample."""

from __future__ import annotations

from pathlib import Path

import pytest

from reportgen.compute.alttext import chart_description
from reportgen.compute.chartdata import ChartData, Series
from reportgen.compute.edition import compute_edition
from reportgen.load.folder import load_content, load_report
from reportgen.load.layout import ChartKind
from reportgen.months import Month

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def charts() -> list[ChartData]:
    folder = load_report(REPO_ROOT)
    month = Month.parse("2014-03")
    return compute_edition(folder, month, load_content(folder, month)).charts()


def test_the_domestic_abuse_chart_is_described_as_the_issue_asks(charts) -> None:
    text = chart_description(charts[0])
    assert text.startswith(
        "Line chart: Domestic abuse incidents and offences by month, April 2013 to March 2014. "
        "Incidents highest in February 2014 (2,717), lowest in September 2013 (2,058), "
        "latest 2,348 in March 2014; Repeat incidents highest in February 2014 (1,298)"
    )


def test_every_chart_has_its_title_period_series_and_extremes(charts) -> None:
    assert len(charts) == 9
    for data in charts:
        text = chart_description(data)
        assert text.startswith(f"{'Bar' if data.kind is ChartKind.COMPARISON else 'Line'} chart:")
        assert data.title in text and data.period in text
        for series in data.series:
            assert series.name in text
            values = [v for v in series.values if v is not None]
            # each series' highest and lowest, as the chart prints numbers
            for value in (max(values), min(values)):
                assert data.number(value) in text, (data.title, series.name, value)
        if data.kind is not ChartKind.COMPARISON:
            high = max(data.series[-1].values, key=lambda v: -1e18 if v is None else v)
            month = data.point_names[data.series[-1].values.index(high)]
            assert f"highest in {month} ({data.number(high)})" in text


@pytest.mark.parametrize(
    ("percent", "values", "printed"),
    [(False, (2717.0, 58.0), ["2,717", "58"]), (False, (8.6, 10.0), ["8.6", "10.0"])],
)
def test_numbers_are_formatted_as_the_chart_prints_them(percent, values, printed) -> None:
    data = ChartData(
        ChartKind.COMPARISON, "T", ("a", "b"), (Series("s", values),), "", percent, "k"
    )
    assert [data.number(v) for v in values] == printed
    pct = ChartData(ChartKind.TREND, "T", ("a",), (Series("s", (43.8287,)),), "", True, "k")
    assert pct.number(43.8287) == "43.8%"


def test_gaps_ties_and_an_empty_series() -> None:
    data = ChartData(
        ChartKind.YEAR_ON_YEAR,
        "KSI by month",
        ("Apr", "May", "Jun"),
        (Series("2012/13", (5.0, 9.0, 9.0)), Series("2013/14", (7.0, None, None))),
        "",
        False,
        "k",
        point_names=("April", "May", "June"),
        period="April to June, 2012/13 and 2013/14",
    )
    assert chart_description(data) == (
        "Line chart: KSI by month, April to June, 2012/13 and 2013/14. "
        "2013/14 highest in April (7), lowest in April (7), latest 7 in April; "
        "2012/13 highest in May (9), lowest in April (5)."
    )
    empty = ChartData(ChartKind.TREND, "T", ("a",), (Series("s", (None,)),), "", False, "k")
    assert "s no figures" in chart_description(empty)
