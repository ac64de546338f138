"""The archived copy of the edition is PDF/A-3b: the edition with its figures and inputs
attached as associated files (`reportgen archive`)."""

from __future__ import annotations

import pikepdf
import pytest

from tests.pdf.pdfcheck import assert_pdfa, parse_struct_text, struct_text

from .conftest import EDITION_PDF, Archived

pytestmark = pytest.mark.slow


def test_the_archived_copy_is_pdfa_3b(archived: Archived) -> None:
    assert_pdfa((archived.v1 / EDITION_PDF).read_bytes(), "3b")


def test_each_attachment_is_an_associated_file(archived: Archived) -> None:
    with pikepdf.open(archived.v1 / EDITION_PDF) as pdf:
        specs = {name: spec.obj for name, spec in pdf.attachments.items()}
        assert "figures.csv" in specs and "data__monthly.csv" in specs and len(specs) > 10
        assert sorted(str(s.UF) for s in pdf.Root.AF) == sorted(specs)
        assert all(any(s == af for af in pdf.Root.AF) for s in specs.values())
        for name, spec in specs.items():
            assert str(spec.UF) == str(spec.F) == name
            expected = "/Data" if name == "figures.csv" else "/Source"
            assert spec.AFRelationship == pikepdf.Name(expected), name
            subtype = str(spec.EF.F.Subtype)
            suffix = name.rsplit(".", 1)[-1]
            assert (
                subtype
                == {
                    "csv": "/text/csv",
                    "md": "/text/markdown",
                    "yaml": "/application/yaml",
                }[suffix]
            ), name
            assert str(spec.EF.F.Params.ModDate) == "D:20140331000000Z"
            assert str(spec.Desc).endswith(name)
        with pdf.open_metadata() as meta:
            assert meta["pdfaid:part"] == "3" and meta["pdfuaid:part"] == "1"


def test_the_archived_copy_keeps_its_structure(archived: Archived) -> None:
    structure = parse_struct_text(struct_text(archived.v1 / EDITION_PDF))
    assert len(structure.find("H1")) == 8 and len(structure.find("Figure")) == 9
    with pikepdf.open(archived.v1 / EDITION_PDF) as pdf:
        assert pdf.Root.MarkInfo.Marked is True and str(pdf.Root.Lang) == "en-GB"
