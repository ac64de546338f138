"""data/performance.xlsx: the same figures as the CSVs, and every refusal by sheet and cell.

The workbooks are written here with openpyxl in the analysts' shape (tests/load/
conftest.py); what openpyxl cannot write — a formula's saved result, an error cell —
is put into the sheet's XML as Excel writes it.
"""

from __future__ import annotations

import csv
import datetime
import io
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from reportgen.compute.tables import CSV_COLUMNS
from reportgen.load.xlsxcells import MAX_ROWS
from tests.load.conftest import (
    GRID,
    MONTHLY,
    SHEETS,
    problems_of,
    sheet_xml_replace,
    write_workbook,
)

BOOK = "data/performance.xlsx"


def book_path(root: Path) -> Path:
    return root / BOOK


def edit(root: Path, change: Callable) -> None:
    """Open the folder's workbook with openpyxl, change it, save it."""
    book = load_workbook(book_path(root))
    change(book)
    book.save(book_path(root))


def grid_with(*changes: tuple[int, int, object]) -> list[list]:
    grid = [list(row) for row in GRID]
    for row, column, value in changes:
        while len(grid) <= row:
            grid.append([None] * len(grid[0]))
        grid[row][column] = value
    return grid


def rewrite(root: Path, grid: list[list] = GRID, sheets: dict = SHEETS) -> None:
    write_workbook(book_path(root), grid, sheets)


# --- the same figures as the CSVs ------------------------------------------------------


def test_the_workbook_gives_the_csv_figures(data_folder, book_folder, load) -> None:
    # book_folder is data_folder with the CSVs replaced by the workbook: compare with a copy
    from tests.load.conftest import MSG, SURVEY

    csv_root = book_folder.parent / "csv"
    (csv_root / "data").mkdir(parents=True)
    shutil.copy(book_folder / "data" / "catalogue.yaml", csv_root / "data")
    for name, text in (
        ("monthly.csv", MONTHLY),
        ("msg.csv", MSG),
        ("survey_estimates.csv", SURVEY),
    ):
        (csv_root / "data" / name).write_text(text, encoding="utf-8")
    from_csv, from_book = load(csv_root), load(book_folder)
    figures = ["numerator", "denominator"]
    assert from_book.monthly.frame()[figures].equals(from_csv.monthly.frame()[figures])
    assert (
        from_book.monthly.frame().loc[("ksi_fatalities", "2013-04"), "source"]
        == f"{BOOK}: Monthly!D2"
    )
    strip = lambda entries: {k: (v.rank, v.msg_average, v.period_end) for k, v in entries.items()}  # noqa: E731
    assert strip(from_book.msg) == strip(from_csv.msg)
    assert {k: (v.last_year, v.this_year) for k, v in from_book.survey.items()} == {
        k: (v.last_year, v.this_year) for k, v in from_csv.survey.items()
    }
    assert from_book.survey[("2013-05", "csew_good_job")].this_year == Fraction("58.3")
    assert from_book.warnings == ()


def test_a_formula_gives_its_saved_result(book_folder, load) -> None:
    sheet_xml_replace(book_path(book_folder), "Monthly", "D2", '<c r="D2"><f>1+2</f><v>3</v></c>')
    assert load(book_folder).monthly.frame().loc[("ksi_fatalities", "2013-04"), "numerator"] == 3


def test_month_headers_as_text_and_empty_cells_as_no_figure(book_folder, load) -> None:
    rewrite(book_folder, grid_with((0, 3, "2013-04"), (0, 4, "2013-05"), (1, 4, None)))
    data = load(book_folder)
    assert ("ksi_fatalities", "2013-04") in data.monthly.keys()
    assert ("ksi_fatalities", "2013-05") not in data.monthly.keys()  # empty: no figure


def test_a_label_that_differs_from_the_catalogue_is_a_warning(book_folder, load) -> None:
    rewrite(book_folder, grid_with((1, 2, "KSI fatalities")))
    (warning,) = load(book_folder).warnings
    assert warning.startswith(f"{BOOK}: Monthly!C2: the label of ksi_fatalities is ")
    assert "'KSI - Fatalities'" in warning


