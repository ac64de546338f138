"""Where a chart's words go, so that none of them runs into another or off the chart.

In: a ``ChartData``, the ``ChartStyle`` and a ``Measure`` (the width of a text as the
document sets it: reportlab's, in the theme's font). Out: a ``ChartPlan``: the x labels
as printed (wrapped, or thinned out to every second, third … month), the title and the
legend's labels wrapped, the legend's columns and place, and the margins around the
axes that hold them. Where no plan fits (a word wider than the chart, a legend taller
than the chart) every such problem of the chart is raised at once, each naming the
layout's line where its text is written.

Why here and not in matplotlib: the chart text is set by the document (``ChartText``),
so the document's own measure is the truth about where it ends; and ``check`` makes the
same plan in its dry run with the same measure, so a chart ``check`` passes is one
``build`` draws. The plan is made before the chart worker draws, and sent to it.

No reportlab and no matplotlib here: both processes import this module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import msgspec

from reportgen.compute.chartdata import ChartData
from reportgen.errors import BuildError, ProblemCollector, shown, shown_words
from reportgen.load.chartkind import ChartKind

if TYPE_CHECKING:
    from reportgen.render.charts import ChartStyle

# (text, size in points, bold) -> its width in points, as the document sets it
Measure = Callable[[str, float, bool], float]

# the margins around the axes (points) that the sample's charts are drawn with; a plan
# only ever widens them, where its words need the room
LEFT, RIGHT, TOP = 46.0, 8.0, 20.0
BOTTOM_LINES, BOTTOM_BARS = 46.0, 58.0
LEGEND_TOP = 14.0  # the legend's upper edge above the chart's lower edge (one row)
TITLE_PAD = 6.0  # between the axes and the title, as render.charts asks matplotlib
TICK_ROOM = 6.0  # a tick (2.5) and its label's pad (3.5) beside the axes
Y_LABEL_PAD = 4.0  # matplotlib's, between the value labels and the y label
LINE_SPACING = 1.2  # matplotlib's, between the lines of one text
X_MARGIN = 0.05  # matplotlib's default data margin on each side of the x axis
# legend geometry in font sizes, as render.charts asks matplotlib for it
HANDLE, HANDLE_PAD, COLUMN_SPACING, BORDER_PAD, LABEL_SPACING = 2.6, 0.8, 1.2, 0.4, 0.5
AXES_PAD = 0.5  # between the legend's anchor and its frame (matplotlib's borderaxespad)
# from one line of a legend's name to the next: matplotlib's spacing (1.2) of a line as
# tall as its font's ascent and descent (DejaVu's 1.164 em), rounded up
LEGEND_LINE = 1.4
EDGE_TOLERANCE = 0.5  # how far a letter's foot may reach below the chart's lower edge
MAX_LEGEND_COLUMNS = 5
# a legend may reach this far past the chart's side: the chart sits inside the text
# width with room to spare, and the sample's five-series legend already does
SIDE_TOLERANCE = 6.0
MIN_AXES_HEIGHT = 30.0  # below this the plot itself is a sliver
CM = 72 / 2.54
# thin month labels to every nth where they would touch: months, quarters, half years, years
STRIDES = (1, 2, 3, 4, 6, 12)
VALUE_MARGIN = 0.12  # above a bar chart's tallest bar, as first drawn
VALUE_REACH = 0.15  # how far past the values a value axis's ticks may run: its margin, rounded
VALUE_PAD, VALUE_GAP = 1.5, 1.0  # between a bar and its value; between neighbouring values
VALUE_BOX_PAD = 0.4  # a value's white ground past its letters, within half of VALUE_GAP
MAX_VALUE_SHARE = 0.45
CATEGORY_WRAP = 16  # characters per line of a bar chart's category name, as first set
MAX_WRAPPED_LINES = 3  # of a category name wrapped by characters: more, and by its room


class ChartPlan(msgspec.Struct, frozen=True):
    """A chart's words and the room they take (points; x of the legend in axes fractions)."""

    title: str
    left: float
    x_labels: tuple[str, ...]
    legend_labels: tuple[str, ...]
    legend_columns: int
    legend_x: float  # the legend's centre, as a fraction of the axes' width
    legend_top: float
    top: float
    bottom: float
    upright_values: bool  # each bar's value read upwards: too wide for its bar
    value_margin: float  # above the values, a fraction of their range (matplotlib's margin)


def plan_charts(charts: list[ChartData], style: ChartStyle, measure: Measure) -> list[ChartPlan]:
    """Every chart's plan; every chart that has none is a problem, all raised at once."""
    problems = ProblemCollector()
    plans: list[ChartPlan] = []
    for chart in charts:
        with problems.attempt():
            plans.append(plan_chart(chart, style, measure))
    problems.raise_if_any()
    return plans


