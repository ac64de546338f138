"""Read YAML strictly: a duplicated key is an error, and every mapping knows its line.

PyYAML's ``safe_load`` silently keeps the last of two equal keys, so a typo'd layout
could lose a whole section without a word. This loader refuses that and records the
line of each mapping and key so later validation can point at the exact place.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from reportgen.errors import InputError


class Node(dict):  # type: ignore[type-arg]
    """A YAML mapping that remembers where it and each of its keys were written."""

    file: str
    line: int
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class NodeList(list):  # type: ignore[type-arg]
    file: str
    line: int
    item_lines: list[int]


class _StrictLoader(yaml.SafeLoader):
    file_name = "<yaml>"


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode) -> Node:
    # a key written twice is an error; a key that overrides one merged in with "<<" is
    # what merging is for, so only the keys written in this mapping are compared
    explicit: dict[object, int] = {}
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if key in explicit:
            raise InputError(
                f"key {key!r} appears twice (first on line {explicit[key]})",
                file=loader.file_name,
                line=line,
                hint="remove or rename one of them",
            )
        explicit[key] = line
    loader.flatten_mapping(node)
    result = Node()
    result.file = loader.file_name
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[str(key)] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _StrictLoader, node: yaml.SequenceNode) -> NodeList:
    result = NodeList(loader.construct_object(child, deep=True) for child in node.value)
    result.file = loader.file_name
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
# Months such as 2014-03 must stay strings, never become dates or sexagesimal ints.
_StrictLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parse_yaml(text: str, file_name: str) -> Any:
    """Parse YAML text; errors name ``file_name`` and the line."""
    loader_class = type("_Loader", (_StrictLoader,), {"file_name": file_name})
    try:
        loader = loader_class(text)
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "malformed YAML"
        raise InputError(
            f"malformed YAML: {problem}",
            file=file_name,
            line=line,
            hint="check indentation, colons and quoting on that line",
        ) from None
    except yaml.YAMLError as exc:
        raise InputError(f"malformed YAML: {exc}", file=file_name) from None


def load_yaml(path: Path, display_name: str | None = None) -> Any:
    name = display_name or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("file not found", file=name, hint="create it or check --root") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason})", file=name) from None
    return parse_yaml(text, name)


def where(node: Any, key: str | None = None) -> dict[str, Any]:
    """``file=`` and ``line=`` keyword arguments for an error about ``node`` (or its key)."""
    if isinstance(node, Node):
        return {"file": node.file, "line": node.line_of(key) if key else node.line}
    if isinstance(node, NodeList):
        return {"file": node.file, "line": node.line}
    return {}
