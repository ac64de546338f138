"""What analysts do to data/performance.xlsx, and what reportgen makes of it.

A renamed sheet, a deleted column, a blank or ``n/a`` cell in the grid, a number stored
as text, a sheet of their own that ``workbook --force`` does not keep, and a disk that
fills up while ``reportgen workbook`` writes: each is said in one line naming the sheet
(and cell), never a traceback, and no figure is lost or changed without a word.
"""

from __future__ import annotations

import errno
import gc
import io
import shutil
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.styles import Font

from reportgen.load import data as data_module
from reportgen.load import workbook as workbook_module
from tests.load.conftest import GRID, MONTHLY, SHEETS, problems_of, write_workbook

BOOK = "data/performance.xlsx"
REVISIONS_ROWS = [
    ["measure", "month", "numerator", "denominator", "until_edition"],
    ["ksi_fatalities", "2013-04", 2, None, "2013-04"],
]


def book_path(root: Path) -> Path:
    return root / BOOK


def rewrite(root: Path, grid: list[list] = GRID, sheets: dict = SHEETS) -> None:
    write_workbook(book_path(root), grid, sheets)


def grid_with(*changes: tuple[int, int, object]) -> list[list]:
    grid = [list(row) for row in GRID]
    for row, column, value in changes:
        grid[row][column] = value
    return grid


def sample_as_workbook(root: Path, run_cli) -> Path:
    """The sample folder's data as the workbook ``reportgen workbook`` writes, CSVs gone."""
    result = run_cli("workbook", root=root)
    assert result.code == 0, result.err
    for path in (root / "data").glob("*.csv"):
        path.unlink()
    return book_path(root)


def edit(path: Path, change) -> None:
    book = load_workbook(path)
    change(book)
    book.save(path)


# --- a sheet renamed ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sheet", "renamed"),
    [
        ("Revisions", "Revisions (old)"),
        ("MSG", "MSG (2)"),
        ("MSG", "MSG old"),
        ("MSG", "msg"),
        ("Survey", "Surveys"),
        ("Monthly", "monthly"),
    ],
)
def test_a_renamed_sheet_is_an_error_naming_it(book_folder, load, sheet, renamed) -> None:
    sheets = {"Monthly": GRID, **SHEETS, "Revisions": REVISIONS_ROWS}
    sheets = {renamed if name == sheet else name: rows for name, rows in sheets.items()}
    book = io.BytesIO()
    _write_sheets(book, sheets)
    book_path(book_folder).write_bytes(book.getvalue())
    assert problems_of(load, book_folder) == [
        f"{BOOK}: sheet {renamed!r}: reportgen reads a sheet named {sheet!r} (rename it back; "
        f"a sheet kept for reference needs a name unlike {sheet!r})"
    ]


def _write_sheets(target: io.BytesIO, sheets: dict[str, list[list]]) -> None:
    """A workbook of exactly these sheets, in order (the grid's (year, month) headers as
    dates, as conftest.write_workbook writes them)."""
    import datetime

    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append([datetime.datetime(*c, 1) if isinstance(c, tuple) else c for c in row])
    book.save(target)


def test_sheets_of_the_analysts_own_are_left_alone(book_folder, load) -> None:
    edit(
        book_path(book_folder),
        lambda book: [book.create_sheet(n) for n in ("Notes", "Summary", "Sheet1", "Targets")],
    )
    assert load(book_folder).monthly.frame().loc[("ksi_fatalities", "2013-04"), "numerator"] == 3
    # a copy kept beside the sheet reportgen reads is the analysts' too
    rewrite(book_folder, GRID, {**SHEETS, "Revisions": REVISIONS_ROWS})
    edit(book_path(book_folder), lambda book: book.copy_worksheet(book["Revisions"]))
    assert len(load(book_folder).revisions) == 1


def test_the_sample_with_its_revisions_sheet_renamed_is_refused(report_copy, run_cli) -> None:
    """The young-drivers figures of February 2014 were revised: renaming the sheet must
    not print the unrevised ones."""
    path = sample_as_workbook(report_copy, run_cli)

    def rename(book) -> None:
        book["Revisions"].title = "Revisions (old)"

    edit(path, rename)
    result = run_cli("figures", "--edition", "2014-02", root=report_copy)
    assert (result.code, result.out) == (1, "")
    assert result.err.splitlines() == [
        f"reportgen: error: {BOOK}: sheet 'Revisions (old)': reportgen reads a sheet named "
        "'Revisions' (rename it back; a sheet kept for reference needs a name unlike "
        "'Revisions')"
    ]


