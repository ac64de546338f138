"""Aggregate monthly rows over a window (pandas) -> one exact figure per measure.

``Figures`` answers "what is this measure over these months?" for every aggregation
of the catalogue, and names the file, measure and month when a month is missing.
The monthly frame is turned into plain look-ups once (pandas groups it by measure);
each figure is then a few dictionary reads, not a pandas index per cell.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from reportgen.errors import InputError
from reportgen.load.catalogue import Aggregation, Catalogue, Measure
from reportgen.load.data import PerformanceData
from reportgen.months import Month


@dataclass(frozen=True)
class Totals:
    numerator: Fraction
    denominator: Fraction | None


class Figures:
    """Exact aggregates of ``PerformanceData`` for the measures of a ``Catalogue``."""

    def __init__(
        self, catalogue: Catalogue, data: PerformanceData, vintage: Month | None = None
    ) -> None:
        self.catalogue = catalogue
        self.data = data
        self.vintage = vintage
        monthly = data.monthly if vintage is None else data.monthly_as_of(str(vintage))
        # measure -> month ("2014-03") -> (numerator, denominator)
        self._by_measure: dict[str, dict[str, tuple[Fraction, Fraction | None]]] = {
            str(measure): dict(
                zip(
                    group.index.get_level_values("month"),
                    zip(group["numerator"], group["denominator"], strict=True),
                    strict=True,
                )
            )
            for measure, group in monthly.groupby(level="measure", sort=True)
        }
        self._months: dict[str, list[Month]] = {
            measure: sorted(Month.parse(month) for month in rows)
            for measure, rows in self._by_measure.items()
        }
        self._vintages: dict[Month, Figures] = {}

    def as_of(self, edition: Month) -> Figures:
        """The figures as they stood for ``edition`` (before later revisions)."""
        if edition == self.vintage:
            return self
        if edition not in self._vintages:
            self._vintages[edition] = Figures(self.catalogue, self.data, edition)
        return self._vintages[edition]

    def has_data(self, measure_id: str) -> bool:
        measure = self.catalogue[measure_id]
        if measure.aggregation is Aggregation.REPORTED:
            return any(key[1] == measure_id for key in self.data.survey)
        if measure.has_own_rows:
            return measure_id in self._by_measure
        return all(self.has_data(part) for part in measure.components)

    def first_month(self, measure_id: str) -> Month | None:
        """The first month with data for the measure (the latest start of its parts)."""
        measure = self.catalogue[measure_id]
        if not measure.has_own_rows:
            starts = [self.first_month(part) for part in measure.components]
            return None if None in starts or not starts else max(starts)  # type: ignore[type-var]
        months = self.months_available(measure_id)
        return months[0] if months else None

    def months_available(self, measure_id: str) -> list[Month]:
        return self._months.get(measure_id, [])

    def _own_totals(self, measure: Measure, months: list[Month]) -> Totals:
        rows = self._by_measure.get(measure.id, {})
        wanted = [str(m) for m in months]
        missing = [m for m in wanted if m not in rows]
        if missing:
            raise InputError(
                f"no figure for {measure.id} in {', '.join(missing)}",
                file=self.data.monthly_file,
                hint=f"add a row '{measure.id},{missing[0]},…' (every month of the window "
                f"{wanted[0]}..{wanted[-1]} is needed)",
            )
        numerator = sum((rows[m][0] for m in wanted), Fraction(0))
        if measure.aggregation is Aggregation.RATIO:
            denominator = sum((rows[m][1] or Fraction(0) for m in wanted), Fraction(0))
            return Totals(numerator, denominator)
        return Totals(numerator, None)

    def count(self, measure_id: str, months: list[Month]) -> Fraction:
        """Sum of a count measure (``sum`` or ``sum_of``) over ``months``."""
        measure = self.catalogue[measure_id]
        if measure.aggregation is Aggregation.SUM_OF:
            return sum((self.count(part, months) for part in measure.components), Fraction(0))
        return self._own_totals(measure, months).numerator

    def totals(self, measure_id: str, months: list[Month]) -> Totals:
        """Numerator and denominator of a rate (or the count) over ``months``."""
        measure = self.catalogue[measure_id]
        if measure.aggregation is Aggregation.RATIO_OF:
            numerator, denominator = measure.components
            return Totals(self.count(numerator, months), self.count(denominator, months))
        if measure.aggregation is Aggregation.RATIO:
            return self._own_totals(measure, months)
        return Totals(self.count(measure_id, months), None)

    def value(self, measure_id: str, months: list[Month]) -> Fraction | None:
        """The measure's figure over ``months``; None where a denominator is zero."""
        measure = self.catalogue[measure_id]
        if measure.aggregation is Aggregation.REPORTED:
            raise ValueError(f"{measure_id} is reported per edition, not aggregated")
        totals = self.totals(measure_id, months)
        if totals.denominator is None:
            return totals.numerator
        if totals.denominator == 0:
            return None
        return totals.numerator / totals.denominator * measure.scale

    def windowed(self, measure_id: str, edition: Month) -> tuple[list[Month], list[Month]]:
        """(this year's months, last year's months) of the measure's window."""
        window = self.catalogue[measure_id].window
        this_year = window.months(edition)
        return this_year, [m.shift(-12) for m in this_year]
