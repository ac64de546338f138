"""Aggregate monthly rows over a window -> one exact figure per measure, and its making.

``Figures`` answers "what is this measure over these months?" for every aggregation
of the catalogue, as an ``Aggregate`` that keeps the monthly figures (and their
sources and revision vintage) it was summed from, so ``reportgen explain`` shows the
very numbers the printed cell came from. A missing month names the file, measure and
month. The monthly figures' columns are turned into plain look-ups once; each figure
is then a few dictionary reads.
"""

from __future__ import annotations

import weakref
from collections.abc import Hashable, Iterable
from fractions import Fraction

import msgspec

from reportgen.errors import InputError, ReportgenError
from reportgen.load.catalogue import Aggregation, Catalogue, Measure
from reportgen.load.data import PerformanceData
from reportgen.months import Month


class MissingFigures(InputError):
    """A measure's months with no figure, that a window needs: the same measure's met
    again (another table's or edition's window) is joined into one problem, so three
    missing rows are not told as thirteen."""

    def __init__(
        self,
        measure_id: str,
        missing: dict[str, str],  # month -> how an analyst adds it
        windows: tuple[tuple[str, str], ...],  # the windows that need them
        *,
        file: str,
    ) -> None:
        self.measure_id, self.missing, self.windows = measure_id, dict(missing), windows
        months = sorted(self.missing)
        first, last = min(w[0] for w in windows), max(w[1] for w in windows)
        needed = (
            f"every month of the window {first}..{last} is needed"
            if len(windows) == 1
            else f"the windows that need them run from {first} to {last}"
        )
        super().__init__(
            f"no figure for {measure_id} in {', '.join(months)}",
            file=file,
            hint=f"{self.missing[months[0]]} ({needed})",
        )

    def joined_with(self, other: ReportgenError) -> ReportgenError | None:
        if not (
            isinstance(other, MissingFigures)
            and (other.file, other.measure_id) == (self.file, self.measure_id)
        ):
            return None
        windows = tuple(sorted({*self.windows, *other.windows}))
        missing = {**self.missing, **other.missing}
        return MissingFigures(self.measure_id, missing, windows, file=str(self.file))


class Totals(msgspec.Struct, frozen=True):
    numerator: Fraction
    denominator: Fraction | None


class MonthFigure(msgspec.Struct, frozen=True):
    """One month's figures of a measure with its own rows, and where they come from."""

    measure_id: str
    month: Month
    numerator: Fraction
    denominator: Fraction | None
    source: str  # "data/monthly.csv:12", "data/performance.xlsx: Monthly!F12"
    until_edition: str = ""  # a revised vintage: the figure as it stood until this edition


class Aggregate(msgspec.Struct, frozen=True):
    """A measure over some months, with how it was made: the figure and its derivation.

    ``rows`` are the measure's own monthly figures (``sum``, ``ratio``); ``parts`` the
    aggregates it is built from (``sum_of``: the parts; ``ratio_of``: numerator and
    denominator). ``value`` is numerator / denominator x scale for a rate, the
    numerator for a count, and None where the denominator is zero.
    """

    measure_id: str
    aggregation: Aggregation
    months: tuple[Month, ...]
    numerator: Fraction
    denominator: Fraction | None
    scale: int
    value: Fraction | None
    rows: tuple[MonthFigure, ...] = ()
    parts: tuple[Aggregate, ...] = ()


MonthlyLookup = dict[str, dict[str, MonthFigure]]  # measure -> month ("2014-03") -> figure
# a measure with rows of its own over some months, as one vintage sees its figures (by
# the id of the figures' dict; the entry keeps the dict, and is used only with it)
OwnKey = tuple[str, Aggregation, int, int, tuple[Month, ...]]


