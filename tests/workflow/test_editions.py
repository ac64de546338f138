"""Issue 4 end to end: any month, ``new``, the board pack, the write-once archive, verify.

Each test runs the ``reportgen`` commands in-process on a copy of the sample report
folder and reads back what they wrote (PDFs with pypdf, manifests as JSON); the library
functions behind them have their own unit tests in tests/deliver/.
"""

from __future__ import annotations

import csv
import errno
import getpass
import io
import json
import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

import reportgen
import reportgen.workflow
from reportgen.load.content import parse_narrative_file

from .conftest import (
    EDITION,
    EDITION_PAGES,
    EDITION_PDF,
    PACK_PDF,
    REPO_ROOT,
    Archived,
    MakeReport,
    page_texts,
    sha256,
    snapshot,
    write_pdf,
)

pytestmark = pytest.mark.slow  # builds, packs and archives editions

NARRATIVE_FILES = sorted(p.name for p in (REPO_ROOT / "content" / EDITION).glob("*.md"))
SECTIONS = 8


# --- any month --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def february(make_report: MakeReport, run_cli, tmp_path_factory: pytest.TempPathFactory):
    root = make_report(tmp_path_factory.mktemp("february") / "report")
    result = run_cli("build", "--edition", "2014-02", root=root)
    return root, result


def test_february_builds_with_its_own_headings_and_narrative(february) -> None:
    root, result = february
    assert result.code == 0, result.err
    pdf = Path(result.out.strip())
    assert pdf == root.resolve() / "out" / "performance-update-2014-02.pdf"
    text = " ".join(page_texts(pdf))
    assert "Data to Feb 2014" in text
    assert "since Jan 2014" in text
    assert "Data to Mar 2014" not in text and "since Feb 2014" not in text
    # the narrative comes from content/2014-02/, not March's folder
    assert "February 2014 KSI data is at 7/03/2014" in text
    assert "March 2014 KSI data" not in text


def _figures(run_cli, edition: str, root: Path) -> dict[tuple[str, str], dict[str, str]]:
    result = run_cli("figures", "--edition", edition, root=root)
    assert result.code == 0, result.err
    rows = csv.DictReader(io.StringIO(result.out))
    return {(row["section"], row["label"]): row for row in rows if row["kind"] == "measure"}


def test_february_movements_differ_from_march(february, run_cli) -> None:
    root, result = february
    assert result.code == 0, result.err
    feb = _figures(run_cli, "2014-02", root)
    mar = _figures(run_cli, "2014-03", root)
    assert feb.keys() == mar.keys()
    compared = [key for key in feb if "n/a" not in (feb[key]["movement"], mar[key]["movement"])]
    assert len(compared) >= 10
    differ = [key for key in compared if feb[key]["movement"] != mar[key]["movement"]]
    assert len(differ) > len(compared) / 2, differ
    # and February's own movements are what its PDF prints
    text = " ".join(page_texts(root / "out" / "performance-update-2014-02.pdf"))
    printed = [feb[key]["movement"] for key in differ]
    assert [m for m in printed if m not in text] == []


# --- new --------------------------------------------------------------------------------


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_new_starts_the_next_edition_marked_for_review(report: Path, run_cli) -> None:
    result = run_cli("new", "2014-04", root=report)
    assert result.code == 0, result.err
    folder = report / "content" / "2014-04"
    assert sorted(p.name for p in folder.iterdir()) == NARRATIVE_FILES
    for name in NARRATIVE_FILES:
        source = (report / "content" / EDITION / name).read_text(encoding="utf-8")
        copied = (folder / name).read_text(encoding="utf-8")
        assert parse_narrative_file(copied, name).needs_review, name
        # only the review marker changed
        assert copied == source.replace("review: false", "review: true", 1)
        assert name in result.out  # every file to edit is named
    assert "review: false" in result.out  # ... and what to change in them
    assert "from 2014-03" in result.out
    # readable by the rest of the team, like any folder the analyst makes
    assert folder.stat().st_mode & 0o777 == 0o777 & ~_umask()
    assert [p.name for p in (report / "content").iterdir() if p.name.startswith(".")] == []


