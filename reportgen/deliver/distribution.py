"""Distribution lists: ``distribution.yaml`` -> validated ``DistributionList`` values.

In: the distribution file (one mapping per list: ``to``, ``cc``, ``subject``, ``body``;
the ``ListEntry`` schema, checked by the same mechanism as every other input). Out: the
lists by name, each address checked to be exactly one ASCII address and each template
checked to use only the placeholders the deliver stage fills; ``render_templates``
fills them.
Every problem is a ``DeliveryError`` naming the file and the line an editor shows (a raw
U+0085, U+2028 or U+2029, which YAML counts as a line break and an editor does not, is
refused by its line before the YAML is read).

Header values (the subject, the names in addresses) may hold no line-breaking character
at all: Python's ``email`` refuses every character ``str.splitlines`` breaks at, not
only CR and LF (U+2028, U+2029, U+0085, VT, FF, the separators U+001C–U+001E), so each
is refused here, by file and line, at ``reportgen check`` time rather than mid-send.
"""

from __future__ import annotations

import ipaddress
import re
import string
from collections.abc import Mapping
from email.errors import MessageError
from email.headerregistry import Address
from email.utils import getaddresses
from pathlib import Path
from typing import Annotated

import msgspec
from msgspec import Meta

from reportgen.errors import DeliveryError, InputError, ProblemCollector, Problems
from reportgen.errors import shown as quoted
from reportgen.load.schema import Spec, convert_into, did_you_mean
from reportgen.load.yamlfile import YAML_ONLY_BREAKS, Node, parse_yaml, read_text

# Used in file names and Message-IDs, so only characters that are safe in both.
_LIST_NAME = re.compile(r"^[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*$")

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


def line_break_in(value: str) -> str | None:
    """The first line-breaking character in ``value``, described; None if there is none."""
    for ch in value:
        if ch in LINE_BREAKS:
            return LINE_BREAKS[ch]
    return None


def _refuse_raw_line_separators(text: str, path: str) -> None:
    """A raw U+0085, U+2028 or U+2029 is a line break to YAML (and to email) but not to
    an editor: invisible, it splits a value or shifts every line number after it."""
    for number, line in enumerate(text.split("\n"), start=1):
        found = next((ch for ch in line if ch in YAML_ONLY_BREAKS), None)
        if found is not None:
            raise DeliveryError(
                f"this line holds {LINE_BREAKS[found]}, an invisible line break that YAML "
                "and email headers read as a new line",
                file=path,
                line=number,
                hint="delete it (it is often pasted in from a word processor); press Enter "
                "where a new line is meant",
            )


class DistributionList(msgspec.Struct, frozen=True):
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


class ListEntry(Spec, frozen=True, kw_only=True):
    """One list as ``distribution.yaml`` writes it."""

    to: Annotated[tuple[str, ...], Meta(min_length=1, max_length=200)]
    cc: Annotated[tuple[str, ...], Meta(max_length=200)] | None = None
    subject: Annotated[str, Meta(min_length=1, max_length=500)]
    body: Annotated[str, Meta(min_length=1, max_length=20_000)]


# What a list's subject and body may name: the edition's own values, and the headline
# figures the deliver stage supplies (render_templates checks the values given).
STANDARD_PLACEHOLDERS = ("edition", "edition_month", "version", "file_name")
TEMPLATE_PLACEHOLDERS = (*STANDARD_PLACEHOLDERS, "headline")


