"""Data CSVs as Excel writes them, and every problem in them reported at once.

Each case writes one data file of a small folder (tests/load/conftest.py) and states
what ``load_data`` must report: the file and line of each problem and fragments of its
message, in order. Cases that must load say what they read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import pytest

from reportgen.load.csvfile import MAX_DATA_BYTES
from tests.load.conftest import MONTHLY, REVISIONS, problems_of

HEADER = "measure,month,numerator,denominator"


def write(root: Path, name: str, data: bytes | str) -> None:
    path = root / "data" / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))


def monthly(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


@dataclass(frozen=True)
class Refusal:
    """What a broken file must give: (where, fragments of the message) per problem."""

    name: str
    file: str
    content: bytes | str
    problems: tuple[tuple[str, tuple[str, ...]], ...]


M = "data/monthly.csv"
CASES = [
    Refusal(
        "utf8-with-a-stray-byte",
        "monthly.csv",
        # "£" as UTF-8 on line 3 says the file is UTF-8: the lone 0xE9 is damage
        (
            HEADER + "\nksi_fatalities,2013-04,3,\nksi_fatalities,2013-05,4,\n"
            "da_solved_rate,2013-04,300,1000 \xa3\n"
        ).encode("utf-8")
        + b"da_solved_rate,2013-05,3\xe910,1010\n",
        (
            (f"{M}:4:", ("'denominator'", "'1000 £', which is not a number")),
            (f"{M}:5:", ("byte 0xE9", "column 'numerator'", "UTF-8", "CSV UTF-8")),
        ),
    ),
    Refusal(
        "windows-1252-undefined-byte",
        "monthly.csv",
        (HEADER + "\nksi_fatalities,2013-04,3,\n").encode() + b"ksi_fatalities,2013-05,4\x81,\n",
        ((f"{M}:3:", ("byte 0x81", "column 'numerator'", "Windows-1252")),),
    ),
    Refusal(
        "cell-over-the-csv-field-limit",
        "monthly.csv",
        monthly("ksi_fatalities,2013-04,3,", 'ksi_fatalities,2013-05,"' + "4" * 200_000 + '",'),
        ((f"{M}:3:", ("longer than 131072 characters", "quote")),),
    ),
    Refusal(
        "number-too-large",
        "monthly.csv",
        monthly("ksi_fatalities,2013-04,1000000000000000,", "ksi_fatalities,2013-05,4,"),
        ((f"{M}:2:", ("'1000000000000000'", "too large for a figure")),),
    ),
    Refusal(
        "nan",
        "monthly.csv",
        monthly("ksi_fatalities,2013-04,NaN,", "ksi_fatalities,2013-05,4,"),
        ((f"{M}:2:", ("'NaN'", "'not a number'")),),
    ),
    Refusal(
        "infinity",
        "monthly.csv",
        monthly("ksi_fatalities,2013-04,3,", "da_solved_rate,2013-04,300,inf"),
        ((f"{M}:3:", ("column 'denominator'", "'inf', infinite")),),
    ),
    Refusal(
        "excel-error-saved-in-a-csv",
        "monthly.csv",
        monthly("ksi_fatalities,2013-04,#DIV/0!,"),
        ((f"{M}:2:", ("column 'numerator' is #DIV/0!, an Excel error",)),),
    ),
    Refusal(
        "scientific-notation",
        "monthly.csv",
        monthly("ksi_fatalities,2013-04,1.23457E+11,"),
        ((f"{M}:2:", ("scientific notation", "format the column as Number")),),
    ),
    Refusal(
        "unknown-measure-in-monthly",
        "monthly.csv",
        monthly("ksi_fatality,2013-04,3,"),
        ((f"{M}:2:", ("unknown measure 'ksi_fatality'", "did you mean 'ksi_fatalities'")),),
    ),
    Refusal(
        "unknown-measure-in-revisions",
        "revisions.csv",
        "measure,month,numerator,denominator,until_edition\nksi_fatalitys,2013-04,2,,2013-04\n",
        (("data/revisions.csv:2:", ("unknown measure 'ksi_fatalitys'", "data/catalogue.yaml")),),
    ),
    Refusal(
        "unknown-measure-in-msg",
        "msg.csv",
        "edition,measure,rank,msg_average,period_end\n2013-05,all_crimes,6,95020,2013-04\n",
        (("data/msg.csv:2:", ("unknown measure 'all_crimes'", "did you mean 'all_crime'")),),
    ),
    Refusal(
        "unknown-measure-in-survey",
        "survey_estimates.csv",
        "edition,measure,last_year,this_year,period_end\n2013-05,csew_good,60.3,58.3,\n",
        (("data/survey_estimates.csv:2:", ("unknown measure 'csew_good'",)),),
    ),
    Refusal(
        # check passed, and the edition printed "160.3%" and "Improved (122.3% pt.)"
        "survey-estimates-outside-a-percentage",
        "survey_estimates.csv",
        "edition,measure,last_year,this_year,period_end\n"
        "2013-05,csew_good_job,160.3,58.3,\n2013-06,csew_good_job,60.3,-58.3,\n",
        (
            (
                "data/survey_estimates.csv:2:",
                ("last_year 160.3 of csew_good_job is outside what it can be", "0 to 100"),
            ),
            (
                "data/survey_estimates.csv:3:",
                ("this_year -58.3 of csew_good_job is outside what it can be", "0 to 100"),
            ),
        ),
    ),
    Refusal(
        # an average of 195.1% decided the rank's colour
        "msg-average-outside-a-percentage",
        "msg.csv",
        "edition,measure,rank,msg_average,period_end\n2013-05,satisfaction_contact,6,195.1,\n",
        (
            (
                "data/msg.csv:2:",
                ("msg_average 195.1 of satisfaction_contact is outside what it can be",),
            ),
        ),
    ),
    Refusal(
        # "the 12 months to December 2041" was printed in the March 2014 edition
        "period-ends-after-the-edition",
        "msg.csv",
        "edition,measure,rank,msg_average,period_end\n"
        "2014-03,satisfaction_overall,8,84.1,2041-12\n2014-03,satisfaction_contact,6,95.1,2014-03\n",
        (("data/msg.csv:2:", ("period_end 2041-12 is after the edition 2014-03",)),),
    ),
    Refusal(
        "survey-period-ends-after-the-edition",
        "survey_estimates.csv",
        "edition,measure,last_year,this_year,period_end\n2014-03,csew_good_job,60.3,58.3,2031-09\n",
        (("data/survey_estimates.csv:2:", ("period_end 2031-09 is after the edition 2014-03",)),),
    ),
    Refusal(
        "every-problem-in-the-file",
        "monthly.csv",
        monthly(
            "ksi_fatalities,2013-04,x,",
            "ksi_fatalities,2013-05,4,",
            "ksi_fatalities,2013-06,1e400,",
            "no_such_measure,2013-05,4,",
            "ksi_fatalities,2013-05,5,",
            "da_solved_rate,2013-13,12%,",
        ),
        (
            (f"{M}:2:", ("'x', which is not a number",)),
            (f"{M}:4:", ("'1e400', in scientific notation",)),
            (f"{M}:5:", ("unknown measure 'no_such_measure'",)),
            (f"{M}:6:", ("ksi_fatalities 2013-05 appears twice (first on line 3)",)),
            (f"{M}:7:", ("column 'denominator'", "the figure is missing")),
            (f"{M}:7:", ("column 'month'", "'2013-13' is not a month")),
            (f"{M}:7:", ("column 'numerator'", "'12%', a percentage")),
        ),
    ),
    Refusal(
        "months-in-digits-other-than-ascii",
        "monthly.csv",
        # int() reads any script's digits: these were taken as 2013-05 and 2013-06
        monthly(
            "ksi_fatalities,2013-04,3,",
            "ksi_fatalities,\uff12\uff10\uff11\uff13-\uff10\uff15,4,",
            "ksi_fatalities,\u0662\u0660\u0661\u0663-\u0660\u0666,5,",
        ),
        (
            (f"{M}:3:", ("column 'month'", "is not a month; write it as YYYY-MM")),
            (f"{M}:4:", ("column 'month'", "is not a month; write it as YYYY-MM")),
        ),
    ),
    Refusal(
        "a-long-cell-is-refused-without-a-slow-pattern",
        "monthly.csv",
        # long runs that make backtracking patterns take minutes: digits and separators
        monthly(
            'ksi_fatalities,2013-04,"' + "1," * 60_000 + 'x",',
            "ksi_fatalities,2013-05," + "9" * 120_000 + ",",
        ),
        (
            (f"{M}:2:", ("(120001 characters), which is not a number", "use digits")),
            (f"{M}:3:", ("(120000 characters), which is not a number", "use digits")),
        ),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_bad_data_file_is_refused_by_line(data_folder, load, case: Refusal) -> None:
    write(data_folder, case.file, case.content)
    found = problems_of(load, data_folder)
    assert len(found) == len(case.problems), "\n".join(found)
    for message, (where, fragments) in zip(found, case.problems, strict=True):
        assert message.startswith(where + " "), f"{message!r} should start with {where!r}"
        for fragment in fragments:
            assert fragment in message, f"{message!r} should say {fragment!r}"


# --- files that must be read -----------------------------------------------------------


def windows_1252(root: Path) -> None:
    # Excel's "CSV (Comma delimited)" on a UK PC: a no-break space (0xA0) pasted after
    # figures, and a pound sign (0xA3) in a column the loader does not read as text
    text = MONTHLY.replace("3,\n", "3\xa0,\n").replace("1000\n", "1000\xa0\n")
    write(root, "monthly.csv", text.encode("cp1252"))


def utf8_with_byte_order_mark(root: Path) -> None:
    write(root, "monthly.csv", b"\xef\xbb\xbf" + MONTHLY.replace("\n", "\r\n").encode())


def trailing_empty_rows(root: Path) -> None:
    # Excel writes ",,," for every row below the data that was ever touched
    write(root, "monthly.csv", MONTHLY + ",,,\n" * 5 + ",,,,,,\n\n")


def empty_columns_after_the_header(root: Path) -> None:
    rows = MONTHLY.strip().split("\n")
    write(root, "monthly.csv", "\n".join(row + ",," for row in rows) + "\n")


def largest_figure(root: Path) -> None:
    write(
        root,
        "monthly.csv",
        MONTHLY.replace("ksi_fatalities,2013-04,3,", "ksi_fatalities,2013-04,999999999999999,"),
    )


READ = [
    windows_1252,
    utf8_with_byte_order_mark,
    trailing_empty_rows,
    empty_columns_after_the_header,
]


@pytest.mark.parametrize("change", READ, ids=lambda change: change.__name__)
def test_csv_as_excel_writes_it_is_read(data_folder, load, change: Callable[[Path], None]) -> None:
    expected = load(data_folder)
    change(data_folder)
    data = load(data_folder)
    assert data.monthly.frame()[["numerator", "denominator"]].equals(
        expected.monthly.frame()[["numerator", "denominator"]]
    )
    assert data.monthly.frame().loc[("da_solved_rate", "2013-04"), "denominator"] == 1000


def test_the_largest_figure_below_the_limit_is_read(data_folder, load) -> None:
    largest_figure(data_folder)
    data = load(data_folder)
    assert data.monthly.frame().loc[("ksi_fatalities", "2013-04"), "numerator"] == Fraction(
        10**15 - 1
    )


@pytest.mark.parametrize("size", [MAX_DATA_BYTES + 1, 1 << 30], ids=["just-over", "1GB"])
def test_an_oversized_data_file_is_refused_before_it_is_read(data_folder, load, size) -> None:
    path = data_folder / "data" / "monthly.csv"
    with path.open("r+b") as handle:
        handle.truncate(size)  # sparse: no disk is used, but the file is this large
    (message,) = problems_of(load, data_folder)
    assert message.startswith("data/monthly.csv: the file is ")
    assert f"data files are limited to {MAX_DATA_BYTES // 1024 // 1024} MB" in message


def test_every_data_file_reports_at_once(data_folder, load) -> None:
    write(data_folder, "revisions.csv", REVISIONS)
    assert load(data_folder).revisions.frame().loc[("ksi_fatalities", "2013-04"), "numerator"] == 2
    write(data_folder, "monthly.csv", monthly("ksi_fatalities,2013-04,-3,"))
    write(
        data_folder,
        "msg.csv",
        "edition,measure,rank,msg_average,period_end\n2013-05,all_crime,9,1,\n",
    )
    write(data_folder, "survey_estimates.csv", "edition,measure,last_year\n")
    write(
        data_folder,
        "revisions.csv",
        "measure,month,numerator,denominator,until_edition\nksi_fatalities,2012-01,2,,2013-04\n",
    )
    found = problems_of(load, data_folder)
    assert [message.split(": ")[0] for message in found] == [
        "data/monthly.csv:2",
        "data/msg.csv:2",
        "data/revisions.csv:2",
        "data/survey_estimates.csv:1",
    ]
    assert "is negative (figures are counts of zero or more" in found[0], found[0]
    assert "rank '9' is not a position 1-8" in found[1]
    assert "revision of ksi_fatalities 2012-01, which has no figure in the monthly data" in found[2]
    assert "header is edition,measure,last_year" in found[3]


def test_the_cli_prints_one_line_per_problem_with_a_count(report_copy, run_cli) -> None:
    path = report_copy / "data" / "monthly.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[5] = lines[5].rsplit(",", 2)[0] + ",abc,"
    lines[9] = "unknown_measure,2013-04,1,"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_cli("check", root=report_copy)
    assert result.code == 1 and result.out == ""
    assert result.err.splitlines() == [
        "reportgen: error: data/monthly.csv:6: column 'numerator' is 'abc', which is not a "
        "number (use digits with an optional '.' and '-', e.g. 1234 or 12.5)",
        "reportgen: error: data/monthly.csv:10: unknown measure 'unknown_measure' (add it to "
        "data/catalogue.yaml or correct the name)",
        "reportgen: 2 errors",
    ]


def test_an_unclosed_quote_is_told_as_such_and_hides_nothing_else(data_folder, load) -> None:
    """It was told as "expected 4 cells, found 3", then every revision of a figure in
    the lines the quote took was "a revision of a figure the monthly data does not have"."""
    path = data_folder / "data" / "monthly.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("ksi_fatalities,2013-04,"))
    measure, month, numerator, denominator = lines[at].split(",")
    lines[at] = f'{measure},{month},"{numerator},{denominator}'
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    write(
        data_folder,
        "revisions.csv",
        "measure,month,numerator,denominator,until_edition\nda_solved_rate,2013-05,311,1010,2013-05\n",
    )
    found = problems_of(load, data_folder)
    assert found == [
        f'{M}:{at + 1}: a quote (") opened on this line is not closed, so lines {at + 1} to '
        f"{len(lines)} were read as one row (close the quote, or remove it: a figure needs "
        "no quotes)"
    ], found


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"])
def test_a_utf_16_file_is_told_by_its_encoding(data_folder, load, encoding: str) -> None:
    """Its header was told as 'ÿþm\\x00e\\x00a…', which never said what was wrong."""
    write(data_folder, "msg.csv", "edition,measure,rank,msg_average,period_end\n".encode(encoding))
    (message,) = problems_of(load, data_folder)
    assert message == (
        "data/msg.csv:1: the file is UTF-16 text (Excel's 'Unicode Text'), not UTF-8 or "
        "Windows-1252 (save it from Excel as 'CSV UTF-8 (Comma delimited)')"
    )
