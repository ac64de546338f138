"""matplotlib's settings and config folder on the analyst's machine change nothing.

The charts are drawn from matplotlib's own defaults and the theme, whatever settings the
process has: a ``matplotlibrc`` in the current folder (often the report folder), in
``$MATPLOTLIBRC`` or in the user's config folder once changed line widths, colours and
fonts of the published charts, so the same inputs gave other bytes on another desk. And
where the config folder cannot be written, the folder matplotlib makes in /tmp instead is
removed by the chart worker too: each cold build once left one behind."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import matplotlib
import pytest

from reportgen.compute.edition import compute_edition
from reportgen.load.folder import load_content, load_report, load_report_theme
from reportgen.months import Month
from reportgen.render.charts import ChartStyle, draw_charts
from tests.conftest import REPO_ROOT, copy_sample

MARCH = Month(2014, 3)
HOSTILE_RC = {
    "lines.linewidth": 12,
    "axes.facecolor": "red",
    "axes.edgecolor": "green",
    "font.family": "monospace",
    "font.size": 30,
    "axes.prop_cycle": matplotlib.cycler(color=["#FF00FF"]),
    "xtick.major.size": 20,
    "axes.grid": True,
    "path.simplify_threshold": 1.0,
}


def test_charts_drawn_under_other_settings_are_the_same() -> None:
    folder = load_report(REPO_ROOT)
    edition = compute_edition(folder, MARCH, load_content(folder, MARCH))
    charts = list(edition.charts())[:3]
    style = ChartStyle.from_theme(load_report_theme(folder))
    plain = draw_charts(charts, style)
    with matplotlib.rc_context(HOSTILE_RC):
        changed = draw_charts(charts, style)
        assert matplotlib.rcParams["lines.linewidth"] == 12  # the caller's own, kept
    assert changed.texts == plain.texts
    assert changed.pdf == plain.pdf


def cold_build(root: Path, serial: bool, *args: str, **env: str) -> None:
    """``reportgen build --no-cache`` in ``root``, charts drawn by the chart worker or
    (``serial``) in the process itself."""
    environment = {k: v for k, v in os.environ.items() if k != "REPORTGEN_SERIAL"} | env
    if serial:
        environment["REPORTGEN_SERIAL"] = "1"
    done = subprocess.run(
        [sys.executable, "-m", "reportgen", "build", "--no-cache", *args],
        cwd=root,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.slow
@pytest.mark.parametrize("serial", [False, True], ids=["chart-worker", "one-process"])
def test_a_matplotlibrc_in_the_report_folder_changes_no_byte(
    serial: bool, sample_build, tmp_path: Path
) -> None:
    root = copy_sample(tmp_path / "report")
    (root / "matplotlibrc").write_text(
        "lines.linewidth: 12\naxes.facecolor: red\nfont.family: monospace\ntext.usetex: True\n",
        encoding="utf-8",
    )
    out = tmp_path / "edition.pdf"
    cold_build(root, serial, "--out", str(out))
    assert out.read_bytes() == sample_build.pdf.read_bytes()


@pytest.mark.slow
@pytest.mark.parametrize("serial", [False, True], ids=["chart-worker", "one-process"])
def test_a_config_folder_that_cannot_be_written_leaves_nothing_in_tmp(
    serial: bool, tmp_path: Path
) -> None:
    root = copy_sample(tmp_path / "report")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    # a folder under a file cannot be made, even by root
    unwritable = str(root / "data" / "catalogue.yaml" / "mpl")
    cold_build(root, serial, MPLCONFIGDIR=unwritable, TMPDIR=str(scratch))
    assert sorted(path.name for path in scratch.iterdir()) == []
