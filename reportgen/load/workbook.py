"""The analysts' workbook, ``data/performance.xlsx`` -> ``SourceRow``s of text cells.

Sheets, in the shape analysts keep them:

``Monthly``   a grid: column A the measure id, B ``numerator`` or ``denominator`` (blank
              = numerator), C the label, headed ``measure``, ``numerator or
              denominator`` and ``label`` in row 1; then one column per month whose
              header is an Excel date or ``YYYY-MM`` text. An empty cell is "no figure".
``MSG``, ``Survey``, ``Revisions``  tables with the columns of ``msg.csv``,
              ``survey_estimates.csv`` and ``revisions.csv``, header in row 1.

A fixed column whose header is not its own (a deleted label column puts a month in C1)
is refused by cell, and the sheet is not read further: its cells would be read in the
wrong columns. While the grid is unread, so are the revisions of its figures. A sheet
reportgen reads that is missing while a sheet named like it is there (``Revisions
(old)``, ``msg``) is an error naming that sheet; other sheets (``Notes``) are left
alone.

Out: per sheet, long-format ``SourceRow``s with the CSVs' column names, each cell
carrying its sheet and cell (``Monthly!F12``), so ``reportgen.load.data`` checks them
with the same validators and messages as the CSVs. A cell's value becomes the text an
analyst would have typed: a formula's saved result, ``#DIV/0!`` for an error, ``50%``
for a percent-formatted 0.5, ``=SUM(…)`` for a formula with no saved result, the month
``YYYY-MM`` of a date. Values are read with python-calamine (imported only when a
workbook exists); ``reportgen.load.xlsxcells`` adds what calamine does not report.
"""

from __future__ import annotations

import datetime
import difflib
import io
import re
import zipfile
import zlib
from collections.abc import Collection, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import msgspec

from reportgen.errors import InputError, shown
from reportgen.load import xlsxcells
from reportgen.load.csvfile import read_data_bytes
from reportgen.load.rows import Cell, SourceRow, Where
from reportgen.months import Month
from reportgen.stops import Terminated

# a workbook the reader cannot open: Excel writes one it can
RESAVE_HINT = "save it from Excel as 'Excel Workbook (*.xlsx)'"

MONTHLY_SHEET = "Monthly"
REVISIONS_SHEET = "Revisions"  # reportgen.load.data's REVISIONS.sheet (a test holds them equal)
# row 1 of columns A to C, as ``reportgen workbook`` writes it; months from D
GRID_HEADER = ("measure", "numerator or denominator", "label")
GRID_COLUMNS = len(GRID_HEADER)
NUMERATOR, DENOMINATOR = "numerator", "denominator"
LOOKALIKE_CUTOFF = 0.85  # difflib ratio: "Montly", "Revsions", "Surveys"; not "Month"
_RENAMED_COPY = re.compile(r"\s*(\(.*\)|\d+|old|copy|backup|bak|v\d+)")


class Label(msgspec.Struct, frozen=True):
    measure_id: str
    text: str
    where: Where


class WorkbookRows(msgspec.Struct):
    """What the workbook holds: each sheet's rows, the grid's labels, and its problems."""

    sheets: dict[str, list[SourceRow]] = msgspec.field(default_factory=dict)  # present sheets only
    labels: list[Label] = msgspec.field(default_factory=list)
    problems: list[InputError] = msgspec.field(default_factory=list)
    sheet_names: list[str] = msgspec.field(default_factory=list)


def cell_reference(sheet: str, row: int, column: int) -> str:
    """ "Monthly!F12" from 0-based row and column."""
    name = sheet if sheet.replace("_", "").isalnum() else "'" + sheet.replace("'", "''") + "'"
    return f"{name}!{xlsxcells.column_letters(column)}{row + 1}"


