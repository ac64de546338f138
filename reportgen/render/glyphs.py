"""Every text bound for the page, checked against the theme's font before anything is laid out.

In: ``PageText`` values (``render.pagetexts``) and the paragraph styles. Out: problems, one
per text holding characters the font has no glyph for (each named), and one per text
holding right-to-left script, naming the file and line the text was written on. A
missing glyph prints as an empty box, and a right-to-left word backwards, so both are
refused, never printed.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import cast

from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from reportgen.errors import InputError, ProblemCollector
from reportgen.render.pagetexts import PageText
from reportgen.render.styles import Styles

MAX_NAMED = 5  # characters named in one problem; the rest are counted


def missing_glyphs(text: str, style: ParagraphStyle) -> list[str]:
    """Every character of ``text`` the style's font cannot draw, each once, in order."""
    # render.styles registers the theme's TrueType files, and nothing else
    font = cast(TTFont, pdfmetrics.getFont(style.fontName))
    glyphs = font.face.charToGlyph
    return list(dict.fromkeys(ch for ch in text if not ch.isspace() and ord(ch) not in glyphs))


def right_to_left(text: str) -> list[str]:
    """Every character of ``text`` written right to left (Hebrew, Arabic …), each once:
    the report sets every line left to right, so such a word would print backwards
    (and Arabic's letters unjoined)."""
    return list(dict.fromkeys(ch for ch in text if unicodedata.bidirectional(ch) in ("R", "AL")))


def _named(chars: list[str]) -> str:
    shown = ", ".join(f"{ch!r} (U+{ord(ch):04X})" for ch in chars[:MAX_NAMED])
    more = len(chars) - MAX_NAMED
    return shown + (f" and {more} more" if more > 0 else "")


def check_page_texts(texts: Iterable[PageText], styles: Styles) -> None:
    """Raise every missing glyph and right-to-left character at once (one problem of
    each per text, naming every such character in it)."""
    problems = ProblemCollector()
    family = styles.theme.fonts.family
    for item in texts:
        missing = missing_glyphs(item.text, styles[item.style])
        if missing:
            one = len(missing) == 1
            problems.add(
                InputError(
                    f"character{'' if one else 's'} {_named(missing)} "
                    f"{'is' if one else 'are'} not in the font {family}; replace "
                    f"{'it' if one else 'them'}",
                    file=item.file,
                    line=item.line,
                    hint="the printed report would show an empty box in its place"
                    if one
                    else "the printed report would show an empty box in place of each",
                )
            )
        backwards = [ch for ch in right_to_left(item.text) if ch not in missing]
        if backwards:
            problems.add(
                InputError(
                    f"{_named(backwards)} {'is' if len(backwards) == 1 else 'are'} written "
                    "right to left, and the report sets every line left to right: the "
                    "words would print backwards",
                    file=item.file,
                    line=item.line,
                    hint="write the text in a left-to-right script, or attach it as a "
                    "separate document",
                )
            )
    problems.raise_if_any()
