"""The edition, computed: report folder + edition month + narrative -> ``Edition``.

Everything the render stage needs, already as display strings and plot series:
cover lines, contents entries, each section's blocks (headings, performance tables,
notes, charts, narrative, page breaks). Render draws it; it never computes.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass

from reportgen.compute.aggregate import Figures
from reportgen.compute.charts import ChartData, chart_data, check_chart_data
from reportgen.compute.rules import NOT_AVAILABLE
from reportgen.compute.tables import (
    CSV_COLUMNS,
    Row,
    TableRows,
    check_edition_in_data,
    performance_table,
    statement_table,
)
from reportgen.compute.wording import Wording
from reportgen.load import layout as L
from reportgen.load.content import SectionText, Statement, TextBlock
from reportgen.load.folder import ReportFolder, load_content
from reportgen.months import Month


@dataclass(frozen=True)
class SourcedText:
    """A text bound for the page, and the file and line it was written on (so a problem
    with it, such as a character the font lacks, names where to fix it)."""

    text: str
    file: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class HeadingText(SourcedText):
    pass


@dataclass(frozen=True)
class NoteTexts:
    items: tuple[SourcedText, ...]


@dataclass(frozen=True)
class PageBreak:
    pass


@dataclass(frozen=True)
class NarrativeText:
    blocks: tuple[TextBlock, ...]
    file: str


EditionBlock = HeadingText | TableRows | NoteTexts | ChartData | PageBreak | NarrativeText


@dataclass(frozen=True)
class EditionSection:
    number: int
    heading: str  # the running header's section line
    contents_entry: str
    blocks: tuple[EditionBlock, ...]


@dataclass(frozen=True)
class Edition:
    month: Month
    organisation: str
    title: str
    running_header: str
    cover_lines: tuple[str, ...]
    contents_heading: str
    contents_page_heading: str
    author: str
    subject: str
    sections: tuple[EditionSection, ...]
    draft: bool = False

    def tables(self) -> list[TableRows]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, TableRows)]

    def charts(self) -> list[ChartData]:
        """Every chart, in page order (the order the layout numbers their slots)."""
        return [b for s in self.sections for b in s.blocks if isinstance(b, ChartData)]


def _table_rows(
    table: L.PerformanceTable | L.StatementTable,
    section: L.Section,
    figures: Figures,
    wording: Wording,
    statements: tuple[Statement, ...],
) -> TableRows:
    if isinstance(table, L.PerformanceTable):
        return performance_table(table, section.number, section.title, figures, wording)
    return statement_table(table, section.number, section.title, statements, wording)


def compute_tables(
    folder: ReportFolder, edition: Month, texts: Mapping[int, SectionText] | None = None
) -> list[TableRows]:
    """Every table of the edition. Without narrative, statement tables have no rows.

    The charts are not drawn here, but a chart that names a measure without data is
    refused as it would be when the edition is built.
    """
    figures = Figures(folder.catalogue, folder.data, edition)
    check_edition_in_data(figures, edition)
    for section in folder.layout.sections:
        for chart in section.charts():
            check_chart_data(chart, figures)
    wording = Wording(edition, folder.catalogue, folder.data)
    return [
        _table_rows(
            table, section, figures, wording, texts[section.number].statements if texts else ()
        )
        for section in folder.layout.sections
        for table in section.tables()
    ]


def edition_figures(
    folder: ReportFolder, edition: Month, output: str = "csv"
) -> tuple[str, list[str]]:
    """The edition's figures as CSV (or JSON), and notes for the analyst (e.g. no
    narrative yet)."""
    check_edition_in_data(Figures(folder.catalogue, folder.data), edition)
    notes = []
    texts = None
    if folder.content_dir(edition).is_dir():
        texts = load_content(folder, edition, bodies=False)  # the statements only
    else:
        notes.append(
            f"no narrative folder {folder.display(folder.content_dir(edition))}; "
            "statement rows are left out"
        )
    tables = compute_tables(folder, edition, texts)
    text = figures_json(tables, edition) if output == "json" else figures_csv(tables)
    return text, notes


def _reasons(row: Row) -> dict[str, str]:
    """Why each n/a cell of a row is n/a, by column."""
    made = row.derivation
    if made is None:
        return {}
    if row.kind == "confidence_interval":
        years = (made.last_year, made.this_year)
        return {
            column: year.reason or "no respondents"
            for column, year, cell in zip(
                ("last_year", "this_year"), years, (row.last_year, row.this_year), strict=True
            )
            if cell == NOT_AVAILABLE
        }
    reasons = {
        "last_year": made.last_year.reason,
        "this_year": made.this_year.reason,
        "diff": made.difference_reason,
        "msg_rank": made.msg.reason if made.msg else None,
        "movement": made.movement_reason,
    }
    return {
        column: reason
        for column, reason in reasons.items()
        if getattr(row, column) == NOT_AVAILABLE and reason
    }


def figures_json(tables: list[TableRows], edition: Month) -> str:
    """Every row with its measure's id, unit, decimals, polarity, MSG colour and the
    reason for each n/a."""
    rows = []
    for table in tables:
        for row in table.rows:
            record: dict[str, object] = dict(zip(CSV_COLUMNS, row.as_csv(), strict=True))
            record["section"] = row.section
            measure = row.derivation.measure if row.derivation else None
            record["measure"] = measure.id if measure else None
            record["unit"] = measure.unit.value if measure else None
            record["decimals"] = measure.decimals if measure else None
            record["polarity"] = measure.polarity.value if measure else None
            record["msg_colour"] = row.rag
            record["not_available"] = _reasons(row)
            rows.append(record)
    return json.dumps({"edition": str(edition), "rows": rows}, indent=2, ensure_ascii=False) + "\n"


def figures_csv(tables: list[TableRows]) -> str:
    """The rows as CSV, with the header and columns of the golden table."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    rows: list[Row] = [row for table in tables for row in table.rows]
    writer.writerows(row.as_csv() for row in rows)
    return buffer.getvalue()


