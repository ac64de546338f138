"""Tagged PDF with reportlab: structure elements and the marked content that ties them to pages.

In: the structure the story declares as it builds the flowables (``Element``s under one
``Document``, in printed order) and reportlab's drawing. Out: every piece of real content
drawn between ``/Role <</MCID n>> BDC`` and ``EMC`` and recorded on its element as
(page, MCID); everything else a page carries (running header, page number, rules, table
shading and grid, the draft mark) drawn as an ``/Artifact``. The finishing step writes the
elements as the PDF's structure tree (``assemble.structure``).

reportlab has no tagging API; public ones carry it. ``Canvas.addLiteral`` writes the
marked-content operators; ``TaggedParagraph`` brackets what a paragraph draws (its public
``beginText`` is where reportlab has drawn a list item's bullet and starts the text, so
label and body are told apart); ``Table``'s render callback (``TableRenderCB``) brackets
each cell and marks shading and rules as artifacts.

Within ``laid_out_only`` (the page-fit dry run) the tagged flowables, every paragraph and
table of the story, are placed but draw nothing: drawing their text is half of a
layout's time, and a dry run wants only where each lands.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any

import msgspec
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, Table
from reportlab.platypus.tables import TableRenderCB

# What kind of page furniture an artifact is (ISO 32000-1, 14.8.2.2.2)
HEADER = "<</Type /Pagination /Subtype /Header>>"
FOOTER = "<</Type /Pagination /Subtype /Footer>>"
WATERMARK = "<</Type /Pagination /Subtype /Watermark>>"
REPEATED = "<</Type /Pagination>>"  # a table's header row again on a later page
LAYOUT = "<</Type /Layout>>"  # rules, shading, grid lines, the cover's bars

AttributeValue = str | int | tuple[float, ...]


class MarkedContent(msgspec.Struct, frozen=True):
    """A marked-content sequence: MCID ``mcid`` on PDF page ``page`` (1-based)."""

    page: int
    mcid: int


class LinkAnnotation(msgspec.Struct, frozen=True):
    """The ``index``-th link annotation drawn on PDF page ``page`` (1-based), and what
    it does in words (the annotation's /Contents)."""

    page: int
    index: int
    description: str


class Element(msgspec.Struct, eq=False):
    """A structure element: a standard structure type and its kids in reading order.

    ``attributes`` become the element's /A dictionary: "O" names the owner ("Table",
    "Layout"); a str value is written as a PDF name, a tuple as an array.
    """

    role: str
    kids: list[Element | MarkedContent | LinkAnnotation] = msgspec.field(default_factory=list)
    alt: str | None = None
    attributes: dict[str, AttributeValue] = msgspec.field(default_factory=dict)

    def add(self, role: str, *, alt: str | None = None, **attributes: AttributeValue) -> Element:
        child = Element(role, alt=alt, attributes=dict(attributes))
        self.kids.append(child)
        return child

    def walk(self) -> Iterator[Element]:
        """This element and every element under it, in reading order."""
        yield self
        for kid in self.kids:
            if isinstance(kid, Element):
                yield from kid.walk()


class Tagger:
    """Numbers marked content page by page and writes the marking operators."""

    def __init__(self) -> None:
        self.document = Element("Document")
        self.next_mcid: dict[int, int] = {}
        self.link_count: dict[int, int] = {}

    def reserve(self, page: int, element: Element) -> int:
        """A new MCID on ``page`` for ``element`` (content drawn there now or later)."""
        mcid = self.next_mcid.get(page, 0)
        self.next_mcid[page] = mcid + 1
        element.kids.append(MarkedContent(page, mcid))
        return mcid

    def begin(self, canvas: Canvas, element: Element) -> None:
        mcid = self.reserve(canvas.getPageNumber(), element)
        canvas.addLiteral(f"/{element.role} <</MCID {mcid}>> BDC")

    def begin_artifact(self, canvas: Canvas, kind: str) -> None:
        canvas.addLiteral(f"/Artifact {kind} BDC")

    def end(self, canvas: Canvas) -> None:
        canvas.addLiteral("EMC")

    @contextlib.contextmanager
    def content(self, canvas: Canvas, element: Element) -> Iterator[None]:
        """What is drawn inside is one piece of ``element``'s content."""
        self.begin(canvas, element)
        try:
            yield
        finally:
            self.end(canvas)

    @contextlib.contextmanager
    def artifact(self, canvas: Canvas, kind: str) -> Iterator[None]:
        """What is drawn inside is page furniture, not read."""
        self.begin_artifact(canvas, kind)
        try:
            yield
        finally:
            self.end(canvas)

    def link(self, canvas: Canvas, element: Element, description: str) -> None:
        """The link annotation just drawn belongs to ``element`` (a Link)."""
        page = canvas.getPageNumber()
        index = self.link_count.get(page, 0)
        self.link_count[page] = index + 1
        element.kids.append(LinkAnnotation(page, index, description))


# False within ``laid_out_only``
_DRAWN = contextvars.ContextVar("reportgen_drawn", default=True)


@contextlib.contextmanager
def laid_out_only() -> Iterator[None]:
    """Within: the tagged paragraphs and tables are placed but draw nothing. Where each
    lands, the page count and every layout problem are as when drawn (reportlab finds
    them in wrapping and splitting, reportgen's in the page templates and as each
    flowable is placed, never in a flowable's drawing); nothing is tagged."""
    token = _DRAWN.set(False)
    try:
        yield
    finally:
        _DRAWN.reset(token)


class TaggedParagraph(Paragraph):
    """A Paragraph drawn as content of ``element``; a paragraph split over two pages is
    one element with content on each. With ``label`` (a list item), the bullet or number
    reportlab draws is the label's content and the text the element's."""

    def __init__(
        self,
        *args: Any,
        tagger: Tagger | None = None,
        element: Element | None = None,
        label: Element | None = None,
        **kwargs: Any,
    ) -> None:
        # reportlab's split makes the parts with the Paragraph arguments only
        super().__init__(*args, **kwargs)
        self.tagger = tagger
        self.element = element
        self.label = label
        self.labelling = False

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        parts = super().split(availWidth, availHeight)
        for part in parts:  # reportlab splits a paragraph into paragraphs of its class
            if isinstance(part, TaggedParagraph):
                part.tagger, part.element, part.label = self.tagger, self.element, self.label
        return parts

    def draw(self) -> None:
        if not _DRAWN.get():
            return
        if self.tagger is None or self.element is None:
            raise ValueError("a TaggedParagraph is drawn without its structure element")
        self.labelling = self.label is not None and bool(self.bulletText)
        label = self.label if self.labelling else None
        self.tagger.begin(self.canv, label or self.element)
        try:
            super().draw()
        finally:
            self.tagger.end(self.canv)

    def beginText(self, x: float, y: float) -> Any:  # reportlab's name
        # reportlab has drawn the bullet by now and begins the paragraph's own text
        if self.labelling and self.tagger is not None and self.element is not None:
            self.tagger.end(self.canv)
            self.tagger.begin(self.canv, self.element)
            self.labelling = False
        return super().beginText(x, y)


class TaggedTable(Table):
    """A Table whose cells its render callback (``TableTagger``) tags as it draws them;
    reportlab makes the parts of a table split over pages of the same class."""

    def draw(self) -> None:
        if _DRAWN.get():
            super().draw()


class TableTagger(TableRenderCB):
    """A Table's render callback: each cell is content of its element (TH, TD, Link...);
    shading and rules are artifacts, and so is a header row repeated on a later page."""

    def __init__(self, tagger: Tagger) -> None:
        self.tagger = tagger
        self.cells: dict[int, tuple[object, Element]] = {}  # id(cell) -> (cell, element)
        self.drawn: set[int] = set()

    def tag(self, cell: object, element: Element) -> object:
        """Say that ``cell`` (a cell's value as given to Table) is ``element``'s content."""
        self.cells[id(cell)] = (cell, element)
        return cell

    def startTable(self, table: Table) -> None:
        pass

    def startBG(self, table: Table) -> None:
        self.tagger.begin_artifact(table.canv, LAYOUT)

    def endBG(self, table: Table) -> None:
        self.tagger.end(table.canv)

    def startRow(self, table: Table, row: int) -> None:
        pass

    def startCell(self, table: Table, row: int, column: int, value: object, *rest: object) -> None:
        # reportlab hands a flowable cell over as a tuple of the flowables it holds
        items = value if isinstance(value, list | tuple) else (value,)
        found = next((self.cells[id(i)] for i in items if id(i) in self.cells), None)
        if found is None:  # an empty cell
            self.tagger.begin_artifact(table.canv, LAYOUT)
            return
        cell, element = found
        if id(cell) in self.drawn:  # a header row repeated on a later page
            self.tagger.begin_artifact(table.canv, REPEATED)
            return
        self.drawn.add(id(cell))
        self.tagger.begin(table.canv, element)

    def endCell(self, table: Table) -> None:
        self.tagger.end(table.canv)

    def endRow(self, table: Table) -> None:
        pass

    def startLines(self, table: Table) -> None:
        self.tagger.begin_artifact(table.canv, LAYOUT)

    def endLines(self, table: Table) -> None:
        self.tagger.end(table.canv)

    def endTable(self, table: Table) -> None:
        pass


class TagContext(msgspec.Struct):
    """Where the flowables being built go in the structure: under ``parent``.

    Headings never skip a level (PDF/UA): a heading deeper than the one before it is
    raised to the next level down.
    """

    tagger: Tagger
    parent: Element
    heading_level: int = 1  # the section's title is the H1

    def under(self, element: Element) -> TagContext:
        return TagContext(self.tagger, element, self.heading_level)

    def heading(self, markup: str, style: ParagraphStyle, level: int) -> TaggedParagraph:
        level = max(1, min(level, self.heading_level + 1))
        self.heading_level = level
        return self.paragraph(markup, style, role=f"H{level}")

    def paragraph(self, markup: str, style: ParagraphStyle, role: str = "P") -> TaggedParagraph:
        return TaggedParagraph(markup, style, tagger=self.tagger, element=self.parent.add(role))

    def list_items(
        self, items: list[str], style: ParagraphStyle, labels: list[str]
    ) -> list[TaggedParagraph]:
        """One L: each item an LI with its label (Lbl) and text (LBody)."""
        found = self.parent.add("L")
        paragraphs = []
        for markup, label in zip(items, labels, strict=True):
            item = found.add("LI")
            paragraphs.append(
                TaggedParagraph(
                    markup,
                    style,
                    bulletText=label,
                    tagger=self.tagger,
                    label=item.add("Lbl"),
                    element=item.add("LBody"),
                )
            )
        return paragraphs
