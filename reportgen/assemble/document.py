"""The edition's document: computed ``Edition`` + theme + drawn charts -> PDF bytes.

One reportlab pass lays out the story (``render.story``): cover, contents and sections.
The contents page numbers and the charts' text are form XObjects defined after the last
page, just before the canvas saves; charts are reserved as slots and their drawings
placed by ``postprocess``. Page templates follow reportlab's own rltemplate: cover,
contents, body; the body pages draw the running header. Everything a page template
draws is an artifact (page furniture) except each section's title on its first page,
the section's H1. Out: the PDF bytes and the ``PageMap`` (where sections start, where
charts landed, the structure tree as drawn).
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from functools import partial
from typing import Any

import msgspec
from reportlab.lib.colors import HexColor
from reportlab.lib.units import cm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    LayoutError,
    PageTemplate,
    Paragraph,
)

from reportgen.compute.edition import Edition
from reportgen.errors import BuildError, shown
from reportgen.load.theme import Theme
from reportgen.render.charts import ChartText
from reportgen.render.flowables import (
    CONTENTS_NUMBER_WIDTH,
    ChartPlace,
    ChartSlot,
    SectionInfo,
    SectionStart,
    SourceMark,
    resolve_source,
    source_of,
)
from reportgen.render.narrative import plain
from reportgen.render.story import StoryPage, edition_story
from reportgen.render.styles import FAMILY, Styles, font_name
from reportgen.render.tagging import FOOTER, HEADER, LAYOUT, WATERMARK, Element, Tagger

FIRST_NUMBERED_PAGE = 3  # cover and contents come first; printed page 1 is the third


def document_title(edition: Edition) -> str:
    """The title viewers show: "Essex Police Performance Update: March 2014"; a draft
    says so, so it is never taken for the edition."""
    title = f"{edition.organisation} {edition.title}: {edition.month.name}"
    return f"DRAFT \u2013 {title}" if edition.draft else title


class PageMap(msgspec.Struct):
    """The page map the layout pass draws up: the PDF page each section starts on, where
    each chart's slot landed, how many pages, and the structure of what was drawn."""

    # section -> PDF page (1-based)
    section_pages: dict[int, int] = msgspec.field(default_factory=dict)
    chart_slots: dict[int, ChartPlace] = msgspec.field(default_factory=dict)
    page_count: int = 0
    structure: Element = msgspec.field(default_factory=lambda: Element("Document"))


class EditionCanvas(Canvas):
    """reportlab's canvas, which calls ``before_save`` first when the document saves it:
    forms used on earlier pages (contents numbers, chart text) are defined there."""

    def __init__(self, *args: Any, before_save: Callable[[Canvas], None], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.before_save = before_save

    def save(self) -> None:
        self.before_save(self)
        super().save()


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
            title=document_title(edition),
            author=edition.author,
            subject=edition.subject,
            creator="reportgen",
            invariant=1,
            # reportlab's canvas starts every page (and form) in Helvetica, which is
            # never embedded; start in the theme's own (embedded) font instead
            initialFontName=FAMILY,
            pageCompression=1,
        )
        self.edition = edition
        self.theme = theme
        self.styles = styles
        self.tagger = Tagger()
        self.page_map = PageMap(structure=self.tagger.document)
        self.pending: tuple[SectionInfo, Element] | None = None
        self.current: SectionInfo | None = None
        self.placing: SourceMark | None = None  # where the text being placed was written
        self.title_overflow: BuildError | None = None  # a section title the margin cannot hold
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
                PageTemplate("cover", [frame], onPage=self.cover_page, onPageEnd=self.draft_mark),
                PageTemplate("contents", [frame], onPageEnd=self.draft_mark),
                PageTemplate("body", [frame], onPage=self.body_page, onPageEnd=self.draft_mark),
            ]
        )

    def handle_flowable(self, flowables: list[Flowable]) -> None:
        # remember where the text being placed came from: if no page can hold it,
        # reportlab says only "too large"; the analyst needs the file and line. A part
        # split off a paragraph or table keeps its whole's place.
        if flowables:
            source = source_of(flowables[0])
            if source is not None:
                self.placing = source
            elif isinstance(flowables[0], SectionStart | ChartSlot):  # text ends here
                self.placing = None
        super().handle_flowable(flowables)

    def afterFlowable(self, flowable: Flowable) -> None:
        if isinstance(flowable, SectionStart):
            self.pending = (flowable.section, flowable.title)

    def record_chart(self, index: int, place: ChartPlace) -> None:
        self.page_map.chart_slots[index] = place

    # -- page decorations: artifacts, but for a section's title on its first page -------
    def draft_mark(self, canvas: Canvas, doc: BaseDocTemplate) -> None:
        if not self.edition.draft:
            return
        with self.tagger.artifact(canvas, WATERMARK):
            canvas.saveState()
            canvas.setFillColor(HexColor("#C8102E"), alpha=0.18)
            canvas.setFont(font_name(self.theme.style("section_title")), 110)
            width, height = self.theme.page_size
            canvas.translate(width / 2, height / 2)
            canvas.rotate(50)
            canvas.drawCentredString(0, -40, "DRAFT")
            canvas.restoreState()

    def cover_page(self, canvas: Canvas, doc: BaseDocTemplate) -> None:
        width, height = self.theme.page_size
        with self.tagger.artifact(canvas, LAYOUT):
            canvas.saveState()
            canvas.setFillColor(HexColor(self.theme.colours["accent"]))
            canvas.rect(0, height - 3.2 * cm, width, 3.2 * cm, stroke=0, fill=1)
            canvas.rect(0, 0, width, 1.4 * cm, stroke=0, fill=1)
            canvas.restoreState()

    def body_page(self, canvas: Canvas, doc: BaseDocTemplate) -> None:
        title: Element | None = None  # the section's H1, on its first page only
        if self.pending is not None:
            (self.current, title), self.pending = self.pending, None
            page = canvas.getPageNumber()
            self.page_map.section_pages[self.current.number] = page
            canvas.bookmarkPage(self.current.key)
            canvas.addOutlineEntry(self.current.contents_entry, self.current.key, level=0)
        width, height = self.theme.page_size
        top, right, bottom, left = self.theme.margins
        header = self.theme.style("running_header")
        canvas.saveState()
        header_y = height - 1.0 * cm
        with self.tagger.artifact(canvas, HEADER):
            canvas.setFont(font_name(header), header.size)
            canvas.setFillColor(HexColor(header.colour))
            canvas.drawString(left, header_y, self.edition.running_header)
        rule_y = height - top + 0.3 * cm
        if self.current is not None:
            # a long section title wraps onto a second line rather than leaving the page
            heading = Paragraph(plain(self.current.heading), self.styles["section_title"])
            _, heading_height = heading.wrap(width - left - right, top)
            heading_bottom = header_y - header.size * 0.6 - heading_height
            if heading_bottom < height - top and self.title_overflow is None:
                # it would be printed over the page's first lines. Said once the layout
                # is done: reportlab rewrites an error raised while it starts a page
                needed = (height + 0.3 * cm - heading_bottom) / cm
                self.title_overflow = BuildError(
                    f"the title of section {self.current.number} "
                    f"({shown(self.current.heading)}) does not fit in the top margin "
                    f"({top / cm:.1f}cm): it would print over the page's text",
                    file=self.theme.file,
                    hint=f"make margin_top at least {math.ceil(needed * 10) / 10:.1f}cm, or "
                    "shorten the section's title (or its running_title) in the layout",
                )
            with (
                self.tagger.content(canvas, title)
                if title is not None
                else self.tagger.artifact(canvas, HEADER)
            ):
                heading.drawOn(canvas, left, header_y - header.size * 0.6 - heading_height)
        with self.tagger.artifact(canvas, LAYOUT):
            canvas.setStrokeColor(HexColor(self.theme.colours["rule"]))
            canvas.setLineWidth(0.8)
            canvas.line(left, rule_y, width - right, rule_y)
        number = self.theme.style("page_number")
        with self.tagger.artifact(canvas, FOOTER):
            canvas.setFont(font_name(number), number.size)
            canvas.setFillColor(HexColor(number.colour))
            canvas.drawCentredString(
                width / 2, bottom / 2, str(canvas.getPageNumber() - FIRST_NUMBERED_PAGE + 1)
            )
        canvas.restoreState()

    def define_contents_numbers(self, canvas: Canvas) -> None:
        """Draw each contents page number into its form, now that the pages are known."""
        style = self.styles["contents_entry"]
        for number, page in self.page_map.section_pages.items():
            canvas.beginForm(f"contents-page-{number}")
            canvas.setFont(style.fontName, style.fontSize)
            canvas.setFillColor(style.textColor)
            printed = page - FIRST_NUMBERED_PAGE + 1
            canvas.drawRightString(CONTENTS_NUMBER_WIDTH, style.fontSize * 0.3, str(printed))
            canvas.endForm()