def test_the_sample_as_a_workbook_gives_the_printed_figures(
    report_copy, run_cli, golden_rows
) -> None:
    """The sample CSVs as an analyst's workbook (real dates, a formula with its saved
    result), the CSVs removed: the same figures for both editions."""
    before = {
        e: run_cli("figures", "--edition", e, root=report_copy) for e in ("2014-02", "2014-03")
    }
    data = report_copy / "data"
    grid, where = _sample_grid(data / "monthly.csv")
    sheets = {
        name: list(csv.reader(io.StringIO((data / file).read_text(encoding="utf-8"))))
        for name, file in (
            ("MSG", "msg.csv"),
            ("Survey", "survey_estimates.csv"),
            ("Revisions", "revisions.csv"),
        )
    }
    for rows in sheets.values():
        for row in rows[1:]:
            for index, cell in enumerate(row):
                row[index] = _typed(cell)
    for path in data.glob("*.csv"):
        path.unlink()
    write_workbook(data / "performance.xlsx", grid, sheets)
    cell, value = where
    sheet_xml_replace(
        data / "performance.xlsx",
        "Monthly",
        cell,
        f'<c r="{cell}"><f>{value - 1}+1</f><v>{value}</v></c>',
    )
    for edition, expected in before.items():
        result = run_cli("figures", "--edition", edition, root=report_copy)
        assert (result.code, result.err) == (0, ""), result.err
        assert result.out == expected.out
    printed = [row[: len(CSV_COLUMNS)] for row in csv.reader(io.StringIO(before["2014-03"].out))]
    assert printed == golden_rows


def _typed(cell: str) -> object:
    """A table cell as an analyst types it: numbers as numbers, the rest as text."""
    try:
        number = float(cell)
    except ValueError:
        return cell or None
    return int(number) if number.is_integer() and "." not in cell else number


def _sample_grid(monthly: Path) -> tuple[list[list], tuple[str, int]]:
    rows = list(csv.DictReader(io.StringIO(monthly.read_text(encoding="utf-8"))))
    months = sorted({row["month"] for row in rows})
    grid: list[list] = [
        ["measure", "numerator or denominator", "label"]
        + [datetime.datetime(int(m[:4]), int(m[5:]), 1) for m in months]
    ]
    measures = list(dict.fromkeys(row["measure"] for row in rows))
    by_key = {(row["measure"], row["month"]): row for row in rows}
    for measure in measures:
        ratio = any(by_key[k]["denominator"] for k in by_key if k[0] == measure)
        for column in ("numerator", "denominator") if ratio else ("numerator",):
            cells = [
                _typed(by_key[(measure, m)][column]) if (measure, m) in by_key else None
                for m in months
            ]
            grid.append([measure, column if ratio else None, None, *cells])
    # the first figure of the first measure becomes a formula whose result Excel saved
    column = next(i for i, cell in enumerate(grid[1]) if i >= 3 and isinstance(cell, int))
    value = grid[1][column]
    assert value > 1
    header = [_header(cell) for cell in grid[0]]
    return [header, *grid[1:]], (f"{get_column_letter(column + 1)}2", value)


def _header(cell: object) -> object:
    return (cell.year, cell.month) if isinstance(cell, datetime.datetime) else cell


# --- refusals by sheet and cell --------------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    name: str
    breaks: Callable[[Path], None]
    problems: tuple[tuple[str, tuple[str, ...]], ...]  # (sheet!cell, message fragments)


def inject(sheet: str, cell: str, xml: str) -> Callable[[Path], None]:
    return lambda root: sheet_xml_replace(book_path(root), sheet, cell, xml)


def grid(*changes: tuple[int, int, object]) -> Callable[[Path], None]:
    return lambda root: rewrite(root, grid_with(*changes))


def sheet_rows(name: str, rows: list[list]) -> Callable[[Path], None]:
    return lambda root: rewrite(root, GRID, {**SHEETS, name: rows})


def percent_cell(sheet: str, cell: str, value: float) -> Callable[[Path], None]:
    def change(book) -> None:  # an openpyxl workbook
        book[sheet][cell] = value
        book[sheet][cell].number_format = "0%"

    return lambda root: edit(root, change)


def stray_far_cell(root: Path) -> None:
    edit(root, lambda book: book["Monthly"].cell(row=MAX_ROWS + 5, column=2, value="x"))


def not_a_workbook(root: Path) -> None:
    book_path(root).write_bytes(b"PK\x03\x04 this is not really a zip file" * 10)


def msg_sheet_missing(root: Path) -> None:
    rewrite(root, GRID, {"Survey": SHEETS["Survey"]})


