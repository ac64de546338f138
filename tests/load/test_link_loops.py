"""A symbolic link that leads round in a loop (``ln -s a a``), wherever the analyst can
put one: an input, a folder of the report, a path on the command line. Each is one
``reportgen: error:`` line naming it, with what to do; never Python's RuntimeError
("Symlink loop from …") as a traceback."""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import pytest

from reportgen.errors import InputError
from reportgen.links import LinkLoop, real_path
from reportgen.load.folder import load_report, load_report_theme
from tests.conftest import linked_from_outside

LOOP = "is a symbolic link that leads round in a loop"
HINT = "(make it a real file or folder, or point it at one; ls -l shows where it points)"


def loop_in_place_of(path: Path) -> Path:
    """``path`` replaced by a link to itself."""
    path.unlink(missing_ok=True)
    path.symlink_to(path.name)
    return path


def one_error(result) -> str:
    assert result.code == 1, result
    lines = result.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("reportgen: error: "), lines
    assert "Traceback" not in result.err
    return lines[0]


@pytest.mark.parametrize("name", ["data/monthly.csv", "data/catalogue.yaml", "layouts/report.yaml"])
def test_an_input_that_loops_is_one_error_naming_it(name: str, report_copy: Path, run_cli) -> None:
    loop_in_place_of(report_copy / name)
    line = one_error(run_cli("figures", root=report_copy))
    assert line == f"reportgen: error: {name}: it {LOOP} {HINT}"


def test_the_theme_that_loops_is_named(report_copy: Path) -> None:
    loop_in_place_of(report_copy / "layouts" / "theme.yaml")
    folder = load_report(report_copy)
    with pytest.raises(InputError) as raised:
        load_report_theme(folder)
    assert str(raised.value) == f"layouts/theme.yaml: it {LOOP} {HINT}"


def test_a_folder_of_inputs_that_loops_names_the_link(report_copy: Path, run_cli) -> None:
    shutil.rmtree(report_copy / "data")
    (report_copy / "data").symlink_to("data")
    assert one_error(run_cli("figures", root=report_copy)) == (
        "reportgen: error: data/catalogue.yaml: it leads through data, a symbolic link that "
        f"leads round in a loop {HINT}"
    )


@pytest.mark.parametrize(
    "arguments",
    [
        ("editions", "--archive", "{loop}"),
        ("verify", "--archive", "{loop}"),
        ("diff", "2014-03", "--archive", "{loop}"),
        ("init", "{loop}"),
    ],
)
def test_a_path_on_the_command_line_that_loops_is_one_error_naming_it(
    arguments: tuple[str, ...], report_copy: Path, tmp_path: Path, run_cli
) -> None:
    loop = loop_in_place_of(tmp_path / "loop")
    args = [a.format(loop=loop) for a in arguments]
    assert (
        one_error(run_cli(*args, root=report_copy)) == f"reportgen: error: {loop}: it {LOOP} {HINT}"
    )


def test_a_path_through_a_folder_that_loops_names_the_folder(
    report_copy: Path, tmp_path: Path, run_cli
) -> None:
    loop = loop_in_place_of(tmp_path / "loop")
    result = run_cli("init", str(loop / "new"), root=report_copy)
    assert one_error(result) == (
        f"reportgen: error: {loop}/new: it leads through {loop}, a symbolic link that "
        f"leads round in a loop {HINT}"
    )


def test_a_report_folder_that_loops_is_named(tmp_path: Path, run_cli) -> None:
    loop = loop_in_place_of(tmp_path / "report")
    assert one_error(run_cli("figures", root=loop)) == f"reportgen: error: {loop}: it {LOOP} {HINT}"


def test_real_path_finds_a_loop_of_two_links(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    with pytest.raises(LinkLoop) as raised:
        real_path(tmp_path / "a" / "file.pdf")
    assert raised.value.link == tmp_path / "a"
    assert real_path(tmp_path / "missing") == tmp_path / "missing"  # missing is not a loop
    os.symlink(tmp_path, tmp_path / "here")
    assert real_path(tmp_path / "here" / "x") == tmp_path.resolve() / "x"


def test_a_new_edition_s_folder_that_loops_is_named_not_renamed_over(
    report_copy: Path, run_cli
) -> None:
    folder = loop_in_place_of(report_copy / "content" / "2014-04")
    assert one_error(run_cli("new", "2014-04", root=report_copy)) == (
        f"reportgen: error: {folder}: it {LOOP} {HINT}"
    )
    assert folder.is_symlink() and not list(folder.parent.glob(".reportgen-scratch-*"))


@pytest.mark.parametrize("command", [["archive"], ["editions"], ["verify"]])
def test_the_archive_folder_that_loops_is_named(
    report_copy: Path, run_cli, command: list[str]
) -> None:
    loop_in_place_of(report_copy / "archive")
    line = one_error(run_cli(*command, root=report_copy))
    assert line == f"reportgen: error: {report_copy / 'archive'}: it {LOOP} {HINT}"


@pytest.mark.parametrize("name", ["data/monthly.csv", "data/catalogue.yaml"])
def test_the_workbook_is_written_only_from_inputs_within_the_folder(
    name: str, report_copy: Path, tmp_path: Path, run_cli
) -> None:
    # read from outside the folder, and written in
    linked_from_outside(report_copy, name, tmp_path / "elsewhere")
    line = one_error(run_cli("workbook", root=report_copy))
    assert f"{name}: it leads outside the report folder" in line
    assert not (report_copy / "data" / "performance.xlsx").exists()
    loop_in_place_of(report_copy / name)
    assert f"{name}: it {LOOP}" in one_error(run_cli("workbook", root=report_copy))


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("--root", ".", "figures"), "the current folder no longer exists"),
        (("--root", "/nowhere", "build", "--out", "x.pdf"), "x.pdf is relative to the current"),
    ],
)
def test_a_current_folder_deleted_under_the_shell_is_told(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], said: str
) -> None:
    # the folder deleted (or re-cloned) in another window while the shell was in it:
    # a relative path has nothing to be relative to
    from reportgen.cli import main

    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    out, err = io.StringIO(), io.StringIO()
    assert main(list(args), stdout=out, stderr=err) == 1
    lines = err.getvalue().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"reportgen: error: {said}"), lines
    assert "cd into the report folder again" in lines[0]
