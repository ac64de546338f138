"""Measure catalogue: ``data/catalogue.yaml`` -> a validated ``Catalogue`` of ``Measure``s.

A measure says what a printed row means: its label, unit and decimals, which way is
better (polarity), how monthly figures aggregate, over which window, and from which
month last year's figure is comparable.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import msgspec
from msgspec import Meta

from reportgen.errors import InputError, ProblemCollector
from reportgen.load.schema import (
    Label,
    MonthText,
    Spec,
    did_you_mean,
    entries,
    parse_document,
)
from reportgen.load.yamlfile import Node, read_text
from reportgen.months import Month

MAX_LAG = 120  # ten years in arrears: beyond that a month is not a monthly report's


class Unit(str, Enum):
    COUNT = "count"
    PERCENT = "percent"
    SECONDS = "seconds"
    DAYS = "days"


class Polarity(str, Enum):
    LOWER_IS_BETTER = "lower_is_better"
    HIGHER_IS_BETTER = "higher_is_better"

    @property
    def words(self) -> str:
        """The polarity in words ("lower is better"), as an explanation says it."""
        return self.value.replace("_", " ")


class Aggregation(str, Enum):
    SUM = "sum"  # sum of monthly counts
    RATIO = "ratio"  # summed numerator / summed denominator of the measure's own rows
    SUM_OF = "sum_of"  # sum of other measures (KSI = fatalities + serious injuries)
    RATIO_OF = "ratio_of"  # one measure's sum over another's (re-offending rate)
    REPORTED = "reported"  # an external survey estimate, reported per edition


class WindowKind(str, Enum):
    FINANCIAL_YEAR_TO_DATE = "financial_year_to_date"
    MONTH = "month"
    ROLLING_12_MONTHS = "rolling_12_months"


class Window(msgspec.Struct, frozen=True):
    kind: WindowKind
    lag: int = 0  # months in arrears of the edition

    def months(self, edition: Month) -> list[Month]:
        """The months this window covers for an edition, oldest first."""
        return list(_window_months(self, edition))


@functools.lru_cache(maxsize=4096)  # every table, chart and wording asks for the same few
def _window_months(window: Window, edition: Month) -> tuple[Month, ...]:
    end = edition.shift(-window.lag)
    if window.kind is WindowKind.MONTH:
        return (end,)
    if window.kind is WindowKind.ROLLING_12_MONTHS:
        return tuple(end.shift(i) for i in range(-11, 1))
    start = end.financial_year_start
    return tuple(start.shift(i) for i in range(start.months_until(end) + 1))


class Measure(msgspec.Struct, frozen=True):
    id: str
    label: str
    unit: Unit
    decimals: int
    polarity: Polarity
    aggregation: Aggregation
    window: Window
    components: tuple[str, ...] = ()  # sum_of: the parts; ratio_of: (numerator, denominator)
    scale: int = 1  # a ratio is multiplied by this (100 for a percentage)
    comparable_from: Month | None = None
    confidence_interval: bool = False
    line: int = 0

    @property
    def is_rate(self) -> bool:
        return self.aggregation in (Aggregation.RATIO, Aggregation.RATIO_OF, Aggregation.REPORTED)

    @property
    def has_own_rows(self) -> bool:
        """Whether the measure's figures are rows of ``data/monthly.csv``."""
        return self.aggregation in (Aggregation.SUM, Aggregation.RATIO)


@dataclass(frozen=True)
class Catalogue(Mapping[str, Measure]):
    """Every measure of ``data/catalogue.yaml`` by id, and the file's name."""

    measures: Mapping[str, Measure]
    file: str

    def __getitem__(self, key: str) -> Measure:
        return self.measures[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.measures)

    def __len__(self) -> int:
        return len(self.measures)


class MeasureEntry(Spec, frozen=True, kw_only=True):
    """One measure as ``data/catalogue.yaml`` writes it (see the comment atop that file)."""

    label: Label
    unit: Unit
    decimals: Annotated[int, Meta(ge=0, le=4)] = 0
    polarity: Polarity
    aggregation: Aggregation
    window: WindowKind
    lag: Annotated[int, Meta(ge=0, le=MAX_LAG)] = 0
    of: Annotated[tuple[str, ...], Meta(min_length=2)] | None = None
    numerator: str | None = None
    denominator: str | None = None
    scale: Annotated[int, Meta(ge=1, le=1_000_000)] | None = None
    comparable_from: MonthText | None = None
    confidence_interval: bool = False


class CatalogueFile(Spec, frozen=True, kw_only=True):
    measures: Any  # a mapping of measure id -> MeasureEntry, each checked on its own


_MEASURE_ID = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")