def test_new_with_no_month_starts_the_month_after_the_latest(report: Path, run_cli) -> None:
    result = run_cli("new", root=report)
    assert result.code == 0, result.err
    assert (report / "content" / "2014-04").is_dir()
    assert "Started edition 2014-04 from 2014-03" in result.out
    assert result.err == ""  # the next month: nothing skipped
    assert run_cli("new", root=report).code == 0
    assert (report / "content" / "2014-05").is_dir()


def test_new_says_which_months_it_skips(report: Path, run_cli) -> None:
    """A slip of the keyboard (2041-04 for 2014-04) is told, not met months later."""
    result = run_cli("new", "2041-04", root=report)
    assert result.code == 0, result.err
    assert result.err.splitlines() == [
        "reportgen: note: no edition between 2014-03 and 2041-04: 324 month(s) skipped "
        f"(remove {report.resolve() / 'content' / '2041-04'} if that month was a slip, and "
        "start again with the month you meant)"
    ]


def test_new_with_no_month_after_the_last_year_is_refused(report: Path, run_cli) -> None:
    assert run_cli("new", "2199-12", root=report).code == 0
    before = snapshot(report / "content")
    refused = run_cli("new", root=report)
    assert refused.code == 1
    assert "the month after 2199-12 is past the last year a report may have" in refused.err
    assert len(refused.err.strip().splitlines()) == 1
    assert snapshot(report / "content") == before


def test_a_started_edition_becomes_the_default_only_once_its_data_is_there(
    report: Path, run_cli
) -> None:
    assert run_cli("new", "2014-04", root=report).code == 0
    figures = run_cli("figures", root=report)  # no --edition: still the March edition
    assert figures.code == 0, figures.err
    march = run_cli("figures", "--edition", EDITION, root=report)
    assert figures.out == march.out
    monthly = report / "data" / "monthly.csv"
    rows = monthly.read_text(encoding="utf-8").splitlines()
    april = [r.replace(",2014-03,", ",2014-04,") for r in rows if ",2014-03," in r]
    monthly.write_text("\n".join(rows + april) + "\n", encoding="utf-8")
    refused = run_cli("build", root=report)  # now 2014-04, whose narrative is under review
    assert refused.code == 1 and "content/2014-04" in refused.err and "review" in refused.err


def test_new_for_a_month_already_started_fails_cleanly(report: Path, run_cli) -> None:
    assert run_cli("new", "2014-04", root=report).code == 0
    (report / "content" / "2014-04" / "05-road-safety.md").write_text("edited", encoding="utf-8")
    before = snapshot(report / "content")
    again = run_cli("new", "2014-04", root=report)
    assert again.code == 1
    assert "content/2014-04" in again.err and "already" in again.err
    assert len(again.err.strip().splitlines()) == 1  # one message, no traceback
    assert snapshot(report / "content") == before  # the analyst's edit is kept


def test_build_refuses_review_markers_until_cleared_and_draft_watermarks(
    report: Path, run_cli
) -> None:
    shutil.rmtree(report / "content" / EDITION)
    started = run_cli("new", EDITION, root=report)
    assert started.code == 0, started.err
    assert "from 2014-02" in started.out
    out_pdf = report / "out" / f"performance-update-{EDITION}.pdf"

    refused = run_cli("build", "--edition", EDITION, root=report)
    assert refused.code == 1
    assert "review" in refused.err
    for name in NARRATIVE_FILES:
        assert f"content/{EDITION}/{name}" in refused.err
    assert not out_pdf.exists()

    draft = run_cli("build", "--edition", EDITION, "--draft", root=report)
    assert draft.code == 0, draft.err
    # a draft never takes the final edition's file name
    draft_pdf = report / "out" / f"performance-update-{EDITION}-DRAFT.pdf"
    assert Path(draft.out.strip()) == draft_pdf and not out_pdf.exists()
    texts = page_texts(draft_pdf)
    assert len(texts) == EDITION_PAGES
    assert [i for i, text in enumerate(texts) if "DRAFT" not in text] == []

    for path in (report / "content" / EDITION).glob("*.md"):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("review: true", "review: false", 1), encoding="utf-8")
    final = run_cli("build", "--edition", EDITION, root=report)
    assert final.code == 0, final.err
    assert [i for i, text in enumerate(page_texts(out_pdf)) if "DRAFT" in text] == []


