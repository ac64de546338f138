"""No chart's words run into each other or off the chart, whatever the layout asks of it:
a 60-month trend chart printed its month labels as one run of letters, long legend
names ran off both sides, many series' legend rows fell below the chart, into the text
beneath it (a sweep found them; the sample's charts are unchanged, byte for byte).

Where no arrangement fits (a word wider than the chart, a legend taller than it), the
problem names the chart's line of the layout, and ``check`` finds it as ``build`` does.
"""

from __future__ import annotations

import itertools

import msgspec
import pytest

from reportgen.compute.chartdata import ChartData, Series
from reportgen.errors import Problems, ReportgenError
from reportgen.load.chartkind import ChartKind
from reportgen.months import Month
from reportgen.render.chartplan import plan_chart
from reportgen.render.charts import ChartStyle, ChartText, draw_charts
from reportgen.render.styles import chart_measure

Box = tuple[float, float, float, float]


def boxes(texts: tuple[ChartText, ...], style: ChartStyle) -> list[tuple[str, Box]]:
    """Each line of text's extent as the document sets it (x0, y0, x1, y1)."""
    measure = chart_measure(style)
    found = []
    for text in texts:
        width = measure(text.text, text.size, text.bold)
        # from the baseline: descenders below, capitals and ascenders above
        low, high = -0.22 * text.size, 0.74 * text.size
        if text.angle == 90:  # read upwards: the baseline is its right side... its left
            found.append((text.text, (text.x - high, text.y, text.x - low, text.y + width)))
        else:
            found.append((text.text, (text.x, text.y + low, text.x + width, text.y + high)))
    return found


def crowding(
    texts: tuple[ChartText, ...], style: ChartStyle, slack: float = 6.0, rise: float = 1.0
) -> list[str]:
    """Texts that overlap another, reach past the chart's sides by more than ``slack``
    points (it sits inside the text width with room to spare), or above or below it by
    more than ``rise`` (into the heading above it, the text below it)."""
    found = boxes(texts, style)
    problems = [
        f"{a!r} overlaps {b!r}"
        for (a, (ax0, ay0, ax1, ay1)), (b, (bx0, by0, bx1, by1)) in itertools.combinations(found, 2)
        if ax0 < bx1 and bx0 < ax1 and ay0 < by1 and by0 < ay1
    ]
    problems += [
        f"{text!r} leaves the chart"
        for text, (x0, y0, x1, y1) in found
        if x0 < -slack or y0 < -rise or x1 > style.width + slack or y1 > style.height + rise
    ]
    return problems


def drawn(chart: ChartData, style: ChartStyle) -> tuple[ChartText, ...]:
    [texts] = draw_charts([chart], style).texts
    return texts


def months(count: int) -> tuple[str, ...]:
    return tuple(
        f"{Month(2009, 4).shift(i).name[:3]}\n{Month(2009, 4).shift(i).year % 100:02d}"
        for i in range(count)
    )


@pytest.mark.slow
def test_the_sample_s_charts_are_not_crowded(sample_charts) -> None:
    charts, style = sample_charts
    texts = draw_charts(charts, style).texts
    assert all(texts)
    for chart, words in zip(charts, texts, strict=True):
        assert crowding(words, style) == [], chart.title


