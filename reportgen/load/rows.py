"""The row model shared by the data readers: where each cell came from, and its text.

A reader (``csvfile`` for the CSVs, ``workbook`` for ``data/performance.xlsx``) turns
its file into ``SourceRow``s of text ``Cell``s, each carrying its ``Where``
(``data/monthly.csv:12`` or ``data/performance.xlsx: Monthly!F12``). The validators in
``reportgen.load.data`` read only these, so every rule and every message is the same
whichever file a figure was typed in.
"""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from reportgen.errors import InputError


class Where(msgspec.Struct, frozen=True):
    """A place in a data file: a line of a CSV, or a cell of a workbook sheet."""

    file: str
    line: int | None = None
    cell: str | None = None  # "Monthly!F12"
    # what to do where the figure here is missing: right for a CSV row; a cell of the
    # workbook's grid (a measure's whole history in one row) says its own
    missing_advice: str = "enter the figure, or remove the row if the month has no data"

    def __str__(self) -> str:
        if self.cell:
            return f"{self.file}: {self.cell}"
        return self.file if self.line is None else f"{self.file}:{self.line}"

    @property
    def short(self) -> str:
        """ "line 12" or "Monthly!F12": enough to point within the same file."""
        if self.cell:
            return self.cell
        return f"line {self.line}" if self.line is not None else self.file

    def error(self, message: str, hint: str | None = None) -> InputError:
        return InputError(message, file=self.file, line=self.line, cell=self.cell, hint=hint)


class Cell(msgspec.Struct, frozen=True):
    """One cell's text, stripped, as the analyst would read it, and where it is."""

    text: str
    where: Where


class SourceRow(msgspec.Struct, frozen=True):
    """One data row: its cells by column name, and where the row itself is.

    ``where`` is the place a problem with the whole row is reported (a CSV line; the
    row's first cell in a workbook).
    """

    cells: Mapping[str, Cell]
    where: Where

    def __getitem__(self, column: str) -> Cell:
        return self.cells[column]
