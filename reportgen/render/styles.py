"""Theme -> reportlab fonts and paragraph styles (registered once per process)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec
from reportlab.lib.colors import HexColor
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle, PropertySet
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from reportgen.load.theme import TextStyle, Theme

if TYPE_CHECKING:
    from reportgen.render.chartplan import Measure
    from reportgen.render.charts import ChartStyle

FAMILY = "ReportFont"
_SUFFIXES = {
    (False, False): "",
    (True, False): "-Bold",
    (False, True): "-Italic",
    (True, True): "-BoldItalic",
}
_FACES = {key: FAMILY + suffix for key, suffix in _SUFFIXES.items()}  # the faces in use now
# (bold, italic, font file) -> the name it is registered under: reportlab keeps the first
# font registered under a name for good, so another file (a preview whose theme changed
# its font) needs a name of its own, or it would be set and measured in the old one
_NAMES: dict[tuple[bool, bool, str], str] = {}
BULLET = "\u2022"


def register_fonts(theme: Theme) -> None:
    """Register the theme's TrueType faces under fixed names; reportlab embeds them."""
    files = {
        (False, False): theme.fonts.regular,
        (True, False): theme.fonts.bold,
        (False, True): theme.fonts.italic,
        (True, True): theme.fonts.bold_italic,
    }
    for key, path in files.items():
        _face(key, str(path))
    pdfmetrics.registerFontFamily(
        FAMILY,
        normal=_FACES[(False, False)],
        bold=_FACES[(True, False)],
        italic=_FACES[(False, True)],
        boldItalic=_FACES[(True, True)],
    )


def _face(key: tuple[bool, bool], path: str) -> str:
    """The name of the face ``key`` (bold, italic) set in the font file at ``path``,
    registered now if it is new, and from now on the face in use: the fixed name the
    first time (``ReportFont-Bold``), a numbered one for another file after it."""
    bold, italic = key
    name = _NAMES.get((bold, italic, path))
    if name is None:
        before = sum(1 for b, i, _ in _NAMES if (b, i) == key)
        name = FAMILY + _SUFFIXES[key] + (f"-{before + 1}" if before else "")
        pdfmetrics.registerFont(TTFont(name, path))
        _NAMES[(bold, italic, path)] = name
    _FACES[key] = name
    return name


def chart_measure(style: ChartStyle) -> Measure:
    """The width of a chart's text as the document sets it (``render.chartplan``), in the
    theme's regular and bold faces: registered as ``register_fonts`` registers them, so
    a build parses each font file once, and only these two before the charts are sent."""
    faces = {
        False: _face((False, False), style.font_path),
        True: _face((True, False), style.bold_font_path),
    }

    def measure(text: str, size: float, bold: bool) -> float:
        return float(pdfmetrics.stringWidth(text, faces[bold], size))

    return measure


def font_name(style: TextStyle) -> str:
    return face(bold=style.bold, italic=style.italic)


def face(*, bold: bool = False, italic: bool = False) -> str:
    """The registered name of the theme's face in use (``register_fonts``)."""
    return _FACES[(bold, italic)]


class Styles(msgspec.Struct, frozen=True):
    """The paragraph styles of the edition, by the theme's names."""

    theme: Theme
    paragraphs: dict[str, ParagraphStyle]

    def __getitem__(self, name: str) -> ParagraphStyle:
        return self.paragraphs[name]

    def theme_style(self, style: ParagraphStyle) -> str | None:
        """The theme's style that ``style`` is, or is made from (``table_cell_right`` is
        ``table_cell``, a bullet is ``body``): the one a problem with it names."""
        current: PropertySet | None = style
        while current is not None:
            if current.name in self.theme.styles:
                return str(current.name)
            current = current.parent
        return None


def build_styles(theme: Theme) -> Styles:
    register_fonts(theme)
    paragraphs: dict[str, ParagraphStyle] = {}
    for name, style in theme.styles.items():
        paragraphs[name] = ParagraphStyle(
            name,
            fontName=font_name(style),
            fontSize=style.size,
            leading=style.leading,
            textColor=HexColor(style.colour),
            spaceBefore=style.space_before,
            spaceAfter=style.space_after,
            alignment=TA_LEFT,
        )
    body = paragraphs["body"]
    # reportlab starts a bullet's first line at bulletIndent + bullet width + 0.6 em when
    # that is beyond leftIndent: indent every line that far so wrapped lines align
    bullet_end = (
        4 + pdfmetrics.stringWidth(BULLET, body.fontName, body.fontSize) + 0.6 * body.fontSize
    )
    paragraphs["bullet"] = ParagraphStyle(
        "bullet",
        parent=body,
        leftIndent=max(14.0, bullet_end),
        bulletIndent=4,
        spaceAfter=2,
        bulletFontName=body.fontName,
    )
    for name in ("subheading", "subheading3", "heading"):
        paragraphs[name].keepWithNext = 1
    for name in ("cover_organisation", "cover_title", "cover_edition"):
        paragraphs[name].alignment = TA_CENTER
    cell = paragraphs["table_cell"]
    paragraphs["table_cell_right"] = ParagraphStyle(
        "table_cell_right", parent=cell, alignment=TA_RIGHT
    )
    paragraphs["table_cell_centre"] = ParagraphStyle(
        "table_cell_centre", parent=cell, alignment=TA_CENTER
    )
    paragraphs["table_header_centre"] = ParagraphStyle(
        "table_header_centre", parent=paragraphs["table_header"], alignment=TA_CENTER
    )
    paragraphs["contents_number"] = ParagraphStyle(
        "contents_number", parent=paragraphs["contents_entry"], alignment=TA_RIGHT
    )
    return Styles(theme, paragraphs)
