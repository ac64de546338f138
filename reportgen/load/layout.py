"""Layout definitions: ``layouts/report.yaml`` -> a validated ``ReportLayout``.

The layout says what the edition is made of, section by section: headings, the
performance table (which measures, Cumulative or Monthly, MSG Ranking or not), the
notes under it, the charts, where the narrative goes and where pages break. Text in a
layout is a template: month names come from the edition, never from typed text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from reportgen.errors import InputError
from reportgen.load.catalogue import Catalogue
from reportgen.load.yamlfile import Node, NodeList, load_yaml, where


class Period(str, Enum):
    CUMULATIVE = "cumulative"
    MONTHLY = "monthly"


class ChartKind(str, Enum):
    TREND = "trend"  # monthly values of one or more measures
    YEAR_ON_YEAR = "year_on_year"  # one measure, this financial year's months against last
    COMPARISON = "comparison"  # several measures, last year's total against this year's


@dataclass(frozen=True)
class Template:
    """Text with ``{placeholders}``, remembering where it was written."""

    text: str
    file: str
    line: int


@dataclass(frozen=True)
class PerformanceTable:
    period: Period
    measures: tuple[str, ...]
    msg_ranking: bool
    diff_percent_sign: bool  # print the Better/Worse of a rate as "-2.9%"
    caption: Template
    headers: tuple[Template, ...]
    line: int


@dataclass(frozen=True)
class StatementTable:
    caption: Template
    line: int


@dataclass(frozen=True)
class ChartSpec:
    kind: ChartKind
    title: Template
    measures: tuple[str, ...]
    labels: tuple[str, ...]  # legend or category names, one per measure
    months: int  # trend charts: how many months up to the edition
    y_label: str
    file: str
    line: int


@dataclass(frozen=True)
class Heading:
    text: Template


@dataclass(frozen=True)
class Notes:
    items: tuple[Template, ...]


@dataclass(frozen=True)
class EditionNotes:
    """The edition-specific notes from the section's narrative file."""


@dataclass(frozen=True)
class PageBreak:
    pass


@dataclass(frozen=True)
class Narrative:
    pass


Block = PerformanceTable | StatementTable | ChartSpec | Heading | Notes | EditionNotes
Block = Block | PageBreak | Narrative


@dataclass(frozen=True)
class Section:
    number: int
    title: str  # as the contents page prints it
    running_title: str  # as the running header prints it
    narrative_file: str
    blocks: tuple[Block, ...]
    line: int

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


@dataclass(frozen=True)
class ReportLayout:
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
    language: str  # BCP 47 tag ("en-GB"), from report.language
    measures_used: tuple[str, ...] = field(default=())


_PERIOD_KEYS = ("caption", "headers")
# BCP 47 language tags as PDF's /Lang takes them: "en-GB", "cy", "en-GB-oxendict"
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")


def _text(node: Node, key: str, *, required: bool = True, default: str = "") -> str:
    value = node.get(key, None)
    if value is None:
        if required:
            raise InputError(f"'{key}' is missing", **where(node), hint=f"add '{key}:'")
        return default
    if not isinstance(value, str | int):
        raise InputError(f"'{key}' must be text", **where(node, key))
    return " ".join(str(value).split())


def _template(node: Node, key: str, **kwargs: Any) -> Template:
    return Template(_text(node, key, **kwargs), node.file, node.line_of(key))


def _mapping(value: Any, context: Node | NodeList, what: str) -> Node:
    if not isinstance(value, Node):
        raise InputError(f"{what} must be a mapping", **where(context))
    return value


def _check_measures(
    names: Any, node: Node, key: str, catalogue: Catalogue, minimum: int = 1
) -> tuple[str, ...]:
    if not isinstance(names, list) or len(names) < minimum:
        raise InputError(f"'{key}' must list at least {minimum} measure(s)", **where(node, key))
    lines = names.item_lines if isinstance(names, NodeList) else []
    for index, name in enumerate(names):
        if str(name) not in catalogue:
            line = lines[index] if index < len(lines) else node.line_of(key)
            raise InputError(
                f"unknown measure {name!r}",
                file=node.file,
                line=line,
                hint=f"measures are defined in {catalogue.file}",
            )
    return tuple(str(n) for n in names)


def _table(node: Node, defaults: dict[Period, Node], catalogue: Catalogue) -> PerformanceTable:
    try:
        period = Period(node.get("period", "cumulative"))
    except ValueError:
        raise InputError(
            f"table period {node.get('period')!r} must be cumulative or monthly",
            **where(node, "period"),
        ) from None
    base = defaults[period]
    caption_node = node if "caption" in node else base
    headers_node = node if "headers" in node else base
    headers = headers_node.get("headers")
    if not isinstance(headers, NodeList) or len(headers) != 4:
        raise InputError(
            "'headers' must list 4 column headings: last year, this year, difference, movement"
            " (the MSG Ranking heading is added when msg_ranking is true)",
            **where(headers_node, "headers"),
        )
    return PerformanceTable(
        period=period,
        measures=_check_measures(node.get("measures"), node, "measures", catalogue),
        msg_ranking=bool(node.get("msg_ranking", False)),
        diff_percent_sign=bool(node.get("diff_percent_sign", False)),
        caption=_template(caption_node, "caption"),
        headers=tuple(
            Template(" ".join(str(h).split()), headers.file, line)
            for h, line in zip(headers, headers.item_lines, strict=True)
        ),
        line=node.line,
    )


