"""The edition's document: computed ``Edition`` + theme + drawn charts -> PDF bytes.

One reportlab pass lays out the story (``render.story``): cover, contents and sections.
The contents page numbers and the charts' text are form XObjects defined after the last
page, just before the canvas saves; charts are reserved as slots and their drawings
placed by ``postprocess``. Page templates follow reportlab's own rltemplate: cover,
contents, body; the body pages draw the running header. Everything a page template
draws is an artifact (page furniture) except each section's title on its first page,
the section's H1. No frame measures what a template draws, so the layout does: the
running header must fit the page, the cover and the contents take one page each, and
what does not is a ``BuildError`` naming where to fix it, said once the layout is done.
Out: the PDF bytes and the ``PageMap`` (where sections start, where charts landed, the
structure tree as drawn).
"""

from __future__ import annotations

import contextlib
import io
import math
from collections.abc import Callable
from functools import partial
from typing import Any

import msgspec
from reportlab.lib.colors import HexColor
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase.pdfmetrics import getAscent, stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    LayoutError,
    PageTemplate,
    Paragraph,
)

from reportgen.compute.edition import Edition, SourcedText
from reportgen.errors import BuildError, ProblemCollector, shown
from reportgen.load.theme import FontSize, Theme
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
from reportgen.render.overflow import page_overflow
from reportgen.render.story import (
    CELL_RIGHT_PADDING,
    StoryPage,
    contents_columns,
    cover_line_of,
    edition_story,
)
from reportgen.render.styles import Styles, face, font_name
from reportgen.render.tagging import (
    FOOTER,
    HEADER,
    LAYOUT,
    WATERMARK,
    Element,
    Tagger,
    laid_out_only,
)

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

    def __init__(
        self,
        *args: Any,
        before_save: Callable[[Canvas], None],
        write: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.before_save = before_save
        self.write = write  # False: a dry run, whose pages are laid out and never read

    def save(self) -> None:
        self.before_save(self)
        if self.write:
            super().save()


RULE_CLEARANCE = 1.0  # points between a section title's last line and the rule under it
HEADER_DROP = 1.0 * cm  # the running header's baseline below the page's top edge


def running_header_problems(theme: Theme, text: SourcedText, month: str) -> list[BuildError]:
    """What of the running header, filled in for the edition of ``month``, the page
    cannot hold: its end past the right margin, where the rule under it ends, or its
    letters above the page's top edge. It is drawn on the canvas, so no frame measures
    it (``check`` measures every edition's this way, the longest month's name first)."""
    header = theme.style("running_header")
    width, height = theme.page_size
    _, right, _, left = theme.margins
    font = font_name(header)
    problems = []
    available = width - left - right
    needed = stringWidth(text.text, font, header.size)
    if needed > available:
        past = "off the page's edge" if needed > width - left else "into the right margin"
        characters = int(len(text.text) * available / needed)
        shorter = f"shorten running_header to about {characters} characters"
        fits = math.floor(header.size * available / needed * 10) / 10
        smaller = (
            f", or make the running_header style's size in {theme.file} at most {fits:.1f}pt"
            if fits >= FontSize.minimum
            else ""
        )
        problems.append(
            BuildError(
                f"the running header is too wide for the page: filled in for {month}, "
                f"{shown(text.text)} needs {needed / cm:.1f}cm at the running_header style's "
                f"size ({header.size:g}pt) and the margins leave {available / cm:.1f}cm: it "
                f"would run {past}",
                file=text.file,
                line=text.line,
                hint=shorter + smaller,
            )
        )
    room = HEADER_DROP  # above the header's baseline
    ascent = getAscent(font, header.size)  # as high as its accented capitals reach
    if ascent > room:
        fits = math.floor(header.size * room / ascent * 10) / 10
        problems.append(
            BuildError(
                f"the running_header style's size ({header.size:g}pt) is too large: "
                f"the running header's letters would rise above the page's top edge",
                file=theme.file,
                line=theme.line_of("styles", "running_header"),
                hint=f"make it at most {fits:.1f}pt",
            )
        )
    return problems


def _broken_word(
    subject: str, text: str, style: ParagraphStyle, style_name: str, room: float, where: str
) -> str | None:
    """What is wrong where the widest word of ``text`` in ``style`` is wider than
    ``room``: a Paragraph would break it mid-word. None where every word fits."""
    widths = [(word, stringWidth(word, style.fontName, style.fontSize)) for word in text.split()]
    if not widths:
        return None
    word, needed = max(widths, key=lambda pair: pair[1])
    if needed <= room:
        return None
    return (
        f"{subject} has a word, {shown(word)}, {needed / cm:.1f}cm wide at the {style_name} "
        f"style's size ({style.fontSize:g}pt), and {where} holds {room / cm:.1f}cm: it would "
        "be broken mid-word"
    )


def page_number_problems(theme: Theme) -> list[BuildError]:
    """The page number is drawn half-way down the bottom margin: a margin too shallow
    for it would set its digits in the page's text, where the last line prints."""
    number = theme.style("page_number")
    bottom = theme.margins[2]
    # as high as the font's tallest letters reach: a digit stays below it
    ascent = getAscent(font_name(number), number.size)
    if bottom / 2 + ascent <= bottom:
        return []
    fits = math.floor(number.size * (bottom / 2) / ascent * 10) / 10
    smaller = (
        f", or make the page_number style's size at most {fits:.1f}pt"
        if fits >= FontSize.minimum
        else ""
    )
    return [
        BuildError(
            f"the bottom margin ({bottom / cm:.2f}cm) is too shallow for the page number: "
            f"set half-way down it at the page_number style's size ({number.size:g}pt), "
            f"its digits would reach {(bottom / 2 + ascent - bottom) / cm:.2f}cm into the "
            "text area above it",
            file=theme.file,
            line=theme.line_of("page", "margin_bottom"),
            hint=f"make margin_bottom at least {math.ceil(2 * ascent / cm * 100) / 100:.2f}cm"
            + smaller,
        )
    ]


def widest_running_header(theme: Theme, headers: list[tuple[SourcedText, str]]) -> int:
    """Which of the editions' running headers (and their months) is the widest."""
    header = theme.style("running_header")
    font = font_name(header)
    widths = [stringWidth(text.text, font, header.size) for text, _ in headers]
    return widths.index(max(widths))


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
            initialFontName=face(),
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
        # the section title the top margin is furthest from holding, and the margin it needs
        self.title_overflow: BuildError | None = None
        self.title_needs = 0.0
        # the running header the page cannot hold, found on the first numbered page and
        # said once the layout is done, as a title's overflow is
        self.header_overflow: list[BuildError] | None = None
        # the pages printed with the cover's and the contents' templates: each is one page
        # (page 1 is the third), which only the layout can tell
        self.front_pages = {"cover": 0, "contents": 0}
        self.cover_line: int | None = None  # the edition's cover line being placed
        self.cover_spill: int | None = None  # the cover line that ran onto a second page
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
                PageTemplate(
                    "contents", [frame], onPage=self.contents_page, onPageEnd=self.draft_mark
                ),
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
            line = cover_line_of(flowables[0])  # a part split off a line is still that line
            if line is not None:
                self.cover_line = line
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
        self.front_pages["cover"] += 1
        if self.front_pages["cover"] == 2:  # begun by the line that did not fit on the first
            self.cover_spill = self.cover_line
        width, height = self.theme.page_size
        with self.tagger.artifact(canvas, LAYOUT):
            canvas.saveState()
            canvas.setFillColor(HexColor(self.theme.colours["accent"]))
            canvas.rect(0, height - 3.2 * cm, width, 3.2 * cm, stroke=0, fill=1)
            canvas.rect(0, 0, width, 1.4 * cm, stroke=0, fill=1)
            canvas.restoreState()

    def contents_page(self, canvas: Canvas, doc: BaseDocTemplate) -> None:
        self.front_pages["contents"] += 1  # nothing drawn: the page is only counted

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
        header_y = height - HEADER_DROP
        with self.tagger.artifact(canvas, HEADER):
            canvas.setFont(font_name(header), header.size)
            canvas.setFillColor(HexColor(header.colour))
            canvas.drawString(left, header_y, self.edition.running_header.text)
        if self.header_overflow is None:  # the same on every page: measured on the first
            self.header_overflow = running_header_problems(
                self.theme, self.edition.running_header, self.edition.month.name
            )
        rule_y = height - top + 0.3 * cm
        if self.current is not None:
            # a long section title wraps onto a second line rather than leaving the page
            heading = Paragraph(plain(self.current.heading), self.styles["section_title"])
            _, heading_height = heading.wrap(width - left - right, top)
            heading_bottom = header_y - header.size * 0.6 - heading_height
            # the rule under it, not only the text below, must clear its last line (a
            # three-line title was struck through). Said once the layout is done:
            # reportlab rewrites an error raised while it starts a page
            needed = (height + 0.3 * cm + RULE_CLEARANCE - heading_bottom) / cm
            if heading_bottom < rule_y + RULE_CLEARANCE and needed > self.title_needs:
                # the one to name: a margin that holds it holds every other title
                self.title_needs = needed
                self.title_overflow = BuildError(
                    f"the title of section {self.current.number} "
                    f"({shown(self.current.heading)}) does not fit in the top margin "
                    f"({top / cm:.1f}cm): it would print over the rule under it and the "
                    "page's text",
                    file=self.theme.file,
                    line=self.theme.line_of("page", "margin_top"),
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

    def front_page_problems(self) -> list[BuildError]:
        """The cover and the contents are one page each, page 1 the third: where the
        layout ran either onto more, what to fix."""
        problems = []
        cover_pages, contents_pages = self.front_pages["cover"], self.front_pages["contents"]
        if cover_pages > 1:
            lines = self.edition.cover_lines
            index = self.cover_spill or 0
            problems.append(
                BuildError(
                    f"the cover does not fit on its page: its lines take {cover_pages} pages, "
                    f"running onto the second from this one (cover line {index + 1} of "
                    f"{len(lines)})",
                    file=lines[index].file,
                    line=lines[index].line,
                    hint="the cover is one page: shorten or remove cover lines, or make the "
                    "cover_organisation, cover_title and cover_edition styles' sizes in "
                    f"{self.theme.file} smaller",
                )
            )
        if contents_pages > 1:
            problems.append(
                BuildError(
                    f"the contents does not fit on its page: its heading and "
                    f"{len(self.edition.sections)} entries take {contents_pages} pages",
                    file=self.edition.contents_heading.file,
                    line=self.edition.contents_heading.line,
                    hint="the contents is one page: shorten the section titles or the "
                    "contents headings, list fewer sections, or make the contents_heading "
                    f"and contents_entry styles' sizes in {self.theme.file} smaller",
                )
            )
        return problems

    def contents_number_problems(self) -> list[BuildError]:
        """The contents page numbers are drawn in forms, right-aligned in their column: a
        number wider than the column would print over the section's title."""
        style = self.styles["contents_entry"]
        numbers = [str(p - FIRST_NUMBERED_PAGE + 1) for p in self.page_map.section_pages.values()]
        widths = {n: stringWidth(n, style.fontName, style.fontSize) for n in numbers}
        widest = max(widths, key=widths.__getitem__, default=None)
        if widest is None or widths[widest] <= CONTENTS_NUMBER_WIDTH:
            return []
        fits = math.floor(style.fontSize * CONTENTS_NUMBER_WIDTH / widths[widest] * 10) / 10
        return [
            BuildError(
                f"the contents page's numbers do not fit their column: page {widest} needs "
                f"{widths[widest] / cm:.1f}cm at the contents_entry style's size "
                f"({style.fontSize:g}pt) and the column holds "
                f"{CONTENTS_NUMBER_WIDTH / cm:.1f}cm: it would print over the section's title",
                file=self.theme.file,
                line=self.theme.line_of("styles", "contents_entry"),
                hint=f"make the contents_entry style's size at most {fits:.1f}pt",
            )
        ]

    def contents_heading_problems(self) -> list[BuildError]:
        """A word of a contents heading wider than its column would be broken mid-word
        ("Page n / umber / s" over three lines)."""
        style = self.styles["contents_heading"]
        _, right, _, left = self.theme.margins
        columns = contents_columns(self.theme.page_size[0] - left - right)
        headings = (self.edition.contents_heading, self.edition.contents_page_heading)
        problems = []
        for key, written, column in zip(
            ("heading", "page_heading"), headings, columns, strict=True
        ):
            room = column - CELL_RIGHT_PADDING
            heading = written.text
            subject = f"the contents' {key} {shown(heading)}"
            broken = _broken_word(subject, heading, style, "contents_heading", room, "its column")
            if broken is not None:
                problems.append(
                    BuildError(
                        broken,
                        file=written.file,
                        line=written.line,
                        hint=f"shorten the contents' {key} in the layout, or make the "
                        f"contents_heading style's size in {self.theme.file} smaller",
                    )
                )
        return problems

    def title_word_problems(self) -> list[BuildError]:
        """A word of a section's title wider than the contents' column, or of its
        running title wider than the page's text, would be broken mid-word, as a long
        contents heading would."""
        _, right, _, left = self.theme.margins
        text_width = self.theme.page_size[0] - left - right
        entry_room = contents_columns(text_width)[0] - CELL_RIGHT_PADDING
        file = self.edition.contents_heading.file
        problems = []
        for section in self.edition.sections:
            for text, style_name, room, where, line in (
                (
                    section.contents_entry,
                    "contents_entry",
                    entry_room,
                    "the contents' column",
                    section.title_line,
                ),
                (
                    section.heading,
                    "section_title",
                    text_width,
                    "the page's text",
                    section.running_title_line,
                ),
            ):
                subject = f"section {section.number}'s title"
                style = self.styles[style_name]
                broken = _broken_word(subject, text, style, style_name, room, where)
                if broken is not None:
                    problems.append(
                        BuildError(
                            broken,
                            file=file,
                            line=line,
                            hint="shorten the title (or its running_title) in the layout, or "
                            f"make the {style_name} style's size in {self.theme.file} smaller",
                        )
                    )
        return problems

    def layout_problems(self) -> list[BuildError]:
        """What the page templates drew, or where they fell, that the pages cannot hold;
        found while laying out and said after it (reportlab rewrites an error raised
        while it starts a page)."""
        return [
            *([self.title_overflow] if self.title_overflow is not None else []),
            *(self.header_overflow or []),
            *page_number_problems(self.theme),
            *self.front_page_problems(),
            *self.contents_number_problems(),
            *self.contents_heading_problems(),
            *self.title_word_problems(),
        ]

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
    regular, bold = face(), face(bold=True)
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
    *,
    measure_header: bool = True,
    write: bool = True,
) -> tuple[bytes, PageMap]:
    """Lay the edition out in ``styles`` (built from the theme, fonts registered); return
    the PDF (chart drawings not yet placed) and where things went. ``chart_texts`` is
    asked for the charts' text only after the layout, so the charts can be drawn
    meanwhile. ``measure_header`` False: the running header is measured elsewhere (check
    measures every edition's, and would otherwise say this one's twice). ``write`` False:
    a dry run, which wants the page count, where each section starts and every problem,
    and no PDF: the bytes returned are empty, and the paragraphs and tables are placed
    but not drawn (``laid_out_only``)."""
    theme = styles.theme
    buffer = io.BytesIO()
    doc = EditionDocument(buffer, edition, theme, styles)
    if not measure_header:
        doc.header_overflow = []

    def define_forms(canvas: Canvas) -> None:
        # after the last page, before the save: the page numbers are known and the
        # charts' text is wanted now (the chart worker has had the layout's time)
        doc.define_contents_numbers(canvas)
        define_chart_texts(canvas, chart_texts(), doc.page_map)

    page = StoryPage(doc.width, (theme.chart.width, theme.chart.height), doc.record_chart)
    try:
        with contextlib.nullcontext() if write else laid_out_only():
            doc.build(
                edition_story(edition, styles, page, doc.tagger),
                canvasmaker=partial(EditionCanvas, before_save=define_forms, write=write),
            )
    except LayoutError:
        # something (a table row, a statement, a paragraph) is taller than a page: said in
        # words, never reportlab's own (it shows the flowable's internals)
        section = doc.pending[0] if doc.pending else doc.current
        front = "the cover" if doc.pageTemplate.id == "cover" else "the contents"
        where = f"section {section.contents_entry}" if section else front
        raise page_overflow(where, resolve_source(doc.placing), styles, doc.width) from None
    problems = ProblemCollector()  # every one at once, as check reports them
    for problem in doc.layout_problems():
        problems.add(problem)
    problems.raise_if_any()
    doc.page_map.page_count = doc.page
    return buffer.getvalue(), doc.page_map