def test_build_with_narrative_missing_fails_with_the_list(report: Path, run_cli) -> None:
    missing = ["03-youth-offending.md", "05-road-safety.md"]
    for name in missing:
        (report / "content" / EDITION / name).unlink()
    result = run_cli("build", "--edition", EDITION, root=report)
    assert result.code == 1
    assert "missing" in result.err
    for name in missing:
        assert f"content/{EDITION}/{name}" in result.err
    assert not (report / "out").exists()


# --- the board pack ---------------------------------------------------------------------


def _outline(reader: PdfReader) -> list[tuple[str, int, list[tuple[str, int]]]]:
    """Top-level entries as (title, page index, [(child title, page index)])."""
    entries: list[tuple[str, int, list[tuple[str, int]]]] = []
    for item in reader.outline:
        if isinstance(item, list):
            title, page, children = entries[-1]
            assert not children, "one nested list per entry"
            nested = [(child.title, reader.get_destination_page_number(child)) for child in item]
            assert all(not isinstance(child, list) for child in item), "two levels only"
            entries[-1] = (title, page, nested)
        else:
            entries.append((item.title, reader.get_destination_page_number(item), []))
    return entries


def test_pack_joins_cover_edition_and_appendices(archived: Archived) -> None:
    assert archived.pack_code == 0, archived.pack_err
    assert Path(archived.pack_out.strip()) == archived.pack.resolve()
    pack = PdfReader(archived.pack)
    edition = PdfReader(archived.v1 / EDITION_PDF)
    cover, appendix_pages = 2, (1, 3)
    assert len(pack.pages) == cover + EDITION_PAGES + sum(appendix_pages)

    outline = _outline(pack)
    assert [(title, page) for title, page, _ in outline] == [
        ("Covering paper", 0),
        ("Performance Update: March 2014", cover),
        ("Appendix 1: a", cover + EDITION_PAGES),
        ("Appendix 2: b", cover + EDITION_PAGES + appendix_pages[0]),
    ]
    assert [children for title, _, children in outline if title != outline[1][0]] == [[]] * 3
    sections = outline[1][2]
    assert len(sections) == SECTIONS
    # the edition's own bookmarks, each still pointing at its section's page
    assert sections == [
        (item.title, edition.get_destination_page_number(item) + cover) for item in edition.outline
    ]

    labels = pack.page_labels
    edition_labels = ["Cover", "Contents", *(str(n) for n in range(1, 21))]
    assert labels[cover : cover + EDITION_PAGES] == edition_labels
    assert labels[:cover] == ["Paper-1", "Paper-2"]
    assert labels[cover + EDITION_PAGES :] == ["A1-1", "A2-1", "A2-2", "A2-3"]
    assert pack.metadata.title == "Essex Police Board Pack: March 2014"
    # the papers really are in that order
    assert "Agenda item 5" in pack.pages[0].extract_text()
    assert "Appendix B p1" in pack.pages[cover + EDITION_PAGES + 1].extract_text()


def _encrypted_pdf(path: Path) -> Path:
    writer = PdfWriter(clone_from=write_pdf(path, ["secret agenda"]))
    writer.encrypt("password")
    with open(path, "wb") as handle:
        writer.write(handle)
    return path


