"""The chart renderer paints what matplotlib's own PDF backend paints, to the pixel.

reportgen draws chart geometry with its own ``ChartRenderer`` (``render.chartpdf``) so a
chart worker need not import matplotlib's PDF backend. These tests draw figures that use
everything the charts use — lines with gaps, dashes, markers, alpha, hatched and edged
bars, a clipped line, spines and grid — once through ``savefig`` (the PDF backend) and
once through ``ChartRenderer``, rasterise both with poppler's ``pdftoppm`` and compare.
Text is left out of the figures: the renderer records it for the document instead.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pikepdf
import pytest
from matplotlib.figure import Figure

from reportgen.render.chartpdf import ChartPage, ChartRenderer, pages_pdf
from tests.render.pixels import rasterise

WIDTH, HEIGHT = 6.3, 2.8  # inches, about a chart slot


def _lines(axes: Any) -> None:
    x = np.arange(12)
    axes.plot(x, [3, 4, np.nan, 5, 6, 5, 4, np.nan, np.nan, 2, 3, 4], marker="o", markersize=3)
    axes.plot(x, x * 0.5 + 1, linestyle="--", marker="s", linewidth=1.3, markersize=3)
    axes.plot(x, 8 - x * 0.3, linestyle=":", marker="^", color="#0b6e4f")
    axes.plot(x, x * 2 - 3, linestyle="-.", color="#c0392b")  # leaves the axes: clipped
    axes.set_ylim(0, 9)
    axes.grid(axis="y", color="#bbbbbb", linewidth=0.4, alpha=0.7)
    axes.set_axisbelow(True)


def _bars(axes: Any, hatches: tuple[str, ...] = ("", "", "", "")) -> None:
    x = np.arange(5)
    for index, hatch in enumerate(hatches):
        axes.bar(
            x + index * 0.2,
            [3 + index, 5, 2 + index, 4, 6 - index],
            width=0.19,
            hatch=hatch,
            edgecolor="#222222",
            linewidth=0.4,
            alpha=0.9 if index == 3 else 1.0,
        )
    axes.fill_between(x, 1, 2, color="#1f77b4", alpha=0.3)
    axes.spines["top"].set_visible(False)


def _hatched_bars(axes: Any) -> None:
    _bars(axes, ("", "//", "xx", ".."))


def _figure(draw: Callable[[Any], None]) -> Figure:
    figure = Figure(figsize=(WIDTH, HEIGHT))
    axes = figure.add_subplot()
    draw(axes)
    axes.tick_params(labelbottom=False, labelleft=False)  # ticks and grid, no text
    return figure


def _backend_pdf(draw: Callable[[Any], None]) -> bytes:
    buffer = io.BytesIO()
    _figure(draw).savefig(buffer, format="pdf", dpi=72)
    return buffer.getvalue()


def _renderer_pdf(draw: Callable[[Any], None]) -> tuple[bytes, list[str]]:
    figure = _figure(draw)
    figure.dpi = 72
    page = ChartPage(WIDTH * 72, HEIGHT * 72)
    texts: list[str] = []
    figure.draw(ChartRenderer(page, lambda x, y, s, *_: texts.append(s)))
    return pages_pdf([page]), texts


def _pixels(pdf: bytes, folder: Path, name: str) -> np.ndarray:
    return rasterise(pdf, folder, name, dpi=150)


@pytest.mark.slow
@pytest.mark.parametrize("draw", [_lines, _bars], ids=["lines", "bars"])
def test_the_renderer_paints_what_the_pdf_backend_paints(
    draw: Callable[[Any], None], tmp_path: Path
) -> None:
    ours, texts = _renderer_pdf(draw)
    theirs = _pixels(_backend_pdf(draw), tmp_path, "backend")
    mine = _pixels(ours, tmp_path, "renderer")
    assert texts == []  # nothing but geometry in these figures
    assert mine.shape == theirs.shape
    assert (mine < 250).any()  # something was drawn
    differ = np.abs(mine.astype(int) - theirs.astype(int)).max(axis=2) > 0
    assert differ.sum() == 0, f"{differ.sum()} pixels differ from matplotlib's PDF backend"


@pytest.mark.slow
def test_hatching_is_drawn_as_the_pattern_would_paint_it(tmp_path: Path) -> None:
    # the pattern is drawn tile by tile as paths (PDF/A validators refuse a tiling
    # pattern): its strokes may fall a pixel from where the pattern's own cells put them
    # (and matplotlib 3.10's pattern strokes a little wider), but nothing else may differ
    theirs = _pixels(_backend_pdf(_hatched_bars), tmp_path, "backend").astype(int)
    mine = _pixels(_renderer_pdf(_hatched_bars)[0], tmp_path, "renderer").astype(int)
    plain = _pixels(_renderer_pdf(_bars)[0], tmp_path, "plain").astype(int)

    def changed(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.abs(a - b).max(axis=2) > 0

    their_strokes, my_strokes = changed(theirs, plain), changed(mine, plain)
    elsewhere = changed(mine, theirs) & ~(their_strokes | my_strokes)
    assert elsewhere.sum() == 0  # fills, edges, alpha: as the backend paints them
    assert 0.8 < my_strokes.sum() / their_strokes.sum() < 1.25  # as much hatching


def test_alpha_becomes_an_extgstate_of_the_page_and_dashes_a_dash_pattern() -> None:
    ours, _ = _renderer_pdf(_lines)
    with pikepdf.open(io.BytesIO(ours)) as pdf:
        (page,) = pdf.pages
        states = page.Resources.ExtGState
        alphas = {(float(s.CA), float(s.ca)): name for name, s in states.items()}
        content = page.Contents.read_bytes().decode("ascii")
    name = alphas[(0.7, 1.0)]  # the grid's stroke (the PDF backend's pair too)
    assert f"{name} gs" in content
    assert "re W n" in content  # the axes clip the lines
    assert re.search(r"\[\d[\d. ]*\] [\d.]+ d ", content)  # a dash array, not solid "[]"


def test_text_is_recorded_not_drawn() -> None:
    def titled(axes: Any) -> None:
        axes.plot([0, 1], [0, 1])
        axes.set_title("Domestic abuse")

    figure = Figure(figsize=(WIDTH, HEIGHT))
    titled(figure.add_subplot())
    figure.dpi = 72
    page = ChartPage(WIDTH * 72, HEIGHT * 72)
    texts: list[str] = []
    figure.draw(ChartRenderer(page, lambda x, y, s, *_: texts.append(s)))
    assert "Domestic abuse" in texts
    assert " Tj" not in page.content().decode("ascii")  # no text operator, no font


@pytest.mark.slow
def test_drawing_charts_does_not_import_matplotlibs_pdf_backend() -> None:
    # the point of the renderer: a chart worker imports less (fontTools' subsetter etc.)
    code = (
        "import sys\n"
        "from reportgen.render.charts import prepare\n"
        "prepare()\n"
        "from tests.render.test_chartpdf import _lines, _renderer_pdf\n"
        "_renderer_pdf(_lines)\n"
        "modules = sys.modules\n"
        "print('matplotlib.backends.backend_pdf' in modules, 'fontTools.subset' in modules)\n"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["False", "False"]


def test_a_series_with_no_figures_yet_paints_no_operator_without_a_path() -> None:
    def empty(axes: Any) -> None:
        axes.plot(np.arange(4), [np.nan] * 4, marker="o")  # a measure not yet monitored
        axes.plot(np.arange(4), [1, 2, 3, 4])

    ours, _ = _renderer_pdf(empty)
    with pikepdf.open(io.BytesIO(ours)) as pdf:
        lines = pdf.pages[0].Contents.read_bytes().decode("ascii").split("\n")
    painted = [i for i, line in enumerate(lines) if line in ("S", "f", "B", "n")]
    assert painted
    for index in painted:  # each paint operator ends a path: m, l, c, h or re
        assert lines[index - 1].split()[-1] in ("m", "l", "c", "h", "re"), lines[index - 1]


# --- the sample edition's own charts --------------------------------------------------


def _sample_figure(data: Any, style: Any, *, hatched: bool = True) -> Figure:
    from matplotlib.patches import Patch
    from matplotlib.text import Text

    from reportgen.render.chartplan import plan_chart
    from reportgen.render.charts import _draw
    from reportgen.render.styles import chart_measure

    figure = Figure(figsize=(style.width / 72, style.height / 72))
    _draw(figure, data, style, plan_chart(data, style, chart_measure(style)))
    for text in figure.findobj(Text):  # the renderer records text; the backend draws it
        text.set_visible(False)
    if not hatched:
        for patch in figure.findobj(Patch):
            patch.set_hatch(None)
    return figure


def _near(mask: np.ndarray) -> np.ndarray:
    """``mask`` and every pixel beside one of its pixels (a one-pixel dilation)."""
    grown = mask.copy()
    for dy, dx in ((-1, 0), (1, 0), (0, -1), (0, 1), (-1, -1), (-1, 1), (1, -1), (1, 1)):
        grown |= np.roll(np.roll(mask, dy, axis=0), dx, axis=1)
    return grown


@pytest.mark.slow
def test_the_sample_charts_paint_as_the_pdf_backend_paints_them(
    sample_charts: tuple[list[Any], Any], tmp_path: Path
) -> None:
    import matplotlib

    from reportgen.render.charts import chart_rc

    charts, style = sample_charts
    assert len(charts) == 9
    with matplotlib.rc_context(chart_rc(style)):
        for index, data in enumerate(charts):
            backend = io.BytesIO()
            _sample_figure(data, style).savefig(backend, format="pdf", dpi=72)
            theirs = rasterise(backend.getvalue(), tmp_path, f"backend{index}", 150)
            drawn = {}
            for name, hatched in (("mine", True), ("plain", False)):
                figure = _sample_figure(data, style, hatched=hatched)
                figure.dpi = 72
                page = ChartPage(style.width, style.height)
                figure.draw(ChartRenderer(page, lambda *_: None))
                drawn[name] = rasterise(pages_pdf([page]), tmp_path, f"{name}{index}", 150)
            mine, plain = drawn["mine"].astype(int), drawn["plain"].astype(int)

            def changed(a: np.ndarray, b: np.ndarray) -> np.ndarray:
                return np.abs(a - b).max(axis=2) > 0

            their_strokes = changed(theirs.astype(int), plain)
            my_strokes = changed(mine, plain)
            differ = changed(mine, theirs.astype(int))
            if not my_strokes.any():  # no hatching: every pixel as the backend's
                assert differ.sum() == 0, f"chart {index}: {differ.sum()} pixels differ"
                continue
            # hatching, drawn as paths: nothing else differs, and every stroke pixel of
            # either lies beside one of the other's (same place, same angle, same pitch)
            assert (differ & ~(their_strokes | my_strokes)).sum() == 0, f"chart {index}"
            assert (my_strokes & ~_near(their_strokes)).mean() < 0.001, f"chart {index}"
            assert (their_strokes & ~_near(my_strokes)).mean() < 0.001, f"chart {index}"
