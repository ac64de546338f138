"""Bad input: each case breaks one thing in a copy of the sample report folder.

``reportgen check`` and ``reportgen figures`` must both refuse it with exit code 1 and a
single line on stderr naming the file (and line, where there is one), what is wrong and
how to fix it; nothing is printed on stdout. A zero denominator or a zero last-year
count is not an error: the affected cells print "n/a".
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from reportgen.cli import EXIT_ERROR
from reportgen.compute.tables import CSV_COLUMNS

LAYOUT = "layouts/report.yaml"
CATALOGUE = "data/catalogue.yaml"
MONTHLY = "data/monthly.csv"
SURVEY = "data/survey_estimates.csv"


@dataclass(frozen=True)
class Expect:
    file: str
    line: int | tuple[int, int] | None  # a line, an inclusive range, or no line at all
    says: tuple[str, ...]  # what is wrong and how to fix it, as fragments of the message


# --- editing the copy ------------------------------------------------------------------


def line_of(root: Path, file: str, text: str, start: int = 1) -> int:
    """The number of the first line at or after ``start`` that contains ``text``."""
    lines = (root / file).read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines[start - 1 :], start=start):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {file}")


def replace_once(root: Path, file: str, old: str, new: str) -> None:
    path = root / file
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {file}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def row_prefix(measure: str, month: str) -> str:
    return f"{measure},{month},"


def set_row(root: Path, measure: str, month: str, cells: str) -> int:
    """Replace the numerator and denominator cells of a monthly.csv row; return its line."""
    path = root / MONTHLY
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    numbers = [i for i, line in enumerate(lines) if line.startswith(row_prefix(measure, month))]
    assert len(numbers) == 1
    lines[numbers[0]] = f"{row_prefix(measure, month)}{cells}\n"
    path.write_text("".join(lines), encoding="utf-8")
    return numbers[0] + 1


def delete_rows(root: Path, prefix: str) -> None:
    path = root / MONTHLY
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith(prefix)]
    assert len(kept) < len(lines)
    path.write_text("".join(kept), encoding="utf-8")


# --- the cases -------------------------------------------------------------------------

Breaker = Callable[[Path], Expect]


def unknown_measure_in_layout(root: Path) -> Expect:
    replace_once(root, LAYOUT, "- ksi_cyclists\n", "- ksi_cyclist\n")
    return Expect(
        LAYOUT,
        line_of(root, LAYOUT, "- ksi_cyclist"),
        ("unknown measure 'ksi_cyclist'", "measures are defined in data/catalogue.yaml"),
    )


def month_missing_from_data(root: Path) -> Expect:
    delete_rows(root, row_prefix("ksi_fatalities", "2013-07"))
    return Expect(MONTHLY, None, ("no figure for ksi_fatalities in 2013-07", "add a row"))


def month_missing_from_the_previous_edition(root: Path) -> Expect:
    # only the previous edition's window (rolling 12 months to Feb 2014) needs March
    # 2012: its loss must be an error, never a quiet "n/a" movement
    delete_rows(root, row_prefix("satisfaction_contact", "2012-03"))
    return Expect(MONTHLY, None, ("no figure for satisfaction_contact in 2012-03", "add a row"))


def duplicated_row(root: Path) -> Expect:
    first = line_of(root, MONTHLY, row_prefix("ksi_fatalities", "2013-07"))
    path = root / MONTHLY
    copy = path.read_text(encoding="utf-8").splitlines()[first - 1]
    with path.open("a", encoding="utf-8") as handle:
        handle.write(copy + "\n")
    last = len(path.read_text(encoding="utf-8").splitlines())
    return Expect(
        MONTHLY,
        last,
        (
            "ksi_fatalities 2013-07 appears twice",
            f"first on line {first}",
            "keep one row per measure and month",
        ),
    )


def numerator(cell: str, *says: str) -> Breaker:
    def breaker(root: Path) -> Expect:
        line = set_row(root, "ksi_fatalities", "2013-07", f"{cell},")
        return Expect(MONTHLY, line, says)

    return breaker


def denominator(cell: str, *says: str) -> Breaker:
    def breaker(root: Path) -> Expect:
        line = set_row(root, "da_solved_rate", "2013-07", f"300,{cell}")
        return Expect(MONTHLY, line, ("column 'denominator'", *says))

    return breaker


def survey_estimate_missing(root: Path) -> Expect:
    replace_once(root, SURVEY, "2014-03,csew_good_job,60.3,58.3,", "2014-03,csew_good_job,60.3,NA,")
    return Expect(
        SURVEY,
        line_of(root, SURVEY, "csew_good_job,60.3,NA"),
        ("column 'this_year'", "missing", "not zero"),
    )


def layout_bad_indentation(root: Path) -> Expect:
    replace_once(root, LAYOUT, "\n  organisation:", "\n    organisation:")
    line = line_of(root, LAYOUT, "    organisation:")
    # PyYAML notices the mistake on the line itself or where the next key fails to fit
    return Expect(LAYOUT, (line, line + 1), ("malformed YAML", "check indentation"))


def catalogue_bad_indentation(root: Path) -> Expect:
    replace_once(root, CATALOGUE, "    aggregation: sum_of\n", "      aggregation: sum_of\n")
    line = line_of(root, CATALOGUE, "      aggregation: sum_of")
    return Expect(CATALOGUE, (line, line + 1), ("malformed YAML", "check indentation"))


def catalogue_duplicated_key(root: Path) -> Expect:
    first = line_of(root, CATALOGUE, "  ksi_pedestrians:")
    replace_once(root, CATALOGUE, "\n  ksi_cyclists:\n", "\n  ksi_pedestrians:\n")
    second = line_of(root, CATALOGUE, "  ksi_pedestrians:", start=first + 1)
    return Expect(
        CATALOGUE,
        second,
        ("'ksi_pedestrians' appears twice", f"first on line {first}", "remove or rename one"),
    )


def layout_duplicated_key(root: Path) -> Expect:
    first = line_of(root, LAYOUT, "  title: Performance Update")
    replace_once(root, LAYOUT, "\n  author:", "\n  title: Performance Report\n  author:")
    second = line_of(root, LAYOUT, "  title: Performance Report")
    return Expect(LAYOUT, second, ("'title' appears twice", f"first on line {first}"))


def unknown_chart_kind(root: Path) -> Expect:
    replace_once(
        root,
        LAYOUT,
        "kind: comparison\n          title: Incidents with drug",
        "kind: pie\n          title: Incidents with drug",
    )
    return Expect(
        LAYOUT,
        line_of(root, LAYOUT, "kind: pie"),
        ("'kind' is 'pie'", "use one of", "trend"),
    )


def chart_measure_without_data(root: Path) -> Expect:
    delete_rows(root, "incidents_drug,")
    # the error points at the line that names the measures
    chart = line_of(root, LAYOUT, "measures: [incidents_drug")
    return Expect(
        LAYOUT,
        chart,
        ("incidents_drug", "has no data", "add rows for incidents_drug to data/monthly.csv"),
    )


def msg_row_missing(root: Path) -> Expect:
    # an absent MSG row is a gap in the data; only an explicit "n/a" row prints n/a
    path = root / "data/msg.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith("2014-03,all_crime,")]
    assert len(kept) == len(lines) - 1
    path.write_text("".join(kept), encoding="utf-8")
    return Expect(
        "data/msg.csv",
        None,
        ("no MSG ranking for all_crime in edition 2014-03", "2014-03,all_crime,n/a"),
    )


def rate_over_a_hundred_percent(root: Path) -> Expect:
    line = set_row(root, "emergency_attendance", "2013-07", "4675,467")
    return Expect(MONTHLY, line, ("larger than its denominator", "more than 100%", "swapped"))


def count_with_a_fraction(root: Path) -> Expect:
    line = set_row(root, "ksi_fatalities", "2013-07", "2.5,")
    return Expect(MONTHLY, line, ("is a count", "'2.5'", "whole numbers"))


def excel_byte_order_mark_is_read(root: Path) -> None:
    path = root / MONTHLY
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())


MISSING = ("missing", "not zero", "enter the figure")
CASES = [
    pytest.param(unknown_measure_in_layout, id="layout-unknown-measure"),
    pytest.param(month_missing_from_data, id="month-missing"),
    pytest.param(month_missing_from_the_previous_edition, id="previous-edition-month-missing"),
    pytest.param(duplicated_row, id="duplicated-measure-month"),
    pytest.param(
        numerator('"1,234"', "'1,234'", "thousands separator", "write it as 1234"),
        id="thousands-separator-quoted",
    ),
    pytest.param(
        numerator("1,234", "thousands separator", "write it as 1234"),
        id="thousands-separator-unquoted",
    ),
    pytest.param(numerator("12%", "'12%'", "a percentage", "give the counts"), id="percent"),
    pytest.param(denominator("12%", "a percentage"), id="percent-denominator"),
    pytest.param(numerator("abc", "'abc'", "not a number", "use digits"), id="not-a-number"),
    pytest.param(numerator("NA", "'NA'", *MISSING), id="NA"),
    pytest.param(numerator("N/A", "'N/A'", *MISSING), id="N/A"),
    pytest.param(numerator("", "''", *MISSING), id="empty-cell"),
    pytest.param(denominator("", *MISSING), id="empty-denominator"),
    pytest.param(survey_estimate_missing, id="survey-estimate-NA"),
    pytest.param(layout_bad_indentation, id="layout-malformed-yaml"),
    pytest.param(catalogue_bad_indentation, id="catalogue-malformed-yaml"),
    pytest.param(catalogue_duplicated_key, id="catalogue-duplicated-key"),
    pytest.param(layout_duplicated_key, id="layout-duplicated-key"),
    pytest.param(msg_row_missing, id="msg-row-missing"),
    pytest.param(rate_over_a_hundred_percent, id="rate-over-100-percent"),
    pytest.param(count_with_a_fraction, id="count-with-a-fraction"),
    pytest.param(unknown_chart_kind, id="unknown-chart-kind"),
    pytest.param(chart_measure_without_data, id="chart-measure-without-data"),
]


def assert_refused(result, expect: Expect, command: str) -> None:
    assert result.code == EXIT_ERROR, f"{command}: exit {result.code}, stderr {result.err!r}"
    assert result.out == "", f"{command} printed output before failing: {result.out[:200]!r}"
    lines = result.err.splitlines()
    assert len(lines) == 1, f"{command}: expected one line on stderr, got {lines}"
    message = lines[0]
    match = re.match(r"reportgen: error: (?P<file>[^:]+)(?::(?P<line>\d+))?: ", message)
    assert match, f"{command}: {message!r} does not start with 'reportgen: error: FILE[:LINE]: '"
    assert match["file"] == expect.file, f"{command}: {message!r} should name {expect.file}"
    if expect.line is None:
        assert match["line"] is None, f"{command}: {message!r}"
    else:
        low, high = expect.line if isinstance(expect.line, tuple) else (expect.line,) * 2
        assert match["line"] is not None and low <= int(match["line"]) <= high, (
            f"{command}: {message!r} should point at line {expect.line}"
        )
    for fragment in expect.says:
        assert fragment in message, f"{command}: {message!r} should say {fragment!r}"


@pytest.mark.parametrize("breaker", CASES)
def test_bad_input_is_refused(report_copy, run_cli, breaker):
    expect = breaker(report_copy)
    for command in ("check", "figures"):
        assert_refused(run_cli(command, root=report_copy), expect, command)


def test_the_copy_is_good_before_it_is_broken(report_copy, run_cli):
    """Guard: every refusal above comes from the one thing each case broke."""
    for command in ("check", "figures"):
        result = run_cli(command, root=report_copy)
        assert (result.code, result.err) == (0, ""), result.err


# --- editions outside the data ---------------------------------------------------------


@pytest.mark.parametrize("edition", ["2015-06", "2010-01"])
def test_edition_outside_the_data(report_copy, run_cli, edition):
    # an edition folder started before its data arrived (as 'reportgen new' would)
    shutil.copytree(report_copy / "content" / "2014-03", report_copy / "content" / edition)
    expect = Expect(
        MONTHLY,
        None,
        (
            f"edition {edition} is outside the data",
            "2011-04 to 2014-03",
            "choose an edition inside the data",
        ),
    )
    assert_refused(run_cli("check", root=report_copy), expect, "check")
    assert_refused(run_cli("figures", "--edition", edition, root=report_copy), expect, "figures")


@pytest.mark.parametrize("edition", ["2015-06", "2010-01"])
def test_edition_outside_the_data_without_narrative(run_cli, edition):
    result = run_cli("figures", "--edition", edition)
    assert result.code == EXIT_ERROR
    assert result.out == ""
    errors = [line for line in result.err.splitlines() if line.startswith("reportgen: error:")]
    assert errors == [
        f"reportgen: error: {MONTHLY}: edition {edition} is outside the data, which runs from "
        "2011-04 to 2014-03 (add that month's figures or choose an edition inside the data)"
    ]
    # today the CLI first notes the missing narrative folder; nothing else may appear
    others = [line for line in result.err.splitlines() if line not in errors]
    assert all(line.startswith("reportgen: note:") for line in others), others


# --- a zero denominator or a zero last year is n/a, not an error -----------------------


def figure_rows(run_cli, root: Path) -> list[list[str]]:
    check = run_cli("check", root=root)
    assert (check.code, check.err) == (0, ""), check.err
    result = run_cli("figures", root=root)
    assert (result.code, result.err) == (0, ""), result.err
    # the printed table's columns (the MSG colour after them is not one)
    return [row[: len(CSV_COLUMNS)] for row in csv.reader(io.StringIO(result.out, newline=""))]


def row_for(rows: list[list[str]], label: str) -> list[str]:
    (row,) = [row for row in rows if row[2] == label]
    return row


def test_zero_denominator_of_a_ratio_of_measures(report_copy, run_cli):
    set_row(report_copy, "youth_offenders", "2013-09", "0,")
    rows = figure_rows(run_cli, report_copy)
    assert row_for(rows, "Youth re-offending rate") == [
        "3",
        "measure",
        "Youth re-offending rate",
        "29.8%",
        "n/a",
        "n/a",
        "",
        "n/a",
    ]


def test_zero_denominator_of_a_rate_over_a_year(report_copy, run_cli):
    for month in (
        "2012-04",
        "2012-05",
        "2012-06",
        "2012-07",
        "2012-08",
        "2012-09",
        "2012-10",
        "2012-11",
        "2012-12",
        "2013-01",
        "2013-02",
        "2013-03",
    ):
        set_row(report_copy, "emergency_calls", month, "0,0")
    rows = figure_rows(run_cli, report_copy)
    label = "Emergency calls answered within standard (90% within 10 seconds)"
    assert row_for(rows, label) == ["2", "measure", label, "n/a", "93.1%", "n/a", "n/a", "n/a"]


def test_zero_last_year_count(report_copy, run_cli, golden_rows):
    set_row(report_copy, "da_repeat_offenders", "2012-09", "0,")
    rows = figure_rows(run_cli, report_copy)
    label = "Number of repeat offenders of domestic abuse"
    assert row_for(rows, label) == ["1", "measure", label, "0", "46", "n/a", "", "n/a"]
    # nothing else moved
    assert [r for r in rows if r[2] != label] == [r for r in golden_rows if r[2] != label]


# --- the sample folder passes ----------------------------------------------------------


def test_check_on_the_sample_folder_says_what_it_checked(run_cli, repo_root):
    result = run_cli("check", root=repo_root)
    assert (result.code, result.err) == (0, ""), result.err
    out = result.out
    assert re.search(r"^catalogue: \d+ measures \(data/catalogue\.yaml\)$", out, re.M), out
    assert re.search(
        r"^layout: 8 sections, \d+ tables, \d+ charts \(layouts/report\.yaml\)$", out, re.M
    ), out
    data = re.search(r"^data: .*$", out, re.M)
    assert data, out
    for part in (
        "monthly rows, 2011-04 to 2014-03 (data/monthly.csv)",
        "(data/msg.csv)",
        "(data/survey_estimates.csv)",
    ):
        assert part in data[0]
    # the edition build would make is laid out (the page-fit dry run); others are computed
    assert re.search(
        r"^edition 2014-03: 8 narrative files, 47 table rows; 22 pages fit$", out, re.M
    )
    assert re.search(r"^edition 2014-02: 8 narrative files, 47 table rows$", out, re.M)
    assert re.search(r"^theme: DejaVu Sans, 16 styles \(layouts/theme\.yaml\)$", out, re.M)
    assert re.search(r"^distribution: 1 list\(s\) \(distribution\.yaml\)$", out, re.M)
    # every edition of 2013/14 has its narrative, computes, and none is left marked for review
    editions = re.findall(r"^edition (\d{4}-\d{2}): (.*)$", out, re.M)
    year = [f"2013-{month:02d}" for month in range(4, 13)] + ["2014-01", "2014-02", "2014-03"]
    assert [edition for edition, _ in editions] == year, out
    assert {status for edition, status in editions if edition != "2014-03"} == {
        "8 narrative files, 47 table rows"
    }
    assert out.endswith("ok: nothing built\n")


def test_a_csv_saved_by_excel_with_a_byte_order_mark_is_read(report_copy, run_cli) -> None:
    excel_byte_order_mark_is_read(report_copy)
    result = run_cli("figures", "--edition", "2014-03", root=report_copy)
    assert result.code == 0, result.err
    assert result.out.startswith("section,kind,label")


def test_a_theme_without_rag_marks_is_refused(report_copy, run_cli) -> None:
    theme = "layouts/theme.yaml"
    line = line_of(report_copy, theme, "rag_marks:")
    text = (report_copy / theme).read_text(encoding="utf-8").splitlines()
    del text[line - 1 : line + 3]  # rag_marks: and its green, red and black
    (report_copy / theme).write_text("\n".join(text) + "\n", encoding="utf-8")
    expect = Expect(theme, (1, line), ("table: 'rag_marks' is missing", "add 'rag_marks:'"))
    assert_refused(run_cli("check", root=report_copy), expect, "check")


def test_a_month_missing_from_several_editions_is_told_once(report_copy, run_cli):
    # check computes the edition build would make first (so it is laid out meanwhile),
    # yet the problem met by several editions is told once, naming every window that
    # needs the month (each edition's rolling windows, and the charts')
    monthly = report_copy / MONTHLY
    lines = monthly.read_text(encoding="utf-8").splitlines(keepends=True)
    monthly.write_text(
        "".join(line for line in lines if not line.startswith("satisfaction_contact,2013-02,")),
        encoding="utf-8",
    )
    result = run_cli("check", root=report_copy)
    assert result.code == EXIT_ERROR
    [message] = result.err.splitlines()
    assert "no figure for satisfaction_contact in 2013-02" in message
    assert "(the windows that need them run from 2012-03 to 2014-01)" in message, message
