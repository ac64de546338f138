"""Charts: ``ChartData`` -> a one-page vector PDF (bytes), drawn by matplotlib's object API.

Each chart is drawn once per build, independent of reportlab's layout passes, and
placed on its page afterwards (see ``assemble.postprocess``). Text is set in the
document's font and embedded as TrueType; colours run dark to light with distinct
markers, line styles and hatching so the chart still reads when printed in grey.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from reportgen.cachefolder import installed_version
from reportgen.compute.chartdata import ChartData
from reportgen.load.chartkind import ChartKind
from reportgen.render.chartplan import (
    COLUMN_SPACING,
    HANDLE,
    RIGHT,
    VALUE_BOX_PAD,
    VALUE_PAD,
    ChartPlan,
    plan_charts,
)

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

    from reportgen.load.theme import Theme

POINTS_PER_INCH = 72.0


class ChartStyle(msgspec.Struct, frozen=True):
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


def _draw(figure: Any, data: ChartData, style: ChartStyle, plan: ChartPlan) -> None:
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    regular = _font(style.font_path, style.font_size)
    small = _font(style.font_path, style.font_size - 1)
    comparison = data.kind is ChartKind.COMPARISON
    # margins (in points) planned from the words' widths rather than a layout engine:
    # one draw per chart, and check knows them without drawing
    left, right, top, bottom = plan.left, RIGHT, plan.top, plan.bottom
    figure.subplots_adjust(
        left=left / style.width,
        right=1 - right / style.width,
        top=1 - top / style.height,
        bottom=bottom / style.height,
    )
    axes = figure.add_subplot()
    axes.set_title(
        plan.title,
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
                label=plan.legend_labels[index],
                color=_nth(style.colours, index),
                edgecolor=style.text_colour,
                linewidth=0.4,
                hatch=_nth(style.hatches, index),
            )
            value_labels = axes.bar_label(
                bars,
                labels=[data.number(v) for v in values],  # as the alt text gives them
                fontproperties=small,
                padding=VALUE_PAD,
                rotation=90 if plan.upright_values else 0,
            )
            # on the page's white, so a grid line behind a value does not strike it
            # through ("9.4" on the ten-day line): the box no wider than the gap the
            # plan leaves between one value and the next
            for label in value_labels:
                label.set_bbox({"facecolor": "white", "edgecolor": "none", "pad": VALUE_BOX_PAD})
        axes.margins(y=plan.value_margin)
    else:
        for index, series in enumerate(data.series):
            xs: list[float] = [float(p) for p in positions]
            ys = [float("nan") if v is None else v for v in series.values]
            # a break: a point of no value half-way, where matplotlib lifts the pen
            for position in sorted(series.breaks, reverse=True):
                xs.insert(position, position - 0.5)
                ys.insert(position, float("nan"))
            axes.plot(
                xs,
                ys,
                label=plan.legend_labels[index],
                color=_nth(style.colours, index),
                marker=_nth(style.markers, index),
                linestyle=_nth(style.line_styles, index),
                linewidth=1.3,
                markersize=3,
            )
    axes.set_xticks(positions, plan.x_labels, fontproperties=small if comparison else regular)
    if data.y_label:
        axes.set_ylabel(data.y_label, fontproperties=regular)
    values = data.drawn_values
    if not values or min(values) == max(values):
        # a flat series (every month 7, or none at all): matplotlib centres a sliver of
        # axis on it, whose ticks print as "7 7 7 7" or "0 −0"; show it from zero
        axes.set_ylim(*_from_zero(values))
    low, high = axes.get_ylim()
    if not data.percent and high - low < 10:
        # a handful of counts: whole-number ticks, not "1 1 1 2 2 2"; as many as the
        # axis has room for (ten at most, as first drawn)
        pitch = style.font_size * 1.5
        room = style.height - plan.top - plan.bottom
        bins = 10 if room / 10 >= pitch else max(1, int(room / pitch))
        axes.yaxis.set_major_locator(MaxNLocator(nbins=bins, integer=True))
    decimals = 1 if high - low < 5 else 0  # a narrow range needs a decimal to tell ticks apart

    def shown(value: float, places: int) -> str:
        value = round(value, places if data.percent else 0) + 0.0  # never "−0"
        return f"{value:.{places}f}%" if data.percent else f"{value:,.0f}"

    if data.percent:
        # a steady rate: as many decimals as tell its ticks apart ("92.3% 92.3% 92.4%");
        # one steadier than two decimals tell is shown as a flat series is, from zero
        def apart(places: int) -> bool:
            low, high = axes.get_ylim()
            ticks = [t for t in axes.get_yticks() if low <= t <= high]
            return len({shown(t, places) for t in ticks}) == len(ticks)

        while not apart(decimals) and decimals < 2:
            decimals += 1
        if not apart(decimals):
            axes.set_ylim(*_from_zero(values))
            decimals = 1 if not apart(0) else 0

    def tick(value: float, _position: object) -> str:
        return shown(value, decimals)

    axes.yaxis.set_major_formatter(FuncFormatter(tick))
    for label in axes.get_yticklabels():
        label.set_fontproperties(regular)
    axes.grid(axis="y", color=style.grid_colour, linewidth=0.4, alpha=0.7)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.legend(
        prop=regular,
        frameon=False,
        ncols=plan.legend_columns,
        loc="upper center",
        bbox_to_anchor=(
            plan.legend_x,
            -(bottom - plan.legend_top) / (style.height - bottom - top),
        ),
        handlelength=HANDLE,
        columnspacing=COLUMN_SPACING,
    )


def _from_zero(values: list[float]) -> tuple[float, float]:
    """A value axis from zero to a quarter beyond the values (below zero for negative
    ones), at least one unit long."""
    low, high = min([*values, 0.0]), max([*values, 0.0])
    if high > 0 or low == 0:
        return 0.0, max(high * 1.25, 1.0)
    return min(low * 1.25, -1.0), 0.0


CHART_FORMAT = "reportgen-charts-4"  # bump when drawing changes, so old cache entries go unused


# every module that decides what a chart looks like: its source is part of the digest
DRAWING_MODULES = ("charts.py", "chartpdf.py", "chartplan.py")


def matplotlib_version() -> str:
    """The installed matplotlib's version, without importing it (``installed_version``)."""
    return installed_version("matplotlib")


