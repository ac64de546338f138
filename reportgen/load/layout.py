"""Layout definitions: ``layouts/report.yaml`` -> a validated ``ReportLayout``.

The layout says what the edition is made of, section by section: headings, the
performance table (which measures, Cumulative or Monthly, MSG Ranking or not), the
notes under it, the charts, where the narrative goes and where pages break. Text in a
layout is a template (``load.template``): month names come from the edition, never from
typed text. The file's parts are checked against schemas (``load.schema``); every
problem in the file is reported at once, by line.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import msgspec
from msgspec import Meta

from reportgen.errors import InputError, ProblemCollector, shown_words
from reportgen.load.catalogue import Aggregation, Catalogue
from reportgen.load.chartkind import ChartKind
from reportgen.load.schema import (
    Label,
    PlainText,
    Spec,
    convert_into,
    convert_part,
    did_you_mean,
    parse_document,
)
from reportgen.load.template import (
    EDITION_PLACEHOLDERS,
    STATEMENT_PLACEHOLDERS,
    TABLE_PLACEHOLDERS,
    Template,
    TemplateError,
    TemplateProblems,
    parse_template,
)
from reportgen.load.yamlfile import Node, read_text


class Period(str, Enum):
    CUMULATIVE = "cumulative"
    MONTHLY = "monthly"


class PerformanceTable(msgspec.Struct, frozen=True):
    """A performance table: which measures, Cumulative or Monthly, MSG Ranking or not."""

    period: Period
    measures: tuple[str, ...]
    msg_ranking: bool
    diff_percent_sign: bool  # print the Better/Worse of a rate as "-2.9%"
    caption: Template
    headers: tuple[Template, ...]
    line: int  # the block's own line ("- table:"), where the layout places it


class StatementTable(msgspec.Struct, frozen=True):
    """A table of the narrative's statements (target -> status)."""

    caption: Template
    line: int


class ChartSpec(msgspec.Struct, frozen=True):
    """A chart as the layout asks for it: its kind, title, measures and their names."""

    kind: ChartKind
    title: Template
    measures: tuple[str, ...]
    labels: tuple[str, ...]  # legend or category names, one per measure
    months: int  # trend charts: how many months up to the edition
    y_label: str
    file: str
    line: int  # the measures' line
    # where each label was written: the layout's 'labels', or the catalogue's measure
    # where the chart takes its label from there
    label_places: tuple[tuple[str, int], ...]
    y_label_line: int


class Heading(msgspec.Struct, frozen=True):
    """A heading printed in the section (a template)."""

    text: Template


class Notes(msgspec.Struct, frozen=True):
    """Notes printed under a table (templates). A note may be printed only while a
    measure's last year is not comparable with this year (``while_not_comparable``: its
    id, else None): a note that explains the table's "n/a" is wrong once the years
    compare."""

    items: tuple[Template, ...]
    while_not_comparable: tuple[str | None, ...]  # one per item


class EditionNotes(msgspec.Struct, frozen=True):
    """The edition-specific notes from the section's narrative file."""


class PageBreak(msgspec.Struct, frozen=True):
    """A new page within the section."""

    pass


class Narrative(msgspec.Struct, frozen=True):
    """Where the section's narrative file is printed."""

    pass


# every kind of block a section's layout may hold (each dispatch on it ends in
# typing.assert_never, so a new kind is handled everywhere or refused by mypy)
LayoutBlock = (
    Heading
    | PerformanceTable
    | StatementTable
    | Notes
    | EditionNotes
    | ChartSpec
    | PageBreak
    | Narrative
)


class Section(msgspec.Struct, frozen=True):
    """One section of the layout: its titles, its narrative file and its blocks."""

    number: int
    title: str  # as the contents page prints it
    running_title: str  # as the running header prints it
    narrative_file: str
    blocks: tuple[LayoutBlock, ...]
    line: int
    # where its titles are written (the running title's is the title's where it has none)
    title_line: int = 0
    running_title_line: int = 0
    narrative_line: int = 0

    @property
    def heading(self) -> str:
        return f"{self.number}. {self.running_title}"

    @property
    def contents_entry(self) -> str:
        return f"{self.number}. {self.title}"

    def tables(self) -> list[PerformanceTable | StatementTable]:
        return [b for b in self.blocks if isinstance(b, PerformanceTable | StatementTable)]

    def charts(self) -> list[ChartSpec]:
        return [b for b in self.blocks if isinstance(b, ChartSpec)]


