"""The input contract (issue 8): every case refused by ``check`` and ``build`` alike, with
one ``reportgen: error:`` line naming the file and line, no traceback, no PDF.

Each case spoils one thing in a private copy of the sample report folder. ``check`` and
``build`` run in-process; the build is serial (no chart worker) since every case fails
before a chart would be drawn.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

LAYOUT = "layouts/report.yaml"
THEME = "layouts/theme.yaml"
CATALOGUE = "data/catalogue.yaml"
NARRATIVE = "content/2014-03/05-road-safety.md"
EFFICIENCY = "content/2014-03/07-efficiency.md"


@dataclass(frozen=True)
class Case:
    file: str
    mark: str | None  # text on the line the error must name (None: no line)
    says: tuple[str, ...]


Spoiler = Callable[[Path], Case]


def edit(root: Path, file: str, old: str, new: str) -> None:
    path = root / file
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {file}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def line_of(root: Path, file: str, mark: str) -> int:
    for number, line in enumerate((root / file).read_text(encoding="utf-8").splitlines(), 1):
        if mark in line and not line.lstrip().startswith("#"):  # a comment may quote it
            return number
    raise AssertionError(f"{mark!r} not in {file}")


def spoil(file: str, old: str, new: str, mark: str | None, *says: str) -> Spoiler:
    def spoiler(root: Path) -> Case:
        edit(root, file, old, new)
        return Case(file, mark, says)

    return spoiler


def billion_laughs(file: str, prefix: str = "") -> Spoiler:
    def spoiler(root: Path) -> Case:
        laughs = "a: &a [x,x,x,x,x,x,x,x,x,x]\n" + "".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 10) + "]\n"
            for i in range(9)
        )
        path = root / file
        text = path.read_text(encoding="utf-8")
        if prefix:  # inside the front matter
            text = text.replace(prefix, prefix + laughs, 1)
        else:
            text = laughs + text
        path.write_text(text, encoding="utf-8")
        return Case(file, None, ("aliases",))

    return spoiler


def sum_of_through_a_cycle(root: Path) -> Case:
    edit(
        root,
        CATALOGUE,
        "  ksi:\n",
        "  loop_a:\n    label: A\n    unit: count\n    polarity: lower_is_better\n"
        "    aggregation: sum_of\n    of: [loop_b, ksi_fatalities]\n"
        "    window: financial_year_to_date\n"
        "  loop_b:\n    label: B\n    unit: count\n    polarity: lower_is_better\n"
        "    aggregation: sum_of\n    of: [loop_a, ksi_fatalities]\n"
        "    window: financial_year_to_date\n"
        "  ksi:\n",
    )
    return Case(CATALOGUE, "  loop_a:", ("built from itself", "loop_a -> loop_b -> loop_a"))


def sum_of_measure(name: str, parts: str) -> str:
    return (
        f"  {name}:\n    label: {name}\n    unit: count\n    polarity: lower_is_better\n"
        f"    aggregation: sum_of\n    of: [{parts}]\n    window: financial_year_to_date\n"
    )


def sum_of_chain(length: int) -> Spoiler:
    """chain0 of chain1 of ... of chain<length>, each adding a count: ``check`` passed a
    chain of 488, and ``build`` ended in Python's RecursionError (at 990, ``check`` too)."""

    def spoiler(root: Path) -> Case:
        chain = "".join(
            sum_of_measure(f"chain{i}", f"chain{i + 1}, ksi_fatalities") for i in range(length)
        )
        chain += sum_of_measure(f"chain{length}", "ksi_fatalities, ksi_serious_injuries")
        edit(root, CATALOGUE, "  ksi:\n", chain + "  ksi:\n")
        edit(root, LAYOUT, "            - ksi_drink_drivers\n", "            - ksi_drink_drivers\n"
             "            - chain0\n")  # fmt: skip
        first = length - 12  # the one built through thirteen levels
        return Case(
            CATALOGUE,
            f"  chain{first}:",
            (f"measure 'chain{first}' is built through 13 levels of parts", "at most 12"),
        )

    return spoiler


