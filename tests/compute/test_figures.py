"""The performance tables of the sample edition, cell for cell.

March 2014 must equal the printed edition (tests/golden); February 2014 must compute,
and March's movements must be March's differences minus February's as they stood then.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from reportgen.compute.edition import compute_tables, figures_csv
from reportgen.compute.rules import MOVEMENT_UNITS
from reportgen.compute.tables import CSV_COLUMNS, FIGURES_COLUMNS
from reportgen.load.catalogue import Polarity, Window, WindowKind
from reportgen.load.folder import load_content
from reportgen.months import Month

MARCH, FEBRUARY = Month(2014, 3), Month(2014, 2)


def parse_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def assert_same_table(actual: list[list[str]], expected: list[list[str]]) -> None:
    """Compare two parsed tables cell by cell; fail at the first cell that differs. The
    figures' MSG colour (``FIGURES_COLUMNS``' last) is not a column of the printed table."""
    if actual and tuple(actual[0]) == FIGURES_COLUMNS:
        actual = [row[: len(CSV_COLUMNS)] for row in actual]
    header = expected[0]
    assert actual[0] == header, f"header is {actual[0]}, expected {header}"
    for number, (got, want) in enumerate(zip(actual[1:], expected[1:], strict=False), start=2):
        for column, got_cell, want_cell in zip(header, got, want, strict=False):
            if got_cell != want_cell:
                pytest.fail(
                    f"row {number} ({want[2][:60]!r}), column {column!r}: "
                    f"got {got_cell!r}, expected {want_cell!r}"
                )
        assert len(got) == len(want), f"row {number}: {len(got)} cells, expected {len(want)}"
    assert len(actual) == len(expected), (
        f"{len(actual) - 1} rows, expected {len(expected) - 1}; first extra or missing row: "
        f"{(actual if len(actual) > len(expected) else expected)[min(len(actual), len(expected))]}"
    )


def test_the_golden_file_is_the_printed_table(golden_rows):
    """Guard the comparison itself: 47 rows, the documented columns, CRLF read correctly."""
    assert tuple(golden_rows[0]) == CSV_COLUMNS
    assert len(golden_rows) == 48
    assert all(len(row) == len(CSV_COLUMNS) for row in golden_rows)
    assert not any("\r" in cell for row in golden_rows for cell in row)


def test_assert_same_table_names_the_first_differing_cell(golden_rows):
    changed = [list(row) for row in golden_rows]
    changed[29][5] = "6.8"  # KSI's Better/Worse
    with pytest.raises(pytest.fail.Exception, match=r"row 30 .*column 'diff': got '6.8'"):
        assert_same_table(changed, golden_rows)
    with pytest.raises(AssertionError, match="46 rows, expected 47"):
        assert_same_table(golden_rows[:-1], golden_rows)


def test_march_2014_through_the_library(sample_report, golden_rows):
    texts = load_content(sample_report, MARCH)
    tables = compute_tables(sample_report, MARCH, texts)
    assert_same_table(parse_csv(figures_csv(tables)), golden_rows)


def test_march_2014_through_the_cli(run_cli, golden_rows):
    result = run_cli("figures", "--edition", "2014-03")
    assert (result.code, result.err) == (0, "")
    assert_same_table(parse_csv(result.out), golden_rows)


def test_edition_defaults_to_the_sample_edition(run_cli, golden_rows):
    result = run_cli("figures")
    assert (result.code, result.err) == (0, "")
    assert_same_table(parse_csv(result.out), golden_rows)


def _console_script() -> str:
    """The installed ``reportgen`` entry point, next to this interpreter if it is there."""
    beside = Path(sys.executable).with_name("reportgen.exe" if os.name == "nt" else "reportgen")
    found = str(beside) if beside.exists() else shutil.which("reportgen")
    assert found, "the 'reportgen' console script is not installed (pip install -e .)"
    return found


@pytest.mark.slow
def test_march_2014_through_the_console_script(repo_root, golden_rows):
    # no --root: the report folder is the current directory
    completed = subprocess.run(
        [_console_script(), "figures", "--edition", "2014-03"],
        cwd=repo_root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert_same_table(parse_csv(completed.stdout), golden_rows)


# --- February 2014 and the movements since --------------------------------------------


@pytest.fixture(scope="module")
def by_measure(sample_report) -> dict[Month, dict[str, object]]:
    """{edition: {measure id: measure row}} for February and March 2014."""
    result = {}
    for edition in (FEBRUARY, MARCH):
        tables = compute_tables(sample_report, edition)
        result[edition] = {
            row.measure_id: row for table in tables for row in table.rows if row.measure_id
        }
    return result


def test_february_2014_computes(run_cli, golden_rows):
    result = run_cli("figures", "--edition", "2014-02")
    assert result.code == 0, result.err
    february = parse_csv(result.out)
    # the same rows as March (February has its own narrative, so its statements too)
    assert [row[:3] for row in february] == [row[:3] for row in golden_rows]
    measures = [row for row in february[1:] if row[1] != "statement"]
    assert all(cell for row in measures for cell in row[3:5]), "empty figure cell"
    assert february != golden_rows


def _number(cell: str) -> Decimal | None:
    return None if cell == "n/a" else Decimal(cell.rstrip("%"))


def test_march_movement_is_march_difference_minus_february(sample_report, by_measure):
    catalogue = sample_report.catalogue
    outcomes = set()
    for measure_id, march in by_measure[MARCH].items():
        february = by_measure[FEBRUARY][measure_id]
        now, before = _number(march.diff), _number(february.diff)
        if now is None or before is None:
            expected = "n/a"
        elif now == before:
            expected = "Same"
        else:
            change = now - before  # Decimal keeps the printed decimals: 6.9 - 2.9 = 4.0
            lower = catalogue[measure_id].polarity is Polarity.LOWER_IS_BETTER
            good = change < 0 if lower else change > 0
            unit = MOVEMENT_UNITS[catalogue[measure_id].unit]
            expected = f"{'Improved' if good else 'Worsened'} ({change}{unit})"
        assert march.movement == expected, (
            f"{measure_id}: March diff {march.diff}, February diff {february.diff}"
        )
        outcomes.add(expected.split(" ")[0])
    assert outcomes == {"n/a", "Same", "Improved", "Worsened"}  # every branch was exercised


# --- revisions: the February edition uses the figures as they stood then ---------------


def test_a_revision_changes_february_and_not_march(sample_report):
    from reportgen.compute.aggregate import Figures

    figures = Figures(sample_report.catalogue, sample_report.data)
    fytd = Window(WindowKind.FINANCIAL_YEAR_TO_DATE)
    months = fytd.months(FEBRUARY)
    as_then = figures.as_of(FEBRUARY).count("ksi_young_drivers", months)
    as_now = figures.as_of(MARCH).count("ksi_young_drivers", months)
    assert as_then != as_now
    # March's own figures are today's figures
    march_months = fytd.months(MARCH)
    assert figures.as_of(MARCH).count("ksi_young_drivers", march_months) == figures.count(
        "ksi_young_drivers", march_months
    )
    # the printed story: young drivers KSI to February fell by March (recoded)
    assert as_then > figures.as_of(MARCH).count("ksi_young_drivers", march_months)


def test_the_editions_share_each_aggregate_only_where_their_figures_are_the_same(
    sample_report,
):
    from reportgen.compute.aggregate import Figures

    february = Figures(sample_report.catalogue, sample_report.data, FEBRUARY)
    march = Figures(sample_report.catalogue, sample_report.data, MARCH)
    rolling = Window(WindowKind.ROLLING_12_MONTHS).months(FEBRUARY)
    # no revision covers domestic abuse: one aggregate, made once for both editions
    assert march.aggregate("da_incidents", rolling) is february.aggregate("da_incidents", rolling)
    # young drivers' KSI was revised after February: each edition has its own figures
    months = Window(WindowKind.FINANCIAL_YEAR_TO_DATE).months(FEBRUARY)
    then = february.aggregate("ksi_young_drivers", months)
    now = march.aggregate("ksi_young_drivers", months)
    assert then is not now and then.numerator != now.numerator
    assert any(row.until_edition for row in then.rows)
    assert not any(row.until_edition for row in now.rows)
    # asked again, each edition gets the same as the first time
    assert february.aggregate("ksi_young_drivers", months) is then
    assert march.aggregate("ksi_young_drivers", months) is now
    # a measure made of others is made afresh, of the parts both editions share
    ksi_then, ksi_now = february.aggregate("ksi", rolling), march.aggregate("ksi", rolling)
    assert ksi_then == ksi_now
    assert all(a is b for a, b in zip(ksi_then.parts, ksi_now.parts, strict=True))


def test_where_several_vintages_cover_an_edition_the_earliest_wins(sample_report, report_copy):
    from reportgen.compute.aggregate import Figures
    from reportgen.load.data import load_data

    revisions = report_copy / "data" / "revisions.csv"
    # an earlier vintage of April 2013, written after the later one: the file's order
    # is not the vintages' order
    revisions.write_text(
        revisions.read_text(encoding="utf-8") + "ksi_young_drivers,2013-04,14,,2014-01\n",
        encoding="utf-8",
    )
    data = load_data(report_copy / "data", sample_report.catalogue, report_copy)
    april = [Month(2013, 4)]

    def as_of(edition: Month) -> int:
        return Figures(sample_report.catalogue, data, edition).count("ksi_young_drivers", april)

    today = Figures(sample_report.catalogue, data).count("ksi_young_drivers", april)
    assert as_of(Month(2013, 12)) == as_of(Month(2014, 1)) == 14  # both cover: the earlier
    assert as_of(FEBRUARY) == 13  # only the vintage until February covers it
    assert as_of(MARCH) == today != 13


def test_the_shared_aggregates_go_with_their_data(sample_report):
    import gc

    from reportgen.compute import aggregate
    from reportgen.compute.aggregate import Figures
    from reportgen.load.data import load_data
    from tests.conftest import REPO_ROOT

    data = load_data(REPO_ROOT / "data", sample_report.catalogue, REPO_ROOT)
    figures = Figures(sample_report.catalogue, data, MARCH)
    figures.aggregate("da_incidents", Window(WindowKind.ROLLING_12_MONTHS).months(MARCH))
    key = id(data)
    assert aggregate._SHARED[key].own_aggregates  # this data set's (private: a leak test)
    del figures, data
    gc.collect()
    assert key not in aggregate._SHARED


def test_without_revisions_only_young_drivers_february_figures_change(
    run_cli, report_copy, golden_rows
):
    with_revisions = run_cli("figures", "--edition", "2014-02", root=report_copy)
    (report_copy / "data" / "revisions.csv").unlink()
    without = run_cli("figures", "--edition", "2014-02", root=report_copy)
    march = run_cli("figures", "--edition", "2014-03", root=report_copy)
    assert with_revisions.code == without.code == march.code == 0

    label = "The number of young car drivers (17 - 25 years) KSI in road collisions"
    changed = [
        (old[2], old[4], new[4])
        for old, new in zip(parse_csv(with_revisions.out), parse_csv(without.out), strict=True)
        if old != new
    ]
    assert [row[0] for row in changed] == [label], changed
    assert changed[0][1] != changed[0][2]  # February's "this year" differs

    for row, want in zip(parse_csv(march.out), golden_rows, strict=True):
        assert row[:7] == want[:7], f"March's figures moved for {row[2]!r}"
        if row[2] == label:
            # the printed movement can only come from February's figures as they stood
            assert row[7] != want[7]
        else:
            assert row[7] == want[7]
