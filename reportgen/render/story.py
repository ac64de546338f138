"""The edition as a story: computed ``Edition`` + styles -> reportlab flowables, in printed order.

Cover, contents page and every section's blocks. As each flowable is built, its element
of the tagged PDF's structure is declared under the Document (``render.tagging``), so the
structure reads in printed order: the cover's lines as paragraphs; the contents page as a
paragraph (its column headings) and a TOC whose TOCIs each hold a Reference with the
entry's Link; each section a Sect that opens with its H1 (drawn with the running header
on the section's first page), then its headings, tables, notes, charts (Figures whose
/Alt is generated from the chart's data) and narrative.
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from typing import TypeVar

import msgspec
from reportlab.lib.units import cm
from reportlab.platypus import (
    Flowable,
    NextPageTemplate,
    PageBreak,
    Paragraph,
    Spacer,
    TableStyle,
)

from reportgen.compute.alttext import chart_description
from reportgen.compute.chartdata import ChartData
from reportgen.compute.edition import (
    Edition,
    EditionSection,
    HeadingText,
    NewPage,
    NoteTexts,
    SectionNarrative,
)
from reportgen.compute.tables import TableRows
from reportgen.render import tables
from reportgen.render.flowables import (
    CONTENTS_NUMBER_WIDTH,
    ChartPlace,
    ChartSlot,
    PageNumberRef,
    SectionInfo,
    SectionStart,
    Source,
    mark_source,
    tallest_text,
)
from reportgen.render.narrative import narrative_flowables, note_flowables, plain
from reportgen.render.styles import Styles
from reportgen.render.tagging import TableTagger, TagContext, TaggedTable, Tagger

LAYOUT_HEADING_LEVEL = 2  # "Performance Information": the level under the section's H1
_COVER_LINE = "reportgen_cover_line"  # which of the edition's cover lines a paragraph prints
F = TypeVar("F", bound=Flowable)


class StoryPage(msgspec.Struct, frozen=True):
    """What the story needs from the page it is laid out on."""

    width: float  # the frame's width
    chart_size: tuple[float, float]
    record_chart: Callable[[int, ChartPlace], None]


def edition_story(
    edition: Edition, styles: Styles, page: StoryPage, tagger: Tagger
) -> list[Flowable]:
    """Cover, contents and every section, in page order; their structure under
    ``tagger.document``."""
    # every table too wide for the page at once, before any is built
    tables.label_room_problems(edition.tables(), page.width, styles)
    document = TagContext(tagger, tagger.document)
    sections = [SectionInfo(s.number, s.heading, s.contents_entry) for s in edition.sections]
    story = _cover(edition, styles, document)
    story += [NextPageTemplate("contents"), PageBreak()]
    story += _contents(edition, sections, styles, page.width, document)
    story += [NextPageTemplate("body")]
    charts = iter(range(len(edition.charts())))
    for info, section in zip(sections, edition.sections, strict=True):
        sect = document.under(document.parent.add("Sect"))
        # the running header draws the section's title, its H1, on the first page
        story += [SectionStart(info, sect.parent.add("H1")), PageBreak()]
        story += _section(section, styles, page, sect, charts)
    return story


def _section(
    section: EditionSection,
    styles: Styles,
    page: StoryPage,
    tags: TagContext,
    charts: typing.Iterator[int],
) -> list[Flowable]:
    story: list[Flowable] = []
    for block in section.blocks:
        match block:
            case HeadingText():
                story.append(
                    tags.heading(plain(block.text), styles["heading"], LAYOUT_HEADING_LEVEL)
                )
            case TableRows(kind="performance"):
                story += [tables.performance_table(block, page.width, styles, tags), Spacer(1, 6)]
            case TableRows():
                story += [tables.statement_table(block, page.width, styles, tags), Spacer(1, 6)]
            case NoteTexts():
                story += note_flowables(block.items, styles, tags)
            case ChartData():
                figure = tags.parent.add(
                    "Figure", alt=chart_description(block), O="Layout", Placement="Block"
                )
                slot = ChartSlot(
                    next(charts), *page.chart_size, page.record_chart, tags.tagger, figure
                )
                story += [slot, Spacer(1, 6)]
            case NewPage():
                story.append(PageBreak())
            case SectionNarrative():
                story += narrative_flowables(block.blocks, styles, tags, block.file)
            case _:
                typing.assert_never(block)
    return _no_empty_pages(story)


def _no_empty_pages(story: list[Flowable]) -> list[Flowable]:
    """The section's flowables without a page break that would leave a page empty: one
    at its start (the section begins a page), one straight after another (a layout's
    page_break, then a narrative's \\pagebreak; ten \\pagebreak lines), or one at its
    end (the next section begins a page of its own)."""
    kept: list[Flowable] = []
    for flowable in story:
        if isinstance(flowable, PageBreak) and (not kept or isinstance(kept[-1], PageBreak)):
            continue
        kept.append(flowable)
    while kept and isinstance(kept[-1], PageBreak):
        kept.pop()
    return kept


def _cover(edition: Edition, styles: Styles, tags: TagContext) -> list[Flowable]:
    names = ("cover_organisation", "cover_title", "cover_edition")
    flowables: list[Flowable] = [Spacer(1, 6.5 * cm)]
    for index, line in enumerate(edition.cover_lines):
        paragraph = tags.paragraph(plain(line.text), styles[names[min(index, 2)]])
        flowables.append(mark_cover_line(paragraph, index))
        flowables.append(Spacer(1, 0.8 * cm))
    return flowables


def mark_cover_line(flowable: F, index: int) -> F:
    """Remember that ``flowable`` prints the edition's cover line ``index``: the cover is
    one page, and the document names a line that runs onto a second by where it was
    written."""
    setattr(flowable, _COVER_LINE, index)
    return flowable


def cover_line_of(flowable: Flowable) -> int | None:
    """The edition's cover line ``flowable`` prints, if it is one (``mark_cover_line``)."""
    return getattr(flowable, _COVER_LINE, None)


CELL_RIGHT_PADDING = 6  # reportlab's default, which the contents table keeps


def contents_columns(width: float) -> tuple[float, float]:
    """The contents table's columns: the sections' titles, and their page numbers."""
    return width - CONTENTS_NUMBER_WIDTH - 0.4 * cm, CONTENTS_NUMBER_WIDTH + 0.4 * cm


def _contents(
    edition: Edition,
    sections: list[SectionInfo],
    styles: Styles,
    width: float,
    tags: TagContext,
) -> list[Flowable]:
    entry, heading = styles["contents_entry"], styles["contents_heading"]
    number_style = heading.clone("contents_page_heading", alignment=2)
    tagger = TableTagger(tags.tagger)
    headings = tags.parent.add("P")  # "Areas of Focus" over the titles, "Page" over the numbers
    rows: list[list[object]] = [
        [
            tagger.tag(
                Paragraph(f"<u>{plain(edition.contents_heading.text)}</u>", heading), headings
            ),
            tagger.tag(
                Paragraph(f"<u>{plain(edition.contents_page_heading.text)}</u>", number_style),
                headings,
            ),
        ]
    ]
    toc = tags.parent.add("TOC")
    for section in sections:
        link = toc.add("TOCI").add("Reference").add("Link")
        number = PageNumberRef(
            section,
            entry.fontName,
            entry.fontSize,
            CONTENTS_NUMBER_WIDTH,
            width,
            tags.tagger,
            link,
        )
        rows.append(
            [
                tagger.tag(Paragraph(plain(section.contents_entry), entry), link),
                tagger.tag(number, link),
            ]
        )
    widths = list(contents_columns(width))
    table = TaggedTable(
        rows,
        colWidths=widths,
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
        renderCB=tagger,
    )
    # a row no page can hold is named by its text and style
    room = [column - CELL_RIGHT_PADDING for column in widths]
    written: list[Source] = [(edition.contents_heading.file, edition.contents_heading.line)]
    written += [(edition.contents_heading.file, s.title_line) for s in edition.sections]
    cells = [
        (source, list(zip(row, room, strict=True)))
        for source, row in zip(written, rows, strict=True)
    ]
    return [Spacer(1, 1.2 * cm), mark_source(table, tallest_text(cells))]