def sum_of_diamond(root: Path) -> Case:
    """A measure the sum of two, each the sum of the next two, ten deep: 1,024 series to
    add for each cell (at twenty, ``check`` ran past two minutes and 8 GB)."""
    levels = sum_of_measure("d0a", "d1a, d1b") + "".join(
        sum_of_measure(f"d{i}{side}", f"d{i + 1}a, d{i + 1}b") for i in range(1, 9) for side in "ab"
    )
    levels += "".join(
        sum_of_measure(f"d9{side}", "ksi_fatalities, ksi_serious_injuries") for side in "ab"
    )
    edit(root, CATALOGUE, "  ksi:\n", levels + "  ksi:\n")
    edit(root, LAYOUT, "            - ksi_drink_drivers\n", "            - ksi_drink_drivers\n"
         "            - d0a\n")  # fmt: skip
    return Case(CATALOGUE, "  d0a:", ("measure 'd0a' adds up more than 1000 monthly series",))


def series_alike_in_the_theme(root: Path) -> Case:
    # check and build passed, and drew series 5 as series 1: the theme's lists were
    # counted, not what they tell apart ("#00205b" is "#00205B")
    edit(
        root,
        THEME,
        '  colours: ["#00205B", "#8A8D8F", "#4F7CAC", "#C5CAD3", "#1A1A1A"]\n'
        '  markers: ["o", "s", "^", "D", "v"]\n',
        '  colours: ["#00205B", "#8A8D8F", "#4F7CAC", "#C5CAD3", "#00205b"]\n'
        '  markers: ["o", "s", "^", "D", "o"]\n',
    )
    return Case(
        LAYOUT,
        "title: User satisfaction, rolling 12 months",
        (
            "it draws 5 series, and the theme's chart colours, markers and line styles tell "
            "only 4 apart: series 5 would look like series 1",
        ),
    )


def statements_table_with_no_statements(root: Path) -> Case:
    # check and build passed, and printed section 7's caption over an empty table
    path = root / EFFICIENCY
    text = path.read_text(encoding="utf-8")
    start, end = text.index("statements:\n"), text.index("---\n## ")
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    return Case(
        EFFICIENCY,
        "---",
        ("section 7 prints a statements table", "its narrative lists no statements"),
    )


def notes_with_no_block_to_print_them(root: Path) -> Case:
    # check and build passed, and the note was left out of the PDF unsaid
    edit(root, EFFICIENCY, "notes: []\n", 'notes:\n  - "Savings are reviewed quarterly."\n')
    return Case(
        EFFICIENCY,
        "Savings are reviewed quarterly.",
        (
            "its notes are printed nowhere: section 7 of layouts/report.yaml has no "
            "'edition_notes' block",
            "add '- edition_notes' to section 7's blocks",
        ),
    )


def statements_with_no_block_to_print_them(root: Path) -> Case:
    edit(root, NARRATIVE, "review: false\n", "review: false\nstatements:\n  - target: a\n"
         "    status: b\n")  # fmt: skip
    return Case(
        NARRATIVE,
        "  - target: a",
        (
            "its statements are printed nowhere: section 5 of layouts/report.yaml has no "
            "'statements' block",
            "add a '- statements:' block with its caption",
        ),
    )


def running_header_above_the_page(root: Path) -> Case:
    # short, and under a margin that holds the section titles below it: only too tall
    edit(
        root,
        LAYOUT,
        'running_header: "Monthly Performance Report: {edition}"',
        'running_header: "{edition}"',
    )
    edit(root, THEME, "  margin_top: 2.9cm", "  margin_top: 3.5cm")
    edit(root, THEME, "running_header: {size: 8.5,", "running_header: {size: 38,")
    return Case(
        THEME,
        None,
        (
            "the running_header style's size (38pt) is too large: the running header's letters "
            "would rise above the page's top edge",
            "make it at most ",
        ),
    )


def contents_over_two_pages(root: Path) -> Case:
    # check passed, and build ran the contents onto a second page: numbered from 2
    edit(
        root,
        THEME,
        "  contents_entry: {size: 11, leading: 15}",
        "  contents_entry: {size: 30, leading: 34}",
    )
    # the layout's entries, in the theme's sizes: both are named, at the contents' heading
    return Case(
        LAYOUT,
        "  heading: Areas of Focus",
        (
            "the contents does not fit on its page: its heading and 8 entries take 2 pages",
            "the contents is one page",
            "contents_entry styles' sizes in layouts/theme.yaml smaller",
        ),
    )