def _measure(measure_id: str, entry: MeasureEntry, line: int) -> Measure:
    """The catalogue entry as a ``Measure``; cross-field rules are checked by the caller."""
    if entry.aggregation is Aggregation.SUM_OF:
        components: tuple[str, ...] = entry.of or ()
    elif entry.aggregation is Aggregation.RATIO_OF:
        components = (entry.numerator or "", entry.denominator or "")
    else:
        components = ()
    reported = entry.aggregation is Aggregation.REPORTED
    default_scale = 100 if entry.unit is Unit.PERCENT and not reported else 1
    return Measure(
        id=measure_id,
        label=str(entry.label),
        unit=entry.unit,
        decimals=entry.decimals,
        polarity=entry.polarity,
        aggregation=entry.aggregation,
        window=Window(entry.window, entry.lag),
        components=components,
        scale=entry.scale if entry.scale is not None else default_scale,
        comparable_from=Month.parse(entry.comparable_from) if entry.comparable_from else None,
        confidence_interval=entry.confidence_interval,
        line=line,
    )


def _check_fields(
    measure_id: str, entry: MeasureEntry, node: Node, problems: ProblemCollector
) -> None:
    """Rules between a measure's own fields."""
    here = {"file": node.file}
    if not _MEASURE_ID.fullmatch(measure_id):
        problems.add(
            InputError(
                f"measure id {measure_id!r} must start with a letter and use only letters, digits "
                "and '_' (64 at most)",
                **here,
                line=node.line,
                hint="ids are used in the CSV files and in {placeholders:ID}",
            )
        )
    owned = {
        "of": Aggregation.SUM_OF,
        "numerator": Aggregation.RATIO_OF,
        "denominator": Aggregation.RATIO_OF,
    }
    for key, aggregation in owned.items():
        given = getattr(entry, key) is not None
        if given and entry.aggregation is not aggregation:
            problems.add(
                InputError(
                    f"'{key}' belongs to {aggregation.value} measures; this one is "
                    f"{entry.aggregation.value}",
                    **here,
                    line=node.line_of(key),
                    hint=f"remove '{key}:' or set 'aggregation: {aggregation.value}'",
                )
            )
        if not given and entry.aggregation is aggregation:
            problems.add(
                InputError(
                    f"{aggregation.value} needs '{key}:'",
                    **here,
                    line=node.line_of("aggregation"),
                    hint="sum_of lists two or more measures under 'of:'; ratio_of names a "
                    "'numerator:' and a 'denominator:' measure",
                )
            )
    if entry.scale is not None and entry.aggregation not in (
        Aggregation.RATIO,
        Aggregation.RATIO_OF,
    ):
        problems.add(
            InputError(
                "'scale' applies only to ratio and ratio_of measures",
                **here,
                line=node.line_of("scale"),
                hint="remove 'scale:'",
            )
        )
    if entry.confidence_interval and (
        entry.unit is not Unit.PERCENT
        or entry.aggregation not in (Aggregation.RATIO, Aggregation.RATIO_OF)
    ):
        problems.add(
            InputError(
                "a confidence interval needs a percentage of counts (unit percent, aggregation "
                "ratio or ratio_of): its respondents are the denominator",
                **here,
                line=node.line_of("confidence_interval"),
                hint="remove 'confidence_interval:'",
            )
        )


def _check_parts(measures: dict[str, Measure], name: str, problems: ProblemCollector) -> None:
    """Every part exists and is a count; no measure is built from itself."""
    for measure in measures.values():
        for part in measure.components:
            known = measures.get(part)
            if known is None:
                problems.add(
                    InputError(
                        f"measure {measure.id!r} is built from unknown measure {part!r}"
                        + did_you_mean(part, measures),
                        file=name,
                        line=measure.line,
                        hint="define it in the catalogue or correct the name",
                    )
                )
            elif known.aggregation not in (Aggregation.SUM, Aggregation.SUM_OF):
                problems.add(
                    InputError(
                        f"measure {measure.id!r} is built from {part!r}, which is not a count",
                        file=name,
                        line=measure.line,
                        hint="parts of sum_of and ratio_of measures are sum or sum_of measures",
                    )
                )
    in_a_loop: set[str] = set()  # a loop is reported once, at its first measure
    for measure in measures.values():
        loop = _loop_through(measure.id, measures)
        if loop and measure.id not in in_a_loop:
            in_a_loop.update(loop)
            problems.add(
                InputError(
                    f"measure {measure.id!r} is built from itself: {' -> '.join(loop)}",
                    file=name,
                    line=measure.line,
                    hint="a measure cannot include itself",
                )
            )


