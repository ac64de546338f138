"""``reportgen init DIR``: a starter report folder, whole or not at all; and the command
line around it: ``python -m reportgen``, ``--root`` before or after the command, and
every other command saying first when it is run outside a report folder."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from reportgen import cli, starter
from reportgen.load.folder import load_report

REPO_ROOT = Path(__file__).resolve().parents[2]
NOT_A_REPORT_FOLDER = "not a report folder (no layouts/report.yaml or data/catalogue.yaml)"


def sample_files_in_git() -> list[str]:
    """The repository's own sample report folder: what init must write."""
    listed = subprocess.run(
        ["git", "ls-files", "layouts", "data", "content", "distribution.yaml"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if listed.returncode != 0:
        pytest.skip("not a git checkout")
    return sorted(listed.stdout.split())


def test_init_writes_the_sample_report_folder(run_cli, tmp_path: Path) -> None:
    target = tmp_path / "board"
    result = run_cli("init", str(target))
    assert result.code == 0, result.err
    written = sorted(str(p.relative_to(target)) for p in target.rglob("*") if p.is_file())
    assert written == starter.sample_files(REPO_ROOT)
    for name in ("layouts/report.yaml", "layouts/theme.yaml", "data/catalogue.yaml"):
        assert name in written
    assert {"data/monthly.csv", "data/msg.csv", "distribution.yaml"} <= set(written)
    assert len([name for name in written if name.startswith("content/2014-03/")]) == 8
    for name in written:
        assert (target / name).read_bytes() == (REPO_ROOT / name).read_bytes(), name
    # what to do next, with the folder's own name
    assert f"Next: cd {target} && reportgen check && reportgen build" in result.out
    assert "(2013-04 to 2014-03)" in result.out
    assert result.err == ""
    folder = load_report(target)  # a report folder in every respect
    assert folder.layout.organisation == "Essex Police"


def test_the_started_folder_checks_clean(run_cli, tmp_path: Path) -> None:
    target = tmp_path / "board"
    assert run_cli("init", str(target)).code == 0
    checked = run_cli("check", root=target)
    assert checked.code == 0, checked.err
    assert checked.out.rstrip().endswith("ok: nothing built")


def test_init_may_fill_an_empty_folder(run_cli, tmp_path: Path) -> None:
    target = tmp_path / "board"
    target.mkdir()
    assert run_cli("init", str(target)).code == 0
    assert (target / "layouts" / "report.yaml").is_file()


def test_init_fills_the_folder_it_is_run_in(
    run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 'init .' once failed (a folder cannot be renamed over "."), and a folder renamed over
    # the one the analyst's shell is in would leave the shell in a deleted folder
    target = tmp_path / "board"
    target.mkdir()
    monkeypatch.chdir(target)
    before = os.stat(".").st_ino
    result = run_cli("init", ".")
    assert result.code == 0, result.err
    assert os.stat(".").st_ino == before and Path("layouts/report.yaml").is_file()
    assert not [p for p in target.iterdir() if p.name.startswith(".reportgen-scratch")]


@pytest.mark.slow  # runs a process, to have a pid whose run is over
def test_init_sweeps_what_a_killed_init_left_in_the_folder(
    run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reportgen import atomic
    from tests.workflow.test_atomic import a_dead_pid

    target = tmp_path / "board"
    target.mkdir()
    # a hidden staging folder of an 'init .' killed midway: plain ls does not show it
    left = target / f".reportgen-scratch-{atomic._HOST}-{a_dead_pid()}-abcd1234"
    (left / "layouts").mkdir(parents=True)
    monkeypatch.chdir(target)
    result = run_cli("init", ".")
    assert result.code == 0, result.err
    assert not left.exists() and Path("layouts/report.yaml").is_file()


@pytest.mark.parametrize("name", [" ", " board", "board ", "board\nnew", "board\tnew"])
def test_init_refuses_a_name_no_one_could_work_in(run_cli, tmp_path: Path, name: str) -> None:
    result = run_cli("init", str(tmp_path / name))
    assert result.code == 1 and "is not a folder name to work in" in result.err, result.err
    assert len(result.err.splitlines()) == 1 and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("what", ["a file in it", "a hidden file in it", "a file", "a link"])
def test_init_refuses_anything_but_a_new_or_empty_folder(
    run_cli, tmp_path: Path, what: str
) -> None:
    target = tmp_path / "board"
    if what == "a file in it":
        target.mkdir()
        (target / "notes.txt").write_text("mine\n")
    elif what == "a hidden file in it":
        target.mkdir()
        (target / ".keep").write_text("")
    elif what == "a file":
        target.write_text("mine\n")
    else:
        (tmp_path / "elsewhere").mkdir()
        target.symlink_to(tmp_path / "elsewhere")
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    result = run_cli("init", str(target))
    assert result.code == 1 and result.out == ""
    [line] = result.err.splitlines()
    assert line.startswith(f"reportgen: error: {target}: ")
    assert "new folder" in line  # how to fix it
    assert sorted(str(p) for p in tmp_path.rglob("*")) == before  # nothing touched


def test_a_name_too_long_for_the_disk_says_what_to_do(run_cli, tmp_path: Path) -> None:
    result = run_cli("init", str(tmp_path / ("n" * 300)))
    assert result.code == 1
    [line] = result.err.splitlines()
    assert line.startswith("reportgen: error: ") and "use a shorter one" in line, line
    assert list(tmp_path.iterdir()) == []


def test_init_needs_the_folder_it_is_made_in(run_cli, tmp_path: Path) -> None:
    result = run_cli("init", str(tmp_path / "missing" / "board"))
    assert result.code == 1
    assert result.err == (
        f"reportgen: error: {tmp_path / 'missing'}: the folder to make it in does not exist "
        "(create that folder first, or give a path in an existing one)\n"
    )
    assert not (tmp_path / "missing").exists()


@pytest.mark.parametrize("empty_folder", [False, True], ids=["new-folder", "empty-folder"])
def test_an_init_that_fails_midway_leaves_nothing(
    run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, empty_folder: bool
) -> None:
    target = tmp_path / "board"
    if empty_folder:
        target.mkdir()
    real_entry = starter._entry
    copied: list[str] = []

    def failing(sample, name: str):  # a disk that fills up on the 50th file
        copied.append(name)
        if len(copied) == 50:
            raise OSError(28, "No space left on device")
        return real_entry(sample, name)

    monkeypatch.setattr(starter, "_entry", failing)
    result = run_cli("init", str(target))
    assert result.code == 1
    assert result.err.startswith(f"reportgen: error: {target / copied[-1]}: No space left")
    assert len(copied) == 50
    # no folder (or the empty one as it was), no scratch folder beside it or in it
    assert list(tmp_path.iterdir()) == ([target] if empty_folder else [])
    assert not empty_folder or list(target.iterdir()) == []


def test_the_wheel_carries_what_init_copies() -> None:
    """pyproject's package data for reportgen.sample is exactly the files init copies."""
    config = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    setuptools = config["tool"]["setuptools"]
    assert setuptools["package-dir"]["reportgen.sample"] == "."
    assert "reportgen.sample" in setuptools["packages"]
    assert tuple(setuptools["package-data"]["reportgen.sample"]) == starter.SAMPLE_FILES


@pytest.mark.slow  # runs git
def test_init_copies_every_file_of_the_repository_sample() -> None:
    assert starter.sample_files(REPO_ROOT) == sample_files_in_git()


# --- the command line around it ---------------------------------------------------------

# each command with the arguments argparse needs, so that the report folder is what fails
ARGUMENTS = {
    "figures": (),
    "explain": ("all_crime",),
    "workbook": (),
    "diff": ("2014-03",),
    "check": (),
    "build": ("--out", "/nonexistent/folder/edition.pdf"),
    "new": ("2014-04",),
    "pack": ("--cover", "/nonexistent/cover.pdf"),
    "archive": (),
    "verify": (),
    "editions": (),
    "send": ("--to", "pcc-office"),
    "preview": (),
}


def test_every_command_but_init_is_listed_here() -> None:
    assert set(ARGUMENTS) == set(cli._COMMANDS) - set(cli.OUTSIDE_A_REPORT_FOLDER)


@pytest.mark.parametrize("command", sorted(ARGUMENTS))
def test_outside_a_report_folder_every_command_says_so_first(
    run_cli, tmp_path: Path, command: str
) -> None:
    result = run_cli(command, *ARGUMENTS[command], root=tmp_path)
    assert result.code == 1 and result.out == ""
    assert result.err == (
        f"reportgen: error: {tmp_path}: {NOT_A_REPORT_FOLDER} (run reportgen inside the "
        "folder holding layouts/, content/ and data/, pass --root DIR, or start one with "
        "'reportgen init DIR')\n"
    )
    assert list(tmp_path.iterdir()) == []  # nothing written there either


def test_root_works_before_or_after_the_command(tmp_path: Path) -> None:
    def figures(*args: str) -> tuple[int, str]:
        out, err = io.StringIO(), io.StringIO()
        return cli.main(list(args), stdout=out, stderr=err), out.getvalue()

    before = figures("--root", str(REPO_ROOT), "figures", "--edition", "2014-03")
    after = figures("figures", "--edition", "2014-03", "--root", str(REPO_ROOT))
    assert before[0] == after[0] == 0
    assert before[1] == after[1] and before[1].startswith("section,kind,label")
    # given twice, the one after the command counts
    both = figures(
        "--root", str(tmp_path), "figures", "--edition", "2014-03", "--root", str(REPO_ROOT)
    )
    assert both == before


@pytest.mark.slow  # starts a process
def test_python_dash_m_reportgen_is_the_command(tmp_path: Path) -> None:
    ran = subprocess.run(
        [sys.executable, "-m", "reportgen", "figures", "--edition", "2014-03"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.startswith("section,kind,label,last_year,this_year")
    version = subprocess.run(
        [sys.executable, "-m", "reportgen", "--version"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert version.returncode == 0 and version.stdout.startswith("reportgen ")