def compute_edition(
    folder: ReportFolder, edition: Month, texts: Mapping[int, SectionText], *, draft: bool = False
) -> Edition:
    figures = Figures(folder.catalogue, folder.data, edition)
    check_edition_in_data(figures, edition)
    wording = Wording(edition, folder.catalogue, folder.data)
    layout = folder.layout
    sections = []
    for section in layout.sections:
        text = texts[section.number]
        blocks: list[EditionBlock] = []
        for block in section.blocks:
            if isinstance(block, L.Heading):
                template = block.text
                blocks.append(HeadingText(wording.fill(template), template.file, template.line))
            elif isinstance(block, L.PerformanceTable | L.StatementTable):
                blocks.append(_table_rows(block, section, figures, wording, text.statements))
            elif isinstance(block, L.Notes):
                blocks.append(
                    NoteTexts(
                        tuple(SourcedText(wording.fill(t), t.file, t.line) for t in block.items)
                    )
                )
            elif isinstance(block, L.EditionNotes):
                if text.notes:
                    notes = (SourcedText(note.text, text.file, note.line) for note in text.notes)
                    blocks.append(NoteTexts(tuple(notes)))
            elif isinstance(block, L.ChartSpec):
                blocks.append(chart_data(block, wording.fill(block.title), figures, edition))
            elif isinstance(block, L.PageBreak):
                blocks.append(PageBreak())
            elif isinstance(block, L.Narrative):
                blocks.append(NarrativeText(text.blocks, text.file))
        sections.append(
            EditionSection(section.number, section.heading, section.contents_entry, tuple(blocks))
        )
    return Edition(
        month=edition,
        organisation=layout.organisation,
        title=layout.title,
        running_header=wording.fill(layout.running_header),
        cover_lines=tuple(wording.fill(t) for t in layout.cover_lines),
        contents_heading=layout.contents_heading,
        contents_page_heading=layout.contents_page_heading,
        author=layout.author,
        subject=wording.fill(layout.subject),
        sections=tuple(sections),
        draft=draft,
    )
