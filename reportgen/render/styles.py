"""Theme -> reportlab fonts and paragraph styles (registered once per process)."""

from __future__ import annotations

import msgspec
from reportlab.lib.colors import HexColor
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from reportgen.load.theme import TextStyle, Theme

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
        path = str(files[key])
        if _registered.get(name) != path:
            pdfmetrics.registerFont(TTFont(name, path))
            _registered[name] = path
    pdfmetrics.registerFontFamily(
        FAMILY,
        normal=_FACES[(False, False)],
        bold=_FACES[(True, False)],
        italic=_FACES[(False, True)],
        boldItalic=_FACES[(True, True)],
    )


def font_name(style: TextStyle) -> str:
    return _FACES[(style.bold, style.italic)]


class Styles(msgspec.Struct, frozen=True):
    """The paragraph styles of the edition, by the theme's names."""

    theme: Theme
    paragraphs: dict[str, ParagraphStyle]

    def __getitem__(self, name: str) -> ParagraphStyle:
        return self.paragraphs[name]


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


PAPER = "#FFFFFF"  # the edition is printed on white: the theme colours no page


class PrintedColour(msgspec.Struct, frozen=True):
    """A text colour and a background it is printed on, and which text that is."""

    what: str
    text: str  # "#RRGGBB"
    background: str


def printed_colours(theme: Theme) -> list[PrintedColour]:
    """Every text colour the edition prints, on every background it is printed on.

    Text styles print on the paper, except the table header row's (on its fill); a
    table's cells, its confidence-interval rows (the note style) and the MSG rank in
    each rag colour print on the paper and on the stripe; chart text prints on the paper
    in the theme's text colour (the tick labels, titles) and matplotlib's black (bar
    labels, legend).
    """
    table = theme.table
    header_row = ("table_caption", "table_header")
    body_rows = ("table_cell", "note")
    pairs = [
        PrintedColour(f"{name} text", style.colour, PAPER)
        for name, style in theme.styles.items()
        if name not in header_row
    ]
    pairs += [
        PrintedColour(f"{name} text on the header row", theme.style(name).colour, table.header_fill)
        for name in header_row
    ]
    for background in (PAPER, table.stripe_fill):
        pairs += [
            PrintedColour(f"{name} text in a table row", theme.style(name).colour, background)
            for name in body_rows
        ]
        pairs += [
            PrintedColour(f"MSG rank in {rag}", colour, background)
            for rag, colour in msgspec.structs.asdict(table.rag).items()
        ]
    pairs += [
        PrintedColour("chart text", theme.text_colour, PAPER),
        PrintedColour("chart bar labels and legend", "#000000", PAPER),
    ]
    return pairs


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2 contrast ratio of two "#RRGGBB" colours, from 1 (same) to 21."""
    light, dark = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _luminance(colour: str) -> float:
    channels = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    red, green, blue = (
        c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels
    )
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue
