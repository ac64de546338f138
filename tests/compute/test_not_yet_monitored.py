"""A measure first monitored mid-series prints n/a in the editions before it began.

Successful prosecutions for domestic abuse without the victim were first monitored in
November 2013 (``comparable_from``; the first row of data/monthly.csv). The editions of
April to October 2013 print n/a for it; a row lost after it began is still an error.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from reportgen.compute.aggregate import Figures
from reportgen.compute.edition import compute_tables
from reportgen.compute.tables import Row, not_yet_monitored
from reportgen.errors import InputError
from reportgen.load.folder import ReportFolder, load_report
from reportgen.months import Month

MEASURE = "da_victimless_prosecutions"
MONTHLY = "data/monthly.csv"


def victimless_row(folder: ReportFolder, edition: Month) -> Row:
    rows = [row for table in compute_tables(folder, edition) for row in table.rows]
    (row,) = [row for row in rows if row.measure_id == MEASURE]
    return row


def test_the_sample_data_begin_when_monitoring_began(sample_report) -> None:
    figures = Figures(sample_report.catalogue, sample_report.data)
    began = sample_report.catalogue[MEASURE].comparable_from
    assert began == Month(2013, 11)
    assert figures.first_month(MEASURE) == began


@pytest.mark.parametrize("edition", [Month(2013, 4), Month(2013, 10)])
def test_editions_before_monitoring_print_n_a(sample_report, edition: Month) -> None:
    row = victimless_row(sample_report, edition)
    assert (row.last_year, row.this_year, row.diff, row.movement) == ("n/a",) * 4


def test_the_first_monitored_month_prints_its_figure(sample_report) -> None:
    november = Month(2013, 11)
    row = victimless_row(sample_report, november)
    figures = Figures(sample_report.catalogue, sample_report.data)
    assert row.this_year == str(figures.count(MEASURE, [november]))
    assert row.this_year != "n/a"
    # no year earlier to compare with, and no earlier edition to move from
    assert (row.last_year, row.diff, row.movement) == ("n/a", "n/a", "n/a")


def test_only_a_window_before_both_the_start_and_the_first_figure_is_not_yet_monitored(
    sample_report,
) -> None:
    figures = Figures(sample_report.catalogue, sample_report.data)
    victimless = sample_report.catalogue[MEASURE]
    assert not_yet_monitored(figures, victimless, [Month(2013, 10)])
    assert not not_yet_monitored(figures, victimless, [Month(2013, 11)])
    # a measure monitored throughout is never "not yet monitored", whatever the months
    all_crime = sample_report.catalogue["all_crime"]
    assert not not_yet_monitored(figures, all_crime, [Month(2009, 4)])


def _without_row(root: Path, month: str) -> None:
    path = root / MONTHLY
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith(f"{MEASURE},{month},")]
    assert len(kept) == len(lines) - 1
    path.write_text("".join(kept), encoding="utf-8")


@pytest.mark.parametrize("month", ["2013-11", "2013-12"])
def test_a_row_lost_after_monitoring_began_is_still_an_error(report_copy, month: str) -> None:
    _without_row(report_copy, month)
    folder = load_report(report_copy)
    with pytest.raises(InputError, match=f"no figure for {MEASURE} in {month}"):
        compute_tables(folder, Month.parse(month))
