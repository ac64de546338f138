"""The drawn charts' digest changes with every module that decides how a chart looks,
so a cached chart is never reused after the drawing code changed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reportgen.render import charts
from reportgen.render.charts import DRAWING_MODULES, ChartStyle, charts_digest

RENDER = Path(charts.__file__).parent
STYLE = ChartStyle(453.5, 204.1, "regular.ttf", "bold.ttf", 7.5, 9, "#1A1A1A", "#BBBBBB",
                   ("#00205B",), ("o",), ("-",), ("",))  # fmt: skip


def test_every_module_that_draws_with_matplotlib_is_in_the_digest() -> None:
    drawing = {
        path.name
        for path in RENDER.glob("*.py")
        if re.search(r"^\s*(from|import) matplotlib", path.read_text(), re.MULTILINE)
    }
    assert drawing and drawing <= set(DRAWING_MODULES)


@pytest.mark.parametrize("module", DRAWING_MODULES)
def test_a_change_to_a_drawing_module_changes_the_digest(
    module: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = charts_digest([], STYLE)
    read = Path.read_bytes

    def changed(path: Path) -> bytes:
        return read(path) + (b"\n# changed\n" if path.name == module else b"")

    monkeypatch.setattr(Path, "read_bytes", changed)
    assert charts_digest([], STYLE) != before
