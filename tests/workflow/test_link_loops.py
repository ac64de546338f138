"""A symbolic link that leads round in a loop, met by the commands that build: ``check``
and ``build`` say so in one line naming it, and ``preview`` reports it and goes on
watching (tests/load/test_link_loops.py has the inputs and arguments one by one)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import MakeReport
from .test_preview import Watching

pytestmark = pytest.mark.slow

NARRATIVE = "content/2014-03/08-organisational-health.md"
HINT = "(make it a real file or folder, or point it at one; ls -l shows where it points)"
SAYS = f"reportgen: error: {NARRATIVE}: it is a symbolic link that leads round in a loop {HINT}"


def loop_in_place_of(path: Path) -> str:
    """``path`` replaced by a link to itself; returns what it held."""
    text = path.read_text(encoding="utf-8")
    path.unlink()
    path.symlink_to(path.name)
    return text


@pytest.mark.parametrize("command", ["check", "build"])
def test_a_narrative_file_that_loops_is_one_error(
    command: str, make_report: MakeReport, tmp_path: Path, run_cli
) -> None:
    root = make_report(tmp_path / "report")
    loop_in_place_of(root / NARRATIVE)
    result = run_cli(command, root=root)
    assert result.code == 1
    assert result.err.splitlines() == [SAYS]


def test_an_out_folder_that_loops_is_one_error(
    make_report: MakeReport, tmp_path: Path, run_cli
) -> None:
    root = make_report(tmp_path / "report")
    (root / "out").symlink_to("out")
    result = run_cli("build", root=root)
    assert result.code == 1
    assert result.err.splitlines() == [
        f"reportgen: error: {root / 'out'}: out is a symbolic link that leads round in a "
        f"loop {HINT}"
    ]


def test_preview_reports_a_loop_and_goes_on_watching(
    make_report: MakeReport, tmp_path: Path
) -> None:
    root = make_report(tmp_path / "report")
    watching = Watching(root)
    try:
        watching.next_line("DRAFT.pdf (")
        text = loop_in_place_of(root / NARRATIVE)
        assert watching.next_line("reportgen: error:", timeout=30) == SAYS
        watching.next_line("not rebuilt", timeout=10)
        assert watching.process.poll() is None  # still watching
        (root / NARRATIVE).unlink()
        (root / NARRATIVE).write_text(text, encoding="utf-8")
        watching.next_line("DRAFT.pdf (", timeout=30)
    finally:
        code = watching.stop()
    assert code == 0
