"""The strict YAML reader every YAML file of a report folder goes through."""

from __future__ import annotations

import pytest

from reportgen.errors import InputError
from reportgen.load.yamlfile import parse_yaml


def test_a_key_written_twice_is_refused_with_both_lines() -> None:
    with pytest.raises(InputError) as failed:
        parse_yaml("a: 1\nb: 2\na: 3\n", "x.yaml")
    assert str(failed.value).startswith("x.yaml:3: key 'a' appears twice (first on line 1)")


def test_a_key_may_override_one_merged_in() -> None:
    text = "base: &base\n  size: 9\n  bold: true\nnote:\n  <<: *base\n  size: 8\n"
    parsed = parse_yaml(text, "x.yaml")
    assert parsed["note"] == {"size": 8, "bold": True}
    assert parsed["note"].line_of("size") == 6


def test_months_stay_text_and_lines_are_kept() -> None:
    parsed = parse_yaml("edition: 2014-03\nlist:\n  - a\n  - b\n", "x.yaml")
    assert parsed["edition"] == "2014-03"
    assert parsed["list"].item_lines == [3, 4]


def test_malformed_yaml_names_file_and_line() -> None:
    with pytest.raises(InputError) as failed:
        parse_yaml("a: [unclosed\n", "x.yaml")
    assert str(failed.value).startswith("x.yaml:2: malformed YAML")
