"""An output never lands where something else lives: ``--out`` names a PDF file, outside
the report folder's inputs, archive and cache, and not a file the command reads; it
replaces only a PDF; nothing replaces a device or a FIFO (``/dev/null`` stays a device);
``--archive`` is a folder of its own. Each of these once exited 0 having replaced
data/monthly.csv, /dev/null, an archived version's folder or the narrative folder."""

from __future__ import annotations

import os
import socket
import stat
from pathlib import Path

import pytest

from reportgen.assemble.build import check_out
from reportgen.atomic import OutputError, write_bytes
from reportgen.errors import BuildError, DeliveryError
from reportgen.workflow import archive_root_for


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("data/monthly.csv", "must name a PDF file"),
        ("distribution.yaml", "must name a PDF file"),
        (" ", "must name a PDF file"),
        (".pdf", "must name a PDF file"),
        ("data/edition.pdf", "in the report folder's data/"),
        ("layouts/edition.pdf", "in the report folder's layouts/"),
        ("content/2014-03/edition.pdf", "in the report folder's content/"),
        ("archive/2014-03/v1/extra.pdf", "in the report folder's archive/"),
        (".reportgen-cache/edition.pdf", "in the report folder's .reportgen-cache/"),
        ("out/notes.pdf", "not a PDF; reportgen replaces only a PDF"),
        ("out/fifo.pdf", "not a PDF; reportgen replaces only a PDF"),
        ("out/cover.pdf", "names a file this command reads"),
    ],
)
def test_out_that_would_replace_something_else_is_refused(
    name: str, says: str, report_copy: Path
) -> None:
    (report_copy / "archive" / "2014-03" / "v1").mkdir(parents=True)
    (report_copy / ".reportgen-cache").mkdir(exist_ok=True)
    out = report_copy / "out"
    out.mkdir(exist_ok=True)
    (out / "notes.pdf").write_text("not a PDF", encoding="utf-8")
    (out / "cover.pdf").write_bytes(b"%PDF-1.7\n")
    os.mkfifo(out / "fifo.pdf")
    before = {p: p.read_bytes() for p in (report_copy / "data").iterdir() if p.is_file()}
    with pytest.raises(BuildError) as refused:
        check_out(report_copy / name, report_copy, read=[out / "cover.pdf"])
    assert says in refused.value.message
    assert {p: p.read_bytes() for p in before} == before


def test_out_may_replace_a_pdf_or_be_new_in_or_out_of_the_report_folder(
    report_copy: Path, tmp_path: Path
) -> None:
    (report_copy / "out").mkdir(exist_ok=True)
    (report_copy / "out" / "old.pdf").write_bytes(b"%PDF-1.7\n%%EOF\n")
    (tmp_path / "mktemp.pdf").write_bytes(b"")  # as 'mktemp --suffix=.pdf' makes for a script
    for out in (
        report_copy / "out" / "old.pdf",
        report_copy / "out" / "new.PDF",
        tmp_path / "x.pdf",
        tmp_path / "mktemp.pdf",
    ):
        check_out(out, report_copy)


def test_a_fifo_or_socket_is_never_replaced_by_a_write(tmp_path: Path) -> None:
    # not /dev/null itself: were this broken, the test would replace it for the machine
    fifo, unix_socket = tmp_path / "fifo", tmp_path / "socket"
    os.mkfifo(fifo)
    with socket.socket(socket.AF_UNIX) as bound:
        bound.bind(str(unix_socket))
        for target in (fifo, unix_socket):
            with pytest.raises(OutputError, match="a device, FIFO or socket, not a file"):
                write_bytes(target, b"%PDF-")
        assert stat.S_ISFIFO(fifo.lstat().st_mode) and stat.S_ISSOCK(unix_socket.lstat().st_mode)


@pytest.mark.parametrize(
    ("archive", "says"),
    [
        (".", "the report folder itself"),
        ("content", "in the report folder's content/"),
        ("data", "in the report folder's data/"),
        ("layouts/old", "in the report folder's layouts/"),
        ("archive/2014-03", "in the report folder's archive/"),
        ("out", "in the report folder's out/"),
    ],
)
def test_an_archive_among_the_inputs_is_refused(archive: str, says: str, report_copy: Path) -> None:
    with pytest.raises(DeliveryError) as refused:
        archive_root_for(report_copy, report_copy / archive)
    assert says in refused.value.message


def test_an_archive_of_its_own_is_taken(report_copy: Path, tmp_path: Path) -> None:
    for archive in (report_copy / "archive", tmp_path / "share" / "archive"):
        assert archive_root_for(report_copy, archive) == archive


@pytest.mark.slow
def test_the_commands_refuse_before_writing(report_copy: Path, run_cli) -> None:
    monthly = (report_copy / "data" / "monthly.csv").read_bytes()
    result = run_cli("build", "--out", "data/monthly.csv", root=report_copy)
    assert result.code == 1 and "--out must name a PDF file" in result.err, result.err
    result = run_cli("archive", "--archive", str(report_copy / "content"), root=report_copy)
    assert result.code == 1 and "an archive needs a folder of its own" in result.err
    result = run_cli("editions", "--archive", str(report_copy / "no-such"), root=report_copy)
    assert result.code == 1 and "archive folder does not exist" in result.err
    (report_copy / "empty").mkdir()
    result = run_cli("verify", "--archive", str(report_copy / "empty"), root=report_copy)
    assert result.out == "no editions archived yet: nothing to verify\n", result
    assert (report_copy / "data" / "monthly.csv").read_bytes() == monthly
    assert sorted(p.name for p in (report_copy / "content").iterdir() if p.name[0] == "v") == []


@pytest.mark.parametrize(
    ("name", "makes", "says"),
    [
        ("out/performance-update-2014-03.pdf", "pack", "where an edition is written by default"),
        ("out/performance-update-2014-03-DRAFT.pdf", "pack", "an edition is written"),
        ("out/board-pack-2014-03.pdf", "edition", "where a board pack is written by default"),
    ],
)
def test_out_does_not_replace_the_other_command_s_own_output(
    name: str, makes: str, says: str, report_copy: Path
) -> None:
    """``pack --out`` once replaced the edition PDF in out/ with the pack (and ``build
    --out`` the pack with an edition), silently."""
    (report_copy / "out").mkdir(exist_ok=True)
    (report_copy / name).write_bytes(b"%PDF-1.7\n%%EOF\n")
    with pytest.raises(BuildError) as refused:
        check_out(report_copy / name, report_copy, makes=makes)
    assert says in refused.value.message
    check_out(report_copy / name, report_copy, makes="pack" if makes == "edition" else "edition")


def test_the_default_names_are_the_ones_guarded(report_copy: Path) -> None:
    from reportgen.assemble.build import DEFAULT_OUTPUTS, default_output
    from reportgen.load.folder import load_report
    from reportgen.months import Month
    from reportgen.workflow import pack_path

    folder, march = load_report(report_copy), Month(2014, 3)
    edition, pack = DEFAULT_OUTPUTS["edition"][1], DEFAULT_OUTPUTS["pack"][1]
    assert edition.fullmatch(default_output(folder, march).name)
    assert edition.fullmatch(default_output(folder, march, draft=True).name)
    assert pack.fullmatch(pack_path(report_copy, march).name)
    assert not pack.fullmatch(default_output(folder, march).name)