CASES = {
    # unknown keys, with a "did you mean"
    "theme-margin_lft": spoil(
        THEME,
        "margin_left: 2.0cm",
        "margin_lft: 2.0cm",
        "margin_lft",
        "unknown key 'margin_lft'",
        "did you mean 'margin_left'",
    ),
    "layout-unknown-key": spoil(
        LAYOUT,
        "  organisation: Essex Police",
        "  organisaton: Essex Police",
        "organisaton",
        "unknown key 'organisaton'",
        "did you mean 'organisation'",
    ),
    "layout-unknown-block-name": spoil(
        LAYOUT,
        "      - heading: Performance Information\n      - table:\n          period: cumulative\n"
        "          measures:\n            - da_incidents\n",
        "      - pagebreak\n      - heading: Performance Information\n      - table:\n"
        "          period: cumulative\n          measures:\n            - da_incidents\n",
        "- pagebreak",
        "unknown block 'pagebreak'",
        "did you mean 'page_break'",
    ),
    "layout-unknown-block-kind": spoil(
        LAYOUT,
        "      - heading: Performance Information\n      - table:\n          period: cumulative\n"
        "          measures:\n            - da_incidents\n",
        "      - headings: Performance Information\n      - table:\n"
        "          period: cumulative\n          measures:\n            - da_incidents\n",
        "- headings:",
        "unknown block 'headings'",
        "did you mean 'heading'",
    ),
    "catalogue-unknown-key": spoil(
        CATALOGUE,
        "    lag: 6  ",
        "    lagg: 6  ",
        "lagg: 6",
        "unknown key 'lagg'",
        "'lag'",
    ),
    "table-unknown-key": spoil(
        LAYOUT,
        "          msg_ranking: true\n          measures:\n            - satisfaction_contact",
        "          msg_rankings: true\n          measures:\n            - satisfaction_contact",
        "msg_rankings",
        "unknown key 'msg_rankings'",
        "did you mean 'msg_ranking'",
    ),
    # booleans are booleans, integers integers
    "msg_ranking-quoted": spoil(
        LAYOUT,
        "          msg_ranking: true\n          measures:\n            - satisfaction_contact",
        '          msg_ranking: "false"\n          measures:\n            - satisfaction_contact',
        'msg_ranking: "false"',
        "'msg_ranking' must be true or false",
        "'false'",
    ),
    "bold-no-quoted": spoil(
        THEME,
        "heading:     {size: 11, leading: 14, bold: true",
        'heading:     {size: 11, leading: 14, bold: "no"',
        'bold: "no"',
        "style 'heading'",
        "'bold' must be true or false",
    ),
    "lag-fraction": spoil(
        CATALOGUE,
        "    lag: 6  ",
        "    lag: 1.5  ",
        "lag: 1.5",
        "'lag' must be a whole number",
    ),
    "lag-words": spoil(
        CATALOGUE,
        "    lag: 6  ",
        "    lag: three  ",
        "lag: three",
        "'lag' must be a whole number",
    ),
    "lag-infinite": spoil(
        CATALOGUE,
        "    lag: 6  ",
        "    lag: .inf  ",
        "lag: .inf",
        "'lag' must be a whole number",
        ".inf",
    ),
    "lag-empty": spoil(
        CATALOGUE,
        "    lag: 6  ",
        "    lag:  ",
        "    lag:",
        "'lag' must be a whole number",
        "empty",
    ),
    "lag-huge": spoil(
        CATALOGUE,
        "    lag: 6  ",
        "    lag: 100000000000  ",
        "lag: 1000",
        "from 0 to 120",
    ),
    # sizes in a sane range
    "negative-margin": spoil(
        THEME,
        "margin_top: 2.9cm",
        "margin_top: -1cm",
        "margin_top",
        "'margin_top'",
        "above 0",
    ),
    "zero-leading": spoil(
        THEME,
        "body:        {size: 9.5, leading: 12.4",
        "body:        {size: 9.5, leading: 0",
        "body:",
        "style 'body'",
        "'leading'",
        "above 0",
    ),
    "zero-chart-width": spoil(
        THEME,
        "  width: 16cm",
        "  width: 0",
        "  width: 0",
        "'width'",
        "from 2cm",
    ),
    "space-after-30cm": spoil(
        THEME,
        "body:        {size: 9.5, leading: 12.4, space_after: 5}",
        "body:        {size: 9.5, leading: 12.4, space_after: 30cm}",
        "body:",
        "'space_after' is '30cm'",
        "3cm",
    ),
    "leading-below-size": spoil(
        THEME,
        "body:        {size: 9.5, leading: 12.4",
        "body:        {size: 9.5, leading: 3",
        "body:",
        "leading 3pt is less than 80% of the size",
    ),
    "chart-wider-than-page": spoil(
        THEME,
        "  width: 16cm",
        "  width: 25cm",
        "  width: 25cm",
        "does not fit inside the margins",
    ),
    # colours, markers, line styles, hatches
    "bad-colour": spoil(
        THEME,
        'header_fill: "#00205B"',
        'header_fill: "#00205"',
        "header_fill",
        "'header_fill'",
        "not a colour",
    ),
    "colour-name-typo": spoil(
        THEME,
        "space_after: 4, colour: accent}",
        "space_after: 4, colour: acent}",
        "colour: acent",
        "'acent'",
        "did you mean 'accent'",
    ),
    "bad-marker": spoil(
        THEME,
        'markers: ["o", "s",',
        'markers: ["q", "s",',
        'markers: ["q"',
        "'q'",
        "matplotlib does not draw",
    ),
    "bad-line-style": spoil(
        THEME,
        'line_styles: ["-", "--",',
        'line_styles: ["~", "--",',
        'line_styles: ["~"',
        "'~'",
    ),
    "bad-hatch": spoil(
        THEME, 'hatches: ["", "///",', 'hatches: ["", "abc",', 'hatches: ["", "abc"', "'abc'"
    ),
    # each character doubles a hatch's paths: eight made a build take 30 s and 37 MB
    "dense-hatch": spoil(
        THEME,
        'hatches: ["", "///",',
        'hatches: ["", "OOOO",',
        'hatches: ["", "OOOO"',
        "'OOOO'",
        "up to 3 of the characters",
    ),
    # the schema's default top margin: section 4's two-line title printed over its text
    "title-over-the-text": spoil(
        THEME,
        "  margin_top: 2.9cm\n",
        "",
        None,
        "the title of section 4",
        "does not fit in the top margin (2.0cm)",
        "make margin_top at least 2.7cm",
    ),
    # text the page templates draw, which no frame measures: check passed, and build
    # printed the running header off the page's edge on every page
    "running-header-wider-than-the-page": spoil(
        LAYOUT,
        'running_header: "Monthly Performance Report: {edition}"',
        'running_header: "Monthly Performance Report of Essex Police for the Police and Crime'
        " Commissioner and the Board, covering {edition} ({edition_abbr}), previous"
        " {previous_edition}, financial year {financial_year}, with all the force's measures\"",
        "running_header:",
        "the running header is too wide for the page: filled in for ",
        "and the margins leave 17.0cm: it would run off the page's edge",
        "shorten running_header to about ",
        "or make the running_header style's size in layouts/theme.yaml at most ",
    ),
    "running-header-above-the-page": running_header_above_the_page,
    # check passed, and build ran the cover onto a second page before the contents
    "cover-over-two-pages": spoil(
        LAYOUT,
        '    - "{edition}"\n',
        '    - "{edition}"\n'
        + "".join(f'    - "{which} {"cover line " * 40}"\n' for which in ("One", "Two", "Three")),
        '- "Two cover line',
        "the cover does not fit on its page: its lines take 2 pages, running onto the "
        "second from this one (cover line 5 of 6)",
        "shorten or remove cover lines",
    ),
    "contents-over-two-pages": contents_over_two_pages,
    # check passed, and build ended in matplotlib's "bottom cannot be >= top"
    "chart-too-low": spoil(
        THEME,
        "  height: 7.2cm",
        "  height: 2.7cm",
        "height: 2.7cm",
        "the chart height is 2.7cm; a chart needs at least 4cm",
    ),
    # a two-line section title in larger type was struck through by the rule under it
    "title-over-the-rule": spoil(
        THEME,
        "section_title: {size: 13.5, leading: 16,",
        "section_title: {size: 18, leading: 22,",
        "  margin_top: 2.9cm",
        "the title of section 3",
        "it would print over the rule under it",
        "make margin_top at least",
    ),
    # the page number, half-way down a shallow bottom margin, printed in the text above
    "page-number-in-the-text": spoil(
        THEME,
        "  margin_bottom: 2.0cm",
        "  margin_bottom: 0.3cm",
        "  margin_bottom: 0.3cm",
        "the bottom margin (0.30cm) is too shallow for the page number",
        "make margin_bottom at least 0.46cm, or make the page_number style's size at most",
    ),
    # check and build passed, and the MSG column printed "7 ▯": an empty box
    "rag-mark-not-in-the-font": spoil(
        THEME,
        '    red: "\\u2212"',
        '    red: "\\U0001F534"',
        '    red: "\\U0001F534"',
        "character '\U0001f534' (U+1F534) is not in the font DejaVu Sans",
    ),
    "series-alike-in-the-theme": series_alike_in_the_theme,
    "statements-table-with-no-statements": statements_table_with_no_statements,
    "notes-with-no-block-to-print-them": notes_with_no_block_to_print_them,
    "statements-with-no-block-to-print-them": statements_with_no_block_to_print_them,
    # check and build passed, and broke the title's word over two lines
    "section-title-word-too-wide": spoil(
        LAYOUT,
        "    title: Improving Road Safety\n",
        "    title: Improving " + "Roadsafety" * 6 + "\n",
        "    title: Improving Roadsafety",
        "section 5's title has a word, 'RoadsafetyRoadsafety",
        "at the section_title style's size (13.5pt), and the page's text holds 17.0cm: it "
        "would be broken mid-word",
    ),
    # printed "Page n / umber / s" over three lines
    "contents-heading-broken-mid-word": spoil(
        LAYOUT,
        "page_heading: Page\n",
        "page_heading: Page numbers\n",
        "page_heading: Page numbers",
        "the contents' page_heading 'Page numbers' has a word, 'numbers',",
        "it would be broken mid-word",
    ),
    # a bar chart's words are a point smaller: at 4pt they printed at 3pt
    "chart-type-below-readable": spoil(
        THEME,
        "  font_size: 7.5",
        "  font_size: 4",
        "  font_size: 4",
        "a readable type size for a chart",
    ),
    # check passed, and build drew the label down the chart's whole side and beyond
    "chart-words-crowded": spoil(
        LAYOUT,
        "y_label: Re-offending rate",
        "y_label: " + "Re-offending rate " * 8,
        "y_label: Re-offending rate Re-offending rate",
        "does not fit in its space",
        "is longer than the chart is high",
    ),
    "empty-colour-list": spoil(
        THEME,
        '  colours: ["#00205B", "#8A8D8F", "#4F7CAC", "#C5CAD3", "#1A1A1A"]',
        "  colours: []",
        "  colours: []",
        "'colours' must be a list (1 to 20), each a colour",
    ),
    # the catalogue's composites
    "sum_of-includes-itself": spoil(
        CATALOGUE,
        "of: [ksi_fatalities, ksi_serious_injuries]",
        "of: [ksi, ksi_serious_injuries]",
        "  ksi:",
        "'ksi' is built from itself",
        "ksi -> ksi",
    ),
    "sum_of-through-a-cycle": sum_of_through_a_cycle,
    "sum_of-chain-too-deep": sum_of_chain(20),
    "sum_of-diamond": sum_of_diamond,
    "month-out-of-range": spoil(
        CATALOGUE,
        "comparable_from: 2013-11",
        "comparable_from: 0001-11",
        "comparable_from: 0001-11",
        "'comparable_from' must be a month",
    ),
    # notes, texts and placeholders
    "layout-note-is-a-mapping": spoil(
        LAYOUT,
        "          - The all crime solved rate MSG ranking is no longer available.",
        "          - {The all crime solved rate: MSG ranking is no longer available.}",
        "- {The all crime solved rate",
        "must be text",
        "a mapping",
    ),
    "front-matter-note-is-a-mapping": spoil(
        NARRATIVE,
        "notes:\n",
        "notes:\n  - {a: b}\n",
        "{a: b}",
        "must be text",
        "a mapping",
    ),
    "unknown-placeholder": spoil(
        LAYOUT,
        'running_header: "Monthly Performance Report: {edition}"',
        'running_header: "Monthly Performance Report: {editon}"',
        "running_header",
        "unknown placeholder {editon}",
        "did you mean 'edition'",
    ),
    "placeholder-not-usable-here": spoil(
        LAYOUT,
        "    - Performance Update\n",
        "    - Performance Update {data_month}\n",
        "{data_month}",
        "unknown placeholder {data_month}",
    ),
    "placeholder-in-capitals": spoil(
        LAYOUT,
        "          title: Domestic abuse solved rate by month",
        "          title: Domestic abuse solved rate to {Edition}",
        "rate to {Edition}",
        "unknown placeholder {Edition}",
        "did you mean 'edition'",
    ),
    "placeholder-unknown-measure": spoil(
        LAYOUT,
        "{this_period:da_victimless_prosecutions}",
        "{this_period:da_victimless_prosecution}",
        "{this_period:da_victimless_prosecution}",
        "names an unknown measure",
        "did you mean 'da_victimless_prosecutions'",
    ),
    "statement-is-a-list": spoil(
        EFFICIENCY,
        'status: "Currently being scoped under the Evolve Programme"',
        "status: [a, b]",
        "status: [a, b]",
        "'status' must be text",
    ),
    "review-not-boolean": spoil(
        NARRATIVE,
        "review: false",
        "review: nope",
        "review: nope",
        "'review' must be true or false",
    ),
    # Markdown beyond the printed subset, and hostile sizes
    "markdown-link": spoil(
        NARRATIVE,
        "## ",
        "See [the plan](http://x.example).\n\n## ",
        "See [the plan]",
        "links are not supported",
        "text (address)",
    ),
    "300KB-line-of-brackets": spoil(
        NARRATIVE, "## ", "[" * 300_000 + "\n\n## ", None, "at most 0.25 MB"
    ),
    "64KB-line-of-emphasis": spoil(
        NARRATIVE, "## ", "**x " * 16_000 + "\n\n## ", "**x **x", "64000 characters long"
    ),
    # YAML that would expand beyond all bounds
    "billion-laughs-catalogue": billion_laughs(CATALOGUE),
    "billion-laughs-layout": billion_laughs(LAYOUT),
    "billion-laughs-theme": billion_laughs(THEME),
    "billion-laughs-front-matter": billion_laughs(NARRATIVE, prefix="---\n"),
}