def with_series(chart: ChartData, names: list[str], points: int | None = None) -> ChartData:
    count = points or len(chart.x_labels)
    return msgspec.structs.replace(
        chart,
        x_labels=months(count) if points else chart.x_labels,
        series=tuple(
            Series(name, tuple(float(10 + i + (j * 7) % 5) for j in range(count)))
            for i, name in enumerate(names)
        ),
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    "case",
    [
        "sixty months",
        "long legend names",
        "eight series",
        "long title",
        "long categories",
        "values in the millions",
        "twelve categories",
        "large title type",
        "large type",
        "larger type, many series",
        "one long category name",
        "ten-point bars",
    ],
)
def test_a_demanding_chart_is_set_out_without_crowding(sample_charts, case: str) -> None:
    charts, style = sample_charts
    trend = next(c for c in charts if c.kind is ChartKind.TREND)
    bars = next(c for c in charts if c.kind is ChartKind.COMPARISON)
    many = msgspec.structs.replace(  # a theme that tells eight series apart
        style,
        colours=(
            "#00205B",
            "#8A8D8F",
            "#4F7CAC",
            "#C5CAD3",
            "#1A1A1A",
            "#7A1F3D",
            "#B36B00",
            "#2E6B30",
        ),
        markers=("o", "s", "^", "D", "v", "P", "X", "*"),
        line_styles=("-", "--", "-.", ":", "-", "--", "-.", ":"),
    )
    styles = {
        "eight series": many,
        "large title type": msgspec.structs.replace(style, title_size=32.0),
        "large type": msgspec.structs.replace(style, font_size=12.0),
        "ten-point bars": msgspec.structs.replace(style, font_size=10.0),
        "larger type, many series": msgspec.structs.replace(style, font_size=16.0, height=400.0),
    }
    style = styles.get(case, style)
    chart = {
        "sixty months": lambda: with_series(trend, ["Solved rate"], points=60),
        "long legend names": lambda: with_series(
            trend, ["Youth " + "reoffending " * 14, "Adult " + "reoffending " * 14]
        ),
        "eight series": lambda: with_series(trend, [f"Measure number {i}" for i in range(8)]),
        "long title": lambda: msgspec.structs.replace(
            trend, title="Domestic abuse incidents and offences by month " * 3
        ),
        "values in the millions": lambda: msgspec.structs.replace(
            with_series(trend, ["Cost"]),
            series=(Series("Cost", tuple(2.5e7 + 1e6 * i for i in range(len(trend.x_labels)))),),
            percent=False,
        ),
        # values too wide for their bars: set upright, with room above the tallest
        "twelve categories": lambda: msgspec.structs.replace(
            bars,
            x_labels=tuple(f"Area {i}" for i in range(12)),
            series=tuple(
                Series(s.name, tuple(2500.0 + 10 * i + j for i in range(12)))
                for j, s in enumerate(bars.series)
            ),
        ),
        # the title printed over the heading above the chart; the legend's row fell under
        # the chart's edge, its keys cut off, its words into the text below
        "large title type": lambda: trend,
        "large type": lambda: trend,
        # its last name's one word came within half a gap of its neighbour's, and was
        # refused; it stands there, apart
        "ten-point bars": lambda: next(c for c in charts if c.title.startswith("Offence")),
        "larger type, many series": lambda: with_series(
            trend, ["Youth reoffending " * 3, "Adult", "All offenders"]
        ),
        # a lone name, or a long one beside a short one, ran off the chart's sides
        "one long category name": lambda: msgspec.structs.replace(
            bars,
            x_labels=("Offences recorded in the county " * 6,),
            series=tuple(Series(s.name, (7.0,)) for s in bars.series),
        ),
        "long categories": lambda: msgspec.structs.replace(
            bars,
            x_labels=tuple(f"Theft from a motor vehicle, kind {i}" for i in range(8)),
            series=tuple(
                Series(s.name, tuple(float(5 + i) for i in range(8))) for s in bars.series
            ),
        ),
    }[case]()
    assert crowding(drawn(chart, style), style) == []


