"""What python-calamine does not say about a workbook's cells, read from the .xlsx parts.

In:  an .xlsx file (a zip of XML parts) and the names of the sheets wanted.
Out: per sheet, ``SheetFacts``: the cells holding an Excel error (calamine gives an
     error cell as an empty string, so ``#DIV/0!`` would read as "no figure"), the
     formulas with no saved result (also an empty string), the cells formatted as a
     percentage (calamine gives 0.5 for 50%), and how far the used cells reach.

This is the one module that reads the Office Open XML parts itself, because
python-calamine (tested with 0.9.1, on files written by openpyxl 3.1.5 and the layout
Excel writes) has no public API for formulas, error values or number formats. It reads
the parts calamine reads too (``xl/workbook.xml`` and its relationships for the sheet
files, ``xl/styles.xml`` for number formats, each sheet's XML), streaming each sheet so
memory stays small. It also bounds the work before calamine is asked to read: the zip's
declared sizes, and each sheet's extent (calamine makes a dense grid of the used range,
so one stray cell at XFD1048576 would ask for billions of cells).
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterable, Iterator
from typing import IO
from xml.etree import ElementTree

import msgspec

MAX_UNCOMPRESSED_BYTES = 64 * 1024 * 1024  # the zip's parts together, as declared
MAX_ROWS = 100_000
MAX_COLUMNS = 2_000
MAX_CELLS = 2_000_000  # rows x columns of the used range
PERCENT_FORMAT_IDS = {9, 10}  # Excel's built-in "0%" and "0.00%"
_REFERENCE = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")
_QUOTED = re.compile(r'"[^"]*"|\\.')
RELATIONSHIP = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


class WorkbookProblem(Exception):
    """The file is not a workbook this module can bound; the message says why."""


class SheetFacts(msgspec.Struct):
    errors: dict[str, str] = msgspec.field(default_factory=dict)  # "F12" -> "#DIV/0!"
    unsaved_formulas: dict[str, str] = msgspec.field(default_factory=dict)  # "F12" -> "SUM(B2:B4)"
    percent: set[str] = msgspec.field(default_factory=set)  # "F12"
    last_row: int = 0  # 1-based; 0 for an empty sheet
    last_column: int = 0


def column_letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def check_sizes(archive: zipfile.ZipFile) -> None:
    declared = sum(info.file_size for info in archive.infolist())
    if declared > MAX_UNCOMPRESSED_BYTES:
        raise WorkbookProblem(
            f"the workbook unpacks to {declared / 1024 / 1024:.0f} MB; reportgen reads "
            f"workbooks up to {MAX_UNCOMPRESSED_BYTES // 1024 // 1024} MB"
        )


def _parse(archive: zipfile.ZipFile, part: str) -> ElementTree.Element | None:
    try:
        with archive.open(part) as handle:
            return ElementTree.parse(handle).getroot()
    except KeyError:
        return None


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> the zip part holding it, from the workbook and its relationships."""
    workbook = _parse(archive, "xl/workbook.xml")
    relationships = _parse(archive, "xl/_rels/workbook.xml.rels")
    if workbook is None or relationships is None:
        raise WorkbookProblem("it has no xl/workbook.xml: it is not an .xlsx workbook")
    targets = {
        rel.get("Id"): rel.get("Target", "")
        for rel in relationships.iter()
        if _local(rel.tag) == "Relationship"
    }
    parts = {}
    for sheet in workbook.iter():
        if _local(sheet.tag) != "sheet":
            continue
        target = targets.get(sheet.get(RELATIONSHIP))
        if target:
            path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            parts[sheet.get("name", "")] = posixpath.normpath(path)
    return parts


def percent_styles(archive: zipfile.ZipFile) -> set[int]:
    """Indexes of the cell formats (a cell's ``s``) whose number format shows a %."""
    styles = _parse(archive, "xl/styles.xml")
    if styles is None:
        return set()
    custom = {}
    for element in styles.iter():
        if _local(element.tag) == "numFmt":
            code = _QUOTED.sub("", element.get("formatCode", ""))
            custom[int(element.get("numFmtId", "-1"))] = "%" in code
    found: set[int] = set()
    for element in styles.iter():
        if _local(element.tag) == "cellXfs":
            for index, xf in enumerate(x for x in element if _local(x.tag) == "xf"):
                number_format = int(xf.get("numFmtId", "0"))
                if number_format in PERCENT_FORMAT_IDS or custom.get(number_format, False):
                    found.add(index)
    return found


def _cells(handle: IO[bytes]) -> Iterator[ElementTree.Element]:  # a zip member
    for _, element in ElementTree.iterparse(handle, events=("end",)):
        tag = _local(element.tag)
        if tag == "c":
            yield element
        elif tag == "row":
            element.clear()  # keep memory to one row at a time


def read_sheet_facts(archive: zipfile.ZipFile, part: str, percent: set[int]) -> SheetFacts:
    facts = SheetFacts()
    row_number, column = 0, -1
    with archive.open(part) as handle:
        for cell in _cells(handle):
            reference = cell.get("r", "")
            match = _REFERENCE.fullmatch(reference)
            if match:
                column = column_index(match.group(1))
                row_number = int(match.group(2))
            else:  # a cell without a reference follows the one before it
                column += 1
                row_number = max(row_number, 1)
                reference = f"{column_letters(column)}{row_number}"
            children = {_local(child.tag): child for child in cell}
            value = children.get("v")
            formula = children.get("f")
            kind = cell.get("t", "n")
            has_value = value is not None and bool(value.text)
            if not (has_value or formula is not None or "is" in children):
                continue  # formatting only: calamine does not count it either
            if row_number > facts.last_row:
                facts.last_row = row_number
            if column + 1 > facts.last_column:
                facts.last_column = column + 1
            if kind == "e":
                facts.errors[reference] = (value.text if value is not None else "") or "#N/A"
            elif formula is not None and not has_value and kind not in ("str", "s", "inlineStr"):
                facts.unsaved_formulas[reference] = formula.text or ""
            elif kind == "n" and has_value and int(cell.get("s", "0")) in percent:
                facts.percent.add(reference)
            _bound(facts, reference)
    return facts


def _bound(facts: SheetFacts, reference: str) -> None:
    if (
        facts.last_row > MAX_ROWS
        or facts.last_column > MAX_COLUMNS
        or facts.last_row * facts.last_column > MAX_CELLS
    ):
        raise WorkbookProblem(
            f"its used cells reach {reference}; reportgen reads sheets up to {MAX_ROWS} rows, "
            f"{MAX_COLUMNS} columns and {MAX_CELLS} cells"
        )


def workbook_facts(
    archive: zipfile.ZipFile, sheets: Iterable[str]
) -> tuple[dict[str, SheetFacts], list[str]]:
    """(facts of each wanted sheet that exists, every sheet name in the workbook)."""
    check_sizes(archive)
    parts = sheet_parts(archive)
    percent = percent_styles(archive)
    found = {}
    for name in sheets:
        if name in parts:
            try:
                found[name] = read_sheet_facts(archive, parts[name], percent)
            except WorkbookProblem as exc:
                raise WorkbookProblem(f"sheet {name!r}: {exc}") from None
            except KeyError:
                raise WorkbookProblem(f"sheet {name!r} has no part {parts[name]}") from None
    return found, list(parts)
