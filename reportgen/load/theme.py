"""Theme: ``layouts/theme.yaml`` -> a validated ``Theme`` (page, fonts, styles, colours).

Styles are data, as rst2pdf keeps its stylesheets: units ("2cm") and colours
("#00205B") are normalised here, and a font that cannot be found is an error that
names the theme file and line.
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportgen.errors import InputError
from reportgen.load.yamlfile import Node, load_yaml, where

_UNITS = {"pt": 1.0, "cm": 72 / 2.54, "mm": 72 / 25.4, "in": 72.0}
_PAGE_SIZES = {"A4": (595.2756, 841.8898), "LETTER": (612.0, 792.0)}
_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")


@dataclass(frozen=True)
class FontFiles:
    family: str
    regular: Path
    bold: Path
    italic: Path
    bold_italic: Path


@dataclass(frozen=True)
class TextStyle:
    size: float
    leading: float
    bold: bool = False
    italic: bool = False
    colour: str = "#000000"
    space_before: float = 0.0
    space_after: float = 0.0


@dataclass(frozen=True)
class Theme:
    page_size: tuple[float, float]
    margins: tuple[float, float, float, float]  # top, right, bottom, left
    fonts: FontFiles
    colours: dict[str, str]
    styles: dict[str, TextStyle]
    table: dict[str, Any]
    chart: dict[str, Any]
    file: str

    def style(self, name: str) -> TextStyle:
        return self.styles[name]


REQUIRED_STYLES = (
    "body",
    "note",
    "heading",
    "subheading",
    "subheading3",
    "section_title",
    "running_header",
    "page_number",
    "cover_organisation",
    "cover_title",
    "cover_edition",
    "contents_heading",
    "contents_entry",
    "table_caption",
    "table_header",
    "table_cell",
)


def length(value: Any, node: Node, key: str) -> float:
    if isinstance(value, int | float):
        return float(value)
    match = re.fullmatch(r"\s*([0-9.]+)\s*(pt|cm|mm|in)\s*", str(value))
    if not match:
        raise InputError(
            f"{key} {value!r} is not a length",
            **where(node, key),
            hint="write e.g. 2cm, 15mm, 1in or 12 (points)",
        )
    return float(match.group(1)) * _UNITS[match.group(2)]


_DEJAVU_FILES = {
    (False, False): "DejaVuSans.ttf",
    (True, False): "DejaVuSans-Bold.ttf",
    (False, True): "DejaVuSans-Oblique.ttf",
    (True, True): "DejaVuSans-BoldOblique.ttf",
}


def _shipped_dejavu(bold: bool, italic: bool) -> Path | None:
    """DejaVu Sans as matplotlib ships it, found without importing matplotlib (slow)."""
    spec = importlib.util.find_spec("matplotlib")
    for location in (spec.submodule_search_locations or []) if spec else []:
        path = Path(location) / "mpl-data" / "fonts" / "ttf" / _DEJAVU_FILES[(bold, italic)]
        if path.exists():
            return path
    return None


def find_font(family: str, *, bold: bool, italic: bool, node: Node) -> Path:
    if family == "DejaVu Sans" and (shipped := _shipped_dejavu(bold, italic)):
        return shipped
    # matplotlib's font manager knows the system's fonts
    from matplotlib import font_manager

    properties = font_manager.FontProperties(
        family=family, weight="bold" if bold else "normal", style="italic" if italic else "normal"
    )
    try:
        path = Path(font_manager.findfont(properties, fallback_to_default=False))
    except ValueError:
        raise InputError(
            f"font {family!r} is not installed",
            **where(node, "family"),
            hint="use 'DejaVu Sans' (shipped with matplotlib) or install the font",
        ) from None
    if path.suffix.lower() != ".ttf":
        raise InputError(
            f"font {family!r} resolves to {path.name}, which is not a TrueType (.ttf) file",
            **where(node, "family"),
        )
    return path


def _colour(value: Any, colours: dict[str, str], node: Node, key: str) -> str:
    text = str(value)
    if text in colours:
        return colours[text]
    if not _COLOUR.match(text):
        raise InputError(
            f"colour {text!r} is neither #RRGGBB nor a colour named under 'colours'",
            **where(node, key),
        )
    return text


def load_theme(path: Path, display_name: str | None = None) -> Theme:
    name = display_name or str(path)
    doc = load_yaml(path, name)
    if not isinstance(doc, Node):
        raise InputError("expected a mapping at the top", file=name, line=1)
    for key in ("page", "fonts", "colours", "styles", "table", "chart"):
        if not isinstance(doc.get(key), Node):
            raise InputError(f"'{key}' must be a mapping", **where(doc, key))
    page = doc["page"]
    size_name = str(page.get("size", "A4")).upper()
    if size_name not in _PAGE_SIZES:
        raise InputError(
            f"page size {size_name!r} is not known", **where(page, "size"), hint="use A4 or Letter"
        )
    margins = tuple(
        length(page.get(f"margin_{side}", "2cm"), page, f"margin_{side}")
        for side in ("top", "right", "bottom", "left")
    )
    width, height = _PAGE_SIZES[size_name]
    minimum = 8 * _UNITS["cm"]
    if width - margins[1] - margins[3] < minimum or height - margins[0] - margins[2] < minimum:
        raise InputError(
            "the margins leave less than 8cm of the page for text",
            **where(page, "margin_left"),
            hint="make the margins smaller",
        )
    colours_node = doc["colours"]
    colours: dict[str, str] = {}
    for key, value in colours_node.items():
        colours[str(key)] = _colour(value, {}, colours_node, str(key))
    fonts_node = doc["fonts"]
    family = str(fonts_node.get("family", "DejaVu Sans"))
    fonts = FontFiles(
        family,
        find_font(family, bold=False, italic=False, node=fonts_node),
        find_font(family, bold=True, italic=False, node=fonts_node),
        find_font(family, bold=False, italic=True, node=fonts_node),
        find_font(family, bold=True, italic=True, node=fonts_node),
    )
    styles_node = doc["styles"]
    styles: dict[str, TextStyle] = {}
    for style_name in REQUIRED_STYLES:
        raw = styles_node.get(style_name)
        if not isinstance(raw, Node):
            raise InputError(f"style {style_name!r} is missing", **where(styles_node))
        size = length(raw.get("size", 9), raw, "size")
        if not 4 <= size <= _UNITS["in"]:  # from a footnote to an inch-high capital
            raise InputError(
                f"style {style_name!r} size {size:g} is not a readable type size",
                **where(raw, "size"),
                hint="use a size from 4 points to 1in",
            )
        styles[style_name] = TextStyle(
            size=size,
            leading=length(raw.get("leading", size * 1.25), raw, "leading"),
            bold=bool(raw.get("bold", False)),
            italic=bool(raw.get("italic", False)),
            colour=_colour(
                raw.get("colour", "text"),
                colours | {"text": colours.get("text", "#000000")},
                raw,
                "colour",
            ),
            space_before=length(raw.get("space_before", 0), raw, "space_before"),
            space_after=length(raw.get("space_after", 0), raw, "space_after"),
        )
    table = dict(doc["table"])
    for key in ("header_fill", "stripe_fill", "grid"):
        table[key] = _colour(table.get(key, "#000000"), colours, doc["table"], key)
    rag = table.get("rag")
    if not isinstance(rag, Node) or set(rag) != {"green", "red", "black"}:
        raise InputError("table.rag must give green, red and black", **where(doc["table"], "rag"))
    table["rag"] = {k: _colour(v, colours, rag, k) for k, v in rag.items()}
    marks = table.get("rag_marks")
    if (
        not isinstance(marks, Node)
        or set(marks) != {"green", "red", "black"}
        or not all(isinstance(v, str) and v.strip() for v in marks.values())
    ):
        raise InputError(
            "table.rag_marks must give a mark for green, red and black",
            **where(doc["table"], "rag_marks"),
            hint="the MSG rank is printed with its mark, so the ragging is not told by "
            'colour alone: e.g. green: "+", red: "\u2212", black: "="',
        )
    table["rag_marks"] = {k: str(v).strip() for k, v in marks.items()}
    chart = dict(doc["chart"])
    chart["width"] = length(chart.get("width", "16cm"), doc["chart"], "width")
    chart["height"] = length(chart.get("height", "7cm"), doc["chart"], "height")
    chart["colours"] = [_colour(c, colours, doc["chart"], "colours") for c in chart["colours"]]
    return Theme(
        page_size=_PAGE_SIZES[size_name],
        margins=margins,  # type: ignore[arg-type]
        fonts=fonts,
        colours=colours,
        styles=styles,
        table=table,
        chart=chart,
        file=name,
    )
