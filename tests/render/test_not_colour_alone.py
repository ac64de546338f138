"""Nothing is told by colour alone, and every text colour can be read (WCAG 2.2 1.4.1, 1.4.3).

The MSG rank carries a mark beside its rag colour, explained in the notes under each
table that ranks; every text colour has at least 4.5:1 contrast on every background the
edition prints it on, computed from the theme.
"""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from reportgen.compute.tables import Row
from reportgen.load.catalogue import load_catalogue
from reportgen.load.layout import Notes, PerformanceTable, load_layout
from reportgen.load.theme import Theme, load_theme
from reportgen.render.contrast import contrast_ratio, printed_colours
from reportgen.render.contrast import low_contrast as told
from reportgen.render.tables import msg_rank_text

REPO_ROOT = Path(__file__).resolve().parents[2]
WCAG_AA = 4.5  # normal-size text, WCAG 2.2 success criterion 1.4.3


@pytest.fixture(scope="module")
def theme() -> Theme:
    return load_theme(REPO_ROOT / "layouts" / "theme.yaml")


def low_contrast(theme: Theme) -> list[str]:
    return [
        f"{p.what}: {p.text} on {p.background} is {contrast_ratio(p.text, p.background):.2f}:1"
        for p in printed_colours(theme)
        if contrast_ratio(p.text, p.background) < WCAG_AA
    ]


def test_contrast_ratio_follows_wcag() -> None:
    assert contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#777777") == pytest.approx(1.0)
    # the measurements of the old theme: green on the striped rows, green vs red
    assert contrast_ratio("#00843D", "#EEF1F7") == pytest.approx(4.25, abs=0.01)
    assert contrast_ratio("#00843D", "#C8102E") == pytest.approx(1.22, abs=0.01)


def test_every_text_colour_reads_on_every_background_it_is_printed_on(theme: Theme) -> None:
    pairs = printed_colours(theme)
    # the table's rows are printed on paper and on the stripe, its header on the fill
    backgrounds = {p.background for p in pairs}
    assert backgrounds == {"#FFFFFF", theme.table.stripe_fill, theme.table.header_fill}
    assert {p.text for p in pairs} >= set(msgspec.structs.asdict(theme.table.rag).values())
    assert low_contrast(theme) == []


def test_a_theme_colour_below_4_5_to_1_is_found(theme: Theme) -> None:
    # the green the edition used to print its MSG ranks in
    rag = msgspec.structs.replace(theme.table.rag, green="#00843D")
    old = msgspec.structs.replace(theme, table=msgspec.structs.replace(theme.table, rag=rag))
    assert low_contrast(old) == ["MSG rank in green: #00843D on #EEF1F7 is 4.25:1"]


def test_the_msg_rank_is_printed_with_a_mark_for_each_rag(theme: Theme) -> None:
    marks = msgspec.structs.asdict(theme.table.rag_marks)
    assert len(set(marks.values())) == 3, "each rag needs a mark of its own"
    for rag, mark in marks.items():
        row = Row(2, "measure", "x", msg_rank="7", rag=rag)
        assert msg_rank_text(row, theme.table.rag_marks) == f"7\u00a0{mark}"
    assert msg_rank_text(Row(2, "measure", "x", msg_rank="n/a"), theme.table.rag_marks) == "n/a"


def test_each_table_that_ranks_explains_the_marks_in_its_notes(theme: Theme) -> None:
    catalogue = load_catalogue(REPO_ROOT / "data" / "catalogue.yaml")
    layout = load_layout(REPO_ROOT / "layouts" / "report.yaml", catalogue)
    ranking = [
        s
        for s in layout.sections
        if any(isinstance(b, PerformanceTable) and b.msg_ranking for b in s.blocks)
    ]
    assert [s.number for s in ranking] == [2, 6]
    for section in ranking:
        notes = [t.text for b in section.blocks if isinstance(b, Notes) for t in b.items]
        ragging = [n for n in notes if n.startswith("MSG ragging")]
        assert len(ragging) == 1, f"section {section.number} has no MSG ragging note"
        for rag, mark in msgspec.structs.asdict(theme.table.rag_marks).items():
            assert f"{rag} ({mark})" in ragging[0], f"section {section.number}: {rag} {mark}"


@pytest.mark.slow  # checks and builds the edition
def test_a_theme_below_4_5_to_1_is_told_by_check_and_build(
    theme: Theme, report_copy: Path, run_cli
) -> None:
    # the user's own theme, not only the sample's: the green the edition used to print in
    path = report_copy / "layouts" / "theme.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count(f'green: "{theme.table.rag.green}"') == 1
    path.write_text(text.replace(f'green: "{theme.table.rag.green}"', 'green: "#00843D"'), "utf-8")
    rag = msgspec.structs.replace(theme.table.rag, green="#00843D")
    [line] = told(
        msgspec.structs.replace(theme, table=msgspec.structs.replace(theme.table, rag=rag))
    )
    assert line.startswith("MSG rank in green: #00843D on #EEF1F7 is 4.25:1, under the 4.5:1")
    checked = run_cli("check", root=report_copy)
    said = f"reportgen: warning: layouts/theme.yaml: {line}"
    assert checked.code == 0 and said in checked.err.splitlines()  # as build tells it
    built = run_cli("build", root=report_copy)
    assert built.code == 0  # the choice is the analyst's: said, and built
    assert f"reportgen: warning: layouts/theme.yaml: {line}" in built.err.splitlines()
