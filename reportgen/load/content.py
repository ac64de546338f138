"""Narrative: ``content/<edition>/NN-name.md`` -> ``SectionText`` (front matter + blocks).

A narrative file starts with a YAML front matter block (``section``, ``review``,
``notes``, ``statements``) followed by a small Markdown subset: ``##``/``###``
sub-headings, paragraphs, ``- `` bullets, ``*italic*`` and ``\\pagebreak`` lines.
Text stays plain here; the render stage escapes it before reportlab sees it.
"""

from __future__ import annotations

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


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class BulletList:
    items: tuple[str, ...]


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


def parse_body(body: str, name: str, first_line: int) -> tuple[TextBlock, ...]:
    blocks: list[TextBlock] = []
    bullets: list[str] = []

    def close_list() -> None:
        if bullets:
            blocks.append(BulletList(tuple(bullets)))
            bullets.clear()

    for offset, raw in enumerate(body.split("\n")):
        line = raw.strip()
        if not line:
            close_list()
            continue
        if line.startswith("- ") or line == "-":
            item = line[2:].strip()
            if not item:
                raise InputError("empty bullet", file=name, line=first_line + offset)
            bullets.append(item)
            continue
        close_list()
        if line == PAGE_BREAK:
            blocks.append(NarrativeBreak())
        elif line.startswith("#"):
            hashes = len(line) - len(line.lstrip("#"))
            if hashes not in (2, 3) or not line[hashes:].startswith(" "):
                raise InputError(
                    f"heading {line!r} is not supported",
                    file=name,
                    line=first_line + offset,
                    hint="use '## Heading' or '### Sub-heading'",
                )
            blocks.append(SubHeading(line[hashes:].strip(), hashes))
        else:
            blocks.append(Paragraph(line))
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
            raise InputError(
                "each statement needs 'target' and 'status'", **where(value)
            )
        result.append(Statement(" ".join(str(item["target"]).split()),
                                " ".join(str(item["status"]).split())))
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
