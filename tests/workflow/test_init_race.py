"""Two ``reportgen init`` into one folder at once: one wins whole; the other says the
folder was filled by something else, naming it (never its scratch folder), keeps
nothing of its own and takes nothing of the winner's."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from reportgen import atomic, starter
from reportgen.atomic import FilledMeanwhile

FILLED = (
    "was filled by something else while this command ran (another reportgen init or new at "
    "the same time?); nothing of this one was kept (look at what it holds now; if it is "
    "not what you wanted, remove it and run the command again)"
)


def _scratch(folder: Path) -> list[Path]:
    return list(folder.rglob(".reportgen-scratch-*"))


def _the_other_run(target: Path) -> None:
    """What another init puts in ``target`` (made now if it is not there)."""
    target.mkdir(exist_ok=True)
    (target / "layouts").mkdir()
    (target / "layouts" / "report.yaml").write_text("theirs", encoding="utf-8")
    (target / "distribution.yaml").write_text("theirs", encoding="utf-8")


def _ours(staging: Path) -> None:
    (staging / "layouts").mkdir()
    (staging / "layouts" / "report.yaml").write_text("ours", encoding="utf-8")
    (staging / "distribution.yaml").write_text("ours", encoding="utf-8")


@pytest.mark.parametrize("empty_folder", [False, True], ids=["new", "empty"])
def test_a_folder_filled_meanwhile_is_told_by_its_name_and_left_as_the_other_made_it(
    tmp_path: Path, empty_folder: bool
) -> None:
    target = tmp_path / "board"
    if empty_folder:
        target.mkdir()
    with pytest.raises(FilledMeanwhile) as raised, atomic.staged_folder(target) as staging:
        _ours(staging)
        _the_other_run(target)
    assert str(raised.value) == f"{target}: {FILLED}"
    assert (target / "layouts" / "report.yaml").read_text(encoding="utf-8") == "theirs"
    # a file is never moved over the other's (a rename would have replaced it, and the
    # loser's cleanup then removed it)
    assert (target / "distribution.yaml").read_text(encoding="utf-8") == "theirs"
    assert sorted(p.name for p in target.iterdir()) == ["distribution.yaml", "layouts"]
    assert _scratch(tmp_path) == []


@pytest.mark.parametrize("empty_folder", [False, True], ids=["new", "empty"])
def test_the_init_that_loses_says_so_in_one_line(
    run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, empty_folder: bool
) -> None:
    target = tmp_path / "board"
    if empty_folder:
        target.mkdir()

    @contextlib.contextmanager
    def raced(folder: Path) -> Iterator[Path]:
        with atomic.staged_folder(folder) as staging:
            yield staging
            _the_other_run(target)  # it finished first

    monkeypatch.setattr(starter, "staged_folder", raced)
    result = run_cli("init", str(target))
    assert result.code == 1
    assert result.err.splitlines() == [f"reportgen: error: {target}: {FILLED}"]
    assert sorted(p.name for p in target.iterdir()) == ["distribution.yaml", "layouts"]
    assert _scratch(tmp_path) == []


@pytest.mark.slow  # runs processes
@pytest.mark.parametrize("empty_folder", [False, True], ids=["new", "empty"])
def test_two_inits_at_once_give_one_whole_folder(tmp_path: Path, empty_folder: bool) -> None:
    target = tmp_path / "board"
    if empty_folder:
        target.mkdir()
    command = [sys.executable, "-m", "reportgen", "init", str(target)]
    runs = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    done = sorted((run.wait(timeout=120), *run.communicate()) for run in runs)
    assert [code for code, _out, _err in done] == [0, 1], done
    [loser] = done[1][2].splitlines()
    # which one it met depends on when: the other's folder, or its scratch folder in it
    assert loser.startswith(f"reportgen: error: {target}: "), loser
    assert ".reportgen-scratch" not in loser
    assert _scratch(tmp_path) == []
    files = sorted(str(p.relative_to(target)) for p in target.rglob("*") if p.is_file())
    assert files == starter.sample_files(starter.sample_folder())
