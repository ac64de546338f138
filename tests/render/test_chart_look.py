"""The theme's chart markers, line styles and hatches are ones matplotlib draws.

The theme is checked without importing matplotlib (slow); this test keeps reportgen's
lists honest against matplotlib's own public ones.
"""

from __future__ import annotations

from matplotlib import rcsetup
from matplotlib.lines import Line2D
from matplotlib.markers import MarkerStyle

from reportgen.load.theme import HATCH_CHARACTERS, LINE_STYLES, MARKERS


def test_every_marker_reportgen_allows_is_one_matplotlib_draws() -> None:
    known = {key for key in MarkerStyle.markers if isinstance(key, str)}
    assert MARKERS <= known | {""}


def test_every_line_style_reportgen_allows_is_one_matplotlib_draws() -> None:
    for style in LINE_STYLES:
        Line2D([0, 1], [0, 1], linestyle=style)  # raises ValueError for an unknown style


def test_every_hatch_character_reportgen_allows_is_one_matplotlib_draws() -> None:
    for character in HATCH_CHARACTERS:
        assert rcsetup.validate_hatch(character * 3) == character * 3
