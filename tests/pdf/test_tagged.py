"""The edition as a tagged PDF (PDF/UA structure), read back with poppler and pikepdf.

``pdfinfo -struct-text`` shows the structure as a screen reader gets it; pikepdf reads
what poppler does not print (/Alt, the ParentTree, the marked content in the pages).
"""

from __future__ import annotations

import io
import re

import pikepdf
import pytest
import yaml

from reportgen.compute.alttext import chart_description
from reportgen.compute.edition import compute_edition
from reportgen.load.content import BulletList
from reportgen.load.folder import load_content, load_report
from reportgen.months import Month

from .conftest import CONTENTS_PAGE, EDITION, FIRST_NUMBERED, REPO_ROOT, SECTIONS, BuiltPdf
from .pdfcheck import Node, drawn_texts, parse_struct_text, squeeze, struct_text

pytestmark = pytest.mark.slow

# operators that put marks on the page: text, paths, shadings, XObjects, inline images
PAINTING = {
    "Tj", "TJ", "'", '"', "f", "F", "f*", "B", "B*", "b", "b*", "S", "s", "sh", "Do", "BI",
}  # fmt: skip


@pytest.fixture(scope="module")
def structure(sample_pdf: BuiltPdf) -> Node:
    return parse_struct_text(struct_text(sample_pdf.path))


@pytest.fixture(scope="module")
def tagged(sample_pdf: BuiltPdf) -> pikepdf.Pdf:
    return pikepdf.open(io.BytesIO(sample_pdf.data))


@pytest.fixture(scope="module")
def edition():
    folder = load_report(REPO_ROOT)
    month = Month.parse(EDITION)
    return compute_edition(folder, month, load_content(folder, month))


# -- the document ---------------------------------------------------------------------


def test_catalog_says_tagged_with_language_and_title_shown(tagged: pikepdf.Pdf) -> None:
    root = tagged.Root
    layout = yaml.safe_load((REPO_ROOT / "layouts" / "report.yaml").read_text(encoding="utf-8"))
    assert root.MarkInfo.Marked is True
    assert str(root.Lang) == layout["report"]["language"] == "en-GB"
    assert root.ViewerPreferences.DisplayDocTitle is True
    tree = root.StructTreeRoot
    assert tree.Type == pikepdf.Name.StructTreeRoot and "/Nums" in tree.ParentTree
    for page in tagged.pages:
        assert page.obj.Tabs == pikepdf.Name.S
        assert "/StructParents" in page.obj


def test_document_reads_cover_contents_then_the_eight_sections(structure: Node) -> None:
    assert structure.role == "Document"
    assert [k.role for k in structure.kids] == ["P"] * 4 + ["TOC"] + ["Sect"] * 8
    assert [k.text() for k in structure.kids[:4]] == [
        "EssexPolice",
        "PerformanceUpdate",
        "March2014",
        "AreasofFocusPage",
    ]


def test_eight_h1_are_the_section_titles_as_printed(structure: Node) -> None:
    h1 = structure.find("H1")
    assert [n.text() for n in h1] == [squeeze(s.running_title) for s in SECTIONS]
    # each the first element of its section
    assert [sect.kids[0] for sect in structure.find("Sect")] == h1
    headings = [n.role for n in structure.walk() if re.fullmatch(r"H\d", n.role)]
    for before, after in zip(headings, headings[1:], strict=False):
        assert int(after[1]) <= int(before[1]) + 1, "a heading level is skipped"
    sect1 = structure.find("Sect")[0]
    assert [n.text() for n in sect1.kids if n.role == "H2"][:2] == [
        "PerformanceInformation",
        "ManagementInformation",
    ]
    assert "H3" in headings  # section 7's narrative has ### headings


def test_contents_is_a_toc_of_links_to_the_sections(structure: Node, tagged) -> None:
    [toc] = structure.find("TOC")
    assert [k.role for k in toc.kids] == ["TOCI"] * 8
    for item, section in zip(toc.kids, SECTIONS, strict=True):
        [link] = item.find("Link")
        assert link.text() == squeeze(section.contents_title) + str(section.first_page)
        assert link.objects == 1
    # each link annotation knows its Link element, says where it goes and prints
    page = tagged.pages[CONTENTS_PAGE].obj
    parents = _parent_tree(tagged)
    links = [a for a in page.Annots if a.Subtype == pikepdf.Name.Link]
    assert len(links) == 8
    for annotation, section in zip(links, SECTIONS, strict=True):
        element = parents[int(annotation.StructParent)]
        assert element.S == pikepdf.Name.Link
        assert any(
            isinstance(k, pikepdf.Dictionary) and k.get("/Obj") == annotation for k in element.K
        )
        assert str(annotation.Contents) == f"Go to {section.contents_title}"
        assert int(annotation.F) & 4


def test_each_table_has_header_cells_for_columns_and_rows(structure: Node, edition) -> None:
    tables = structure.find("Table")
    expected = edition.tables()
    assert len(tables) == len(expected) == 7
    for table, rows in zip(tables, expected, strict=True):
        assert all(k.role == "TR" for k in table.kids)
        assert len(table.kids) == len(rows.rows) + 1
        header, *body = table.kids
        assert header.kids and all(c.role == "TH" for c in header.kids)
        assert all(c.attributes["/Scope"] == "/Column" for c in header.kids)
        assert header.kids[0].text() == squeeze(rows.caption)
        for row, cells in zip(body, rows.rows, strict=True):
            first, *rest = row.kids
            assert first.role == "TH" and first.attributes == {"/Scope": "/Row"}
            assert first.text() == squeeze(cells.label)
            assert [c.role for c in rest] == ["TD"] * len(rest)
    # the statement table's caption heads both its columns
    assert tables[-1].kids[0].kids[0].attributes == {"/Scope": "/Column", "/ColSpan": "2"}


