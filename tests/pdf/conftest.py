"""Fixtures for the PDF tests: the sample edition built once, and scratch report folders.

The sample PDF is built once per session into a temporary folder (never into the
repository: no chart cache, no ``out/``); every test in ``test_edition_pdf.py`` reads
that one file with pypdf. Tests that need a changed report folder copy ``layouts/``,
``data/`` and ``content/`` into their own ``tmp_path`` and build that.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from pypdf import PageObject, PdfReader

from tests.conftest import copy_sample

from .pdfcheck import start_struct_text, stop_struct_texts

if TYPE_CHECKING:
    from tests.conftest import SampleBuild


REPO_ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
GOLDEN_CSV = REPO_ROOT / "tests" / "golden" / "march-2014-tables.csv"
REFERENCE_PARAGRAPHS = HERE / "reference_paragraphs.txt"
EDITION = "2014-03"
RUNNING_HEADER = "Monthly Performance Report: March 2014"
CONTENTS_PAGE = 1  # 0-based PDF page index; the cover is 0
FIRST_NUMBERED = 2  # PDF index of printed page 1


@dataclass(frozen=True)
class SectionFacts:
    """One section as the printed edition's contents page and running header give it."""

    number: int
    contents_title: str
    running_title: str
    first_page: int  # printed page number
    last_page: int

    def pdf_index(self, printed: int | None = None) -> int:
        return (self.first_page if printed is None else printed) - 1 + FIRST_NUMBERED


# The page map of the printed March 2014 edition (facts, copied from the reference).
SECTIONS = (
    SectionFacts(1, "1. Reducing Domestic Abuse", "1. Reducing Domestic Abuse", 1, 4),
    SectionFacts(
        2, "2. Supporting our Victims of Crime", "2. Supporting Our Victims of Crime", 5, 7
    ),
    SectionFacts(
        3,
        "3. Reducing Youth Offending and Reoffending in General",
        "3. Reducing Youth Offending and Re-offending in General",
        8,
        9,
    ),
    SectionFacts(
        4,
        "4. Tackling Consequences of Alcohol and Drug Abuse, and Mental Health Issues",
        "4. Tackling Consequences of Alcohol and Drug Abuse, and Mental Health Issues",
        10,
        11,
    ),
    SectionFacts(5, "5. Improving Road Safety", "5. Improving Road Safety", 12, 13),
    SectionFacts(6, "6. Improving Crime Prevention", "6. Improving Crime Prevention", 14, 17),
    SectionFacts(
        7,
        "7. Increasing Efficiency in Policing through Collaborative Working and Innovation",
        "7. Increasing Efficiency in Policing Through Collaborative Working and Innovation",
        18,
        19,
    ),
    SectionFacts(8, "8. Organisational Health", "8. Organisational Health", 20, 20),
)


def section_of_printed_page(printed: int) -> SectionFacts:
    return next(s for s in SECTIONS if s.first_page <= printed <= s.last_page)


def normalise(text: str) -> str:
    """Extracted text -> one line: a hyphen at a line end joins, all whitespace is one space."""
    text = re.sub(r"(?<=\w)-\n(?=\w)", "-", text)
    return " ".join(text.split())


@dataclass(frozen=True)
class TextRun:
    """A piece of text as drawn: where it starts (user space), its font and its size."""

    x: float
    y: float
    font: str
    size: float
    text: str


def text_runs(page: PageObject) -> list[TextRun]:
    runs: list[TextRun] = []

    def visit(text, cm, tm, font, size) -> None:  # pypdf's visitor
        if not text.strip():
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        name = str((font or {}).get("/BaseFont", ""))
        runs.append(TextRun(x, y, name, float(size or 0), text))

    page.extract_text(visitor_text=visit)
    return runs


@dataclass
class BuiltPdf:
    """A built edition and pypdf's reading of it, each page's text extracted once."""

    path: Path
    data: bytes
    built_at: float  # time.monotonic() when the build finished

    @cached_property
    def reader(self) -> PdfReader:
        return PdfReader(io.BytesIO(self.data))

    @cached_property
    def texts(self) -> list[str]:
        return [page.extract_text() for page in self.reader.pages]

    @cached_property
    def runs(self) -> list[list[TextRun]]:
        return [text_runs(page) for page in self.reader.pages]

    def text(self, index: int) -> str:
        """Page ``index`` (0-based PDF page) as normalised text."""
        return normalise(self.texts[index])


def build_pdf(root: Path, out: Path, *, draft: bool = False) -> BuiltPdf:
    from reportgen.assemble.build import build_edition
    from reportgen.months import Month

    out.parent.mkdir(parents=True, exist_ok=True)  # reportgen makes no folder for --out
    result = build_edition(root, Month.parse(EDITION), out, draft=draft, use_cache=False)
    return BuiltPdf(result.path, result.path.read_bytes(), time.monotonic())


@pytest.fixture(scope="session")
def sample_pdf(sample_build: SampleBuild) -> BuiltPdf:
    """The sample March 2014 edition, built once per session (``sample_build``)."""
    start_struct_text(sample_build.pdf)  # test_tagged reads it
    return BuiltPdf(sample_build.pdf, sample_build.pdf.read_bytes(), time.monotonic())


def pytest_sessionfinish() -> None:
    stop_struct_texts()


@pytest.fixture
def scratch_report(tmp_path: Path) -> Path:
    """A private copy of the sample report folder (layouts/, data/, content/) to change."""
    return copy_sample(tmp_path / "report")


@dataclass(frozen=True)
class CliRun:
    code: int
    out: str
    err: str


@pytest.fixture(scope="session")
def reportgen_cli() -> Callable[..., CliRun]:
    """``reportgen --root ROOT ARGS...`` run in-process, output captured."""
    from reportgen.cli import main

    def run(root: Path, *args: str) -> CliRun:
        out, err = io.StringIO(), io.StringIO()
        code = main(["--root", str(root), *args], stdout=out, stderr=err)
        return CliRun(code, out.getvalue(), err.getvalue())

    return run


@pytest.fixture(scope="session")
def draft_pdf(sample_build: SampleBuild, tmp_path_factory: pytest.TempPathFactory) -> BuiltPdf:
    """The sample edition built as a draft (DRAFT on every page), once per session; its
    charts are the sample build's, from its cache."""
    from reportgen.assemble.build import build_edition
    from reportgen.months import Month

    out = tmp_path_factory.mktemp("draft") / "performance-update-2014-03-DRAFT.pdf"
    result = build_edition(sample_build.root, Month.parse(EDITION), out, draft=True)
    return BuiltPdf(result.path, result.path.read_bytes(), time.monotonic())