def assert_one_error(result, case: Case, root: Path, command: str) -> None:
    assert result.code == 1, f"{command}: exit {result.code}: {result.err!r}"
    assert "Traceback" not in result.err
    lines = result.err.splitlines()
    assert len(lines) == 1, f"{command}: expected one error line, got {lines}"
    match = re.match(r"reportgen: error: (?P<file>[^:]+)(?::(?P<line>\d+))?: ", lines[0])
    assert match, lines[0]
    assert match["file"] == case.file, f"{command}: {lines[0]!r} should name {case.file}"
    if case.mark is None:
        pass  # a file-wide problem may or may not name a line
    else:
        assert match["line"] is not None, f"{command}: {lines[0]!r} names no line"
        assert int(match["line"]) == line_of(root, case.file, case.mark), lines[0]
    for fragment in case.says:
        assert fragment in lines[0], f"{command}: {lines[0]!r} should say {fragment!r}"


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_is_one_clear_error_from_check_and_build(
    name: str, report_copy: Path, run_cli, monkeypatch
) -> None:
    monkeypatch.setenv("REPORTGEN_SERIAL", "1")
    case = CASES[name](report_copy)
    started = time.monotonic()
    assert_one_error(run_cli("check", root=report_copy), case, report_copy, "check")
    out = report_copy / "out" / "x.pdf"
    (report_copy / "out").mkdir()
    assert_one_error(
        run_cli("build", "--out", str(out), root=report_copy), case, report_copy, "build"
    )
    assert not out.exists() and list((report_copy / "out").iterdir()) == []
    assert time.monotonic() - started < 30  # bounded work: never a hang


