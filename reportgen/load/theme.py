"""Theme: ``layouts/theme.yaml`` -> a validated, typed ``Theme`` (page, fonts, styles, colours).

Styles are data, as rst2pdf keeps its stylesheets. The file's shape is the ``ThemeFile``
schema (``load.schema``): every key is known, every length ("2cm") and colour
("#00205B" or a name under ``colours:``) is parsed and kept within a range that prints,
and chart markers, line styles and hatches are ones matplotlib draws. A font that
cannot be found is an error that names the theme file and line. Render reads typed
fields only; no default is decided outside this module.
"""

from __future__ import annotations

import importlib.util
import re
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import msgspec
from msgspec import Meta

from reportgen.errors import InputError, ProblemCollector
from reportgen.load.schema import (
    Colour,
    Length,
    Spec,
    colour_names,
    convert_part,
    did_you_mean,
    entries,
    parse_document,
)
from reportgen.load.yamlfile import Node, read_text, where

_CM = 72 / 2.54
MIN_TEXT_AREA = 8 * _CM


class Margin(Length):
    minimum, maximum, above = 0.0, 10 * _CM, True
    what = "a margin"


class FontSize(Length):
    minimum, maximum, shown_in = 4.0, 72.0, "pt"  # from a footnote to an inch-high capital
    what = "a readable type size"


class ChartFontSize(FontSize):
    # a bar chart sets its category names and values a point smaller (render.charts)
    minimum = FontSize.minimum + 1
    what = "a readable type size for a chart (its bars' words are a point smaller)"


class Leading(Length):
    minimum, maximum, above, shown_in = 0.0, 96.0, True, "pt"


class Space(Length):
    minimum, maximum = 0.0, 3 * _CM  # room before or after a paragraph


class RuleWidth(Length):
    minimum, maximum, shown_in = 0.0, 3.0, "pt"


class Padding(Length):
    minimum, maximum, shown_in = 0.0, 20.0, "pt"


class ChartSide(Length):
    minimum, maximum = 2 * _CM, 30 * _CM


# What matplotlib draws (tests/render checks these against matplotlib's own lists, so
# that checking a theme does not need to import matplotlib).
MARKERS = frozenset(".,ov^<>12348spP*hH+xXDd|_") | {"none", ""}
LINE_STYLES = frozenset({"-", "--", "-.", ":", "solid", "dashed", "dashdot", "dotted"})
HATCH_CHARACTERS = frozenset("/\\|-+xoO.*")
# each character doubles the pattern's density, and so its paths: "OOOOOOOO" took a
# build 30 s and 37 MB; three ("///", "...") is as dense as print needs
MAX_HATCH = 3
# render.charts draws with fixed margins (78 pt above and below the axes of a bar chart,
# 54 pt beside them): a chart must leave room for its axes inside them
MIN_CHART_WIDTH, MIN_CHART_HEIGHT = 6 * _CM, 4 * _CM


class PageSize(str, Enum):
    A4 = "A4"
    LETTER = "Letter"


PAGE_SIZES = {PageSize.A4: (595.2756, 841.8898), PageSize.LETTER: (612.0, 792.0)}


class TextStyleSpec(Spec, frozen=True, kw_only=True):
    """A paragraph style as the theme writes it: size and leading in points, colour as
    #RRGGBB; leading and colour may be left out."""

    size: FontSize = FontSize(9)
    leading: Leading | None = None  # None: 1.25 times the size
    bold: bool = False
    italic: bool = False
    colour: Colour | None = None  # None: the theme's text colour
    space_before: Space = Space(0)
    space_after: Space = Space(0)


class TextStyle(Spec, frozen=True, kw_only=True):
    """A paragraph style as printed: a ``TextStyleSpec`` with its leading (1.25 times the
    size unless given) and colour (the theme's text colour unless given) filled in."""

    size: float
    leading: float
    bold: bool
    italic: bool
    colour: str
    space_before: float
    space_after: float


class PageSpec(Spec, frozen=True, kw_only=True):
    size: PageSize = PageSize.A4
    margin_top: Margin = Margin(2 * _CM)
    margin_right: Margin = Margin(2 * _CM)
    margin_bottom: Margin = Margin(2 * _CM)
    margin_left: Margin = Margin(2 * _CM)


class FontSpec(Spec, frozen=True, kw_only=True):
    family: Annotated[str, Meta(min_length=1, max_length=100)] = "DejaVu Sans"


class RagColours(Spec, frozen=True, kw_only=True):
    """The MSG rank's colours: better than, worse than, the same as the MSG average."""

    green: Colour
    red: Colour
    black: Colour


RagMark = Annotated[str, Meta(min_length=1, max_length=3, pattern=r"^\S+$")]


class RagMarks(Spec, frozen=True, kw_only=True):
    """Printed beside the MSG rank ("7 +"), so the ragging is not told by colour alone;
    the table notes explain them."""

    green: RagMark
    red: RagMark
    black: RagMark


