"""Charts: ``ChartData`` -> a one-page vector PDF (bytes), drawn by matplotlib's object API.

Each chart is drawn once per build, independent of reportlab's layout passes, and
placed on its page afterwards (see ``assemble.postprocess``). Text is set in the
document's font and embedded as TrueType; colours run dark to light with distinct
markers, line styles and hatching so the chart still reads when printed in grey.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportgen.compute.chartdata import ChartData
from reportgen.load.layout import ChartKind
from reportgen.load.theme import Theme

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

POINTS_PER_INCH = 72.0


@dataclass(frozen=True)
class ChartStyle:
    """The picklable part of the theme a chart needs (charts may draw in another process)."""

    width: float
    height: float
    font_path: str
    bold_font_path: str
    font_size: float
    title_size: float
    text_colour: str
    grid_colour: str
    colours: tuple[str, ...]
    markers: tuple[str, ...]
    line_styles: tuple[str, ...]
    hatches: tuple[str, ...]

    @classmethod
    def from_theme(cls, theme: Theme) -> ChartStyle:
        chart = theme.chart
        return cls(
            width=float(chart.width),
            height=float(chart.height),
            font_path=str(theme.fonts.regular),
            bold_font_path=str(theme.fonts.bold),
            font_size=float(chart.font_size),
            title_size=float(chart.title_size),
            text_colour=theme.text_colour,
            grid_colour=str(theme.table.grid),
            colours=tuple(str(colour) for colour in chart.colours),
            markers=chart.markers,
            line_styles=chart.line_styles,
            hatches=chart.hatches,
        )


def _nth(items: tuple[str, ...], index: int) -> str:
    return items[index % len(items)]


_FONTS: dict[tuple[str, float], Any] = {}


def _font(path: str, size: float) -> Any:
    from matplotlib.font_manager import FontProperties

    key = (path, size)
    if key not in _FONTS:
        _FONTS[key] = FontProperties(fname=path, size=size)
    return _FONTS[key]


def _draw(figure: Any, data: ChartData, style: ChartStyle) -> None:
    from matplotlib.ticker import FuncFormatter

    regular = _font(style.font_path, style.font_size)
    small = _font(style.font_path, style.font_size - 1)
    comparison = data.kind is ChartKind.COMPARISON
    # fixed margins (in points) rather than a layout engine: one draw per chart
    left, right, top = 46.0, 8.0, 20.0
    bottom = 58.0 if comparison else 46.0
    figure.subplots_adjust(
        left=left / style.width,
        right=1 - right / style.width,
        top=1 - top / style.height,
        bottom=bottom / style.height,
    )
    axes = figure.add_subplot()
    axes.set_title(
        data.title,
        fontproperties=_font(style.bold_font_path, style.title_size),
        color=style.text_colour,
        loc="left",
        pad=6,
    )
    positions = list(range(len(data.x_labels)))
    if comparison:
        width = 0.8 / max(1, len(data.series))
        for index, series in enumerate(data.series):
            offsets = [p + (index - (len(data.series) - 1) / 2) * width for p in positions]
            present = [
                (o, v) for o, v in zip(offsets, series.values, strict=True) if v is not None
            ]  # a missing figure is a gap, not a zero bar
            offsets = [o for o, _ in present]
            values = [v for _, v in present]
            bars = axes.bar(
                offsets,
                values,
                width=width * 0.95,
                label=series.name,
                color=_nth(style.colours, index),
                edgecolor=style.text_colour,
                linewidth=0.4,
                hatch=_nth(style.hatches, index),
            )
            axes.bar_label(
                bars,
                labels=[data.number(v) for v in values],  # as the alt text gives them
                fontproperties=small,
                padding=1.5,
            )
        axes.margins(y=0.12)
    else:
        for index, series in enumerate(data.series):
            axes.plot(
                positions,
                [float("nan") if v is None else v for v in series.values],
                label=series.name,
                color=_nth(style.colours, index),
                marker=_nth(style.markers, index),
                linestyle=_nth(style.line_styles, index),
                linewidth=1.3,
                markersize=3,
            )
    labels = [_wrap(label) for label in data.x_labels] if comparison else list(data.x_labels)
    if len(labels) > 12:  # two years of months: label every other one so they stay legible
        labels = [label if i % 2 == 0 else "" for i, label in enumerate(labels)]
    axes.set_xticks(positions, labels, fontproperties=small if comparison else regular)
    if data.y_label:
        axes.set_ylabel(data.y_label, fontproperties=regular)
    low, high = axes.get_ylim()
    decimals = 1 if high - low < 5 else 0  # a narrow range needs a decimal to tell ticks apart
    axes.yaxis.set_major_formatter(
        FuncFormatter(lambda v, _: f"{v:.{decimals}f}%" if data.percent else f"{v:,.0f}")
    )
    for label in axes.get_yticklabels():
        label.set_fontproperties(regular)
    axes.grid(axis="y", color=style.grid_colour, linewidth=0.4, alpha=0.7)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.legend(
        prop=regular,
        frameon=False,
        ncols=min(len(data.series), 5),
        loc="upper center",
        bbox_to_anchor=(0.5, -(bottom - 14) / (style.height - bottom - top)),
        handlelength=2.6,
        columnspacing=1.2,
    )


def _wrap(label: str, width: int = 16) -> str:
    words, lines, line = label.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "\n".join(lines)


CHART_FORMAT = "reportgen-charts-2"  # bump when drawing changes, so old cache entries go unused


def charts_digest(charts: list[ChartData], style: ChartStyle) -> str:
    """What the drawn charts depend on: their data, the style and the drawing code."""
    # the installed version, read without importing matplotlib (slow) in this process;
    # this module's own source, so a change to the drawing never reuses old charts
    code = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
    text = repr((CHART_FORMAT, code, version("matplotlib"), style, [c.key for c in charts]))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChartText:
    """One line of chart text, where matplotlib laid it out (points from the chart's
    lower-left corner, at its baseline start); the document draws it in its own font."""

    x: float
    y: float
    text: str
    size: float
    angle: float
    bold: bool
    rgb: tuple[float, float, float]


@dataclass(frozen=True)
class DrawnCharts:
    """The charts' geometry (one PDF page per chart) and each chart's text."""

    pdf: bytes
    texts: tuple[tuple[ChartText, ...], ...]


def prepare() -> None:
    """Import what drawing needs; a chart worker does this while the text is loaded."""
    import matplotlib.backends.backend_pdf  # noqa: F401
    import matplotlib.figure  # noqa: F401
    import matplotlib.font_manager  # noqa: F401
    import matplotlib.ticker  # noqa: F401


def _chart_renderer(style: ChartStyle, runs: list[ChartText]) -> Any:
    """matplotlib's own PDF renderer (the backend API's ``RendererPdf``), with two changes.

    Text is recorded, not drawn: matplotlib still lays it out (it decides the axes' room
    and each label's place) and hands every line to ``draw_text``; the document then sets
    it in its own embedded font, so no font is subset a second time for the charts.

    Hatching is drawn as paths, not as a PDF tiling pattern (which PDF/A validators that
    approve only what they know refuse): the bar is filled, each 72-point tile of
    matplotlib's own hatch pattern is drawn clipped to the tile and the bar, as the
    pattern would paint it, and the bar's edge is stroked over it.
    """
    from matplotlib.backends.backend_pdf import RendererPdf
    from matplotlib.transforms import Affine2D, Bbox, TransformedPath

    tile = POINTS_PER_INCH  # matplotlib's hatch pattern cell: one inch square

    class ChartRenderer(RendererPdf):
        def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):  # noqa: ANN001
            weight = prop.get_weight()
            bold = (
                prop.get_file() == style.bold_font_path
                or weight in ("bold", "heavy")
                or (isinstance(weight, int) and weight >= 600)
            )
            red, green, blue = gc.get_rgb()[:3]
            runs.append(
                ChartText(
                    round(x, 3),
                    round(y, 3),
                    s,
                    prop.get_size_in_points(),
                    round(angle, 3),
                    bold,
                    (red, green, blue),
                )
            )

        def draw_path(self, gc, path, transform, rgbFace=None):  # noqa: ANN001, N803
            if not gc.get_hatch():
                super().draw_path(gc, path, transform, rgbFace)
                return
            plain = self.new_gc()
            plain.copy_properties(gc)
            plain.set_hatch(None)
            edge_width = plain.get_linewidth()
            plain.set_linewidth(0)
            super().draw_path(plain, path, transform, rgbFace)  # the fill
            self.draw_hatching(gc, path, transform)
            plain.set_linewidth(edge_width)
            super().draw_path(plain, path, transform, None)  # the edge

        def draw_hatching(self, gc, path, transform) -> None:  # noqa: ANN001
            lines = gc.get_hatch_path()  # one tile's hatching, in a unit square
            colour = gc.get_hatch_color()
            area = path.get_extents(transform)
            top = self.height * POINTS_PER_INCH  # matplotlib anchors tiles at the top left
            for column in range(int(area.x0 // tile), int(area.x1 // tile) + 1):
                for row in range(int((area.y0 - top) // tile), int((area.y1 - top) // tile) + 1):
                    x, y = column * tile, top + row * tile
                    clip = Bbox.from_bounds(x, y, tile, tile)
                    if gc.get_clip_rectangle() is not None:
                        clip = Bbox.intersection(clip, gc.get_clip_rectangle())  # type: ignore[assignment]  # None: next line
                    if clip is None:
                        continue
                    hatching = self.new_gc()
                    hatching.copy_properties(gc)
                    hatching.set_hatch(None)
                    hatching.set_foreground(colour)
                    hatching.set_linewidth(gc.get_hatch_linewidth())
                    hatching.set_dashes(0, None)
                    hatching.set_clip_rectangle(clip)
                    hatching.set_clip_path(TransformedPath(path, transform))
                    place = Affine2D().scale(tile).translate(x, y)
                    super().draw_path(hatching, lines, place, colour)

    return ChartRenderer


def draw_charts(charts: list[ChartData], style: ChartStyle) -> DrawnCharts:
    """Draw every chart's geometry as one page of a single PDF, in order, and its text.

    Each figure is drawn through ``Figure.draw`` with a renderer of matplotlib's public
    PDF backend (``PdfFile`` pages, a ``RendererPdf`` subclass), as ``savefig`` would
    draw it at 72 dpi, except for text and hatching (see ``_chart_renderer``).
    """
    import matplotlib
    from matplotlib.backends.backend_pdf import FigureCanvasPdf, PdfFile
    from matplotlib.figure import Figure

    buffer = io.BytesIO()
    texts: list[tuple[ChartText, ...]] = []
    width, height = style.width / POINTS_PER_INCH, style.height / POINTS_PER_INCH
    # titles and labels are the analysts' plain text: "$" is a dollar, never mathtext
    rc: dict[RcKeyType, Any] = {
        "pdf.fonttype": 42,
        "font.size": style.font_size,
        "axes.linewidth": 0.6,
        "text.parse_math": False,
        # tick look from rc, set before the axes make their ticks: tick_params afterwards
        # remakes every tick (a quarter of a chart's set-up under cProfile); bytes unchanged
        "xtick.color": style.text_colour,
        "ytick.color": style.text_colour,
        "xtick.labelcolor": style.text_colour,
        "ytick.labelcolor": style.text_colour,
        "xtick.major.size": 2.5,
        "ytick.major.size": 2.5,
        "xtick.major.width": 0.5,
        "ytick.major.width": 0.5,
    }
    with matplotlib.rc_context(rc):
        # no CreationDate: the same charts give the same bytes
        pages = PdfFile(buffer, metadata={"CreationDate": None, "Creator": None})
        for data in charts:
            figure = Figure(figsize=(width, height))
            FigureCanvasPdf(figure)
            _draw(figure, data, style)
            image_dpi = figure.dpi
            figure.dpi = POINTS_PER_INCH  # PDF user space: 72 points to an inch
            runs: list[ChartText] = []
            pages.newPage(width, height)
            renderer = _chart_renderer(style, runs)(pages, image_dpi, height, width)
            figure.draw(renderer)
            renderer.finalize()
            pages.endStream()
            texts.append(tuple(runs))
        pages.finalize()
        pages.close()
    return DrawnCharts(buffer.getvalue(), tuple(texts))
