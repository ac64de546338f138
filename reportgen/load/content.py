"""Narrative: ``content/<edition>/NN-name.md`` -> ``NarrativeFile`` (front matter + blocks).

A narrative file starts with a YAML front matter block (the ``FrontMatter`` schema:
``section``, ``review``, ``notes``, ``statements``) followed by Markdown, parsed by
markdown-it-py and kept to the subset the printed report has: ``##``/``###``
sub-headings, paragraphs (consecutive lines join, as in Markdown), ``-``/``*``/``+``
bullets, ``1.`` numbered lists, ``*italic*``/``_italic_``, ``**bold**``, backslash
escapes (``\\*`` prints a star) and ``\\pagebreak`` lines. Other Markdown an analyst might
type (``#``/``####`` headings, tables, links, images, quotes, rules, underlined headings,
code, nested lists, a second paragraph in a list item) is refused with the file and
line, never misprinted. ``<``, ``>`` and ``&`` are text, not markup; the render stage
escapes every run before reportlab sees it.

Work is bounded: a narrative file is at most ``MAX_NARRATIVE_BYTES`` and a line at most
``MAX_LINE`` characters, so no input costs more than a few seconds to parse.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Annotated, Any

import msgspec
from msgspec import Meta

from reportgen.errors import InputError, ProblemCollector, ReportgenError
from reportgen.load.schema import Label, PlainText, Spec, convert_into
from reportgen.load.yamlfile import Node, parse_yaml

REVIEW_MARKER = "review"
PAGE_BREAK = "\\pagebreak"
MAX_NARRATIVE_BYTES = 256 * 1024  # a section's narrative runs to a few pages: ~15 KB
MAX_LINE = 20_000  # more than three printed pages in one line is not a paragraph


class Run(msgspec.Struct, frozen=True):
    """A stretch of text in one face, starting on ``line`` of the narrative file."""

    text: str
    bold: bool = False
    italic: bool = False
    line: int | None = None


class SubHeading(msgspec.Struct, frozen=True, tag=True):
    """A ``##`` or ``###`` heading of the narrative."""

    text: str
    level: int  # 2 or 3
    line: int | None = None  # line in the narrative file


class NarrativeParagraph(msgspec.Struct, frozen=True, tag=True):
    """A paragraph of the narrative: runs of text in their faces."""

    runs: tuple[Run, ...]
    line: int | None = None  # the paragraph's first line in the narrative file

    @property
    def text(self) -> str:
        return "".join(run.text for run in self.runs)


class ListItem(msgspec.Struct, frozen=True):
    """One item of a bullet or numbered list."""

    runs: tuple[Run, ...]
    line: int | None = None

    @property
    def text(self) -> str:
        return "".join(run.text for run in self.runs)


class BulletList(msgspec.Struct, frozen=True, tag=True):
    """A bullet list, or a numbered one."""

    items: tuple[ListItem, ...]
    numbered: bool = False  # "1." "2." ... instead of bullets
    start: int = 1  # the first number of a numbered list
    line: int | None = None  # the first item's line in the narrative file

    @property
    def item_lines(self) -> tuple[int | None, ...]:
        return tuple(item.line for item in self.items)


class NarrativeBreak(msgspec.Struct, frozen=True, tag=True):
    """A ``\\pagebreak`` line: the narrative goes on on a new page."""

    line: int | None = None


# tagged, so the narrative cache (``load.narrativecache``) can tell them apart when it reads
NarrativeBlock = SubHeading | NarrativeParagraph | BulletList | NarrativeBreak


class Note(msgspec.Struct, frozen=True):
    """An edition's own note under a section's table, from the front matter."""

    text: str
    line: int


class Statement(msgspec.Struct, frozen=True):
    """A target and its status, from the front matter, for a statement table."""

    target: str
    status: str
    line: int | None = None
    file: str | None = None


class NarrativeFile(msgspec.Struct, frozen=True):
    """A section's narrative file, parsed: its front matter (section, review mark, notes,
    statements) and its Markdown as blocks."""

    section: int
    needs_review: bool
    notes: tuple[Note, ...]
    statements: tuple[Statement, ...]
    blocks: tuple[NarrativeBlock, ...]
    file: str


# --- front matter --------------------------------------------------------------------


class NoteText(PlainText):
    min_length, max_length = 1, 4000


class Target(Label):
    min_length, max_length = 1, 1000


