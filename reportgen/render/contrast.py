"""Which text colours the edition prints on which backgrounds, and whether each can be
read: WCAG 2.2's contrast ratio (success criterion 1.4.3), computed from the theme alone.

In: a ``Theme``. Out: the ``PrintedColour`` pairs, and a line for each pair under
4.5:1 (``low_contrast``), which ``check`` and ``build`` give as warnings. No reportlab:
``check`` asks before its layout's imports."""

from __future__ import annotations

import msgspec

from reportgen.load.theme import Theme

WCAG_AA = 4.5  # normal-size text, WCAG 2.2 success criterion 1.4.3
PAPER = "#FFFFFF"  # the edition is printed on white: the theme colours no page


class PrintedColour(msgspec.Struct, frozen=True):
    """A text colour and a background it is printed on, and which text that is."""

    what: str
    text: str  # "#RRGGBB"
    background: str


def printed_colours(theme: Theme) -> list[PrintedColour]:
    """Every text colour the edition prints, on every background it is printed on.

    Text styles print on the paper, except the table header row's (on its fill); a
    table's cells, its confidence-interval rows (the note style) and the MSG rank in
    each rag colour print on the paper and on the stripe; chart text prints on the paper
    in the theme's text colour (the tick labels, titles) and matplotlib's black (bar
    labels, legend).
    """
    table = theme.table
    header_row = ("table_caption", "table_header")
    body_rows = ("table_cell", "note")
    pairs = [
        PrintedColour(f"{name} text", style.colour, PAPER)
        for name, style in theme.styles.items()
        if name not in header_row
    ]
    pairs += [
        PrintedColour(f"{name} text on the header row", theme.style(name).colour, table.header_fill)
        for name in header_row
    ]
    for background in (PAPER, table.stripe_fill):
        pairs += [
            PrintedColour(f"{name} text in a table row", theme.style(name).colour, background)
            for name in body_rows
        ]
        pairs += [
            PrintedColour(f"MSG rank in {rag}", colour, background)
            for rag, colour in msgspec.structs.asdict(table.rag).items()
        ]
    pairs += [
        PrintedColour("chart text", theme.text_colour, PAPER),
        PrintedColour("chart bar labels and legend", "#000000", PAPER),
    ]
    return pairs


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2 contrast ratio of two "#RRGGBB" colours, from 1 (same) to 21."""
    light, dark = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _luminance(colour: str) -> float:
    channels = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    red, green, blue = (
        c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels
    )
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def low_contrast(theme: Theme) -> list[str]:
    """A line for each text colour the theme prints on a background it cannot be read
    on at WCAG AA (4.5:1), as published board papers must be."""
    return [
        f"{pair.what}: {pair.text} on {pair.background} is "
        f"{contrast_ratio(pair.text, pair.background):.2f}:1, under the {WCAG_AA}:1 that WCAG "
        "AA asks of text (published board papers must meet it)"
        for pair in printed_colours(theme)
        if contrast_ratio(pair.text, pair.background) < WCAG_AA
    ]
