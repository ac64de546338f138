"""Finish the laid-out PDF with pypdf: place the charts, label pages, set metadata.

In: reportlab's PDF (chart slots empty), the charts PDF (one page per chart) and the
``Layout`` that says where each slot landed. Out: the edition's final bytes, with
page labels matching the printed numbers, metadata dated from the edition (never the
clock) and a /ID derived from the content.
"""

from __future__ import annotations

import calendar
import hashlib
import io

from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
)

from reportgen import __version__
from reportgen.assemble.document import FIRST_NUMBERED_PAGE, Layout
from reportgen.compute.edition import Edition
from reportgen.pdfid import set_document_id


def edition_date(edition: Edition) -> str:
    """PDF date of the edition: the last day of its month, midnight UTC."""
    month = edition.month
    last_day = calendar.monthrange(month.year, month.month)[1]
    return f"D:{month.year:04d}{month.month:02d}{last_day:02d}000000Z"


def place_chart(
    writer: PdfWriter, page: PageObject, chart: PageObject, index: int, x: float, y: float
) -> None:
    """Draw ``chart`` (a one-chart page) on ``page`` with its lower-left corner at x, y.

    The chart becomes a form XObject painted before the page's own content, so it lies
    under the chart's text and a draft mark; no content stream is parsed or rewritten
    (pypdf's page merge would parse both, which costs more than the rest of the finish).
    """
    width, height = float(chart.mediabox.width), float(chart.mediabox.height)
    form = DecodedStreamObject()
    form.set_data(b"".join(part.get_object().get_data() for part in _contents_parts(chart)))
    form.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): ArrayObject(
                [FloatObject(0), FloatObject(0), FloatObject(width), FloatObject(height)]
            ),
            NameObject("/Resources"): chart["/Resources"].get_object().clone(writer),
        }
    )
    form_ref = writer._add_object(form.flate_encode())
    name = NameObject(f"/Chart{index}")
    resources = page["/Resources"].get_object()
    if "/XObject" not in resources:
        resources[NameObject("/XObject")] = DictionaryObject()
    resources["/XObject"].get_object()[name] = form_ref
    placing = DecodedStreamObject()
    placing.set_data(f"q 1 0 0 1 {x:.4f} {y:.4f} cm {name} Do Q\n".encode("ascii"))
    page[NameObject("/Contents")] = ArrayObject(
        [
            writer._add_object(placing),
            *(
                part.indirect_reference or writer._add_object(part)
                for part in _contents_parts(page)
            ),
        ]
    )


def _contents_parts(page: PageObject) -> list:
    contents = page["/Contents"]
    contents = contents.get_object() if hasattr(contents, "get_object") else contents
    if isinstance(contents, ArrayObject):
        return [part.get_object() for part in contents]
    return [contents]


def finish(layout_pdf: bytes, charts_pdf: bytes, layout: Layout, edition: Edition) -> bytes:
    """Merge the chart drawings (``charts_pdf``, one page per chart) under their slots."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(layout_pdf)))
    if layout.chart_slots:
        charts = PdfReader(io.BytesIO(charts_pdf))
        for index, (page, x, y) in sorted(layout.chart_slots.items()):
            place_chart(writer, writer.pages[page - 1], charts.pages[index], index, x, y)
    writer.compress_identical_objects()
    last = len(writer.pages) - 1
    writer.set_page_label(0, 0, prefix="Cover")
    writer.set_page_label(1, 1, prefix="Contents")
    writer.set_page_label(FIRST_NUMBERED_PAGE - 1, last, style="/D", start=1)
    date = edition_date(edition)
    writer.add_metadata(
        {
            "/Title": f"{edition.organisation} {edition.title}: {edition.month.name}",
            "/Author": edition.author,
            "/Subject": edition.subject,
            "/Creator": "reportgen",
            "/Producer": f"reportgen {__version__} (reportlab, matplotlib, pypdf)",
            "/CreationDate": date,
            "/ModDate": date,
        }
    )
    writer.page_mode = "/UseOutlines"
    set_document_id(writer, hashlib.sha256(layout_pdf + b"\0" + charts_pdf).digest())
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
