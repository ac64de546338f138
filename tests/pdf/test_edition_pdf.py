"""The March 2014 edition as a PDF, read back with pypdf against the printed edition.

Most tests read the one sample PDF the session builds (``sample_pdf``); a few build a
changed copy of the report folder (escaping, a table that splits, byte-identity).
"""

from __future__ import annotations

import csv
import io
import re
import time
from pathlib import Path

import msgspec
import pytest
import yaml
from pypdf import PageObject, PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from .conftest import (
    CONTENTS_PAGE,
    FIRST_NUMBERED,
    GOLDEN_CSV,
    REFERENCE_PARAGRAPHS,
    REPO_ROOT,
    RUNNING_HEADER,
    SECTIONS,
    BuiltPdf,
    TextRun,
    build_pdf,
    normalise,
    section_of_printed_page,
)
from .pdfcheck import drawn_texts, parse_struct_text, squeeze, start_struct_text, struct_text

pytestmark = pytest.mark.slow  # every test reads the sample edition's PDF, built once per session

PRINTED_PAGES = range(1, 21)

# Where the page map puts the charts, and the chart titles from layouts/report.yaml.
CHART_PAGES = {
    1: ["Domestic abuse incidents and offences by month"],
    2: ["Domestic abuse solved rate by month"],
    6: ["User satisfaction, rolling 12 months"],
    8: ["Re-offending rates by month"],
    10: ["Incidents with drug, alcohol and mental health qualifiers"],
    12: ["People killed or seriously injured by month"],
    15: ["All crime offences by month", "Offence disposals, financial year to date"],
    20: ["Average working days lost to sickness per person"],
}


def _theme():
    from reportgen.load.theme import load_theme

    return load_theme(REPO_ROOT / "layouts" / "theme.yaml")


THEME = _theme()
PAGE_WIDTH, PAGE_HEIGHT = THEME.page_size
TOP, RIGHT, BOTTOM, LEFT = THEME.margins


def in_header(run: TextRun) -> bool:
    return run.y > PAGE_HEIGHT - TOP


def in_footer(run: TextRun) -> bool:
    return run.y < BOTTOM


def join_runs(runs: list[TextRun]) -> str:
    """Text runs -> text: runs on one baseline join (with a space unless one is there)."""
    parts: list[str] = []
    previous: TextRun | None = None
    for run in runs:
        if previous is not None:
            if abs(run.y - previous.y) > 0.5:
                parts.append("\n")
            elif not (previous.text[-1:].isspace() or run.text[:1].isspace()):
                parts.append(" ")
        parts.append(run.text)
        previous = run
    return normalise("".join(parts))


def header_text(pdf: BuiltPdf, index: int) -> str:
    return join_runs([r for r in pdf.runs[index] if in_header(r)])


def footer_text(pdf: BuiltPdf, index: int) -> str:
    return join_runs([r for r in pdf.runs[index] if in_footer(r)])


def body_text(pdf: BuiltPdf, index: int) -> str:
    return join_runs([r for r in pdf.runs[index] if not in_header(r) and not in_footer(r)])


def golden_rows() -> list[dict[str, str]]:
    # the golden file has CRLF line endings: csv with newline="" reads them as rows
    with GOLDEN_CSV.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def page_index_of(reader: PdfReader, page_ref: object) -> int:
    if isinstance(page_ref, IndirectObject):
        for index, page in enumerate(reader.pages):
            if page.indirect_reference.idnum == page_ref.idnum:
                return index
    raise AssertionError(f"{page_ref!r} is not a page of this PDF")


def link_destination(reader: PdfReader, annotation: DictionaryObject) -> int:
    """The PDF page index a link annotation jumps to (/Dest or a /GoTo action)."""
    dest = annotation.get("/Dest")
    if dest is None:
        action = annotation.get("/A", {})
        assert action.get("/S") == "/GoTo", f"link is not a jump inside the PDF: {action}"
        dest = action["/D"]
    dest = dest.get_object() if isinstance(dest, IndirectObject) else dest
    if not isinstance(dest, ArrayObject):  # a named destination
        return reader.get_destination_page_number(reader.named_destinations[str(dest)])
    return page_index_of(reader, dest[0])


def contents_numbers(pdf: BuiltPdf) -> dict[int, int]:
    text = pdf.text(CONTENTS_PAGE)
    numbers = {}
    for section in SECTIONS:
        match = re.search(re.escape(section.contents_title) + r" (\d+)\b", text)
        assert match, f"no {section.contents_title!r} and page number in {text!r}"
        numbers[section.number] = int(match.group(1))
    return numbers