def number_text(value: float | int | Decimal) -> str:
    """A number as typed: 2735.0 -> "2735", 62.3 -> "62.3", 1e20 -> "100000000000000000000".

    The shortest text that gives the stored double back is what the analyst typed (Excel
    keeps 15 significant digits), so the figure is read exactly, as from a CSV.
    """
    exact = value if isinstance(value, Decimal) else Decimal(repr(value))
    text = format(exact, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def cell_text(value: Any, reference: str, facts: xlsxcells.SheetFacts) -> str:
    """The text an analyst reads in the cell (see the module docstring)."""
    local = reference.rpartition("!")[2].replace("'", "")
    if local in facts.errors:
        return facts.errors[local]
    if local in facts.unsaved_formulas:
        return "=" + (facts.unsaved_formulas[local] or "…")
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        if local in facts.percent:
            return number_text(Decimal(repr(value)) * 100) + "%"
        return number_text(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return f"{value.year:04d}-{value.month:02d}"
    if isinstance(value, str):
        return value.strip()
    return str(value).strip()


def read_workbook(
    path: Path,
    name: str,
    tables: dict[str, Sequence[str]],
    elsewhere: Collection[str] = (),
) -> WorkbookRows:
    """Read ``Monthly`` (the grid) and the sheets named in ``tables`` (sheet -> columns);
    ``elsewhere``: sheets whose rows the folder has in a CSV instead (a sheet named like
    one of them is the analyst's own, not that sheet renamed)."""
    data = read_data_bytes(path, name)
    wanted = [MONTHLY_SHEET, *tables]
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            facts, names = xlsxcells.workbook_facts(archive, wanted)
    except xlsxcells.WorkbookProblem as exc:
        raise InputError(str(exc), file=name, hint=RESAVE_HINT) from None
    except (
        zipfile.BadZipFile,
        zlib.error,
        ElementTree.ParseError,
        KeyError,
        ValueError,
        EOFError,
        OverflowError,
    ):
        raise InputError(
            "cannot be read as an Excel workbook (.xlsx)",
            file=name,
            hint=RESAVE_HINT,
        ) from None
    except (RuntimeError, NotImplementedError, OSError) as exc:  # encrypted, odd compression
        raise InputError(
            f"cannot be read as an Excel workbook: {exc}",
            file=name,
            hint=RESAVE_HINT,
        ) from None
    grids = _calamine_grids(data, name, list(facts))
    result = WorkbookRows(sheet_names=names)
    grid_read = True
    for sheet, grid in grids.items():
        if sheet == MONTHLY_SHEET:
            monthly = _monthly_rows(grid, name, facts[sheet], result)
            grid_read = monthly is not None
            rows = monthly or []
        else:
            rows = _table_rows(grid, name, sheet, tables[sheet], facts[sheet], result)
        result.sheets[sheet] = rows
    renamed = _renamed_sheets(name, [w for w in wanted if w not in elsewhere], names, result)
    if REVISIONS_SHEET in result.sheets and (not grid_read or MONTHLY_SHEET in renamed):
        # each revision would be reported as revising a figure that is not there: the
        # revisions are checked once the grid is read
        result.sheets[REVISIONS_SHEET] = []
    return result


def _looks_like(name: str, sheet: str) -> bool:
    """Whether a sheet named ``name`` looks like ``sheet`` renamed: the same but for case
    (``msg``), the name with a note or number after it, as Excel and analysts rename a
    copy (``Revisions (old)``, ``Revisions 2``, ``MSG old``), or a typing slip
    (``Montly``). Not a sheet of one's own that only mentions it (``MSG chart``)."""
    name, sheet = " ".join(name.split()).casefold(), sheet.casefold()
    if name == sheet:
        return True
    if name.startswith(sheet) and _RENAMED_COPY.fullmatch(name[len(sheet) :]):
        return True
    return difflib.SequenceMatcher(None, name, sheet).ratio() >= LOOKALIKE_CUTOFF


def _renamed_sheets(
    name: str, wanted: list[str], names: list[str], result: WorkbookRows
) -> set[str]:
    """A sheet reportgen reads that is missing while one named like it is there: an error
    naming that sheet, never its rows silently left out. The sheet then counts as present
    with no rows, so the rename is the one problem said about it. Returns the sheets
    found renamed."""
    others = [other for other in names if other not in wanted]
    renamed = set()
    for sheet in wanted:
        if sheet in names:
            continue
        for other in [other for other in others if _looks_like(other, sheet)]:
            others.remove(other)  # one problem per renamed sheet
            result.problems.append(
                InputError(
                    f"sheet {other!r}: reportgen reads a sheet named {sheet!r}",
                    file=name,
                    hint=f"rename it back; a sheet kept for reference needs a name unlike "
                    f"{sheet!r}",
                )
            )
            result.sheets.setdefault(sheet, [])
            renamed.add(sheet)
    return renamed


def sheet_names(path: Path) -> list[str]:
    """Every sheet of the workbook at ``path``, in order (none if it cannot be read)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return list(xlsxcells.sheet_parts(archive))
    except (
        OSError,
        zipfile.BadZipFile,
        zlib.error,
        ElementTree.ParseError,
        xlsxcells.WorkbookProblem,
        KeyError,
        ValueError,
        EOFError,
        RuntimeError,
        NotImplementedError,
    ):
        return []


def _calamine_grids(data: bytes, name: str, sheets: list[str]) -> dict[str, list[list[Any]]]:
    import python_calamine

    grids = {}
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        for sheet in sheets:
            grids[sheet] = workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    except Exception as exc:  # any failure of the reader on a bad file
        raise InputError(
            f"cannot be read as an Excel workbook: {exc}",
            file=name,
            hint=RESAVE_HINT,
        ) from None
    except BaseException as exc:
        # a panic inside the Rust reader arrives as pyo3's PanicException, a BaseException
        if isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit | Terminated):
            raise  # a stop asked for (Ctrl-C, SIGTERM), not a bad file
        raise InputError(
            "cannot be read as an Excel workbook",
            file=name,
            hint=RESAVE_HINT,
        ) from None
    return grids


def _texts(
    grid: list[list[Any]], sheet: str, facts: xlsxcells.SheetFacts
) -> list[list[tuple[str, str]]]:
    """Each row's cells as (text, "Sheet!A1")."""
    return [
        [
            (cell_text(value, ref, facts), ref)
            for column, value in enumerate(row)
            for ref in (cell_reference(sheet, number, column),)
        ]
        for number, row in enumerate(grid)
    ]


def _monthly_rows(
    grid: list[list[Any]], name: str, facts: xlsxcells.SheetFacts, result: WorkbookRows
) -> list[SourceRow] | None:
    """The grid's rows; None if its fixed columns are not where they belong (the problem
    is in ``result``)."""
    texts = _texts(grid, MONTHLY_SHEET, facts)
    if not texts:
        return []
    wrong = _fixed_header_problem(
        texts[0],
        GRID_HEADER,
        name,
        MONTHLY_SHEET,
        months_follow=True,
        row_hint="row 1 is " + ", ".join(GRID_HEADER) + ", then one month per column",
    )
    if wrong is not None:  # a column missing or moved: every cell would be misread
        result.problems.append(wrong)
        return None
    months = _grid_months(texts, name, result)
    lines: dict[tuple[str, str], int] = {}  # (measure, numerator|denominator) -> row index
    for index, row in enumerate(texts[1:], start=1):
        cells = row + [("", "")] * (GRID_COLUMNS - len(row))
        if not any(text for text, _ in row):
            continue
        (measure, measure_ref), (kind, kind_ref), (label, label_ref) = cells[:GRID_COLUMNS]
        if not measure:
            result.problems.append(
                Where(name, cell=measure_ref).error(
                    "this row has cells filled in but no measure id in column A",
                    "write the measure id (as in data/catalogue.yaml) in column A",
                )
            )
            continue
        kind = kind.lower() or NUMERATOR
        if kind not in (NUMERATOR, DENOMINATOR):
            result.problems.append(
                Where(name, cell=kind_ref).error(
                    f"column B is {shown(kind)}",
                    "write numerator or denominator (blank = numerator)",
                )
            )
            continue
        if (measure, kind) in lines:
            first = cell_reference(MONTHLY_SHEET, lines[measure, kind], 0)
            result.problems.append(
                Where(name, cell=measure_ref).error(
                    f"{measure}'s {kind} row appears twice (first at {first})",
                    "keep one row per measure for its numerators (and one for denominators)",
                )
            )
            continue
        lines[measure, kind] = index
        if label:
            result.labels.append(Label(measure, label, Where(name, cell=label_ref)))
    rows = []
    for (measure, kind), index in lines.items():
        if kind == DENOMINATOR:
            if (measure, NUMERATOR) not in lines:
                result.problems.append(
                    Where(name, cell=cell_reference(MONTHLY_SHEET, index, 0)).error(
                        f"{measure} has a denominator row but no numerator row",
                        "add the numerator row above it (column B blank or 'numerator')",
                    )
                )
            continue
        denominator_index = lines.get((measure, DENOMINATOR))
        rows += _grid_rows(texts, name, measure, index, denominator_index, months)
    return rows


def _same_header(text: str, expected: str, *, folded: bool) -> bool:
    if folded:  # the grid's headers are read as an analyst reads them: "Label" is label
        return " ".join(text.split()).casefold() == expected
    return text == expected


def _fixed_header_problem(
    header: list[tuple[str, str]],
    columns: Sequence[str],
    name: str,
    sheet: str,
    *,
    months_follow: bool,
    row_hint: str,
) -> InputError | None:
    """The first fixed column (``columns``, from A) whose row-1 header is not its own, or
    a header after them on a sheet that has no more columns (``months_follow`` False).

    A month or a later column's header where a column belongs means that column was
    deleted, and says so; the columns after it are not reported (they moved with it).
    """
    texts = [text for text, _ in header]
    texts += [""] * (len(columns) - len(texts))
    for index, expected in enumerate(columns):
        text = texts[index]
        if _same_header(text, expected, folded=months_follow):
            continue
        cell = Where(name, cell=cell_reference(sheet, 0, index))
        letter = xlsxcells.column_letters(index)
        month = _header_month(text) if months_follow else None
        later = [c for c in columns[index + 1 :] if _same_header(text, c, folded=months_follow)]
        if month is not None or later:
            found = f"a month ({month.abbr})" if month is not None else shown(text)
            return cell.error(
                f"the header is {found}, where the {expected} column belongs: the {expected} "
                "column is missing",
                f"insert it back at column {letter}, headed {expected!r}",
            )
        if months_follow:
            # the grid's own words for its columns are the analyst's ("Measure ID"); only
            # a column gone (a month or a later column's header in its place) misreads it
            continue
        if not text:
            return cell.error(
                f"no header where the {expected} column belongs",
                f"head column {letter} {expected!r}; {row_hint}",
            )
        return cell.error(
            f"the header is {shown(text)}, where the {expected} column belongs",
            f"head column {letter} {expected!r}; {row_hint}",
        )
    extra = [(text, ref) for text, ref in header[len(columns) :] if text]
    if extra and not months_follow:
        text, ref = extra[0]
        return Where(name, cell=ref).error(
            f"the header has a column {shown(text)} after {columns[-1]}", row_hint
        )
    return None


def _header_month(text: str) -> Month | None:
    try:
        return Month.parse(text) if len(text) <= 20 else None
    except ValueError:
        return None


def _grid_months(
    texts: list[list[tuple[str, str]]], name: str, result: WorkbookRows
) -> dict[int, Cell]:
    """Month columns: column index -> the header cell (its text a YYYY-MM month)."""
    header = texts[0]
    width = max(len(row) for row in texts)
    months: dict[int, Cell] = {}
    seen: dict[str, str] = {}
    for column in range(GRID_COLUMNS, width):
        ref = cell_reference(MONTHLY_SHEET, 0, column)
        text = header[column][0] if column < len(header) else ""
        if not text:
            if any(column < len(row) and row[column][0] for row in texts[1:]):
                result.problems.append(
                    Where(name, cell=ref).error(
                        "this column has figures but no month in its header",
                        "put the month in row 1, as a date or YYYY-MM",
                    )
                )
            continue
        parsed = _header_month(text)
        month = None if parsed is None else str(parsed)
        if month is None:
            result.problems.append(
                Where(name, cell=ref).error(
                    f"the header {shown(text)} is not a month",
                    "put the month in row 1, as a date or YYYY-MM, e.g. 2014-03",
                )
            )
            continue
        if month in seen:
            result.problems.append(
                Where(name, cell=ref).error(
                    f"month {month} has two columns (first at {seen[month]})",
                    "keep one column per month",
                )
            )
            continue
        seen[month] = ref
        months[column] = Cell(month, Where(name, cell=ref))
    return months


def _grid_rows(
    texts: list[list[tuple[str, str]]],
    name: str,
    measure: str,
    index: int,
    denominator_index: int | None,
    months: dict[int, Cell],
) -> list[SourceRow]:
    row = texts[index]
    below = texts[denominator_index] if denominator_index is not None else None
    measure_cell = Cell(measure, Where(name, cell=row[0][1]))
    # with no denominator row, a missing denominator is the row's, not each month's
    no_denominator = Where(
        name,
        cell=cell_reference(MONTHLY_SHEET, index, 1),
        missing_advice=f"add {measure}'s denominator row below this one: {measure} in column "
        "A, denominator in column B",
    )
    rows = []
    for column, month in months.items():
        refs = [cell_reference(MONTHLY_SHEET, index, column)]
        if below is not None and denominator_index is not None:
            refs.append(cell_reference(MONTHLY_SHEET, denominator_index, column))
        advice = (
            f"enter the figure, or empty both {refs[0]} and {refs[1]} if {month.text} has no figure"
            if len(refs) == 2
            else f"enter the figure, or empty the cell if {month.text} has no figure"
        )
        numerator = _figure(row, column, refs[0], name, advice)
        if below is not None:
            denominator = _figure(below, column, refs[1], name, advice)
        else:
            denominator = Cell("", no_denominator)
        if not numerator.text and not denominator.text:
            continue  # no figure this month
        rows.append(
            SourceRow(
                {
                    "measure": measure_cell,
                    "month": month,
                    NUMERATOR: numerator,
                    DENOMINATOR: denominator,
                },
                numerator.where,
            )
        )
    return rows


def _figure(row: list[tuple[str, str]], column: int, ref: str, name: str, advice: str) -> Cell:
    text = row[column][0] if column < len(row) else ""
    return Cell(text, Where(name, cell=ref, missing_advice=advice))


def _at(row: list[tuple[str, str]], column: int, sheet: str, index: int, name: str) -> Cell:
    if column < len(row):
        text, ref = row[column]
        return Cell(text, Where(name, cell=ref))
    return Cell("", Where(name, cell=cell_reference(sheet, index, column)))


def _table_rows(
    grid: list[list[Any]],
    name: str,
    sheet: str,
    columns: Sequence[str],
    facts: xlsxcells.SheetFacts,
    result: WorkbookRows,
) -> list[SourceRow]:
    texts = _texts(grid, sheet, facts)
    if not texts:
        return []
    wrong = _fixed_header_problem(
        texts[0],
        columns,
        name,
        sheet,
        months_follow=False,
        row_hint=f"row 1 must be exactly {','.join(columns)}, one per column from A",
    )
    if wrong is not None:
        result.problems.append(wrong)
        return []
    rows = []
    for index, row in enumerate(texts[1:], start=1):
        if not any(text for text, _ in row):
            continue
        extra = [(text, ref) for text, ref in row[len(columns) :] if text]
        where = Where(name, cell=cell_reference(sheet, index, 0))
        if extra:
            result.problems.append(
                Where(name, cell=extra[0][1]).error(
                    f"expected {len(columns)} cells, found {len(columns) + len(extra)}",
                    f"each row needs {len(columns)} cells: {','.join(columns)}",
                )
            )
            continue
        rows.append(
            SourceRow(
                {
                    column: _at(row, number, sheet, index, name)
                    for number, column in enumerate(columns)
                },
                where,
            )
        )
    return rows


def last_month_with_figures(path: Path) -> Month | None:
    """The latest month column of the Monthly sheet holding any figure (None if unreadable)."""
    try:
        rows = read_workbook(path, str(path), {})
    except InputError:
        return None
    months = [Month.parse(row["month"].text) for row in rows.sheets.get(MONTHLY_SHEET, [])]
    return max(months) if months else None
