"""Measure catalogue: ``data/catalogue.yaml`` -> a validated ``Catalogue`` of ``Measure``s.

A measure says what a printed row means: its label, unit and decimals, which way is
better (polarity), how monthly figures aggregate, over which window, and from which
month last year's figure is comparable.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from reportgen.errors import InputError
from reportgen.load.yamlfile import Node, load_yaml, where
from reportgen.months import Month


class Unit(str, Enum):
    COUNT = "count"
    PERCENT = "percent"
    SECONDS = "seconds"
    DAYS = "days"


class Polarity(str, Enum):
    LOWER_IS_BETTER = "lower_is_better"
    HIGHER_IS_BETTER = "higher_is_better"


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


@dataclass(frozen=True)
class Window:
    kind: WindowKind
    lag: int = 0  # months in arrears of the edition

    def months(self, edition: Month) -> list[Month]:
        """The months this window covers for an edition, oldest first."""
        end = edition.shift(-self.lag)
        if self.kind is WindowKind.MONTH:
            return [end]
        if self.kind is WindowKind.ROLLING_12_MONTHS:
            return [end.shift(i) for i in range(-11, 1)]
        start = end.financial_year_start
        return [start.shift(i) for i in range(start.months_until(end) + 1)]


@dataclass(frozen=True)
class Measure:
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
    measures: Mapping[str, Measure]
    file: str

    def __getitem__(self, key: str) -> Measure:
        return self.measures[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.measures)

    def __len__(self) -> int:
        return len(self.measures)


_FIELDS = {
    "label",
    "unit",
    "decimals",
    "polarity",
    "aggregation",
    "window",
    "lag",
    "of",
    "numerator",
    "denominator",
    "scale",
    "comparable_from",
    "confidence_interval",
}


def _choice(enum: type[Enum], node: Node, key: str, default: Any = None) -> Any:
    raw = node.get(key, default)
    if raw is None:
        raise InputError(f"{key} is missing", **where(node), hint=f"add '{key}:'")
    try:
        return enum(raw)
    except ValueError:
        allowed = ", ".join(member.value for member in enum)  # type: ignore[attr-defined]
        raise InputError(f"{key} {raw!r} is not one of: {allowed}", **where(node, key)) from None


def _measure(measure_id: str, node: Any, file: str, line: int) -> Measure:
    if not isinstance(node, Node):
        raise InputError(f"measure {measure_id!r} must be a mapping", file=file, line=line)
    unknown = sorted(set(node) - _FIELDS)
    if unknown:
        raise InputError(
            f"measure {measure_id!r} has unknown field {unknown[0]!r}",
            **where(node, unknown[0]),
            hint=f"known fields: {', '.join(sorted(_FIELDS))}",
        )
    label = node.get("label")
    if not isinstance(label, str) or not label.strip():
        raise InputError(f"measure {measure_id!r} needs a printed label", **where(node))
    unit = _choice(Unit, node, "unit")
    polarity = _choice(Polarity, node, "polarity")
    aggregation = _choice(Aggregation, node, "aggregation")
    window = Window(_choice(WindowKind, node, "window"), int(node.get("lag", 0)))
    if window.lag < 0:
        raise InputError("lag must be 0 or more months", **where(node, "lag"))
    decimals = node.get("decimals", 0)
    if not isinstance(decimals, int) or not 0 <= decimals <= 4:
        raise InputError("decimals must be a whole number from 0 to 4", **where(node, "decimals"))
    components: tuple[str, ...] = ()
    if aggregation is Aggregation.SUM_OF:
        parts = node.get("of")
        if not isinstance(parts, list) or len(parts) < 2:
            raise InputError(
                "sum_of needs 'of:' listing two or more measures", **where(node, "aggregation")
            )
        components = tuple(str(p) for p in parts)
    elif aggregation is Aggregation.RATIO_OF:
        numerator, denominator = node.get("numerator"), node.get("denominator")
        if not numerator or not denominator:
            raise InputError(
                "ratio_of needs 'numerator:' and 'denominator:' measures",
                **where(node, "aggregation"),
            )
        components = (str(numerator), str(denominator))
    default_scale = 100 if unit is Unit.PERCENT and aggregation is not Aggregation.REPORTED else 1
    scale = node.get("scale", default_scale)
    if not isinstance(scale, int) or scale <= 0:
        raise InputError("scale must be a positive whole number", **where(node, "scale"))
    comparable_from = None
    if "comparable_from" in node:
        try:
            comparable_from = Month.parse(str(node["comparable_from"]))
        except ValueError as exc:
            raise InputError(str(exc), **where(node, "comparable_from")) from None
    return Measure(
        id=measure_id,
        label=" ".join(label.split()),
        unit=unit,
        decimals=decimals,
        polarity=polarity,
        aggregation=aggregation,
        window=window,
        components=components,
        scale=scale,
        comparable_from=comparable_from,
        confidence_interval=bool(node.get("confidence_interval", False)),
        line=node.line,
    )


def load_catalogue(path: Path, display_name: str | None = None) -> Catalogue:
    name = display_name or str(path)
    document = load_yaml(path, name)
    if not isinstance(document, Node) or not isinstance(document.get("measures"), Node):
        raise InputError("expected a top-level 'measures:' mapping", file=name, line=1)
    raw = document["measures"]
    measures = {
        str(key): _measure(str(key), value, name, raw.line_of(str(key)))
        for key, value in raw.items()
    }
    for measure in measures.values():
        for part in measure.components:
            if part not in measures:
                raise InputError(
                    f"measure {measure.id!r} is built from unknown measure {part!r}",
                    file=name,
                    line=measure.line,
                    hint="define it in the catalogue or correct the name",
                )
            if measures[part].aggregation not in (Aggregation.SUM, Aggregation.SUM_OF):
                raise InputError(
                    f"measure {measure.id!r} is built from {part!r}, which is not a count",
                    file=name,
                    line=measure.line,
                )
    return Catalogue(measures, name)