def test_check_and_build_tell_the_same_problems_of_every_kind(
    report_copy: Path, run_cli, monkeypatch
) -> None:
    """A text the font lacks in the narrative and in the theme, a chart's category name
    too wide and a contents heading broken mid-word: check told the first, build the
    second, each only once the other was fixed."""
    monkeypatch.setenv("REPORTGEN_SERIAL", "1")
    edit(report_copy, NARRATIVE, "## Road Safety", "## \U0001f534 Road Safety")
    edit(report_copy, THEME, '    red: "\\u2212"', '    red: "\\U0001F534"')
    edit(report_copy, CATALOGUE, "label: Charge / summons", "label: " + "Chargesummons" * 4)
    edit(report_copy, LAYOUT, "page_heading: Page\n", "page_heading: Pagenumbering\n")
    (report_copy / "out").mkdir()
    told = {}
    for command in ("check", "build"):
        result = run_cli(command, root=report_copy)
        assert result.code == 1 and "Traceback" not in result.err
        told[command] = result.err.splitlines()
    assert told["check"] == told["build"]
    assert told["check"][-1] == "reportgen: 4 errors"
    places = [line.split(": ")[2].rsplit(":", 1)[0] for line in told["check"][:-1]]
    assert places == [NARRATIVE, CATALOGUE, LAYOUT, THEME], told["check"]
    assert list((report_copy / "out").iterdir()) == []


