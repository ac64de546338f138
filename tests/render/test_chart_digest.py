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


def test_the_matplotlib_version_is_the_installed_one() -> None:
    from importlib.metadata import version

    assert charts.matplotlib_version() == version("matplotlib")


def test_a_new_matplotlib_changes_the_digest(monkeypatch: pytest.MonkeyPatch) -> None:
    before = charts_digest([], STYLE)
    monkeypatch.setattr(charts, "matplotlib_version", lambda: "99.0.0")
    assert charts_digest([], STYLE) != before


@pytest.mark.parametrize("dist_infos", [[], ["3.10.0", "3.11.2"]])
def test_without_one_dist_info_folder_the_version_comes_from_the_metadata(
    dist_infos: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # matplotlib installed some other way (no dist-info beside it), or two left behind
    import importlib.metadata
    import importlib.util
    from types import SimpleNamespace

    (tmp_path / "matplotlib").mkdir()
    for version in dist_infos:
        (tmp_path / f"matplotlib-{version}.dist-info").mkdir()
    spec = SimpleNamespace(origin=str(tmp_path / "matplotlib" / "__init__.py"))
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: spec)
    monkeypatch.setattr(importlib.metadata, "version", lambda name: f"{name} from metadata")
    assert charts.matplotlib_version() == "matplotlib from metadata"


def test_one_dist_info_folder_names_the_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util
    from types import SimpleNamespace

    (tmp_path / "matplotlib").mkdir()
    (tmp_path / "matplotlib-3.10.7.dist-info").mkdir()
    (tmp_path / "matplotlib_inline-0.1.dist-info").mkdir()  # another package's
    spec = SimpleNamespace(origin=str(tmp_path / "matplotlib" / "__init__.py"))
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: spec)
    assert charts.matplotlib_version() == "3.10.7"
    # upgraded while a preview runs: the next digest names the new version
    (tmp_path / "matplotlib-3.10.7.dist-info").rename(tmp_path / "matplotlib-3.10.8.dist-info")
    assert charts.matplotlib_version() == "3.10.8"
