"""A data CSV as Excel writes it -> ``SourceRow``s of text cells, each with its line.

Reads UTF-8 (with or without Excel's byte-order mark) and Windows-1252, which is what
Excel's "CSV (Comma delimited)" writes on a UK Windows PC. A file that is neither —
UTF-8 with a stray byte, or one of the five bytes Windows-1252 leaves undefined — is
refused by line and byte. Rows of nothing but empty cells (``,,,``, which Excel writes
below the data once cells there were touched) are ignored, and so are empty cells
after the last column. A file larger than ``MAX_DATA_BYTES`` is refused before it is
read: a force's monthly figures are a few hundred kilobytes, so the bound only stops
work that would take minutes.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from pathlib import Path

import msgspec

from reportgen.errors import InputError
from reportgen.load.rows import Cell, SourceRow, Where
from reportgen.load.yamlfile import read_bytes

MAX_DATA_BYTES = 4 * 1024 * 1024  # about 100,000 rows: decades of a hundred measures
BYTE_ORDER_MARK = b"\xef\xbb\xbf"
# surrogateescape turns each byte the codec cannot read into one of these
_UNREADABLE = re.compile("[\udc80-\udcff]")
_NON_ASCII_TEXT = re.compile("[^\x00-\x7f\udc80-\udcff]")


class CsvRows(msgspec.Struct, frozen=True):
    rows: tuple[SourceRow, ...]
    problems: tuple[InputError, ...]  # rows that could not be read; the rest still are


def read_data_bytes(path: Path, name: str, limit: int = MAX_DATA_BYTES) -> bytes:
    """The data file's bytes, refusing a missing, unreadable or oversized file."""
    return read_bytes(
        path,
        name,
        limit=limit,
        too_large=f"data files are limited to {limit // 1024 // 1024} MB",
        hint="a force's figures for decades fit in a few hundred KB: check it is the right file",
    )


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding name); bytes neither encoding reads stay as lone surrogates."""
    if data.startswith(BYTE_ORDER_MARK):
        return data[len(BYTE_ORDER_MARK) :].decode("utf-8", "surrogateescape"), "UTF-8"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    as_utf8 = data.decode("utf-8", "surrogateescape")
    if _NON_ASCII_TEXT.search(as_utf8):
        # real UTF-8 characters elsewhere: the bad bytes are damage, not another encoding
        return as_utf8, "UTF-8"
    return data.decode("cp1252", "surrogateescape"), "Windows-1252"


_UTF16 = (b"\xff\xfe", b"\xfe\xff")  # byte-order marks of UTF-16, as Excel's "Unicode Text"


def read_csv(path: Path, name: str, columns: Sequence[str]) -> CsvRows:
    """Every row of a data CSV whose header must be exactly ``columns``."""
    data = read_data_bytes(path, name)
    start = data[:200]
    if data.startswith(_UTF16) or (start and start.count(0) * 3 >= len(start)):
        # every other byte zero: no header or cell reads as text, so say why
        raise InputError(
            "the file is UTF-16 text (Excel's 'Unicode Text'), not UTF-8 or Windows-1252",
            file=name,
            line=1,
            hint="save it from Excel as 'CSV UTF-8 (Comma delimited)'",
        )
    text, encoding = decode(data)
    damaged = _UNREADABLE.search(text) is not None
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[SourceRow] = []
    problems: list[InputError] = []
    header_seen = False
    header_width = len(columns)
    last_line = 0
    try:
        for cells in reader:
            line, last_line = last_line + 1, reader.line_num
            cells = [cell.strip() for cell in cells]
            if not any(cells):
                continue
            where = Where(name, line)
            unreadable = damaged and _unreadable(cells, columns if header_seen else cells, encoding)
            if unreadable and not header_seen:
                raise where.error(unreadable, _ENCODING_HINT)
            if unreadable:
                problems.append(where.error(unreadable, _ENCODING_HINT))
                continue
            if not header_seen:
                header_seen = True
                header_width = len(cells)
                _check_header(cells, columns, where)
                continue
            if any("\n" in cell for cell in cells):
                # no data cell holds a line break: a quote opened and never closed took
                # the lines after it into its cell
                problems.append(
                    where.error(
                        f'a quote (") opened on this line is not closed, so lines {line} to '
                        f"{reader.line_num} were read as one row",
                        "close the quote, or remove it: a figure needs no quotes",
                    )
                )
                continue
            # Excel's empty columns after the last: as many as the header has, no more
            while len(columns) < len(cells) <= header_width and not cells[-1]:
                cells.pop()
            if len(cells) != len(columns):
                problems.append(
                    where.error(
                        f"expected {len(columns)} cells, found {len(cells)}",
                        _cells_hint(cells, columns),
                    )
                )
                continue
            rows.append(
                SourceRow(
                    {
                        column: Cell(cell, where)
                        for column, cell in zip(columns, cells, strict=True)
                    },
                    where,
                )
            )
    except csv.Error as exc:
        # past a malformed row the columns cannot be trusted: report it and stop here
        problems.append(Where(name, reader.line_num).error(_csv_problem(exc)))
    if not header_seen:
        problems.append(
            InputError(
                "the file is empty", file=name, line=1, hint=f"start it with {','.join(columns)}"
            )
        )
    return CsvRows(tuple(rows), tuple(problems))


_ENCODING_HINT = "save it from Excel as 'CSV UTF-8 (Comma delimited)', or retype the cell"


def _unreadable(cells: list[str], columns: Sequence[str], encoding: str) -> str | None:
    for number, cell in enumerate(cells):
        found = _UNREADABLE.search(cell)
        if found:
            byte = ord(found.group()) - 0xDC00
            column = columns[number] if number < len(columns) else f"cell {number + 1}"
            return (
                f"byte 0x{byte:02X} in column {column!r} cannot be read as {encoding} "
                "(the file is neither UTF-8 nor Windows-1252 text)"
            )
    return None


def _check_header(cells: list[str], columns: Sequence[str], where: Where) -> None:
    while cells and not cells[-1]:
        cells.pop()  # Excel's empty columns after the last one
    if tuple(cells) != tuple(columns):
        shown = ",".join(cells)
        raise where.error(
            f"header is {shown[:200] or '(empty)'}",
            f"the header must be exactly {','.join(columns)}",
        )


def _csv_problem(exc: csv.Error) -> str:
    message = str(exc)
    if "field larger than field limit" in message:
        return (
            f"a cell is longer than {csv.field_size_limit()} characters, which no figure is "
            '(often a quote " that is never closed)'
        )
    return f"the row cannot be read as CSV: {message}"


def _cells_hint(cells: list[str], columns: Sequence[str]) -> str:
    """Why a row may have the wrong number of cells, for the error message."""
    for first, second in zip(cells, cells[1:], strict=False):
        if (
            len(first) <= 4
            and len(second) <= 20
            and re.fullmatch(r"-?[0-9]{1,3}", first)
            and re.fullmatch(r"[0-9]{3}(\.[0-9]+)?", second)
        ):
            return (
                f"'{first},{second}' looks like a number written with a thousands separator, "
                f"which splits the cell: write it as {first}{second}"
            )
    return f"each row needs {len(columns)} cells: {','.join(columns)}"
