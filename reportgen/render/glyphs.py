"""Every text bound for the page, checked against the theme's font before anything is laid out.

In: ``PageText`` values (``render.pagetexts``) and the paragraph styles. Out: problems, one
per text holding a character the font has no glyph for, naming the file and line the
text was written on. A missing glyph prints as an empty box, so it is refused, never
printed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from reportgen.errors import InputError, ProblemCollector
from reportgen.render.pagetexts import PageText
from reportgen.render.styles import Styles


def missing_glyph(text: str, style: ParagraphStyle) -> str | None:
    """The first character of ``text`` the style's font cannot draw, or None."""
    # render.styles registers the theme's TrueType files, and nothing else
    font = cast(TTFont, pdfmetrics.getFont(style.fontName))
    glyphs = font.face.charToGlyph
    return next((ch for ch in text if not ch.isspace() and ord(ch) not in glyphs), None)


def check_page_texts(texts: Iterable[PageText], styles: Styles) -> None:
    """Raise every missing glyph at once (one problem per text)."""
    problems = ProblemCollector()
    for item in texts:
        char = missing_glyph(item.text, styles[item.style])
        if char is not None:
            problems.add(
                InputError(
                    f"character {char!r} (U+{ord(char):04X}) is not in the font "
                    f"{styles.theme.fonts.family}; replace it",
                    file=item.file,
                    line=item.line,
                    hint="the printed report would show an empty box in its place",
                )
            )
    problems.raise_if_any()