class ReportLayout(msgspec.Struct, frozen=True):
    """``layouts/report.yaml``, validated: the cover, the contents page and each section's
    blocks in page order; text is kept as templates for compute to fill in."""

    organisation: str
    title: str
    running_header: Template
    cover_lines: tuple[Template, ...]
    contents_heading: str
    contents_page_heading: str
    author: str
    subject: Template
    sections: tuple[Section, ...]
    file: str
    measures_used: tuple[str, ...] = ()
    language: str = "en-GB"  # the document's language (BCP 47), for assistive technology
    # the lines of the contents' heading and page_heading
    contents_heading_line: int = 0
    contents_page_heading_line: int = 0


# --- the file's shape ----------------------------------------------------------------

# a template as written (placeholders not yet parsed: load.template does that)
TemplateText = Annotated[str, Meta(min_length=1, max_length=2000)]
_LANGUAGE = r"^[a-z]{2,3}(-[A-Z]{2})?$"


class ReportEntry(Spec, frozen=True, kw_only=True):
    organisation: Label
    title: Label
    author: Label
    subject: TemplateText
    running_header: TemplateText
    cover_lines: Annotated[tuple[TemplateText, ...], Meta(min_length=1, max_length=6)]
    language: Annotated[str, Meta(pattern=_LANGUAGE)] = "en-GB"  # BCP 47, e.g. en-GB, cy-GB


class ConditionalNote(Spec, frozen=True, kw_only=True):
    """A note as a mapping: its text, printed only while the measure named is not
    comparable with last year (its last-year window begins before its comparable_from)."""

    text: TemplateText
    while_not_comparable: Annotated[str, Meta(min_length=1, max_length=64)]


class ContentsEntry(Spec, frozen=True, kw_only=True):
    heading: Label
    page_heading: Label


class PeriodEntry(Spec, frozen=True, kw_only=True):
    caption: TemplateText
    headers: Annotated[tuple[TemplateText, ...], Meta(min_length=4, max_length=4)]


class TableDefaults(Spec, frozen=True, kw_only=True):
    cumulative: PeriodEntry
    monthly: PeriodEntry


class TableEntry(Spec, frozen=True, kw_only=True):
    period: Period = Period.CUMULATIVE
    measures: Annotated[tuple[str, ...], Meta(min_length=1, max_length=250)]
    msg_ranking: bool = False
    diff_percent_sign: bool = False
    caption: TemplateText | None = None
    headers: Annotated[tuple[TemplateText, ...], Meta(min_length=4, max_length=4)] | None = None


class StatementsEntry(Spec, frozen=True, kw_only=True):
    caption: TemplateText


class ChartEntry(Spec, frozen=True, kw_only=True):
    kind: ChartKind
    title: TemplateText
    measure: str | None = None
    measures: Annotated[tuple[str, ...], Meta(min_length=1, max_length=12)] | None = None
    labels: Annotated[tuple[Label, ...], Meta(min_length=1, max_length=12)] | None = None
    months: Annotated[int, Meta(ge=2, le=60)] | None = None
    y_label: PlainText = PlainText("")


