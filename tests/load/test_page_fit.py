"""What a page cannot hold names the one thing to change, by ``check`` and ``build`` alike.

A short text (a table's caption, a contents entry) taller than a page is its style's
doing: the theme's line for that style is named, with where the text was written in the
hint. A long text is named where it was written, its style's line in the hint. Nothing
reportlab says of its own objects reaches a message. Each case spoils a private copy of
the sample, as the input contract's cases do (``test_contract``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from reportgen.errors import shown_words
from tests.load.test_contract import CATALOGUE, LAYOUT, THEME, Case, assert_one_error, line_of


def restyle(root: Path, style: str, written: str) -> None:
    """Write the theme's ``style`` as ``written`` ("{size: 72, leading: 96}")."""
    theme = root / THEME
    lines = theme.read_text(encoding="utf-8").splitlines(keepends=True)
    [index] = [n for n, line in enumerate(lines) if line.startswith(f"  {style}:")]
    lines[index] = f"  {style}: {written}\n"
    theme.write_text("".join(lines), encoding="utf-8")


def caption_in_huge_type(root: Path) -> Case:
    # the default caption, one line in ordinary type, wraps word by word at 72pt in the
    # names' column: its header row is taller than a page
    restyle(root, "table_caption", '{size: 72, leading: 96, bold: true, colour: "#FFFFFF"}')
    caption = line_of(root, LAYOUT, 'caption: "{number}. {title} Data to')
    return Case(
        THEME,
        "  table_caption:",
        (
            "section 1. Reducing Domestic Abuse does not fit on a page: "
            "'1. Reducing Domestic Abuse Data to Mar 2014 (unless stated…', set in "
            "table_caption (72pt type on 96pt leading), is taller than a page",
            "make the table_caption style's size and leading smaller",
            f"the text is at {LAYOUT}:{caption}",
        ),
    )


def contents_entry_in_huge_type(root: Path) -> Case:
    restyle(root, "contents_entry", "{size: 72, leading: 96}")
    return Case(
        THEME,
        "  contents_entry:",
        (
            "the contents does not fit on a page: '4. Tackling Consequences of Alcohol",
            "set in contents_entry (72pt type on 96pt leading), is taller than a page",
            "make the contents_entry style's size and leading smaller",
        ),
    )


def long_label_in_a_tall_style(root: Path) -> Case:
    # a label of many lines, each line 96pt apart: the label is named, its style hinted
    catalogue = root / CATALOGUE
    long = "Number of domestic abuse incidents " + "recorded in the county " * 7
    text = catalogue.read_text(encoding="utf-8")
    catalogue.write_text(
        text.replace("label: Number of domestic abuse incidents\n", f"label: {long}\n"), "utf-8"
    )
    restyle(root, "table_cell", "{size: 20, leading: 96}")
    style = line_of(root, THEME, "  table_cell:")
    return Case(
        CATALOGUE,
        "  da_incidents:",
        (
            "section 1. Reducing Domestic Abuse does not fit on a page: the text written "
            "here, set in table_cell (20pt type on 96pt leading), is taller than a page",
            "shorten it, or make the table_cell style's size and leading smaller "
            f"({THEME}:{style})",
        ),
    )


CASES: dict[str, Callable[[Path], Case]] = {
    "caption-in-huge-type": caption_in_huge_type,
    "contents-entry-in-huge-type": contents_entry_in_huge_type,
    "long-label-in-a-tall-style": long_label_in_a_tall_style,
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_text_taller_than_a_page_names_what_to_change(
    name: str, report_copy: Path, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REPORTGEN_SERIAL", "1")
    case = CASES[name](report_copy)
    out = report_copy / "out" / "x.pdf"
    out.parent.mkdir()
    for command in (("check",), ("build", "--out", str(out))):
        result = run_cli(*command, root=report_copy)
        assert_one_error(result, case, report_copy, command[0])
        # reportlab's own words name its objects ("<Table@0x7F66… 5 rows x 2 cols>")
        assert "@0x" not in result.err and "Flowable" not in result.err, result.err
    assert not out.exists()


def test_a_long_name_is_cut_after_a_word() -> None:
    caption = "1. Reducing Domestic Abuse Data to Mar 2014 (unless stated otherwise)"
    assert shown_words(caption) == repr(caption)
    assert (
        shown_words(caption, 60) == "'1. Reducing Domestic Abuse Data to Mar 2014 (unless stated…'"
    )
    assert shown_words("x" * 80, 70) == repr("x" * 70 + "…")  # one word: cut where it must be
