"""The edition (and its draft) as PDF/A-2b, checked with pikepdf's PDF/A validator and qpdf.

pikepdf's validator does not know PDF/A extension schemas, so it denies the one that
declares the PDF/UA identification; see ``pdfcheck.assert_pdfa`` for what is asked.
"""

from __future__ import annotations

import hashlib
import io
import subprocess

import pikepdf
import pikepdf.pdfa
import pytest

from reportgen.assemble.archival import srgb_profile

from .conftest import REPO_ROOT, BuiltPdf
from .pdfcheck import assert_pdfa, without_pdfua_identification

pytestmark = pytest.mark.slow

RESOURCES = REPO_ROOT / "reportgen" / "assemble" / "resources"
MAX_SIZE = 300 * 1024  # the edition is emailed and published: 300 KB at most


@pytest.fixture(params=["edition", "draft"])
def built(request: pytest.FixtureRequest, sample_pdf: BuiltPdf, draft_pdf: BuiltPdf) -> BuiltPdf:
    return sample_pdf if request.param == "edition" else draft_pdf


def test_is_pdfa_2b_but_for_the_pdfua_declaration_pikepdf_does_not_know(built: BuiltPdf) -> None:
    assert_pdfa(built.data, "2b")


def test_the_control_really_removes_only_the_pdfua_identification(sample_pdf: BuiltPdf) -> None:
    stripped = without_pdfua_identification(sample_pdf.data)
    with pikepdf.open(io.BytesIO(stripped)) as pdf, pdf.open_metadata() as meta:
        assert "pdfuaid:part" not in meta
        assert meta["pdfaid:part"] == "2" and meta["dc:title"]
        assert len(pdf.pages) == 22 and "/StructTreeRoot" in pdf.Root


def test_xmp_says_what_the_information_dictionary_says(built: BuiltPdf) -> None:
    with pikepdf.open(io.BytesIO(built.data)) as pdf:
        info = pdf.docinfo
        meta = pdf.open_metadata()
        assert meta["dc:title"] == str(info.Title)
        assert meta["dc:creator"] == [str(info.Author)]
        assert meta["dc:description"] == str(info.Subject)
        assert meta["xmp:CreatorTool"] == str(info.Creator)
        assert meta["pdf:Producer"] == str(info.Producer)
        assert str(info.CreationDate) == str(info.ModDate) == "D:20140331000000Z"
        assert meta["xmp:CreateDate"] == meta["xmp:ModifyDate"] == "2014-03-31T00:00:00Z"
        assert meta["dc:language"] == {"en-GB"}  # an rdf:Bag
        assert (meta["pdfaid:part"], meta["pdfaid:conformance"]) == ("2", "B")
        assert meta["pdfuaid:part"] == "1"


def test_the_draft_says_draft_in_its_title(sample_pdf: BuiltPdf, draft_pdf: BuiltPdf) -> None:
    title = "Essex Police Performance Update: March 2014"
    assert str(pikepdf.open(io.BytesIO(sample_pdf.data)).docinfo.Title) == title
    with pikepdf.open(io.BytesIO(draft_pdf.data)) as pdf:
        assert str(pdf.docinfo.Title) == f"DRAFT \u2013 {title}"
        assert pdf.open_metadata()["dc:title"] == f"DRAFT \u2013 {title}"


def test_srgb_output_intent_from_the_shipped_profile(built: BuiltPdf) -> None:
    readme = (RESOURCES / "README.md").read_text(encoding="utf-8")
    digest = hashlib.sha256(srgb_profile()).hexdigest()
    assert digest in readme and "zlib" in readme.lower()
    with pikepdf.open(io.BytesIO(built.data)) as pdf:
        [intent] = pdf.Root.OutputIntents
        assert intent.S == pikepdf.Name.GTS_PDFA1
        profile = intent.DestOutputProfile
        assert profile.N == 3 and profile.read_bytes() == srgb_profile()


def test_header_annotations_and_pages_as_pdfa_wants(built: BuiltPdf) -> None:
    assert built.data.startswith(b"%PDF-1.7\n")
    with pikepdf.open(io.BytesIO(built.data)) as pdf:
        annotations = [a for page in pdf.pages for a in page.obj.get("/Annots", [])]
        assert len(annotations) == 8
        assert all(int(a.F) & 4 for a in annotations)  # printed with the page
        assert all("/Trans" not in page.obj for page in pdf.pages)


def test_qpdf_finds_nothing_wrong(built: BuiltPdf) -> None:
    result = subprocess.run(["qpdf", "--check", str(built.path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No syntax or stream encoding errors found" in result.stdout


def test_the_edition_stays_small(sample_pdf: BuiltPdf) -> None:
    assert len(sample_pdf.data) <= MAX_SIZE


def test_shipped_resources_are_package_data() -> None:
    pyproject = (REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"reportgen.assemble" = ["resources/*"]' in pyproject
    assert sorted(p.name for p in RESOURCES.iterdir()) == ["README.md", "metadata.xmp", "sRGB.icc"]
