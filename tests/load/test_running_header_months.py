"""``check`` measures every edition's running header, its month filled in. A header that
fits "March 2014" but not "September 2013" passed ``check`` (which lays out only the
edition ``build`` makes), and a year's range build then failed on September."""

from __future__ import annotations

from pathlib import Path

from reportlab.pdfbase.pdfmetrics import stringWidth

from reportgen.load.folder import LAYOUT, load_report, load_report_theme
from reportgen.render.styles import build_styles, font_name
from tests.conftest import copy_sample


def header_between(root: Path, fits: str, too_long: str) -> str:
    """A running header template that fits the page filled in with ``fits`` and not
    with ``too_long``."""
    theme = load_report_theme(load_report(root))
    build_styles(theme)
    style = theme.style("running_header")
    width, _ = theme.page_size
    _, right, _, left = theme.margins

    def wide(text: str) -> float:
        return stringWidth(text, font_name(style), style.size)

    prefix = "Monthly Performance Report"
    while wide(f"{prefix} {too_long}") <= width - left - right:
        prefix += " x"
    assert wide(f"{prefix} {fits}") <= width - left - right  # the test's own premise
    return f"{prefix} {{edition}}"


def test_a_header_too_wide_for_a_longer_month_is_found_by_check(tmp_path: Path, run_cli) -> None:
    root = copy_sample(tmp_path / "report")
    template = header_between(root, "March 2014", "September 2013")
    layout = root / LAYOUT
    text = layout.read_text(encoding="utf-8")
    old = 'running_header: "Monthly Performance Report: {edition}"'
    assert old in text
    layout.write_text(text.replace(old, f'running_header: "{template}"'), encoding="utf-8")
    line = next(n for n, t in enumerate(text.splitlines(), 1) if "running_header:" in t)
    checked = run_cli("check", root=root)
    assert checked.code == 1, checked.err
    [error] = [e for e in checked.err.splitlines() if e.startswith("reportgen: error:")]
    assert error.startswith(f"reportgen: error: {LAYOUT}:{line}: the running header is too wide")
    assert "filled in for September 2013" in error
    assert run_cli("check", "--edition", "2014-02", root=root).code == 1  # any edition