# --- a fixed column deleted or misheaded -------------------------------------------------


def delete_column(sheet: str, column: int):
    def change(root: Path) -> None:
        edit(book_path(root), lambda book: book[sheet].delete_cols(column))

    return change


def set_cell(sheet: str, cell: str, value: object):
    def change(root: Path) -> None:
        def put(book) -> None:
            book[sheet][cell] = value

        edit(book_path(root), put)

    return change


HEADER_CASES = [
    pytest.param(
        delete_column("Monthly", 3),
        "Monthly!C1: the header is a month (Apr 2013), where the label column belongs: the "
        "label column is missing (insert it back at column C, headed 'label')",
        id="label-column-deleted",
    ),
    pytest.param(
        delete_column("Monthly", 1),
        "Monthly!A1: the header is 'numerator or denominator', where the measure column "
        "belongs: the measure column is missing (insert it back at column A, headed 'measure')",
        id="measure-column-deleted",
    ),
    pytest.param(
        delete_column("Monthly", 2),
        "Monthly!B1: the header is 'label', where the numerator or denominator column "
        "belongs: the numerator or denominator column is missing (insert it back at column "
        "B, headed 'numerator or denominator')",
        id="kind-column-deleted",
    ),
    pytest.param(
        delete_column("MSG", 3),
        "MSG!C1: the header is 'msg_average', where the rank column belongs: the rank "
        "column is missing (insert it back at column C, headed 'rank')",
        id="msg-rank-column-deleted",
    ),
    pytest.param(
        set_cell("Survey", "F1", "source"),
        "Survey!F1: the header has a column 'source' after period_end (row 1 must be "
        "exactly edition,measure,last_year,this_year,period_end, one per column from A)",
        id="survey-extra-column",
    ),
]


@pytest.mark.parametrize(("breaks", "says"), HEADER_CASES)
def test_a_fixed_column_out_of_place_is_refused_by_cell(book_folder, load, breaks, says) -> None:
    rewrite(book_folder, GRID, {**SHEETS, "Revisions": REVISIONS_ROWS})
    breaks(book_folder)
    # one problem: the grid's cells are not read in the wrong columns, nor its revisions
    # reported as revising figures that are not there
    assert problems_of(load, book_folder) == [f"{BOOK}: {says}"]


@pytest.mark.parametrize(
    "words",
    [("Measure ID", None, "Description"), ("id", "num/den", None), (None, None, None)],
)
def test_the_grid_s_own_words_for_its_columns_are_the_analyst_s(book_folder, load, words) -> None:
    # workbooks made by hand before the headers were checked: only a column gone (a month
    # or a later column's header in its place) is refused
    rewrite(book_folder, grid_with(*((0, i, w) for i, w in enumerate(words))))
    assert load(book_folder).monthly is not None  # read, with no problem


@pytest.mark.parametrize("own", ["MSG chart", "PCC survey", "Revision log", "Month"])
def test_a_sheet_of_one_s_own_that_mentions_a_sheet_is_left_alone(book_folder, load, own) -> None:
    rewrite(book_folder, GRID, {**SHEETS, "Revisions": REVISIONS_ROWS, own: [["x"]]})
    assert load(book_folder).monthly is not None  # read, with no problem


def test_a_sheet_named_like_one_kept_in_a_csv_is_the_analyst_s(book_folder, load) -> None:
    # the MSG rankings are in data/msg.csv: a sheet "msg" beside them is a note of theirs
    rewrite(book_folder, GRID, {"Survey": SHEETS["Survey"], "msg": [["x"]]})
    (book_folder / "data" / "msg.csv").write_text(
        "edition,measure,rank,msg_average,period_end\n", encoding="utf-8"
    )
    assert load(book_folder).msg == {}  # read from the CSV (empty), with no problem


def test_the_grid_headers_are_read_in_any_case(book_folder, load) -> None:
    rewrite(book_folder, grid_with((0, 0, "Measure"), (0, 1, "Numerator or  denominator")))
    edit(book_path(book_folder), lambda book: book["Monthly"].cell(1, 3, "LABEL"))
    assert load(book_folder).monthly.frame().loc[("ksi_fatalities", "2013-05"), "numerator"] == 4


