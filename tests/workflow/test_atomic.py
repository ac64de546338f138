"""reportgen.atomic: which leftovers a sweep removes (only those whose run is gone) and
what a write refuses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from reportgen import atomic, notices
from reportgen.atomic import OutputError, atomic_path, scratch_folder, sweep_stale, write_bytes


def a_dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait(timeout=30)
    return process.pid  # reaped: no process has it (until the system reuses it)


def temp_name(target: str, pid: int) -> str:
    return f".{target}.reportgen-{atomic._HOST}-{pid}-abcd1234.tmp"


@pytest.mark.slow  # runs a process, to have a pid whose run is over
def test_a_sweep_removes_only_what_a_finished_run_left(tmp_path: Path) -> None:
    dead = a_dead_pid()
    left = tmp_path / temp_name("edition.pdf", dead)
    live = tmp_path / temp_name("edition.pdf", os.getpid())
    scratch = tmp_path / f".reportgen-scratch-{atomic._HOST}-{dead}-xyz"
    other_host = tmp_path / ".edition.pdf.reportgen-00000000-1-abcd1234.tmp"
    mine = tmp_path / ".notes.txt"  # not reportgen's
    for path in (left, live, other_host, mine):
        path.write_bytes(b"x")
    scratch.mkdir()
    (scratch / "built.pdf").write_bytes(b"x")

    said: list[notices.Notice] = []
    with notices.listening(said.append):
        removed = sweep_stale(tmp_path)
        assert sweep_stale(tmp_path) == []  # said once: nothing is left to say

    assert sorted(removed) == sorted([left, scratch])
    assert live.exists() and other_host.exists() and mine.exists()
    [note] = said
    assert note.kind == "note" and "removed 2 temporary file(s)" in note.text


def test_an_interrupted_write_leaves_nothing_and_the_target_as_it_was(tmp_path: Path) -> None:
    target = write_bytes(tmp_path / "edition.pdf", b"last month")
    with pytest.raises(KeyboardInterrupt), atomic_path(target) as tmp:
        tmp.write_bytes(b"half of this month")
        raise KeyboardInterrupt
    assert target.read_bytes() == b"last month"
    assert [p.name for p in tmp_path.iterdir()] == ["edition.pdf"]


def test_a_write_names_its_file_when_the_disk_fails(tmp_path: Path) -> None:
    target = tmp_path / "edition.pdf"
    with pytest.raises(OSError) as failed, atomic_path(target):
        raise OSError(28, "No space left on device")  # as a write to a full disk does
    assert failed.value.filename == str(target)
    assert list(tmp_path.iterdir()) == []


def test_no_folder_is_made_and_a_read_only_file_is_kept(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="does not exist"):
        write_bytes(tmp_path / "missing" / "x.pdf", b"x")
    assert not (tmp_path / "missing").exists()
    kept = tmp_path / "kept.pdf"
    kept.write_bytes(b"signed off")
    kept.chmod(0o444)
    with pytest.raises(OutputError, match="read-only"):
        write_bytes(kept, b"new")
    assert kept.read_bytes() == b"signed off"


def test_a_scratch_folder_is_removed_on_the_way_out(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), scratch_folder(tmp_path / "out") as scratch:
        (scratch / "built.pdf").write_bytes(b"x")
        assert scratch.parent == tmp_path / "out"
        raise RuntimeError
    assert list((tmp_path / "out").iterdir()) == []


def test_a_folder_that_cannot_be_written_is_told_by_the_file_not_the_temporary_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refused(*_args: object, **kwargs: object) -> tuple[int, str]:
        raise PermissionError(13, "Permission denied", f"{kwargs['dir']}/.x.reportgen-1.tmp")

    monkeypatch.setattr(atomic.tempfile, "mkstemp", refused)
    with pytest.raises(PermissionError) as failed:
        write_bytes(tmp_path / "edition.pdf", b"%PDF-")
    assert failed.value.filename == str(tmp_path / "edition.pdf")


def test_a_new_folder_that_cannot_be_made_is_told_by_its_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refused(*_args: object, **kwargs: object) -> str:
        raise PermissionError(13, "Permission denied", f"{kwargs['dir']}/.reportgen-scratch-1")

    monkeypatch.setattr(atomic.tempfile, "mkdtemp", refused)
    with pytest.raises(PermissionError) as failed, atomic.staged_folder(tmp_path / "2014-04"):
        pass
    assert failed.value.filename == str(tmp_path / "2014-04")
