"""Every problem of the layout at once, each at the line that has it: a text's every bad
placeholder, each measure listed again, each section number used again or out of order,
each narrative file taken again (only the first of each kind was told, at the list's or
the sections' line); the margins named by the pair that leaves too little; a line break
YAML sees and an editor does not, at its own line."""

from __future__ import annotations

from pathlib import Path

import pytest

from reportgen.errors import ReportgenError
from reportgen.load.folder import load_folder_theme, load_report
from tests.load.test_contract import LAYOUT, THEME, edit, line_of


def told(error: ReportgenError) -> list[tuple[str | None, int | None, str]]:
    problems = getattr(error, "problems", (error,))
    return [(p.file, p.line, p.message) for p in problems]


def test_every_bad_placeholder_of_a_text_is_told(report_copy: Path) -> None:
    edit(
        report_copy,
        LAYOUT,
        "the month of {this_period:da_victimless_prosecutions}.",
        "the month of {foo} and {this_period:nosuch} and {bar}.",
    )
    with pytest.raises(ReportgenError) as raised:
        load_report(report_copy)
    line = line_of(report_copy, LAYOUT, "the month of {foo}")
    found = told(raised.value)
    assert [(file, at) for file, at, _ in found] == [(LAYOUT, line)] * 3, found
    messages = " | ".join(message for _, _, message in found)
    for token in ("{foo}", "nosuch", "{bar}"):
        assert token in messages, messages


def lines_of(root: Path, file: str, text: str) -> list[int]:
    lines = (root / file).read_text(encoding="utf-8").splitlines()
    return [number for number, line in enumerate(lines, 1) if line == text]


def test_each_measure_listed_again_is_told_at_its_own_line(report_copy: Path) -> None:
    edit(
        report_copy,
        LAYOUT,
        "            - da_solved_rate\n            - da_victimless_prosecutions\n",
        "            - da_solved_rate\n            - da_incidents\n            - da_offences\n",
    )
    with pytest.raises(ReportgenError) as raised:
        load_report(report_copy)
    incidents = lines_of(report_copy, LAYOUT, "            - da_incidents")
    offences = lines_of(report_copy, LAYOUT, "            - da_offences")
    assert told(raised.value) == [
        (
            LAYOUT,
            incidents[1],
            f"measure 'da_incidents' is listed twice (first on line {incidents[0]})",
        ),
        (
            LAYOUT,
            offences[1],
            f"measure 'da_offences' is listed twice (first on line {offences[0]})",
        ),
    ]


def test_each_section_number_and_narrative_file_repeated_is_told(report_copy: Path) -> None:
    edit(report_copy, LAYOUT, "  - number: 4\n", "  - number: 2\n")
    edit(
        report_copy,
        LAYOUT,
        "    narrative: 02-supporting-victims.md\n",
        "    narrative: 01-reducing-domestic-abuse.md\n",
    )
    edit(
        report_copy,
        LAYOUT,
        "    narrative: 04-alcohol-drugs-mental-health.md\n",
        "    narrative: 03-youth-offending.md\n",
    )
    with pytest.raises(ReportgenError) as raised:
        load_report(report_copy)
    section_1 = lines_of(report_copy, LAYOUT, "  - number: 1")[0]
    section_2, section_4 = lines_of(report_copy, LAYOUT, "  - number: 2")
    section_3 = lines_of(report_copy, LAYOUT, "  - number: 3")[0]
    domestic = lines_of(report_copy, LAYOUT, "    narrative: 01-reducing-domestic-abuse.md")
    youth = lines_of(report_copy, LAYOUT, "    narrative: 03-youth-offending.md")
    assert told(raised.value) == [
        (
            LAYOUT,
            domestic[1],
            "section 2 takes its narrative from '01-reducing-domestic-abuse.md', as the "
            f"section on line {section_1} does",
        ),
        (LAYOUT, section_4, f"section number 2 is used twice (first on line {section_2})"),
        (
            LAYOUT,
            youth[1],
            "section 2 takes its narrative from '03-youth-offending.md', as the section on "
            f"line {section_3} does",
        ),
    ]


