"""An edition whose MSG rankings and survey estimates are not all entered yet: every
missing row is reported in one run, not one per run (an analyst entering next month's
rows met them one at a time, three rounds for one edition)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

EDITION = "2014-03"


def _drop_rows(path: Path, edition: str, measures: list[str]) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    dropped = [line for line in lines if any(line.startswith(f"{edition},{m},") for m in measures)]
    assert len(dropped) == len(measures)
    path.write_text("".join(line for line in lines if line not in dropped), encoding="utf-8")


def _measures(path: Path, edition: str, count: int) -> list[str]:
    rows = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))
    return [row["measure"] for row in rows if row["edition"] == edition][:count]


@pytest.fixture
def half_entered(report_copy: Path) -> tuple[Path, list[str]]:
    """The edition with four MSG rows and its survey rows not entered yet."""
    msg, survey = report_copy / "data" / "msg.csv", report_copy / "data" / "survey_estimates.csv"
    ranked, surveyed = _measures(msg, EDITION, 4), _measures(survey, EDITION, 9)
    assert len(ranked) == 4 and surveyed
    _drop_rows(msg, EDITION, ranked)
    _drop_rows(survey, EDITION, surveyed)
    expected = [f"no MSG ranking for {m} in edition {EDITION}" for m in ranked]
    expected += [f"no survey estimate for {m} in edition {EDITION}" for m in surveyed]
    return report_copy, expected


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(["figures", "--edition", EDITION], id="figures"),
        pytest.param(["check", "--edition", EDITION], id="check", marks=pytest.mark.slow),
    ],
)
def test_every_missing_row_of_an_edition_is_reported_in_one_run(
    half_entered: tuple[Path, list[str]], run_cli, command: list[str]
) -> None:
    root, expected = half_entered
    result = run_cli(*command, root=root)
    assert result.code == 1
    errors = [line for line in result.err.splitlines() if line.startswith("reportgen: error:")]
    for message in expected:
        assert sum(message in line for line in errors) == 1, (message, result.err)
    # and nothing else: a template that prints the missing row's period (the survey's, in
    # the notes) is the same problem, told once
    assert len(errors) == len(expected), result.err
    assert f"reportgen: {len(expected)} errors" in result.err


def test_a_row_missing_from_the_workbook_is_told_as_the_sheet_s_cells(
    report_copy: Path, run_cli
) -> None:
    import openpyxl

    assert run_cli("workbook", root=report_copy).code == 0
    for name in ("monthly", "msg", "revisions", "survey_estimates"):
        (report_copy / "data" / f"{name}.csv").unlink()
    path = report_copy / "data" / "performance.xlsx"
    book = openpyxl.load_workbook(path)
    for sheet, measure in (("MSG", "all_crime"), ("Survey", "csew_good_job")):
        [row] = [
            r[0].row
            for r in book[sheet].iter_rows(min_row=2)
            if [c.value for c in r[:2]] == [EDITION, measure]
        ]
        book[sheet].delete_rows(row)
    book.save(path)
    result = run_cli("figures", "--edition", EDITION, root=report_copy)
    assert result.code == 1
    errors = [line for line in result.err.splitlines() if line.startswith("reportgen: error:")]
    assert errors == [
        "reportgen: error: data/performance.xlsx: no MSG ranking for all_crime in edition "
        f"{EDITION} (add a row to the MSG sheet: {EDITION} | all_crime | RANK | MSG_AVERAGE | "
        "PERIOD_END (rank n/a and the rest empty where no ranking is published))",
        "reportgen: error: data/performance.xlsx: no survey estimate for csew_good_job in "
        f"edition {EDITION} (add a row to the Survey sheet: {EDITION} | csew_good_job | last | "
        "this | period_end)",
    ], result.err


def _drop_monthly(path: Path, measure: str, months: list[str]) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    dropped = [line for line in lines if any(line.startswith(f"{measure},{m},") for m in months)]
    assert len(dropped) == len(months)
    path.write_text("".join(line for line in lines if line not in dropped), encoding="utf-8")


@pytest.mark.parametrize(
    ("command", "months"),
    [
        # one edition: last year's window and this year's, a table's and a chart's
        pytest.param(
            ["build"],
            ["2013-01", "2013-02", "2013-03", "2013-06"],
            id="build",
            marks=pytest.mark.slow,  # starts its chart worker
        ),
        pytest.param(
            ["check"],
            ["2013-01", "2013-02", "2013-03", "2013-04", "2013-05", "2013-06"],
            id="check",
            marks=pytest.mark.slow,
        ),
    ],
)
def test_a_measure_s_missing_months_are_one_problem(
    report_copy: Path, run_cli, command: list[str], months: list[str]
) -> None:
    """Rows missing for one measure were told once per window that needs them: three
    causes as thirteen errors from check (one per edition), each naming some of the months,
    and build told last year's window and not this year's."""
    _drop_monthly(report_copy / "data" / "monthly.csv", "incidents_drug", months)
    _drop_monthly(report_copy / "data" / "monthly.csv", "da_incidents", ["2013-08"])
    result = run_cli(*command, root=report_copy)
    assert result.code == 1
    errors = [line for line in result.err.splitlines() if line.startswith("reportgen: error:")]
    assert len(errors) == 2, result.err
    [drugs] = [e for e in errors if "no figure for incidents_drug" in e]
    assert f"no figure for incidents_drug in {', '.join(months)} (" in drugs
    assert any("no figure for da_incidents in 2013-08 (" in e for e in errors)


def test_the_same_months_missing_from_two_windows_are_one_problem_naming_both() -> None:
    """Two editions missing the same month said it in the same words, and the second was
    dropped as a duplicate before it could be joined: the hint named one window."""
    from reportgen.compute.aggregate import MissingFigures
    from reportgen.errors import ProblemCollector

    how = {"2013-11": "add a row 'm,2013-11,…' to data/monthly.csv"}
    found = ProblemCollector()
    for window in (("2012-12", "2013-11"), ("2013-04", "2014-03")):
        found.add(MissingFigures("m", how, (window,), file="data/monthly.csv"))
    found.add(MissingFigures("other", how, (("2013-04", "2014-03"),), file="data/monthly.csv"))
    joined, other = found.problems
    assert str(joined) == (
        "data/monthly.csv: no figure for m in 2013-11 (add a row 'm,2013-11,…' to "
        "data/monthly.csv (the windows that need them run from 2012-12 to 2014-03))"
    )
    assert "every month of the window 2013-04..2014-03 is needed" in str(other)