@pytest.mark.parametrize(
    ("where", "kind"),
    [
        ("cover", "encrypted"),
        ("cover", "not a PDF"),
        ("cover", "missing"),
        ("appendix", "not a PDF"),
    ],
)
def test_pack_with_a_bad_paper_names_it_and_writes_nothing(
    report: Path, run_cli, tmp_path: Path, where: str, kind: str
) -> None:
    bad = tmp_path / "papers" / "agenda.pdf"
    bad.parent.mkdir()
    if kind == "encrypted":
        _encrypted_pdf(bad)
    elif kind == "not a PDF":
        bad.write_text("Agenda\n1. Apologies\n", encoding="utf-8")
    good = write_pdf(tmp_path / "papers" / "good.pdf", ["fine"])
    papers = (
        ["--cover", str(bad), "--append", str(good)]
        if where == "cover"
        else ["--cover", str(good), "--append", str(bad)]
    )
    result = run_cli("pack", "--edition", EDITION, *papers, root=report)
    assert result.code == 1
    assert str(bad) in result.err
    expected = {"encrypted": "encrypted", "not a PDF": "not a PDF", "missing": "not found"}
    assert expected[kind] in result.err
    out = report / "out"
    assert not out.exists() or list(out.iterdir()) == []


# --- the archive ------------------------------------------------------------------------