class _Shared:
    """What every Figures over one loaded data set shares, made once: the look-ups per
    vintage, the revised figures, and the aggregates of measures with rows of their own
    (the editions of a year ask for the same months' figures again and again)."""

    def __init__(self) -> None:
        self.lookups: dict[str | None, MonthlyLookup] = {}
        self.revised: list[MonthFigure] | None = None  # earliest vintage first
        # with the figures each was made from: a key's id is only ever looked up with
        # the figures it names (should a vintage's look-ups ever be let go)
        self.own_aggregates: dict[OwnKey, tuple[dict[str, MonthFigure], Aggregate]] = {}
        # what later stages derive once per data set and catalogue (``Figures.keep``), with
        # the catalogue each was made with: a key's id is only ever looked up with it
        self.kept: dict[tuple[int, Hashable], tuple[Catalogue, object]] = {}


_SHARED: dict[int, _Shared] = {}


def _shared(data: PerformanceData) -> _Shared:
    shared = _SHARED.get(id(data))
    if shared is None:
        shared = _SHARED[id(data)] = _Shared()
        weakref.finalize(data, _SHARED.pop, id(data), None)
    return shared


def _lookup(data: PerformanceData, vintage: Month | None) -> MonthlyLookup:
    """The monthly figures as plain look-ups (as they stood for ``vintage``), built once
    per data set; a vintage changes only the few months a revision covers."""
    shared = _shared(data)
    key = None if vintage is None else str(vintage)
    if key in shared.lookups:
        return shared.lookups[key]
    if key is None:
        lookup: MonthlyLookup = {}
        figures = data.monthly
        for measure_id, month, numerator, denominator, source in zip(
            figures.measure,
            figures.month,
            figures.numerator,
            figures.denominator,
            figures.source,
            strict=True,
        ):
            lookup.setdefault(measure_id, {})[month] = MonthFigure(
                measure_id, Month.parse(month), numerator, denominator, source
            )
        shared.lookups[key] = lookup
        return lookup
    base = _lookup(data, None)
    if shared.revised is None:
        # the revised figures earliest vintage first (a stable sort: in order of measure
        # and month within a vintage); a vintage then takes its own from this short list
        revised = data.revisions
        shared.revised = sorted(
            (
                MonthFigure(measure_id, Month.parse(month), numerator, denominator, source, until)
                for measure_id, month, numerator, denominator, source, until in zip(
                    revised.measure,
                    revised.month,
                    revised.numerator,
                    revised.denominator,
                    revised.source,
                    revised.until_edition,
                    strict=True,
                )
            ),
            key=lambda figure: figure.until_edition,
        )
    # where several vintages cover the edition, the earliest still covering it wins
    earliest: dict[tuple[str, str], MonthFigure] = {}
    for figure in shared.revised:
        if figure.until_edition >= key:
            earliest.setdefault((figure.measure_id, str(figure.month)), figure)
    lookup = dict(base) if earliest else base
    for (measure_id, month), figure in earliest.items():
        if lookup[measure_id] is base.get(measure_id):  # copy only what a revision changes
            lookup[measure_id] = dict(base[measure_id])
        lookup[measure_id][month] = figure
    shared.lookups[key] = lookup
    return lookup


def exact_sum(values: Iterable[Fraction]) -> Fraction:
    """The exact sum, whole numbers (counts, nearly every figure) added as ints: the same
    Fraction as ``sum``, without normalising a Fraction at every step."""
    whole = 0
    parts: list[Fraction] = []
    for value in values:
        if value.denominator == 1:
            whole += value.numerator
        else:
            parts.append(value)
    return sum(parts, Fraction(whole))


