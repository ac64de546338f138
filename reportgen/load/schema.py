"""One validation mechanism for every YAML input: raw YAML values -> frozen typed values.

Each input file's shape is a typed, frozen ``Spec`` (a ``msgspec.Struct``). msgspec
checks a value against it strictly: booleans are booleans (``"no"`` is text, not
false), integers are integers (``1.5``, ``three``, ``.inf`` and an empty value are
refused), ranges come from ``Meta`` annotations, unknown keys are refused. Lengths,
colours, months and plain texts are parsed by ``dec_hook`` into their own types, so a
bad one is an error at its key like any other.

What msgspec reports is then made an analyst's message: its error path is walked back
through the YAML ``Node``s to the file and line, the expected type is described in
words ("a whole number from 0 to 4"), a mistyped key gets a "did you mean", and the
entry is checked again without the bad key so that one run reports every problem in it.
"""

from __future__ import annotations

import copy
import difflib
import enum
import math
import re
import types
import typing
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

import msgspec
from msgspec import Meta

from reportgen.errors import InputError, ProblemCollector
from reportgen.load.yamlfile import Node, NodeList, parse_yaml
from reportgen.months import Month

T = TypeVar("T")


class Spec(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Base of every input file's schema: frozen, typed, unknown keys refused."""


# --- value types parsed from YAML scalars -------------------------------------------

_UNITS = {"pt": 1.0, "cm": 72 / 2.54, "mm": 72 / 25.4, "in": 72.0}
_LENGTH = re.compile(r"(-?[0-9]{1,6}(?:\.[0-9]{1,6})?)\s*(pt|cm|mm|in)")


class Length(float):
    """A length in points, written as 12 (points), 12pt, 2cm, 15mm or 1in.

    Subclasses set the range a length of that kind may take (``above``: the minimum
    itself is too small, as a margin of 0 is no margin).
    """

    minimum: float = 0.0
    maximum: float = 30 * 72 / 2.54
    above: bool = False
    shown_in: str = "cm"  # the unit its range is told in: "pt" for type, "cm" for the page
    what: str = "it"  # what a length of this kind is, for messages


class Colour(str):
    """``#RRGGBB``, or the name of a colour defined under the theme's ``colours:``."""


class PlainText(str):
    """Text printed as written: one line, no control characters (whitespace runs become
    one space). Subclasses set how long it may be."""

    min_length: int = 0
    max_length: int = 2000


class Label(PlainText):
    """A name printed in a heading, a table row or a legend: not empty, one line."""

    min_length, max_length = 1, 200


class MonthText(str):
    """A month written ``YYYY-MM`` (``Month.parse`` turns it into a ``Month``)."""


_COLOUR = re.compile(r"#[0-9A-Fa-f]{6}")
_named_colours: ContextVar[Mapping[str, str] | None] = ContextVar("named_colours", default=None)


@contextmanager
def colour_names(names: Mapping[str, str]) -> Iterator[None]:
    """Let ``Colour`` values name the colours in ``names`` while converting."""
    token = _named_colours.set(names)
    try:
        yield
    finally:
        _named_colours.reset(token)


def _format_points(value: float, unit: str) -> str:
    return f"{value / _UNITS[unit]:.3g}{unit}"


def _decode(kind: type, value: Any) -> Any:
    if isinstance(kind, type) and issubclass(kind, Length):
        return _length(kind, value)
    if kind is Colour:
        return _colour(value)
    if isinstance(kind, type) and issubclass(kind, PlainText):
        return _plain_text(kind, value)
    if kind is MonthText:
        if not isinstance(value, str):
            raise TypeError(f"must be a month written as YYYY-MM, not {shown(value)}")
        try:
            return MonthText(Month.parse(value))
        except ValueError:
            raise ValueError(f"must be a month written as YYYY-MM, not {shown(value)}") from None
    raise NotImplementedError(kind)


def _length(kind: type[Length], value: Any) -> Length:
    form = "a length such as 12 (points), 12pt, 2cm, 15mm or 1in"
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TypeError(f"must be {form}, not {shown(value)}")
    if isinstance(value, str):
        match = _LENGTH.fullmatch(value.strip())
        if not match:
            raise ValueError(f"must be {form}, not {shown(value)}")
        points = float(match.group(1)) * _UNITS[match.group(2)]
    else:
        points = float(value)
    if not math.isfinite(points):
        raise ValueError(f"must be {form}, not {shown(value)}")
    low, high = (
        _format_points(kind.minimum, kind.shown_in),
        _format_points(kind.maximum, kind.shown_in),
    )
    too_small = points <= kind.minimum if kind.above else points < kind.minimum
    if too_small or points > kind.maximum:
        span = f"above {low} and at most {high}" if kind.above else f"from {low} to {high}"
        verb = "must be" if kind.what == "it" else "is"
        raise ValueError(f"is {shown(value)}; {kind.what} {verb} {span}")
    return kind(points)


def _colour(value: Any) -> Colour:
    if not isinstance(value, str):
        raise TypeError(f'must be a colour such as "#00205B", not {shown(value)}')
    names = _named_colours.get() or {}
    if value in names:
        return Colour(names[value])
    if _COLOUR.fullmatch(value):
        return Colour(value.upper())
    known = f" or one of the named colours: {', '.join(sorted(names))}" if names else ""
    suggestion = did_you_mean(value, names)
    raise ValueError(
        f'is {shown(value)}, which is not a colour; write #RRGGBB (e.g. "#00205B"){known}'
        + suggestion
    )


def _plain_text(kind: type[PlainText], value: Any) -> PlainText:
    if not isinstance(value, str):
        raise TypeError(f"must be text, not {shown(value)} (put it in quotes)")
    bad = next((ch for ch in value if not ch.isprintable() and ch not in " \n\t"), None)
    if bad is not None:
        raise ValueError(f"contains the control character U+{ord(bad):04X}; remove it")
    text = " ".join(value.split())
    if len(text) < kind.min_length:
        raise ValueError("is empty; write the text")
    if len(text) > kind.max_length:
        raise ValueError(f"is {len(text)} characters long; at most {kind.max_length} fit")
    return kind(text)


def shown(value: Any) -> str:
    """A value as the analyst wrote it in YAML."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return ".nan" if math.isnan(value) else (".inf" if value > 0 else "-.inf")
    if isinstance(value, str):
        text = value if len(value) <= 60 else value[:57] + "..."
        return repr(text)
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return f"a list of {len(value)}" if value else "an empty list"
    return str(value)


def did_you_mean(word: str, choices: typing.Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


# --- converting, with errors mapped to file and line ---------------------------------

_AT = re.compile(r"^(?P<message>.*?)(?: - at `(?P<path>\$[^`]*)`)?$", re.DOTALL)
_STEP = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+|\.\.\.)\]")
MAX_PROBLEMS_PER_ENTRY = 30


def convert_into(
    raw: Any,
    spec: type[T],
    problems: ProblemCollector,
    *,
    file: str,
    line: int | None = None,
    label: str = "",
) -> T | None:
    """As ``convert``, but adds the problems to ``problems`` and returns None on any.

    ``label`` prefixes each message with what the value is ("style 'body': ").
    """
    try:
        return msgspec.convert(raw, spec, strict=True, dec_hook=_decode)
    except msgspec.ValidationError as first:
        error: msgspec.ValidationError | None = first
    working = _mutable(raw)
    seen: set[tuple[str, ...]] = set()
    suggested: set[tuple[str, ...]] = set()  # keys a "did you mean" already pointed to
    for _ in range(MAX_PROBLEMS_PER_ENTRY):
        if error is None:
            break
        problem, path, removable = _describe(error, working, spec, file, line)
        if path in seen:
            break
        seen.add(path)
        close = re.search(r"did you mean '(\w+)'", problem.message)
        if close and "unknown key" in problem.message:
            suggested.add((*path[:-1], close.group(1)))
        if label:
            problem.message = f"{label}: {problem.message}"
        if not (problem.message.endswith("is missing") and path in suggested):
            problems.add(problem)
        if not removable or not _remove(working, path):
            break
        try:
            msgspec.convert(working, spec, strict=True, dec_hook=_decode)
            error = None
        except msgspec.ValidationError as again:
            error = again
    return None


def _mutable(raw: Any) -> Any:
    # removing a bad key to look for more problems must not change what the caller holds
    return copy.deepcopy(raw)


def _parse_path(text: str | None) -> tuple[str, ...]:
    if not text:
        return ()
    return tuple(m.group(1) or m.group(2) for m in _STEP.finditer(text))


def _follow(raw: Any, path: tuple[str, ...]) -> tuple[Any, Any, str | None]:
    """(container, value, last step) at ``path``; the container is the deepest reached."""
    container: dict[Any, Any] | list[Any] | None = None
    value, last = raw, None
    for step in path:
        if isinstance(value, dict) and step in value:
            container, value, last = value, value[step], step
        elif isinstance(value, list) and step.isdigit() and int(step) < len(value):
            container, value, last = value, value[int(step)], step
        else:
            break
    return container, value, last


def _location(raw: Any, path: tuple[str, ...], file: str, line: int | None) -> tuple[str, int]:
    node: Any = raw
    where_file, where_line = (
        (raw.file, raw.line)
        if isinstance(raw, Node | NodeList)
        else (
            file,
            line or 0,
        )
    )
    for step in path:
        if isinstance(node, Node) and step in node:
            where_file, where_line = node.file, node.line_of(step)
            node = node[step]
        elif isinstance(node, NodeList) and step.isdigit() and int(step) < len(node):
            where_file, where_line = node.file, node.item_lines[int(step)]
            node = node[int(step)]
        else:
            break
    return where_file, where_line


def _remove(raw: Any, path: tuple[str, ...]) -> bool:
    container, _, last = _follow(raw, path)
    if container is None or last is None or _follow(raw, path)[2] != path[-1]:
        return False
    if isinstance(container, dict):
        container.pop(last, None)
        return True
    if isinstance(container, list):
        del container[int(last)]
        return True
    return False


def _describe(
    error: msgspec.ValidationError, raw: Any, spec: type, file: str, line: int | None
) -> tuple[InputError, tuple[str, ...], bool]:
    """(the problem, the path of the offending key, whether removing it may show more)."""
    match = _AT.match(str(error))
    assert match is not None
    message, path = match.group("message"), _parse_path(match.group("path"))
    unknown = re.fullmatch(r"Object contains unknown field `(.+)`", message)
    if unknown:
        key = unknown.group(1)
        where_file, where_line = _location(raw, (*path, key), file, line)
        fields = _field_names(_type_at(spec, path))
        suggestion = did_you_mean(key, fields)
        hint = f"known keys here: {', '.join(fields)}" if fields and not suggestion else None
        return (
            InputError(
                f"unknown key {key!r}{suggestion}",
                file=where_file,
                line=where_line,
                hint=hint,
            ),
            (*path, key),
            True,
        )
    missing = re.fullmatch(r"Object missing required field `(.+)`", message)
    if missing:
        key = missing.group(1)
        where_file, where_line = _location(raw, path, file, line)
        return (
            InputError(
                f"{_name(path)}'{key}' is missing",
                file=where_file,
                line=where_line,
                hint=f"add '{key}:'",
            ),
            (*path, key),
            False,
        )
    where_file, where_line = _location(raw, path, file, line)
    _, value, _ = _follow(raw, path)
    key = f"'{path[-1]}'" if path and not path[-1].isdigit() else _item_name(path)
    expected = _type_at(spec, path)
    enum_type = _enum_of(expected)
    if message.startswith("Invalid enum value") and enum_type is not None:
        allowed = [member.value for member in enum_type]
        text = f"{key} is {shown(value)}; use one of: {', '.join(allowed)}"
        text += did_you_mean(str(value), allowed)
    elif message.startswith("Expected"):
        text = f"{key} must be {describe(expected)}, not {shown(value)}"
    else:  # a ValueError or TypeError from a value type or a check: already in words
        text = f"{key} {message}" if key else message[:1].upper() + message[1:]
    return InputError(text, file=where_file, line=where_line), path, True


def _name(path: tuple[str, ...]) -> str:
    named = [step for step in path if not step.isdigit() and step != "..."]
    return f"{named[-1]}: " if named else ""


def _item_name(path: tuple[str, ...]) -> str:
    if path and path[-1].isdigit():
        parent = next((s for s in reversed(path[:-1]) if not s.isdigit()), "list")
        return f"item {int(path[-1]) + 1} of '{parent}'"
    return ""


# --- reading the spec's types --------------------------------------------------------


def _strip(kind: Any) -> tuple[Any, list[Meta]]:
    metas: list[Meta] = []
    while get_origin(kind) is Annotated:
        kind, *extra = get_args(kind)
        metas += [m for m in extra if isinstance(m, Meta)]
    return kind, metas


def _members(kind: Any) -> list[Any]:
    """The types a value may take (``X | None`` -> [X]), each keeping its annotations."""
    inner, _ = _strip(kind)
    if get_origin(inner) in (Union, types.UnionType):
        return [m for m in get_args(inner) if m is not type(None)]
    return [kind]


def _type_at(spec: Any, path: tuple[str, ...]) -> Any:
    kind = spec
    for step in path:
        following = None
        for member in _members(kind):
            member, _ = _strip(member)
            if isinstance(member, type) and issubclass(member, msgspec.Struct):
                hints = typing.get_type_hints(member, include_extras=True)
                names = {f.encode_name: f.name for f in msgspec.structs.fields(member)}
                if step in names:
                    following = hints[names[step]]
                    break
            elif get_origin(member) in (tuple, list) and (step.isdigit() or step == "..."):
                following = get_args(member)[0]
                break
            elif get_origin(member) is dict:
                following = get_args(member)[1]
                break
        if following is None:
            return None
        kind = following
    return kind


def _field_names(kind: Any) -> list[str]:
    for member in _members(kind):
        member, _ = _strip(member)
        if isinstance(member, type) and issubclass(member, msgspec.Struct):
            return [f.encode_name for f in msgspec.structs.fields(member)]
    return []


def _enum_of(kind: Any) -> type[enum.Enum] | None:
    for member in _members(kind):
        member, _ = _strip(member)
        if isinstance(member, type) and issubclass(member, enum.Enum):
            return member
    return None


def describe(kind: Any) -> str:
    """A type in words: "a whole number from 0 to 4", "true or false", "a list of text"."""
    return " or ".join(_describe_one(member) for member in _members(kind))


def _range(metas: list[Meta], unit: str = "") -> str:
    low = next((m.ge for m in metas if m.ge is not None), None)
    above = next((m.gt for m in metas if m.gt is not None), None)
    high = next((m.le for m in metas if m.le is not None), None)
    if low is not None and high is not None:
        return f" from {low:g}{unit} to {high:g}{unit}"
    if above is not None and high is not None:
        return f" above {above:g}{unit} and at most {high:g}{unit}"
    if low is not None:
        return f" of {low:g}{unit} or more"
    if above is not None:
        return f" above {above:g}{unit}"
    if high is not None:
        return f" of at most {high:g}{unit}"
    return ""


def _describe_one(kind: Any) -> str:
    kind, metas = _strip(kind)
    origin = get_origin(kind)
    if kind is bool:
        return "true or false"
    if kind is int:
        return "a whole number" + _range(metas)
    if kind is float:
        return "a number" + _range(metas)
    if isinstance(kind, type) and issubclass(kind, Length):
        return "a length such as 12 (points), 2cm, 15mm or 1in"
    if kind is Colour:
        return 'a colour such as "#00205B"'
    if kind is MonthText:
        return "a month written as YYYY-MM"
    if kind is str or (isinstance(kind, type) and issubclass(kind, PlainText)):
        at_least = next((m.min_length for m in metas if m.min_length), None)
        at_most = next((m.max_length for m in metas if m.max_length is not None), None)
        # a PlainText says its own bounds
        at_least = at_least or getattr(kind, "min_length", None)
        at_most = at_most or getattr(kind, "max_length", None)
        limits = [
            *(["not empty"] if at_least else []),
            *([f"at most {at_most} characters"] if at_most is not None else []),
        ]
        return "text" + (f" ({', '.join(limits)})" if limits else "")
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return "one of: " + ", ".join(str(member.value) for member in kind)
    if isinstance(kind, type) and issubclass(kind, msgspec.Struct):
        return "a mapping of " + ", ".join(_field_names(kind))
    if origin in (tuple, list):
        item = get_args(kind)[0]
        low = next((m.min_length for m in metas if m.min_length is not None), None)
        high = next((m.max_length for m in metas if m.max_length is not None), None)
        count = ""
        if low is not None and low == high:
            count = f" (exactly {low})"
        elif low and high:
            count = f" ({low} to {high})"
        elif low:
            count = f" (at least {low})"
        elif high:
            count = f" (at most {high})"
        return f"a list{count}, each {_describe_one(item)}"
    if origin is dict:
        return "a mapping"
    return "a value of another kind"


# --- helpers for loaders ---------------------------------------------------------------


def entries(
    node: Any,
    spec: type[T],
    problems: ProblemCollector,
    *,
    file: str,
    what: str,
    entry: str = "",
) -> dict[str, T]:
    """A mapping of named entries (measures, styles, lists), each checked on its own.

    ``what`` names the mapping and ``entry`` one entry in messages ("style 'body': …").

    msgspec does not name a dict key in its error paths, so each entry is converted
    alone: an error then names the entry's own line, and one bad entry does not hide
    problems in the others.
    """
    if not isinstance(node, Node):
        problems.add(
            InputError(
                f"{what} must be a mapping of names to entries",
                file=file,
                line=getattr(node, "line", None),
            )
        )
        return {}
    result: dict[str, T] = {}
    for key, value in node.items():
        converted = convert_into(
            value,
            spec,
            problems,
            file=node.file,
            line=node.line_of(key),
            label=f"{entry} {key!r}" if entry else "",
        )
        if converted is not None:
            result[key] = converted
    return result


def parse_document(
    text: str, name: str, shape: type[Spec], problems: ProblemCollector, *, expected: str
) -> Node:
    """A YAML file's top-level mapping, its shape checked against ``shape`` (which parts
    it has, no unknown one); its parts are converted one by one with ``convert_part``."""
    document = parse_yaml(text, name)
    if not isinstance(document, Node):
        raise InputError(f"expected {expected} at the top", file=name, line=1)
    if convert_into(document, shape, problems, file=name) is None:
        problems.raise_if_any()
    return document


def convert_part(document: Node, key: str, spec: type[T], problems: ProblemCollector) -> T | None:
    """One part of a document (``page:``, ``report:``) as ``spec``, on its own: a problem
    in one part does not hide those in another."""
    line = document.line_of(key)
    return convert_into(document[key], spec, problems, file=document.file, line=line, label=key)
