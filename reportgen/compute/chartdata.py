"""What a chart shows, ready to plot: the value the compute stage hands to render.

Kept apart from the computing (and from pandas) so the chart worker can receive it
without importing the data stack.
"""

from __future__ import annotations

import msgspec

from reportgen.load.chartkind import ChartKind


class Series(msgspec.Struct, frozen=True, repr_omit_defaults=True):
    name: str
    values: tuple[float | None, ...]
    # positions the line is broken before: the measure's definition changed there
    # (``comparable_from``), and figures either side are not to be read as one run
    breaks: tuple[int, ...] = ()


class ChartData(msgspec.Struct, frozen=True):
    """A chart as computed: its title, x labels and series of values, ready to draw (and
    to describe in words for its alternative text)."""

    kind: ChartKind
    title: str
    x_labels: tuple[str, ...]
    series: tuple[Series, ...]
    y_label: str
    percent: bool
    key: str  # stable identity for caching the drawing: kind + title + values
    # in words, for the chart's alternative text: what each x position is ("April 2013",
    # "April", "Drug qualifier") and the period the chart covers
    point_names: tuple[str, ...] = ()
    period: str = ""
    # where the layout writes the chart (its title's line), its y label and each of its
    # labels (legend or category names), for a problem of setting them out
    file: str = ""
    line: int = 0
    y_label_line: int = 0
    label_places: tuple[tuple[str, int], ...] = ()

    @property
    def drawn_values(self) -> list[float]:
        """Every value the chart draws, series by series (a missing one is a gap)."""
        return [v for series in self.series for v in series.values if v is not None]

    @property
    def whole_numbers(self) -> bool:
        return all(float(v).is_integer() for v in self.drawn_values)

    def number(self, value: float) -> str:
        """A value as the chart prints it: "43.8%", "2,717", "8.6"."""
        if self.percent:
            return f"{value:.1f}%"
        return f"{value:,.0f}" if self.whole_numbers else f"{value:,.1f}"
