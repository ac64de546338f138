"""What a chart draws, read as pixels: a line broken where its measure's definition
changed (``Series.breaks``, tests/compute/test_definition_change.py) is lifted between
the points either side; a bar's value lies on white, clear of the grid behind it."""

from __future__ import annotations

from pathlib import Path

import pytest

from reportgen.compute.chartdata import ChartData, Series
from reportgen.load.chartkind import ChartKind
from tests.render.pixels import rasterise


@pytest.mark.slow
def test_the_drawn_line_is_lifted_at_a_break(tmp_path: Path, sample_charts) -> None:
    """matplotlib draws the points either side of a break, and no line between them."""
    import numpy as np

    from reportgen.render.charts import draw_charts

    _, style = sample_charts
    values = (10.0, 11.0, 12.0, 30.0, 31.0, 32.0)

    def drawn(breaks: tuple[int, ...], name: str) -> np.ndarray:
        chart = ChartData(
            ChartKind.TREND,
            "A series",
            tuple(f"M{i}" for i in range(6)),
            (Series("Incidents", values, breaks),),
            "",
            False,
            name,
        )
        return rasterise(draw_charts([chart], style).pdf, tmp_path, name, 100)

    joined, broken = drawn((), "joined"), drawn((3,), "broken")
    ink = (joined.sum(axis=2) < 600).sum(), (broken.sum(axis=2) < 600).sum()
    differ = np.argwhere((joined != broken).any(axis=2))
    assert ink[1] < ink[0]
    # the pixels that differ lie between the third and the fourth point only
    columns = differ[:, 1]
    width = joined.shape[1]
    assert columns.min() > width * 0.4 and columns.max() < width * 0.75


@pytest.mark.slow
def test_no_grid_line_strikes_through_a_bar_s_value(tmp_path: Path, sample_charts) -> None:
    """A bar's value lies on white: the sample's sickness chart printed its "9.4" and
    "9.7" struck through by the ten-day grid line, and "9,212" by the 10,000 one."""
    from reportgen.render.charts import draw_charts
    from tests.render.test_chart_words import boxes

    charts, style = sample_charts
    bars = [c for c in charts if c.kind is ChartKind.COMPARISON]
    dpi = 200
    struck = []
    for chart in bars:
        drawn = draw_charts([chart], style)
        pixels = rasterise(drawn.pdf, tmp_path, "bars", dpi)
        values = {chart.number(v) for v in chart.drawn_values}
        for text, (x0, y0, x1, y1) in boxes(drawn.texts[0], style):
            if text not in values:
                continue
            # the text's box in pixels, from the page's top-left, a pixel inside its edge
            left, right = round(x0 * dpi / 72) + 1, round(x1 * dpi / 72) - 1
            top = round((style.height - y1) * dpi / 72) + 1
            bottom = round((style.height - y0) * dpi / 72) - 1
            ground = pixels[top:bottom, left:right]
            if (ground < 245).any():
                struck.append(f"{chart.title}: {text}")
    # the sample's value labels that the grid runs behind
    assert not struck, struck