def plan_chart(
    chart: ChartData, style: ChartStyle, measure: Measure, *, reach: float = VALUE_REACH
) -> ChartPlan:
    """One chart's plan (``plan_charts``). ``reach``: how far above the values (a
    fraction of their range) the value axis may run; where bar values stood upright and
    made it run further, the chart is planned again for that.

    Every problem of the chart is raised at once, each where its text is written. A
    text with a word too wide for its room is counted at the least room it could take
    once that word is shortened (a line), so a problem of the chart's height that
    depends on it is told only where it remains whatever the fix."""
    problems = ProblemCollector()
    width, height, size = style.width, style.height, style.font_size
    bars = chart.kind is ChartKind.COMPARISON
    label_size = size - 1 if bars else size
    # the value axis's widest label and the y label beside it (millions would push them
    # off the chart's left edge)
    beside = Y_LABEL_PAD + size * LINE_SPACING if chart.y_label else 0.0
    left = max(LEFT, _widest_value(chart, size, measure, reach) + TICK_ROOM + beside)
    axes_width = width - left - RIGHT

    title_lines = _wrap_to(chart.title, width - left, style.title_size, True, measure)
    if title_lines is None:
        word = _widest_word(chart.title, style.title_size, True, measure)
        problems.add(
            _crowded(
                chart,
                f"its title has a word, {shown(word)}, wider than the chart",
                "shorten the title, or make the theme's chart title_size smaller",
            )
        )
        title_lines = chart.title.split("\n")  # the fewest lines it could take
    # as first drawn, with room for more lines; and for a title size the first line
    # alone does not fit in (it printed over the heading above the chart)
    title_height = len(title_lines) * style.title_size * LINE_SPACING
    top = max(TOP + title_height - style.title_size * LINE_SPACING, TITLE_PAD + title_height)

    with problems.attempt():
        _distinct_series(chart, style)
    count = len(chart.x_labels)
    if bars:  # bars span half a bar either side of the first and last position
        span = (count - 0.2) * (1 + 2 * X_MARGIN)
    else:
        span = max(count - 1, 1) * (1 + 2 * X_MARGIN)
    spacing = axes_width / span  # between neighbouring positions
    gap = 0.5 * label_size
    if bars:
        x_labels = _categories(chart, left, width, spacing, gap, label_size, measure, problems)
    else:
        widest = max(
            (_width(label, label_size, False, measure) for label in chart.x_labels), default=0.0
        )
        first = 1 if count <= 12 else 2  # two years of months: every other, as first drawn
        strides = [s for s in (*STRIDES, *range(24, count + 12, 12)) if s >= first]
        stride = next((s for s in strides if s * spacing >= widest + gap), strides[-1])
        # counted back from the last month, the edition's news, which is always named
        x_labels = tuple(
            label if (count - 1 - i) % stride == 0 else "" for i, label in enumerate(chart.x_labels)
        )
    label_lines = max((label.count("\n") + 1 for label in x_labels if label), default=0)

    labels, columns, centre_x, legend_height = _legend(chart, style, left, measure, problems)
    one_row = (2 * BORDER_PAD + 1) * size
    # rows beyond the first lift it, as first drawn; and in a large type one row does
    # not fit under the chart's edge (its keys were cut off, its words ran into the text
    # below): only its invisible frame may hang over the edge
    legend_top = max(
        LEGEND_TOP + max(0.0, legend_height - one_row),
        # matplotlib sets the legend's frame half a size below its anchor; its last row's
        # letters end where the frame's padding begins, which must not be under the edge
        legend_height + (AXES_PAD - BORDER_PAD) * size - EDGE_TOLERANCE,
    )
    below = legend_top + 3 + TICK_ROOM + label_lines * label_size * LINE_SPACING
    bottom = max(BOTTOM_BARS if bars else BOTTOM_LINES, below)
    # a text still to be shortened was counted at its least: the chart's height is known
    # only to be at most this
    settled = not problems
    axes_height = height - top - bottom
    if axes_height < MIN_AXES_HEIGHT:
        problems.add(
            _crowded(
                chart,
                f"its title, labels and legend leave {'' if settled else 'at most '}"
                f"{max(axes_height, 0.0) / CM:.1f}cm of its {height / CM:.1f}cm height for "
                "the chart itself",
                "shorten the title, the labels or the legend's names, draw fewer series, or "
                "make the theme's chart height larger or its title_size and font_size smaller",
            )
        )
    # the y label is centred on the axes, beside the title and the legend
    elif (
        settled
        and chart.y_label
        and _width(chart.y_label, size, False, measure) > axes_height + 2 * min(top, bottom)
    ):
        problems.add(
            _crowded(
                chart,
                f"its y_label {shown(chart.y_label)} is longer than the chart is high",
                "shorten the y_label or make the theme's chart height larger",
                line=chart.y_label_line,
            )
        )
    legend_x = 0.5 if centre_x is None else (centre_x - left) / axes_width
    upright, value_margin = False, VALUE_MARGIN
    if bars:
        upright, value_margin = _bar_values(
            chart, spacing, max(axes_height, MIN_AXES_HEIGHT), label_size, measure, problems
        )
        if not problems and value_margin > reach == VALUE_REACH:
            # a tick with one more digit: plan again
            return plan_chart(chart, style, measure, reach=value_margin + VALUE_REACH)
    problems.raise_if_any()
    return ChartPlan(
        title="\n".join(title_lines),
        left=left,
        x_labels=x_labels,
        legend_labels=labels,
        legend_columns=columns,
        legend_x=legend_x,
        legend_top=legend_top,
        top=top,
        bottom=bottom,
        upright_values=upright,
        value_margin=value_margin,
    )