class TableStyle(Spec, frozen=True, kw_only=True):
    header_fill: Colour
    stripe_fill: Colour
    grid: Colour
    grid_width: RuleWidth = RuleWidth(0.4)
    movement_width: Annotated[float, Meta(ge=0.05, le=0.5)] = 0.13  # least share of the width
    padding: Padding = Padding(3)
    rag: RagColours
    rag_marks: RagMarks


class ChartLook(Spec, frozen=True, kw_only=True):
    width: ChartSide = ChartSide(16 * _CM)
    height: ChartSide = ChartSide(7 * _CM)
    font_size: ChartFontSize = ChartFontSize(7.5)
    title_size: FontSize = FontSize(9)
    colours: Annotated[tuple[Colour, ...], Meta(min_length=1, max_length=20)]
    markers: Annotated[tuple[str, ...], Meta(min_length=1, max_length=20)] = ("o",)
    line_styles: Annotated[tuple[str, ...], Meta(min_length=1, max_length=20)] = ("-",)
    hatches: Annotated[tuple[str, ...], Meta(min_length=1, max_length=20)] = ("",)


class ThemeFile(Spec, frozen=True, kw_only=True):
    """``layouts/theme.yaml``'s parts, each checked on its own so that a problem in one
    does not hide those in another (``colours`` and ``styles`` are named entries)."""

    page: Any
    fonts: Any
    colours: Any
    styles: Any
    table: Any
    chart: Any


class FontFiles(Spec, frozen=True, kw_only=True):
    family: str
    regular: Path
    bold: Path
    italic: Path
    bold_italic: Path


class Theme(Spec, frozen=True, kw_only=True):
    page_size: tuple[float, float]
    margins: tuple[float, float, float, float]  # top, right, bottom, left
    fonts: FontFiles
    colours: dict[str, str]
    styles: dict[str, TextStyle]  # every style with leading and colour filled in
    table: TableStyle
    chart: ChartLook
    file: str
    # "styles.table_caption" -> the line it is written on: a problem the theme causes
    # later (a table too wide, a caption taller than a page) names the setting to change
    lines: dict[str, int] = msgspec.field(default_factory=dict)

    def style(self, name: str) -> TextStyle:
        return self.styles[name]

    def line_of(self, part: str, key: str) -> int | None:
        """The line ``part: {key: ...}`` sets ``key`` on (``("styles", "body")``)."""
        return self.lines.get(f"{part}.{key}")

    @property
    def text_colour(self) -> str:
        return self.colours["text"]


REQUIRED_STYLES = (
    "body", "note", "heading", "subheading", "subheading3", "section_title",
    "running_header", "page_number", "cover_organisation", "cover_title", "cover_edition",
    "contents_heading", "contents_entry", "table_caption", "table_header", "table_cell",
)  # fmt: skip
REQUIRED_COLOURS = ("text", "accent", "rule")
_COLOUR_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}")

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


def _colours(node: Any, problems: ProblemCollector, file: str) -> dict[str, str]:
    named = entries(node, Colour, problems, file=file, what="'colours'", entry="colour")
    for name in named:
        if not _COLOUR_NAME.fullmatch(name):
            problems.add(
                InputError(
                    f"colour name {name!r} must be lower-case letters, digits and '_'",
                    **where(node, name),
                )
            )
    for name in REQUIRED_COLOURS:
        if isinstance(node, Node) and name not in node:
            problems.add(
                InputError(
                    f"colour {name!r} is missing",
                    **where(node),
                    hint=f"add '{name}: \"#RRGGBB\"' under colours (required: "
                    f"{', '.join(REQUIRED_COLOURS)})",
                )
            )
    return {name: str(colour) for name, colour in named.items()}


def _styles(
    node: Any, colours: dict[str, str], problems: ProblemCollector, file: str
) -> dict[str, TextStyle]:
    raw = entries(node, TextStyleSpec, problems, file=file, what="'styles'", entry="style")
    styles: dict[str, TextStyle] = {}
    for name in REQUIRED_STYLES:
        if name not in raw and isinstance(node, Node) and name not in node:
            problems.add(InputError(f"style {name!r} is missing", **where(node)))
    for name, style in raw.items():
        if name not in REQUIRED_STYLES:
            problems.add(
                InputError(
                    f"unknown style {name!r}{did_you_mean(name, REQUIRED_STYLES)}",
                    **where(node, name),
                    hint=f"the styles are: {', '.join(REQUIRED_STYLES)}",
                )
            )
            continue
        leading = style.leading if style.leading is not None else Leading(style.size * 1.25)
        if leading < style.size * 0.8:
            problems.add(
                InputError(
                    f"style {name!r}: leading {leading:g}pt is less than 80% of the size "
                    f"{style.size:g}pt, so its lines would print over each other",
                    **where(node[name], "leading"),
                    hint="leading is the distance between baselines; make it at least the size",
                )
            )
        styles[name] = TextStyle(
            size=style.size,
            leading=leading,
            bold=style.bold,
            italic=style.italic,
            colour=style.colour or Colour(colours.get("text", "#000000")),
            space_before=style.space_before,
            space_after=style.space_after,
        )
    return styles


