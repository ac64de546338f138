"""A report folder on a nearly full disk: every writing command ends in one error line
that says what to do, leaves no file of its own behind, and never loses the old output;
the chart cache never takes the room the edition needs.

Each command runs as its own process (``tests.faults.Run``): a failure that ends the
process itself (qpdf aborting on a full disk) must fail the test, not the test run."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from tests.faults import fill, remount_read_only, run_to_end, small_disk

from .conftest import CACHE, EDITION, MakeReport, snapshot, write_pdf

pytestmark = pytest.mark.slow

BUILT = f"performance-update-{EDITION}.pdf"
PACK = f"board-pack-{EDITION}.pdf"
DISK_KIB = 8192


def _one_error(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("reportgen: error: "), err
    return lines[0]


def _built_on_small_disk(make_report: MakeReport, disk: Path) -> Path:
    root = make_report(disk / "report")
    built = run_to_end(root, "build")
    assert built.process.returncode == 0, built.stderr
    return root


@pytest.mark.parametrize("command", ["pack", "archive"])
def test_pack_and_archive_on_a_full_disk_end_in_one_line_and_leave_nothing(
    make_report: MakeReport, tmp_path: Path, command: str
) -> None:
    with small_disk(tmp_path / "disk", DISK_KIB) as disk:
        root = _built_on_small_disk(make_report, disk)
        cover = write_pdf(disk / "cover.pdf", ["Covering paper"])
        args = ["pack", "--cover", str(cover)] if command == "pack" else ["archive"]
        if command == "archive":  # with its pack, which it copies twice (scratch, archive)
            packed = run_to_end(root, "pack")
            assert packed.process.returncode == 0, packed.stderr
        before = snapshot(root)
        failed = 0
        # the room left decides where the disk fills: before, during or after the PDF is
        # written. qpdf, writing the file itself, aborted the process (exit 134) at some
        # of these and left its '.pikepdf.' temporary file in out/
        for leave in (150, 200, 250, 300, 350, 1000):
            for made in ("archive", *(("out/" + PACK,) if command == "pack" else ())):
                shutil.rmtree(root / made, ignore_errors=True)  # what a pass before made
                (root / made).unlink(missing_ok=True) if (root / made).is_file() else None
            (disk / "filler").unlink(missing_ok=True)
            fill(disk, leave=leave * 1024)
            run = run_to_end(root, *args)
            assert "Traceback" not in run.stderr and "terminate called" not in run.stderr
            made = snapshot(root)
            if run.process.returncode == 0:
                continue
            failed += 1
            assert run.process.returncode == 1, run.stderr
            line = _one_error(run.stderr)
            assert "No space left on device" in line and "free some space" in line, line
            # named by a file or folder the analyst knows: never a staging or scratch
            # name, and never none (the pack's scratch copy named nothing)
            assert ".incoming-" not in line and ".reportgen-scratch" not in line, line
            assert str(root) in line, line
            if command == "archive":  # the archive's own folder is made first, and stays
                assert made.pop("archive", "dir 0o755") == "dir 0o755"
                # as does its lock, an empty file, where the disk filled after taking it
                empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
                assert made.pop("archive/.lock", f"0o644 {empty}") == f"0o644 {empty}"
                made.pop("archive/2014-03", None)  # an edition's folder, made empty
                assert not any(name.startswith("archive/") for name in made), made
            assert made == before, leave  # nothing new, nothing half-written, nothing lost
    assert failed, "the disk never filled: the sizes above no longer fit the edition"


def test_the_edition_comes_before_the_chart_cache_on_a_nearly_full_disk(
    make_report: MakeReport, tmp_path: Path
) -> None:
    with small_disk(tmp_path / "disk", DISK_KIB) as disk:
        root = make_report(disk / "report")
        for entry in (root / CACHE).iterdir():
            entry.unlink()  # nothing cached: this build draws, and would keep, the charts
        # room for the edition (about 180 KB) but not for it and its charts (another 200)
        fill(disk, leave=300 * 1024)
        run = run_to_end(root, "build")
        assert run.process.returncode == 0, run.stderr  # the cache went first, and filled it
        assert (root / "out" / BUILT).read_bytes().startswith(b"%PDF-")
        warnings = [line for line in run.stderr.splitlines() if "warning" in line]
        assert len(warnings) == 1 and "cannot write the chart cache" in warnings[0], run.stderr
        # no half an entry left taking the room: a PDF without its .json is never used
        assert [p.name for p in (root / CACHE).iterdir()] == []


def test_verify_on_a_full_disk_unpacks_elsewhere_and_says_so_when_it_cannot(
    make_report: MakeReport, tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    with (
        small_disk(tmp_path / "disk", DISK_KIB) as disk,
        small_disk(tmp_path / "temporary", 1024) as temporary,
    ):
        root = _built_on_small_disk(make_report, disk)
        archived = run_to_end(root, "archive")
        assert archived.process.returncode == 0, archived.stderr
        before = snapshot(root)
        fill(disk)
        # verifying writes nothing of the analyst's: it unpacks the inputs elsewhere
        passed = run_to_end(root, "verify", tmpdir=temporary)
        assert passed.process.returncode == 0, passed.stderr
        assert "figures rebuilt from the embedded inputs match" in passed.stdout
        # and where there is no room there either, it says where room is wanted
        fill(temporary)
        monkeypatch.setattr(tempfile, "tempdir", str(temporary))  # no fallback to /tmp
        failed = run_cli("verify", root=root)
        after = snapshot(root)
        left = sorted(p.name for p in temporary.iterdir())
    assert failed.code == 1, failed.err
    [line] = [line for line in failed.err.splitlines() if "error" in line]
    assert line.startswith(f"reportgen: error: {temporary}: No space left on device"), line
    assert "free some space" in line and ".reportgen-scratch" not in line
    assert after == before and left == ["filler"]


@pytest.mark.parametrize("args", [["build"], ["build", "--draft"], ["new", "2014-04"]])
def test_a_read_only_disk_is_told_as_such(
    make_report: MakeReport, tmp_path: Path, args: list[str]
) -> None:
    with small_disk(tmp_path / "disk", DISK_KIB) as disk:
        root = _built_on_small_disk(make_report, disk)
        (root / "out" / f"performance-update-{EDITION}-DRAFT.pdf").write_bytes(b"%PDF-1.7\n")
        before = snapshot(root)
        remount_read_only(disk)
        run = run_to_end(root, *args)
        after = snapshot(root)
    assert run.process.returncode == 1, run.stderr
    line = _one_error(run.stderr)
    # not "the file is read-only ... (chmod u+w)": no chmod helps on a read-only disk
    assert "Read-only file system (the disk is mounted read-only" in line, line
    assert "chmod" not in line
    assert after == before
