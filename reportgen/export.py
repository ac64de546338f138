"""``reportgen workbook``: a report folder's data -> ``data/performance.xlsx``.

In:  the folder's catalogue and data (CSVs and/or an existing workbook), optionally
     the next edition month.
Out: the workbook in the shape ``reportgen.load.workbook`` reads: the ``Monthly`` grid
     (one row per measure, a numerator and a denominator row for rates, one column per
     month headed by an Excel date) and the ``MSG``, ``Survey`` and ``Revisions``
     tables. With ``next_month``, the month's column is added empty; the cells the
     next edition needs are highlighted, allow only what belongs there (whole numbers
     from 0 for counts), and a note on the header says which measures need them.
     Written whole or not at all (made in memory, then written by
     ``reportgen.atomic``); an existing workbook is replaced only when asked, and a
     sheet of it that reportgen does not write (an analyst's ``Notes``) is named in a
     warning, since the new workbook does not carry it over.
"""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import msgspec

from reportgen import notices
from reportgen.atomic import write_bytes
from reportgen.errors import InputError
from reportgen.load.catalogue import Aggregation, Catalogue, Measure
from reportgen.load.data import (
    MSG,
    MSG_COLUMNS,
    REVISIONS,
    REVISIONS_COLUMNS,
    SURVEY,
    SURVEY_COLUMNS,
    WORKBOOK,
    PerformanceData,
)
from reportgen.load.folder import DATA, load_figures
from reportgen.load.workbook import DENOMINATOR, GRID_HEADER, MONTHLY_SHEET, NUMERATOR, sheet_names
from reportgen.months import Month, month_range

NEEDED_FILL = "FFF2CC"  # the pale yellow analysts use for "to fill in"
HEADER_FILL = "D9E1F2"


class WrittenWorkbook(msgspec.Struct, frozen=True):
    path: Path
    measures: int
    first_month: Month
    last_month: Month
    needed: tuple[tuple[str, Month], ...]  # (measure id, month) the next edition needs
    csv_files: tuple[str, ...]  # the CSVs whose figures the workbook now holds too


def figure(value: Fraction | None) -> int | float | None:
    """A figure as Excel stores it: whole numbers as integers, the rest as the decimal."""
    if not isinstance(value, Fraction):
        return None  # no figure (pandas may hold it as None or NaN)
    if value.denominator == 1:
        return int(value)
    return float(Decimal(value.numerator) / Decimal(value.denominator))


def needed_figures(
    catalogue: Catalogue, data: PerformanceData, edition: Month
) -> list[tuple[str, Month]]:
    """Monthly figures an edition needs (its two windows) that the data does not have."""
    have = set(data.monthly.keys())
    with_rows = set(data.monthly.measure)
    needed = []
    for measure in catalogue.values():
        if not measure.has_own_rows or measure.id not in with_rows:
            continue
        this_year = measure.window.months(edition)
        last_year = [m.shift(-12) for m in this_year]
        comparable = measure.comparable_from is None or last_year[0] >= measure.comparable_from
        wanted = this_year + (last_year if comparable else [])
        needed += [(measure.id, m) for m in sorted(wanted) if (measure.id, str(m)) not in have]
    return needed


def write_workbook(
    root: Path, *, next_month: Month | None = None, force: bool = False
) -> WrittenWorkbook:
    root = Path(root).resolve()
    target = root / DATA / WORKBOOK
    shown = str(target.relative_to(root))
    if target.exists() and not force:
        raise InputError(
            "already exists; reportgen does not overwrite it",
            file=shown,
            hint="pass --force to replace it with the folder's current data",
        )
    catalogue, data = load_figures(root)
    last = data.last_month
    if next_month is not None and next_month <= last:
        already = next_month >= data.first_month
        raise InputError(
            f"--next {next_month} "
            + (
                f"already has figures (the data runs to {last})"
                if already
                else f"is before the data, which runs from {data.first_month} to {last}"
            ),
            file=data.monthly_file,
            hint=f"--next names the month to add after the data, e.g. {last.shift(1)}",
        )
    months = month_range(data.first_month, max(last, next_month or last))
    needed = needed_figures(catalogue, data, next_month) if next_month else []
    book = _workbook(catalogue, data, months, next_month, needed)
    dropped = (
        [s for s in sheet_names(target) if s not in book.sheetnames] if target.exists() else []
    )
    # made in memory, then written whole: a full disk fails the write, not a zip half made
    buffer = io.BytesIO()
    book.save(buffer)
    write_bytes(target, buffer.getvalue(), within=root)
    for sheet in dropped:
        notices.warn(f"{shown}: sheet {sheet!r} is not carried over into the new workbook")
    measures = sum(1 for m in catalogue.values() if m.has_own_rows)
    csv_files = sorted({f for files in data.files.values() for f in files if f.endswith(".csv")})
    return WrittenWorkbook(target, measures, months[0], months[-1], tuple(needed), tuple(csv_files))


def _workbook(
    catalogue: Catalogue,
    data: PerformanceData,
    months: list[Month],
    next_month: Month | None,
    needed: list[tuple[str, Month]],
) -> Any:
    from openpyxl import Workbook

    book = Workbook()
    stamp = datetime.datetime(data.last_month.year, data.last_month.month, 1)
    book.properties.created = book.properties.modified = stamp  # not the time of writing
    sheet = book.worksheets[0]  # a new workbook's one sheet
    sheet.title = MONTHLY_SHEET
    _monthly_sheet(sheet, catalogue, data, months, next_month, needed)
    _table_sheet(book.create_sheet(MSG.sheet), MSG_COLUMNS, _msg_rows(data))
    _table_sheet(book.create_sheet(SURVEY.sheet), SURVEY_COLUMNS, _survey_rows(data))
    _table_sheet(book.create_sheet(REVISIONS.sheet), REVISIONS_COLUMNS, _revision_rows(data))
    return book


