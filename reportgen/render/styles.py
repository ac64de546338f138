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
_FACES = {
    (False, False): f"{FAMILY}",
    (True, False): f"{FAMILY}-Bold",
    (False, True): f"{FAMILY}-Italic",
    (True, True): f"{FAMILY}-BoldItalic",
}
_registered: dict[str, str] = {}
BULLET = "\u2022"


def register_fonts(theme: Theme) -> None:
    """Register the theme's TrueType faces under fixed names; reportlab embeds them."""
    files = {
        (False, False): theme.fonts.regular,
        (True, False): theme.fonts.bold,
        (False, True): theme.fonts.italic,
        (True, True): theme.fonts.bold_italic,
    }
    for key, name in _FACES.items():
        _register(name, str(files[key]))
    pdfmetrics.registerFontFamily(
        FAMILY,
        normal=_FACES[(False, False)],
        bold=_FACES[(True, False)],
        italic=_FACES[(False, True)],
        boldItalic=_FACES[(True, True)],
    )


def _register(name: str, path: str) -> None:
    if _registered.get(name) != path:
        pdfmetrics.registerFont(TTFont(name, path))
        _registered[name] = path


def chart_measure(style: ChartStyle) -> Measure:
    """The width of a chart's text as the document sets it (``render.chartplan``), in the
    theme's regular and bold faces: registered as ``register_fonts`` registers them, so
    a build parses each font file once, and only these two before the charts are sent."""
    faces = {False: _FACES[(False, False)], True: _FACES[(True, False)]}
    _register(faces[False], style.font_path)
    _register(faces[True], style.bold_font_path)

    def measure(text: str, size: float, bold: bool) -> float:
        return float(pdfmetrics.stringWidth(text, faces[bold], size))

    return measure


def font_name(style: TextStyle) -> str:
    return _FACES[(style.bold, style.italic)]


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
