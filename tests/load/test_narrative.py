"""Narrative Markdown as load/content.py parses it.

Markdown an analyst plausibly types either parses as Markdown would read it
(hard-wrapped paragraphs, ``*``/``1.`` lists) or is refused with the file and line.
How the blocks print: tests/render/test_narrative.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from reportgen.errors import InputError, Problems
from reportgen.load.content import (
    BulletList,
    NarrativeBreak,
    NarrativeParagraph,
    Run,
    SubHeading,
    parse_body,
    parse_narrative_file,
)

NAME = "content/2014-03/01-test.md"


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


def test_a_control_character_in_the_narrative_is_refused_by_line() -> None:
    # Markdown prints NUL as "\ufffd" (which the font has), the rest as nothing or a box
    text = "---\nsection: 1\n---\n\nFirst line.\nA NUL \x00 here.\nAn escape \x1b[1m.\n"
    with pytest.raises(Problems) as refused:
        parse_narrative_file(text, "content/2014-03/01.md")
    assert [(p.line, p.message) for p in refused.value.problems] == [
        (6, "character U+0000 is a control character, not text"),
        (7, "character U+001B is a control character, not text"),
    ]


def test_a_control_character_does_not_hide_the_rest_of_its_file() -> None:
    # only the control character was told; the heading two lines on, once it was fixed
    text = "---\nsection: 1\n---\n\nA form feed \x0c here.\n\n# Bad\n\nMore.\n"
    with pytest.raises(Problems) as refused:
        parse_narrative_file(text, "content/2014-03/01.md")
    found = [(p.line, p.message.split(" (")[0]) for p in refused.value.problems]
    assert found[0] == (5, "character U+000C is a control character, not text")
    assert [line for line, _ in found] == [5, 7], found


def test_every_construct_refused_in_a_file_is_told_at_once() -> None:
    """Only the first was told (the '>' quotation turned up once the heading was fixed)."""
    body = (
        "Fine paragraph.\n\n#### Too deep\n\n> quoted\n\n- item\n  - nested\n\n"
        "Text with a [link](http://x) here.\n\n| a | b |\n| - | - |\n\n---\n"
    )
    with pytest.raises(Problems) as raised:
        parse(body)
    told = [(p.line, p.message) for p in raised.value.problems]
    assert [line for line, _ in told] == [3, 5, 8, 10, 12, 15], told
    words = ["heading #### 'Too deep'", "'>' quotations", "nested lists", "links", "tables", "rule"]
    for (_, message), word in zip(told, words, strict=True):
        assert word in message, told
