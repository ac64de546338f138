"""The write-once archive: versions, re-issues, verify, attachments, failures and races."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from pypdf import PdfReader

from reportgen.deliver import archive
from reportgen.deliver.archive import (
    archive_edition,
    attach_files,
    find_version,
    list_editions,
    read_attachments,
    verify_archive,
)
from reportgen.errors import DeliveryError

EDITION = "2014-03"
WHEN = datetime(2014, 4, 10, 9, 30, 15, tzinfo=UTC)


@dataclass(frozen=True)
class Sources:
    root: Path  # the archive folder, existing and empty
    files: dict[str, Path]  # role -> deliverable
    inputs: dict[str, Path]  # logical name -> input file


@pytest.fixture
def sources(tmp_path: Path, make_pdf: Any) -> Sources:
    build = tmp_path / "build"
    edition = make_pdf(build / "MPR-2014-03.pdf", ["cover", "page 1"])
    pack = make_pdf(build / "board-pack-2014-03.pdf", ["paper", "cover", "page 1"])
    data = tmp_path / "data" / "monthly.csv"
    data.parent.mkdir()
    data.write_text("month,measure,value\n2014-03,burglary,120\n")
    layout = tmp_path / "layouts" / "report.yaml"
    layout.parent.mkdir()
    layout.write_text("pages: []\n")
    root = tmp_path / "archive"
    root.mkdir()
    return Sources(
        root=root,
        files={"edition": edition, "pack": pack},
        inputs={"data/monthly.csv": data, "layouts/report.yaml": layout},
    )


def archive_it(src: Sources, **options: Any) -> archive.ArchivedVersion:
    options.setdefault("now", WHEN)
    options.setdefault("archived_by", "analyst")
    return archive_edition(
        src.root, EDITION, src.files, src.inputs, reportgen_version="0.1.0", **options
    )


def snapshot(root: Path) -> dict[str, bytes | None]:
    """Every folder (None) and file (its bytes) under ``root``, by relative path."""
    return {
        str(path.relative_to(root)): None if path.is_dir() else path.read_bytes()
        for path in sorted(root.rglob("*"))
    }


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tamper(path: Path) -> None:
    path.chmod(0o644)  # stored files are made read-only
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


# --- archiving ---------------------------------------------------------------------------


def test_first_archive_stores_files_and_manifest(sources: Sources) -> None:
    version = archive_it(sources)

    folder = sources.root / EDITION / "v1"
    assert version.folder == folder
    assert (version.edition, version.version, version.status) == (EDITION, 1, "current")
    assert sorted(p.name for p in folder.iterdir()) == [
        "MPR-2014-03.pdf",
        "board-pack-2014-03.pdf",
        "manifest.json",
    ]
    for source in sources.files.values():
        assert (folder / source.name).read_bytes() == source.read_bytes()
    assert sorted(p.name for p in (sources.root / EDITION).iterdir()) == ["v1"]

    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["edition"] == EDITION and manifest["version"] == 1
    assert manifest["archived_at"] == "2014-04-10T09:30:15Z"
    assert manifest["archived_by"] == "analyst"
    assert manifest["reportgen_version"] == "0.1.0"
    assert manifest["reissue_reason"] is None
    assert manifest["files"] == [
        {"role": role, "name": path.name, "sha256": sha256(path), "size": path.stat().st_size}
        for role, path in sources.files.items()
    ]
    assert manifest["inputs"] == [
        {"name": name, "sha256": sha256(path), "size": path.stat().st_size}
        for name, path in sorted(sources.inputs.items())
    ]
    assert version.path("edition") == folder / "MPR-2014-03.pdf"
    assert version.size == sum(p.stat().st_size for p in sources.files.values())


def test_archived_by_defaults_to_the_login_name(
    sources: Sources, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(archive.getpass, "getuser", lambda: "jsmith")
    assert archive_it(sources, archived_by=None).manifest.archived_by == "jsmith"


def test_archived_by_falls_back_to_unknown(
    sources: Sources, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_user() -> str:
        raise OSError("no login name")

    monkeypatch.setattr(archive.getpass, "getuser", no_user)
    assert archive_it(sources, archived_by=None).manifest.archived_by == "unknown"


def test_archived_edition_is_never_overwritten(sources: Sources) -> None:
    archive_it(sources)
    before = snapshot(sources.root)
    sources.files["edition"].write_bytes(b"%PDF-1.4 a different edition")

    with pytest.raises(DeliveryError) as caught:
        archive_it(sources)

    assert "already archived as v1" in caught.value.message
    assert caught.value.hint is not None and "--reissue --reason" in caught.value.hint
    assert caught.value.file == str(sources.root / EDITION / "v1")
    assert snapshot(sources.root) == before


def test_reissue_adds_v2_and_leaves_v1_untouched_but_superseded(sources: Sources) -> None:
    archive_it(sources)
    v1_before = snapshot(sources.root / EDITION / "v1")
    sources.files["edition"].write_bytes(b"%PDF-1.4 corrected edition")

    v2 = archive_it(sources, reissue_reason="burglary figure for Feb corrected")

    assert v2.folder == sources.root / EDITION / "v2"
    assert (v2.version, v2.status, v2.reissue_reason) == (
        2,
        "current",
        "burglary figure for Feb corrected",
    )
    assert snapshot(sources.root / EDITION / "v1") == v1_before
    listed = list_editions(sources.root)
    assert [(v.edition, v.version, v.status) for v in listed] == [
        (EDITION, 1, "superseded"),
        (EDITION, 2, "current"),
    ]
    assert listed[0].superseded_by == 2
    assert listed[0].superseded_reason == "burglary figure for Feb corrected"
    assert listed[1].superseded_reason is None
    assert find_version(sources.root, EDITION).version == 2
    assert (
        find_version(sources.root, EDITION, 1).path("edition").read_bytes()
        == v1_before["MPR-2014-03.pdf"]
    )
    assert all(result.ok for result in verify_archive(sources.root))


def test_reissue_needs_an_archived_edition_and_a_reason(sources: Sources) -> None:
    with pytest.raises(DeliveryError, match="nothing to re-issue"):
        archive_it(sources, reissue_reason="typo")
    archive_it(sources)
    with pytest.raises(DeliveryError, match="empty reason"):
        archive_it(sources, reissue_reason="   ")
    assert [v.version for v in list_editions(sources.root)] == [1]


def test_a_reissue_prepared_against_an_older_version_is_refused(sources: Sources) -> None:
    # two analysts re-issue at once: both saw v1 as current; only the first may land
    archive_it(sources)
    archive_it(sources, reissue_reason="first correction", replaces=1)
    before = snapshot(sources.root)
    with pytest.raises(DeliveryError, match="it was v1, it is now v2"):
        archive_it(sources, reissue_reason="second correction", replaces=1)
    assert snapshot(sources.root) == before
    assert [v.version for v in list_editions(sources.root)] == [1, 2]


def test_listing_is_sorted_by_edition_then_version(sources: Sources) -> None:
    archive_it(sources)
    archive_edition(
        sources.root,
        "2014-02",
        {"edition": sources.files["edition"]},
        {},
        reportgen_version="0.1.0",
        now=WHEN,
    )
    archive_it(sources, reissue_reason="late data")
    (sources.root / "not-an-edition").mkdir()

    listed = list_editions(sources.root)

    assert [(v.edition, v.version) for v in listed] == [
        ("2014-02", 1),
        (EDITION, 1),
        (EDITION, 2),
    ]
    assert listed[0].file_names == ("MPR-2014-03.pdf",)
    assert listed[1].archived_at == WHEN


def test_find_version_names_what_is_absent(sources: Sources) -> None:
    with pytest.raises(DeliveryError) as caught:
        find_version(sources.root, EDITION)
    assert "2014-03 has not been archived" in caught.value.message
    assert caught.value.hint is not None and "archive it" in caught.value.hint

    archive_it(sources)
    with pytest.raises(DeliveryError, match="has no v3") as caught:
        find_version(sources.root, EDITION, 3)
    assert caught.value.hint == "archived versions: v1"


@pytest.mark.parametrize(
    ("edition", "files", "complaint"),
    [
        ("2014-13", None, "not a month"),
        (EDITION, {}, "nothing to archive"),
        (EDITION, {"edition": Path("missing.pdf")}, "edition file to archive is missing"),
    ],
)
def test_bad_arguments_are_refused(
    sources: Sources, edition: str, files: dict[str, Path] | None, complaint: str
) -> None:
    with pytest.raises(DeliveryError, match=complaint):
        archive_edition(
            sources.root,
            edition,
            sources.files if files is None else files,
            sources.inputs,
            reportgen_version="0.1.0",
        )
    assert snapshot(sources.root) == {}


def test_missing_input_is_named(sources: Sources) -> None:
    gone = sources.inputs["data/monthly.csv"]
    gone.unlink()
    with pytest.raises(DeliveryError, match="input 'data/monthly.csv' cannot be read") as caught:
        archive_it(sources)
    assert caught.value.file == str(gone)


def test_an_archive_path_naming_a_file_is_told_so(sources: Sources) -> None:
    """It was told 'archive folder does not exist', of a file that does."""
    root = sources.root / "share"
    root.write_bytes(b"not an archive")
    with pytest.raises(DeliveryError, match="the archive path names a file, not a folder"):
        archive_edition(root, EDITION, sources.files, {}, reportgen_version="0.1.0")
    assert root.read_bytes() == b"not an archive"


def test_missing_archive_folder_is_not_created(sources: Sources) -> None:
    root = sources.root / "share"
    with pytest.raises(DeliveryError, match="archive folder does not exist"):
        archive_edition(root, EDITION, sources.files, {}, reportgen_version="0.1.0")
    assert not root.exists()


# --- verify ------------------------------------------------------------------------------


def test_verify_passes_on_a_fresh_archive(sources: Sources) -> None:
    archive_it(sources)
    archive_it(sources, reissue_reason="late data")

    results = verify_archive(sources.root)

    assert [(r.edition, r.version, r.ok) for r in results] == [
        (EDITION, 1, True),
        (EDITION, 2, True),
    ]
    assert results[0].describe() == "2014-03 v1: ok"


def test_verify_names_a_changed_file(sources: Sources) -> None:
    version = archive_it(sources)
    tamper(version.path("pack"))

    [result] = verify_archive(sources.root, EDITION)

    assert not result.ok
    assert result.changed == ("board-pack-2014-03.pdf",)
    assert (result.missing, result.added, result.problems) == ((), (), ())
    assert "changed: board-pack-2014-03.pdf" in result.describe()


def test_verify_names_missing_and_added_files(sources: Sources) -> None:
    version = archive_it(sources)
    version.path("edition").unlink()
    (version.folder / "notes.txt").write_text("added by hand")

    [result] = verify_archive(sources.root)

    assert result.missing == ("MPR-2014-03.pdf",)
    assert result.added == ("notes.txt",)
    assert result.changed == ()
    assert not result.ok


@pytest.mark.parametrize(
    ("damage", "complaint"),
    [
        (lambda manifest: manifest.unlink(), "manifest is missing"),
        (lambda manifest: manifest.write_text("{not json"), "manifest is not valid"),
        (lambda manifest: manifest.write_text('{"format": 1}'), "missing field"),
    ],
    ids=["deleted", "garbled", "incomplete"],
)
def test_verify_reports_a_bad_manifest_instead_of_crashing(
    sources: Sources, damage: Any, complaint: str
) -> None:
    version = archive_it(sources)
    manifest = version.folder / "manifest.json"
    manifest.chmod(0o644)
    damage(manifest)

    [result] = verify_archive(sources.root)

    assert not result.ok
    assert len(result.problems) == 1 and complaint in result.problems[0]
    with pytest.raises(DeliveryError, match=complaint):
        find_version(sources.root, EDITION)


def test_verify_of_an_unarchived_edition_is_refused(sources: Sources) -> None:
    with pytest.raises(DeliveryError, match="has not been archived"):
        verify_archive(sources.root, "2014-04")


# --- attachments -------------------------------------------------------------------------


def test_attachments_read_back_equal_and_pdf_is_kept(sources: Sources, tmp_path: Path) -> None:
    pdf = sources.files["edition"]
    files = {
        "figures-2014-03.csv": b"measure,value\nburglary,120\n",
        "monthly.csv": bytes(range(256)),
    }
    out = attach_files(pdf, tmp_path / "with-data.pdf", files)

    assert read_attachments(out) == files
    before, after = PdfReader(pdf), PdfReader(out)
    assert len(after.pages) == len(before.pages)
    assert after.metadata == before.metadata
    assert read_attachments(pdf) == {}


def test_attaching_is_deterministic(sources: Sources, tmp_path: Path) -> None:
    pdf = sources.files["edition"]
    one = attach_files(pdf, tmp_path / "one.pdf", {"a.csv": b"1", "b.csv": b"2"})
    two = attach_files(pdf, tmp_path / "two.pdf", {"b.csv": b"2", "a.csv": b"1"})
    other = attach_files(pdf, tmp_path / "three.pdf", {"a.csv": b"1", "b.csv": b"3"})

    assert one.read_bytes() == two.read_bytes()
    assert PdfReader(one).trailer["/ID"][1] != PdfReader(other).trailer["/ID"][1]


def test_attaching_in_place_and_twice(sources: Sources, tmp_path: Path) -> None:
    pdf = tmp_path / "edition.pdf"
    pdf.write_bytes(sources.files["edition"].read_bytes())
    attach_files(pdf, pdf, {"a.csv": b"1"})
    assert read_attachments(pdf) == {"a.csv": b"1"}

    with pytest.raises(DeliveryError, match="already carries attachments named a.csv"):
        attach_files(pdf, tmp_path / "out.pdf", {"a.csv": b"2"})
    assert not (tmp_path / "out.pdf").exists()


# --- failures leave no trace -------------------------------------------------------------


class Injected(Exception):
    """The failure the tests inject; nothing in the archive code catches it by name."""


STEPS = ["locked", "copy MPR-2014-03.pdf", "copy board-pack-2014-03.pdf", "manifest", "rename"]


def fail_at(step: str) -> Any:
    seen: list[str] = []

    def hook(name: str) -> None:
        seen.append(name)
        if name == step:
            raise Injected(step)

    hook.seen = seen  # type: ignore[attr-defined]
    return hook


@pytest.mark.parametrize("step", STEPS)
def test_failed_first_archive_leaves_no_trace(sources: Sources, step: str) -> None:
    hook = fail_at(step)

    with pytest.raises(Injected):
        archive_it(sources, on_step=hook)

    assert hook.seen[-1] == step
    # only the archive-wide lock file, which exists from the first archive on
    assert snapshot(sources.root) == {".lock": b""}
    assert list_editions(sources.root) == []


@pytest.mark.parametrize("step", STEPS)
def test_failed_reissue_leaves_the_archive_as_it_was(sources: Sources, step: str) -> None:
    archive_it(sources)
    before = snapshot(sources.root)

    with pytest.raises(Injected):
        archive_it(sources, reissue_reason="corrected", on_step=fail_at(step))

    assert snapshot(sources.root) == before
    assert [(v.version, v.status) for v in list_editions(sources.root)] == [(1, "current")]


def test_all_steps_are_reported_in_order(sources: Sources) -> None:
    seen: list[str] = []
    archive_it(sources, on_step=seen.append)
    assert seen == STEPS


# --- races -------------------------------------------------------------------------------


def test_a_version_appearing_before_the_rename_is_not_overwritten(sources: Sources) -> None:
    rogue = sources.root / EDITION / "v1"

    def another_writer(step: str) -> None:
        # a writer that ignores the lock gets v1 in first
        if step == "rename":
            rogue.mkdir()
            (rogue / "theirs.pdf").write_bytes(b"theirs")

    with pytest.raises(DeliveryError, match="v1 of 2014-03 appeared while"):
        archive_it(sources, on_step=another_writer)

    assert snapshot(sources.root / EDITION) == {"v1": None, "v1/theirs.pdf": b"theirs"}


def test_an_empty_version_folder_appearing_is_not_replaced(sources: Sources) -> None:
    # rename would silently replace an empty folder, so that case is checked separately
    empty = sources.root / EDITION / "v1"

    with pytest.raises(DeliveryError, match="v1 of 2014-03 appeared while"):
        archive_it(sources, on_step=lambda step: empty.mkdir() if step == "rename" else None)

    assert snapshot(sources.root / EDITION) == {"v1": None}


def test_two_threads_archiving_at_once_give_one_version(sources: Sources) -> None:
    inside = threading.Event()
    outcomes: dict[str, object] = {}

    def hold_the_lock(step: str) -> None:
        if step == "rename":
            inside.set()
            time.sleep(0.3)  # the other thread is now waiting on the lock

    def run(name: str, hook: Any) -> None:
        try:
            outcomes[name] = archive_it(sources, on_step=hook)
        except DeliveryError as error:
            outcomes[name] = error

    first = threading.Thread(target=run, args=("first", hold_the_lock))
    first.start()
    assert inside.wait(10)
    second = threading.Thread(target=run, args=("second", None))
    second.start()
    first.join(10)
    second.join(10)

    assert isinstance(outcomes["first"], archive.ArchivedVersion)
    assert isinstance(outcomes["second"], DeliveryError)
    assert "already archived as v1" in outcomes["second"].message
    assert sorted(p.name for p in (sources.root / EDITION).iterdir()) == ["v1"]


def _archive_in_process(src: Sources, barrier: Any, results: Any) -> None:
    barrier.wait(10)
    try:
        version = archive_it(src)
        results.put(("ok", version.version))
    except DeliveryError as error:
        results.put(("refused", error.message))


def test_two_processes_archiving_at_once_give_one_version(sources: Sources) -> None:
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(2)
    results = context.Queue()
    workers = [
        context.Process(target=_archive_in_process, args=(sources, barrier, results))
        for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    outcomes = sorted(results.get(timeout=20) for _ in workers)
    for worker in workers:
        worker.join(10)

    assert [worker.exitcode for worker in workers] == [0, 0]
    assert outcomes[0] == ("ok", 1)
    assert outcomes[1][0] == "refused" and "already archived as v1" in outcomes[1][1]
    assert [v.version for v in list_editions(sources.root)] == [1]
    assert all(result.ok for result in verify_archive(sources.root))


def test_attachments_are_pdfa3_associated_files(sources: Sources, tmp_path: Path) -> None:
    pdf = sources.files["edition"]
    files = {"figures.csv": b"a,b\n", "layouts__report.yaml": b"x: 1\n", "notes.md": b"# n\n"}
    out = attach_files(pdf, tmp_path / "with-data.pdf", files, data_files={"figures.csv"})

    with pikepdf.open(out) as attached:
        specs = {name: spec.obj for name, spec in attached.attachments.items()}
        assert sorted(specs) == sorted(files)
        assert [str(af.UF) for af in attached.Root.AF] == sorted(files)
        relationships = {name: str(s.AFRelationship) for name, s in specs.items()}
        assert relationships == {
            "figures.csv": "/Data",
            "layouts__report.yaml": "/Source",
            "notes.md": "/Source",
        }
        assert {name: str(s.EF.F.Subtype) for name, s in specs.items()} == {
            "figures.csv": "/text/csv",
            "layouts__report.yaml": "/application/yaml",
            "notes.md": "/text/markdown",
        }
        assert all(str(s.UF) == str(s.F) == name for name, s in specs.items())
        # pikepdf fills in the size and checksum PDF 32000-1 7.11.4 describes
        params = specs["figures.csv"].EF.F.Params
        assert int(params.Size) == 4
        assert bytes(params.CheckSum) == hashlib.md5(b"a,b\n", usedforsecurity=False).digest()


def test_attaching_keeps_the_permanent_id(sources: Sources, tmp_path: Path) -> None:
    pdf = sources.files["edition"]
    before = PdfReader(pdf).trailer["/ID"]
    out = attach_files(pdf, tmp_path / "with-data.pdf", {"a.csv": b"1"})
    after = PdfReader(out).trailer["/ID"]
    assert _bytes(after[0]) == _bytes(before[0])
    assert _bytes(after[1]) != _bytes(before[1])


def _bytes(value: Any) -> bytes:
    return getattr(value, "original_bytes", value)