def test_build_tells_the_theme_s_problems_with_the_layout_s(
    report_copy: Path, run_cli, monkeypatch
) -> None:
    monkeypatch.setenv("REPORTGEN_SERIAL", "1")
    edit(report_copy, LAYOUT, "  title: Performance Update\n", "  title: A\n  title: B\n")
    edit(report_copy, THEME, "  margin_top: 2.9cm\n", "  margin_top: 2.9cm\n  margin_top: 3cm\n")
    for command in ("check", "build"):
        result = run_cli(command, root=report_copy)
        errors = [line for line in result.err.splitlines() if "error:" in line]
        assert [line.split(": ")[2].split(":")[0] for line in errors] == [LAYOUT, THEME], errors
        assert all("appears twice" in line for line in errors), errors


def _told_without_a_figure(root: Path, run_cli) -> dict[str, list[str]]:
    """What check and build tell of the folder with March 2014's emergency calls
    removed from the data; the two are held to the same lines."""
    monthly = root / "data" / "monthly.csv"
    rows = monthly.read_text(encoding="utf-8").splitlines(keepends=True)
    monthly.write_text(
        "".join(r for r in rows if not r.startswith("emergency_calls,2014-03,")),
        encoding="utf-8",
    )
    told = {}
    for command in ("check", "build"):
        result = run_cli(command, "--no-cache", root=root)
        assert result.code == 1 and "Traceback" not in result.err
        told[command] = result.err.splitlines()
    assert told["check"] == told["build"]
    return told


