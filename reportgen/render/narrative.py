"""Narrative blocks and notes -> reportlab flowables, with the text escaped first.

Narrative is untrusted: every "<", ">" and "&" is escaped before reportlab's Paragraph
parses it, so no markup in a narrative file can reach reportlab's tag handling (images,
links, fonts). The only markup added afterwards is our own ``<i>`` for ``*italic*``.
"""

from __future__ import annotations

import re
from xml.sax.saxutils import escape

from reportlab.platypus import Flowable, PageBreak, Paragraph

from reportgen.load.content import BulletList, NarrativeBreak, SubHeading, TextBlock
from reportgen.load.content import Paragraph as TextParagraph
from reportgen.render.styles import BULLET, Styles

_ITALIC = re.compile(r"\*([^*\s][^*]*?)\*")


def inline(text: str) -> str:
    """Plain narrative text -> safe Paragraph markup (escaped, with *italic*)."""
    return _ITALIC.sub(r"<i>\1</i>", escape(text))


def plain(text: str) -> str:
    """Text from data or layouts: escaped, no markup at all."""
    return escape(text)


def narrative_flowables(blocks: tuple[TextBlock, ...], styles: Styles) -> list[Flowable]:
    flowables: list[Flowable] = []
    for block in blocks:
        if isinstance(block, SubHeading):
            style = styles["subheading"] if block.level == 2 else styles["subheading3"]
            flowables.append(Paragraph(inline(block.text), style))
        elif isinstance(block, TextParagraph):
            flowables.append(Paragraph(inline(block.text), styles["body"]))
        elif isinstance(block, BulletList):
            flowables.extend(
                Paragraph(inline(item), styles["bullet"], bulletText=BULLET)
                for item in block.items
            )
        elif isinstance(block, NarrativeBreak):
            flowables.append(PageBreak())
    return flowables


def note_flowables(items: tuple[str, ...], styles: Styles) -> list[Flowable]:
    return [Paragraph(plain(item), styles["note"]) for item in items]
