"""build_pack: joined pages, outline, page labels, metadata, determinism, bad inputs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from pypdf import PdfReader, PdfWriter

from reportgen import notices
from reportgen.deliver.pack import build_pack
from reportgen.errors import DeliveryError

TITLE = "Performance Update: March 2014"
METADATA = {"title": "Board pack: March 2014", "author": "Performance Team", "subject": "MPR"}


@dataclass(frozen=True)
class Inputs:
    edition: Path  # 4 pages labelled Cover, Contents, 1, 2; outline Crime > Burglary, ASB
    unlabelled: Path  # 3 pages, no page labels, no outline
    cover: Path  # 2 pages
    appendix: Path  # 1 page, named crime-tables.pdf


@pytest.fixture(scope="session")
def inputs(tmp_path_factory: pytest.TempPathFactory, make_pdf: Any) -> Inputs:
    folder = tmp_path_factory.mktemp("pack-inputs")
    plain = make_pdf(
        folder / "plain-edition.pdf",
        ["cover", "contents", "crime", "asb"],
        outline=[("Crime", 2, 0), ("Burglary", 3, 1), ("Anti-social behaviour", 3, 0)],
    )
    writer = PdfWriter(clone_from=plain)
    writer.set_page_label(0, 0, prefix="Cover")
    writer.set_page_label(1, 1, prefix="Contents")
    writer.set_page_label(2, 3, style="/D", start=1)
    edition = folder / "edition.pdf"
    writer.write(edition)
    assert PdfReader(edition).page_labels == ["Cover", "Contents", "1", "2"]
    return Inputs(
        edition=edition,
        unlabelled=make_pdf(folder / "unlabelled.pdf", ["a", "b", "c"]),
        cover=make_pdf(folder / "cover.pdf", ["covering paper 1", "covering paper 2"]),
        appendix=make_pdf(folder / "crime-tables.pdf", ["appendix"]),
    )


def full_pack(inputs: Inputs, out: Path) -> Path:
    return build_pack(
        inputs.edition,
        out,
        edition_title=TITLE,
        cover=inputs.cover,
        appendices=[inputs.appendix],
        metadata=METADATA,
    )


def outline_tree(reader: PdfReader) -> list[Any]:
    """The outline as [(title, page index, [children...]), ...]."""

    def walk(items: list[Any]) -> list[Any]:
        tree: list[Any] = []
        for item in items:
            if isinstance(item, list):
                title, page, _ = tree[-1]
                tree[-1] = (title, page, walk(item))
            else:
                tree.append((item.title, reader.get_destination_page_number(item), []))
        return tree

    return walk(reader.outline)


def test_pack_joins_cover_edition_and_appendix(inputs: Inputs, tmp_path: Path) -> None:
    out = full_pack(inputs, tmp_path / "pack.pdf")

    reader = PdfReader(out)
    assert len(reader.pages) == 2 + 4 + 1
    assert [page.extract_text().strip() for page in reader.pages] == [
        "covering paper 1",
        "covering paper 2",
        "cover",
        "contents",
        "crime",
        "asb",
        "appendix",
    ]


def test_outline_has_a_paper_per_entry_and_nests_the_edition_sections(
    inputs: Inputs, tmp_path: Path
) -> None:
    reader = PdfReader(full_pack(inputs, tmp_path / "pack.pdf"))

    assert outline_tree(reader) == [
        ("Covering paper", 0, []),
        (
            TITLE,
            2,
            [("Crime", 4, [("Burglary", 5, [])]), ("Anti-social behaviour", 5, [])],
        ),
        ("Appendix 1: crime-tables", 6, []),
    ]


def test_edition_pages_keep_their_printed_labels(inputs: Inputs, tmp_path: Path) -> None:
    reader = PdfReader(full_pack(inputs, tmp_path / "pack.pdf"))

    assert reader.page_labels == [
        "Paper-1",
        "Paper-2",
        "Cover",
        "Contents",
        "1",
        "2",
        "A1-1",
    ]


def test_unlabelled_edition_is_numbered_from_one(inputs: Inputs, tmp_path: Path) -> None:
    out = build_pack(
        inputs.unlabelled,
        tmp_path / "pack.pdf",
        edition_title=TITLE,
        cover=inputs.cover,
        appendices=[inputs.appendix, inputs.appendix],
    )

    assert PdfReader(out).page_labels == ["Paper-1", "Paper-2", "1", "2", "3", "A1-1", "A2-1"]


def test_edition_alone(inputs: Inputs, tmp_path: Path) -> None:
    reader = PdfReader(build_pack(inputs.edition, tmp_path / "pack.pdf", edition_title=TITLE))

    assert len(reader.pages) == 4
    assert reader.page_labels == ["Cover", "Contents", "1", "2"]
    assert [title for title, _, _ in outline_tree(reader)] == [TITLE]
    assert reader.metadata is not None and reader.metadata.title == TITLE


def test_metadata(inputs: Inputs, tmp_path: Path) -> None:
    reader = PdfReader(full_pack(inputs, tmp_path / "pack.pdf"))

    assert reader.metadata is not None
    assert reader.metadata.title == METADATA["title"]
    assert reader.metadata.author == METADATA["author"]
    assert reader.metadata.subject == METADATA["subject"]


def test_same_inputs_give_the_same_bytes(inputs: Inputs, tmp_path: Path) -> None:
    first = full_pack(inputs, tmp_path / "one.pdf").read_bytes()
    second = full_pack(inputs, tmp_path / "two.pdf").read_bytes()
    retitled = build_pack(
        inputs.edition,
        tmp_path / "three.pdf",
        edition_title="Performance Update: April 2014",
        cover=inputs.cover,
        appendices=[inputs.appendix],
        metadata=METADATA,
    )

    assert first == second
    first_id = document_id(tmp_path / "one.pdf")
    assert first_id[0] == first_id[1] and len(first_id[0]) == 16
    assert document_id(retitled)[0] != first_id[0]


def document_id(pdf: Path) -> tuple[bytes, bytes]:
    first, second = PdfReader(pdf).trailer["/ID"]
    # pypdf hands back a str when the bytes happen to decode as text
    return tuple(getattr(x, "original_bytes", x) for x in (first, second))  # type: ignore[return-value]


def _encrypted(inputs: Inputs, bad: Path) -> None:
    writer = PdfWriter(clone_from=inputs.edition)
    writer.encrypt("secret")
    writer.write(bad)


def _text(inputs: Inputs, bad: Path) -> None:
    bad.write_text("Minutes of the last meeting\n")


def _truncated(inputs: Inputs, bad: Path) -> None:
    data = inputs.edition.read_bytes()
    bad.write_bytes(data[: len(data) // 2])


def _page_lost(inputs: Inputs, bad: Path) -> None:
    # opens fine, but pypdf silently drops the page whose type is garbled
    data = inputs.cover.read_bytes()
    assert data.count(b"/Type /Page\n") == 2
    bad.write_bytes(data.replace(b"/Type /Page\n", b"/Type /Junk\n", 1))


def _no_page_tree(inputs: Inputs, bad: Path) -> None:
    data = inputs.cover.read_bytes()
    bad.write_bytes(data.replace(b"/Kids", b"/Kidz", 1))


def _drawing_damaged(inputs: Inputs, bad: Path) -> None:
    # every structure pypdf reads is whole: only the first page's drawing is cut off
    # mid-string, which pypdf copies unread into the pack
    with pikepdf.open(inputs.cover) as pdf:
        pdf.pages[0].Contents = pdf.make_stream(b"BT /F1 12 Tf 72 700 Td (Minutes of th")
        pdf.save(bad)


def _missing(inputs: Inputs, bad: Path) -> None:
    pass


@pytest.mark.parametrize(
    ("spoil", "complaint"),
    [
        (_encrypted, "encrypted"),
        (_text, "not a PDF"),
        (_truncated, "damaged or truncated"),
        (_page_lost, "declares 2 pages but only 1 can be read"),
        (_no_page_tree, "has no pages"),
        (_drawing_damaged, "is damaged: page 1: "),
        (_missing, "not found"),
    ],
    ids=["encrypted", "text", "truncated", "page-lost", "no-page-tree", "drawing", "missing"],
)
@pytest.mark.parametrize("role", ["cover", "edition", "appendix"])
def test_bad_input_is_named_and_nothing_is_written(
    inputs: Inputs, tmp_path: Path, spoil: Any, complaint: str, role: str
) -> None:
    bad = tmp_path / "in" / f"bad-{role}.pdf"
    bad.parent.mkdir()
    spoil(inputs, bad)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "pack.pdf"
    out.write_bytes(b"previous pack")

    with pytest.raises(DeliveryError) as caught:
        build_pack(
            bad if role == "edition" else inputs.edition,
            out,
            edition_title=TITLE,
            cover=bad if role == "cover" else inputs.cover,
            appendices=[inputs.appendix, bad] if role == "appendix" else [inputs.appendix],
        )

    assert caught.value.file == str(bad)
    assert complaint in caught.value.message
    assert caught.value.hint
    assert sorted(p.name for p in out_dir.iterdir()) == ["pack.pdf"]
    assert out.read_bytes() == b"previous pack"


def test_bad_input_leaves_no_output_file_at_all(inputs: Inputs, tmp_path: Path) -> None:
    missing = tmp_path / "nope.pdf"
    out = tmp_path / "new" / "pack.pdf"

    with pytest.raises(DeliveryError, match="appendix 2 not found"):
        build_pack(inputs.edition, out, edition_title=TITLE, appendices=[inputs.appendix, missing])

    assert not out.parent.exists()


def test_a_damaged_paper_that_can_be_read_is_one_warning_not_bare_lines(
    inputs: Inputs, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data = inputs.cover.read_bytes()
    at = data.rindex(b"startxref")
    offset = int(data[at:].split()[1])
    damaged = tmp_path / "cover.pdf"  # its cross-reference table is not where it says
    damaged.write_bytes(data[:at] + f"startxref\n{offset + 7}\n%%EOF\n".encode())
    heard: list[notices.Notice] = []
    with notices.listening(heard.append):
        pack = build_pack(inputs.edition, tmp_path / "pack.pdf", edition_title=TITLE, cover=damaged)
    assert len(PdfReader(pack).pages) == 2 + 4
    assert [n.kind for n in heard] == ["warning"]
    assert heard[0].text.startswith(f"{damaged}: covering paper: damaged, but it could be read")
    # pypdf's own records stop at its logger: none reaches the root logger, whose
    # last-resort handler printed them on stderr
    assert [r.getMessage() for r in caplog.records if r.name.startswith("pypdf")] == []


def _one_page_with_indirect_count(path: Path) -> Path:
    """A one-page PDF written by hand whose page tree says "/Count 5 0 R" (qpdf and
    reportlab write the count directly, but the standard allows a reference)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 5 0 R >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length 0 >>\nstream\n\nendstream",
        b"1",
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    path.write_bytes(bytes(out))
    return path


def test_a_page_count_stored_as_an_indirect_object_is_a_page_count(
    inputs: Inputs, tmp_path: Path
) -> None:
    cover = _one_page_with_indirect_count(tmp_path / "indirect-count.pdf")
    pack = build_pack(inputs.edition, tmp_path / "pack.pdf", edition_title=TITLE, cover=cover)
    assert len(PdfReader(pack).pages) == 1 + 4