def charts_digest(charts: list[ChartData], style: ChartStyle) -> str:
    """What the drawn charts depend on: their data, the style and the drawing code."""
    # the drawing modules' own source, so a change to the drawing never reuses old charts
    here = Path(__file__).parent
    code = hashlib.sha256(b"".join((here / name).read_bytes() for name in DRAWING_MODULES))
    text = repr(
        (CHART_FORMAT, code.hexdigest(), matplotlib_version(), style, [c.key for c in charts])
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ChartText(msgspec.Struct, frozen=True):
    """One line of chart text, where matplotlib laid it out (points from the chart's
    lower-left corner, at its baseline start); the document draws it in its own font."""

    x: float
    y: float
    text: str
    size: float
    angle: float
    bold: bool
    rgb: tuple[float, float, float]


class DrawnCharts(msgspec.Struct, frozen=True):
    """The charts' geometry (one PDF page per chart) and each chart's text."""

    pdf: bytes
    texts: tuple[tuple[ChartText, ...], ...]


def prepare() -> None:
    """Import what drawing needs; a chart worker does this while the text is loaded."""
    import matplotlib.figure  # noqa: F401
    import matplotlib.ticker  # noqa: F401

    import reportgen.render.chartpdf  # noqa: F401


def matplotlib_temporary_folder(config_folder: str | None) -> Path | None:
    """The folder matplotlib made for its config and font cache when it was imported, where
    the user's could not be written (``MPLCONFIGDIR`` was ``config_folder`` before): it
    then names it in ``MPLCONFIGDIR``. None where it made none."""
    import os
    import tempfile

    made = os.environ.get("MPLCONFIGDIR")
    if not made or made == config_folder:
        return None
    folder = Path(made)
    # as tempfile.mkdtemp(prefix="matplotlib-") names it: never a folder the user chose
    in_tmp = folder.parent == Path(tempfile.gettempdir())
    return folder if in_tmp and re.fullmatch(r"matplotlib-\w+", folder.name) else None


def chart_rc(style: ChartStyle) -> dict[RcKeyType, Any]:
    """The matplotlib settings every chart is drawn under."""
    # titles and labels are the analysts' plain text: "$" is a dollar, never mathtext
    return {
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


def draw_charts(
    charts: list[ChartData], style: ChartStyle, plans: list[ChartPlan] | None = None
) -> DrawnCharts:
    """Draw every chart's geometry as one page of a single PDF, in order, and its text,
    each as its ``ChartPlan`` sets its words out (planned here where none are given:
    that needs reportlab, which a chart worker is not to import).

    Each figure is drawn through ``Figure.draw`` at 72 dpi (PDF user space) with a
    ``ChartRenderer`` (``render.chartpdf``), which writes the geometry as matplotlib's
    PDF backend would and records the text for the document to set in its own font.
    """
    import matplotlib
    import matplotlib.style
    from matplotlib.figure import Figure

    from reportgen.render.chartpdf import ChartPage, ChartRenderer, pages_pdf

    if plans is None:
        from reportgen.render.styles import chart_measure

        plans = plan_charts(charts, style, chart_measure(style))
    texts: list[tuple[ChartText, ...]] = []
    pages: list[ChartPage] = []
    width, height = style.width / POINTS_PER_INCH, style.height / POINTS_PER_INCH
    # from matplotlib's own defaults, not the matplotlibrc of the current folder, of
    # $MATPLOTLIBRC or of the user's config folder: the same inputs draw the same charts
    with matplotlib.style.context("default"), matplotlib.rc_context(chart_rc(style)):
        for data, plan in zip(charts, plans, strict=True):
            figure = Figure(figsize=(width, height))
            _draw(figure, data, style, plan)
            figure.dpi = POINTS_PER_INCH  # PDF user space: 72 points to an inch
            runs: list[ChartText] = []
            page = ChartPage(style.width, style.height)
            figure.draw(ChartRenderer(page, _text_recorder(style, runs)))
            pages.append(page)
            texts.append(tuple(runs))
    return DrawnCharts(pages_pdf(pages), tuple(texts))


def _text_recorder(style: ChartStyle, runs: list[ChartText]) -> Any:
    """Where matplotlib laid out a line of chart text, kept for the document to set."""

    def record(x: float, y: float, text: str, prop: Any, angle: float, gc: Any) -> None:
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
                text,
                prop.get_size_in_points(),
                round(angle, 3),
                bold,
                (red, green, blue),
            )
        )

    return record
