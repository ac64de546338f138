"""Distribution lists: ``distribution.yaml`` -> validated ``DistributionList`` values.

In: the distribution file (one mapping per list: ``to``, ``cc``, ``subject``, ``body``).
Out: the lists by name, each address checked to be exactly one ASCII address and each
template checked to use plain ``{placeholder}`` names; ``render_templates`` fills them.
Every problem is a ``DeliveryError`` naming the file and the line an editor shows (a raw
U+0085, U+2028 or U+2029, which YAML counts as a line break and an editor does not, is
refused by its line before the YAML is read).

Header values (the subject, the names in addresses) may hold no line-breaking character
at all: Python's ``email`` refuses every character ``str.splitlines`` breaks at, not
only CR and LF (U+2028, U+2029, U+0085, VT, FF, the separators U+001C–U+001E), so each
is refused here, by file and line, at ``reportgen check`` time rather than mid-send.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from email.headerregistry import Address
from email.utils import getaddresses
from pathlib import Path

from reportgen.errors import DeliveryError, InputError
from reportgen.load.yamlfile import Node, NodeList, parse_yaml

# Used in file names and Message-IDs, so only characters that are safe in both.
_LIST_NAME = re.compile(r"^[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*$")
_LIST_KEYS = ("to", "cc", "subject", "body")

# every character str.splitlines() breaks at, which email.policy refuses in a header
LINE_BREAKS: dict[str, str] = {
    "\n": "a line feed (LF)",
    "\r": "a carriage return (CR)",
    "\v": "a vertical tab (VT, U+000B)",
    "\f": "a form feed (FF, U+000C)",
    "\x1c": "a file separator (U+001C)",
    "\x1d": "a group separator (U+001D)",
    "\x1e": "a record separator (U+001E)",
    "\x85": "a next-line character (NEL, U+0085)",
    "\u2028": "a line separator (U+2028)",
    "\u2029": "a paragraph separator (U+2029)",
}
# what YAML also counts as a new line, beyond LF and CR; editors and grep do not
_YAML_ONLY_BREAKS = "\x85\u2028\u2029"


def line_break_in(value: str) -> str | None:
    """The first line-breaking character in ``value``, described; None if there is none."""
    for ch in value:
        if ch in LINE_BREAKS:
            return LINE_BREAKS[ch]
    return None


def _refuse_raw_line_separators(text: str, path: Path) -> None:
    """A raw U+0085, U+2028 or U+2029 is a line break to YAML (and to email) but not to
    an editor: invisible, it splits a value or shifts every line number after it."""
    for number, line in enumerate(text.split("\n"), start=1):
        found = next((ch for ch in line if ch in _YAML_ONLY_BREAKS), None)
        if found is not None:
            raise DeliveryError(
                f"this line holds {LINE_BREAKS[found]}, an invisible line break that YAML "
                "and email headers read as a new line",
                file=path,
                line=number,
                hint="delete it (it is often pasted in from a word processor); press Enter "
                "where a new line is meant",
            )


@dataclass(frozen=True)
class DistributionList:
    """One named list: who gets the edition and the text they get with it."""

    name: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    subject: str
    body: str
    source: Path
    line: int

    @property
    def envelope_recipients(self) -> tuple[str, ...]:
        """Bare addresses for RCPT TO, To first then Cc."""
        return tuple(getaddresses([entry])[0][1] for entry in self.to + self.cc)


def _line_index(node: object, path: tuple[str | int, ...] = ()) -> dict[tuple, int]:
    """Map each key path (``("pcc-office", "to", 1)``) to its 1-based line."""
    lines: dict[tuple, int] = {}
    if isinstance(node, Node):
        lines[path] = node.line
        for key, value in node.items():
            child = (*path, str(key))
            lines.update(_line_index(value, child))
            lines[child] = node.line_of(str(key))
    elif isinstance(node, NodeList):
        lines[path] = node.line
        for index, item in enumerate(node):
            lines[(*path, index)] = node.item_lines[index]
            lines.update(_line_index(item, (*path, index)))
    return lines


def load_distribution(path: Path) -> dict[str, DistributionList]:
    """Read and validate every list in a distribution file, by list name."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DeliveryError(
            f"cannot read the distribution file: {exc.strerror}",
            file=path,
            hint="pass the path of distribution.yaml, or create one from the shipped sample",
        ) from exc
    except UnicodeDecodeError as exc:
        raise DeliveryError("the distribution file is not UTF-8 text", file=path) from exc

    _refuse_raw_line_separators(text, path)
    try:
        # the project's strict YAML reader: a key given twice is refused with its line
        data = parse_yaml(text, str(path))
    except InputError as exc:
        raise DeliveryError(exc.message, file=path, line=exc.line, hint=exc.hint) from None

    if not isinstance(data, dict) or not data:
        raise DeliveryError(
            "the distribution file holds no lists",
            file=path,
            hint="write one mapping per list: name -> to, cc, subject, body",
        )
    lines = _line_index(data)
    return {str(name): _parse_list(str(name), entry, path, lines) for name, entry in data.items()}


