"""Small PDFs made on the spot with reportlab, for the deliver-stage tests."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from .mail_fixtures import Edition, make_edition

# (title, page index, level): reportlab nests a level-1 entry under the level-0 before it
OutlineEntry = tuple[str, int, int]
MakePdf = Callable[..., Path]


def write_pdf(path: Path, pages: Sequence[str], outline: Sequence[OutlineEntry] = ()) -> Path:
    """Write one page per text in ``pages``, with ``outline`` entries; return ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # invariant: no dates or random /ID, so the same call makes the same bytes
    pdf = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    for index, text in enumerate(pages):
        pdf.drawString(72, 760, text)
        for number, (title, page, level) in enumerate(outline):
            if page == index:
                key = f"entry{number}"
                pdf.bookmarkPage(key)
                pdf.addOutlineEntry(title, key, level=level)
        pdf.showPage()
    pdf.save()
    return path


@pytest.fixture(scope="session")
def make_pdf() -> MakePdf:
    return write_pdf


@pytest.fixture
def edition(tmp_path: Path) -> Edition:
    """An edition ready to send: a fake archived PDF, a list, an empty send log."""
    return make_edition(tmp_path)
