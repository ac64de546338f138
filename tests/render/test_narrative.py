"""Narrative as render/narrative.py prints it, and the font check (render/glyphs.py).

Parsed narrative prints as Markdown would print it (numbered lists count, bullets,
``**bold**`` in the bold face, markup escaped); a character the font lacks is refused
with the file and line rather than printed as a box. Parsing: tests/load/test_narrative.py.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab.platypus import SimpleDocTemplate

from reportgen.errors import InputError, Problems
from reportgen.load.content import (
    BulletList,
    ListItem,
    NarrativeFile,
    Note,
    Run,
    parse_body,
)
from reportgen.load.theme import load_theme
from reportgen.render.glyphs import check_page_texts
from reportgen.render.narrative import markup, narrative_flowables
from reportgen.render.pagetexts import narrative_texts
from reportgen.render.styles import Styles, build_styles
from reportgen.render.tagging import TagContext, Tagger

REPO_ROOT = Path(__file__).resolve().parents[2]
NAME = "content/2014-03/01-test.md"
HOSTILE = '<b>&<img src=x> <font name="x">font</font> <link href="file:///etc/passwd">l</link>'


@pytest.fixture(scope="module")
def styles() -> Styles:
    return build_styles(load_theme(REPO_ROOT / "layouts" / "theme.yaml"))


def new_tags() -> TagContext:
    """A structure to tag the flowables into, as the edition's story does."""
    tagger = Tagger()
    return TagContext(tagger, tagger.document)


def parse(body: str) -> tuple:
    return parse_body(body, NAME, 1)


def printed(flowables: list) -> str:
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer).build(flowables)
    reader = PdfReader(buffer)
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def test_numbered_lists_render_with_numbers(styles: Styles) -> None:
    # loose lists and "1." for every item still count 1, 2, 3 as Markdown does
    blocks = parse("1. alpha\n\n1. beta\n1. gamma")
    flowables = narrative_flowables(blocks, styles, new_tags())
    assert [f.bulletText for f in flowables] == ["1.", "2.", "3."]
    assert "1. alpha 2. beta 3. gamma" in printed(flowables)


def test_bullet_list_items_print_as_bullets(styles: Styles) -> None:
    items = (ListItem((Run("a"),)), ListItem((Run("b"),)))
    flowables = narrative_flowables((BulletList(items),), styles, new_tags())
    assert [f.bulletText for f in flowables] == ["\u2022", "\u2022"]


# -- 4. bold -------------------------------------------------------------------------


def inline(text: str) -> str:
    """A one-paragraph body's text as the Paragraph markup it prints with."""
    (paragraph,) = parse(text)
    return markup(paragraph.runs)


def test_bold_and_italic_markup() -> None:
    assert inline("a **bold** b") == "a <b>bold</b> b"
    assert inline("**bold** and *italic*") == "<b>bold</b> and <i>italic</i>"
    assert inline("***both***") == "<i><b>both</b></i>"
    assert inline("**a *b* c**") == "<b>a </b><i><b>b</b></i><b> c</b>"
    assert inline("2 * 3 ** 4") == "2 * 3 ** 4"
    assert inline("_emphasis_ and __strong__") == "<i>emphasis</i> and <b>strong</b>"
    assert inline("\\*not italic\\*") == "*not italic*"


def test_overlapping_emphasis_stays_well_formed(styles: Styles) -> None:
    markup_text = inline("*a **b* c**")
    assert markup_text.count("<b>") == markup_text.count("</b>")
    printed(narrative_flowables(parse("*a **b* c**"), styles, new_tags()))  # reportlab accepts it


def test_escaping_is_intact_with_bold(styles: Styles) -> None:
    text = f"**{HOSTILE}** &amp; *<i>*"
    assert inline(text).startswith("<b>&lt;b&gt;&amp;&lt;img src=x&gt;")
    blocks = parse(f"{text}\n\n1. {HOSTILE}")
    out = printed(narrative_flowables(blocks, styles, new_tags()))
    assert f"{HOSTILE} &amp; <i>" in out
    assert f"1. {HOSTILE}" in out


def test_bold_prints_in_the_bold_face(styles: Styles) -> None:
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer).build(narrative_flowables(parse("x **heavy** y"), styles, new_tags()))
    fonts: list[str] = []
    page = PdfReader(buffer).pages[0]
    page.extract_text(
        visitor_text=lambda text, cm, tm, font, size: fonts.append(
            f"{text.strip()}:{font.get('/BaseFont') if font else ''}"
        )
    )
    assert any(f.startswith("heavy:") and "Bold" in f for f in fonts), fonts