def figures_also_in_a_csv(root: Path) -> None:
    (root / "data" / "monthly.csv").write_text(
        "measure,month,numerator,denominator\nksi_fatalities,2013-04,3,\n", encoding="utf-8"
    )


MSG_HEADER = SHEETS["MSG"][0]
CASES = [
    Refusal(
        "error-cell",
        inject("Monthly", "D2", '<c r="D2" t="e"><f>1/0</f><v>#DIV/0!</v></c>'),
        (("Monthly!D2", ("column 'numerator' is #DIV/0!, an Excel error",)),),
    ),
    Refusal(
        "reference-error-in-a-denominator",
        inject("Monthly", "E4", '<c r="E4" t="e"><v>#REF!</v></c>'),
        (("Monthly!E4", ("column 'denominator' is #REF!, an Excel error",)),),
    ),
    Refusal(
        "text-in-a-number-cell",
        grid((1, 3, "three")),
        (("Monthly!D2", ("column 'numerator' is 'three', which is not a number",)),),
    ),
    Refusal(
        "percent-formatted-count",
        percent_cell("Monthly", "E2", 0.5),
        (("Monthly!E2", ("column 'numerator' is '50%', a percentage", "give the counts")),),
    ),
    Refusal(
        "percent-formatted-msg-average",
        percent_cell("MSG", "D2", 0.951),
        (("MSG!D2", ("column 'msg_average' is '95.1%', a percentage", "plain number")),),
    ),
    Refusal(
        "formula-without-a-saved-result",
        grid((3, 3, "=D3*3")),
        (("Monthly!D4", ("the formula '=D3*3' with no saved result", "save it")),),
    ),
    Refusal(
        "figure-too-large",
        grid((1, 4, 10**15)),
        (("Monthly!E2", ("'1000000000000000', too large for a figure",)),),
    ),
    Refusal(
        "missing-denominator",
        grid((3, 4, None)),
        (("Monthly!E4", ("column 'denominator' is '': the figure is missing",)),),
    ),
    Refusal(
        "unknown-measure-reported-once",
        grid((1, 0, "ksi_fatality")),
        (("Monthly!A2", ("unknown measure 'ksi_fatality'", "did you mean 'ksi_fatalities'")),),
    ),
    Refusal(
        "derived-measure-has-no-rows",
        grid((1, 0, "ksi")),
        (("Monthly!A2", ("'ksi' is sum_of, derived from other figures",)),),
    ),
    Refusal(
        "count-with-a-denominator-row",
        grid((4, 0, "ksi_fatalities"), (4, 1, "denominator"), (4, 3, 9)),
        (("Monthly!D5", ("ksi_fatalities is a count, but the row has a denominator",)),),
    ),
    Refusal(
        "header-not-a-month",
        grid((0, 4, "May")),
        (("Monthly!E1", ("the header 'May' is not a month",)),),
    ),
    Refusal(
        "month-twice",
        grid((0, 4, (2013, 4))),
        (("Monthly!E1", ("month 2013-04 has two columns (first at Monthly!D1)",)),),
    ),
    Refusal(
        "measure-row-twice",
        grid((4, 0, "ksi_fatalities"), (4, 3, 5)),
        (("Monthly!A5", ("ksi_fatalities's numerator row appears twice (first at Monthly!A2)",)),),
    ),
    Refusal(
        "bad-row-kind",
        grid((1, 1, "count")),
        (("Monthly!B2", ("column B is 'count'", "numerator or denominator")),),
    ),
    Refusal(
        "msg-rank-out-of-range",
        sheet_rows("MSG", [MSG_HEADER, ["2013-05", "all_crime", 9, 95020, "2013-04"]]),
        (("MSG!C2", ("rank '9' is not a position 1-8",)),),
    ),
    Refusal(
        "msg-edition-as-an-excel-date-is-read-but-the-measure-is-unknown",
        sheet_rows(
            "MSG", [MSG_HEADER, [datetime.datetime(2013, 5, 1), "all_crimes", 6, 95020, None]]
        ),
        (("MSG!B2", ("unknown measure 'all_crimes'",)),),
    ),
    Refusal(
        "survey-unknown-measure",
        sheet_rows("Survey", [SHEETS["Survey"][0], ["2013-05", "csew_good", 60.3, 58.3, None]]),
        (("Survey!B2", ("unknown measure 'csew_good'",)),),
    ),
    Refusal(
        "revisions-header",
        sheet_rows("Revisions", [["measure", "month", "numerator"]]),
        (("Revisions!D1", ("no header where the denominator column belongs",)),),
    ),
    Refusal(
        "two-bad-cells-of-one-row-are-two-problems",
        grid((1, 3, -4), (1, 4, -4)),
        (
            ("Monthly!D2", ("negative",)),
            ("Monthly!E2", ("negative",)),
        ),
    ),
    Refusal(
        "every-problem-at-once",
        grid((1, 3, "x"), (2, 4, "#N/A"), (0, 4, "2013-13")),
        (
            ("Monthly!E1", ("the header '2013-13' is not a month",)),
            ("Monthly!D2", ("'x', which is not a number",)),
        ),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_workbook_refusal_names_sheet_and_cell(book_folder, load, case: Refusal) -> None:
    case.breaks(book_folder)
    found = problems_of(load, book_folder)
    assert len(found) == len(case.problems), "\n".join(found)
    for message, (cell, fragments) in zip(found, case.problems, strict=True):
        assert message.startswith(f"{BOOK}: {cell}: "), message
        for fragment in fragments:
            assert fragment in message, f"{message!r} should say {fragment!r}"


FILE_CASES = [
    pytest.param(stray_far_cell, "its used cells reach B100005", id="cell-far-beyond-the-data"),
    pytest.param(not_a_workbook, "cannot be read as an Excel workbook", id="not-a-workbook"),
    pytest.param(msg_sheet_missing, "the workbook has no sheet 'MSG'", id="msg-sheet-missing"),
]


@pytest.mark.parametrize(("breaks", "says"), FILE_CASES)
def test_workbook_file_refusal(book_folder, load, breaks, says: str) -> None:
    breaks(book_folder)
    (message,) = problems_of(load, book_folder)
    assert message.startswith(f"{BOOK}: ") and says in message, message


def test_a_figure_in_both_a_csv_and_the_workbook_names_both(book_folder, load) -> None:
    figures_also_in_a_csv(book_folder)
    (message,) = problems_of(load, book_folder)
    assert message == (
        f"{BOOK}: Monthly!D2: ksi_fatalities 2013-04 is in both data/monthly.csv:2 and "
        f"{BOOK}: Monthly!D2 (keep the figure in one place: the workbook or the CSV)"
    )


@pytest.mark.parametrize("value", ["three", "1,234", "12%", "NaN", "inf", "#DIV/0!", "1E+15", "-4"])
def test_the_same_rule_gives_the_same_message(data_folder, book_folder, load, value) -> None:
    """One validator: a bad value says the same in monthly.csv and in the workbook."""
    rewrite(book_folder, grid_with((1, 3, value)))
    (in_book,) = problems_of(load, book_folder)
    book_path(book_folder).unlink()
    for name, text in (("monthly.csv", MONTHLY.replace("2013-04,3,", f'2013-04,"{value}",')),):
        (book_folder / "data" / name).write_text(text, encoding="utf-8")
    from tests.load.conftest import MSG, SURVEY

    (book_folder / "data" / "msg.csv").write_text(MSG, encoding="utf-8")
    (book_folder / "data" / "survey_estimates.csv").write_text(SURVEY, encoding="utf-8")
    (in_csv,) = problems_of(load, book_folder)
    assert in_book.removeprefix(f"{BOOK}: Monthly!D2: ") == in_csv.removeprefix(
        "data/monthly.csv:2: "
    )
    assert in_book != in_csv


@pytest.mark.slow
def test_a_label_warning_is_told_by_check_and_by_build(report_copy, run_cli, monkeypatch) -> None:
    # check printed it among its report on stdout; build did not tell it at all
    monkeypatch.setenv("REPORTGEN_SERIAL", "1")
    data = report_copy / "data"
    grid, _ = _sample_grid(data / "monthly.csv")
    grid[1][2] = "A label of its own"
    (data / "monthly.csv").unlink()
    write_workbook(data / "performance.xlsx", grid, {})
    said = {}
    for command in ("check", "build"):
        result = run_cli(command, root=report_copy)
        assert result.code == 0, result.err
        said[command] = [line for line in result.err.splitlines() if "warning:" in line]
    assert said["check"] == said["build"] and len(said["check"]) == 1, said
    assert "Monthly!C2: the label of" in said["check"][0]