def test_a_deleted_label_column_stops_the_workbook_being_rewritten(report_copy, run_cli) -> None:
    path = sample_as_workbook(report_copy, run_cli)
    edit(path, lambda book: book["Monthly"].delete_cols(3))
    before = path.read_bytes()
    said = (
        f"reportgen: error: {BOOK}: Monthly!C1: the header is a month (Apr 2011), where the "
        "label column belongs: the label column is missing (insert it back at column C, "
        "headed 'label')"
    )
    for args in (("figures",), ("workbook", "--next", "2014-04", "--force")):
        result = run_cli(*args, root=report_copy)
        assert (result.code, result.out, result.err.splitlines()) == (1, "", [said]), args
    assert path.read_bytes() == before  # April 2011's figures are still in it


# --- a blank or n/a cell in the grid -----------------------------------------------------

MISSING_CASES = [
    pytest.param(
        grid_with((3, 4, None)),
        "Monthly!E4: column 'denominator' is '': the figure is missing (missing is not zero) "
        "(enter the figure, or empty both Monthly!E3 and Monthly!E4 if 2013-05 has no figure)",
        id="blank-denominator",
    ),
    pytest.param(
        grid_with((2, 3, "n/a")),
        "Monthly!D3: column 'numerator' is 'n/a': the figure is missing (missing is not zero) "
        "(enter the figure, or empty both Monthly!D3 and Monthly!D4 if 2013-04 has no figure)",
        id="n/a-numerator-of-a-rate",
    ),
    pytest.param(
        grid_with((1, 4, "N/A")),
        "Monthly!E2: column 'numerator' is 'N/A': the figure is missing (missing is not zero) "
        "(enter the figure, or empty the cell if 2013-05 has no figure)",
        id="n/a-count",
    ),
    pytest.param(
        GRID[:3],
        "Monthly!B3: column 'denominator' is '': the figure is missing (missing is not zero) "
        "(add da_solved_rate's denominator row below this one: da_solved_rate in column A, "
        "denominator in column B)",
        id="rate-without-its-denominator-row",
    ),
]


@pytest.mark.parametrize(("grid", "says"), MISSING_CASES)
def test_a_missing_figure_in_the_grid_is_advised_as_the_grid_has_it(
    book_folder, load, grid, says
) -> None:
    rewrite(book_folder, grid)
    assert problems_of(load, book_folder) == [f"{BOOK}: {says}"]


def test_a_missing_figure_in_a_csv_keeps_the_csv_advice(data_folder, load) -> None:
    monthly = data_folder / "data" / "monthly.csv"
    monthly.write_text(MONTHLY.replace("300,1000", "n/a,1000"), encoding="utf-8")
    assert problems_of(load, data_folder) == [
        "data/monthly.csv:4: column 'numerator' is 'n/a': the figure is missing (missing is "
        "not zero) (enter the figure, or remove the row if the month has no data)"
    ]


def test_the_reader_and_the_validator_agree_on_names() -> None:
    assert workbook_module.REVISIONS_SHEET == data_module.REVISIONS.sheet
    assert workbook_module.MONTHLY_SHEET == data_module.MONTHLY.sheet


# --- a number stored as text -------------------------------------------------------------


def test_a_number_stored_as_text_is_that_figure(book_folder, load) -> None:
    """Excel's "number stored as text" (pasted from another system): read as the CSV reads
    the same text. Text that is not a plain number is refused with the CSV's message."""
    msg = [list(row) for row in SHEETS["MSG"]]
    msg[1][3] = "95020"
    rewrite(book_folder, grid_with((1, 3, "2301"), (2, 4, " 310 ")), {**SHEETS, "MSG": msg})
    sheet = load_workbook(book_path(book_folder))["Monthly"]
    assert sheet["D2"].data_type == "s"  # stored as text, as Excel's green triangle marks
    data = load(book_folder)
    assert data.monthly.frame().loc[("ksi_fatalities", "2013-04"), "numerator"] == 2301
    assert data.monthly.frame().loc[("da_solved_rate", "2013-05"), "numerator"] == 310
    assert data.msg[("2013-05", "all_crime")].msg_average == 95020
    rewrite(book_folder, grid_with((1, 3, "2,301")))
    (refused,) = problems_of(load, book_folder)
    assert refused.startswith(f"{BOOK}: Monthly!D2: column 'numerator' is '2,301', written ")


# --- workbook --force and the analysts' own sheets -----------------------------------------