def _bar_values(
    chart: ChartData,
    spacing: float,
    axes_height: float,
    size: float,
    measure: Measure,
    problems: ProblemCollector,
) -> tuple[bool, float]:
    """Whether each bar's value is set upright (where it is wider than its bar, beside
    the next one's), and the room above the tallest bar (a fraction of the values'
    range, as matplotlib's margin) that holds it. ``axes_height``: the most the axes can
    have, where a text still to be shortened was counted at its least."""
    values = chart.drawn_values
    widest = max((measure(chart.number(v), size, False) for v in values), default=0.0)
    bar = 0.8 / max(1, len(chart.series)) * spacing  # from one bar's centre to the next's
    upright = widest + VALUE_GAP > bar
    if upright and size * LINE_SPACING + VALUE_GAP > bar:
        problems.add(
            _crowded(
                chart,
                f"its bars are {bar / CM:.2f}cm apart, too close to print their values even "
                "upright",
                "draw fewer categories, or make the theme's chart wider or its font_size smaller",
            )
        )
    tall = (widest if upright else size * LINE_SPACING) + VALUE_PAD + VALUE_GAP
    share = tall / axes_height  # of the axes' height, above the tallest bar
    if share >= MAX_VALUE_SHARE:
        problems.add(
            _crowded(
                chart,
                "the values printed on its bars would take most of its height",
                "draw fewer categories or series, or make the theme's chart wider or taller",
            )
        )
        return upright, VALUE_MARGIN
    # bars stand on zero, so the margin is added above only
    return upright, max(VALUE_MARGIN, share / (1 - share))


def _legend(
    chart: ChartData, style: ChartStyle, left: float, measure: Measure, problems: ProblemCollector
) -> tuple[tuple[str, ...], int, float | None, float]:
    """The legend's labels, columns, centre (None: the axes' centre, as first drawn) and
    height. A name with a word wider than the chart is a problem, and the legend is then
    counted at its least: one row."""
    size, width = style.font_size, style.width
    names = tuple(series.name for series in chart.series)
    axes_centre, chart_centre = left + (width - left - RIGHT) / 2, width / 2
    frame = 2 * BORDER_PAD * size
    for columns in range(min(len(names), MAX_LEGEND_COLUMNS), 0, -1):
        legend_width = _legend_width(names, columns, size, measure)
        for centre in (axes_centre, chart_centre):
            if _within(centre, legend_width + frame, width):
                return (
                    names,
                    columns,
                    (None if centre == axes_centre else centre),
                    (_legend_height(names, columns, size)),
                )
    # one column, each name wrapped to what the chart's width leaves it
    room = width + 2 * SIDE_TOLERANCE - frame - (HANDLE + HANDLE_PAD) * size
    wrapped = []
    unbroken = False
    for index, name in enumerate(names):
        lines = _wrap_to(name, room, size, False, measure)
        if lines is None:
            problems.add(
                _crowded_label(
                    index,
                    chart,
                    f"the name {shown(name)} in its legend has a word, "
                    f"{shown(_widest_word(name, size, False, measure))}, wider than the chart",
                    "shorten the name, or make the theme's chart font_size smaller",
                    series=True,
                )
            )
            unbroken = True
        wrapped.append("\n".join(lines or [name]))
    labels = tuple(wrapped)
    least = _legend_height(tuple(name.split("\n")[0] for name in names), len(names), size)
    return labels, 1, chart_centre, least if unbroken else _legend_height(labels, 1, size)


