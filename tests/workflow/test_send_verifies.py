"""Issue 9: ``send`` mails only what verifies against the manifest, from inside its
version folder; ``editions`` lists a damaged version as damaged and goes on."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.deliver.smtp_fixtures import HOST, RecordingHandler, running_smtp

from .conftest import EDITION, EDITION_PDF, resealed

pytestmark = pytest.mark.slow

SEND = ("send", "--edition", EDITION, "--to", "pcc-office")


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch):
    handler = RecordingHandler()
    with running_smtp(handler) as port:
        for name, value in (
            ("HOST", HOST),
            ("PORT", str(port)),
            ("SECURITY", "none"),
            ("FROM", "mpr@force.example.org"),
        ):
            monkeypatch.setenv(f"REPORTGEN_SMTP_{name}", value)
        yield handler


def v1(root: Path) -> Path:
    return root / "archive" / EDITION / "v1"


def rewrite_manifest(root: Path, change) -> Path:  # a function of the JSON
    manifest = v1(root) / "manifest.json"
    document = json.loads(manifest.read_text(encoding="utf-8"))
    change(document)
    manifest.chmod(0o644)
    manifest.write_text(json.dumps(resealed(document)), encoding="utf-8")
    return manifest


def test_a_tampered_archived_pdf_is_not_sent(
    archived_copy: Path, server: RecordingHandler, run_cli
) -> None:
    pdf = v1(archived_copy) / EDITION_PDF
    pdf.chmod(0o644)
    data = bytearray(pdf.read_bytes())
    data[-200] ^= 0x01
    pdf.write_bytes(bytes(data))
    result = run_cli(*SEND, root=archived_copy)
    assert result.code == 1
    [line] = result.err.strip().splitlines()
    assert f"{pdf}: the archived edition file does not match its manifest" in line
    assert server.data_attempts == []


def test_a_manifest_name_leaving_the_version_folder_is_refused(
    archived_copy: Path, server: RecordingHandler, run_cli, tmp_path: Path
) -> None:
    outside = archived_copy / "x.pdf"
    shutil.copy(v1(archived_copy) / EDITION_PDF, outside)

    def point_outside(document: dict) -> None:
        for stored in document["files"]:
            if stored["role"] == "edition":
                stored["name"] = "../../../x.pdf"

    manifest = rewrite_manifest(archived_copy, point_outside)
    result = run_cli(*SEND, root=archived_copy)
    assert result.code == 1
    assert f"{manifest}: manifest is not valid" in result.err
    assert "'../../../x.pdf' is not a plain file name" in result.err
    assert server.data_attempts == []

    listed = run_cli("editions", root=archived_copy)
    assert listed.code == 1 and "DAMAGED" in listed.out
    verified = run_cli("verify", root=archived_copy)
    assert verified.code == 1 and "not a plain file name" in verified.out


def test_a_stored_file_replaced_by_a_link_is_not_sent(
    archived_copy: Path, server: RecordingHandler, run_cli
) -> None:
    pdf = v1(archived_copy) / EDITION_PDF
    copy = archived_copy / "copy.pdf"
    shutil.copy(pdf, copy)
    pdf.unlink()
    pdf.symlink_to(copy)  # the same bytes, but not the stored file
    result = run_cli(*SEND, root=archived_copy)
    assert result.code == 1 and "is a link, not the stored file" in result.err
    assert server.data_attempts == []


def test_editions_lists_a_damaged_version_and_goes_on(archived_copy: Path, run_cli) -> None:
    # a second edition, archived from the same files as 2014-02 would be, then damaged
    other = archived_copy / "archive" / "2014-02" / "v1"
    shutil.copytree(v1(archived_copy), other)
    (other / "manifest.json").unlink()
    result = run_cli("editions", root=archived_copy)
    assert result.code == 1
    lines = result.out.splitlines()
    [damaged] = [line for line in lines if line.startswith("2014-02")]
    assert "DAMAGED" in damaged and "manifest is missing" in damaged
    [good] = [line for line in lines if line.startswith(EDITION)]
    assert "current" in good
    assert "restore them from backup" in result.err