def test_nine_figures_with_alt_text_generated_from_their_data(
    structure: Node, tagged: pikepdf.Pdf, edition
) -> None:
    assert len(structure.find("Figure")) == 9
    figures = [e for e in _elements(tagged) if e.S == pikepdf.Name.Figure]
    alts = [str(f.Alt) for f in figures]
    assert alts == [chart_description(c) for c in edition.charts()]
    assert all(len(a) > 100 for a in alts)
    for figure in figures:
        assert figure.A.O == pikepdf.Name.Layout and len(figure.A.BBox) == 4


def test_bullet_lists_are_lists_with_labels_and_bodies(structure: Node, edition) -> None:
    items = [
        item
        for s in edition.sections
        for b in s.blocks
        if hasattr(b, "blocks")
        for block in b.blocks
        if isinstance(block, BulletList)
        for item in block.items
    ]
    listed = structure.find("LI")
    assert len(listed) == len(items) > 10
    for li, item in zip(listed, items, strict=True):
        assert [k.role for k in li.kids] == ["Lbl", "LBody"]
        assert re.fullmatch(r"•|\d+\.", li.kids[0].text())
        assert li.kids[1].text() == squeeze(item.text)


# -- content and structure ------------------------------------------------------------


def test_the_structure_reads_every_word_outside_artifacts_in_drawn_order(
    sample_pdf: BuiltPdf, structure: Node
) -> None:
    read = "".join(
        squeeze(d.text) for d in drawn_texts(sample_pdf.data) if "/Artifact" not in d.tags
    )
    assert len(read) > 25000
    assert structure.text() == read


def test_no_text_outside_marked_content(sample_pdf: BuiltPdf) -> None:
    drawn = drawn_texts(sample_pdf.data)
    assert drawn and [d for d in drawn if not d.tags] == []


def test_nothing_is_painted_outside_marked_content(tagged: pikepdf.Pdf) -> None:
    for index, page in enumerate(tagged.pages):
        depth = 0
        for _operands, operator in pikepdf.parse_content_stream(page):
            name = str(operator)
            if name in ("BDC", "BMC"):
                depth += 1
            elif name == "EMC":
                depth -= 1
            elif name in PAINTING:
                assert depth > 0, f"page {index + 1}: {name} outside marked content"
        assert depth == 0, f"page {index + 1}: unbalanced marked content"


def test_every_mcid_maps_to_the_element_that_holds_it(tagged: pikepdf.Pdf) -> None:
    parents = _parent_tree(tagged)
    for index, page in enumerate(tagged.pages):
        mcids = [
            int(operands[1].MCID)
            for operands, operator in pikepdf.parse_content_stream(page)
            if str(operator) == "BDC" and "/MCID" in operands[1]
        ]
        assert sorted(mcids) == list(range(len(mcids))), f"page {index + 1}"
        owners = parents[int(page.obj.StructParents)]
        assert len(owners) == len(mcids)
        for mcid, element in enumerate(owners):
            assert any(
                (kid == mcid and element.Pg == page.obj)
                or (isinstance(kid, pikepdf.Dictionary) and kid.get("/MCID") == mcid)
                for kid in element.K
            ), f"page {index + 1} MCID {mcid}"


def test_running_header_page_numbers_and_repeated_titles_are_artifacts(
    sample_pdf: BuiltPdf,
) -> None:
    drawn = drawn_texts(sample_pdf.data)
    for section in SECTIONS:
        for printed in range(section.first_page, section.last_page + 1):
            index = printed - 1 + FIRST_NUMBERED
            artifacts = [
                squeeze(d.text) for d in drawn if d.page == index and d.tags[:1] == ("/Artifact",)
            ]
            title = squeeze(section.running_title)
            expected = [squeeze("Monthly Performance Report: March 2014")]
            expected += [title] if printed != section.first_page else []
            assert "".join(artifacts) == "".join(expected) + str(printed), printed
            first = [d for d in drawn if d.page == index][1 if printed == section.first_page else 0]
            if printed == section.first_page:
                assert first.tags == ("/H1",) and squeeze(first.text) in title


def test_the_draft_mark_is_an_artifact(draft_pdf: BuiltPdf) -> None:
    marks = [d for d in drawn_texts(draft_pdf.data) if d.text.strip() == "DRAFT"]
    assert len(marks) == 22
    assert all(d.tags == ("/Artifact",) for d in marks)


# -- helpers --------------------------------------------------------------------------


def _elements(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    found: list[pikepdf.Dictionary] = []

    def visit(node: pikepdf.Object) -> None:
        if isinstance(node, pikepdf.Array):
            for kid in node:
                visit(kid)
        elif isinstance(node, pikepdf.Dictionary) and node.get("/Type") == pikepdf.Name.StructElem:
            found.append(node)
            visit(node.get("/K", pikepdf.Array()))

    visit(pdf.Root.StructTreeRoot.K)
    return found


def _parent_tree(pdf: pikepdf.Pdf) -> dict[int, pikepdf.Object]:
    nums = pdf.Root.StructTreeRoot.ParentTree.Nums
    return {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
