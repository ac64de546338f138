"""A chart does not join figures across a measure's change of definition.

Domestic abuse incidents, repeat incidents and offences were counted on the national
ACPO definition from April 2013 (``comparable_from``). The tables print n/a for last
year's figure across that change; the September 2013 edition's trend chart still drew
October 2012 to September 2013 as one line, under a note saying that comparing the two
would be misleading. Its lines are now broken there, a year-on-year chart draws no
last year across the change and a comparison chart no last-year bar, as the table
prints none; the alternative text says so.
"""

from __future__ import annotations

from pathlib import Path

from reportgen.compute.alttext import chart_description
from reportgen.compute.chartdata import ChartData
from reportgen.compute.edition import compute_edition
from reportgen.load.folder import load_content, load_report
from reportgen.load.layout import ChartKind
from reportgen.months import Month
from tests.load.test_contract import LAYOUT, edit

DA_CHART = "Domestic abuse incidents and offences by month"
CHANGE = Month(2013, 4)


def charts(root: Path, month: Month) -> dict[str, ChartData]:
    folder = load_report(root)
    edition = compute_edition(folder, month, load_content(folder, month))
    return {chart.title: chart for chart in edition.charts()}


def test_a_trend_line_is_broken_where_its_definition_changed(sample_report) -> None:
    from tests.conftest import REPO_ROOT

    chart = charts(REPO_ROOT, Month(2013, 9))[DA_CHART]
    where = chart.point_names.index(CHANGE.name)  # October 2012 .. September 2013
    assert where == 6
    for series in chart.series:
        assert series.breaks == (where,), series.name
        # both sides are still drawn: only the line between them is not
        assert None not in series.values
    assert "Figures before April 2013 are on an earlier definition" in chart_description(chart)


def test_a_line_wholly_on_one_definition_is_unbroken(sample_report) -> None:
    from tests.conftest import REPO_ROOT

    for chart in charts(REPO_ROOT, Month(2014, 3)).values():  # April 2013 to March 2014
        assert all(series.breaks == () for series in chart.series), chart.title
        assert "earlier definition" not in chart_description(chart)


def test_no_year_ago_figure_is_drawn_across_the_change(report_copy: Path) -> None:
    """As the table prints n/a for last year's figure, so the charts that set a year
    beside the last draw none; a measure with one definition throughout keeps both."""
    edit(
        report_copy,
        LAYOUT,
        "          measure: ksi\n",
        "          measure: da_incidents\n",
    )
    edit(
        report_copy,
        LAYOUT,
        "          measures: [incidents_drug, incidents_alcohol, incidents_mental_health]\n",
        "          measures: [incidents_drug, da_offences, incidents_mental_health]\n",
    )
    found = charts(report_copy, Month(2013, 9))
    (year_on_year,) = [c for c in found.values() if c.title.startswith("People killed")]
    assert year_on_year.kind is ChartKind.YEAR_ON_YEAR
    last_year, this_year = year_on_year.series
    assert last_year.values == (None,) * 12
    assert this_year.values[:6] == tuple(v for v in this_year.values[:6] if v is not None)
    (bars,) = [c for c in found.values() if c.title.startswith("Incidents with drug")]
    last, this = bars.series
    assert last.values[1] is None and this.values[1] is not None
    assert None not in (last.values[0], last.values[2])
    assert "Alcohol qualifier" in chart_description(bars)