def _parse_list(
    name: str, entry: object, path: Path, lines: Mapping[tuple, int]
) -> DistributionList:
    def fail(message: str, *where: str | int, hint: str | None = None) -> DeliveryError:
        return DeliveryError(
            f"list {name!r}: {message}", file=path, line=lines.get((name, *where)), hint=hint
        )

    if not _LIST_NAME.match(name):
        raise fail("a list name may use only letters, digits and . _ - between them")
    if not isinstance(entry, dict):
        raise fail("must be a mapping with to, cc, subject and body")
    unknown = sorted(str(key) for key in entry if key not in _LIST_KEYS)
    if unknown:
        raise fail(
            f"unknown key(s) {', '.join(unknown)}",
            unknown[0],
            hint=f"a list has only {', '.join(_LIST_KEYS)}",
        )

    def addresses(key: str) -> tuple[str, ...]:
        value = entry.get(key)
        if value is None:
            return ()
        if not isinstance(value, list):
            raise fail(f"{key} must be a list of addresses", key, hint=f"write {key}: [a@b.org]")
        result = []
        for index, item in enumerate(value):
            if isinstance(item, str) and (found := line_break_in(item)):
                raise fail(
                    f"{key} entry {index + 1} contains {found}, a line break that an email "
                    "header cannot carry",
                    key,
                    index,
                    hint="delete it (it is often pasted in invisibly from a word processor)",
                )
            address = check_address(item)
            if address is None:
                raise fail(
                    f"{key} entry {item!r} is not one email address",
                    key,
                    index,
                    hint="write name@domain or 'Full Name <name@domain>', one per entry; "
                    "the address itself must be ASCII",
                )
            result.append(address)
        return tuple(result)

    to, cc = addresses("to"), addresses("cc")
    if not to:
        raise fail(
            "has no recipients in to",
            *(("to",) if "to" in entry else ()),
            hint="add at least one address under to",
        )
    seen: set[str] = set()
    for address in to + cc:
        bare = getaddresses([address])[0][1].lower()
        if bare in seen:
            raise fail(f"{bare} is listed more than once across to and cc")
        seen.add(bare)

    texts = {}
    for key in ("subject", "body"):
        value = entry.get(key)
        if not isinstance(value, str) or not value.strip():
            raise fail(f"needs a {key} (text)", *((key,) if key in entry else ()))
        texts[key] = value
    subject = texts["subject"].strip()
    if found := line_break_in(subject):
        raise fail(
            f"the subject contains {found}: the subject must be one line",
            "subject",
            hint="delete it (it is often pasted in invisibly from a word processor)",
        )
    for key, template in (("subject", subject), ("body", texts["body"])):
        problem = _template_syntax_problem(template)
        if problem:
            raise fail(
                f"{key} template: {problem}",
                key,
                hint="write placeholders as {name}; write a literal brace as {{ or }}",
            )
    body = texts["body"] if texts["body"].endswith("\n") else texts["body"] + "\n"
    line = lines.get((name,), 1)
    return DistributionList(name, to, cc, subject, body, path, line)


def check_address(item: object) -> str | None:
    """The address normalised as 'Name <a@b>' or 'a@b', or None if it is not exactly one."""
    if not isinstance(item, str) or line_break_in(item):
        return None
    # parseaddr would quietly take the first of "a@b, c@d"; getaddresses shows both.
    parsed = getaddresses([item])
    if len(parsed) != 1:
        return None
    display, address = parsed[0]
    local, at, domain = address.rpartition("@")
    if not at or not local or "." not in domain or any(ch.isspace() for ch in address):
        return None
    if not address.isascii():
        return None  # smtplib cannot put it in RCPT TO unless the server offers SMTPUTF8
    try:
        # str(Address) quotes a display name that needs it, without encoding it.
        return str(Address(display_name=display, addr_spec=address))
    except (ValueError, IndexError):
        return None


def _template_syntax_problem(template: str) -> str | None:
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        return str(exc)
    for _literal, field_name, spec, conversion in parsed:
        if field_name is None:
            continue
        # Attribute, index and format syntax would let a template reach into values.
        if not field_name.isidentifier() or spec or conversion:
            return f"{{{field_name}}} is not a plain placeholder name"
    return None


def render_templates(distribution: DistributionList, values: Mapping[str, str]) -> tuple[str, str]:
    """Fill the list's subject and body; an unknown placeholder is a DeliveryError."""
    for part, template in (("subject", distribution.subject), ("body", distribution.body)):
        for _literal, field_name, _spec, _conv in string.Formatter().parse(template):
            if field_name is not None and field_name not in values:
                raise DeliveryError(
                    f"list {distribution.name!r}: the {part} uses the placeholder "
                    f"{{{field_name}}}, which is not provided",
                    file=distribution.source,
                    line=distribution.line,
                    hint=f"available placeholders: {', '.join(sorted(values))}",
                )
    subject = distribution.subject.format_map(values)
    if line_break_in(subject):
        raise DeliveryError(
            f"list {distribution.name!r}: the subject becomes more than one line once "
            "its placeholders are filled",
            file=distribution.source,
            line=distribution.line,
            hint="use multi-line values such as {headline} only in the body",
        )
    return subject, distribution.body.format_map(values)
