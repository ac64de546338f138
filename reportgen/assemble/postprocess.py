"""Finish the laid-out PDF with pikepdf: place the charts, label pages, write the
structure tree, make it PDF/A.

In: reportlab's PDF (chart slots empty), the charts PDF (one page per chart), the
``PageMap`` that says where each slot landed and what structure was drawn, and the
edition. Out: the edition's final bytes: page labels matching the printed numbers, the
tagged structure (``structure``), PDF/A-2b metadata dated from the edition, never the
clock (``archival``), and a /ID derived from the content.
"""

from __future__ import annotations

import calendar
import io

import pikepdf
from pikepdf import Array, Dictionary, Name, String

from reportgen import __version__
from reportgen.assemble.archival import DocumentInfo, make_archival, saved
from reportgen.assemble.document import FIRST_NUMBERED_PAGE, PageMap, document_title
from reportgen.assemble.structure import write_structure
from reportgen.compute.edition import Edition
from reportgen.render.flowables import ChartPlace


def edition_date(edition: Edition) -> str:
    """PDF date of the edition: the last day of its month, midnight UTC."""
    month = edition.month
    last_day = calendar.monthrange(month.year, month.month)[1]
    return f"D:{month.year:04d}{month.month:02d}{last_day:02d}000000Z"


def place_chart(
    pdf: pikepdf.Pdf, page: pikepdf.Page, chart: pikepdf.Page, index: int, place: ChartPlace
) -> None:
    """Draw ``chart`` (a one-chart page) on ``page`` with its lower-left corner at the
    slot's place, as marked content of the chart's Figure.

    The chart becomes a form XObject painted before the page's own content, so it lies
    under the chart's text and a draft mark; no content stream is parsed or rewritten.
    """
    form = pdf.copy_foreign(chart.as_form_xobject())
    resources = form.Resources
    for category in list(resources.keys()):
        # matplotlib lists every kind of resource, used or not; PDF/A validators that
        # approve only what they know refuse an empty /Pattern or /Shading
        if isinstance(resources[category], Dictionary) and not resources[category].keys():
            del resources[category]
    name = page.add_resource(form, Name.XObject, Name(f"/Chart{index}"))
    placing = (
        f"/Figure <</MCID {place.mcid}>> BDC q 1 0 0 1 {place.x:.4f} {place.y:.4f} cm "
        f"{name} Do Q EMC\n"
    )
    page.contents_add(pdf.make_stream(placing.encode("ascii")), prepend=True)


def label_pages(pdf: pikepdf.Pdf) -> None:
    """Page labels as printed: "Cover", "Contents", then 1, 2, 3 ..."""
    pdf.Root.PageLabels = Dictionary(
        Nums=Array(
            [
                0,
                Dictionary(P=String("Cover")),
                1,
                Dictionary(P=String("Contents")),
                FIRST_NUMBERED_PAGE - 1,
                Dictionary(S=Name.D, St=1),
            ]
        )
    )


def finish(
    layout_pdf: bytes, charts_pdf: bytes, page_map: PageMap, edition: Edition, *, language: str
) -> bytes:
    """Place the chart drawings (``charts_pdf``, one page per chart) under their slots
    and finish the document."""
    pdf = pikepdf.open(io.BytesIO(layout_pdf))
    if page_map.chart_slots:
        charts = pikepdf.open(io.BytesIO(charts_pdf))
        for index, place in sorted(page_map.chart_slots.items()):
            place_chart(pdf, pdf.pages[place.page - 1], charts.pages[index], index, place)
    label_pages(pdf)
    pdf.Root.PageMode = Name.UseOutlines
    write_structure(pdf, page_map.structure)
    make_archival(
        pdf,
        DocumentInfo(
            title=document_title(edition),
            author=edition.author,
            subject=edition.subject,
            language=language,
            date=edition_date(edition),
            creator="reportgen",
            producer=f"reportgen {__version__} (reportlab, matplotlib, pikepdf)",
        ),
    )
    # reportlab's invariant /ID is the same for every document: derive both from content
    del pdf.trailer.ID
    return saved(pdf)