class StatementEntry(Spec, frozen=True, kw_only=True):
    target: Target
    status: Target


class FrontMatter(Spec, frozen=True, kw_only=True):
    section: Annotated[int, Meta(ge=1, le=99)]
    review: bool = False
    notes: Annotated[tuple[NoteText, ...], Meta(max_length=30)] | None = None
    statements: Annotated[tuple[StatementEntry, ...], Meta(max_length=60)] | None = None


def _front_matter(text: str, name: str) -> tuple[Node, str, int]:
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise InputError(
            "the file must start with a '---' front matter block",
            file=name,
            line=1,
            hint="begin with ---, section: N, review: false, notes: [], then ---",
        )
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            header = parse_yaml("\n".join(lines[1:index]) + "\n", name, first_line=2)
            if not isinstance(header, Node):
                raise InputError(
                    "front matter must be a mapping (section: N, review: false, notes: [])",
                    file=name,
                    line=2,
                )
            return header, "\n".join(lines[index + 1 :]), index + 2
    raise InputError("front matter is not closed with '---'", file=name, line=1)


def _item_lines(node: Node, key: str, count: int) -> list[int]:
    return [node.item_line(key, index) for index in range(count)]


# --- the Markdown body ---------------------------------------------------------------

_TABLE_ROW = re.compile(r"\|")
_SQUASHED_HEADING = re.compile(r"#{2,}[^#\s]")
_REFUSED_BLOCKS = {
    "table_open": (
        "Markdown tables are not supported in narrative",
        "tables come from layouts/; write the figures as sentences or '- ' bullets",
    ),
    "blockquote_open": (
        "'>' quotations are not supported",
        "write the quotation as an ordinary paragraph in quotation marks "
        "(and 'more than' rather than a leading '>')",
    ),
    "fence": ("code blocks are not supported", "write ordinary paragraphs"),
    "code_block": (
        "code blocks (lines indented four spaces after a blank line) are not supported",
        "start the line at the margin",
    ),
    "hr": (
        "a line of only '-', '*' or '_' (a rule) is not supported",
        "write sub-headings as '## Heading' and use \\pagebreak where a page should end",
    ),
}
_NESTED_LIST = ("nested lists are not supported", "start every item at the beginning of the line")
# what a list item may not hold, beside what no narrative may
_REFUSED_IN_ITEMS = {
    **_REFUSED_BLOCKS,
    "bullet_list_open": _NESTED_LIST,
    "ordered_list_open": _NESTED_LIST,
    "heading_open": (
        "a heading inside a list item is not supported",
        "end the list (a blank line) before the heading",
    ),
}
_LINK_HINT = "write the text and, if readers need it, the address: 'text (address)'"


@cache
def _markdown() -> Any:
    """markdown-it-py set to the report's subset: what is enabled but not printed
    (tables, links, quotes, code, rules) is parsed only so that it can be refused."""
    from markdown_it import MarkdownIt

    return (
        MarkdownIt("commonmark", {"html": False, "maxNesting": 20})
        .enable(["table"])
        .disable(["entity", "backticks", "reference"])
    )


