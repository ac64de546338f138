"""Narrative: ``content/<edition>/NN-name.md`` -> ``SectionText`` (front matter + blocks).

A narrative file starts with a YAML front matter block (``section``, ``review``,
``notes``, ``statements``) followed by a small Markdown subset: ``##``/``###``
sub-headings, paragraphs (consecutive lines join, as in Markdown), ``- ``/``* ``/``+ ``
bullets, ``1. `` numbered lists, ``*italic*``, ``**bold**`` and ``\\pagebreak`` lines.
Other Markdown an analyst might type (``#``/``####`` headings, tables, links, quotes,
rules, code fences, nested lists) is refused with the file and line, never misprinted.
Text stays plain here; the render stage escapes it before reportlab sees it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from reportgen.errors import InputError
from reportgen.load.yamlfile import Node, NodeList, parse_yaml, where

REVIEW_MARKER = "review"
PAGE_BREAK = "\\pagebreak"


@dataclass(frozen=True)
class SubHeading:
    text: str
    level: int  # 2 or 3
    line: int | None = None  # line in the narrative file


@dataclass(frozen=True)
class Paragraph:
    text: str
    line: int | None = None  # the paragraph's first line in the narrative file


@dataclass(frozen=True)
class BulletList:
    items: tuple[str, ...]
    numbered: bool = False  # "1." "2." ... instead of bullets
    start: int = 1  # the first number of a numbered list
    line: int | None = None  # the first item's line in the narrative file
    item_lines: tuple[int, ...] = ()  # each item's first line


@dataclass(frozen=True)
class NarrativeBreak:
    pass


TextBlock = SubHeading | Paragraph | BulletList | NarrativeBreak


@dataclass(frozen=True)
class Statement:
    target: str
    status: str


@dataclass(frozen=True)
class SectionText:
    section: int
    needs_review: bool
    notes: tuple[str, ...]
    statements: tuple[Statement, ...]
    blocks: tuple[TextBlock, ...]
    file: str


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
            header = parse_yaml("\n".join(lines[1:index]) + "\n", name)
            if not isinstance(header, Node):
                raise InputError("front matter must be a mapping", file=name, line=2)
            # keep line numbers true to the file: the YAML started on line 2
            _shift_lines(header, 1)
            return header, "\n".join(lines[index + 1 :]), index + 2
    raise InputError("front matter is not closed with '---'", file=name, line=1)


def _shift_lines(node: object, by: int) -> None:
    if isinstance(node, Node):
        node.line += by
        node.key_lines = {k: v + by for k, v in node.key_lines.items()}
        for value in node.values():
            _shift_lines(value, by)
    elif isinstance(node, NodeList):
        node.line += by
        node.item_lines = [line + by for line in node.item_lines]
        for value in node:
            _shift_lines(value, by)


_BULLET = re.compile(r"[-*+](?:[ \t]+|$)")
_NUMBER = re.compile(r"(\d{1,9})[.)](?:[ \t]+|$)")
_HEADING = re.compile(r"(#+)(?:[ \t]+|$)")
_RULE = re.compile(r"(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,}|=+|-{2,})\Z")
_TABLE_RULE = re.compile(r"\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)+\|?\Z")
_LINK = re.compile(r"!?\[[^\]]*\]\([^)]*\)")

# Markdown the report does not print: (line start, message, what to write instead)
_REFUSED: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (
        re.compile(r"\|"),
        "Markdown tables are not supported in narrative",
        "tables come from layouts/; write the figures as sentences or '- ' bullets",
    ),
    (
        _TABLE_RULE,
        "Markdown tables are not supported in narrative",
        "tables come from layouts/; write the figures as sentences or '- ' bullets",
    ),
    (
        re.compile(r">"),
        "'>' quotations are not supported",
        "write the quotation as an ordinary paragraph in quotation marks "
        "(and 'more than' rather than a leading '>')",
    ),
    (re.compile(r"```|~~~"), "code blocks are not supported", "write ordinary paragraphs"),
    (
        _RULE,
        "a line of only '-', '=', '*' or '_' (a rule or underlined heading) is not supported",
        "write sub-headings as '## Heading' and use \\pagebreak where a page should end",
    ),
)


def _refuse_links(text: str, name: str, line: int) -> None:
    if _LINK.search(text):
        raise InputError(
            "Markdown links '[text](address)' are not supported",
            file=name,
            line=line,
            hint="write the text and, if readers need it, the address: 'text (address)'",
        )


def _heading(line: str, name: str, number: int) -> SubHeading | None:
    """``## Heading``/``### Heading``; None when the line is not a heading at all."""
    match = _HEADING.match(line)
    hashes = len(line) - len(line.lstrip("#"))
    if not match:
        if hashes == 1:
            return None  # "#1 priority": text, as in Markdown
        raise InputError(
            f"heading {line!r} needs a space after the hashes",
            file=name,
            line=number,
            hint="write '## Heading' or '### Sub-heading'",
        )
    if hashes not in (2, 3):
        hint = (
            "the section title comes from the layout; use '## Heading' for a sub-heading"
            if hashes == 1
            else "use '## Heading' or '### Sub-heading'"
        )
        raise InputError(f"heading {line!r} is not supported", file=name, line=number, hint=hint)
    text = re.sub(r"(?:^|[ \t]+)#+$", "", line[hashes:].strip()).strip()  # "## A ##" -> "A"
    if not text:
        raise InputError("empty heading", file=name, line=number)
    _refuse_links(text, name, number)
    return SubHeading(text, hashes, number)