def _chart_look(chart: ChartLook, node: Node, frame: tuple[float, float]) -> list[InputError]:
    found: list[InputError] = []
    checks = (
        ("markers", MARKERS, "o, s, ^, D, v, x, +, * …"),
        ("line_styles", LINE_STYLES, "-, --, -., :"),
    )
    for key, allowed, examples in checks:
        for index, value in enumerate(getattr(chart, key)):
            if value not in allowed:
                found.append(
                    InputError(
                        f"chart {key} item {index + 1} is {value!r}, which matplotlib does not "
                        f"draw{did_you_mean(value, allowed)}",
                        file=node.file,
                        line=node.item_line(key, index),
                        hint=f"use one of {examples}",
                    )
                )
    for index, hatch in enumerate(chart.hatches):
        if len(hatch) > MAX_HATCH or not set(hatch) <= HATCH_CHARACTERS:
            found.append(
                InputError(
                    f"chart hatches item {index + 1} is {hatch!r}; a hatch is up to "
                    f"{MAX_HATCH} of the characters / \\ | - + x o O . *",
                    file=node.file,
                    line=node.item_line("hatches", index),
                    hint='use e.g. "///" or "..."; "" for no hatch',
                )
            )
    for side, least in (("width", MIN_CHART_WIDTH), ("height", MIN_CHART_HEIGHT)):
        if getattr(chart, side) < least:
            found.append(
                InputError(
                    f"the chart {side} is {getattr(chart, side) / _CM:.1f}cm; a chart needs at "
                    f"least {least / _CM:g}cm for its axes, labels and legend",
                    **where(node, side),
                    hint=f"make it {least / _CM:g}cm or more",
                )
            )
    width, height = frame
    if chart.width > width or chart.height > height:
        found.append(
            InputError(
                f"the chart ({chart.width / _CM:.1f}cm × {chart.height / _CM:.1f}cm) does not "
                f"fit inside the margins ({width / _CM:.1f}cm × {height / _CM:.1f}cm)",
                **where(node, "width" if chart.width > width else "height"),
                hint="make the chart smaller or the margins narrower",
            )
        )
    return found


def load_theme(path: Path, display_name: str | None = None) -> Theme:
    """``layouts/theme.yaml`` -> the ``Theme``; every problem in the file at once, by line."""
    name = display_name or str(path)
    problems = ProblemCollector()
    document = parse_document(
        read_text(path, name), name, ThemeFile, problems, expected="a mapping"
    )
    page = convert_part(document, "page", PageSpec, problems)
    fonts_spec = convert_part(document, "fonts", FontSpec, problems)
    colours = _colours(document["colours"], problems, name)
    with colour_names(colours):
        styles = _styles(document["styles"], colours, problems, name)
        table = convert_part(document, "table", TableStyle, problems)
        chart = convert_part(document, "chart", ChartLook, problems)
    if page is None or fonts_spec is None:
        problems.raise_if_any()
    assert page is not None and fonts_spec is not None
    page_size = PAGE_SIZES[page.size]
    margins = (page.margin_top, page.margin_right, page.margin_bottom, page.margin_left)
    frame = (page_size[0] - margins[1] - margins[3], page_size[1] - margins[0] - margins[2])
    if min(frame) < MIN_TEXT_AREA:
        # named at the pair that leaves too little: left and right, or top and bottom
        for room, sides, first in (
            (frame[0], "left and right", "margin_left"),
            (frame[1], "top and bottom", "margin_top"),
        ):
            if room < MIN_TEXT_AREA:
                problems.add(
                    InputError(
                        f"the {sides} margins leave {room / _CM:.1f}cm of the page's "
                        f"{page.size.value} {'width' if first == 'margin_left' else 'height'} for "
                        "text; at least 8cm is needed",
                        **where(document["page"], first),
                        hint=f"make the {sides} margins smaller",
                    )
                )
    elif chart is not None and isinstance(document["chart"], Node):
        for problem in _chart_look(chart, document["chart"], frame):
            problems.add(problem)
    problems.raise_if_any()
    assert table is not None and chart is not None
    fonts_node = document["fonts"]
    family = fonts_spec.family
    fonts = FontFiles(
        family=family,
        regular=find_font(family, bold=False, italic=False, node=fonts_node),
        bold=find_font(family, bold=True, italic=False, node=fonts_node),
        italic=find_font(family, bold=False, italic=True, node=fonts_node),
        bold_italic=find_font(family, bold=True, italic=True, node=fonts_node),
    )
    return Theme(
        page_size=page_size,
        margins=margins,
        fonts=fonts,
        colours=colours,
        styles=styles,
        table=table,
        chart=chart,
        file=name,
        lines=_setting_lines(document),
    )


def _setting_lines(document: Node) -> dict[str, int]:
    """The line of each setting one and two levels down (``styles.body``,
    ``table.padding``, ``table.rag_marks.red``)."""
    lines = {}
    for part, node in document.items():
        if not isinstance(node, Node):
            continue
        for key, value in node.items():
            lines[f"{part}.{key}"] = node.line_of(key)
            if isinstance(value, Node):
                lines.update({f"{part}.{key}.{sub}": value.line_of(sub) for sub in value})
    return lines