class _Body:
    """One stretch of Markdown (between ``\\pagebreak`` lines) -> blocks; every construct
    refused is told to ``problems``, and the parse goes on past it."""

    def __init__(self, name: str, first_line: int, problems: ProblemCollector) -> None:
        self.name = name
        self.first_line = first_line
        self.problems = problems

    def fail(self, message: str, line: int, hint: str | None = None) -> InputError:
        return InputError(message, file=self.name, line=line, hint=hint)

    def line_of(self, token: Any, *, last: bool = False) -> int:
        start, end = token.map or (0, 1)
        return self.first_line + ((end - 1) if last else start)

    def parse(self, text: str) -> list[NarrativeBlock]:
        tokens = _markdown().parse(text)
        blocks: list[NarrativeBlock] = []
        index = 0
        while index < len(tokens):
            token = tokens[index]
            kind = token.type
            if kind in _REFUSED_BLOCKS:
                message, hint = _REFUSED_BLOCKS[kind]
                self.problems.add(self.fail(message, self.line_of(token), hint))
                index = _past(tokens, index)
            elif kind == "heading_open":
                with self.problems.attempt():
                    blocks.append(self.heading(token, tokens[index + 1]))
                index += 3
            elif kind == "paragraph_open":
                line = self.line_of(token)
                blocks.append(NarrativeParagraph(self.runs(tokens[index + 1], line), line))
                index += 3
            elif kind in ("bullet_list_open", "ordered_list_open"):
                index = self.list(tokens, index, blocks)
            else:  # a closing token of something handled above
                index += 1
        return blocks

    def heading(self, token: Any, inline: Any) -> SubHeading:
        line = self.line_of(token)
        if token.markup in ("=", "-"):
            raise self.fail(
                "an underlined heading ('===' or '---' under the text) is not supported",
                self.line_of(token, last=True),
                "write sub-headings as '## Heading' and use \\pagebreak where a page should end",
            )
        level = len(token.markup)
        if level not in (2, 3):
            hint = (
                "the section title comes from the layout; use '## Heading' for a sub-heading"
                if level == 1
                else "use '## Heading' or '### Sub-heading'"
            )
            raise self.fail(
                f"heading {'#' * level} {inline.content!r} is not supported", line, hint
            )
        text = "".join(run.text for run in self.runs(inline, line))
        if not text.strip():
            raise self.fail("empty heading", line)
        return SubHeading(text, level, line)

    def list(self, tokens: list[Any], index: int, blocks: list[NarrativeBlock]) -> int:
        opening = tokens[index]
        numbered = opening.type == "ordered_list_open"
        start = int(opening.attrs.get("start", 1)) if numbered else 1
        items: list[ListItem] = []
        index += 1
        while tokens[index].type == "list_item_open":
            item = tokens[index]
            line = self.line_of(item)
            index += 1
            paragraphs = 0
            runs: tuple[Run, ...] = ()
            while tokens[index].type != "list_item_close":
                inner = tokens[index]
                if inner.type in _REFUSED_IN_ITEMS:
                    message, hint = _REFUSED_IN_ITEMS[inner.type]
                    self.problems.add(self.fail(message, self.line_of(inner), hint))
                    index = _past(tokens, index)
                    continue
                if inner.type == "paragraph_open":
                    paragraphs += 1
                    if paragraphs > 1:
                        self.problems.add(
                            self.fail(
                                "a list item can have only one paragraph",
                                self.line_of(inner),
                                "join the text to the item (no blank line between) or start "
                                "it at the beginning of the line as a paragraph of its own",
                            )
                        )
                    else:
                        runs = self.runs(tokens[index + 1], self.line_of(inner))
                    index += 3
                    continue
                index += 1
            if not "".join(run.text for run in runs).strip():
                self.problems.add(self.fail("empty list item", line))
            items.append(ListItem(runs, line))
            index += 1  # list_item_close
        blocks.append(BulletList(tuple(items), numbered, start, items[0].line))
        return index + 1  # the list's closing token

    def runs(self, inline: Any, line: int) -> tuple[Run, ...]:
        runs: list[Run] = []
        bold = italic = 0
        for child in inline.children or ():
            kind = child.type
            if kind == "text":
                runs.append(Run(child.content, bold > 0, italic > 0, line))
            elif kind in ("softbreak", "hardbreak"):
                line += 1
                runs.append(Run(" ", bold > 0, italic > 0, line))
            elif kind == "strong_open":
                bold += 1
            elif kind == "strong_close":
                bold -= 1
            elif kind == "em_open":
                italic += 1
            elif kind == "em_close":
                italic -= 1
            elif kind in ("link_open", "image"):
                what = "images" if kind == "image" else "links"
                self.problems.add(self.fail(f"Markdown {what} are not supported", line, _LINK_HINT))
            elif kind != "link_close":  # nothing else is enabled; refuse, never drop it
                self.problems.add(self.fail(f"Markdown {kind!r} is not supported", line))
        return _joined(runs)


def _past(tokens: list[Any], index: int) -> int:
    """The index after the block that opens at ``index`` (a token that opens nothing:
    the next)."""
    opening = tokens[index]
    if opening.nesting != 1:
        return index + 1
    closing = opening.type.removesuffix("_open") + "_close"
    depth = 0
    for position in range(index, len(tokens)):
        token = tokens[position]
        if token.type == opening.type:
            depth += 1
        elif token.type == closing:
            depth -= 1
            if depth == 0:
                return position + 1
    return len(tokens)


def _joined(runs: list[Run]) -> tuple[Run, ...]:
    """Neighbouring runs in the same face and on the same line become one."""
    merged: list[Run] = []
    for run in runs:
        if not run.text:
            continue
        last = merged[-1] if merged else None
        if last and (last.bold, last.italic, last.line) == (run.bold, run.italic, run.line):
            merged[-1] = Run(last.text + run.text, run.bold, run.italic, run.line)
        else:
            merged.append(run)
    return tuple(merged)