def parse_body(body: str, name: str, first_line: int) -> tuple[TextBlock, ...]:
    """The Markdown body -> blocks. Consecutive lines join into one paragraph (or list
    item) with a space; a blank line, heading, list item or ``\\pagebreak`` ends it."""
    blocks: list[TextBlock] = []
    paragraph: list[str] = []
    paragraph_line = 0
    items: list[list[str]] = []
    item_lines: list[int] = []
    numbered = False
    start = 1
    blank_in_list = False  # a blank line since the list's last line

    def close_paragraph() -> None:
        if paragraph:
            blocks.append(Paragraph(" ".join(paragraph), paragraph_line))
            paragraph.clear()

    def close_list() -> None:
        nonlocal blank_in_list
        if items:
            blocks.append(
                BulletList(
                    tuple(" ".join(item) for item in items),
                    numbered,
                    start,
                    item_lines[0],
                    tuple(item_lines),
                )
            )
            items.clear()
            item_lines.clear()
        blank_in_list = False

    for offset, raw in enumerate(body.split("\n")):
        number = first_line + offset
        line = raw.strip()
        indented = raw[:1] in (" ", "\t")
        if not line:
            close_paragraph()
            blank_in_list = bool(items)
            continue
        if line == PAGE_BREAK:
            close_paragraph()
            close_list()
            blocks.append(NarrativeBreak())
            continue
        if line.startswith("#") and (heading := _heading(line, name, number)):
            close_paragraph()
            close_list()
            blocks.append(heading)
            continue
        for pattern, message, hint in _REFUSED:
            if pattern.match(line):
                raise InputError(message, file=name, line=number, hint=hint)
        _refuse_links(line, name, number)

        bullet = _BULLET.match(line)
        ordinal = _NUMBER.match(line)
        # only "1." may interrupt a paragraph (as in Markdown): "... in\n2014. The" is text
        if ordinal and paragraph and int(ordinal.group(1)) != 1:
            ordinal = None
        if marker := bullet or ordinal:
            if items and indented:
                raise InputError(
                    "nested lists are not supported",
                    file=name,
                    line=number,
                    hint="start every item at the beginning of the line",
                )
            text = line[marker.end() :].strip()
            if not text:
                raise InputError("empty list item", file=name, line=number)
            close_paragraph()
            if items and numbered != bool(ordinal):
                close_list()
            if not items:
                numbered = bool(ordinal)
                start = int(ordinal.group(1)) if ordinal else 1
            items.append([text])
            item_lines.append(number)
            blank_in_list = False
            continue
        if items:
            if not blank_in_list:  # continuation of the last item, indented or not
                items[-1].append(line)
                continue
            if indented:
                raise InputError(
                    "a list item can have only one paragraph",
                    file=name,
                    line=number,
                    hint="join the text to the item (no blank line between) or start it "
                    "at the beginning of the line as a paragraph of its own",
                )
            close_list()
        if not paragraph:
            paragraph_line = number
        paragraph.append(line)
    close_paragraph()
    close_list()
    return tuple(blocks)


def _strings(node: Node, key: str) -> tuple[str, ...]:
    value = node.get(key, [])
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
        raise InputError(f"'{key}' must be a list of texts", **where(node, key))
    return tuple(" ".join(str(v).split()) for v in value)


def _statements(node: Node) -> tuple[Statement, ...]:
    value = node.get("statements", [])
    if not value:
        return ()
    if not isinstance(value, NodeList):
        raise InputError("'statements' must be a list", **where(node, "statements"))
    result = []
    for item in value:
        if not isinstance(item, Node) or not {"target", "status"} <= set(item):
            raise InputError("each statement needs 'target' and 'status'", **where(value))
        result.append(
            Statement(" ".join(str(item["target"]).split()), " ".join(str(item["status"]).split()))
        )
    return tuple(result)


def parse_section_text(text: str, name: str) -> SectionText:
    header, body, body_line = _front_matter(text, name)
    section = header.get("section")
    if not isinstance(section, int):
        raise InputError("front matter 'section' must be the section number", **where(header))
    review = header.get(REVIEW_MARKER, False)
    if not isinstance(review, bool):
        raise InputError("'review' must be true or false", **where(header, REVIEW_MARKER))
    return SectionText(
        section=section,
        needs_review=review,
        notes=_strings(header, "notes"),
        statements=_statements(header),
        blocks=parse_body(body, name, body_line),
        file=name,
    )


def load_section_text(path: Path, display_name: str) -> SectionText:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(
            "narrative file not found",
            file=display_name,
            hint="create it (reportgen new YYYY-MM starts an edition from the last one)",
        ) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason})", file=display_name) from None
    return parse_section_text(text, display_name)