class SectionEntry(Spec, frozen=True, kw_only=True):
    number: Annotated[int, Meta(ge=1, le=99)]
    title: Label
    running_title: Label | None = None
    narrative: Annotated[str, Meta(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}\.md$")]
    blocks: Annotated[tuple[Any, ...], Meta(min_length=1, max_length=200)]


class LayoutFile(Spec, frozen=True, kw_only=True):
    """The file's parts, each checked on its own so one problem does not hide another."""

    report: Any
    contents: Any
    performance_table: Any
    sections: Annotated[tuple[Any, ...], Meta(min_length=1, max_length=50)]


_SIMPLE_BLOCKS: dict[str, LayoutBlock] = {
    "page_break": PageBreak(),
    "narrative": Narrative(),
    "edition_notes": EditionNotes(),
}
_BLOCK_KINDS = ("heading", "table", "statements", "notes", "chart", *_SIMPLE_BLOCKS)
DEFAULT_TREND_MONTHS = 12


class _Loader:
    """Turns the checked file shape into the layout's values, gathering every problem."""

    def __init__(
        self, document: Node, catalogue: Catalogue, problems: ProblemCollector, source: str
    ):
        self.document = document
        self.source_lines = source.split("\n")
        self.catalogue = catalogue
        self.problems = problems
        self.file = document.file
        self.comparable = {m.id for m in catalogue.values() if m.comparable_from is not None}
        self.reported = {m.id for m in catalogue.values() if m.aggregation is Aggregation.REPORTED}

    def template(self, text: str, line: int, names: tuple[str, ...]) -> Template:
        try:
            return parse_template(
                text,
                file=self.file,
                line=line,
                names=names,
                measures=self.catalogue,
                comparable=self.comparable,
                reported=self.reported,
            )
        except (TemplateError, TemplateProblems) as failed:
            errors = failed.errors if isinstance(failed, TemplateProblems) else (failed,)
            for error in errors:
                error.line = self.line_of_token(error.token, line)
                self.problems.add(error)
            return Template(" ".join(text.split()), self.file, line)

    def as_written(self, text: str, line: int, what: str) -> str:
        """A text printed as written, not filled in: a placeholder in it (or a ``{{``
        meant as one brace) would print with its braces, so a brace is refused."""
        if "{" in text or "}" in text:
            self.problems.add(
                InputError(
                    f"{what} {shown_words(text)} has a brace: {what} is printed as written, "
                    "not filled in as a template, so its placeholders would print as typed",
                    file=self.file,
                    line=self.line_of_token("{" if "{" in text else "}", line),
                    hint="write it without braces; placeholders are filled in the cover lines, "
                    "the running header, headings, table captions and column headers, notes "
                    "and chart titles",
                )
            )
        return text

    def line_of_token(self, token: str, first: int) -> int:
        """The line a placeholder is written on: a folded text (``>-``) starts on one line
        and may name it several lines further down."""
        for number in range(first, min(first + 60, len(self.source_lines)) + 1):
            if token in self.source_lines[number - 1]:
                return number
        return first

    def templates(
        self, node: Node, key: str, texts: tuple[str, ...], names: tuple[str, ...]
    ) -> tuple[Template, ...]:
        lines = node[key].item_lines
        return tuple(self.template(t, line, names) for t, line in zip(texts, lines, strict=True))

    def unknown_measure(self, name: str, line: int, says: str = "unknown measure") -> None:
        self.problems.add(
            InputError(
                f"{says} {name!r}{did_you_mean(name, self.catalogue)}",
                file=self.file,
                line=line,
                hint=f"measures are defined in {self.catalogue.file}",
            )
        )

    def comparable_measure(self, name: str, line: int) -> None:
        """A note's ``while_not_comparable``: a measure of the catalogue that has a
        comparable_from month (without one, it is comparable in every edition)."""
        if name not in self.catalogue:
            self.unknown_measure(name, line, "while_not_comparable names an unknown measure")
        elif name not in self.comparable:
            self.problems.add(
                InputError(
                    f"while_not_comparable: measure {name!r} has no comparable_from month, "
                    "so the note would never be printed",
                    file=self.file,
                    line=line,
                    hint="add 'comparable_from: YYYY-MM' to it in the catalogue, or make the "
                    "note a plain text",
                )
            )

    def measures(self, node: Node, key: str, names: tuple[str, ...]) -> tuple[str, ...]:
        lines = [node.item_line(key, index) for index in range(len(names))]
        for name, line in zip(names, lines, strict=True):
            if name not in self.catalogue:
                self.unknown_measure(name, line)
        first: dict[str, int] = {}
        for name, line in zip(names, lines, strict=True):
            if name in first:  # each time again, at the line that repeats it
                self.problems.add(
                    InputError(
                        f"measure {name!r} is listed twice (first on line {first[name]})",
                        file=self.file,
                        line=line,
                        hint="remove one of them",
                    )
                )
            first.setdefault(name, line)
        return names

    def unknown_block(self, kind: str, line: int) -> None:
        self.problems.add(
            InputError(
                f"unknown block {kind!r}{did_you_mean(kind, _BLOCK_KINDS)}",
                file=self.file,
                line=line,
                hint=f"blocks are {', '.join(_BLOCK_KINDS)}",
            )
        )

    def block(self, raw: Any, line: int, defaults: TableDefaults) -> LayoutBlock | None:
        if isinstance(raw, str):
            if raw in _SIMPLE_BLOCKS:
                return _SIMPLE_BLOCKS[raw]
            self.unknown_block(raw, line)
            return None
        if not isinstance(raw, Node) or len(raw) != 1:
            self.problems.add(
                InputError(
                    "a block is one 'kind: settings' entry (e.g. '- heading: Management "
                    "Information') or one of page_break, narrative, edition_notes",
                    file=self.file,
                    line=line,
                )
            )
            return None
        ((kind, value),) = raw.items()
        if kind in _SIMPLE_BLOCKS:
            self.problems.add(
                InputError(
                    f"{kind} takes no settings: write '- {kind}'",
                    file=self.file,
                    line=line,
                )
            )
            return None
        if kind == "heading":
            text = convert_into(
                value, TemplateText, self.problems, file=self.file, line=line, label="heading"
            )
            return (
                None if text is None else Heading(self.template(text, line, EDITION_PLACEHOLDERS))
            )
        if kind == "notes":
            lines = raw["notes"].item_lines
            if isinstance(value, list):
                # braces around a note's text make it a mapping: told as that, once
                stray = [
                    line
                    for item, line in zip(value, lines, strict=False)
                    if isinstance(item, dict) and "text" not in item
                ]
                for item_line in stray:
                    self.problems.add(
                        InputError(
                            "a note must be text, not a mapping (braces around a note make it one)",
                            file=self.file,
                            line=item_line,
                            hint="remove the braces; a note printed only while a measure "
                            "does not compare is {text: ..., while_not_comparable: MEASURE}",
                        )
                    )
                if stray:
                    return None
            items = convert_into(
                value,
                tuple[TemplateText | ConditionalNote, ...],
                self.problems,
                file=self.file,
                line=line,
                label="notes",
            )
            if items is None:
                return None
            texts = tuple(i.text if isinstance(i, ConditionalNote) else i for i in items)
            conditions = tuple(
                i.while_not_comparable if isinstance(i, ConditionalNote) else None for i in items
            )
            for condition, item_line in zip(conditions, lines, strict=True):
                if condition is not None:
                    self.comparable_measure(condition, item_line)
            return Notes(self.templates(raw, "notes", texts, EDITION_PLACEHOLDERS), conditions)
        if kind == "table":
            return self.table(value, line, defaults)
        if kind == "statements":
            entry = convert_into(
                value, StatementsEntry, self.problems, file=self.file, line=line, label="statements"
            )
            if entry is None:
                return None
            caption = self.template(
                entry.caption,
                value.line_of("caption"),
                (*EDITION_PLACEHOLDERS, *STATEMENT_PLACEHOLDERS),
            )
            return StatementTable(caption, line)
        if kind == "chart":
            return self.chart(value, line)
        self.unknown_block(kind, line)
        return None

    def table(self, value: Any, line: int, defaults: TableDefaults) -> PerformanceTable | None:
        entry = convert_into(
            value, TableEntry, self.problems, file=self.file, line=line, label="table"
        )
        if entry is None:
            return None
        names = (*EDITION_PLACEHOLDERS, *TABLE_PLACEHOLDERS)
        base = defaults.cumulative if entry.period is Period.CUMULATIVE else defaults.monthly
        base_node = self.document["performance_table"][entry.period.value]
        caption_node, caption = (
            (value, entry.caption) if entry.caption else (base_node, base.caption)
        )
        headers_node, headers = (
            (value, entry.headers) if entry.headers else (base_node, base.headers)
        )
        return PerformanceTable(
            period=entry.period,
            measures=self.measures(value, "measures", entry.measures),
            msg_ranking=entry.msg_ranking,
            diff_percent_sign=entry.diff_percent_sign,
            caption=self.template(caption, caption_node.line_of("caption"), names),
            headers=self.templates(headers_node, "headers", headers, names),
            line=line,
        )

    def chart(self, value: Any, line: int) -> ChartSpec | None:
        entry = convert_into(
            value, ChartEntry, self.problems, file=self.file, line=line, label="chart"
        )
        if entry is None:
            return None
        here = {"file": self.file, "line": value.line}
        if (entry.measure is None) == (entry.measures is None):
            self.problems.add(
                InputError(
                    "a chart names its measures with 'measures: [...]' (or one with 'measure:'), "
                    "not both",
                    **here,
                )
            )
            return None
        key = "measure" if entry.measure is not None else "measures"
        names = (entry.measure,) if entry.measure is not None else entry.measures or ()
        measures = self.measures(value, key, names)
        known = [m for m in measures if m in self.catalogue]
        for name in known:
            if self.catalogue[name].aggregation is Aggregation.REPORTED:
                self.problems.add(
                    InputError(
                        f"chart draws {name!r}, a survey estimate reported once per edition, "
                        "which has no monthly series to plot",
                        **here,
                        hint="chart measures with monthly data, or show it in a table",
                    )
                )
        if entry.kind is ChartKind.YEAR_ON_YEAR and len(measures) != 1:
            self.problems.add(
                InputError(
                    "a year_on_year chart draws one measure (this year's months against last "
                    "year's)",
                    **here,
                    hint="write 'measure: ID'",
                )
            )
        if entry.months is not None and entry.kind is not ChartKind.TREND:
            self.problems.add(
                InputError(
                    f"'months' applies to trend charts; a {entry.kind.value} chart's months come "
                    "from the edition",
                    file=self.file,
                    line=value.line_of("months"),
                    hint="remove 'months:'",
                )
            )
        for label in entry.labels or ():
            if label.startswith("_"):  # matplotlib leaves such a series out of the legend
                self.problems.add(
                    InputError(
                        f"chart label {label!r} may not start with '_'",
                        file=self.file,
                        line=value.line_of("labels"),
                        hint="start it with a letter or digit",
                    )
                )
        if entry.labels is not None and len(entry.labels) != len(measures):
            self.problems.add(
                InputError(
                    f"'labels' must give one name for each of the {len(measures)} measure(s)",
                    file=self.file,
                    line=value.line_of("labels"),
                )
            )
        for index, label in enumerate(entry.labels or ()):
            self.as_written(str(label), value.item_line("labels", index), "a chart label")
        self.as_written(str(entry.y_label), value.line_of("y_label"), "a chart's y_label")
        labels: tuple[str, ...] = entry.labels or tuple(
            self.catalogue[m].label if m in self.catalogue else m for m in measures
        )
        return ChartSpec(
            kind=entry.kind,
            title=self.template(entry.title, value.line_of("title"), EDITION_PLACEHOLDERS),
            measures=measures,
            labels=tuple(str(label) for label in labels),
            months=entry.months or DEFAULT_TREND_MONTHS,
            y_label=str(entry.y_label),
            file=self.file,
            line=value.line_of(key),
            label_places=self.label_places(value, key, measures, entry.labels),
            y_label_line=value.line_of("y_label"),
        )

    def label_places(
        self, value: Node, key: str, measures: tuple[str, ...], given: tuple[Any, ...] | None
    ) -> tuple[tuple[str, int], ...]:
        """Where each of a chart's labels was written: its item of 'labels' where the
        chart names them (``given``), else its measure's label in the catalogue."""
        if given is not None:
            return tuple(
                (self.file, value.item_line("labels", index)) for index in range(len(given))
            )
        catalogue = self.catalogue
        return tuple(
            (catalogue.file, catalogue[name].line)
            if name in catalogue
            else (self.file, value.item_line(key, index))
            for index, name in enumerate(measures)
        )

    def section(self, raw: Any, line: int, defaults: TableDefaults) -> Section | None:
        entry = convert_into(
            raw, SectionEntry, self.problems, file=self.file, line=line, label="section"
        )
        if entry is None:
            return None
        items = raw["blocks"]
        blocks = [
            self.block(item, item_line, defaults)
            for item, item_line in zip(items, items.item_lines, strict=True)
        ]
        found = [b for b in blocks if b is not None]
        for kind, name in ((Narrative, "narrative"), (EditionNotes, "edition_notes")):
            if sum(isinstance(b, kind) for b in found) > 1:
                self.problems.add(
                    InputError(
                        f"section {entry.number} has '{name}' more than once",
                        file=self.file,
                        line=raw.line_of("blocks"),
                        hint=f"a section's {name} is printed once",
                    )
                )
        title_line = raw.line_of("title")
        running_title_line = raw.line_of("running_title" if entry.running_title else "title")
        self.as_written(str(entry.title), title_line, "a section's title")
        if entry.running_title:
            self.as_written(str(entry.running_title), running_title_line, "a running_title")
        return Section(
            number=entry.number,
            title=str(entry.title),
            running_title=str(entry.running_title or entry.title),
            narrative_file=entry.narrative,
            blocks=tuple(found),
            line=raw.line,
            title_line=title_line,
            running_title_line=running_title_line,
            narrative_line=raw.line_of("narrative"),
        )


def _check_sections(sections: list[Section], name: str, problems: ProblemCollector) -> None:
    """Sections numbered once each, in page order, each with its own narrative file:
    every repeat told at its own line, with the line it repeats."""
    numbered: dict[int, int] = {}  # each number's first line
    narrated: dict[str, int] = {}  # each narrative file's first line
    for section in sections:
        earlier = max(numbered, default=None)
        if section.number in numbered:
            problems.add(
                InputError(
                    f"section number {section.number} is used twice (first on line "
                    f"{numbered[section.number]})",
                    file=name,
                    line=section.line,
                    hint="number the sections 1, 2, 3 … in page order",
                )
            )
        elif earlier is not None and section.number < earlier:
            problems.add(
                InputError(
                    f"section {section.number} comes after section {earlier}: sections are "
                    "numbered in page order",
                    file=name,
                    line=section.line,
                    hint="number the sections 1, 2, 3 … in page order",
                )
            )
        numbered.setdefault(section.number, section.line)
        if section.narrative_file in narrated:
            problems.add(
                InputError(
                    f"section {section.number} takes its narrative from "
                    f"{section.narrative_file!r}, as the section on line "
                    f"{narrated[section.narrative_file]} does",
                    file=name,
                    line=section.narrative_line or section.line,
                    hint="each section has its own narrative file",
                )
            )
        narrated.setdefault(section.narrative_file, section.line)


def load_layout(path: Path, catalogue: Catalogue, display_name: str | None = None) -> ReportLayout:
    """``layouts/report.yaml`` -> the ``ReportLayout``, its measures checked against the
    catalogue; every problem in the file at once, by line."""
    name = display_name or str(path)
    source = read_text(path, name)
    problems = ProblemCollector()
    document = parse_document(source, name, LayoutFile, problems, expected="a mapping")
    report = convert_part(document, "report", ReportEntry, problems)
    contents = convert_part(document, "contents", ContentsEntry, problems)
    defaults = convert_part(document, "performance_table", TableDefaults, problems)
    loader = _Loader(document, catalogue, problems, source)
    report_node = document["report"]
    defaults_node = document["performance_table"]
    if defaults is None:  # the tables cannot be read without their default headings
        problems.raise_all()
    for period in Period:  # the defaults' templates are checked even if no table uses them
        node = defaults_node[period.value]
        names = (*EDITION_PLACEHOLDERS, *TABLE_PLACEHOLDERS)
        loader.template(node["caption"], node.line_of("caption"), names)
        loader.templates(node, "headers", tuple(node["headers"]), names)
    raw_sections = document["sections"]
    sections = [
        section
        for raw, line in zip(raw_sections, raw_sections.item_lines, strict=True)
        if (section := loader.section(raw, line, defaults)) is not None
    ]
    _check_sections(sections, name, problems)
    if report is None or contents is None:
        problems.raise_all()
    running_header = loader.template(
        report.running_header, report_node.line_of("running_header"), EDITION_PLACEHOLDERS
    )
    subject = loader.template(report.subject, report_node.line_of("subject"), EDITION_PLACEHOLDERS)
    cover_lines = loader.templates(
        report_node, "cover_lines", report.cover_lines, EDITION_PLACEHOLDERS
    )
    contents_node = document["contents"]
    loader.as_written(str(report.title), report_node.line_of("title"), "the report's title")
    loader.as_written(
        str(contents.heading), contents_node.line_of("heading"), "the contents' heading"
    )
    loader.as_written(
        str(contents.page_heading),
        contents_node.line_of("page_heading"),
        "the contents' page_heading",
    )
    problems.raise_if_any()
    used: list[str] = []
    for section in sections:
        for block in section.blocks:
            if isinstance(block, PerformanceTable | ChartSpec):
                used.extend(m for m in block.measures if m not in used)
    return ReportLayout(
        organisation=str(report.organisation),
        title=str(report.title),
        running_header=running_header,
        cover_lines=cover_lines,
        contents_heading=str(contents.heading),
        contents_page_heading=str(contents.page_heading),
        author=str(report.author),
        subject=subject,
        sections=tuple(sections),
        file=name,
        measures_used=tuple(used),
        language=report.language,
        contents_heading_line=document["contents"].line_of("heading"),
        contents_page_heading_line=document["contents"].line_of("page_heading"),
    )