def load_distribution(path: Path, display_name: str | None = None) -> dict[str, DistributionList]:
    """Read and validate every list in a distribution file, by list name; every problem
    in the file is reported at once."""
    path = Path(path)
    shown = display_name or str(path)  # errors name the file as the analyst knows it
    try:
        text = read_text(path, shown)
    except InputError as exc:
        raise DeliveryError(
            exc.message,
            file=shown,
            line=exc.line,
            hint=exc.hint or "pass the path of distribution.yaml, or create one from the sample",
        ) from None
    _refuse_raw_line_separators(text, shown)
    try:
        # the project's strict YAML reader: a key given twice is refused with its line
        data = parse_yaml(text, shown)
    except InputError as exc:
        raise DeliveryError(exc.message, file=shown, line=exc.line, hint=exc.hint) from None
    if not isinstance(data, Node) or not data:
        raise DeliveryError(
            "the distribution file holds no lists",
            file=shown,
            hint="write one mapping per list: name -> to, cc, subject, body",
        )
    problems = ProblemCollector()
    lists = {}
    for name, entry in data.items():
        with problems.attempt():
            lists[name] = _parse_list(name, entry, path, shown, data.line_of(name))
    if problems:
        # the deliver stage's own error type, with the schema's file, line and words
        raise_as_delivery(problems)
    return lists


def raise_as_delivery(problems: ProblemCollector) -> None:
    errors = [
        DeliveryError(p.message, file=p.file, line=p.line, hint=p.hint)
        if not isinstance(p, DeliveryError)
        else p
        for p in problems.problems
    ]
    if len(errors) == 1:
        raise errors[0]
    raise Problems(list(errors))


def _parse_list(name: str, raw: object, path: Path, shown: str, line: int) -> DistributionList:
    problems = ProblemCollector()
    label = f"list {name!r}"

    def fail(message: str, where: int | None = None, hint: str | None = None) -> None:
        problems.add(
            DeliveryError(f"{label}: {message}", file=shown, line=where or line, hint=hint)
        )

    if not _LIST_NAME.match(name):
        fail("a list name may use only letters, digits and . _ - between them")
    entry = convert_into(raw, ListEntry, problems, file=shown, line=line, label=label)
    if entry is None:
        raise_as_delivery(problems)
    assert entry is not None and isinstance(raw, Node)

    def addresses(key: str, values: tuple[str, ...]) -> tuple[str, ...]:
        result = []
        for index, item in enumerate(values):
            where = raw.item_line(key, index)
            if found := line_break_in(item):
                fail(
                    f"{key} entry {index + 1} contains {found}, a line break that an email "
                    "header cannot carry",
                    where,
                    "delete it (it is often pasted in invisibly from a word processor)",
                )
                continue
            address = check_address(item)
            if address is None:
                fail(
                    f"{key} entry {quoted(item) if isinstance(item, str) else repr(item)} is "
                    f"not one email address: {address_problem(item)}",
                    where,
                    "write name@domain or 'Full Name <name@domain>', one per entry; "
                    "the address itself must be ASCII",
                )
                continue
            result.append(address)
        return tuple(result)

    to, cc = addresses("to", entry.to), addresses("cc", entry.cc or ())
    seen: set[str] = set()
    for address in to + cc:
        bare = getaddresses([address])[0][1].lower()
        if bare in seen:
            fail(f"{bare} is listed more than once across to and cc")
        seen.add(bare)
    subject = entry.subject.strip()
    if not subject or not entry.body.strip():
        fail("needs a subject and a body (text)")
    if found := line_break_in(subject):
        fail(
            f"the subject contains {found}: the subject must be one line",
            raw.line_of("subject"),
            "delete it (it is often pasted in invisibly from a word processor)",
        )
    for key, template in (("subject", subject), ("body", entry.body)):
        problem = _template_syntax_problem(template)
        if problem:
            fail(
                f"{key} template: {problem}",
                raw.line_of(key),
                "write placeholders as {name}; write a literal brace as {{ or }}",
            )
    problems.raise_if_any()
    body = entry.body if entry.body.endswith("\n") else entry.body + "\n"
    return DistributionList(name, to, cc, subject, body, path, line)


# RFC 5321 4.5.3.1: the longest local part, domain and address a server must accept, so
# the longest worth sending; a longer one is a paste gone wrong, not an address
MAX_LOCAL_PART = 64
MAX_DOMAIN = 255
MAX_ADDRESS = 254  # a path is at most 256 characters with its angle brackets
# a name and address together: no longer than the longest line a header may hold
# (RFC 5322), checked before parsing so a huge value costs nothing
MAX_ENTRY = 998


