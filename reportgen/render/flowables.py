"""Flowables that talk to the document: section starts, chart slots, contents numbers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from reportlab.platypus import Flowable


@dataclass(frozen=True)
class SectionInfo:
    number: int
    heading: str  # "2. Supporting Our Victims of Crime", for the running header
    contents_entry: str  # "2. Supporting our Victims of Crime", for contents and outline

    @property
    def key(self) -> str:
        return f"section-{self.number}"


class SectionStart(Flowable):
    """Zero-size marker placed just before the page break that opens a section.

    The document sees it (``afterFlowable``) before the new page begins, so the
    running header of that page already names the new section.
    """

    def __init__(self, section: SectionInfo) -> None:
        super().__init__()
        self.section = section
        self.width = self.height = 0

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        pass


class ChartSlot(Flowable):
    """Reserves a chart's space and records where it landed; the chart is merged later."""

    def __init__(
        self,
        index: int,
        width: float,
        height: float,
        record: Callable[[int, int, float, float], None],
    ) -> None:
        super().__init__()
        self.index = index
        self.width = width
        self.height = height
        self._record = record

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    @property
    def form_name(self) -> str:
        return f"chart-text-{self.index}"

    def draw(self) -> None:
        x, y = self.canv.absolutePosition(0, 0)
        self._record(self.index, self.canv.getPageNumber(), x, y)
        # the chart's text, set in the document's font once the chart has been drawn; the
        # form is written in page coordinates, so it is placed from the page's origin
        self.canv.saveState()
        self.canv.translate(-x, -y)
        self.canv.doForm(self.form_name)
        self.canv.restoreState()


class PageNumberRef(Flowable):
    """A section's page number on the contents page, filled in once the layout is known.

    It draws a form XObject that the document defines after the last page, so the
    contents page needs no second layout pass; the number links to the section.
    """

    def __init__(
        self, section: SectionInfo, font: str, size: float, width: float, row_width: float
    ) -> None:
        super().__init__()
        self.section = section
        self.font = font
        self.size = size
        self.width = width
        self.row_width = row_width  # the link covers the whole contents line, title too
        self.height = size * 1.3

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
