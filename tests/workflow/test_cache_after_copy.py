"""``pack`` and ``archive`` build from a copy of the folder's inputs; the charts they draw
are noted under the folder's own keys, so the next ``build`` finds them before deciding
on a chart worker. It started one it did not need (about 0.05 s), since the copy's keys
were not the folder's to index."""

from __future__ import annotations

from pathlib import Path

import pytest

from reportgen.cachefolder import CACHE
from reportgen.months import Month
from reportgen.render.chartcache import ChartCache, chart_inputs_key
from tests.workflow.conftest import MakeReport

pytestmark = pytest.mark.slow  # draws the sample's charts


@pytest.mark.parametrize("command", [["pack"], ["archive"]])
def test_the_next_build_finds_the_charts_a_copy_drew(
    command: list[str], make_report: MakeReport, run_cli, tmp_path: Path
) -> None:
    root = make_report(tmp_path / "report")
    for entry in (root / CACHE).iterdir():  # nothing drawn, nothing indexed
        entry.unlink()
    # what the command line looks up before it decides on a worker, for either way of
    # asking for the edition
    keys = [chart_inputs_key(root, None), chart_inputs_key(root, Month(2014, 3))]
    assert not any(ChartCache(root, quiet=True).knows(key) for key in keys)
    done = run_cli(*command, root=root)
    assert done.code == 0, done.err
    assert all(ChartCache(root, quiet=True).knows(key) for key in keys)
