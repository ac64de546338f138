"""The edition's document: computed ``Edition`` + theme + drawn charts -> PDF bytes.

One reportlab pass lays out cover, contents and sections. The contents page numbers
are form XObjects defined after the last page; charts are reserved as slots and
merged as vector pages by ``postprocess``. Page templates follow reportlab's own
rltemplate: cover, contents, body; the body pages draw the running header.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field

from reportlab.lib.colors import HexColor
from reportlab.lib.units import cm
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    LayoutError,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from reportgen.compute.charts import ChartData
from reportgen.compute.edition import (
    Edition,
    HeadingText,
    NarrativeText,
    NoteTexts,
)
from reportgen.compute.edition import PageBreak as EditionPageBreak
from reportgen.compute.tables import TableRows
from reportgen.errors import BuildError
from reportgen.load.theme import Theme
from reportgen.render import tables as render_tables
from reportgen.render.charts import ChartText
from reportgen.render.flowables import ChartSlot, PageNumberRef, SectionInfo, SectionStart
from reportgen.render.narrative import narrative_flowables, note_flowables, plain
from reportgen.render.styles import FAMILY, Styles, build_styles, font_name

FIRST_NUMBERED_PAGE = 3  # cover and contents come first; printed page 1 is the third


@dataclass
class Layout:
    """What the layout pass found out: where sections start and charts landed."""

    section_pages: dict[int, int] = field(default_factory=dict)  # section -> PDF page (1-based)
    chart_slots: dict[int, tuple[int, float, float]] = field(default_factory=dict)
    page_count: int = 0


class EditionDocument(BaseDocTemplate):
    def __init__(self, buffer: io.BytesIO, edition: Edition, theme: Theme, styles: Styles):
        top, right, bottom, left = theme.margins
        super().__init__(
            buffer,
            pagesize=theme.page_size,
            topMargin=top,
            rightMargin=right,
            bottomMargin=bottom,
            leftMargin=left,
            title=f"{edition.organisation} {edition.title}: {edition.month.name}",
            author=edition.author,
            subject=edition.subject,
            creator="reportgen",
            invariant=1,
            # reportlab's canvas starts every page (and form) in Helvetica, which is
            # never embedded; start in the theme's own (embedded) font instead
            initialFontName=FAMILY,
            pageCompression=1,
        )
        self._doSave = 0  # contents numbers are defined after the last page, then saved
        self.edition = edition
        self.theme = theme
        self.styles = styles
        self.layout = Layout()
        self.pending: SectionInfo | None = None
        self.current: SectionInfo | None = None
        frame = Frame(
            left,
            bottom,
            self.width,
            self.height,
            id="body",
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )
        self.addPageTemplates(
            [
                # the draft mark is drawn when a page ends, over its tables and text
                PageTemplate("cover", [frame], onPage=self._cover_page, onPageEnd=self._draft_mark),
                PageTemplate("contents", [frame], onPageEnd=self._draft_mark),
                PageTemplate("body", [frame], onPage=self._body_page, onPageEnd=self._draft_mark),
            ]
        )

    def afterFlowable(self, flowable: Flowable) -> None:
        if isinstance(flowable, SectionStart):
            self.pending = flowable.section

    def record_chart(self, index: int, page: int, x: float, y: float) -> None:
        self.layout.chart_slots[index] = (page, x, y)

    # -- page decorations -------------------------------------------------------------
    def _watermark(self, canvas) -> None:  # noqa: ANN001 - reportlab's canvas
        if not self.edition.draft:
            return
        canvas.saveState()
        canvas.setFillColor(HexColor("#C8102E"), alpha=0.18)
        canvas.setFont(font_name(self.theme.style("section_title")), 110)
        width, height = self.theme.page_size
        canvas.translate(width / 2, height / 2)
        canvas.rotate(50)
        canvas.drawCentredString(0, -40, "DRAFT")
        canvas.restoreState()

    def _cover_page(self, canvas, doc) -> None:  # noqa: ANN001
        width, height = self.theme.page_size
        canvas.saveState()
        canvas.setFillColor(HexColor(self.theme.colours["accent"]))
        canvas.rect(0, height - 3.2 * cm, width, 3.2 * cm, stroke=0, fill=1)
        canvas.rect(0, 0, width, 1.4 * cm, stroke=0, fill=1)
        canvas.restoreState()

    def _draft_mark(self, canvas, doc) -> None:  # noqa: ANN001
        self._watermark(canvas)

    def _body_page(self, canvas, doc) -> None:  # noqa: ANN001
        if self.pending is not None:
            self.current, self.pending = self.pending, None
            page = canvas.getPageNumber()
            self.layout.section_pages[self.current.number] = page
            canvas.bookmarkPage(self.current.key)
            canvas.addOutlineEntry(self.current.contents_entry, self.current.key, level=0)
        width, height = self.theme.page_size
        top, right, bottom, left = self.theme.margins
        header = self.theme.style("running_header")
        canvas.saveState()
        canvas.setFont(font_name(header), header.size)
        canvas.setFillColor(HexColor(header.colour))
        header_y = height - 1.0 * cm
        canvas.drawString(left, header_y, self.edition.running_header)
        if self.current is not None:
            # a long section title wraps onto a second line rather than leaving the page
            title = Paragraph(plain(self.current.heading), self.styles["section_title"])
            _, title_height = title.wrap(width - left - right, top)
            title.drawOn(canvas, left, header_y - header.size * 0.6 - title_height)
        canvas.setStrokeColor(HexColor(self.theme.colours["rule"]))
        canvas.setLineWidth(0.8)
        rule_y = height - top + 0.3 * cm
        canvas.line(left, rule_y, width - right, rule_y)
        number = self.theme.style("page_number")
        canvas.setFont(font_name(number), number.size)
        canvas.setFillColor(HexColor(number.colour))
        canvas.drawCentredString(
            width / 2, bottom / 2, str(canvas.getPageNumber() - FIRST_NUMBERED_PAGE + 1)
        )
        canvas.restoreState()

    def define_contents_numbers(self) -> None:
        """Draw each contents page number into its form, now that the pages are known."""
        style = self.styles["contents_entry"]
        for number, page in self.layout.section_pages.items():
            self.canv.beginForm(f"contents-page-{number}")
            self.canv.setFont(style.fontName, style.fontSize)
            self.canv.setFillColor(style.textColor)
            printed = page - FIRST_NUMBERED_PAGE + 1
            self.canv.drawRightString(_NUMBER_WIDTH, style.fontSize * 0.3, str(printed))
            self.canv.endForm()


_NUMBER_WIDTH = 1.6 * cm


def _cover(edition: Edition, styles: Styles) -> list[Flowable]:
    names = ("cover_organisation", "cover_title", "cover_edition")
    flowables: list[Flowable] = [Spacer(1, 6.5 * cm)]
    for index, line in enumerate(edition.cover_lines):
        flowables.append(Paragraph(plain(line), styles[names[min(index, 2)]]))
        flowables.append(Spacer(1, 0.8 * cm))
    return flowables


def _contents(
    edition: Edition, sections: list[SectionInfo], styles: Styles, width: float
) -> list[Flowable]:
    entry, heading = styles["contents_entry"], styles["contents_heading"]
    number_style = heading.clone("contents_page_heading", alignment=2)
    rows: list[list[Flowable]] = [
        [
            Paragraph(f"<u>{plain(edition.contents_heading)}</u>", heading),
            Paragraph(f"<u>{plain(edition.contents_page_heading)}</u>", number_style),
        ]
    ]
    for section in sections:
        rows.append(
            [
                Paragraph(plain(section.contents_entry), entry),
                PageNumberRef(section, entry.fontName, entry.fontSize, _NUMBER_WIDTH, width),
            ]
        )
    table = Table(
        rows,
        colWidths=[width - _NUMBER_WIDTH - 0.4 * cm, _NUMBER_WIDTH + 0.4 * cm],
        hAlign="LEFT",
        style=TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                # reportlab's default cell font is Helvetica, which is never embedded
                ("FONT", (0, 0), (-1, -1), entry.fontName, entry.fontSize, entry.leading),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 7),
                ("BOTTOMPADDING", (0, 0), (-1, 0), 12),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        ),
    )
    return [Spacer(1, 1.2 * cm), table]


def edition_flowables(edition: Edition, doc: EditionDocument) -> list[Flowable]:
    """Cover, contents and every section, in page order."""
    styles, width = doc.styles, doc.width
    sections = [SectionInfo(s.number, s.heading, s.contents_entry) for s in edition.sections]
    story: list[Flowable] = _cover(edition, styles)
    story += [NextPageTemplate("contents"), PageBreak()]
    story += _contents(edition, sections, styles, width)
    story += [NextPageTemplate("body")]
    chart_index = 0
    chart_size = (doc.theme.chart.width, doc.theme.chart.height)
    for info, section in zip(sections, edition.sections, strict=True):
        story += [SectionStart(info), PageBreak()]
        for block in section.blocks:
            if isinstance(block, HeadingText):
                story.append(Paragraph(plain(block.text), styles["heading"]))
            elif isinstance(block, TableRows):
                table = (
                    render_tables.performance_table
                    if block.kind == "performance"
                    else render_tables.statement_table
                )(block, width, styles)
                story += [table, Spacer(1, 6)]
            elif isinstance(block, NoteTexts):
                story += note_flowables(block.items, styles)
            elif isinstance(block, ChartData):
                story.append(ChartSlot(chart_index, *chart_size, doc.record_chart))
                story.append(Spacer(1, 6))
                chart_index += 1
            elif isinstance(block, EditionPageBreak):
                story.append(PageBreak())
            elif isinstance(block, NarrativeText):
                story += narrative_flowables(block.blocks, styles, block.file)
    return story


def define_chart_texts(
    canvas,
    texts: tuple[tuple[ChartText, ...], ...],
    layout: Layout,  # noqa: ANN001
) -> None:
    """Each chart's text as a form in page coordinates (its slot's place added), in the
    document's font."""
    regular, bold = FAMILY, f"{FAMILY}-Bold"
    for index, runs in enumerate(texts):
        canvas.beginForm(f"chart-text-{index}")
        _, left, bottom = layout.chart_slots.get(index, (0, 0.0, 0.0))
        canvas.translate(left, bottom)
        for run in runs:
            canvas.setFont(bold if run.bold else regular, run.size)
            canvas.setFillColorRGB(*run.rgb)
            if run.angle:
                canvas.saveState()
                canvas.translate(run.x, run.y)
                canvas.rotate(run.angle)
                canvas.drawString(0, 0, run.text)
                canvas.restoreState()
            else:
                canvas.drawString(run.x, run.y, run.text)
        canvas.endForm()


def lay_out(
    edition: Edition, theme: Theme, chart_texts: Callable[[], tuple[tuple[ChartText, ...], ...]]
) -> tuple[bytes, Layout]:
    """Lay the edition out; return the PDF (chart drawings not yet placed) and where
    things went. ``chart_texts`` is asked for the charts' text only after the layout,
    so the charts can be drawn meanwhile."""
    styles = build_styles(theme)
    buffer = io.BytesIO()
    doc = EditionDocument(buffer, edition, theme, styles)
    try:
        doc.build(edition_flowables(edition, doc))
    except LayoutError as exc:
        # something (a table row, a statement, a paragraph) is taller than a page
        section = doc.pending or doc.current
        where = f"section {section.contents_entry}" if section else "the cover or contents"
        raise BuildError(
            f"{where} does not fit on a page: {str(exc).splitlines()[0][:160]}",
            file=theme.file,
            hint="shorten the text (a statement, a note or a paragraph) or reduce the theme's "
            "sizes and margins",
        ) from None
    doc.define_contents_numbers()
    define_chart_texts(doc.canv, chart_texts(), doc.layout)
    doc.canv.save()
    doc.layout.page_count = doc.page
    return buffer.getvalue(), doc.layout