@pytest.mark.parametrize("args", [("--force",), ("--next", "2014-04", "--force")])
def test_force_names_each_sheet_it_does_not_carry_over(report_copy, run_cli, args) -> None:
    path = sample_as_workbook(report_copy, run_cli)

    def add_notes(book) -> None:
        book.create_sheet("Notes")["A1"] = "figures checked by J. Smith"
        book["Notes"]["A1"].font = Font(bold=True)
        book.create_sheet("Contacts")

    edit(path, add_notes)
    result = run_cli("workbook", *args, root=report_copy)
    assert result.code == 0, result.err
    warnings = [line for line in result.err.splitlines() if "warning" in line]
    assert warnings == [
        f"reportgen: warning: {BOOK}: sheet '{name}' is not carried over into the new workbook"
        for name in ("Notes", "Contacts")
    ]
    assert load_workbook(path).sheetnames == ["Monthly", "MSG", "Survey", "Revisions"]
    again = run_cli("workbook", *args[-1:], root=report_copy)  # nothing more to drop
    assert again.code == 0 and "warning" not in again.err, again.err


# --- a full disk -------------------------------------------------------------------------


class FullDisk:
    """A file on a full disk: it opens, but nothing can be written to it."""

    def __init__(self, handle) -> None:
        self._handle = handle

    def write(self, data) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    def __enter__(self) -> FullDisk:
        return self

    def __exit__(self, *exc) -> None:
        self._handle.close()

    def __getattr__(self, name: str):
        return getattr(self._handle, name)


@pytest.mark.parametrize(
    "args", [(), ("--force",), ("--next", "2014-04", "--force")], ids=["new", "force", "next"]
)
def test_a_full_disk_says_one_line_and_keeps_the_old_workbook(
    report_copy, run_cli, monkeypatch, args
) -> None:
    data = report_copy / "data"
    if args:  # replacing the workbook the folder reads
        sample_as_workbook(report_copy, run_cli)
    before = {p.name: p.read_bytes() for p in data.iterdir()}
    real_open = io.open

    def full_disk_open(file, mode="r", *rest, **keywords):
        handle = real_open(file, mode, *rest, **keywords)
        writes_the_book = ".performance.xlsx.reportgen-" in str(file)
        return FullDisk(handle) if writes_the_book and "r" not in mode else handle

    unraisable: list = []
    monkeypatch.setattr(io, "open", full_disk_open)
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    result = run_cli("workbook", *args, root=report_copy)
    gc.collect()  # a writer left open would complain as it is collected
    monkeypatch.undo()
    assert unraisable == [], [str(u.exc_value) for u in unraisable]
    assert (result.code, result.out) == (1, "")
    (line,) = result.err.splitlines()
    assert line.startswith("reportgen: error: ") and "performance.xlsx: No space left" in line
    assert {p.name: p.read_bytes() for p in data.iterdir()} == before  # no temporary file


@pytest.mark.slow  # mounts a tmpfs
def test_a_really_full_disk(tmp_path, run_cli, monkeypatch) -> None:
    from tests.conftest import copy_sample
    from tests.faults import fill, small_disk

    with small_disk(tmp_path / "disk", 3 * 1024) as disk:
        root = copy_sample(disk / "report")
        shutil.rmtree(root / "content")  # the data is all `workbook` reads
        path = sample_as_workbook(root, run_cli)
        before = path.read_bytes()
        fill(disk, leave=16 * 1024)
        unraisable: list = []
        monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
        for args in (("--force",), ("--next", "2014-04", "--force")):
            result = run_cli("workbook", *args, root=root)
            gc.collect()
            assert result.code == 1 and len(result.err.splitlines()) == 1, result.err
            assert "No space left on device" in result.err
        monkeypatch.undo()
        assert unraisable == []
        assert path.read_bytes() == before
        assert sorted(p.name for p in path.parent.iterdir()) == [
            "README.md",
            "catalogue.yaml",
            "performance.xlsx",
        ]


def test_a_stop_while_the_workbook_is_read_is_a_stop_not_a_bad_file(
    book_folder, load, monkeypatch: pytest.MonkeyPatch
) -> None:
    import python_calamine

    from reportgen.stops import Terminated

    def stopped(*_args: object) -> None:
        raise Terminated  # SIGTERM arriving while calamine reads

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_filelike", stopped)
    with pytest.raises(Terminated):
        load(book_folder)