def walk_resources(resources: object, seen: set[int] | None = None):
    """Yield every resource dictionary reachable from ``resources`` (forms, patterns, fonts)."""
    seen = set() if seen is None else seen
    resources = resources.get_object() if resources is not None else None
    if not isinstance(resources, DictionaryObject) or id(resources) in seen:
        return
    seen.add(id(resources))
    yield resources
    for category in ("/XObject", "/Pattern"):
        for item in (resources.get(category) or {}).values():
            item = item.get_object()
            if "/Resources" in item:
                yield from walk_resources(item["/Resources"], seen)
    for font in (resources.get("/Font") or {}).values():
        font = font.get_object()
        if font.get("/Subtype") == "/Type3" and "/Resources" in font:
            yield from walk_resources(font["/Resources"], seen)


def raster_images(page: PageObject) -> list[str]:
    """Names of image XObjects reachable from the page, and its inline images."""
    names = [
        str(name)
        for resources in walk_resources(page.get("/Resources"))
        for name, item in (resources.get("/XObject") or {}).items()
        if item.get_object().get("/Subtype") == "/Image"
    ]
    return names + [image.name for image in page.images]


# -- pages, labels, contents ------------------------------------------------------------


def test_page_count_and_page_labels(sample_pdf: BuiltPdf) -> None:
    reader = sample_pdf.reader
    assert len(reader.pages) == 22
    assert reader.page_labels == ["Cover", "Contents", *(str(n) for n in PRINTED_PAGES)]


def test_cover_and_contents_page_text(sample_pdf: BuiltPdf) -> None:
    assert sample_pdf.text(0) == "Essex Police Performance Update March 2014"
    contents = sample_pdf.text(CONTENTS_PAGE)
    assert contents.startswith("Areas of Focus Page ")


def test_contents_page_numbers_are_where_the_sections_start(sample_pdf: BuiltPdf) -> None:
    # pypdf's extract_text reads the contents numbers out of their form XObjects
    numbers = contents_numbers(sample_pdf)
    first_seen: dict[int, int] = {}
    for printed in PRINTED_PAGES:
        header = header_text(sample_pdf, printed - 1 + FIRST_NUMBERED)
        for section in SECTIONS:
            if header == f"{RUNNING_HEADER} {section.running_title}":
                first_seen.setdefault(section.number, printed)
    assert first_seen == numbers
    assert numbers == {s.number: s.first_page for s in SECTIONS}


def test_contents_entries_link_to_their_sections(sample_pdf: BuiltPdf) -> None:
    reader = sample_pdf.reader
    page = reader.pages[CONTENTS_PAGE]
    links = [a.get_object() for a in page.get("/Annots", [])]
    links = [a for a in links if a.get("/Subtype") == "/Link"]
    assert len(links) == len(SECTIONS)
    links.sort(key=lambda a: -float(a["/Rect"][3]))  # top of the page first
    entry_lines = {
        s.number: next(
            r.y
            for r in sample_pdf.runs[CONTENTS_PAGE]
            if r.text.startswith(f"{s.number}. ") and s.contents_title.startswith(r.text.strip())
        )
        for s in SECTIONS
    }
    for section, link in zip(SECTIONS, links, strict=True):
        assert link_destination(reader, link) == section.pdf_index(), section.contents_title
        bottom, top = sorted(float(v) for v in (link["/Rect"][1], link["/Rect"][3]))
        assert bottom <= entry_lines[section.number] <= top, (
            f"the link to section {section.number} is not on its contents line"
        )


def test_outline_has_one_entry_per_section_at_its_first_page(sample_pdf: BuiltPdf) -> None:
    reader = sample_pdf.reader
    outline = reader.outline
    assert all(not isinstance(item, list) for item in outline), "sections have no sub-entries"
    assert [item.title for item in outline] == [s.contents_title for s in SECTIONS]
    assert [reader.get_destination_page_number(item) for item in outline] == [
        s.pdf_index() for s in SECTIONS
    ]


# -- running header and page numbers ---------------------------------------------------


@pytest.mark.parametrize("printed", PRINTED_PAGES)
def test_running_header_and_page_number_on_numbered_page(
    sample_pdf: BuiltPdf, printed: int
) -> None:
    index = printed - 1 + FIRST_NUMBERED
    section = section_of_printed_page(printed)
    assert header_text(sample_pdf, index) == f"{RUNNING_HEADER} {section.running_title}"
    assert footer_text(sample_pdf, index) == str(printed)


