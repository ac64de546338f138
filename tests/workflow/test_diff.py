"""``reportgen diff``: only what changed, between archived versions or two editions."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

EDITION = "2014-03"
ALL_CRIME = "The number of all crime offences"


def reissue_with(root: Path, run_cli, old: str, new: str, reason: str) -> None:
    """Correct one line of msg.csv and archive the edition again as a re-issue."""
    path = root / "data" / "msg.csv"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")
    (root / "out" / f"board-pack-{EDITION}.pdf").unlink()  # built from the old figures
    result = run_cli("archive", "--edition", EDITION, "--reissue", "--reason", reason, root=root)
    assert result.code == 0, result.err


@pytest.mark.slow
def test_a_reissue_that_changed_one_figure_shows_exactly_that_cell(archived_copy, run_cli):
    # the MSG rank of all crime was misread: 6 in v1, 5 in the re-issue
    reissue_with(archived_copy, run_cli, "2014-03,all_crime,6,", "2014-03,all_crime,5,", "MSG rank")
    result = run_cli("diff", EDITION, root=archived_copy)
    assert (result.code, result.err) == (0, ""), result.err
    assert result.out.splitlines() == [
        "2014-03 v1 (archived) -> 2014-03 v2 (archived): 1 cell(s) changed",
        f"  section 6, {ALL_CRIME}, msg_rank: 6 -> 5",
    ]
    as_csv = run_cli("diff", EDITION, "--format", "csv", root=archived_copy)
    assert list(csv.reader(io.StringIO(as_csv.out))) == [
        ["section", "kind", "label", "column", "before", "after"],
        ["6", "measure", ALL_CRIME, "msg_rank", "6", "5"],
    ]


@pytest.mark.slow
def test_a_damaged_latest_version_is_told_not_passed_over(archived_copy, run_cli):
    reissue_with(archived_copy, run_cli, "2014-03,all_crime,6,", "2014-03,all_crime,5,", "MSG rank")
    msg = archived_copy / "data" / "msg.csv"
    msg.write_text(msg.read_text(encoding="utf-8").replace(",all_crime,5,", ",all_crime,4,"))
    again = run_cli("archive", "--reissue", "--reason", "again", root=archived_copy)
    assert again.code == 0, again.err
    manifest = archived_copy / "archive" / EDITION / "v3" / "manifest.json"
    manifest.parent.chmod(0o755)
    manifest.unlink()
    manifest.write_text("{", encoding="utf-8")
    # v1 -> v2 would be an answer to another question, given without a word
    result = run_cli("diff", EDITION, root=archived_copy)
    assert result.code == 1 and result.out == "", result
    assert "2014-03 v3 is damaged" in result.err and "reportgen verify" in result.err


@pytest.mark.slow
def test_one_archived_version_has_nothing_to_compare(archived, run_cli):
    result = run_cli("diff", EDITION, root=archived.root)
    assert result.code == 1 and result.out == ""
    assert "2014-03 has only v1 archived: there is nothing to compare" in result.err


def test_two_editions_computed_from_the_folder(run_cli):
    result = run_cli("diff", "2014-02", EDITION)
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].startswith(
        "2014-02 (computed from the report folder) -> 2014-03 (computed from the report folder): "
    )
    # KSI's Better/Worse: February printed 2.9, March 6.9 (the printed movement is 4.0)
    ksi = "All people killed or seriously injured (KSI) in road collisions"
    assert f"  section 5, {ksi}, diff: 2.9 -> 6.9" in lines
    # a cell that is the same in both editions is not listed
    assert not any(
        "Ensure that the average waiting time" in line and ", diff:" in line for line in lines
    )
    rows = list(csv.reader(io.StringIO(run_cli("diff", "2014-02", EDITION, "--format", "csv").out)))
    assert ["5", "measure", ksi, "diff", "2.9", "6.9"] in rows
    assert len(rows) == len(lines)  # a header and one row per change, as the text says


def test_diff_takes_one_or_two_editions(run_cli):
    result = run_cli("diff", "2014-01", "2014-02", EDITION)
    assert result.code == 2
    assert "diff takes one edition or two" in result.err


@pytest.mark.slow
def test_the_workbook_is_an_input_the_archive_embeds(report, run_cli):
    from reportgen.load.folder import load_report
    from reportgen.months import Month
    from reportgen.workflow import input_files

    assert "data/performance.xlsx" not in input_files(load_report(report), Month(2014, 3))
    assert run_cli("workbook", root=report).code == 0
    for path in (report / "data").glob("*.csv"):
        path.unlink()  # the workbook holds them now
    inputs = input_files(load_report(report), Month(2014, 3))
    assert "data/performance.xlsx" in inputs and "data/monthly.csv" not in inputs


@pytest.mark.slow
def test_a_reissue_that_changed_only_an_msg_colour_shows_it(archived_copy, run_cli):
    # the MSG average was mistyped: all crime (99346, lower is better) was red against
    # 95020, and is green against the corrected 99999; the rank, 6, is the same
    reissue_with(
        archived_copy, run_cli, "2014-03,all_crime,6,95020,", "2014-03,all_crime,6,99999,", "avg"
    )
    result = run_cli("diff", EDITION, root=archived_copy)
    assert (result.code, result.err) == (0, ""), result.err
    assert result.out.splitlines() == [
        "2014-03 v1 (archived) -> 2014-03 v2 (archived): 1 cell(s) changed",
        f"  section 6, {ALL_CRIME}, msg_colour: red -> green",
    ]
    verified = run_cli("verify", "--edition", EDITION, root=archived_copy)
    assert verified.code == 0, verified.err


def test_an_archive_from_before_the_msg_colour_is_compared_in_its_own_columns() -> None:
    from reportgen.compute.tables import CSV_COLUMNS, FIGURES_COLUMNS
    from reportgen.figurediff import compare_figures, figure_rows
    from reportgen.workflow import in_columns_of

    row = ["6", "measure", ALL_CRIME, "100144", "99346", "-0.8", "6", "Improved (-1.0% pt.)"]
    old = "\n".join([",".join(CSV_COLUMNS), ",".join(row)]) + "\n"
    new = "\n".join([",".join(FIGURES_COLUMNS), ",".join([*row, "red"])]) + "\n"
    assert figure_rows(old) == [dict(zip(CSV_COLUMNS, row, strict=True))]
    assert figure_rows(new)[0]["msg_colour"] == "red"
    # no colour on one side is no change; the rest is compared as ever
    assert compare_figures(old, new) == []
    assert [c.column for c in compare_figures(old, new.replace("99346", "99347"))] == ["this_year"]
    # verify rebuilds an older archive's figures in the columns it was written with
    assert in_columns_of(old, new) == old
    assert in_columns_of(new, new) == new
