"""Narrative blocks and notes -> reportlab flowables, with the text escaped first.

Narrative is untrusted: every "<", ">" and "&" is escaped before reportlab's Paragraph
parses it, so no markup in a narrative file can reach reportlab's tag handling (images,
links, fonts). The only markup added afterwards is our own ``<b>`` and ``<i>`` around the
runs that the load stage parsed as ``**bold**`` and ``*italic*``.

Every character has been checked against the font before (``render.glyphs``, run by
check and build alike): a character the font lacks would print as an empty box.
"""

from __future__ import annotations

import typing
from collections.abc import Iterable, Sequence
from html import escape

from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import Flowable, PageBreak

from reportgen.compute.edition import SourcedText
from reportgen.load.content import (
    BulletList,
    NarrativeBlock,
    NarrativeBreak,
    NarrativeParagraph,
    Run,
    SubHeading,
)
from reportgen.render.flowables import mark_source
from reportgen.render.styles import BULLET, Styles
from reportgen.render.tagging import TagContext


def markup(runs: Iterable[Run]) -> str:
    """Runs of narrative text -> safe Paragraph markup: each run escaped, then wrapped in
    our own ``<b>``/``<i>`` (the only markup reportlab ever sees from a narrative)."""
    parts = []
    for run in runs:
        text = escape(run.text, quote=False)
        if run.bold:
            text = f"<b>{text}</b>"
        if run.italic:
            text = f"<i>{text}</i>"
        parts.append(text)
    return "".join(parts)


def plain(text: str) -> str:
    """Text from data or layouts: escaped, no markup at all."""
    return escape(text, quote=False)


def _numbered_style(base: ParagraphStyle, widest: str) -> ParagraphStyle:
    # as styles.py does for "•": indent every line to where reportlab starts the first
    label_end = (
        base.bulletIndent
        + pdfmetrics.stringWidth(widest, base.bulletFontName, base.bulletFontSize)
        + 0.6 * base.bulletFontSize
    )
    return ParagraphStyle("numbered", parent=base, leftIndent=max(base.leftIndent, label_end))


def narrative_flowables(
    blocks: tuple[NarrativeBlock, ...], styles: Styles, tags: TagContext, file: str | None = None
) -> list[Flowable]:
    """Blocks -> flowables under ``tags``' element; ``file`` (the narrative file) is
    where their text was written (characters the font lacks were refused before, by
    ``render.glyphs``)."""
    flowables: list[Flowable] = []
    for block in blocks:
        match block:
            case SubHeading():
                style = styles["subheading"] if block.level == 2 else styles["subheading3"]
                heading = tags.heading(plain(block.text), style, block.level)
                flowables.append(mark_source(heading, (file, block.line)))
            case NarrativeParagraph():
                paragraph = tags.paragraph(markup(block.runs), styles["body"])
                flowables.append(mark_source(paragraph, (file, block.line)))
            case BulletList(numbered=True):
                labels = [f"{block.start + index}." for index in range(len(block.items))]
                style = _numbered_style(styles["bullet"], max(labels, key=len))
                items = [markup(item.runs) for item in block.items]
                flowables += _sourced(tags.list_items(items, style, labels), block, file)
            case BulletList():
                items = [markup(item.runs) for item in block.items]
                bullets = tags.list_items(items, styles["bullet"], [BULLET] * len(items))
                flowables += _sourced(bullets, block, file)
            case NarrativeBreak():
                flowables.append(PageBreak())
            case _:
                typing.assert_never(block)
    return flowables


def _sourced(items: Sequence[Flowable], block: BulletList, file: str | None) -> list[Flowable]:
    return [mark_source(f, (file, i.line)) for f, i in zip(items, block.items, strict=True)]


def note_flowables(
    items: tuple[SourcedText, ...], styles: Styles, tags: TagContext
) -> list[Flowable]:
    return [
        mark_source(tags.paragraph(plain(item.text), styles["note"]), (item.file, item.line))
        for item in items
    ]
