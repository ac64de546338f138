"""A table cell that fits on one line is drawn as reportlab's Paragraph would draw it.

``table_cell`` gives a ``CellLine`` (no markup parsed, no lines broken) where the text
surely fits, and a Paragraph otherwise. The two are drawn side by side into PDFs that
poppler rasterises: not a pixel may differ.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from reportlab.lib.colors import HexColor
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from reportgen.compute.tables import Row
from reportgen.load.theme import load_theme
from reportgen.render.narrative import plain
from reportgen.render.styles import build_styles
from reportgen.render.tables import CellLine, movement_text, table_cell
from tests.conftest import REPO_ROOT
from tests.render.pixels import rasterise

TEXTS = ["1,234", "-5.2%", "n/a", "Domestic abuse incidents", "2\u00a0+", "Rape & <others>"]
WIDTH = 150.0


@pytest.fixture(scope="module")
def style() -> ParagraphStyle:
    styles = build_styles(load_theme(REPO_ROOT / "layouts" / "theme.yaml"))
    return styles["table_cell"]


def _page(cells: list[tuple[object, ParagraphStyle]]) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(200, 30 * len(cells) + 10), invariant=1)
    for index, (cell, _style) in enumerate(cells):
        _width, height = cell.wrap(WIDTH, 100)  # type: ignore[attr-defined]
        cell.drawOn(canvas, 20, 10 + 30 * index)  # type: ignore[attr-defined]
    canvas.save()
    return buffer.getvalue()


def _pixels(pdf: bytes, folder: Path, name: str) -> np.ndarray:
    return rasterise(pdf, folder, name, dpi=300)


@pytest.mark.slow
@pytest.mark.parametrize(
    "alignment", [TA_LEFT, TA_CENTER, TA_RIGHT], ids=["left", "centre", "right"]
)
def test_a_cell_line_draws_what_a_one_line_paragraph_draws(
    style: ParagraphStyle, alignment: int, tmp_path: Path
) -> None:
    aligned = style.clone(
        "aligned", alignment=alignment, leftIndent=3, rightIndent=2, textColor=HexColor("#00205B")
    )
    lines = [table_cell(text, aligned, WIDTH) for text in TEXTS]
    assert all(isinstance(line, CellLine) for line in lines)
    paragraphs = [Paragraph(plain(text), aligned) for text in TEXTS]
    mine = _pixels(_page([(c, aligned) for c in lines]), tmp_path, "lines")
    theirs = _pixels(_page([(p, aligned) for p in paragraphs]), tmp_path, "paragraphs")
    assert (mine < 200).any()
    differ = np.abs(mine.astype(int) - theirs.astype(int)).max(axis=2) > 0
    assert differ.sum() == 0, f"{differ.sum()} pixels differ from reportlab's Paragraph"


def test_a_cell_line_is_as_tall_as_a_one_line_paragraph(style: ParagraphStyle) -> None:
    line = table_cell("Domestic abuse incidents", style, WIDTH)
    paragraph = Paragraph(plain("Domestic abuse incidents"), style)
    assert line.wrap(WIDTH, 100) == paragraph.wrap(WIDTH, 100)


@pytest.mark.parametrize(
    "text",
    [
        "Domestic abuse incidents reported to the police, repeat victims and offences",
        "two  spaces",
        " leading space",
        "tab\there",
        "line\nbreak",
        "",
    ],
)
def test_a_cell_that_may_not_fit_or_has_odd_spacing_is_a_paragraph(
    style: ParagraphStyle, text: str
) -> None:
    # Paragraph judges wrapping and collapses whitespace; a CellLine would not
    assert isinstance(table_cell(text, style, 80.0), Paragraph)


@pytest.mark.parametrize(
    "setting",
    [
        {"backColor": HexColor("#FFFF00")},
        {"borderWidth": 0.5},
        {"textTransform": "uppercase"},
        {"wordWrap": "RTL"},
        {"endDots": "."},
        {"autoLeading": "max"},
        {"alignment": 4},  # justified
    ],
    ids=lambda setting: next(iter(setting)),
)
def test_a_style_only_a_paragraph_draws_gives_a_paragraph(
    style: ParagraphStyle, setting: dict[str, object]
) -> None:
    assert isinstance(table_cell("1,234", style, WIDTH), CellLine)
    assert isinstance(table_cell("1,234", style.clone("special", **setting), WIDTH), Paragraph)


def test_a_movement_keeps_its_amount_and_unit_word_on_one_line(style: ParagraphStyle) -> None:
    # as narrow as the sample's movement column: "Worsened" fits, the rest wraps
    text = movement_text(Row(2, "measure", "Average wait", movement="Worsened (4 sec.)"))
    assert text == "Worsened (4\u00a0sec.)"
    width = stringWidth("Worsened (4", style.fontName, style.fontSize) + 1
    lines = Paragraph(plain(text), style).breakLines([width]).lines
    assert [" ".join(words) for _, words in lines] == ["Worsened", "(4\u00a0sec.)"]
    assert movement_text(Row(2, "measure", "x", movement="Improved (-0.5 days)")) == (
        "Improved (-0.5\u00a0days)"
    )
    # a rate's is printed as computed: it already breaks before its bracket
    assert movement_text(Row(2, "measure", "x", movement="Improved (0.3% pt.)")) == (
        "Improved (0.3% pt.)"
    )