def test_build_tells_the_theme_s_problems_with_the_edition_s(
    report_copy: Path, run_cli, monkeypatch
) -> None:
    # the theme failed, so build stopped before the edition was computed: a missing
    # figure and a refused heading were told by check only
    monkeypatch.setenv("REPORTGEN_SERIAL", "1")
    edit(report_copy, THEME, "  height: 7.2cm\n", "  height: 0\n")
    edit(report_copy, NARRATIVE, "## Road Safety\n", "# Road Safety\n")
    told = _told_without_a_figure(report_copy, run_cli)
    places = [line.split(": ")[2].split(":")[0] for line in told["build"][:-1]]
    assert places == [NARRATIVE, "data/monthly.csv", THEME], told["build"]


def test_a_missing_figure_does_not_hide_a_character_the_font_lacks(
    report_copy: Path, run_cli, monkeypatch
) -> None:
    # the texts were checked against the font only once the figures were computed
    monkeypatch.setenv("REPORTGEN_SERIAL", "1")
    edit(report_copy, NARRATIVE, "## Road Safety\n", "## Road Safety \u8b66\n")
    told = _told_without_a_figure(report_copy, run_cli)
    assert "is not in the font" in told["build"][0] and "no figure" in told["build"][1]


def test_a_chain_of_twelve_levels_is_read(report_copy: Path, run_cli) -> None:
    from reportgen.compute.aggregate import Figures
    from reportgen.load.folder import load_report
    from reportgen.months import Month

    sum_of_chain(11)(report_copy)  # chain0 is built through twelve levels
    result = run_cli("check", "--no-cache", root=report_copy)
    assert result.code == 0, result.err
    folder = load_report(report_copy)
    figures = Figures(folder.catalogue, folder.data)
    months = [Month(2014, 3)]
    assert figures.count("chain0", months) == 12 * figures.count(
        "ksi_fatalities", months
    ) + figures.count("ksi_serious_injuries", months)


@pytest.mark.slow
def test_a_chain_of_parts_past_python_s_recursion_is_refused_by_line(
    report_copy: Path, run_cli
) -> None:
    """A chain of 1,200 measures: Python's RecursionError from check and build, before."""
    sum_of_chain(1200)(report_copy)
    for command in ("check", "build"):
        result = run_cli(command, root=report_copy)
        assert result.code == 1 and "Traceback" not in result.err, result.err
        lines = result.err.splitlines()
        assert lines[-1] == "reportgen: 2 errors", lines
        # the chain adds a series at each link: 1,001 at chain201, thirteen levels at chain1188
        assert lines[0].startswith(f"reportgen: error: {CATALOGUE}:"), lines
        assert "measure 'chain201' adds up more than 1000 monthly series" in lines[0]
        assert "measure 'chain1188' is built through 13 levels of parts" in lines[1]
    assert not (report_copy / "out").exists()