def _prescan(lines: list[str], name: str, first_line: int, problems: ProblemCollector) -> bool:
    """What markdown-it would read as text but the old report never printed, told to
    ``problems``; False where a line is too long to hand to the parser."""
    parseable = True
    for offset, raw in enumerate(lines):
        number = first_line + offset
        line = raw.strip()
        if len(raw) > MAX_LINE:
            problems.add(
                InputError(
                    f"line is {len(raw)} characters long; at most {MAX_LINE} are read",
                    file=name,
                    line=number,
                    hint="break the text into paragraphs",
                )
            )
            parseable = False
        elif _SQUASHED_HEADING.match(line):
            problems.add(
                InputError(
                    f"heading {line[:40]!r} needs a space after the hashes",
                    file=name,
                    line=number,
                    hint="write '## Heading' or '### Sub-heading'",
                )
            )
        elif _TABLE_ROW.match(line):
            if not (offset and _TABLE_ROW.match(lines[offset - 1].strip())):  # a table once
                message, hint = _REFUSED_BLOCKS["table_open"]
                problems.add(InputError(message, file=name, line=number, hint=hint))
    return parseable


def parse_body(body: str, name: str, first_line: int) -> tuple[NarrativeBlock, ...]:
    """The Markdown body -> blocks. Consecutive lines join into one paragraph (or list
    item) with a space; a blank line, heading, list item or ``\\pagebreak`` ends it."""
    lines = body.split("\n")
    problems = ProblemCollector()  # every construct refused in the file, not the first
    if not _prescan(lines, name, first_line, problems):
        problems.raise_if_any()  # a line too long is not handed to the parser
    blocks: list[NarrativeBlock] = []
    chunk: list[str] = []
    chunk_line = first_line
    for offset, raw in enumerate([*lines, PAGE_BREAK]):
        if raw.strip() == PAGE_BREAK:
            blocks += _Body(name, chunk_line, problems).parse("\n".join(chunk))
            if offset < len(lines):
                blocks.append(NarrativeBreak(first_line + offset))
            chunk, chunk_line = [], first_line + offset + 1
        else:
            chunk.append(raw)
    problems.raise_if_any()
    return tuple(blocks)


CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _control_characters(text: str, name: str, problems: ProblemCollector) -> str:
    """A control character (NUL, an escape) is not text: Markdown prints NUL as "�", and
    the rest as nothing or a box. Every line holding one is told; the text is handed on
    with each one a space, so the rest of the file is read, at the same lines."""
    for number, line in enumerate(text.split("\n"), start=1):
        found = CONTROL_CHARACTER.search(line)
        if found:
            problems.add(
                InputError(
                    f"character U+{ord(found.group()):04X} is a control character, not text",
                    file=name,
                    line=number,
                    hint="remove it (it often comes with text pasted from another program)",
                )
            )
    return CONTROL_CHARACTER.sub(" ", text)


def parse_narrative_file(text: str, name: str, *, body: bool = True) -> NarrativeFile:
    """A narrative file's text -> ``NarrativeFile``; every front-matter problem at once.

    ``body=False`` reads the front matter only (the figures need its statements, not
    the Markdown).
    """
    problems = ProblemCollector()
    text = _control_characters(text, name, problems)
    try:
        header, markdown, body_line = _front_matter(text, name)
    except ReportgenError as error:
        problems.add(error)
        problems.raise_all()
    front = convert_into(header, FrontMatter, problems, file=name, line=2)
    blocks: tuple[NarrativeBlock, ...] = ()
    if body:
        with problems.attempt():
            blocks = parse_body(markdown, name, body_line)
    problems.raise_if_any()
    assert front is not None
    notes = tuple(
        Note(str(note), line)
        for note, line in zip(
            front.notes or (), _item_lines(header, "notes", len(front.notes or ())), strict=True
        )
    )
    statements = tuple(
        Statement(str(entry.target), str(entry.status), line, name)
        for entry, line in zip(
            front.statements or (),
            _item_lines(header, "statements", len(front.statements or ())),
            strict=True,
        )
    )
    return NarrativeFile(
        section=front.section,
        needs_review=front.review,
        notes=notes,
        statements=statements,
        blocks=blocks,
        file=name,
    )