def _within(centre: float, legend_width: float, width: float) -> bool:
    return (
        centre - legend_width / 2 >= -SIDE_TOLERANCE
        and centre + legend_width / 2 <= width + SIDE_TOLERANCE
    )


def _columns(names: tuple[str, ...], columns: int) -> list[tuple[str, ...]]:
    """The names column by column, as matplotlib fills a legend: the first columns take
    one more where they do not divide evenly."""
    rows, extra = divmod(len(names), columns)
    split, start = [], 0
    for column in range(columns):
        end = start + rows + (1 if column < extra else 0)
        split.append(names[start:end])
        start = end
    return [column for column in split if column]


def _widest_value(chart: ChartData, size: float, measure: Measure, reach: float) -> float:
    """At least as wide as the value axis's widest label: its ticks fall within the
    values and matplotlib's margins (bars stand on zero; a flat series is shown from zero
    to a quarter above), and the digits of the theme's font are all one width, so no
    tick has more of them than these ends."""
    values = chart.drawn_values or [0.0]
    if chart.kind is ChartKind.COMPARISON:
        values.append(0.0)
    low, high = min(values), max(values)
    if low == high:
        ends, decimals = [0.0, high * 1.25, 1.0], 1
    else:
        margin = (high - low) * reach
        ends = [high + margin, *([low - margin] if low - margin < 0 else [])]
        # as render.charts settles them: one decimal under 5 points, two where one does
        # not tell a narrow range's ticks apart
        decimals = 2 if high - low < 0.5 else 1 if high - low < 5 else 0

    def label(value: float) -> str:  # as render.charts's tick formatter writes it
        return f"{value:.{decimals}f}%" if chart.percent else f"{value:,.0f}"

    return max(measure(label(value), size, False) for value in ends)


def _legend_width(names: tuple[str, ...], columns: int, size: float, measure: Measure) -> float:
    """The legend's width without its frame: each column as wide as its widest entry."""
    entry = (HANDLE + HANDLE_PAD) * size
    widths = [
        max(entry + _width(name, size, False, measure) for name in column)
        for column in _columns(names, columns)
    ]
    return sum(widths) + (len(widths) - 1) * COLUMN_SPACING * size


def _legend_height(names: tuple[str, ...], columns: int, size: float) -> float:
    """The legend's height with its frame: the tallest column of entries."""

    def entry(name: str) -> float:  # a line and the line spacing of each one after it
        return size * (1 + name.count("\n") * LEGEND_LINE)

    tallest = max(
        sum(entry(name) for name in column) + (len(column) - 1) * LABEL_SPACING * size
        for column in _columns(names, columns)
    )
    return tallest + 2 * BORDER_PAD * size


def _categories(
    chart: ChartData,
    left: float,
    width: float,
    spacing: float,
    gap: float,
    size: float,
    measure: Measure,
    problems: ProblemCollector,
) -> tuple[str, ...]:
    """A bar chart's category names, each wrapped at a few words as first drawn; a name
    that would then touch a neighbour's, reach past the chart's side, or take more than
    a few lines, is wrapped to the room it has. A name with a word wider than its room
    is a problem, and counted at its least: a line."""
    labels = [_wrap_by_characters(label) for label in chart.x_labels]
    widths = [_width(label, size, False, measure) for label in labels]
    count = len(labels)
    # each category's centre from the chart's left edge: matplotlib's margin of 5% of
    # the bars' span (half a bar beyond the first and last position) on either side
    first = left + (0.4 + X_MARGIN * (count - 0.2)) * spacing
    centres = [first + i * spacing for i in range(count)]

    def to_side(i: int) -> float:  # it is centred under its bars
        return 2 * (min(centres[i], width - centres[i]) + SIDE_TOLERANCE)

    def room(i: int) -> float:
        """The widest a crowded name may be: the room between bars, and twice the way
        to the nearer side of the chart."""
        return min(spacing - gap if count > 1 else width, to_side(i))

    def touches(i: int, j: int) -> bool:
        return 0 <= j < count and (widths[i] + widths[j]) / 2 + gap > spacing

    crowded = [
        i
        for i in range(count)
        if touches(i, i - 1)
        or touches(i, i + 1)
        or widths[i] > to_side(i)
        or labels[i].count("\n") >= MAX_WRAPPED_LINES  # a long name with room to spread
    ]

    def set_out(i: int, room: float) -> bool:
        """Wrap name ``i`` to ``room``; False where a word of it is wider."""
        lines = _wrap_to(chart.x_labels[i], room, size, False, measure)
        if lines is not None:
            labels[i] = "\n".join(lines)
            widths[i] = _width(labels[i], size, False, measure)
        return lines is not None

    # each wrapped to the room between bars, which no two of them can overrun; a word
    # wider than that may still stand beside what its neighbours became, half the gap
    # from each (the sample's 'consideration' in ten-point type)
    unbroken = [i for i in crowded if not set_out(i, room(i))]
    for i in unbroken:
        beside = [2 * (spacing - gap / 2) - widths[j] for j in (i - 1, i + 1) if 0 <= j < count]
        wider = min([*beside, to_side(i)])
        if not set_out(i, wider):
            problems.add(
                _crowded_label(
                    i,
                    chart,
                    f"the category name {shown(chart.x_labels[i])} has a word, "
                    f"{shown(_widest_word(chart.x_labels[i], size, False, measure))}, wider "
                    f"than the room under its bars ({max(wider, room(i), 0.0) / CM:.1f}cm)",
                    "shorten the label, draw fewer categories, or make the theme's chart wider",
                )
            )
            labels[i] = chart.x_labels[i].split("\n")[0]
    return tuple(labels)


