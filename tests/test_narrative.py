"""Narrative Markdown: parsing (load/content.py) and rendering (render/narrative.py).

Markdown an analyst plausibly types either prints as Markdown would print it
(hard-wrapped paragraphs, ``*``/``1.`` lists, ``**bold**``) or is refused with the
file and line; a character the font lacks is refused rather than printed as a box.
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
    NarrativeBreak,
    NarrativeFile,
    NarrativeParagraph,
    Note,
    Run,
    SubHeading,
    parse_body,
    parse_narrative_file,
)
from reportgen.load.theme import load_theme
from reportgen.render.glyphs import check_page_texts, narrative_texts
from reportgen.render.narrative import markup, narrative_flowables
from reportgen.render.styles import Styles, build_styles
from reportgen.render.tagging import TagContext, Tagger

REPO_ROOT = Path(__file__).resolve().parent.parent
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


def texts(body: str) -> list:
    """Blocks without line numbers, for comparing shapes."""
    result = []
    for block in parse(body):
        if isinstance(block, NarrativeParagraph):
            result.append(("p", block.text))
        elif isinstance(block, SubHeading):
            result.append((f"h{block.level}", block.text))
        elif isinstance(block, BulletList):
            items = tuple(item.text for item in block.items)
            result.append(("ol" if block.numbered else "ul", block.start, items))
        else:
            result.append(("break",))
    return result


def printed(flowables: list) -> str:
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer).build(flowables)
    reader = PdfReader(buffer)
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


# -- 1. hard-wrapped paragraphs and list items ---------------------------------------


def test_consecutive_lines_are_one_paragraph() -> None:
    body = "In the last quarter there\nhas been a reduction.\n\nSecond paragraph\n  wrapped."
    assert texts(body) == [
        ("p", "In the last quarter there has been a reduction."),
        ("p", "Second paragraph wrapped."),
    ]
    assert [b.line for b in parse(body)] == [1, 4]


def test_list_item_continuation_lines_belong_to_the_item() -> None:
    body = "- first item\n  continues here\n- second\nlazily continued\n\nAfter."
    assert texts(body) == [
        ("ul", 1, ("first item continues here", "second lazily continued")),
        ("p", "After."),
    ]
    (items, _) = parse(body)
    assert items.item_lines == (1, 3)


def test_headings_lists_and_page_breaks_still_end_a_paragraph() -> None:
    body = "Text\n## Heading\nMore\n- item\n\\pagebreak\nLast"
    assert texts(body) == [
        ("p", "Text"),
        ("h2", "Heading"),
        ("p", "More"),
        ("ul", 1, ("item",)),
        ("break",),
        ("p", "Last"),
    ]


# -- 2. "* " bullets -----------------------------------------------------------------


def test_star_bullets_are_bullets() -> None:
    # as in CommonMark, another bullet character starts another (identical-looking) list
    assert texts("* one\n* two\n+ three") == [("ul", 1, ("one", "two")), ("ul", 1, ("three",))]


def test_italic_at_the_start_of_a_paragraph_is_not_a_bullet() -> None:
    assert texts("*improved* from 56.7%") == [("p", "improved from 56.7%")]
    (paragraph,) = parse("*improved* from 56.7%")
    assert paragraph.runs[0] == Run("improved", italic=True, line=1)


# -- 3. numbered lists ---------------------------------------------------------------


def test_numbered_lists_parse() -> None:
    assert texts("1. one\n2. two\n\nText\n\n3) three\n4) four") == [
        ("ol", 1, ("one", "two")),
        ("p", "Text"),
        ("ol", 3, ("three", "four")),
    ]
    # a number that is not 1 does not interrupt a hard-wrapped paragraph
    assert texts("figures for\n2014. The rest") == [("p", "figures for 2014. The rest")]


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
    assert str(error).startswith(f"{NAME}:4: character ")


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


# -- 6. Markdown that is refused, with file and line ---------------------------------


@pytest.mark.parametrize(
    ("body", "line", "words"),
    [
        ("Intro\n\n# Title", 3, "section title comes from the layout"),
        ("#### Deep", 1, "### Sub-heading"),
        ("##Heading", 1, "space after the hashes"),
        ("| a | b |\n| - | - |", 1, "tables"),
        ("a | b\n--|--", 1, "tables"),
        ("See [the plan](http://x.example) now", 1, "text (address)"),
        ("Text\n![logo](logo.png)", 2, "text (address)"),
        ("> quoted", 1, "quotation"),
        ("```\ncode\n```", 1, "code"),
        ("Text\n\n---", 3, "rule"),
        ("Heading\n=======", 2, "## Heading"),
        ("- a\n  - nested", 2, "nested"),
        ("- a\n\n  second paragraph of the item", 3, "one paragraph"),
        ("- ", 1, "empty list item"),
        ("Text\n\n1.", 3, "empty list item"),
    ],
)
def test_unsupported_markdown_is_refused(body: str, line: int, words: str) -> None:
    with pytest.raises(InputError) as caught:
        parse(body)
    assert caught.value.file == NAME and caught.value.line == line
    assert words in str(caught.value)


def test_a_single_hash_without_space_is_text_and_closing_hashes_go() -> None:
    assert texts("#1 priority\n\n## Heading ##\n\n### C#") == [
        ("p", "#1 priority"),
        ("h2", "Heading"),
        ("h3", "C#"),
    ]


def test_lines_are_the_files_lines() -> None:
    text = "---\nsection: 1\nreview: false\nnotes: []\n---\n## H\n\nPara\ngraph\n\n- x\n"
    section = parse_narrative_file(text, NAME)
    assert [getattr(b, "line", None) for b in section.blocks] == [6, 8, 11]
    with pytest.raises(InputError) as caught:
        parse_narrative_file(text + "\n| table |\n", NAME)
    assert caught.value.line == 13


def test_the_sample_narrative_parses_as_before(repo_root: Path) -> None:
    """The transcribed editions use one line per paragraph: nothing joins or is refused."""
    for path in sorted((repo_root / "content").glob("*/*.md")):
        section = parse_narrative_file(path.read_text(encoding="utf-8"), str(path))
        body = path.read_text(encoding="utf-8").split("---", 2)[2]
        lines = [line for line in body.split("\n") if line.strip()]
        count = sum(len(b.items) if isinstance(b, BulletList) else 1 for b in section.blocks)
        assert count == len(lines), path
        assert not any(isinstance(b, BulletList) and b.numbered for b in section.blocks)
        assert all(
            isinstance(b, NarrativeParagraph | SubHeading | BulletList | NarrativeBreak)
            for b in section.blocks
        )
