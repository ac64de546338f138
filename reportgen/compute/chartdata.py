"""What a chart shows, ready to plot: the value the compute stage hands to render.

Kept apart from the computing (and from pandas) so the chart worker can receive it
without importing the data stack.
"""

from __future__ import annotations

from dataclasses import dataclass

from reportgen.load.layout import ChartKind


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float | None, ...]


@dataclass(frozen=True)
class ChartData:
    kind: ChartKind
    title: str
    x_labels: tuple[str, ...]
    series: tuple[Series, ...]
    y_label: str
    percent: bool
    key: str  # stable identity for caching the drawing: kind + title + values
