"""Narrative blocks and notes -> reportlab flowables, with the text escaped first.

Narrative is untrusted: every "<", ">" and "&" is escaped before reportlab's Paragraph
parses it, so no markup in a narrative file can reach reportlab's tag handling (images,
links, fonts). The only markup added afterwards is our own ``<b>`` for ``**bold**`` and
``<i>`` for ``*italic*``.

Before any Paragraph is built, every character is checked against the font: a character
the font has no glyph for would print as an empty box, so it is an ``InputError`` instead.
"""

from __future__ import annotations

import re
import typing
from xml.sax.saxutils import escape

from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import Flowable, PageBreak

from reportgen.errors import InputError
from reportgen.load.content import BulletList, NarrativeBreak, SubHeading, TextBlock
from reportgen.load.content import Paragraph as TextParagraph
from reportgen.render.styles import BULLET, Styles
from reportgen.render.tagging import TagContext

_BOLD = re.compile(r"\*\*([^*\s](?:.*?\S)?)\*\*")
_ITALIC = re.compile(r"\*([^*\s][^*]*?)\*")
_TAG = re.compile(r"<(/?)([bi])>")


def _well_nested(markup: str) -> bool:
    open_tags: list[str] = []
    for closing, tag in _TAG.findall(markup):
        if not closing:
            open_tags.append(tag)
        elif not open_tags or open_tags.pop() != tag:
            return False
    return not open_tags


def inline(text: str) -> str:
    """Plain narrative text -> safe Paragraph markup (escaped, with **bold** and *italic*).

    ``***x***`` is bold italic. Emphasis that would overlap (``*a **b* c**``) falls back
    to italic only, so the markup handed to reportlab is always well formed.
    """
    escaped = escape(text)
    markup = _ITALIC.sub(r"<i>\1</i>", _BOLD.sub(r"<b>\1</b>", escaped))
    return markup if _well_nested(markup) else _ITALIC.sub(r"<i>\1</i>", escaped)


def plain(text: str) -> str:
    """Text from data or layouts: escaped, no markup at all."""
    return escape(text)


def check_glyphs(
    text: str, style: ParagraphStyle, styles: Styles, file: str | None, line: int | None
) -> None:
    """Refuse a character the style's font has no glyph for (it would print as a box)."""
    glyphs = pdfmetrics.getFont(style.fontName).face.charToGlyph
    for char in text:
        if not char.isspace() and ord(char) not in glyphs:
            raise InputError(
                f"character {char!r} (U+{ord(char):04X}) is not in the font "
                f"{styles.theme.fonts.family}; replace it",
                file=file,
                line=line,
                hint="the printed report would show an empty box in its place",
            )


def _numbered_style(base: ParagraphStyle, widest: str) -> ParagraphStyle:
    # as styles.py does for "•": indent every line to where reportlab starts the first
    label_end = (
        base.bulletIndent
        + pdfmetrics.stringWidth(widest, base.bulletFontName, base.bulletFontSize)
        + 0.6 * base.bulletFontSize
    )
    return ParagraphStyle("numbered", parent=base, leftIndent=max(base.leftIndent, label_end))


def narrative_flowables(
    blocks: tuple[TextBlock, ...], styles: Styles, tags: TagContext, file: str | None = None
) -> list[Flowable]:
    """Blocks -> flowables under ``tags``' element; ``file`` (the narrative file) names
    where a bad character is."""
    for block in blocks:
        _check_block(block, styles, file)
    flowables: list[Flowable] = []
    for block in blocks:
        match block:
            case SubHeading():
                style = styles["subheading"] if block.level == 2 else styles["subheading3"]
                flowables.append(tags.heading(inline(block.text), style, block.level))
            case TextParagraph():
                flowables.append(tags.paragraph(inline(block.text), styles["body"]))
            case BulletList(numbered=True):
                labels = [f"{block.start + index}." for index in range(len(block.items))]
                style = _numbered_style(styles["bullet"], max(labels, key=len))
                flowables += tags.list_items([inline(i) for i in block.items], style, labels)
            case BulletList():
                labels = [BULLET] * len(block.items)
                items = [inline(i) for i in block.items]
                flowables += tags.list_items(items, styles["bullet"], labels)
            case NarrativeBreak():
                flowables.append(PageBreak())
            case _:
                typing.assert_never(block)
    return flowables


def _check_block(block: TextBlock, styles: Styles, file: str | None) -> None:
    if isinstance(block, SubHeading):
        style = styles["subheading"] if block.level == 2 else styles["subheading3"]
        check_glyphs(block.text, style, styles, file, block.line)
    elif isinstance(block, TextParagraph):
        check_glyphs(block.text, styles["body"], styles, file, block.line)
    elif isinstance(block, BulletList):
        lines = block.item_lines or (block.line,) * len(block.items)
        for item, line in zip(block.items, lines, strict=False):
            check_glyphs(item, styles["bullet"], styles, file, line)


def note_flowables(
    items: tuple[str, ...], styles: Styles, tags: TagContext, file: str | None = None
) -> list[Flowable]:
    for item in items:
        check_glyphs(item, styles["note"], styles, file, None)
    return [tags.paragraph(plain(item), styles["note"]) for item in items]