@pytest.mark.parametrize("index", [0, CONTENTS_PAGE])
def test_no_running_header_on_cover_and_contents(sample_pdf: BuiltPdf, index: int) -> None:
    assert RUNNING_HEADER not in sample_pdf.text(index)
    assert header_text(sample_pdf, index) == ""


def test_sections_start_on_a_new_page(sample_pdf: BuiltPdf) -> None:
    for section in SECTIONS:
        previous = section.pdf_index() - 1
        if previous >= FIRST_NUMBERED:
            assert section.running_title not in header_text(sample_pdf, previous)
        body = [
            r for r in sample_pdf.runs[section.pdf_index()] if not in_header(r) and not in_footer(r)
        ]
        top = max(body, key=lambda r: r.y)  # the first thing under the running header
        assert top.text.strip() == (
            "Performance Information" if section.number != 8 else "Management Information"
        )


def test_text_stays_inside_the_page(sample_pdf: BuiltPdf) -> None:
    for index, runs in enumerate(sample_pdf.runs):
        for run in runs:
            assert 0 <= run.x <= PAGE_WIDTH - RIGHT and 0 <= run.y <= PAGE_HEIGHT, (
                f"page {index + 1}: {run.text!r} starts at ({run.x:.0f}, {run.y:.0f})"
            )
            if index >= FIRST_NUMBERED:
                assert run.x >= LEFT - 0.5, f"page {index + 1}: {run.text!r} left of the margin"


# -- tables --------------------------------------------------------------------------


@pytest.mark.parametrize("row", golden_rows(), ids=lambda r: f"{r['section']}-{r['label'][:40]}")
def test_golden_row_printed_on_its_sections_table_page(
    sample_pdf: BuiltPdf, row: dict[str, str]
) -> None:
    section = SECTIONS[int(row["section"]) - 1]
    keys = ("label", "last_year", "this_year", "diff", "msg_rank", "movement")
    cells = {k: re.escape(normalise(row[k])) for k in keys if row[k]}
    if row["msg_rank"] not in ("", "n/a"):
        # the rank is printed with its rag mark, so the ragging is not told by colour alone
        marks = "|".join(
            re.escape(m) for m in msgspec.structs.asdict(THEME.table.rag_marks).values()
        )
        cells["msg_rank"] += f" (?:{marks})"
    printed_row = " ".join(cells.values())
    page = sample_pdf.text(section.pdf_index())
    assert re.search(printed_row, page), f"{printed_row!r} not on printed page {section.first_page}"


def test_golden_file_has_every_printed_row() -> None:
    rows = golden_rows()
    assert len(rows) == 47
    assert {r["section"] for r in rows} == {str(n) for n in range(1, 8)}


# -- narrative -----------------------------------------------------------------------


def reference_paragraphs() -> list[str]:
    return REFERENCE_PARAGRAPHS.read_text(encoding="utf-8").splitlines()


def expected_text(line: str) -> str:
    """A reference line as the PDF prints it: no *italic* markers, bullets as "•"."""
    line = line.replace("*", "")
    if line.startswith("- "):
        line = "\u2022 " + line[2:]
    return normalise(line)


def test_every_reference_paragraph_is_printed_in_order(sample_pdf: BuiltPdf) -> None:
    pages = range(FIRST_NUMBERED, len(sample_pdf.reader.pages))
    text = " ".join(body_text(sample_pdf, index) for index in pages)
    position = 0
    paragraphs = reference_paragraphs()
    assert len(paragraphs) == 121  # every narrative line of the printed edition
    for number, line in enumerate(paragraphs, start=1):
        wanted = expected_text(line)
        found = text.find(wanted, position)
        assert found >= 0, (
            f"reference paragraph {number} not printed (after what came before): {wanted!r}"
            + (" (it is printed, but earlier)" if wanted in text else "")
        )
        position = found + len(wanted)


def test_typography_survives(sample_pdf: BuiltPdf) -> None:
    text = " ".join(sample_pdf.text(i) for i in range(len(sample_pdf.reader.pages)))
    assert "‘status codes’" in text and "‘Resource Locator’" in text
    assert "Operation Shield – Repeat Perpetrators" in text
    assert "£6.633 million" in text and "£44.0 million" in text


