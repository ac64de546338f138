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

from pypdf import PdfReader, PdfWriter, Transformation

from reportgen import __version__
from reportgen.assemble.document import FIRST_NUMBERED_PAGE, Layout
from reportgen.compute.edition import Edition
from reportgen.pdfid import set_document_id


def edition_date(edition: Edition) -> str:
    """PDF date of the edition: the last day of its month, midnight UTC."""
    month = edition.month
    last_day = calendar.monthrange(month.year, month.month)[1]
    return f"D:{month.year:04d}{month.month:02d}{last_day:02d}000000Z"


def finish(layout_pdf: bytes, charts_pdf: bytes, layout: Layout, edition: Edition) -> bytes:
    """Merge the chart drawings (``charts_pdf``, one page per chart) under their slots."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(layout_pdf)))
    if layout.chart_slots:
        charts = PdfReader(io.BytesIO(charts_pdf))
        for index, (page, x, y) in sorted(layout.chart_slots.items()):
            # under the page's own content: the slot is empty, and a draft mark drawn
            # over the page stays visible over the chart's opaque background
            writer.pages[page - 1].merge_transformed_page(
                charts.pages[index], Transformation().translate(x, y), over=False
            )
            # merging leaves the page's content stream uncompressed
            writer.pages[page - 1].compress_content_streams()
    writer.compress_identical_objects()
    last = len(writer.pages) - 1
    writer.set_page_label(0, 0, prefix="Cover")
    writer.set_page_label(1, 1, prefix="Contents")
    writer.set_page_label(FIRST_NUMBERED_PAGE - 1, last, style="/D", start=1)
    date = edition_date(edition)
    writer.add_metadata({
        "/Title": f"{edition.organisation} {edition.title}: {edition.month.name}",
        "/Author": edition.author,
        "/Subject": edition.subject,
        "/Creator": "reportgen",
        "/Producer": f"reportgen {__version__} (reportlab, matplotlib, pypdf)",
        "/CreationDate": date,
        "/ModDate": date,
    })
    writer.page_mode = "/UseOutlines"
    set_document_id(writer, hashlib.sha256(layout_pdf + b"\0" + charts_pdf).digest())
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