def check_address(item: object) -> str | None:
    """The address normalised as 'Name <a@b>' or 'a@b', or None if it is not exactly one."""
    return _read_address(item)[0]


def address_problem(item: object) -> str | None:
    """Why ``item`` is not exactly one email address, in plain words; None if it is."""
    return _read_address(item)[1]


def _read_address(item: object) -> tuple[str | None, str | None]:
    """(the address normalised, None) or (None, what is wrong with it)."""
    if not isinstance(item, str):
        return None, "it is not text"
    if found := line_break_in(item):
        return None, f"it contains {found}"
    if len(item) > MAX_ENTRY:
        return None, f"it is too long: a name with its address is at most {MAX_ENTRY} characters"
    if problem := _bracket_problem(item):
        return None, problem
    # parseaddr would quietly take the first of "a@b, c@d"; getaddresses shows both.
    parsed = getaddresses([item])
    if not parsed:
        return None, "it holds no address"
    if len(parsed) > 1:
        if not any(mark in item for mark in ",;"):  # no list: one address with two @
            return None, "its address has more than one @; write it name@domain"
        return None, "it holds more than one address; give one per entry"
    display, address = parsed[0]
    local, at, domain = address.rpartition("@")
    if not at or not local or "." not in domain or any(ch.isspace() for ch in address):
        return None, "it is not written name@domain"
    if not address.isascii():
        # smtplib cannot put it in RCPT TO unless the server offers SMTPUTF8
        return None, "the address itself is not ASCII"
    for part, length, limit in (
        ("the part before the @", len(local), MAX_LOCAL_PART),
        ("the domain", len(domain), MAX_DOMAIN),
        ("the address", len(address), MAX_ADDRESS),
    ):
        if length > limit:
            return None, f"{part} is {length} characters long; email allows at most {limit}"
    if problem := _domain_problem(domain):
        return None, problem
    try:
        # str(Address) quotes a display name that needs it, without encoding it.
        return str(Address(display_name=display, addr_spec=address)), None
    except (ValueError, IndexError, MessageError):  # MessageError: "a@b..example"
        return None, "it is not written name@domain"


_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")


def _domain_problem(domain: str) -> str | None:
    """What is wrong with the domain of an address (RFC 5321 4.1.2): letters, digits and
    hyphens between dots, no label starting or ending with a hyphen; or an IP address in
    brackets."""
    if domain.startswith("[") and domain.endswith("]"):  # IPv4: an IPv6 one has no dot
        try:
            ipaddress.IPv4Address(domain[1:-1])
        except ValueError:
            return f"the domain {domain} is not an IP address"
        return None
    if not all(_LABEL.fullmatch(label) for label in domain.split(".")):
        return (
            f"the domain {domain!r} is not a mail domain: letters, digits and hyphens "
            "between dots, each part starting and ending with a letter or digit"
        )
    return None


def _bracket_problem(item: str) -> str | None:
    """An unclosed or stray angle bracket, which getaddresses quietly mends or drops:
    "Name <a@b.example" would otherwise be sent as if it were written whole."""
    brackets = []
    quoted = escaped = False
    comment = 0
    for ch in item:
        if escaped:
            escaped = False
        elif ch == "\\" and (quoted or comment):
            escaped = True
        elif quoted:
            quoted = ch != '"'
        elif comment:
            comment += {"(": 1, ")": -1}.get(ch, 0)
        elif ch == '"':
            quoted = True
        elif ch == "(":
            comment = 1
        elif ch in "<>":
            brackets.append(ch)
    if quoted:
        return 'its quoted name has no closing "'
    if brackets == [] or brackets == ["<", ">"]:
        return None
    if brackets == ["<"]:
        return "its < has no closing >"
    return "its < and > do not pair up"


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
        if field_name not in TEMPLATE_PLACEHOLDERS:
            known = ", ".join(f"{{{name}}}" for name in TEMPLATE_PLACEHOLDERS)
            return (
                f"unknown placeholder {{{field_name}}}"
                + did_you_mean(field_name, TEMPLATE_PLACEHOLDERS)
                + f"; the placeholders are {known}"
            )
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
