"""Read YAML strictly: YAML text -> plain values whose mappings and lists know their lines.

PyYAML's ``safe_load`` silently keeps the last of two equal keys, so a typo'd layout
could lose a whole section without a word. This reader refuses that and records the
line of each mapping, key and list item so the schema checks (``load.schema``) can
point at the exact place.

It is also the first guard against hostile input: the file's size, its nesting depth
and the size of the document once aliases are expanded are bounded (a "billion laughs"
is refused at once rather than expanded), an alias that refers to itself is refused,
and mapping keys must be plain text. libyaml (PyYAML's C parser) is used where it is
installed; the pure-Python parser gives the same values and lines otherwise.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode
from yaml.nodes import Node as YamlNode

from reportgen.errors import InputError, Where
from reportgen.reading import NotAPlainFile, TooLarge, read_limited

MAX_BYTES = 2 * 1024 * 1024  # far above any catalogue, layout or theme a force would write
MAX_NODES = 200_000  # values in the document once every alias is expanded
MAX_DEPTH = 40  # report folders nest six deep at most


class Node(dict[str, Any]):
    """A YAML mapping that remembers where it and each of its keys were written."""

    file: str
    line: int
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)

    def item_line(self, key: str, index: int) -> int:
        """The line of item ``index`` of the list under ``key``; the key's own line where
        there is no such item (or no list)."""
        lines = getattr(self.get(key), "item_lines", None) or []
        return lines[index] if index < len(lines) else self.line_of(key)


class NodeList(list[Any]):
    """A YAML list that remembers where it and each of its items were written."""

    file: str
    line: int
    item_lines: list[int]


_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[misc, valid-type]
    """Safe YAML, its plain values read as YAML 1.2 reads them: months such as 2014-03
    stay text (no timestamps); a number is decimal (1:30, 0x10, 010 and 1_000 are text,
    which YAML 1.1 read as 90, 16, 8 and 1000); only true and false are booleans (yes,
    no, on and off are text)."""


# the tags YAML 1.1 gives plain values that are read here by YAML 1.2's rules instead
_STRICTER = {
    "tag:yaml.org,2002:timestamp": None,
    "tag:yaml.org,2002:bool": (r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    "tag:yaml.org,2002:int": (r"^[-+]?(?:0|[1-9][0-9]*)$", "-+0123456789"),
    "tag:yaml.org,2002:float": (
        r"^[-+]?(?:(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|[0-9]+[eE][-+]?[0-9]+)$"
        r"|^[-+]?\.(?:inf|Inf|INF)$|^\.(?:nan|NaN|NAN)$",
        "-+0123456789.",
    ),
}
_Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag not in _STRICTER]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _tag, _rule in _STRICTER.items():
    if _rule is not None:
        _Loader.add_implicit_resolver(_tag, re.compile(_rule[0]), list(_rule[1]))
_MERGE = "tag:yaml.org,2002:merge"
# next line, line separator, paragraph separator: breaks to YAML, not to an editor
YAML_ONLY_BREAKS = "\x85\u2028\u2029"
_HIDDEN_BREAK = re.compile(f"[{YAML_ONLY_BREAKS}]")


def parse_yaml(text: str, file_name: str, *, first_line: int = 1) -> Any:
    """Parse YAML text; errors name ``file_name`` and the line.

    ``first_line`` is the file line the text starts on (front matter starts on line 2),
    so every recorded line is a line of the file.
    """
    offset = first_line - 1
    if len(text) > MAX_BYTES:
        raise InputError(
            f"the file is {len(text) / 1_048_576:.1f} MB; a YAML file here is at most "
            f"{MAX_BYTES // 1_048_576} MB",
            file=file_name,
            hint="check it is the right file",
        )
    hidden = _HIDDEN_BREAK.search(text)
    if hidden is not None:
        # YAML breaks lines at these too, so every line after would be miscounted
        raise InputError(
            f"character U+{ord(hidden.group()):04X}, a line break to YAML that an editor "
            "does not show, is in the text",
            file=file_name,
            line=text.count("\n", 0, hidden.start()) + 1 + offset,
            hint="remove it: it is often pasted in from another program",
        )
    loader = _Loader(text)
    try:
        try:
            root = loader.get_single_node()
            if root is None:
                return None
            _Bounds(file_name, offset).check(root)
            return _Builder(loader, file_name, offset).build(root)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 + offset if mark is not None else None
            problem = exc.problem or exc.context or "malformed YAML"
            raise InputError(
                f"malformed YAML: {problem}",
                file=file_name,
                line=line,
                hint="check indentation, colons and quoting on that line",
            ) from None
        except yaml.reader.ReaderError as exc:
            line = text.count("\n", 0, max(exc.position, 0)) + 1 + offset
            raise InputError(
                f"character U+{ord(exc.character):04X} cannot appear in YAML text"
                if isinstance(exc.character, str)
                else f"byte 0x{exc.character:02X} cannot appear in YAML text",
                file=file_name,
                line=line,
                hint="remove it: it is often pasted in from another program",
            ) from None
        except yaml.YAMLError as exc:
            raise InputError(f"malformed YAML: {exc}", file=file_name) from None
    finally:
        loader.dispose()


def read_bytes(path: Path, name: str, *, limit: int, too_large: str, hint: str) -> bytes:
    """A report folder's file, refusing a missing, unreadable or oversized one (the size
    is checked before reading, so a huge file costs nothing); ``too_large`` and ``hint``
    say what the limit is and what to do."""
    try:
        return read_limited(path, limit)
    except TooLarge as exc:
        raise InputError(
            f"the file is {exc.size / 1_048_576:.1f} MB; {too_large}", file=name, hint=hint
        ) from None
    except FileNotFoundError:
        target = _link_target(path)
        if target is not None:
            raise InputError(
                f"is a symbolic link to {target}, which does not exist",
                file=name,
                hint="point the link at the file, or put the file itself in its place",
            ) from None
        raise InputError("file not found", file=name, hint="create it or check --root") from None
    except IsADirectoryError:
        raise InputError("is a folder, not a file", file=name) from None
    except NotAPlainFile:
        raise InputError("is not a plain file", file=name, hint="it must be a file") from None
    except OSError as exc:
        raise InputError(f"cannot be read: {exc.strerror or exc}", file=name) from None


def _link_target(path: Path) -> str | None:
    """Where a symbolic link points (None: not a link)."""
    try:
        return os.readlink(path)
    except OSError:
        return None


def read_text(path: Path, display_name: str, *, limit: int = MAX_BYTES) -> str:
    """A report folder's text file, as UTF-8 (a leading byte-order mark is dropped); an
    undecodable byte is named with its line."""
    data = read_bytes(
        path,
        display_name,
        limit=limit,
        too_large=f"at most {limit / 1_048_576:g} MB is read here",
        hint="check it is the right file",
    )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(
            f"byte 0x{data[exc.start]:02X} is not UTF-8 text",
            file=display_name,
            line=line,
            hint="save the file as UTF-8",
        ) from None


def where(node: Any, key: str | None = None) -> Where:
    """``file=`` and ``line=`` keyword arguments for an error about ``node`` (or its key)."""
    if isinstance(node, Node):
        return {"file": node.file, "line": node.line_of(key) if key else node.line}
    if isinstance(node, NodeList):
        return {"file": node.file, "line": node.line}
    return {}


class _Bounds:
    """Refuse a document too deep, too large once expanded, or with a looping alias.

    Sizes are counted per distinct node (an alias shares its anchor's node), so the
    check is linear in the text even when the expansion would be astronomical.
    """

    def __init__(self, file_name: str, offset: int) -> None:
        self.file_name = file_name
        self.offset = offset
        self.sizes: dict[int, int] = {}
        self.open: set[int] = set()

    def fail(self, node: YamlNode, message: str, hint: str) -> InputError:
        line = node.start_mark.line + 1 + self.offset
        return InputError(message, file=self.file_name, line=line, hint=hint)

    def check(self, root: YamlNode) -> None:
        if self.size(root, 0) > MAX_NODES:
            raise self.fail(
                root,
                f"the document holds more than {MAX_NODES} values once its aliases (*name) "
                "are expanded",
                "write the values out, or use fewer nested aliases",
            )

    def size(self, node: YamlNode, depth: int) -> int:
        key = id(node)
        if key in self.sizes:
            return self.sizes[key]
        if depth > MAX_DEPTH:
            raise self.fail(node, f"nested more than {MAX_DEPTH} levels deep", "flatten it")
        if key in self.open:
            raise self.fail(node, "an alias (*name) refers to itself", "remove the loop")
        if isinstance(node, ScalarNode):
            return 1
        self.open.add(key)
        children: list[YamlNode] = (
            [part for pair in node.value for part in pair]
            if isinstance(node, MappingNode)
            else list(node.value)
        )
        total = 1
        for child in children:
            total += self.size(child, depth + 1)
            if total > MAX_NODES:
                break  # already too large: stop counting
        self.open.discard(key)
        self.sizes[key] = total
        return total


class _Builder:
    """YAML nodes -> values; mappings become ``Node`` and lists ``NodeList``."""

    def __init__(self, loader: Any, file_name: str, offset: int) -> None:
        self.loader = loader
        self.file_name = file_name
        self.offset = offset
        self.built: dict[int, Any] = {}

    def line(self, node: YamlNode) -> int:
        return node.start_mark.line + 1 + self.offset

    def build(self, node: YamlNode) -> Any:
        key = id(node)
        if key not in self.built:  # an alias shares the value built for its anchor
            if isinstance(node, MappingNode):
                self.built[key] = self.mapping(node)
            elif isinstance(node, SequenceNode):
                self.built[key] = self.sequence(node)
            else:
                self.built[key] = self.loader.construct_object(node, deep=True)
        return self.built[key]

    def sequence(self, node: SequenceNode) -> NodeList:
        result = NodeList(self.build(child) for child in node.value)
        result.file = self.file_name
        result.line = self.line(node)
        result.item_lines = [self.line(child) for child in node.value]
        return result

    def mapping(self, node: MappingNode) -> Node:
        # a key written twice is an error; a key that overrides one merged in with "<<" is
        # what merging is for, so only the keys written in this mapping are compared
        explicit: dict[str, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE:
                continue
            key = self.key(key_node)
            if key in explicit:
                raise InputError(
                    f"key {key!r} appears twice (first on line {explicit[key]})",
                    file=self.file_name,
                    line=self.line(key_node),
                    hint="remove or rename one of them",
                )
            explicit[key] = self.line(key_node)
        self.loader.flatten_mapping(node)
        result = Node()
        result.file = self.file_name
        result.line = self.line(node)
        result.key_lines = {}
        for key_node, value_node in node.value:
            key = self.key(key_node)
            result[key] = self.build(value_node)
            result.key_lines[key] = self.line(key_node)
        return result

    def key(self, node: YamlNode) -> str:
        if not isinstance(node, ScalarNode):
            value: Any = None
            shown = "a mapping or list"
        else:
            value = self.build(node)
            shown = "empty" if value is None else f"{value!r}"
        if not isinstance(value, str):
            raise InputError(
                f"a key must be plain text, not {shown}",
                file=self.file_name,
                line=self.line(node),
                hint="write keys as plain names (quote a key such as 'yes' or '2014')",
            )
        return value
