"""An input saved while ``archive`` runs: the archive holds every input as it was when it
was read, once, and all it stores agrees with that (the printed edition, the figures, the
embedded files, the manifest, the pack). Before, an edit saved mid-build was embedded
but not printed, and passed ``verify``; a figure changed mid-build failed ``verify``; a
pack rebuilt mid-archive was stored beside an edition without its changes."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from reportgen.deliver.archive import read_attachments
from tests.faults import Run, run_to_end

from .conftest import CACHE, EDITION, EDITION_PDF, PACK_PDF, MakeReport, page_texts, sha256

pytestmark = pytest.mark.slow

NARRATIVE = f"content/{EDITION}/05-road-safety.md"
MONTHLY = "data/monthly.csv"
EDIT = "Typed while the archive ran."


def _cold(root: Path) -> Path:
    for entry in (root / CACHE).iterdir():
        entry.unlink()  # the charts are drawn, so the build pauses when it sends them
    return root


def _edit_inputs(root: Path) -> None:
    with open(root / NARRATIVE, "a", encoding="utf-8") as narrative:
        narrative.write(f"\n{EDIT}\n")
    monthly = root / MONTHLY
    lines = monthly.read_text(encoding="utf-8").splitlines(keepends=True)
    [at] = [i for i, line in enumerate(lines) if line.startswith(f"da_incidents,{EDITION},")]
    fields = lines[at].split(",")
    fields[2] = str(int(fields[2]) + 100)
    lines[at] = ",".join(fields)
    monthly.write_text("".join(lines), encoding="utf-8")


def _stored(root: Path) -> Path:
    return root / "archive" / EDITION / "v1"


def test_inputs_saved_during_the_build_are_not_half_archived(
    make_report: MakeReport, tmp_path: Path
) -> None:
    root = _cold(make_report(tmp_path / "report"))
    before = {name: (root / name).read_bytes() for name in (NARRATIVE, MONTHLY)}
    run = Run(root, "archive", pause_at="build: charts sent")
    run.wait_paused()
    _edit_inputs(root)  # saved after the inputs were read, before the edition is printed
    run.signal(signal.SIGUSR1)
    assert run.finish() == 0, run.stderr

    pdf = _stored(root) / EDITION_PDF
    embedded = read_attachments(pdf)
    for name, data in before.items():
        assert embedded[name.replace("/", "__")] == data  # as read, not as edited
    assert not any(EDIT in page for page in page_texts(pdf))
    verified = run_to_end(root, "verify")
    assert verified.process.returncode == 0, verified.stdout + verified.stderr
    assert "figures rebuilt from the embedded inputs match" in verified.stdout


def test_a_pack_rebuilt_during_the_archive_is_not_stored_beside_the_old_edition(
    make_report: MakeReport, tmp_path: Path, run_cli
) -> None:
    root = make_report(tmp_path / "report")
    assert run_cli("pack", root=root).code == 0
    pack = root / "out" / PACK_PDF
    packed = sha256(pack)
    run = Run(root, "archive", pause_at="archive: locked")
    run.wait_paused()
    _edit_inputs(root)
    assert run_cli("pack", root=root).code == 0  # the pack of the edited inputs
    assert sha256(pack) != packed
    run.signal(signal.SIGUSR1)
    assert run.finish() == 0, run.stderr
    assert sha256(_stored(root) / PACK_PDF) == packed  # the pack that matched what was read
    verified = run_to_end(root, "verify")
    assert verified.process.returncode == 0, verified.stdout + verified.stderr


def test_a_pack_is_stamped_with_the_inputs_it_shows(
    make_report: MakeReport, tmp_path: Path
) -> None:
    root = _cold(make_report(tmp_path / "report"))
    run = Run(root, "pack", pause_at="build: charts sent")
    run.wait_paused()
    _edit_inputs(root)  # saved after the pack's inputs were read
    run.signal(signal.SIGUSR1)
    assert run.finish() == 0, run.stderr
    pack = root / "out" / PACK_PDF
    assert not any(EDIT in page for page in page_texts(pack))
    # so the archive of the edited inputs does not take it for theirs
    archived = run_to_end(root, "archive")
    assert archived.process.returncode == 1
    assert "the board pack was built from other data, layouts or narrative" in archived.stderr
