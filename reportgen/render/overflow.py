"""A text no page can hold -> the one problem to report: its style, or the text itself.

In: what was being laid out ("section 1. Reducing Domestic Abuse", "the contents"),
the text being placed (``Written``: where it was written and the flowable that sets it)
and the styles. Out: a ``BuildError`` naming the place to fix.

A paragraph breaks across pages; what cannot is a table's row, so a row taller than a
page is what this explains. A short text (a caption, a heading, a contents entry: one
line of ordinary type across the page) that is taller than a page is its style's doing:
no shorter wording would fit, so the theme's line for that style is named and the text's
own place is given in the hint. A long text is named where it was written, its style
in the hint.
"""

from __future__ import annotations

from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Paragraph

from reportgen.errors import BuildError, shown_words
from reportgen.render.flowables import Written
from reportgen.render.styles import Styles
from reportgen.render.tables import CellLine

ORDINARY_SIZE = 9  # points: the theme's default type size; a short text is one line of it


def page_overflow(
    where: str, placing: Written | None, styles: Styles, page_width: float
) -> BuildError:
    """The problem of ``placing``, taller than a page in ``where`` (``page_width`` the
    width a page has for text)."""
    theme = styles.theme
    set_as = _text_and_style(placing.text) if placing is not None else None
    name = styles.theme_style(set_as[1]) if set_as is not None else None
    if placing is None or set_as is None or name is None:  # not a text reportgen set
        written = placing is not None and placing.file is not None
        file, line = (placing.file, placing.line) if placing and written else (theme.file, None)
        return BuildError(
            f"{where} does not fit on a page: "
            f"{'the text written here' if written else 'something on it'} is taller than a page",
            file=file,
            line=line,
            hint="shorten the text (a statement, a note or a paragraph) or reduce the theme's "
            f"sizes and margins ({theme.file})",
        )
    text, style = set_as
    printed = theme.style(name)
    set_in = f"set in {name} ({printed.size:g}pt type on {printed.leading:g}pt leading)"
    style_line = theme.line_of("styles", name)
    style_at = f"{theme.file}:{style_line}" if style_line is not None else theme.file
    text_at = f"{placing.file}:{placing.line}" if placing.line is not None else placing.file
    short = stringWidth(text, style.fontName, ORDINARY_SIZE) <= page_width
    if short or placing.file is None:
        return BuildError(
            f"{where} does not fit on a page: {shown_words(text, 60)}, {set_in}, is taller "
            "than a page",
            file=theme.file,
            line=style_line,
            hint=f"make the {name} style's size and leading smaller"
            + (f"; the text is at {text_at}" if placing.file is not None else ""),
        )
    return BuildError(
        f"{where} does not fit on a page: the text written here, {set_in}, is taller than a page",
        file=placing.file,
        line=placing.line,
        hint=f"shorten it, or make the {name} style's size and leading smaller ({style_at})",
    )


def _text_and_style(flowable: Flowable | None) -> tuple[str, ParagraphStyle] | None:
    """What ``flowable`` prints, as plain text, and the style it prints it in."""
    if isinstance(flowable, Paragraph):
        return flowable.getPlainText(), flowable.style
    if isinstance(flowable, CellLine):
        return flowable.text, flowable.style
    return None