def _chart(node: Node, catalogue: Catalogue) -> ChartSpec:
    try:
        kind = ChartKind(node.get("kind"))
    except ValueError:
        allowed = ", ".join(k.value for k in ChartKind)
        raise InputError(
            f"unknown chart kind {node.get('kind')!r}",
            **where(node, "kind"),
            hint=f"use one of: {allowed}",
        ) from None
    if "measure" in node:
        measures = _check_measures([node["measure"]], node, "measure", catalogue)
    else:
        measures = _check_measures(node.get("measures"), node, "measures", catalogue)
    labels = node.get("labels")
    if labels is None:
        labels = [catalogue[m].label for m in measures]
    if not isinstance(labels, list) or len(labels) != len(measures):
        raise InputError(
            f"'labels' must give one name for each of the {len(measures)} measure(s)",
            **where(node, "labels"),
        )
    months = node.get("months", 12)
    if not isinstance(months, int) or not 2 <= months <= 60:
        raise InputError("'months' must be a whole number from 2 to 60", **where(node, "months"))
    return ChartSpec(
        kind=kind,
        title=_template(node, "title"),
        measures=measures,
        labels=tuple(" ".join(str(label).split()) for label in labels),
        months=months,
        y_label=_text(node, "y_label", required=False),
        file=node.file,
        line=node.line_of("measures" if "measures" in node else "measure"),
    )


_SIMPLE_BLOCKS: dict[str, Block] = {
    "page_break": PageBreak(),
    "narrative": Narrative(),
    "edition_notes": EditionNotes(),
}


def _block(raw: Any, line: int, file: str, defaults: dict[Period, Node], cat: Catalogue) -> Block:
    if isinstance(raw, str):
        if raw in _SIMPLE_BLOCKS:
            return _SIMPLE_BLOCKS[raw]
        raise InputError(
            f"unknown block {raw!r}",
            file=file,
            line=line,
            hint="blocks are heading, table, statements, notes, edition_notes, chart, "
            "page_break, narrative",
        )
    if not isinstance(raw, Node) or len(raw) != 1:
        raise InputError("a block is one 'kind: settings' entry", file=file, line=line)
    ((kind, value),) = raw.items()
    if kind == "heading":
        return Heading(_template(raw, "heading"))
    if kind == "table":
        return _table(_mapping(value, raw, "table"), defaults, cat)
    if kind == "statements":
        return StatementTable(_template(_mapping(value, raw, "statements"), "caption"), raw.line)
    if kind == "chart":
        return _chart(_mapping(value, raw, "chart"), cat)
    if kind == "notes":
        if not isinstance(value, NodeList):
            raise InputError("'notes' must be a list of texts", **where(raw))
        return Notes(
            tuple(
                Template(" ".join(str(text).split()), file, item_line)
                for text, item_line in zip(value, value.item_lines, strict=True)
            )
        )
    raise InputError(f"unknown block {kind!r}", file=file, line=line)


def _language(report: Node) -> str:
    language = _text(report, "language")
    if not _LANGUAGE.match(language):
        raise InputError(
            f"language {language!r} is not a language tag",
            **where(report, "language"),
            hint="write a BCP 47 tag such as en-GB or cy-GB",
        )
    return language


def load_layout(path: Path, catalogue: Catalogue, display_name: str | None = None) -> ReportLayout:
    name = display_name or str(path)
    document = load_yaml(path, name)
    if not isinstance(document, Node):
        raise InputError("expected a mapping at the top", file=name, line=1)
    report = _mapping(document.get("report"), document, "'report'")
    tables = _mapping(document.get("performance_table"), document, "'performance_table'")
    defaults: dict[Period, Node] = {}
    for period in Period:
        node = _mapping(tables.get(period.value), tables, f"performance_table.{period.value}")
        for key in _PERIOD_KEYS:
            if key not in node:
                raise InputError(f"'{key}' is missing", **where(node))
        defaults[period] = node
    contents = _mapping(document.get("contents"), document, "'contents'")
    raw_sections = document.get("sections")
    if not isinstance(raw_sections, NodeList) or not raw_sections:
        raise InputError("'sections' must list the sections", **where(document, "sections"))
    sections = []
    for raw in raw_sections:
        node = _mapping(raw, raw_sections, "a section")
        number = node.get("number")
        if not isinstance(number, int):
            raise InputError("section 'number' must be a whole number", **where(node))
        blocks_raw = node.get("blocks")
        if not isinstance(blocks_raw, NodeList):
            raise InputError("'blocks' must be a list", **where(node, "blocks"))
        title = _text(node, "title")
        sections.append(
            Section(
                number=number,
                title=title,
                running_title=_text(node, "running_title", required=False, default=title),
                narrative_file=_text(node, "narrative"),
                blocks=tuple(
                    _block(b, line, name, defaults, catalogue)
                    for b, line in zip(blocks_raw, blocks_raw.item_lines, strict=True)
                ),
                line=node.line,
            )
        )
    numbers = [s.number for s in sections]
    if numbers != sorted(set(numbers)):
        raise InputError("section numbers must be unique and in order", **where(raw_sections))
    cover = report.get("cover_lines")
    if not isinstance(cover, NodeList):
        raise InputError("'cover_lines' must be a list", **where(report, "cover_lines"))
    used: list[str] = []
    for section in sections:
        for block in section.blocks:
            if isinstance(block, PerformanceTable | ChartSpec):
                used.extend(m for m in block.measures if m not in used)
    return ReportLayout(
        organisation=_text(report, "organisation"),
        title=_text(report, "title"),
        running_header=_template(report, "running_header"),
        cover_lines=tuple(
            Template(str(text), name, line)
            for text, line in zip(cover, cover.item_lines, strict=True)
        ),
        contents_heading=_text(contents, "heading"),
        contents_page_heading=_text(contents, "page_heading"),
        author=_text(report, "author"),
        subject=_template(report, "subject"),
        sections=tuple(sections),
        file=name,
        language=_language(report),
        measures_used=tuple(used),
    )
