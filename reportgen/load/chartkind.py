"""The kinds of chart a layout may ask for.

A module of its own, importing nothing, so the chart worker can receive a chart's data
(``compute.chartdata``) without importing the layout loader (YAML, the schema).
"""

from __future__ import annotations

from enum import Enum


class ChartKind(str, Enum):
    TREND = "trend"  # monthly values of one or more measures
    YEAR_ON_YEAR = "year_on_year"  # one measure, this financial year's months against last
    COMPARISON = "comparison"  # several measures, last year's total against this year's
