"""The sample data converted with ``reportgen workbook``, the CSVs removed: the same
figures and the same PDF, byte for byte."""

from __future__ import annotations

import re

import pytest

from tests.pdf.conftest import build_pdf


@pytest.mark.slow
def test_the_workbook_gives_the_same_figures_and_pages(scratch_report, reportgen_cli, sample_pdf):
    figures = {
        edition: reportgen_cli(scratch_report, "figures", "--edition", edition).out
        for edition in ("2014-02", "2014-03")
    }
    converted = reportgen_cli(scratch_report, "workbook")
    assert converted.code == 0, converted.err
    assert converted.out.strip().endswith("data/performance.xlsx")
    assert "remove those files" in converted.err
    csvs = sorted((scratch_report / "data").glob("*.csv"))
    assert [p.name for p in csvs] == [
        "monthly.csv",
        "msg.csv",
        "revisions.csv",
        "survey_estimates.csv",
    ]
    # both at once hold every figure twice: refused, naming both places
    both = reportgen_cli(scratch_report, "check")
    assert both.code == 1
    errors = both.err.splitlines()
    assert errors[-1] == f"reportgen: {len(csvs)} errors"  # one per file, not one per figure
    for error in errors[:-1]:
        assert error.startswith("reportgen: error: data/performance.xlsx: "), error
        assert " figures are in both data/" in error and "(the first: " in error, error
    assert any("in both data/monthly.csv and data/performance.xlsx" in e for e in errors)
    for path in csvs:
        path.unlink()

    check = reportgen_cli(scratch_report, "check")
    assert (check.code, check.err) == (0, ""), check.err
    data_line = r"^data: \d+ monthly rows, \S+ to 2014-03 \(data/performance.xlsx\);"
    assert re.search(data_line, check.out, re.M), check.out
    for edition, expected in figures.items():
        result = reportgen_cli(scratch_report, "figures", "--edition", edition)
        assert (result.code, result.err) == (0, ""), result.err
        assert result.out == expected
    built = build_pdf(scratch_report, scratch_report / "out" / "edition.pdf")
    assert built.data == sample_pdf.data


def test_the_workbook_is_not_overwritten_without_force(scratch_report, reportgen_cli):
    first = reportgen_cli(scratch_report, "workbook")
    assert first.code == 0, first.err
    book = scratch_report / "data" / "performance.xlsx"
    before = book.read_bytes()
    again = reportgen_cli(scratch_report, "workbook")
    assert again.code == 1 and again.out == ""
    assert again.err.splitlines()[0] == (
        "reportgen: error: data/performance.xlsx: already exists; reportgen does not overwrite "
        "it (pass --force to replace it with the folder's current data)"
    )
    assert book.read_bytes() == before
    assert not [p for p in book.parent.iterdir() if p.name.startswith(".performance")]
