"""A line broken where its measure's definition changed is drawn so: the points either
side, and no line between them (``Series.breaks``, tests/compute/test_definition_change.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from reportgen.compute.chartdata import ChartData, Series
from reportgen.load.chartkind import ChartKind


@pytest.mark.slow
def test_the_drawn_line_is_lifted_at_a_break(tmp_path: Path, sample_charts) -> None:
    """matplotlib draws the points either side of a break, and no line between them."""
    import numpy as np

    from reportgen.render.charts import draw_charts
    from tests.render.pixels import rasterise

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