def _distinct_series(chart: ChartData, style: ChartStyle) -> None:
    """Every series is drawn unlike every other: series ``i`` takes the theme's ``i``th
    colour, marker and line style (a bar's colour and hatch), each list repeating, so
    two series look alike where all of these are alike (a colour the theme lists twice
    tells nothing apart)."""
    looks: tuple[tuple[str, ...], ...]
    if chart.kind is ChartKind.COMPARISON:
        looks = (style.colours, style.hatches)
        told = "colours and hatches"
    else:
        looks = (style.colours, style.markers, style.line_styles)
        told = "colours, markers and line styles"
    first_drawn: dict[tuple[str, ...], int] = {}
    for index in range(len(chart.series)):
        # a colour is one however its hex digits are written; a marker's case matters
        look = tuple(
            items[index % len(items)].lower()
            if items is style.colours
            else items[index % len(items)]
            for items in looks
        )
        earlier = first_drawn.setdefault(look, index)
        if earlier != index:
            apart = len(first_drawn)
            raise _crowded(
                chart,
                f"it draws {len(chart.series)} series, and the theme's chart {told} tell "
                f"only {apart} apart: series {index + 1} would look like series {earlier + 1}",
                f"draw at most {apart} series, or give the theme's chart more {told}",
            )


def _wrap_by_characters(label: str, width: int = CATEGORY_WRAP) -> str:
    words, lines, line = label.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "\n".join(lines)


def _wrap_to(text: str, room: float, size: float, bold: bool, measure: Measure) -> list[str] | None:
    """``text`` in lines no wider than ``room``, breaking between words (as it is where it
    fits); None where a word alone is wider."""
    if _width(text, size, bold, measure) <= room:
        return text.split("\n")
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            if measure(word, size, bold) > room:
                return None
            joined = f"{line} {word}" if line else word
            if line and measure(joined, size, bold) > room:
                lines.append(line)
                line = word
            else:
                line = joined
        lines.append(line)
    return lines


def _widest_word(text: str, size: float, bold: bool, measure: Measure) -> str:
    return max(text.split() or [text], key=lambda word: measure(word, size, bold))


def _width(text: str, size: float, bold: bool, measure: Measure) -> float:
    """The widest line of a text of several lines."""
    return max(measure(line, size, bold) for line in text.split("\n"))


def _crowded(chart: ChartData, what: str, hint: str, *, line: int = 0) -> BuildError:
    """The problem, at the chart's line of the layout (``line`` where the text is on
    another of the chart's lines)."""
    return BuildError(
        f"the chart {shown_words(chart.title)} does not fit in its space: {what}",
        file=chart.file or None,
        line=line or chart.line or None,
        hint=hint,
    )


def _crowded_label(
    index: int, chart: ChartData, what: str, hint: str, *, series: bool = False
) -> BuildError:
    """A problem of the chart's ``index``th category name (or ``series`` name), where
    that label was written: the layout's ``labels``, or the catalogue's measure. The
    layout names a trend chart's series and a bar chart's categories; other names are
    years, which the chart's own line stands for."""
    error = _crowded(chart, what, hint)
    written = (chart.kind is ChartKind.TREND) if series else (chart.kind is ChartKind.COMPARISON)
    if written and index < len(chart.label_places):
        error.file, error.line = chart.label_places[index]
    return error
