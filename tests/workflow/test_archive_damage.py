"""An archive damaged by hand is told by every command that reads it, never taken for a
smaller archive: a version removed (the newest too: its send log records it), a version
or edition folder replaced by a file or by a link out of the report folder.

Found by a fault sweep: with the newest version removed, ``send`` emailed the
superseded one and ``editions`` and ``verify`` said all was well; a version folder
replaced by a file made the edition vanish ("no editions archived yet"); links out of
the report folder were followed, and a send's log written through them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .conftest import EDITION

pytestmark = pytest.mark.slow


def _edition(root: Path) -> Path:
    folder = root / "archive" / EDITION
    folder.chmod(0o755)
    for version in folder.glob("v*"):
        version.chmod(0o755)
    return folder


def _told_everywhere(run_cli, root: Path, told: str, *, current: bool = True) -> None:
    """``editions`` and ``verify`` tell the damage; ``send`` and ``diff`` refuse where it
    is the current version's (an intact current version may still be sent)."""
    editions = run_cli("editions", root=root)
    assert editions.code == 1 and "DAMAGED" in editions.out and told in editions.out, editions
    verified = run_cli("verify", root=root)
    assert verified.code == 1 and told in verified.out, verified
    if not current:
        return
    sent = run_cli("send", "--edition", EDITION, "--to", "pcc-office", "--dry-run", root=root)
    assert sent.code == 1 and told in sent.err, sent
    diffed = run_cli("diff", EDITION, "2014-02", root=root)
    assert diffed.code == 1 and told in diffed.err, diffed


def test_the_newest_version_removed_is_told_by_its_send_log(archived_copy: Path, run_cli):
    msg = archived_copy / "data" / "msg.csv"
    msg.write_text(msg.read_text().replace("2014-03,all_crime,6,", "2014-03,all_crime,5,"))
    (archived_copy / "out" / f"board-pack-{EDITION}.pdf").unlink()
    reissued = run_cli("archive", "--reissue", "--reason", "rank", root=archived_copy)
    assert reissued.code == 0, reissued.err
    dry = run_cli(
        "send", "--edition", EDITION, "--to", "pcc-office", "--dry-run", root=archived_copy
    )
    assert dry.code == 0, dry.err
    shutil.rmtree(_edition(archived_copy) / "v2")
    # v1 is superseded: never taken for the current version
    _told_everywhere(run_cli, archived_copy, "v2 is missing, though send-log.jsonl records")


def test_a_version_removed_between_two_is_told(archived_copy: Path, run_cli):
    folder = _edition(archived_copy)
    shutil.copytree(folder / "v1", folder / "v2")
    manifest = folder / "v2" / "manifest.json"
    manifest.write_text(manifest.read_text().replace('"version": 1', '"version": 2'))
    shutil.rmtree(folder / "v1")
    told = "v1 is missing, though v2 was archived after it"
    _told_everywhere(run_cli, archived_copy, told, current=False)


@pytest.mark.parametrize("made", ["file", "link"])
def test_a_version_folder_that_is_not_one_is_told(
    archived_copy: Path, tmp_path: Path, run_cli, made: str
):
    folder = _edition(archived_copy)
    shutil.move(folder / "v1", tmp_path / "v1")
    if made == "file":
        (folder / "v1").write_text("not a version\n")
    else:  # the very same files, out of the report folder
        (folder / "v1").symlink_to(tmp_path / "v1")
    kind = "not a folder" if made == "file" else "a link"
    _told_everywhere(run_cli, archived_copy, f"version folder is {kind}, which no archive makes")


def test_an_edition_folder_that_is_a_link_is_told_and_nothing_written_through_it(
    archived_copy: Path, tmp_path: Path, run_cli
):
    folder = _edition(archived_copy)
    outside = tmp_path / "elsewhere"
    shutil.move(folder, outside)
    folder.symlink_to(outside)
    _told_everywhere(run_cli, archived_copy, "the edition's folder is a link")
    assert not (outside / "send-log.jsonl").exists()  # the dry run wrote nothing there


def test_a_board_pack_in_out_that_leads_outside_is_not_archived(
    archived_copy: Path, tmp_path: Path, run_cli
):
    pack = archived_copy / "out" / f"board-pack-{EDITION}.pdf"
    shutil.move(pack, tmp_path / "pack.pdf")
    pack.symlink_to(tmp_path / "pack.pdf")
    result = run_cli("archive", "--reissue", "--reason", "again", root=archived_copy)
    assert result.code == 1 and "leads outside the report folder" in result.err, result


@pytest.mark.parametrize(
    ("field", "value"),
    [("archived_at", "2001-01-01T00:00:00Z"), ("archived_by", "someone else"),
     ("reissue_reason", "a reason nobody gave")],
)  # fmt: skip
def test_a_manifest_changed_after_it_was_written_is_damage(
    archived_copy: Path, run_cli, field: str, value: str
):
    import json

    manifest = _edition(archived_copy) / "v1" / "manifest.json"
    manifest.chmod(0o644)
    document = json.loads(manifest.read_text(encoding="utf-8"))
    assert document["manifest_sha256"]  # every new manifest carries it
    document[field] = value
    manifest.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    _told_everywhere(run_cli, archived_copy, "its manifest_sha256 does not match what it records")


def test_a_send_log_cut_short_is_told_by_verify_before_a_send_is_due(archived_copy: Path, run_cli):
    sent = run_cli("send", "--to", "pcc-office", "--dry-run", root=archived_copy)
    assert sent.code == 0, sent.err
    assert run_cli("verify", root=archived_copy).code == 0  # a log that reads is no damage
    log = _edition(archived_copy) / "send-log.jsonl"
    text = log.read_text(encoding="utf-8")
    log.chmod(0o644)
    log.write_text(text[: len(text) // 2], encoding="utf-8")  # cut mid-record
    verified = run_cli("verify", root=archived_copy)
    assert verified.code == 1, verified
    assert f"send log {log}:" in verified.out, verified.out
    assert "restore the send log from backup" in verified.err, verified.err
    # and send refuses it, as verify said it would
    again = run_cli("send", "--to", "pcc-office", "--dry-run", root=archived_copy)
    assert again.code == 1 and str(log) in again.err, again.err
