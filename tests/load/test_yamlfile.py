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


@pytest.mark.parametrize(
    ("written", "read"),
    [
        # YAML 1.1 read these as 90, 16, 8 and 1000: a margin of 1:30 was 90 points
        ("1:30", "1:30"),
        ("0x10", "0x10"),
        ("010", "010"),
        ("1_000", "1_000"),
        ("0b11", "0b11"),
        # and these as booleans: a title "No" was refused as false
        ("yes", "yes"),
        ("No", "No"),
        ("on", "on"),
        ("OFF", "OFF"),
        # what YAML 1.2 reads as numbers and booleans is read so
        ("12", 12),
        ("-3", -3),
        ("+7", 7),
        ("0", 0),
        ("2.5", 2.5),
        ("1.", 1.0),
        (".5", 0.5),
        ("1e3", 1000.0),
        ("true", True),
        ("False", False),
        ("~", None),
    ],
)
def test_plain_values_are_read_as_yaml_1_2_reads_them(written: str, read: object) -> None:
    value = parse_yaml(f"a: {written}\n", "x.yaml")["a"]
    assert value == read and type(value) is type(read)


def test_a_margin_in_hex_is_refused_not_read_as_points(report_copy, run_cli) -> None:
    from tests.load.test_contract import THEME, edit

    edit(report_copy, THEME, "margin_left: 2.0cm", "margin_left: 0x10")
    result = run_cli("check", root=report_copy)
    assert result.code == 1
    assert (
        f"{THEME}:9: page: 'margin_left' must be a length such as 12 (points), 12pt, 2cm, "
        "15mm or 1in, not '0x10'" in result.err
    )