def test_archive_stores_edition_and_pack_with_a_manifest(archived: Archived) -> None:
    assert archived.archive_code == 0, archived.archive_err
    assert f"archived {EDITION} v1" in archived.archive_out
    assert sorted(p.name for p in archived.v1.iterdir()) == sorted(
        [EDITION_PDF, PACK_PDF, "manifest.json"]
    )
    manifest = json.loads((archived.v1 / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["edition"], manifest["version"]) == (EDITION, 1)
    assert manifest["reissue_reason"] is None
    files = {f["role"]: f for f in manifest["files"]}
    assert {role: f["name"] for role, f in files.items()} == {
        "edition": EDITION_PDF,
        "pack": PACK_PDF,
    }
    for stored in files.values():
        path = archived.v1 / stored["name"]
        assert stored["sha256"] == sha256(path)
        assert stored["size"] == path.stat().st_size
        assert path.stat().st_mode & 0o777 == 0o444
    assert sha256(archived.v1 / PACK_PDF) == sha256(archived.pack)
    # readable by whoever verifies or sends it later, not only by whoever archived it
    assert archived.v1.stat().st_mode & 0o777 == 0o777 & ~_umask()

    inputs = {i["name"]: i for i in manifest["inputs"]}
    expected = {
        "data/monthly.csv",
        "data/catalogue.yaml",
        "layouts/report.yaml",
        "layouts/theme.yaml",
        *(f"content/{EDITION}/{name}" for name in NARRATIVE_FILES),
    }
    assert expected <= inputs.keys()
    for name, digest in inputs.items():
        source = archived.root / name
        assert digest["sha256"] == sha256(source), name
        assert digest["size"] == source.stat().st_size, name

    assert manifest["reportgen_version"] == reportgen.__version__
    archived_at = datetime.strptime(manifest["archived_at"], "%Y-%m-%dT%H:%M:%SZ")
    age = datetime.now(UTC) - archived_at.replace(tzinfo=UTC)
    assert timedelta(0) <= age < timedelta(hours=1)
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    assert manifest["archived_by"] == user


def test_archived_pdf_carries_its_figures_and_inputs(archived: Archived, run_cli) -> None:
    attachments = {
        name: contents[0]
        for name, contents in PdfReader(archived.v1 / EDITION_PDF).attachments.items()
    }
    figures = run_cli("figures", "--edition", EDITION, root=archived.root)
    assert figures.code == 0, figures.err
    assert attachments["figures.csv"] == figures.out.encode("utf-8")
    manifest = json.loads((archived.v1 / "manifest.json").read_text(encoding="utf-8"))
    names = [i["name"] for i in manifest["inputs"]]
    assert "data__monthly.csv" in attachments
    for name in names:
        attachment = name.replace("/", "__")
        assert attachments[attachment] == (archived.root / name).read_bytes(), attachment
    assert sorted(attachments) == sorted(["figures.csv", *(n.replace("/", "__") for n in names)])


def test_a_pack_named_on_the_command_line_must_exist(report: Path, run_cli) -> None:
    missing = report / "out" / "board-pack-typo.pdf"
    result = run_cli("archive", "--edition", EDITION, "--pack", str(missing), root=report)
    assert result.code == 1
    assert str(missing) in result.err and "not found" in result.err
    assert not (report / "archive" / EDITION).exists()


def test_archiving_an_archived_edition_again_is_refused(archived_copy: Path, run_cli) -> None:
    before = snapshot(archived_copy / "archive")
    result = run_cli("archive", "--edition", EDITION, root=archived_copy)
    assert result.code == 1
    assert "already archived as v1" in result.err and "--reissue" in result.err
    assert snapshot(archived_copy / "archive") == before


def correct_and_repack(root: Path, run_cli) -> None:
    """What an analyst does before a re-issue: correct an input, build the pack again."""
    path = root / "content" / EDITION / "08-organisational-health.md"
    path.write_text(
        path.read_text(encoding="utf-8") + "\nA corrected sentence.\n", encoding="utf-8"
    )
    assert run_cli("pack", "--edition", EDITION, root=root).code == 0


def test_a_reissue_that_corrects_nothing_is_refused(archived_copy: Path, run_cli) -> None:
    before = snapshot(archived_copy / "archive")
    result = run_cli(
        "archive", "--edition", EDITION, "--reissue", "--reason", "again", root=archived_copy
    )
    assert result.code == 1
    assert "nothing has changed since 2014-03 v1" in result.err
    assert snapshot(archived_copy / "archive") == before


def test_reissue_adds_v2_and_keeps_v1_marked_superseded(archived_copy: Path, run_cli) -> None:
    archive = archived_copy / "archive"
    before = snapshot(archive)
    correct_and_repack(archived_copy, run_cli)
    for usage in (["--reissue"], ["--reason", "typo"]):
        wrong = run_cli("archive", "--edition", EDITION, *usage, root=archived_copy)
        assert wrong.code == 2
        assert "--reissue and --reason" in wrong.err
    assert snapshot(archive) == before

    reason = "burglary figure for February corrected"
    result = run_cli(
        "archive", "--edition", EDITION, "--reissue", "--reason", reason, root=archived_copy
    )
    assert result.code == 0, result.err
    assert f"archived {EDITION} v2" in result.out
    v1 = {k: v for k, v in before.items() if k.startswith(f"{EDITION}/v1")}
    assert {k: v for k, v in snapshot(archive).items() if k.startswith(f"{EDITION}/v1")} == v1
    manifest = json.loads((archive / EDITION / "v2" / "manifest.json").read_text("utf-8"))
    assert (manifest["version"], manifest["reissue_reason"]) == (2, reason)

    listing = run_cli("editions", root=archived_copy)
    assert listing.code == 0, listing.err
    lines = listing.out.splitlines()
    v1_line = next(i for i, line in enumerate(lines) if re.match(rf"{EDITION}\s+v1\s", line))
    assert re.match(rf"{EDITION}\s+v1\s+superseded\s+\d{{4}}-\d\d-\d\d .*\d+ KB$", lines[v1_line])
    assert lines[v1_line + 1].split() == ["superseded", "by", "v2:", *reason.split()]
    assert [line for line in lines if re.match(rf"{EDITION}\s+v2\s+current\s", line)]

    # a superseded version plainly damaged is listed DAMAGED, and still as superseded
    pack = archive / EDITION / "v1" / PACK_PDF
    pack.chmod(0o644)
    pack.write_bytes(pack.read_bytes()[:-10])
    lines = run_cli("editions", root=archived_copy).out.splitlines()
    v1_line = next(i for i, line in enumerate(lines) if re.match(rf"{EDITION}\s+v1\s", line))
    assert re.match(rf"{EDITION}\s+v1\s+DAMAGED\s", lines[v1_line])
    assert lines[v1_line + 1].split() == ["superseded", "by", "v2:", *reason.split()]


@pytest.mark.parametrize("spoil", ["truncated", "missing", "a folder"])
def test_editions_lists_a_version_whose_stored_file_is_plainly_damaged(
    archived_copy: Path, run_cli, spoil: str
) -> None:
    stored = archived_copy / "archive" / EDITION / "v1" / EDITION_PDF
    stored.chmod(0o644)
    if spoil == "truncated":
        stored.write_bytes(stored.read_bytes()[:100_000])
        said = f"{EDITION_PDF} is 100000 bytes; the manifest says"
    else:
        stored.unlink()
        if spoil == "a folder":
            stored.mkdir()
        said = f"{EDITION_PDF} is {'missing' if spoil == 'missing' else 'not a plain file'}"
    listing = run_cli("editions", root=archived_copy)
    # as a damaged manifest is: a script reading the exit status sees it (it was 0)
    assert listing.code == 1
    assert listing.err.startswith(
        f"reportgen: error: {archived_copy / 'archive'}: damaged versions above ({EDITION} v1)"
    ), listing.err
    [line] = [line for line in listing.out.splitlines() if line.startswith(EDITION)]
    assert re.match(rf"{EDITION}\s+v1\s+DAMAGED\s", line), line
    assert said in line and f"reportgen verify --edition {EDITION}" in line, line


@pytest.mark.parametrize("kind", ["fifo", "folder"])
def test_a_stored_file_replaced_by_something_not_a_file_is_named_so(
    archived_copy: Path, run_cli, kind: str
) -> None:
    stored = archived_copy / "archive" / EDITION / "v1" / EDITION_PDF
    stored.unlink()
    os.mkfifo(stored) if kind == "fifo" else stored.mkdir()
    result = run_cli("verify", root=archived_copy)
    assert result.code == 1
    assert f"{EDITION} v1: {EDITION_PDF} is not a plain file" in result.out.splitlines()
    # the error names the version's folder, not only "the archive"
    [error] = [line for line in result.err.splitlines() if "error:" in line]
    folder = archived_copy / "archive" / EDITION / "v1"
    assert error.startswith(f"reportgen: error: {folder}: {EDITION} v1 does not match"), error


# --- verify -----------------------------------------------------------------------------


def test_verify_passes_on_a_fresh_archive(archived: Archived, run_cli) -> None:
    result = run_cli("verify", "--edition", EDITION, root=archived.root)
    assert result.code == 0, result.out + result.err
    assert f"{EDITION} v1: ok" in result.out
    assert f"{EDITION} v1: figures rebuilt from the embedded inputs match" in result.out


def _flip_a_byte(path: Path) -> None:
    path.chmod(0o644)  # stored files are read-only
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        ("flip edition", f"changed: {EDITION_PDF}"),
        ("flip pack", f"changed: {PACK_PDF}"),
        ("delete", f"missing: {PACK_PDF}"),
        ("add", "added: notes.txt"),
    ],
)
def test_verify_names_a_changed_missing_or_added_file(
    archived: Archived, run_cli, tmp_path: Path, damage: str, expected: str
) -> None:
    archive = tmp_path / "archive"
    shutil.copytree(archived.archive, archive)
    v1 = archive / EDITION / "v1"
    if damage == "flip edition":
        _flip_a_byte(v1 / EDITION_PDF)
    elif damage == "flip pack":
        _flip_a_byte(v1 / PACK_PDF)
    elif damage == "delete":
        (v1 / PACK_PDF).unlink()
    else:
        (v1 / "notes.txt").write_text("added by hand", encoding="utf-8")
    result = run_cli("verify", "--archive", str(archive), root=archived.root)
    assert result.code == 1
    assert f"{EDITION} v1: {expected}" in result.out.splitlines()
    assert "does not match" in result.err