def _monthly_sheet(
    sheet: Any,
    catalogue: Catalogue,
    data: PerformanceData,
    months: list[Month],
    next_month: Month | None,
    needed: list[tuple[str, Month]],
) -> None:
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    bold, header_fill = Font(bold=True), PatternFill("solid", fgColor=HEADER_FILL)
    sheet.append([*GRID_HEADER, *(datetime.datetime(m.year, m.month, 1) for m in months)])
    for cell in sheet[1]:
        cell.font, cell.fill = bold, header_fill
        if cell.column > len(GRID_HEADER):
            cell.number_format = "mmm yyyy"
    column_of = {m: len(GRID_HEADER) + 1 + index for index, m in enumerate(months)}
    monthly = data.monthly
    figures = {
        key: {"numerator": numerator, "denominator": denominator}
        for key, numerator, denominator in zip(
            monthly.keys(), monthly.numerator, monthly.denominator, strict=True
        )
    }
    row_of: dict[tuple[str, str], int] = {}
    for measure in catalogue.values():
        if not measure.has_own_rows:
            continue
        kinds = [NUMERATOR, DENOMINATOR] if measure.aggregation is Aggregation.RATIO else [""]
        for kind in kinds:
            part = "denominator" if kind == DENOMINATOR else "numerator"
            values = [
                figure(figures[(measure.id, str(m))][part])
                if (measure.id, str(m)) in figures
                else None
                for m in months
            ]
            sheet.append([measure.id, kind, measure.label, *values])
            row_of[measure.id, part] = sheet.max_row
    if next_month is not None:
        _mark_needed(sheet, catalogue, needed, column_of, row_of, next_month)
    sheet.freeze_panes = "D2"
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 12
    sheet.column_dimensions["C"].width = 40
    for column in column_of.values():
        sheet.column_dimensions[get_column_letter(column)].width = 10


def _mark_needed(
    sheet: Any,
    catalogue: Catalogue,
    needed: list[tuple[str, Month]],
    column_of: dict[Month, int],
    row_of: dict[tuple[str, str], int],
    next_month: Month,
) -> None:
    """Highlight the cells the next edition needs, allow only figures there, say why."""
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    fill = PatternFill("solid", fgColor=NEEDED_FILL)
    counts = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0")
    counts.error = "A count is a whole number, 0 or more (leave the cell empty if unknown)."
    amounts = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0")
    amounts.error = "A figure is a number, 0 or more (leave the cell empty if unknown)."
    for validation in (counts, amounts):
        validation.showErrorMessage = True
        sheet.add_data_validation(validation)
    for measure_id, month in needed:
        measure: Measure = catalogue[measure_id]
        columns = ["numerator"]
        if measure.aggregation is Aggregation.RATIO:
            columns.append("denominator")
        for column in columns:
            cell = sheet.cell(row=row_of[measure_id, column], column=column_of[month])
            cell.fill = fill
            (counts if measure.aggregation is Aggregation.SUM else amounts).add(cell.coordinate)
    in_column = sorted({m for m, month in needed if month == next_month})
    elsewhere = sorted(f"{m} {month}" for m, month in needed if month != next_month)
    note = [f"The {next_month.name} edition needs figures here for: " + ", ".join(in_column)]
    if elsewhere:
        note.append("It also needs these older months: " + ", ".join(elsewhere))
    note.append(f"Add the {next_month} rows to the MSG and Survey sheets too.")
    header = sheet.cell(row=1, column=column_of[next_month])
    header.comment = Comment("\n".join(note), "reportgen", width=400, height=300)
    header.fill = fill


def _table_sheet(sheet: Any, columns: tuple[str, ...], rows: list[list[Any]]) -> None:
    from openpyxl.styles import Font, PatternFill

    sheet.append(list(columns))
    for cell in sheet[1]:
        cell.font, cell.fill = Font(bold=True), PatternFill("solid", fgColor=HEADER_FILL)
    for row in rows:
        sheet.append(row)
    sheet.freeze_panes = "A2"
    for letter in "ABCDE":
        sheet.column_dimensions[letter].width = 16 if letter != "B" else 28


def _month_text(month: Month | None) -> str | None:
    return None if month is None else str(month)


def _msg_rows(data: PerformanceData) -> list[list[Any]]:
    return [
        [
            edition,
            measure_id,
            int(entry.rank) if entry.rank.isdigit() else entry.rank,
            figure(entry.msg_average),
            _month_text(entry.period_end),
        ]
        for (edition, measure_id), entry in data.msg.items()
    ]


def _survey_rows(data: PerformanceData) -> list[list[Any]]:
    return [
        [
            edition,
            measure_id,
            figure(estimate.last_year),
            figure(estimate.this_year),
            _month_text(estimate.period_end),
        ]
        for (edition, measure_id), estimate in data.survey.items()
    ]


def _revision_rows(data: PerformanceData) -> list[list[Any]]:
    revised = data.revisions
    return [
        [measure_id, month, figure(numerator), figure(denominator), until]
        for measure_id, month, numerator, denominator, until in zip(
            revised.measure,
            revised.month,
            revised.numerator,
            revised.denominator,
            revised.until_edition,
            strict=True,
        )
    ]
