"""Flowables that talk to the document: section starts, chart slots, contents numbers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple, TypeVar

import msgspec
from reportlab.lib.units import cm
from reportlab.platypus import Flowable

from reportgen.render.tagging import Element, Tagger

CONTENTS_NUMBER_WIDTH = 1.6 * cm  # the contents page's page-number column


class SectionInfo(msgspec.Struct, frozen=True):
    number: int
    heading: str  # "2. Supporting Our Victims of Crime", for the running header
    contents_entry: str  # "2. Supporting our Victims of Crime", for contents and outline

    @property
    def key(self) -> str:
        return f"section-{self.number}"


class SectionStart(Flowable):
    """Zero-size marker placed just before the page break that opens a section.

    The document sees it (``afterFlowable``) before the new page begins, so the
    running header of that page already names the new section, and on that page is the
    section's ``title`` (its H1).
    """

    def __init__(self, section: SectionInfo, title: Element) -> None:
        super().__init__()
        self.section = section
        self.title = title
        self.width = self.height = 0

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        pass


class ChartPlace(msgspec.Struct, frozen=True):
    """Where a chart's slot landed: PDF page (1-based), lower-left corner, and the MCID
    its drawing is marked with when the finishing step places it."""

    page: int
    x: float
    y: float
    mcid: int


class ChartSlot(Flowable):
    """Reserves a chart's space and records where it landed; the drawing is placed later.

    The chart is one Figure: its drawing (placed by the finishing step) and its text
    (drawn here from a form) are both the Figure's content, which its /Alt replaces.
    """

    def __init__(
        self,
        index: int,
        width: float,
        height: float,
        record: Callable[[int, ChartPlace], None],
        tagger: Tagger,
        figure: Element,
    ) -> None:
        super().__init__()
        self.index = index
        self.width = width
        self.height = height
        self.record = record
        self.tagger = tagger
        self.figure = figure

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    @property
    def form_name(self) -> str:
        return f"chart-text-{self.index}"

    def draw(self) -> None:
        x, y = self.canv.absolutePosition(0, 0)
        page = self.canv.getPageNumber()
        self.figure.attributes["BBox"] = (x, y, x + self.width, y + self.height)
        self.record(self.index, ChartPlace(page, x, y, self.tagger.reserve(page, self.figure)))
        # the chart's text, set in the document's font once the chart has been drawn; the
        # form is written in page coordinates, so it is placed from the page's origin
        with self.tagger.content(self.canv, self.figure):
            self.canv.saveState()
            self.canv.translate(-x, -y)
            self.canv.doForm(self.form_name)
            self.canv.restoreState()


class PageNumberRef(Flowable):
    """A section's page number on the contents page, filled in once the layout is known.

    It draws a form XObject that the document defines after the last page, so the
    contents page needs no second layout pass; the number links to the section, and the
    link annotation belongs to the contents entry's Link element.
    """

    def __init__(
        self,
        section: SectionInfo,
        font: str,
        size: float,
        width: float,
        row_width: float,
        tagger: Tagger,
        link: Element,
    ) -> None:
        super().__init__()
        self.section = section
        self.font = font
        self.size = size
        self.width = width
        self.row_width = row_width  # the link covers the whole contents line, title too
        self.height = size * 1.3
        self.tagger = tagger
        self.link = link

    @property
    def form_name(self) -> str:
        return f"contents-page-{self.section.number}"

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        self.canv.doForm(self.form_name)
        left = self.width - self.row_width
        self.canv.linkRect(
            "", self.section.key, (left, 0, self.width, self.height), relative=1, thickness=0
        )
        self.tagger.link(self.canv, self.link, f"Go to {self.section.contents_entry}")


Source = tuple[str | None, int | None]  # the file and line a flowable's text was written on


class Written(NamedTuple):
    """A text on the page where it was written, and the flowable that sets it (the
    paragraph, or a table's tallest cell): what a page too short for it names."""

    file: str | None
    line: int | None
    text: Flowable | None


SourceMark = Written | Callable[[], Written]  # a table's callable finds its tallest cell
_SOURCE = "reportgen_source"  # reportgen's own attribute on the flowables it builds
F = TypeVar("F", bound=Flowable)


def mark_source(flowable: F, source: Source | Callable[[], Written]) -> F:
    """Remember where ``flowable``'s text came from, so a page that cannot hold it names
    the file and line to fix; a callable is asked only then (a table finds its cell)."""
    setattr(flowable, _SOURCE, source if callable(source) else Written(*source, flowable))
    return flowable


def source_of(flowable: Flowable) -> SourceMark | None:
    """What ``mark_source`` left on ``flowable``, as left (``resolve_source`` reads it)."""
    return getattr(flowable, _SOURCE, None)


def resolve_source(mark: SourceMark | None) -> Written | None:
    """The text a mark names, a table's callable asked only now."""
    return mark() if callable(mark) else mark


Cells = Sequence[tuple[object, float]]  # a table row's cells, each with its text's width


def tallest_text(rows: Sequence[tuple[Source, Cells]]) -> Callable[[], Written]:
    """The tallest cell of a table whose rows were written at each ``Source``: a row
    no page can hold is named by the text that makes it so. Worked out only when asked
    (the cells are wrapped to measure them)."""

    def find() -> Written:
        found = Written(None, None, None)
        tallest = -1.0
        for (file, line), cells in rows:
            for cell, width in cells:
                if isinstance(cell, Flowable) and not isinstance(cell, PageNumberRef):
                    height = cell.wrap(width, 1e6)[1]
                    if height > tallest:
                        found, tallest = Written(file, line, cell), height
        return found

    return find