# -- 5. characters the font lacks ----------------------------------------------------


def font_check(body: str, styles: Styles, notes: tuple[Note, ...] = ()) -> None:
    """The font check check and build run on a narrative file with this body."""
    text = NarrativeFile(1, False, notes, (), parse(body), NAME)
    check_page_texts(narrative_texts({1: text}), styles)


@pytest.mark.parametrize(
    ("text", "char"), [("Kanji 漢字", "漢 (U+6F22)"), ("Police \U0001f693", "(U+1F693)")]
)
def test_character_missing_from_the_font_is_refused(styles: Styles, text: str, char: str) -> None:
    with pytest.raises(InputError) as caught:
        font_check(f"## Fine\n\nFine paragraph\nwith {text} here", styles)
    error = caught.value
    # the line the character is on, inside the hard-wrapped paragraph that starts on 3
    assert error.file == NAME and error.line == 4
    assert char.split()[-1] in error.message and "DejaVu Sans" in error.message
    assert str(error).startswith(f"{NAME}:4: character")


def test_every_character_missing_from_a_text_is_named_at_once(styles: Styles) -> None:
    """Only the first was named: the second turned up once the first was replaced."""
    with pytest.raises(InputError) as caught:
        font_check("A \u6f22 and \U0001f9d1 here, \u6f22 again", styles)
    assert caught.value.message == (
        "characters '\u6f22' (U+6F22), '\U0001f9d1' (U+1F9D1) are not in the font DejaVu "
        "Sans; replace them"
    )


@pytest.mark.parametrize(
    "text", ["Arabic: \u0645\u0631\u062d\u0628\u0627", "Hebrew: \u05e9\u05dc\u05d5\u05dd"]
)
def test_right_to_left_script_is_refused_not_printed_backwards(styles: Styles, text: str) -> None:
    """DejaVu draws Hebrew and Arabic letters, and the page set them left to right: both
    words printed backwards, the Arabic unjoined, and check passed."""
    with pytest.raises(InputError) as caught:
        font_check(f"Fine paragraph with {text} here.", styles)
    assert caught.value.line == 1
    assert "written right to left, and the report sets every line left to right" in str(
        caught.value
    )


def test_missing_character_in_headings_items_and_notes(styles: Styles) -> None:
    with pytest.raises(InputError, match=r"U\+6F22") as caught:
        font_check("Text\n\n- ok\n- bad 漢", styles)
    assert caught.value.line == 4
    with pytest.raises(InputError, match=r"U\+6F22") as caught:
        font_check("### 漢", styles)
    assert caught.value.line == 1
    with pytest.raises(InputError, match=r"U\+6F22") as caught:
        font_check("Text", styles, notes=(Note("a note 漢", 4),))
    assert (caught.value.file, caught.value.line) == (NAME, 4)


def test_every_missing_character_is_reported_at_once(styles: Styles) -> None:
    with pytest.raises(Problems) as caught:
        font_check("漢\n\n- 字", styles)
    assert [p.line for p in caught.value.problems] == [1, 3]


def test_typography_and_whitespace_pass_the_font_check(styles: Styles) -> None:
    font_check("‘quotes’ – £6.633 million\u00a0é •", styles)


def test_no_page_break_leaves_a_page_empty(report_copy, run_cli, monkeypatch) -> None:
    """Ten \\pagebreak lines in a row, one at the end of a narrative, and one after the
    layout's page_break: each made an empty page (ten of them were blamed on the theme
    as 'something taller than a page')."""
    monkeypatch.setenv("REPORTGEN_SERIAL", "1")
    before = run_cli("check", "--no-cache", root=report_copy)
    assert before.code == 0, before.err
    crime = report_copy / "content" / "2014-03" / "06-crime-prevention.md"
    text = crime.read_text(encoding="utf-8")
    start = text.index("---\n", 4) + 4
    crime.write_text(
        text[:start] + "\\pagebreak\n\n" * 10 + text[start:] + "\n\\pagebreak\n", encoding="utf-8"
    )
    road = report_copy / "content" / "2014-03" / "05-road-safety.md"
    text = road.read_text(encoding="utf-8")
    start = text.index("---\n", 4) + 4  # section 5's narrative follows its page_break
    road.write_text(text[:start] + "\\pagebreak\n\n" + text[start:], encoding="utf-8")
    after = run_cli("check", "--no-cache", root=report_copy)
    assert after.code == 0, after.err
    pages = [line.split("; ")[1] for line in (before.out, after.out) for line in line.splitlines()
             if line.startswith("edition 2014-03")]  # fmt: skip
    assert pages == ["22 pages fit"] * 2, pages