@pytest.mark.parametrize(("printed", "word"), [(3, "improved"), (3, "decreased"), (11, "Benison")])
def test_italic_words_are_set_in_italic(sample_pdf: BuiltPdf, printed: int, word: str) -> None:
    runs = [r for r in sample_pdf.runs[printed - 1 + FIRST_NUMBERED] if r.text.strip() == word]
    assert runs, f"{word!r} is not a run of its own on printed page {printed}"
    assert all(re.search(r"Italic|Oblique", r.font) for r in runs), [r.font for r in runs]


# -- fonts, charts -------------------------------------------------------------------


def test_every_font_is_embedded(sample_pdf: BuiltPdf) -> None:
    problems = []
    for index, page in enumerate(sample_pdf.reader.pages):
        fonts = 0
        for resources in walk_resources(page.get("/Resources")):
            for name, font in (resources.get("/Font") or {}).items():
                font = font.get_object()
                fonts += 1
                if font.get("/Subtype") == "/Type3":
                    continue  # glyphs drawn by the PDF itself
                if font.get("/Subtype") == "/Type0":
                    font = font["/DescendantFonts"][0].get_object()
                descriptor = font.get("/FontDescriptor")
                descriptor = descriptor.get_object() if descriptor is not None else {}
                if not any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                    problems.append(f"page {index + 1} {name}: {font.get('/BaseFont')}")
        assert fonts, f"page {index + 1} has no fonts"
    assert not problems, "fonts not embedded: " + ", ".join(problems)


@pytest.mark.parametrize("printed", sorted(CHART_PAGES))
def test_chart_page_is_vector_with_chart_text(sample_pdf: BuiltPdf, printed: int) -> None:
    index = printed - 1 + FIRST_NUMBERED
    page = sample_pdf.reader.pages[index]
    assert raster_images(page) == [], f"raster images on printed page {printed}"
    text = sample_pdf.text(index)
    for title in CHART_PAGES[printed]:
        assert title in text, f"chart {title!r} not on printed page {printed}"


def test_no_raster_images_anywhere(sample_pdf: BuiltPdf) -> None:
    for index, page in enumerate(sample_pdf.reader.pages):
        assert raster_images(page) == [], f"raster images on page {index + 1}"


# -- metadata and reproducibility ----------------------------------------------------


def test_metadata_comes_from_the_edition(sample_pdf: BuiltPdf) -> None:
    info = sample_pdf.reader.metadata
    assert info.title == "Essex Police Performance Update: March 2014"
    assert info.author == "Essex Police Performance Analysis"
    assert info.subject == "Monthly Performance Report: March 2014"
    assert info["/CreationDate"].startswith("D:20140331")
    assert info["/ModDate"].startswith("D:20140331")


def test_two_builds_are_byte_identical(sample_pdf: BuiltPdf, tmp_path: Path) -> None:
    # a second later at least, so a clock-derived date or ID would differ
    time.sleep(max(0.0, 1.1 - (time.monotonic() - sample_pdf.built_at)))
    again = build_pdf(REPO_ROOT, tmp_path / "again" / "edition.pdf")
    assert again.path != sample_pdf.path
    assert again.data == sample_pdf.data
    assert sorted(p.name for p in again.path.parent.iterdir()) == ["edition.pdf"]


# -- changed report folders ----------------------------------------------------------

HOSTILE = '<b>&<img src=x> <font name="x">font</font> <link href="file:///etc/passwd">l</link>'


def test_markup_in_narrative_prints_literally(scratch_report: Path, tmp_path: Path) -> None:
    narrative = scratch_report / "content" / "2014-03" / "01-reducing-domestic-abuse.md"
    text = narrative.read_text(encoding="utf-8")
    text = text.replace(
        "notes: []",
        "notes:\n  - 'Note <b>bold</b> & <img src=\"x\"/> &amp;'",
        1,
    )
    text += (
        f"\n## Heading <u>&</u> <br/>\n\nParagraph {HOSTILE} &amp; &#169; *<i>*\n\n"
        f"- Bullet {HOSTILE}\n"
    )
    narrative.write_text(text, encoding="utf-8")
    pdf = build_pdf(scratch_report, tmp_path / "out" / "edition.pdf")
    printed = " ".join(pdf.text(i) for i in range(len(pdf.reader.pages)))
    assert f"Paragraph {HOSTILE} &amp; &#169; <i>" in printed
    assert f"\u2022 Bullet {HOSTILE}" in printed
    assert "Heading <u>&</u> <br/>" in printed
    assert 'Note <b>bold</b> & <img src="x"/> &amp;' in printed
    for index, page in enumerate(pdf.reader.pages):
        assert raster_images(page) == [], f"an image on page {index + 1}"
        for annotation in page.get("/Annots", []):
            annotation = annotation.get_object()
            assert index == CONTENTS_PAGE and "/Dest" in annotation, (
                f"page {index + 1} has an annotation from the narrative: {annotation}"
            )
    assert b"file:" not in pdf.data


