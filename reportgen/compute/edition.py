"""The edition, computed: report folder + edition month + narrative -> ``Edition``.

Everything the render stage needs, already as display strings and plot series:
cover lines, contents entries, each section's blocks (headings, performance tables,
notes, charts, narrative, page breaks). Render draws it; it never computes.
"""

from __future__ import annotations

import csv
import io
import json
import typing
from collections.abc import Mapping

import msgspec

from reportgen.compute.aggregate import Figures
from reportgen.compute.charts import ChartData, chart_data, check_chart_data
from reportgen.compute.rules import NOT_AVAILABLE
from reportgen.compute.tables import (
    CSV_COLUMNS,
    FIGURES_COLUMNS,
    Row,
    TableRows,
    check_edition_in_data,
    comparable_with_last_year,
    performance_table,
    statement_table,
)
from reportgen.compute.wording import Wording
from reportgen.errors import InputError, ProblemCollector, ReportgenError
from reportgen.load.content import NarrativeBlock, NarrativeFile, Statement
from reportgen.load.folder import ReportFolder, load_content
from reportgen.load.layout import (
    ChartSpec,
    EditionNotes,
    Heading,
    LayoutBlock,
    Narrative,
    Notes,
    PageBreak,
    PerformanceTable,
    Section,
    StatementTable,
)
from reportgen.load.template import Template
from reportgen.months import Month


class SourcedText(msgspec.Struct, frozen=True):
    """A text bound for the page, and the file and line it was written on (so a problem
    with it, such as a character the font lacks, names where to fix it)."""

    text: str
    file: str | None = None
    line: int | None = None


class HeadingText(SourcedText, frozen=True):
    """A heading the layout puts in a section, its month names filled in."""


class NoteTexts(msgspec.Struct, frozen=True):
    """The notes under a table: the layout's, or the edition's own from its narrative."""

    items: tuple[SourcedText, ...]


class NewPage(msgspec.Struct, frozen=True):
    """The layout's page break: the section goes on on a new page."""


class SectionNarrative(msgspec.Struct, frozen=True):
    """The section's narrative file, parsed, where the layout places it."""

    blocks: tuple[NarrativeBlock, ...]
    file: str


# every kind of block an edition's section holds, in the order printed (each dispatch on
# it ends in typing.assert_never: a new kind is drawn everywhere or refused by mypy)
EditionBlock = HeadingText | TableRows | NoteTexts | ChartData | NewPage | SectionNarrative


class EditionSection(msgspec.Struct, frozen=True):
    """One section as printed: its running header, contents line and blocks."""

    number: int
    heading: str  # the running header's section line
    contents_entry: str
    blocks: tuple[EditionBlock, ...]
    # where the layout wrote its title and running title
    title_line: int | None = None
    running_title_line: int | None = None


class Edition(msgspec.Struct, frozen=True):
    """The compute stage's hand-off to render: one edition, every text already a display
    string (month names filled in, figures formatted) and every chart its plot series.

    ``compute_edition`` makes it; ``render.story`` turns it into flowables without
    computing anything; ``draft`` marks every page DRAFT.
    """

    month: Month
    organisation: str
    title: str
    # where the layout wrote them, so a text the page cannot hold names its line
    running_header: SourcedText
    cover_lines: tuple[SourcedText, ...]
    contents_heading: SourcedText
    contents_page_heading: SourcedText
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
    table: PerformanceTable | StatementTable,
    section: Section,
    figures: Figures,
    wording: Wording,
    statements: tuple[Statement, ...],
    narrative_file: str | None = None,
) -> TableRows:
    """``narrative_file``: where the statements were to be written (None: the tables
    alone are wanted, without the narrative)."""
    match table:
        case PerformanceTable():
            return performance_table(table, section.number, section.title, figures, wording)
        case StatementTable():
            if narrative_file is not None and not statements:
                # it printed as a caption over an empty table
                raise InputError(
                    f"section {section.number} prints a statements table "
                    f"({table.caption.file}:{table.line}), and its narrative lists no "
                    "statements",
                    file=narrative_file,
                    line=1,
                    hint="list each target and its status under 'statements:' in the front "
                    "matter, or remove the statements block from the layout",
                )
            return statement_table(table, section.number, section.title, statements, wording)
        case _:
            typing.assert_never(table)


def compute_tables(
    folder: ReportFolder, edition: Month, texts: Mapping[int, NarrativeFile] | None = None
) -> list[TableRows]:
    """Every table of the edition. Without narrative, statement tables have no rows.

    The charts are not drawn here, but a chart that names a measure without data is
    refused as it would be when the edition is built.
    """
    figures = Figures(folder.catalogue, folder.data, edition)
    check_edition_in_data(figures, edition)
    problems = ProblemCollector()  # every table's and chart's problems at once
    for section in folder.layout.sections:
        for chart in section.charts():
            with problems.attempt():
                check_chart_data(chart, figures)
    wording = Wording(edition, folder.catalogue, folder.data)
    tables = []
    for section in folder.layout.sections:
        narrative = texts[section.number] if texts else None
        statements = narrative.statements if narrative else ()
        for table in section.tables():
            with problems.attempt():
                tables.append(
                    _table_rows(
                        table,
                        section,
                        figures,
                        wording,
                        statements,
                        narrative.file if narrative else None,
                    )
                )
    problems.raise_if_any()
    return tables


def _comparable(figures: Figures, measure_id: str, edition: Month) -> bool:
    """Whether the measure's last year compares with this year in ``edition`` (the
    table prints its Better/Worse, not "n/a")."""
    _this, last = figures.windowed(measure_id, edition)
    return comparable_with_last_year(figures.catalogue[measure_id], last)