# --- nothing lost -----------------------------------------------------------------------


def _fail_archiving_at(monkeypatch: pytest.MonkeyPatch, step: str) -> list[str]:
    """Make the archive step ``step`` fail as a full disk would; return the steps seen."""
    real = reportgen.workflow.archive_edition
    seen: list[str] = []

    def on_step(name: str) -> None:
        seen.append(name)
        if name == step:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def failing(*args, **kwargs):
        return real(*args, **{**kwargs, "on_step": on_step})

    monkeypatch.setattr(reportgen.workflow, "archive_edition", failing)
    return seen


@pytest.mark.parametrize("step", [f"copy {PACK_PDF}", "manifest", "rename"])
def test_a_failed_reissue_leaves_the_archive_as_it_was(
    archived_copy: Path, run_cli, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    archive = archived_copy / "archive"
    before = snapshot(archive)
    correct_and_repack(archived_copy, run_cli)
    seen = _fail_archiving_at(monkeypatch, step)
    result = run_cli(
        "archive", "--edition", EDITION, "--reissue", "--reason", "fix", root=archived_copy
    )
    assert seen[-1] == step  # the failure really came mid-way, at that step
    assert result.code == 1
    assert os.strerror(errno.ENOSPC) in result.err and "nothing was archived" in result.err
    assert snapshot(archive) == before
    assert list(archive.rglob(".incoming-*")) == []


def test_a_failed_first_archive_leaves_no_trace_and_can_be_run_again(
    report: Path, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = _fail_archiving_at(monkeypatch, "rename")
    result = run_cli("archive", "--edition", EDITION, root=report)
    assert seen[-1] == "rename"
    assert result.code == 1
    archive = report / "archive"
    # only the lock file, which every archive command uses, is there
    assert sorted(snapshot(archive)) == [".lock"]

    monkeypatch.undo()
    again = run_cli("archive", "--edition", EDITION, root=report)
    assert again.code == 0, again.err
    assert sorted(p.name for p in (archive / EDITION).iterdir()) == ["v1"]


def test_two_archive_commands_racing_give_exactly_one_version(report: Path, tmp_path: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "reportgen.cli",
        "--root",
        str(report),
        "archive",
        "--edition",
        EDITION,
    ]
    processes = [
        subprocess.Popen(
            command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    try:
        outputs = [process.communicate(timeout=120) for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
    codes = sorted(process.returncode for process in processes)
    assert codes == [0, 1], outputs
    loser = next(
        err for process, (_, err) in zip(processes, outputs, strict=True) if process.returncode == 1
    )
    assert "already archived" in loser or "appeared while" in loser
    assert sorted(p.name for p in (report / "archive" / EDITION).iterdir()) == ["v1"]
    manifest = json.loads((report / "archive" / EDITION / "v1" / "manifest.json").read_text())
    assert manifest["version"] == 1


def test_a_board_pack_from_other_inputs_is_not_archived(report: Path, run_cli) -> None:
    assert run_cli("pack", "--edition", EDITION, root=report).code == 0
    narrative = report / "content" / EDITION / "08-organisational-health.md"
    narrative.write_text(
        narrative.read_text(encoding="utf-8") + "\nA late correction.\n", encoding="utf-8"
    )
    result = run_cli("archive", "--edition", EDITION, root=report)
    assert result.code == 1
    assert "board-pack-2014-03.pdf" in result.err and "reportgen pack" in result.err
    assert not (report / "archive" / EDITION).exists()
    assert run_cli("pack", "--edition", EDITION, root=report).code == 0
    assert run_cli("archive", "--edition", EDITION, root=report).code == 0


def test_already_archived_is_refused_before_any_build(
    archived_copy: Path, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    import reportgen.workflow

    def no_build(*args: object, **kwargs: object) -> None:
        raise AssertionError("built an edition that could not be archived")

    monkeypatch.setattr(reportgen.workflow, "build_edition", no_build)
    result = run_cli("archive", "--edition", EDITION, root=archived_copy)
    assert result.code == 1 and "already archived as v1" in result.err
