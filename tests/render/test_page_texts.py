"""Every text of the layout bound for the page is checked against the font at the line
it was written on: a chart's title, each of its labels and its y_label at their own
lines, a label the chart takes from the catalogue at its measure there."""

from __future__ import annotations

from pathlib import Path

import pytest

from reportgen.errors import Problems
from reportgen.load.folder import load_report, load_report_theme
from reportgen.render.glyphs import check_page_texts
from reportgen.render.pagetexts import layout_texts
from reportgen.render.styles import build_styles
from tests.load.test_contract import CATALOGUE, LAYOUT, edit, line_of

CHART = """\
          title: Re-offending rates by month
          measures: [youth_reoffending_rate, adult_reoffending_rate]
          labels: [Youth, Adult]
          months: 12
          y_label: Re-offending rate
"""
# each text a character DejaVu Sans lacks, its own, so each problem is told apart
SPOILT = """\
          title: Re-offending rates by month \u6f22
          measures: [youth_reoffending_rate, adult_reoffending_rate]
          labels:
            - Youth \u5b57
            - Adult \u6771
          months: 12
          y_label: Re-offending rate \u4eac
"""


def missing_characters(root: Path) -> set[tuple[str | None, int | None, str]]:
    """(file, line, the character) of every text of the layout the font lacks one of."""
    folder = load_report(root)
    styles = build_styles(load_report_theme(folder))
    with pytest.raises(Problems) as caught:
        check_page_texts(layout_texts(folder), styles)
    return {(p.file, p.line, p.message[len("character '") :][0]) for p in caught.value.problems}


def test_each_chart_text_is_named_at_its_own_line(report_copy: Path) -> None:
    edit(report_copy, LAYOUT, CHART, SPOILT)
    # a chart without labels prints its measures' catalogue labels
    edit(report_copy, CATALOGUE, "    label: Police staff\n", "    label: Police staff \u8a9e\n")
    assert missing_characters(report_copy) == {
        (LAYOUT, line_of(report_copy, LAYOUT, "title: Re-offending rates"), "\u6f22"),
        (LAYOUT, line_of(report_copy, LAYOUT, "- Youth"), "\u5b57"),
        (LAYOUT, line_of(report_copy, LAYOUT, "- Adult"), "\u6771"),
        (LAYOUT, line_of(report_copy, LAYOUT, "y_label: Re-offending rate"), "\u4eac"),
        # the table's row and the chart's legend print it: one problem, at its measure
        (CATALOGUE, line_of(report_copy, CATALOGUE, "  sickness_staff:"), "\u8a9e"),
    }


def test_the_contents_and_section_titles_are_named_at_their_own_lines(
    report_copy: Path,
) -> None:
    """The contents' headings were named by the layout's file alone, and a section's
    title and running title by the section's first line."""
    edit(report_copy, LAYOUT, "  heading: Areas of Focus\n", "  heading: Areas of Focus \u6f22\n")
    edit(report_copy, LAYOUT, "  page_heading: Page\n", "  page_heading: Page \u5b57\n")
    edit(
        report_copy,
        LAYOUT,
        "    title: Improving Road Safety\n",
        "    title: Improving Road Safety \u6771\n",
    )
    edit(
        report_copy,
        LAYOUT,
        "    running_title: Supporting Our Victims of Crime\n",
        "    running_title: Supporting Our Victims of Crime \u4eac\n",
    )
    assert missing_characters(report_copy) == {
        (LAYOUT, line_of(report_copy, LAYOUT, "heading: Areas of Focus"), "\u6f22"),
        (LAYOUT, line_of(report_copy, LAYOUT, "page_heading: Page"), "\u5b57"),
        (LAYOUT, line_of(report_copy, LAYOUT, "title: Improving Road Safety"), "\u6771"),
        (LAYOUT, line_of(report_copy, LAYOUT, "running_title: Supporting Our"), "\u4eac"),
    }