def test_the_plans_of_the_sample_are_as_first_drawn(sample_charts) -> None:
    """The sample's charts keep their first arrangement (their bytes are the same)."""
    charts, style = sample_charts
    measure = chart_measure(style)
    for chart in charts:
        plan = plan_chart(chart, style, measure)
        assert (plan.top, plan.legend_top, plan.legend_x) == (20.0, 14.0, 0.5), chart.title
        assert plan.bottom == (58.0 if chart.kind is ChartKind.COMPARISON else 46.0)
        assert plan.legend_columns == min(len(chart.series), 5)
        assert plan.legend_labels == tuple(s.name for s in chart.series)
        assert plan.title == chart.title
        assert (plan.left, plan.upright_values) == (46.0, False)
        assert plan.value_margin == 0.12 or chart.kind is not ChartKind.COMPARISON
    solved = next(c for c in charts if len(c.x_labels) == 24)
    shown = [label for label in plan_chart(solved, style, measure).x_labels if label]
    # every other month, back from the latest: March 2014 is named (it was not, from
    # April 2012 on)
    assert shown == list(solved.x_labels[1::2])
    assert shown[-1] == "Mar\n14"


@pytest.mark.parametrize(
    ("case", "words", "where"),
    [
        ("a word wider than the bars", "wider than the room under its bars", 0),
        ("a legend name wider than the chart", "in its legend has a word, ", 0),
        ("a legend taller than the chart", "height for the chart itself", "title"),
        ("a y label longer than the chart", "longer than the chart is high", "y_label"),
        ("a title word wider than the chart", "its title has a word, 'xxxx", "title"),
        ("bar values taller than the chart", "would take most of its height", "title"),
        ("series the theme cannot tell apart", "the theme's chart colours, markers", "title"),
        # it ran off the chart's side, beside a short name it did not touch
        ("a long word at the chart's side", "wider than the room under its", 0),
        ("bars too close for their values", "too close to print their values", "title"),
    ],
)
def test_a_chart_no_arrangement_fits_names_its_layout_line(
    sample_charts, case: str, words: str, where: str | int
) -> None:
    """Named where the text is written: a label's own line (the layout's 'labels'),
    the y label's, or the title's, which stands for the chart."""
    charts, style = sample_charts
    trend = next(c for c in charts if c.kind is ChartKind.TREND)
    bars = next(c for c in charts if c.kind is ChartKind.COMPARISON)
    chart = {
        "a word wider than the bars": lambda: msgspec.structs.replace(
            bars,
            x_labels=tuple(f"Category{i}withaverylongname" for i in range(12)),
            series=tuple(Series(s.name, (1.0,) * 12) for s in bars.series),
        ),
        "a legend name wider than the chart": lambda: with_series(
            trend, ["Youth", "x" * 150], points=len(trend.x_labels)
        ),
        "a legend taller than the chart": lambda: with_series(
            trend, [f"Series {i} " + "word " * 60 for i in range(5)]
        ),
        "a y label longer than the chart": lambda: msgspec.structs.replace(
            trend, y_label="Rate " * 40
        ),
        "a title word wider than the chart": lambda: msgspec.structs.replace(
            trend, title="x" * 200
        ),
        "a long word at the chart's side": lambda: msgspec.structs.replace(
            bars,
            x_labels=("Offencesrecordedinthecounty" * 3 + "andsoon", "B"),
            series=tuple(Series(s.name, (7.0, 8.0)) for s in bars.series),
        ),
        "series the theme cannot tell apart": lambda: with_series(
            trend, [f"Measure {i}" for i in range(6)]
        ),
        "bars too close for their values": lambda: msgspec.structs.replace(
            bars,
            x_labels=tuple("ABCDEFGHIJKL"),
            series=tuple(
                Series(f"Year {j}", tuple(99000.0 + i for i in range(12))) for j in range(5)
            ),
        ),
        "bar values taller than the chart": lambda: msgspec.structs.replace(
            bars, series=tuple(Series(s.name, (1e14,) * len(bars.x_labels)) for s in bars.series)
        ),
    }[case]()
    with pytest.raises(ReportgenError) as raised:
        plan_chart(chart, style, chart_measure(style))
    found = [p for p in problems_of(raised.value) if words in str(p)]
    assert found, str(raised.value)
    if isinstance(where, int):
        expected = chart.label_places[where]
    else:
        expected = (chart.file, chart.y_label_line if where == "y_label" else chart.line)
    assert expected in [(p.file, p.line) for p in found]
    assert expected[0] == "layouts/report.yaml" and expected[1] > 0