def load_narrative(folder: ReportFolder, edition: Month) -> dict[int, NarrativeFile]:
    """The edition's narrative. Where it cannot be loaded, its problems are raised with
    the figures' (computed from the front matter alone, as ``figures`` computes them):
    a refused heading no longer hides a month missing from the data."""
    problems = ProblemCollector()
    try:
        return load_content(folder, edition)
    except ReportgenError as error:
        problems.add(error)
    with problems.attempt():
        compute_tables(folder, edition, load_content(folder, edition, bodies=False))
    problems.raise_all()


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
    derivation = row.derivation
    if derivation is None:
        return {}
    if row.kind == "confidence_interval":
        years = (derivation.last_year, derivation.this_year)
        return {
            column: year.reason or "no respondents"
            for column, year, cell in zip(
                ("last_year", "this_year"), years, (row.last_year, row.this_year), strict=True
            )
            if cell == NOT_AVAILABLE
        }
    reasons = {
        "last_year": derivation.last_year.reason,
        "this_year": derivation.this_year.reason,
        "diff": derivation.difference_reason,
        "msg_rank": derivation.msg.reason if derivation.msg else None,
        "movement": derivation.movement_reason,
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
    """The rows as CSV: the golden table's columns, then the MSG colour
    (``FIGURES_COLUMNS``)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(FIGURES_COLUMNS)
    rows: list[Row] = [row for table in tables for row in table.rows]
    writer.writerows(row.as_figures() for row in rows)
    return buffer.getvalue()


def compute_edition(
    folder: ReportFolder,
    edition: Month,
    narratives: Mapping[int, NarrativeFile],
    *,
    draft: bool = False,
) -> Edition:
    """The compute stage's entry point: the loaded report folder, the edition's month and
    its narrative files (by section number, from ``load_content``) -> the ``Edition``.

    Every table row is derived from the data by the rules (``compute.tables``), every
    template filled in for the month (``compute.wording``), every chart's series taken
    from the figures; raises InputError if the data do not reach the edition.
    """
    figures = Figures(folder.catalogue, folder.data, edition)
    check_edition_in_data(figures, edition)
    wording = Wording(edition, folder.catalogue, folder.data)
    layout = folder.layout
    sections = []
    problems = ProblemCollector()  # every table's and chart's problems at once
    for section in layout.sections:
        narrative = narratives[section.number]
        for problem in _unprinted(narrative, section, layout.file):
            problems.add(problem)
        blocks: list[EditionBlock] = []
        for block in section.blocks:
            with problems.attempt():
                made = _edition_block(block, section, narrative, figures, wording, edition)
                if made is not None:
                    blocks.append(made)
        sections.append(
            EditionSection(
                section.number,
                section.heading,
                section.contents_entry,
                tuple(blocks),
                section.title_line or None,
                section.running_title_line or None,
            )
        )
    problems.raise_if_any()
    return Edition(
        month=edition,
        organisation=layout.organisation,
        title=layout.title,
        running_header=_filled(layout.running_header, wording),
        cover_lines=tuple(_filled(t, wording) for t in layout.cover_lines),
        contents_heading=SourcedText(
            layout.contents_heading, layout.file, layout.contents_heading_line or None
        ),
        contents_page_heading=SourcedText(
            layout.contents_page_heading, layout.file, layout.contents_page_heading_line or None
        ),
        author=layout.author,
        subject=wording.fill(layout.subject),
        sections=tuple(sections),
        draft=draft,
    )


def _unprinted(narrative: NarrativeFile, section: Section, layout_file: str) -> list[InputError]:
    """The narrative's notes and statements where the section's layout has no block to
    print them: written by the analyst, they would be left out of the PDF unsaid."""
    problems = []
    for written, kind, block, name, add in (
        (narrative.notes, "notes", EditionNotes, "edition_notes", "'- edition_notes'"),
        (
            narrative.statements,
            "statements",
            StatementTable,
            "statements",
            "a '- statements:' block with its caption",
        ),
    ):
        if written and not any(isinstance(b, block) for b in section.blocks):
            problems.append(
                InputError(
                    f"its {kind} are printed nowhere: section {section.number} of "
                    f"{layout_file} has no '{name}' block",
                    file=narrative.file,
                    line=written[0].line,
                    hint=f"add {add} to section {section.number}'s blocks in the layout where "
                    f"they should print, or remove the {kind}",
                )
            )
    return problems


def _filled(template: Template, wording: Wording) -> SourcedText:
    return SourcedText(wording.fill(template), template.file, template.line)


def _edition_block(
    block: LayoutBlock,
    section: Section,
    narrative: NarrativeFile,
    figures: Figures,
    wording: Wording,
    edition: Month,
) -> EditionBlock | None:
    """What one block of the layout prints in this edition (None: nothing, as for the
    edition's own notes when its narrative has none)."""
    match block:
        case Heading(text=template):
            return HeadingText(wording.fill(template), template.file, template.line)
        case PerformanceTable() | StatementTable():
            return _table_rows(
                block, section, figures, wording, narrative.statements, narrative.file
            )
        case Notes():
            printed = tuple(
                SourcedText(wording.fill(t), t.file, t.line)
                for t, measure in zip(block.items, block.while_not_comparable, strict=True)
                if measure is None or not _comparable(figures, measure, edition)
            )
            return NoteTexts(printed) if printed else None
        case EditionNotes():
            notes = narrative.notes
            return (
                NoteTexts(tuple(SourcedText(n.text, narrative.file, n.line) for n in notes))
                if notes
                else None
            )
        case ChartSpec():
            return chart_data(block, wording.fill(block.title), figures, edition)
        case PageBreak():
            return NewPage()
        case Narrative():
            return SectionNarrative(narrative.blocks, narrative.file)
        case _:
            typing.assert_never(block)