class Figures:
    """Exact aggregates of ``PerformanceData`` for the measures of a ``Catalogue``."""

    def __init__(
        self, catalogue: Catalogue, data: PerformanceData, vintage: Month | None = None
    ) -> None:
        self.catalogue = catalogue
        self.data = data
        self.vintage = vintage
        self._by_measure = _lookup(data, vintage)
        self._shared = _shared(data)
        self._own_aggregates = self._shared.own_aggregates
        self._months: dict[str, list[Month]] = {}
        self._vintages: dict[Month, Figures] = {}

    def kept(self, key: Hashable) -> object | None:
        """What ``keep`` kept under ``key`` for this data set and catalogue, else None."""
        found = self._shared.kept.get((id(self.catalogue), key))
        return found[1] if found is not None and found[0] is self.catalogue else None

    def keep(self, key: Hashable, value: object) -> None:
        """Keep ``value``, derived from these figures (their data set and catalogue) alone
        under ``key``, which must name everything else it depends on."""
        self._shared.kept[(id(self.catalogue), key)] = (self.catalogue, value)

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
        if measure_id not in self._months:
            rows = self._by_measure.get(measure_id, {})
            self._months[measure_id] = sorted(figure.month for figure in rows.values())
        return self._months[measure_id]

    def _own_rows(self, measure: Measure, months: list[Month]) -> tuple[MonthFigure, ...]:
        figures = self._by_measure.get(measure.id, {})
        wanted = [str(m) for m in months]
        missing = [m for m in wanted if m not in figures]
        if missing:
            raise MissingFigures(
                measure.id,
                {month: self.data.how_to_add(measure.id, month) for month in missing},
                ((wanted[0], wanted[-1]),),
                file=self.data.monthly_file,
            )
        return tuple(figures[m] for m in wanted)

    def aggregate(self, measure_id: str, months: list[Month]) -> Aggregate:
        """The measure over ``months``, with the figures it was made from."""
        measure = self.catalogue[measure_id]
        kind = measure.aggregation
        if kind is Aggregation.REPORTED:
            raise ValueError(f"{measure_id} is reported per edition, not aggregated")
        rows: tuple[MonthFigure, ...] = ()
        parts: tuple[Aggregate, ...] = ()
        denominator: Fraction | None = None
        own: dict[str, MonthFigure] | None = None  # the measure's own figures, if any
        key: OwnKey | None = None
        if kind is Aggregation.SUM_OF:
            parts = tuple(self.aggregate(part, months) for part in measure.components)
            numerator = exact_sum(part.numerator for part in parts)
        elif kind is Aggregation.RATIO_OF:
            parts = tuple(self.aggregate(part, months) for part in measure.components)
            numerator, denominator = parts[0].numerator, parts[1].numerator
        else:
            own = self._by_measure.get(measure_id)
            if own is not None:
                key = (measure_id, kind, measure.scale, id(own), tuple(months))
                known = self._own_aggregates.get(key)
                if known is not None and known[0] is own:
                    return known[1]
            rows = self._own_rows(measure, months)
            numerator = exact_sum(row.numerator for row in rows)
            if kind is Aggregation.RATIO:
                denominator = exact_sum(row.denominator or Fraction(0) for row in rows)
        if denominator is None:
            value: Fraction | None = numerator
        elif denominator == 0:
            value = None
        else:
            value = numerator / denominator * measure.scale
        made = Aggregate(
            measure_id,
            kind,
            tuple(months),
            numerator,
            denominator,
            measure.scale if denominator is not None else 1,
            value,
            rows,
            parts,
        )
        if own is not None and key is not None:
            self._own_aggregates[key] = (own, made)
        return made

    def count(self, measure_id: str, months: list[Month]) -> Fraction:
        """Sum of a count measure (``sum`` or ``sum_of``) over ``months``."""
        return self.aggregate(measure_id, months).numerator

    def totals(self, measure_id: str, months: list[Month]) -> Totals:
        """Numerator and denominator of a rate (or the count) over ``months``."""
        aggregate = self.aggregate(measure_id, months)
        return Totals(aggregate.numerator, aggregate.denominator)

    def value(self, measure_id: str, months: list[Month]) -> Fraction | None:
        """The measure's figure over ``months``; None where a denominator is zero."""
        return self.aggregate(measure_id, months).value

    def windowed(self, measure_id: str, edition: Month) -> tuple[list[Month], list[Month]]:
        """(this year's months, last year's months) of the measure's window."""
        window = self.catalogue[measure_id].window
        this_year = window.months(edition)
        return this_year, [m.shift(-12) for m in this_year]