def problems_of(error: ReportgenError) -> tuple[ReportgenError, ...]:
    return error.problems if isinstance(error, Problems) else (error,)


def test_every_problem_of_one_chart_is_told_at_once(sample_charts) -> None:
    """A chart's plan went on past its first problem: a legend name too wide hid the
    title's word, the series the theme cannot tell apart and a second name, each told
    only once the one before was fixed."""
    charts, style = sample_charts
    trend = next(c for c in charts if c.kind is ChartKind.TREND)
    names = ["x" * 150, "Youth", "y" * 150, *(f"Measure {i}" for i in range(3))]
    chart = msgspec.structs.replace(
        with_series(trend, names, points=len(trend.x_labels)), title="z" * 200
    )
    with pytest.raises(Problems) as raised:
        plan_chart(chart, style, chart_measure(style))
    told = [str(p) for p in raised.value.problems]
    assert len(told) == 4, told
    assert sum("'xxxx" in t and "in its legend" in t for t in told) == 1
    assert sum("'yyyy" in t and "in its legend" in t for t in told) == 1
    assert sum("its title has a word, 'zzzz" in t for t in told) == 1
    assert sum("tell only" in t for t in told) == 1
    assert {p.file for p in raised.value.problems} == {"layouts/report.yaml"}


def test_every_category_name_too_wide_is_told_at_its_line(sample_charts) -> None:
    charts, style = sample_charts
    bars = next(c for c in charts if c.kind is ChartKind.COMPARISON)
    names = ("Burglary", "Offencesrecordedinthecounty" * 3, "Theft", "Robberyandsoonandsoforth" * 3)
    chart = msgspec.structs.replace(
        bars,
        x_labels=names,
        series=tuple(Series(s.name, (7.0, 8.0, 9.0, 6.0)) for s in bars.series),
        label_places=tuple(("layouts/report.yaml", 300 + i) for i in range(4)),
    )
    with pytest.raises(Problems) as raised:
        plan_chart(chart, style, chart_measure(style))
    assert [p.line for p in raised.value.problems] == [301, 303]
    assert all("wider than the room under its bars" in str(p) for p in raised.value.problems)


@pytest.mark.parametrize("legend", ["wide", "fits"])
def test_a_chart_too_short_for_its_title_is_told_beside_a_name_to_shorten(
    sample_charts, legend: str
) -> None:
    """The height's problem is told with a legend name's where it holds however that
    name is shortened (the name counted at one line), as it is where the name fits."""
    charts, style = sample_charts
    trend = next(c for c in charts if c.kind is ChartKind.TREND)
    names = ["x" * 150 if legend == "wide" else "Youth", "Adults"]
    chart = msgspec.structs.replace(
        with_series(trend, names, points=len(trend.x_labels)), title="Recorded offences " * 120
    )
    with pytest.raises(ReportgenError) as raised:
        plan_chart(chart, style, chart_measure(style))
    told = [str(p) for p in problems_of(raised.value)]
    assert sum("height for the chart itself" in t for t in told) == 1, told
    assert len(told) == (2 if legend == "wide" else 1), told
    assert ("at most" in " ".join(told)) == (legend == "wide")


def test_a_height_that_depends_on_a_name_to_shorten_is_not_told(sample_charts) -> None:
    """Where the legend's wide name, counted at one line, leaves the chart room, only
    the name is told: the legend's height is known once it is shortened."""
    charts, style = sample_charts
    trend = next(c for c in charts if c.kind is ChartKind.TREND)
    names = ["x" * 150, *(f"Series {i} " + "word " * 60 for i in range(4))]
    chart = with_series(trend, names, points=len(trend.x_labels))
    with pytest.raises(ReportgenError) as raised:
        plan_chart(chart, style, chart_measure(style))
    told = [str(p) for p in problems_of(raised.value)]
    assert len(told) == 1 and "in its legend has a word" in told[0], told