def test_contents_numbers_wider_than_their_column(report_copy: Path) -> None:
    # drawn after the layout, right-aligned in a column no frame measures: check passed,
    # and build printed page 11's number over its section's title
    from reportgen.check import check_folder
    from reportgen.errors import Problems

    edit(
        report_copy,
        THEME,
        "  contents_entry: {size: 11, leading: 15}",
        "  contents_entry: {size: 40, leading: 44}",
    )
    with pytest.raises(Problems) as raised:
        check_folder(report_copy)
    found = [str(problem) for problem in raised.value.problems]
    heading = line_of(report_copy, LAYOUT, "  heading: Areas of Focus")
    style = line_of(report_copy, THEME, "  contents_entry:")
    assert len(found) == 2, found
    assert found[0].startswith(f"{LAYOUT}:{heading}: the contents does not fit"), found
    assert found[1].startswith(
        f"{THEME}:{style}: the contents page's numbers do not fit their column: page 11 needs "
        "1.8cm at "
        "the contents_entry style's size (40pt) and the column holds 1.6cm: it would print "
        "over the section's title (make the contents_entry style's size at most "
    ), found


def test_every_problem_is_reported_at_once(report_copy: Path, run_cli) -> None:
    edit(report_copy, THEME, "margin_left: 2.0cm", "margin_lft: 2.0cm")
    edit(report_copy, THEME, "bold: true, italic: true", 'bold: "yes", italic: true')
    edit(report_copy, LAYOUT, "Data for {data_month}", "Data for {data_mnth}")
    edit(
        report_copy,
        LAYOUT,
        "    title: Improving Road Safety",
        "    title: Improving Road Safety\n    titel: x",
    )
    result = run_cli("check", root=report_copy)
    lines = result.err.splitlines()
    assert result.code == 1 and lines[-1] == "reportgen: 4 errors", lines
    found = [re.match(r"reportgen: error: ([^:]+):(\d+):", line).groups() for line in lines[:-1]]
    assert [file for file, _ in found] == [LAYOUT, LAYOUT, THEME, THEME]
    assert found == sorted(found, key=lambda where: (where[0], int(where[1])))


def test_every_narrative_problem_is_reported_at_once(report_copy: Path, run_cli) -> None:
    edit(report_copy, NARRATIVE, "review: false", "review: nope")
    edit(
        report_copy,
        EFFICIENCY,
        "## The Evolve",
        "See [the plan](http://x.example).\n\n## The Evolve",
    )
    edit(report_copy, THEME, "margin_left: 2.0cm", "margin_lft: 2.0cm")
    lines = run_cli("check", root=report_copy).err.splitlines()
    files = [line.split(":")[2].strip() for line in lines[:-1]]
    assert files == [NARRATIVE, EFFICIENCY, THEME], lines
    assert lines[-1] == "reportgen: 3 errors"


def test_a_bad_catalogue_does_not_hide_the_theme(report_copy: Path, run_cli) -> None:
    edit(report_copy, CATALOGUE, "    lag: 6  ", "    lag: 1.5  ")
    edit(report_copy, THEME, "margin_left: 2.0cm", "margin_lft: 2.0cm")
    lines = run_cli("check", root=report_copy).err.splitlines()
    assert [line.split(":")[2].strip() for line in lines[:-1]] == [CATALOGUE, THEME], lines
    assert lines[-1] == "reportgen: 2 errors"


def test_mathtext_in_a_chart_title_is_plain_text(report_copy: Path, run_cli, tmp_path) -> None:
    edit(
        report_copy,
        LAYOUT,
        "title: Domestic abuse solved rate by month",
        r"title: Domestic abuse solved rate $\frac{$ by month",
    )
    from reportgen.load.folder import load_report

    layout = load_report(report_copy).layout
    titles = [c.title.text for s in layout.sections for c in s.charts()]
    assert r"Domestic abuse solved rate $\frac{$ by month" in titles
    from reportgen.compute.edition import compute_edition
    from reportgen.load.folder import load_content, load_report_theme
    from reportgen.months import Month
    from reportgen.render.charts import ChartStyle, draw_charts

    folder = load_report(report_copy)
    edition = compute_edition(folder, Month(2014, 3), load_content(folder, Month(2014, 3)))
    chart = next(c for c in edition.charts() if "frac" in c.title)
    drawn = draw_charts([chart], ChartStyle.from_theme(load_report_theme(folder)))
    texts = [run.text for run in drawn.texts[0]]
    assert r"Domestic abuse solved rate $\frac{$ by month" in texts
