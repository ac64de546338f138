"""A theme whose font changes within one process (a preview that rebuilds on every save)
is set and measured in its new font. reportlab keeps the first font registered under a
name for good: the text stayed in the old font, and the chart plan measured the old one
too, so a preview's charts (kept in the cache) were set out for the wrong widths."""

from __future__ import annotations

from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from reportgen.load.folder import THEME, load_report, load_report_theme
from reportgen.render.charts import ChartStyle
from reportgen.render.styles import build_styles, chart_measure, face
from tests.conftest import copy_sample

SAMPLE = "iiiiWWWW 0123"


def width_in(path: Path, size: float = 10.0) -> float:
    probe = TTFont(f"probe-{path.stem}", str(path))  # not registered: measured as it is
    return float(probe.stringWidth(SAMPLE, size))


def test_a_new_font_is_set_and_measured_in_the_same_process(tmp_path: Path) -> None:
    root = copy_sample(tmp_path / "report")
    sans = load_report_theme(load_report(root))
    build_styles(sans)
    theme = root / THEME
    text = theme.read_text(encoding="utf-8")
    theme.write_text(text.replace("family: DejaVu Sans", "family: DejaVu Sans Mono"), "utf-8")
    mono = load_report_theme(load_report(root))
    assert mono.fonts.regular != sans.fonts.regular
    styles = build_styles(mono)
    wanted = width_in(mono.fonts.regular)
    assert wanted != width_in(sans.fonts.regular)
    assert pdfmetrics.stringWidth(SAMPLE, styles["body"].fontName, 10) == wanted
    assert pdfmetrics.stringWidth(SAMPLE, face(), 10) == wanted
    assert chart_measure(ChartStyle.from_theme(mono))(SAMPLE, 10, False) == wanted
    # and back again: the first font is the one in use once more
    build_styles(sans)
    assert pdfmetrics.stringWidth(SAMPLE, face(), 10) == width_in(sans.fonts.regular)