def define_chart_texts(
    canvas: Canvas,
    texts: tuple[tuple[ChartText, ...], ...],
    page_map: PageMap,
) -> None:
    """Each chart's text as a form in page coordinates (its slot's place added), in the
    document's font."""
    regular, bold = FAMILY, f"{FAMILY}-Bold"
    for index, runs in enumerate(texts):
        canvas.beginForm(f"chart-text-{index}")
        place = page_map.chart_slots.get(index)
        canvas.translate(*((place.x, place.y) if place else (0.0, 0.0)))
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
    edition: Edition,
    styles: Styles,
    chart_texts: Callable[[], tuple[tuple[ChartText, ...], ...]],
) -> tuple[bytes, PageMap]:
    """Lay the edition out in ``styles`` (built from the theme, fonts registered); return
    the PDF (chart drawings not yet placed) and where things went. ``chart_texts`` is
    asked for the charts' text only after the layout, so the charts can be drawn
    meanwhile."""
    theme = styles.theme
    buffer = io.BytesIO()
    doc = EditionDocument(buffer, edition, theme, styles)

    def define_forms(canvas: Canvas) -> None:
        # after the last page, before the save: the page numbers are known and the
        # charts' text is wanted now (the chart worker has had the layout's time)
        doc.define_contents_numbers(canvas)
        define_chart_texts(canvas, chart_texts(), doc.page_map)

    page = StoryPage(doc.width, (theme.chart.width, theme.chart.height), doc.record_chart)
    try:
        doc.build(
            edition_story(edition, styles, page, doc.tagger),
            canvasmaker=partial(EditionCanvas, before_save=define_forms),
        )
    except LayoutError as exc:
        # something (a table row, a statement, a paragraph) is taller than a page
        section = doc.pending[0] if doc.pending else doc.current
        where = f"section {section.contents_entry}" if section else "the cover or contents"
        placing = resolve_source(doc.placing)
        file, line = placing or (theme.file, None)
        if placing is None:
            detail = f": {str(exc).splitlines()[0][:160]}"
        else:
            detail = ": the text written here is taller than a page"
        raise BuildError(
            f"{where} does not fit on a page{detail}",
            file=file,
            line=line,
            hint="shorten the text (a statement, a note or a paragraph) or reduce the theme's "
            f"sizes and margins ({theme.file})",
        ) from None
    if doc.title_overflow is not None:
        raise doc.title_overflow
    doc.page_map.page_count = doc.page
    return buffer.getvalue(), doc.page_map
