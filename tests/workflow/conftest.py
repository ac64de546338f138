"""Fixtures for the end-to-end command tests: report folders copied to tmp, one shared
archived edition, and helpers to read what the commands leave behind.

Every command runs in-process through ``run_cli`` (tests/conftest.py) on a copy of the
sample report folder. Builds are the slow part, so:

- every copy starts with the charts of the sample edition in its ``.reportgen-cache/``,
  hard-linked from one cache drawn once for the session (the cache is keyed by everything
  a chart depends on, so sharing it changes no bytes; a link would not do: reportgen
  does not use a cache that leads out of the report folder), and
- ``archived`` packs and archives March 2014 once per session; tests that only read it
  use it directly, tests that change it take ``archived_copy``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from tests.pdf.pdfcheck import start_struct_text, stop_struct_texts

if TYPE_CHECKING:
    from tests.conftest import SampleBuild


REPO_ROOT = Path(__file__).resolve().parents[2]
# What a report folder is made of (the rest of the repository is the tool itself).
REPORT_DIRS = ("layouts", "data", "content")
REPORT_FILES = ("distribution.yaml",)
CACHE = ".reportgen-cache"
EDITION = "2014-03"
EDITION_PDF = "Essex-Police-Performance-Update-March-2014.pdf"
PACK_PDF = f"board-pack-{EDITION}.pdf"
EDITION_PAGES = 22  # cover, contents, printed pages 1..20

MakeReport = Callable[[Path], Path]


def write_pdf(path: Path, pages: Sequence[str]) -> Path:
    """A small PDF with one page per text (a covering paper or an appendix)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    for text in pages:
        pdf.drawString(72, 760, text)
        pdf.showPage()
    pdf.save()
    return path


def snapshot(folder: Path) -> dict[str, str]:
    """Every file and folder under ``folder`` (hidden ones too): its mode and sha256."""
    found: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        mode = oct(path.stat().st_mode & 0o7777)
        if path.is_dir():
            found[str(path.relative_to(folder))] = f"dir {mode}"
        else:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            found[str(path.relative_to(folder))] = f"{mode} {digest}"
    return found


def resealed(document: dict) -> dict:
    """A manifest's JSON after an edit, its ``manifest_sha256`` made to match again: damage
    made consistently (by another tool, or by hand with care), which the deeper checks
    must still find."""
    from reportgen.deliver.archive import manifest_digest

    if "manifest_sha256" in document:
        rest = {key: value for key, value in document.items() if key != "manifest_sha256"}
        document["manifest_sha256"] = manifest_digest(rest)
    return document


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def page_texts(pdf: Path) -> list[str]:
    """The extracted text of each page, whitespace collapsed (extraction breaks lines)."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(pdf).pages]


@pytest.fixture(scope="session")
def shared_cache(sample_build: SampleBuild) -> Path:
    """The sample edition's charts, drawn once: a report folder's ``.reportgen-cache``."""
    return sample_build.root / CACHE


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system (a test's own small disk)
        shutil.copy2(source, target)


@pytest.fixture(scope="session")
def make_report(shared_cache: Path) -> MakeReport:
    """Copy the sample report folder to ``dest`` (linked to the shared chart cache)."""

    def make(dest: Path) -> Path:
        dest.mkdir(parents=True)
        for part in REPORT_DIRS:
            shutil.copytree(REPO_ROOT / part, dest / part)
        for name in REPORT_FILES:
            shutil.copy(REPO_ROOT / name, dest / name)
        shutil.copytree(shared_cache, dest / CACHE, copy_function=_link_or_copy)
        return dest

    return make


@pytest.fixture
def report(make_report: MakeReport, tmp_path: Path) -> Path:
    """A private copy of the sample report folder, nothing built or archived."""
    return make_report(tmp_path / "report")


@dataclass(frozen=True)
class Archived:
    """March 2014 packed (cover + two appendices) and archived once, as v1."""

    root: Path
    cover: Path
    appendices: tuple[Path, ...]
    pack_code: int
    pack_out: str
    pack_err: str
    archive_code: int
    archive_out: str
    archive_err: str

    @property
    def archive(self) -> Path:
        return self.root / "archive"

    @property
    def v1(self) -> Path:
        return self.archive / EDITION / "v1"

    @property
    def pack(self) -> Path:
        return self.root / "out" / PACK_PDF


@pytest.fixture(scope="session")
def archived(
    make_report: MakeReport, run_cli, tmp_path_factory: pytest.TempPathFactory
) -> Archived:
    """Shared and read-only: tests that write anywhere in it take ``archived_copy``."""
    base = tmp_path_factory.mktemp("archived")
    root = make_report(base / "report")
    cover = write_pdf(base / "papers" / "cover.pdf", ["Agenda item 5", "Covering paper p2"])
    appendices = (
        write_pdf(base / "papers" / "a.pdf", ["Appendix A"]),
        write_pdf(base / "papers" / "b.pdf", ["Appendix B p1", "Appendix B p2", "B p3"]),
    )
    pack = run_cli(
        "pack",
        "--edition",
        EDITION,
        "--cover",
        str(cover),
        "--append",
        str(appendices[0]),
        "--append",
        str(appendices[1]),
        root=root,
    )
    assert pack.code == 0, pack.err
    done = run_cli("archive", "--edition", EDITION, root=root)
    assert done.code == 0, done.err
    # test_archival reads the archived copy's structure: poppler starts on it now
    start_struct_text(root / "archive" / EDITION / "v1" / EDITION_PDF)
    return Archived(
        root, cover, appendices, pack.code, pack.out, pack.err, done.code, done.out, done.err
    )


@pytest.fixture
def archived_copy(archived: Archived, tmp_path: Path) -> Path:
    """A private copy of the archived report folder (archive/, out/ and all)."""
    root = tmp_path / "report"
    shutil.copytree(archived.root, root, symlinks=True)
    return root


def pytest_sessionfinish() -> None:
    stop_struct_texts()
