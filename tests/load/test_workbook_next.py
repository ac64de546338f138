"""``reportgen workbook --next``: the next month's column, its needed cells marked."""

from __future__ import annotations

import datetime

from openpyxl import load_workbook

from reportgen.export import NEEDED_FILL


def test_next_adds_the_month_marked_for_the_analyst(report_copy, run_cli) -> None:
    result = run_cli("workbook", "--next", "2014-04", root=report_copy)
    assert result.code == 0, result.err
    assert "figure(s) to add for 2014-04, highlighted" in result.err
    for path in (report_copy / "data").glob("*.csv"):
        path.unlink()

    book = load_workbook(report_copy / "data" / "performance.xlsx")
    sheet = book["Monthly"]
    header = [cell.value for cell in sheet[1]]
    assert header[:3] == ["measure", "numerator or denominator", "label"]
    months = header[3:]
    assert all(isinstance(m, datetime.datetime) and m.day == 1 for m in months)  # Excel dates
    assert all(
        (b.year * 12 + b.month) - (a.year * 12 + a.month) == 1
        for a, b in zip(months, months[1:], strict=False)
    )
    assert months[-1] == datetime.datetime(2014, 4, 1)
    april = sheet.cell(row=1, column=len(header))
    note = april.comment.text
    assert note.startswith("The April 2014 edition needs figures here for: ")
    assert "ksi_fatalities" in note and "da_solved_rate" in note
    # lagged six months, youth offenders need October 2013 for April, not April itself
    assert "youth_offenders 2013-10" in note
    rows = {(row[0].value, row[1].value or ""): row for row in sheet.iter_rows(min_row=2)}
    fatalities = rows[("ksi_fatalities", "")][len(header) - 1]
    solved = rows[("da_solved_rate", "denominator")][len(header) - 1]
    assert fatalities.value is None and fatalities.fill.fgColor.rgb.endswith(NEEDED_FILL)
    assert solved.fill.fgColor.rgb.endswith(NEEDED_FILL)
    validations = {v.type: str(v.sqref).split() for v in sheet.data_validations.dataValidation}
    assert fatalities.coordinate in validations["whole"]  # counts: whole numbers >= 0
    assert solved.coordinate in validations["decimal"]
    youth = rows[("youth_offenders", "")][len(header) - 1]
    assert youth.coordinate not in validations["whole"]

    # the empty column is no figure: the folder still builds March, and March is the default
    result = run_cli("figures", root=report_copy)
    assert result.code == 0, result.err
    assert result.out == run_cli("figures", "--edition", "2014-03").out


def test_next_must_be_a_month_without_figures(report_copy, run_cli) -> None:
    result = run_cli("workbook", "--next", "2014-03", root=report_copy)
    assert result.code == 1
    assert "--next 2014-03 already has figures (the data runs to 2014-03)" in result.err
    assert not (report_copy / "data" / "performance.xlsx").exists()


def test_next_before_the_data_is_told_so(report_copy, run_cli) -> None:
    """It was told 'already has figures', of a month the data never had."""
    result = run_cli("workbook", "--next", "2011-01", root=report_copy)
    assert result.code == 1
    assert "--next 2011-01 is before the data, which runs from 2011-04 to 2014-03" in result.err
    assert not (report_copy / "data" / "performance.xlsx").exists()