def test_sections_out_of_order_are_told_by_number(report_copy: Path) -> None:
    edit(report_copy, LAYOUT, "  - number: 4\n", "  - number: 9\n")
    with pytest.raises(ReportgenError) as raised:
        load_report(report_copy)
    assert [message for _, _, message in told(raised.value)] == [
        "section 5 comes after section 9: sections are numbered in page order",
        "section 6 comes after section 9: sections are numbered in page order",
        "section 7 comes after section 9: sections are numbered in page order",
        "section 8 comes after section 9: sections are numbered in page order",
    ]


@pytest.mark.parametrize(
    ("edits", "named", "says"),
    [
        (
            (
                ("size: A4", "size: Letter"),
                ("margin_top: 2.9cm", "margin_top: 10cm"),
                ("margin_bottom: 2.0cm", "margin_bottom: 10cm"),
            ),
            "margin_top",
            "the top and bottom margins leave 7.9cm of the page's Letter height",
        ),
        (
            (
                ("margin_left: 2.0cm", "margin_left: 7cm"),
                ("margin_right: 2.0cm", "margin_right: 7cm"),
            ),
            "margin_left",
            "the left and right margins leave 7.0cm of the page's A4 width for text",
        ),
    ],
)
def test_margins_that_leave_too_little_are_named_by_their_pair(
    report_copy: Path, edits: tuple[tuple[str, str], ...], named: str, says: str
) -> None:
    for old, new in edits:
        edit(report_copy, THEME, old, new)
    with pytest.raises(ReportgenError) as raised:
        load_folder_theme(report_copy)
    [(file, line, message)] = told(raised.value)
    assert (file, line) == (THEME, line_of(report_copy, THEME, f"  {named}:"))
    assert message.startswith(says), message


def test_a_hidden_line_break_is_named_at_its_own_line(report_copy: Path) -> None:
    edit(report_copy, LAYOUT, "  title: Performance Update\n", "  title: Performance\x85Update\n")
    with pytest.raises(ReportgenError) as raised:
        load_report(report_copy)
    [(file, line, message)] = told(raised.value)
    assert (file, line) == (LAYOUT, line_of(report_copy, LAYOUT, "  title: Performance"))
    assert message.startswith("character U+0085, a line break to YAML"), message


def test_a_brace_in_a_text_printed_as_written_is_told_at_its_line(report_copy: Path) -> None:
    # titles, running titles and chart labels are not templates: "{financial_year}" or
    # "{{x}}" there printed exactly so, braces and all, where the same words in a
    # heading are filled in
    edit(
        report_copy,
        LAYOUT,
        "    title: Improving Road Safety\n",
        "    title: Improving Road Safety {financial_year}\n",
    )
    edit(report_copy, LAYOUT, "y_label: People KSI\n", "y_label: People KSI {{x}}\n")
    edit(report_copy, LAYOUT, "  heading: Areas of Focus\n", "  heading: Areas {edition}\n")
    with pytest.raises(ReportgenError) as raised:
        load_report(report_copy)
    found = told(raised.value)
    expected = [
        line_of(report_copy, LAYOUT, mark)
        for mark in ("heading: Areas {edition}", "Road Safety {financial_year}", "{{x}}")
    ]
    assert sorted(at for _, at, _ in found) == sorted(expected), found
    assert all("is printed as written" in message for _, _, message in found), found


def test_a_survey_period_of_a_derived_measure_is_told_at_the_template(
    report_copy: Path,
) -> None:
    # it was told as "no survey estimate for ksi" in data/survey_estimates.csv, twelve
    # times, and adding the rows it asked for was refused in turn
    edit(
        report_copy,
        LAYOUT,
        "the month of {this_period:da_victimless_prosecutions}.",
        "the month of {this_period:da_victimless_prosecutions}, {survey_period_end:ksi}.",
    )
    with pytest.raises(ReportgenError) as raised:
        load_report(report_copy)
    [(file, at, message)] = told(raised.value)
    assert (file, at) == (LAYOUT, line_of(report_copy, LAYOUT, "{survey_period_end:ksi}"))
    assert "'ksi' is derived from monthly data" in message