def _repeat_measures(root: Path, section_number: int, times: int) -> None:
    """Make the section's table ``times`` as long: copies of its measures under new ids
    (a measure may appear once in a table), with copies of their monthly rows."""
    path = root / "layouts" / "report.yaml"
    layout = yaml.safe_load(path.read_text(encoding="utf-8"))
    section = next(s for s in layout["sections"] if s["number"] == section_number)
    table = next(b["table"] for b in section["blocks"] if isinstance(b, dict) and "table" in b)
    catalogue_path = root / "data" / "catalogue.yaml"
    catalogue = yaml.safe_load(catalogue_path.read_text(encoding="utf-8"))
    monthly = root / "data" / "monthly.csv"
    rows = monthly.read_text(encoding="utf-8").splitlines()
    originals = list(table["measures"])
    for copy in range(1, times):
        renamed = {m: f"{m}_copy{copy}" for m in originals}
        for measure_id, new_id in renamed.items():
            entry = dict(catalogue["measures"][measure_id])
            if "of" in entry:
                entry["of"] = [renamed.get(part, part) for part in entry["of"]]
            catalogue["measures"][new_id] = entry
            rows += [
                new_id + row[len(measure_id) :] for row in rows if row.startswith(measure_id + ",")
            ]
        table["measures"] += list(renamed.values())
    monthly.write_text("\n".join(rows) + "\n", encoding="utf-8")
    catalogue_path.write_text(yaml.safe_dump(catalogue, sort_keys=False), encoding="utf-8")
    path.write_text(yaml.safe_dump(layout, sort_keys=False, allow_unicode=True), encoding="utf-8")


def test_a_table_that_splits_repeats_its_header_row(scratch_report: Path, tmp_path: Path) -> None:
    _repeat_measures(scratch_report, 5, 6)  # 60 rows: more than one page
    pdf = build_pdf(scratch_report, tmp_path / "out" / "edition.pdf")
    start_struct_text(pdf.path)  # read at the end: poppler runs while pypdf reads
    caption = "5. Improving Road Safety Data to Mar 2014 (unless stated otherwise)"
    first_row = "All people killed or seriously injured (KSI) in road collisions 669 715 6.9"
    pages = [i for i in range(len(pdf.reader.pages)) if first_row in pdf.text(i)]
    assert len(pages) >= 2, "the long table did not split"
    for index in pages:
        text = pdf.text(index)
        assert caption in text, f"page {index + 1} has rows but no header row"
        assert text.index(caption) < text.index(first_row)
        assert "Cumulative Last Year Cumulative This Year" in text
    # the contents page follows the longer layout
    later = pdf.reader.page_labels
    numbers = contents_numbers(pdf)
    for section in SECTIONS[5:]:
        starts = [
            int(later[i])
            for i in range(FIRST_NUMBERED, len(pdf.reader.pages))
            if header_text(pdf, i) == f"{RUNNING_HEADER} {section.running_title}"
        ]
        assert numbers[section.number] == starts[0] > section.first_page
    # one Table of 61 rows in the structure: the header row repeated on the later pages
    # is drawn as an artifact, not read again
    [table] = [
        t
        for t in parse_struct_text(struct_text(pdf.path)).find("Table")
        if t.kids[0].kids[0].text() == squeeze(caption)
    ]
    assert len(table.kids) == 61
    repeated = [
        d
        for d in drawn_texts(pdf.data)
        if d.tags[:1] == ("/Artifact",) and squeeze(d.text) in squeeze(caption) and "Data" in d.text
    ]
    spans = [i for i in range(len(pdf.reader.pages)) if caption in pdf.text(i)]
    assert len(repeated) == len(spans) - 1 >= 1


def test_built_pdf_reads_as_a_pdf(sample_pdf: BuiltPdf) -> None:
    reader = PdfReader(io.BytesIO(sample_pdf.data), strict=True)
    assert len(reader.pages) == 22
    assert sample_pdf.data.startswith(b"%PDF-") and sample_pdf.data.rstrip().endswith(b"%%EOF")