def _loop_through(start: str, measures: Mapping[str, Measure]) -> list[str] | None:
    """A chain of parts leading from ``start`` back to it, or None (looked for without
    recursion: a chain of parts may be as long as the catalogue)."""

    def parts(measure_id: str) -> Iterator[str]:
        return iter(measures[measure_id].components if measure_id in measures else ())

    path: list[str] = [start]
    seen: set[str] = set()
    pending = [parts(start)]
    while pending:
        part = next(pending[-1], None)
        if part is None:
            pending.pop()
            path.pop()
        elif part == start:
            return [*path, part]
        elif part not in seen:
            seen.add(part)
            path.append(part)
            pending.append(parts(part))
    return None


# how far a measure may be built from parts: a real catalogue nests a few levels (a rate
# of a sum of counts), and every table cell, chart point and explanation walks it all
MAX_DEPTH = 12  # parts of parts of ... parts
MAX_SERIES = 1000  # monthly series added up, each counted as often as the parts reach it


def _check_composition(measures: dict[str, Measure], name: str, problems: ProblemCollector) -> None:
    """No measure is built through more than ``MAX_DEPTH`` levels of parts, or from more
    than ``MAX_SERIES`` series: told once, at the measure where the limit is first passed
    (the measures built from it pass it too, and are mended with it)."""
    depth: dict[str, int] = {}
    series: dict[str, int] = {}
    deepest: dict[str, str] = {}  # the part its depth comes through
    for measure_id in _parts_first(measures):
        parts = [p for p in measures[measure_id].components if p in depth]
        if not parts:
            depth[measure_id], series[measure_id] = 0, 1
            continue
        through = max(parts, key=depth.__getitem__)
        depth[measure_id] = depth[through] + 1
        deepest[measure_id] = through
        series[measure_id] = min(sum(series[p] for p in parts), MAX_SERIES + 1)
        measure = measures[measure_id]
        if depth[measure_id] == MAX_DEPTH + 1:
            chain = [measure_id]
            while chain[-1] in deepest:
                chain.append(deepest[chain[-1]])
            problems.add(
                InputError(
                    f"measure {measure_id!r} is built through {MAX_DEPTH + 1} levels of parts "
                    f"({' -> '.join(chain)}); at most {MAX_DEPTH} are read",
                    file=name,
                    line=measure.line,
                    hint="build it from the counts directly, not from parts of parts",
                )
            )
        elif series[measure_id] > MAX_SERIES and all(series[p] <= MAX_SERIES for p in parts):
            problems.add(
                InputError(
                    f"measure {measure_id!r} adds up more than {MAX_SERIES} monthly series "
                    "through its parts (a part reached by several routes counts each time)",
                    file=name,
                    line=measure.line,
                    hint="build it from fewer parts, each reached once",
                )
            )


def _parts_first(measures: Mapping[str, Measure]) -> list[str]:
    """Every measure not in a loop, each after its parts (a measure in a loop, and every
    measure built from one, is told of by ``_check_parts``)."""
    order: list[str] = []
    done: set[str] = set()
    for start in measures:
        pending = [(start, iter(measures[start].components))]
        on_path = {start}
        while pending:
            measure_id, parts = pending[-1]
            part = next(parts, None)
            if part is None:
                pending.pop()
                on_path.discard(measure_id)
                if measure_id not in done:
                    done.add(measure_id)
                    order.append(measure_id)
            elif part in measures and part not in done and part not in on_path:
                on_path.add(part)
                pending.append((part, iter(measures[part].components)))
    # a measure reached again while still on the path is a loop: leave out what needs it
    placed: set[str] = set()
    ordered = []
    for measure_id in order:
        if all(p in placed or p not in measures for p in measures[measure_id].components):
            placed.add(measure_id)
            ordered.append(measure_id)
    return ordered


def load_catalogue(path: Path, display_name: str | None = None) -> Catalogue:
    """``data/catalogue.yaml`` -> the ``Catalogue``; every problem in the file at once."""
    name = display_name or str(path)
    problems = ProblemCollector()
    document = parse_document(
        read_text(path, name), name, CatalogueFile, problems, expected="a 'measures:' mapping"
    )
    raw = document["measures"]
    entries_ = entries(raw, MeasureEntry, problems, file=name, what="'measures'", entry="measure")
    measures: dict[str, Measure] = {}
    for measure_id, entry in entries_.items():
        _check_fields(measure_id, entry, raw[measure_id], problems)
        measures[measure_id] = _measure(measure_id, entry, raw.line_of(measure_id))
    if not measures and not problems:
        problems.add(InputError("the catalogue defines no measures", file=name, line=raw.line))
    _check_parts(measures, name, problems)
    _check_composition(measures, name, problems)
    problems.raise_if_any()
    return Catalogue(measures, name)
