"""A layout note may be printed only while a measure's last year is not comparable
(``while_not_comparable``): the sample's note on the domestic abuse definition explains
the 2013/14 tables' "n/a", and said "it would be misleading to compare 2014-15 data with
figures for 2013-14" under an April 2014 table that compared them."""

from __future__ import annotations

from pathlib import Path

import pytest

from reportgen.compute.aggregate import Figures
from reportgen.compute.edition import NoteTexts, _comparable, compute_edition, load_narrative
from reportgen.errors import ReportgenError
from reportgen.load.folder import load_report
from reportgen.load.layout import Notes
from reportgen.months import Month
from tests.load.test_contract import LAYOUT, edit, line_of

DEFINITION = "misleading to compare"


def test_the_sample_note_is_printed_while_the_years_do_not_compare(sample_report) -> None:
    figures = Figures(sample_report.catalogue, sample_report.data)
    # adopted April 2013: every 2013/14 edition's last year is before it; April 2014's not
    assert not _comparable(figures, "da_incidents", Month(2014, 3))
    assert not _comparable(figures, "da_incidents", Month(2013, 4))
    assert _comparable(figures, "da_incidents", Month(2014, 4))
    [notes] = [b for s in sample_report.layout.sections for b in s.blocks if isinstance(b, Notes)][
        :1
    ]
    assert notes.while_not_comparable[0] == "da_incidents"
    march = Month(2014, 3)
    edition = compute_edition(sample_report, march, load_narrative(sample_report, march))
    printed = [
        t.text
        for section in edition.sections
        for block in section.blocks
        if isinstance(block, NoteTexts)
        for t in block.items
    ]
    assert any(DEFINITION in text for text in printed), printed


def test_a_note_without_its_condition_prints_in_every_edition(report_copy: Path) -> None:
    edit(report_copy, LAYOUT, "            while_not_comparable: da_incidents\n", "")
    edit(
        report_copy,
        LAYOUT,
        "          - text: >-\n              The National",
        "          - >-\n              The National",
    )
    folder = load_report(report_copy)
    [notes] = [b for s in folder.layout.sections for b in s.blocks if isinstance(b, Notes)][:1]
    assert set(notes.while_not_comparable) == {None}  # no note has a condition


@pytest.mark.parametrize(
    ("measure", "told"),
    [
        ("da_incident", "while_not_comparable names an unknown measure 'da_incident'"),
        ("da_repeat_offenders", "measure 'da_repeat_offenders' has no comparable_from month"),
    ],
)
def test_a_condition_naming_a_measure_that_cannot_be_not_comparable_is_refused(
    report_copy: Path, measure: str, told: str
) -> None:
    edit(
        report_copy,
        LAYOUT,
        "while_not_comparable: da_incidents",
        f"while_not_comparable: {measure}",
    )
    with pytest.raises(ReportgenError) as raised:
        load_report(report_copy)
    assert told in str(raised.value)
    assert f"{LAYOUT}:{line_of(report_copy, LAYOUT, '          - text: >-')}" in str(
        raised.value
    ), str(raised.value)
