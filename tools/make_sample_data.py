"""Construct the sample data set: the March 2014 edition and the eleven before it.

Reads the published figures from the golden table (tests/golden/march-2014-tables.csv)
and writes data/monthly.csv, data/revisions.csv, data/msg.csv and
data/survey_estimates.csv so that every printed row comes out exactly -- including the
previous editions' Better/Worse figures implied by "Improved/Worsened since Feb 2014"
(previous = printed diff - movement).

Everything the published edition does not give (the monthly split, the previous
editions back to April 2013, the 2011/12 year their movements and charts reach back
to, respondent counts, denominators, MSG averages and ranks, survey estimates of
earlier editions, the chart-only measures) is illustrative: a seasonal shape with
deterministic noise, searched so that the published figures hold.

The files are written to a scratch folder first and checked there: every one of the
twelve 2013/14 editions must compute, the March 2014 edition must give the golden table
cell for cell, and no figure may be implausible (a negative count, a rate over 100%,
more re-offenders than offenders). Only then are they copied into place; a failed check
leaves the data folder as it was. Run from the repository root:

    python tools/make_sample_data.py [--out DIR]
"""

from __future__ import annotations

import argparse
import csv
import math
import random
import shutil
import sys
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reportgen.compute.rules import confidence_interval, round_half_up  # noqa: E402
from reportgen.load.catalogue import (  # noqa: E402
    Aggregation,
    Polarity,
    Unit,
    WindowKind,
    load_catalogue,
)
from reportgen.months import Month, month_range  # noqa: E402

EDITION = Month(2014, 3)
FY_LAST = month_range(Month(2012, 4), Month(2013, 3))
FY_THIS = month_range(Month(2013, 4), Month(2014, 3))
SURVEY_FIRST = Month(2012, 1)  # rolling 12 months back to the Dec 2013 edition's last year
LAGGED_LAST = Month(2013, 9)  # six months in arrears of March 2014
# The twelve editions of 2013/14. April 2013's previous edition (March 2013) compares
# 2012/13 with 2011/12, so the year-to-date measures reach back to April 2011; so do the
# lagged measures (April 2013 shows October 2012 against October 2011, and its trend
# chart starts in November 2011) and the rolling 12 months of satisfaction.
EDITIONS = month_range(Month(2013, 4), EDITION)
FY_EARLIER = month_range(Month(2011, 4), Month(2012, 3))

catalogue = load_catalogue(ROOT / "data/catalogue.yaml")
rows: dict[tuple[str, Month], tuple[Fraction, Fraction | None]] = {}
# figures as they stood for the February 2014 edition, before later recoding
revisions: dict[tuple[str, Month], tuple[Fraction, Fraction | None]] = {}
REVISED_AFTER = Month(2014, 2)


@dataclass(frozen=True)
class Published:
    last_year: Decimal | None
    this_year: Decimal
    previous_diff: Decimal | None  # the Feb 2014 edition's Better/Worse
    ci: tuple[Decimal, Decimal] | None = None


def _number(cell: str) -> Decimal | None:
    return None if cell == "n/a" else Decimal(cell.rstrip("%"))


def _movement(cell: str) -> Decimal | None:
    if cell == "n/a":
        return None
    if cell == "Same":
        return Decimal(0)
    return Decimal(cell.split("(")[1].split("%")[0])


def read_published() -> dict[str, Published]:
    labels = {m.label: m.id for m in catalogue.values()}
    result: dict[str, Published] = {}
    last_id = None
    with open(ROOT / "tests/golden/march-2014-tables.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["kind"] == "measure":
                last_id = labels[row["label"]]
                diff, move = _number(row["diff"]), _movement(row["movement"])
                previous = None if diff is None or move is None else diff - move
                result[last_id] = Published(
                    _number(row["last_year"]), _number(row["this_year"]), previous
                )
            elif row["kind"] == "confidence_interval":
                p = result[last_id]
                ci = (Decimal(row["last_year"].rstrip("%")), Decimal(row["this_year"].rstrip("%")))
                result[last_id] = Published(p.last_year, p.this_year, p.previous_diff, ci)
    return result


def pct_change(before: int, after: int) -> Decimal:
    return round_half_up(Fraction(after - before, before) * 100, 1)


def partners(before: int, target: Decimal) -> list[int]:
    """Every count ``after`` whose percentage change from ``before`` prints as ``target``."""
    centre = before * (1 + float(target) / 100)
    return [
        a
        for a in range(math.floor(centre) - 2, math.ceil(centre) + 3)
        if a >= 0 and pct_change(before, a) == target
    ]


def shown(numerator: int, denominator: int, decimals: int, scale: int = 100) -> Decimal:
    return round_half_up(Fraction(numerator, denominator) * scale, decimals)


def spread(total: int, months: list[Month], seed: str, amplitude: float = 0.12) -> list[int]:
    """Split ``total`` over ``months`` with a seasonal shape; the parts add up exactly."""
    rng = random.Random(seed)
    weights = [
        1 + amplitude * math.sin(2 * math.pi * (m.month + 1) / 12) + rng.uniform(-0.05, 0.05)
        for m in months
    ]
    raw = [total * w / sum(weights) for w in weights]
    parts = [math.floor(x) for x in raw]
    for i in sorted(range(len(raw)), key=lambda i: parts[i] - raw[i])[: total - sum(parts)]:
        parts[i] += 1
    return parts


def put(measure: str, months: list[Month], values: list[int], dens: list[int] | None = None):
    for index, month in enumerate(months):
        den = None if dens is None else Fraction(dens[index])
        rows[(measure, month)] = (Fraction(values[index]), den)


def feb_pair(ly12: int, ty12: int, target: Decimal | None) -> tuple[int, int]:
    """Feb-cumulative (last year, this year) near 11/12 of the year meeting ``target``.

    The search widens until it finds a pair: a large printed movement needs a March
    far from the average month. Where no pair fits below the March totals, the February
    figures must have been revised since (as the printed notes say of recoded KSIs): the
    pair may then exceed them and ``fytd_count`` records the February vintage.
    """
    base_ly, base_ty = round(ly12 * 11 / 12), round(ty12 * 11 / 12)
    for revised in (False, True):
        for width in (0.04, 0.08, 0.15, 0.3):
            best = None
            reach_ly, reach_ty = max(3, int(ly12 * width)), max(3, int(ty12 * width))
            top_ly = base_ly + reach_ly + 1 if revised else min(ly12, base_ly + reach_ly + 1)
            top_ty = base_ty + reach_ty + 1 if revised else min(ty12, base_ty + reach_ty + 1)
            for ly in range(max(1, base_ly - reach_ly), top_ly):
                candidates = (
                    range(max(0, base_ty - reach_ty), top_ty)
                    if target is None
                    else partners(ly, target)
                )
                for ty in candidates:
                    if not base_ty - reach_ty <= ty < top_ty:
                        continue
                    score = abs(ly - base_ly) / ly12 + abs(ty - base_ty) / ty12
                    if best is None or score < best[0]:
                        best = (score, ly, ty)
            if best is not None:
                return best[1], best[2]
    raise SystemExit(f"no Feb pair for {ly12}, {ty12}, {target}")


def write_year(measure: str, months: list[Month], total12: int, total11: int) -> None:
    """Write a financial year whose first eleven months add up to ``total11``.

    If the February edition's eleven months exceed the year as it stands now, today's
    figures get an ordinary March and the February vintage goes to revisions.
    """
    if total11 < total12:
        put(
            measure,
            months,
            spread(total11, months[:-1], measure + str(months[0])) + [total12 - total11],
        )
        return
    current11 = round(total12 * 11 / 12)
    current = spread(current11, months[:-1], measure + str(months[0]))
    put(measure, months, current + [total12 - current11])
    extra = spread(total11 - current11, months[:-1], measure + "revision")
    for month, now, added in zip(months[:-1], current, extra, strict=True):
        if added:
            revisions[(measure, month)] = (Fraction(now + added), None)


def fytd_count(measure: str, ly12: int, ty12: int, ly11: int, ty11: int) -> None:
    write_year(measure, FY_LAST, ly12, ly11)
    write_year(measure, FY_THIS, ty12, ty11)


def simple_counts(published: dict[str, Published], measures: list[str]) -> None:
    for measure in measures:
        p = published[measure]
        ly12, ty12 = int(p.last_year), int(p.this_year)
        fytd_count(measure, ly12, ty12, *feb_pair(ly12, ty12, p.previous_diff))


def ksi(published: dict[str, Published]) -> None:
    total, fatal, serious = (
        published[k] for k in ("ksi", "ksi_fatalities", "ksi_serious_injuries")
    )
    best = None
    for f_ly in range(20, int(fatal.this_year)):
        for f_ty in range(20, int(fatal.this_year)):
            if pct_change(f_ly, f_ty) != fatal.previous_diff:
                continue
            for s_ly in range(540, int(serious.last_year)):
                for s_ty in partners(s_ly, serious.previous_diff):
                    if pct_change(f_ly + s_ly, f_ty + s_ty) != total.previous_diff:
                        continue
                    score = abs(f_ly - 35) + abs(s_ly - 575) / 4
                    if best is None or score < best[0]:
                        best = (score, f_ly, f_ty, s_ly, s_ty)
    assert best, "no KSI split"
    _, f_ly, f_ty, s_ly, s_ty = best
    fytd_count("ksi_fatalities", int(fatal.last_year), int(fatal.this_year), f_ly, f_ty)
    fytd_count("ksi_serious_injuries", int(serious.last_year), int(serious.this_year), s_ly, s_ty)


def numerator_for(display: Decimal, denominator: int, decimals: int, scale: int = 100) -> int:
    guess = round(float(display) / scale * denominator)
    for step in range(0, 2000):
        for k in (guess + step, guess - step):
            if 0 <= k and shown(k, denominator, decimals, scale) == display:
                return k
    raise SystemExit(f"no numerator for {display} over {denominator}")


def solved_rate(published: dict[str, Published]) -> None:
    crime, rate = published["all_crime"], published["solved_crime_rate"]
    ly12, ty12 = int(crime.last_year), int(crime.this_year)
    ly11, ty11 = feb_pair(ly12, ty12, crime.previous_diff)
    fytd_count("all_crime", ly12, ty12, ly11, ty11)
    solved_ly12 = numerator_for(rate.last_year, ly12, 2)
    solved_ty12 = numerator_for(rate.this_year, ty12, 2)
    feb_ly_rate = rate.last_year - Decimal("0.11")  # illustrative: a little lower in February
    solved_ly11 = numerator_for(feb_ly_rate, ly11, 2)
    solved_ty11 = numerator_for(feb_ly_rate + rate.previous_diff, ty11, 2)
    fytd_count("crimes_solved", solved_ly12, solved_ty12, solved_ly11, solved_ty11)


def own_ratio(measure: str, p: Published, dens12: tuple[int, int], feb_offset: str) -> None:
    m = catalogue[measure]
    for months, display, den12, feb_display in (
        (FY_LAST, p.last_year, dens12[0], p.last_year + Decimal(feb_offset)),
        (FY_THIS, p.this_year, dens12[1], p.last_year + Decimal(feb_offset) + p.previous_diff),
    ):
        den11 = round(den12 * 11 / 12)
        num12 = numerator_for(display, den12, m.decimals, m.scale)
        num11 = numerator_for(feb_display, den11, m.decimals, m.scale)
        dens = spread(den11, months[:-1], measure + "den" + str(months[0]), 0.05)
        nums = [round(num11 * d / den11) for d in dens]
        nums[-1] += num11 - sum(nums)
        put(measure, months, nums + [num12 - num11], dens + [den12 - den11])


def lagged_counts(published: dict[str, Published]) -> None:
    """Section 3 and repeat offenders: single months six months in arrears."""
    sep12, sep13 = Month(2012, 9), Month(2013, 9)
    aug12, aug13 = Month(2012, 8), Month(2013, 8)
    for group in (
        ("youth_offenders", "youth_reoffenders", "youth_reoffending_rate"),
        ("adult_offenders", "adult_reoffenders", "adult_reoffending_rate"),
    ):
        offenders, reoffenders, rate = (published[k] for k in group)
        best = None
        o_base, r_base = int(offenders.last_year), int(reoffenders.last_year)
        for o_ly in range(o_base - o_base // 10, o_base + o_base // 10):
            for o_ty in partners(o_ly, offenders.previous_diff):
                for r_ly in range(r_base - r_base // 10, r_base + r_base // 10):
                    for r_ty in partners(r_ly, reoffenders.previous_diff):
                        diff = shown(r_ty, o_ty, 1) - shown(r_ly, o_ly, 1)
                        if diff != rate.previous_diff:
                            continue
                        score = abs(o_ly - o_base) / o_base + abs(r_ly - r_base) / r_base
                        if best is None or score < best[0]:
                            best = (score, o_ly, o_ty, r_ly, r_ty)
        assert best, f"no split for {group}"
        _, o_ly, o_ty, r_ly, r_ty = best
        for measure, level, aug, sep in (
            (group[0], o_base, (o_ly, o_ty), (offenders.last_year, offenders.this_year)),
            (group[1], r_base, (r_ly, r_ty), (reoffenders.last_year, reoffenders.this_year)),
        ):
            months = month_range(Month(2012, 4), LAGGED_LAST)
            if measure == group[0]:
                offenders_by_month = spread(level * len(months), months, measure)
                values = offenders_by_month
            else:  # re-offenders follow the offenders at a steady illustrative rate
                rng = random.Random(measure)
                rate = r_base / o_base
                values = [round(o * rate * rng.uniform(0.97, 1.03)) for o in offenders_by_month]
            put(measure, months, values)
            put(measure, [aug12, aug13, sep12, sep13], [aug[0], aug[1], int(sep[0]), int(sep[1])])
    repeat = published["da_repeat_offenders"]
    level = int(repeat.last_year)
    months = month_range(Month(2012, 4), LAGGED_LAST)
    put("da_repeat_offenders", months, spread(level * len(months), months, "repeat"))
    aug_ly = level - 1
    aug_ty = next(
        t for t in range(aug_ly - 10, aug_ly + 10) if pct_change(aug_ly, t) == repeat.previous_diff
    )
    put(
        "da_repeat_offenders",
        [aug12, aug13, sep12, sep13],
        [aug_ly, aug_ty, int(repeat.last_year), int(repeat.this_year)],
    )


def survey_totals(display: Decimal, ci: Decimal, base_n: int) -> tuple[int, int]:
    """(satisfied, respondents) near ``base_n`` that print as ``display`` with ``ci``."""
    for step in range(0, 3000):
        for n in (base_n + step, base_n - step):
            if n < 200:
                continue
            k = round(float(display) / 100 * n)
            for kk in (k - 1, k, k + 1):
                if (
                    shown(kk, n, 1) == display
                    and confidence_interval(Fraction(kk, n), Fraction(n)) == f"{ci}%"
                ):
                    return kk, n
    raise SystemExit(f"no respondents for {display} ±{ci}")


def satisfaction(measure: str, p: Published, base_n: int) -> None:
    assert p.ci is not None
    k_ly, n_ly = survey_totals(p.last_year, p.ci[0], base_n)
    k_ty, n_ty = survey_totals(p.this_year, p.ci[1], base_n)
    mar12, feb12 = Month(2012, 3), Month(2012, 2)
    dens_ly = spread(n_ly, FY_LAST, measure + "n-ly", 0.05)
    nums_ly = [round(k_ly * d / n_ly) for d in dens_ly]
    nums_ly[-1] += k_ly - sum(nums_ly)
    n13, k13 = dens_ly[-1], nums_ly[-1]
    n14 = round(n_ty / 12)
    n12 = round(n_ly / 12)
    best = None
    for k14 in range(round(n14 * 0.6), n14 + 1):
        ty_feb = shown(k_ty - k14 + k13, n_ty - n14 + n13, 1)
        for k12 in range(round(n12 * 0.6), n12 + 1):
            ly_feb = shown(k_ly - k13 + k12, n_ly - n13 + n12, 1)
            if ty_feb - ly_feb != p.previous_diff:
                continue
            score = abs(k14 / n14 - k_ty / n_ty) + abs(k12 / n12 - k_ly / n_ly)
            if best is None or score < best[0]:
                best = (score, k14, k12)
    assert best, f"no March split for {measure}"
    _, k14, k12 = best
    rest = n_ty - n14
    dens_ty = spread(rest, FY_THIS[:-1], measure + "n-ty", 0.05)
    nums_ty = [round((k_ty - k14) * d / rest) for d in dens_ty]
    nums_ty[-1] += (k_ty - k14) - sum(nums_ty)
    put(measure, FY_LAST, nums_ly, dens_ly)
    put(measure, FY_THIS, nums_ty + [k14], dens_ty + [n14])
    jan12 = Month(2012, 1)  # the January 2014 edition's previous edition reaches back here
    put(
        measure,
        [mar12, feb12, jan12],
        [k12, round(k_ly / n_ly * n12), round(k_ly / n_ly * n12)],
        [n12, n12, n12],
    )


def illustrative_counts(measure: str, yearly: int, change: float) -> None:
    last = spread(yearly, FY_LAST, measure + "ly")
    this = spread(round(yearly * (1 + change)), FY_THIS, measure + "ty")
    put(measure, FY_LAST + FY_THIS, last + this)


def sickness(measure: str, headcount: int, days_ly: float, days_ty: float) -> None:
    for months, days in ((FY_LAST, days_ly), (FY_THIS, days_ty)):
        heads = [headcount] * 12
        lost = spread(round(days * headcount), months, measure + str(months[0]), 0.25)
        put(measure, months, lost, heads)


# --- 2011/12: the year the April 2013 edition's movements and charts reach back to -----

# How much higher (or lower) each count was in 2011/12 than in 2012/13 (illustrative:
# crime and casualties falling, prosecutions rising).
EARLIER_CHANGE = {
    "night_time_economy_crimes": 0.07,
    "class_a_supply_prosecutions": -0.05,
    "collisions": 0.04,
    "ksi_fatalities": 0.10,
    "ksi_serious_injuries": 0.03,
    "ksi_powered_two_wheelers": 0.02,
    "ksi_young_drivers": 0.08,
    "ksi_pedestrians": -0.03,
    "ksi_cyclists": -0.06,
    "ksi_children": 0.05,
    "ksi_drink_drivers": 0.20,
    "all_crime": 0.06,
    "repeat_victims": 0.04,
    "repeat_business_victims": 0.09,
    "asb_incidents": 0.11,
}
# 2011/12's rate less 2012/13's, in percentage points (seconds for the switchboard)
EARLIER_RATE_SHIFT = {
    "da_solved_rate": -0.3,
    "emergency_attendance": 2.5,  # the early part of 2012/13 was the difficult one
    "emergency_calls": -0.6,
    "switchboard_wait": 1.4,
    "satisfaction_contact": -0.3,
    "satisfaction_action": -0.8,
    "satisfaction_informed": -1.5,
    "satisfaction_treatment": 0.2,
    "satisfaction_overall": -0.7,
}
# Lagged measures: offenders' change from 2012/13, and the re-offending rate's shift
EARLIER_OFFENDERS = {
    "youth_offenders": 0.06,
    "adult_offenders": 0.02,
    "da_repeat_offenders": -0.04,
}
EARLIER_REOFFENDING_SHIFT = {"youth_reoffenders": 1.0, "adult_reoffenders": 0.4}


def year_total(measure: str, months: list[Month]) -> tuple[Fraction, Fraction | None]:
    numerators = [rows[(measure, m)][0] for m in months]
    denominators = [rows[(measure, m)][1] for m in months]
    if None in denominators:
        return sum(numerators, Fraction(0)), None
    return sum(numerators, Fraction(0)), sum(denominators, Fraction(0))  # type: ignore[arg-type]


def jitter(seed: str, spread_: float, count: int) -> list[float]:
    rng = random.Random(seed)
    return [rng.uniform(1 - spread_, 1 + spread_) for _ in range(count)]


def earlier_counts() -> None:
    for measure, change in EARLIER_CHANGE.items():
        total, _ = year_total(measure, FY_LAST)
        put(measure, FY_EARLIER, spread(round(total * (1 + change)), FY_EARLIER, measure + "fy11"))
    # victim-based crime and crimes solved are shares of all crime month by month, so
    # neither can exceed it
    crimes = [int(rows[("all_crime", m)][0]) for m in FY_EARLIER]
    for measure, shift in (("victim_based_crime", 0.0), ("crimes_solved", -0.006)):
        share = year_total(measure, FY_LAST)[0] / year_total("all_crime", FY_LAST)[0] + Fraction(
            shift
        )
        noise = jitter(measure + "fy11", 0.02, 12)
        put(
            measure,
            FY_EARLIER,
            [round(c * float(share) * n) for c, n in zip(crimes, noise, strict=True)],
        )


def earlier_rates() -> None:
    for measure, shift in EARLIER_RATE_SHIFT.items():
        m = catalogue[measure]
        satisfaction_survey = m.window.kind is WindowKind.ROLLING_12_MONTHS
        num, den = year_total(measure, FY_LAST)
        assert den is not None
        rate = num / den + Fraction(shift) / m.scale
        if satisfaction_survey:
            # April to December 2011, with January 2012's number of respondents a month
            months = month_range(FY_EARLIER[0], Month(2011, 12))
            dens = [int(rows[(measure, Month(2012, 1))][1])] * len(months)  # type: ignore[arg-type]
        else:
            months = FY_EARLIER
            dens = spread(round(den * Fraction(99, 100)), months, measure + "den fy11", 0.05)
        noise = jitter(measure + "fy11", 0.01 if satisfaction_survey else 0.003, len(months))
        nums = [round(d * float(rate) * n) for d, n in zip(dens, noise, strict=True)]
        if m.unit is Unit.PERCENT:
            nums = [min(k, d) for k, d in zip(nums, dens, strict=True)]
        put(measure, months, nums, dens)


def earlier_lagged() -> None:
    for measure, change in EARLIER_OFFENDERS.items():
        total, _ = year_total(measure, FY_LAST)
        put(measure, FY_EARLIER, spread(round(total * (1 + change)), FY_EARLIER, measure + "fy11"))
    for reoffenders, shift in EARLIER_REOFFENDING_SHIFT.items():
        offenders = reoffenders.replace("reoffenders", "offenders")
        rate = year_total(reoffenders, FY_LAST)[0] / year_total(offenders, FY_LAST)[0]
        rate += Fraction(shift) / 100
        noise = jitter(reoffenders + "fy11", 0.03, 12)
        put(
            reoffenders,
            FY_EARLIER,
            [
                round(int(rows[(offenders, m)][0]) * float(rate) * n)
                for m, n in zip(FY_EARLIER, noise, strict=True)
            ],
        )


def earlier_year() -> None:
    earlier_counts()
    earlier_rates()
    earlier_lagged()


def generate(published: dict[str, Published]) -> None:
    simple_counts(
        published,
        [
            "night_time_economy_crimes",
            "class_a_supply_prosecutions",
            "collisions",
            "ksi_powered_two_wheelers",
            "ksi_young_drivers",
            "ksi_pedestrians",
            "ksi_cyclists",
            "ksi_children",
            "ksi_drink_drivers",
            "victim_based_crime",
            "repeat_victims",
            "repeat_business_victims",
            "asb_incidents",
        ],
    )
    ksi(published)
    solved_rate(published)
    lagged_counts(published)
    for measure, ratio in (
        ("da_incidents", 1.04),
        ("da_repeat_incidents", 1.05),
        ("da_offences", 0.97),
    ):
        this_year = int(published[measure].this_year)
        fytd_count(
            measure,
            round(this_year * ratio),
            this_year,
            round(this_year * ratio * 11 / 12),
            round(this_year * 11 / 12),
        )
    put(
        "da_victimless_prosecutions",
        month_range(Month(2013, 11), EDITION),
        [9, 12, 11, 8, int(published["da_victimless_prosecutions"].this_year)],
    )
    own_ratio("da_solved_rate", published["da_solved_rate"], (8400, 9524), "0")
    own_ratio("emergency_attendance", published["emergency_attendance"], (60000, 58000), "0")
    own_ratio("emergency_calls", published["emergency_calls"], (300000, 295000), "0")
    own_ratio("switchboard_wait", published["switchboard_wait"], (900000, 880000), "0")
    for measure, base_n in (
        ("satisfaction_contact", 1300),
        ("satisfaction_action", 1900),
        ("satisfaction_informed", 1800),
        ("satisfaction_treatment", 1750),
        ("satisfaction_overall", 1950),
    ):
        satisfaction(measure, published[measure], base_n)
    for measure, yearly, change in (
        ("incidents_drug", 9800, -0.06),
        ("incidents_alcohol", 27500, -0.04),
        ("incidents_mental_health", 14200, 0.09),
        ("disposal_charge", 17600, 0.03),
        ("disposal_caution", 7900, -0.12),
        ("disposal_penalty_notice", 2900, -0.21),
        ("disposal_cannabis_warning", 2300, -0.15),
        ("disposal_community_resolution", 2100, 0.38),
        ("disposal_taken_into_consideration", 3400, -0.07),
    ):
        illustrative_counts(measure, yearly, change)
    sickness("sickness_officers", 3500, 8.6, 8.1)
    sickness("sickness_staff", 2200, 9.4, 9.0)
    sickness("sickness_pcsos", 380, 10.9, 9.7)
    earlier_year()


# --- MSG rankings and survey estimates, per edition ---------------------------------------


def quarter_end_at_or_before(month: Month) -> Month:
    while month.month % 3:
        month = month.shift(-1)
    return month


def satisfaction_period(edition: Month) -> Month:
    """User satisfaction rankings: the 12 months to the last quarter end before the edition."""
    return quarter_end_at_or_before(edition.shift(-1))


def survey_period(edition: Month) -> Month:
    """CSEW estimates (and their rankings) arrive six months after their quarter ends."""
    return quarter_end_at_or_before(edition.shift(-6))


# Illustrative MSG ranks (1 = best of 8) of the editions before January 2014; January to
# March 2014 keep the ranks printed in March 2014.
SATISFACTION_RANKS = {  # by the period the ranking covers
    Month(2013, 3): {"contact": 6, "action": 6, "informed": 8, "treatment": 7, "overall": 8},
    Month(2013, 6): {"contact": 6, "action": 5, "informed": 7, "treatment": 8, "overall": 8},
    Month(2013, 9): {"contact": 7, "action": 5, "informed": 7, "treatment": 8, "overall": 8},
}
CRIME_RANKS = {  # by edition: (all crime, victim-based crime), three months to the month before
    Month(2013, 4): (5, 6),
    Month(2013, 5): (5, 6),
    Month(2013, 6): (6, 7),
    Month(2013, 7): (6, 7),
    Month(2013, 8): (7, 7),
    Month(2013, 9): (6, 7),
    Month(2013, 10): (6, 6),
    Month(2013, 11): (5, 7),
    Month(2013, 12): (6, 7),
}
SURVEY_RANKS = {  # by the period the estimate covers: (dealing with crime, good job)
    Month(2012, 9): (4, 6),
    Month(2012, 12): (5, 7),
    Month(2013, 3): (5, 7),
}
# CSEW estimates (percent, 12 months to the month) that no printed edition gives
SURVEY_ESTIMATES = {
    "csew_dealing_with_crime": {
        Month(2011, 9): Decimal("60.8"),
        Month(2011, 12): Decimal("61.2"),
        Month(2012, 3): Decimal("61.9"),
        Month(2012, 12): Decimal("61.0"),
        Month(2013, 3): Decimal("59.6"),
    },
    "csew_good_job": {
        Month(2011, 9): Decimal("59.1"),
        Month(2011, 12): Decimal("59.6"),
        Month(2012, 3): Decimal("60.0"),
        Month(2012, 12): Decimal("59.4"),
        Month(2013, 3): Decimal("57.8"),
    },
}
NOT_RANKED = (
    "emergency_attendance",
    "emergency_calls",
    "switchboard_wait",
    "repeat_victims",
    "repeat_business_victims",
    "solved_crime_rate",
    "asb_incidents",
)


def survey_series(published: dict[str, Published]) -> dict[str, dict[Month, Decimal]]:
    """Each CSEW measure's estimate by period end: the printed ones and the illustrative."""
    series = {}
    for measure, illustrative in SURVEY_ESTIMATES.items():
        p = published[measure]
        assert p.previous_diff is not None
        series[measure] = {
            **illustrative,
            Month(2012, 6): p.last_year,  # as the January and February 2014 editions say
            Month(2012, 9): p.last_year,
            Month(2013, 6): p.last_year + p.previous_diff,  # February 2014's this year
            Month(2013, 9): p.this_year,
        }
    return series


def survey_rows(published: dict[str, Published]) -> list[tuple[object, ...]]:
    series = survey_series(published)
    # April 2013's movement compares with March 2013, so that edition has estimates too
    editions = [EDITIONS[0].shift(-1), *EDITIONS]
    return [
        (edition, measure, series[measure][period.shift(-12)], series[measure][period], period)
        for measure in ("csew_dealing_with_crime", "csew_good_job")
        for edition in editions
        for period in [survey_period(edition)]
    ]


def rolling_rate(measure: str, end: Month) -> Fraction:
    num, den = year_total(measure, [end.shift(i) for i in range(-11, 1)])
    assert den
    return num / den * 100


def msg_average(value: Fraction | Decimal, rank: int, step: Fraction, measure: str) -> str:
    """An illustrative MSG average on the side of ``value`` its ``rank`` implies.

    Ranks 1-4 are better than the average, 5-8 worse, by ``step`` a place from the middle.
    """
    m = catalogue[measure]
    offset = (Fraction(rank) - Fraction(9, 2)) * step
    lower_is_better = m.polarity is Polarity.LOWER_IS_BETTER
    average = Fraction(value) - offset if lower_is_better else Fraction(value) + offset
    return str(round_half_up(average, m.decimals))


def msg_rows(published: dict[str, Published]) -> list[tuple[object, ...]]:
    series = survey_series(published)
    printed_editions = month_range(Month(2014, 1), EDITION)
    entries: list[tuple[object, ...]] = [
        # edition, measure, rank, MSG average (illustrative), period the ranking covers
        *[
            (ed, m, r, avg, "2013-12")
            for ed in printed_editions
            for m, r, avg in (
                ("satisfaction_contact", 7, "95.1"),
                ("satisfaction_action", 5, "82.6"),
                ("satisfaction_informed", 7, "78.4"),
                ("satisfaction_treatment", 8, "94.0"),
                ("satisfaction_overall", 8, "84.1"),
            )
        ],
        *[(ed, m, "n/a", "", "") for ed in EDITIONS for m in NOT_RANKED],
        *[
            (ed, "all_crime", 6, "95020", end)
            for ed, end in (("2014-01", "2013-12"), ("2014-02", "2014-01"), ("2014-03", "2014-02"))
        ],
        *[
            (ed, "victim_based_crime", 7, "84310", end)
            for ed, end in (("2014-01", "2013-12"), ("2014-02", "2014-01"), ("2014-03", "2014-02"))
        ],
        *[(ed, "csew_dealing_with_crime", 6, "60.1", "2013-09") for ed in ("2014-03",)],
        *[(ed, "csew_good_job", 8, "62.0", "2013-09") for ed in ("2014-03",)],
        *[(ed, "csew_dealing_with_crime", 6, "59.8", "2013-06") for ed in ("2014-01", "2014-02")],
        *[(ed, "csew_good_job", 8, "61.7", "2013-06") for ed in ("2014-01", "2014-02")],
    ]
    for edition in EDITIONS:
        if edition in printed_editions:
            continue
        period = satisfaction_period(edition)
        for short, rank in SATISFACTION_RANKS[period].items():
            measure = "satisfaction_" + short
            average = msg_average(rolling_rate(measure, period), rank, Fraction(4, 5), measure)
            entries.append((edition, measure, rank, average, period))
        fytd = month_range(edition.financial_year_start, edition)
        for measure, rank in zip(
            ("all_crime", "victim_based_crime"), CRIME_RANKS[edition], strict=True
        ):
            force = year_total(measure, fytd)[0]
            average = msg_average(force, rank, force * Fraction(3, 200), measure)
            entries.append((edition, measure, rank, average, edition.shift(-1)))
        survey = survey_period(edition)
        if survey == Month(2013, 6):  # the same ranking January and February 2014 print
            entries.append((edition, "csew_dealing_with_crime", 6, "59.8", survey))
            entries.append((edition, "csew_good_job", 8, "61.7", survey))
            continue
        for measure, rank in zip(
            ("csew_dealing_with_crime", "csew_good_job"), SURVEY_RANKS[survey], strict=True
        ):
            average = msg_average(series[measure][survey], rank, Fraction(4, 5), measure)
            entries.append((edition, measure, rank, average, survey))
    return entries


# --- writing, and the checks before the files go into place ------------------------------


def write(folder: Path, published: dict[str, Published]) -> None:
    order = {measure_id: i for i, measure_id in enumerate(catalogue)}
    with open(folder / "monthly.csv", "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["measure", "month", "numerator", "denominator"])
        for (measure, month), (num, den) in sorted(
            rows.items(), key=lambda item: (order[item[0][0]], item[0][1])
        ):
            assert catalogue[measure].aggregation in (Aggregation.SUM, Aggregation.RATIO)
            out.writerow([measure, month, num, "" if den is None else den])
    with open(folder / "revisions.csv", "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["measure", "month", "numerator", "denominator", "until_edition"])
        for (measure, month), (num, den) in sorted(
            revisions.items(), key=lambda item: (order[item[0][0]], item[0][1])
        ):
            out.writerow([measure, month, num, "" if den is None else den, REVISED_AFTER])
    with open(folder / "msg.csv", "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["edition", "measure", "rank", "msg_average", "period_end"])
        entries = msg_rows(published)
        out.writerows(sorted(entries, key=lambda r: (str(r[0]), order[str(r[1])])))
    with open(folder / "survey_estimates.csv", "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["edition", "measure", "last_year", "this_year", "period_end"])
        out.writerows(survey_rows(published))


def implausible() -> list[str]:
    """Figures no force would report: each as a line naming the measure and month."""
    problems = []
    months_by_measure: dict[str, list[Month]] = {}
    for (measure, month), (num, den) in sorted(rows.items()):
        months_by_measure.setdefault(measure, []).append(month)
        if num < 0 or (den is not None and den <= 0):
            problems.append(f"{measure} {month}: {num}/{den} is not a count")
        if den is not None and catalogue[measure].unit is Unit.PERCENT and num > den:
            problems.append(f"{measure} {month}: {num} of {den} is more than 100%")
    for measure, months in months_by_measure.items():
        if months != month_range(months[0], months[-1]):
            problems.append(f"{measure}: months missing between {months[0]} and {months[-1]}")
    for part, whole in (
        ("victim_based_crime", "all_crime"),
        ("crimes_solved", "all_crime"),
        ("youth_reoffenders", "youth_offenders"),
        ("adult_reoffenders", "adult_offenders"),
    ):
        for month in months_by_measure[part]:
            if rows[(part, month)][0] > rows[(whole, month)][0]:
                problems.append(f"{part} {month}: more than {whole}")
    return problems


def check_folder(data_folder: Path) -> list[str]:
    """Problems with the written data: an edition that fails, or a published cell that moved.

    Builds a scratch report folder (the layout, and the data just written) and computes
    every edition's tables with reportgen itself. Statement rows come from narrative, so
    March 2014 is compared with the golden table without them.
    """
    from reportgen.compute.edition import compute_tables, figures_csv
    from reportgen.errors import ReportgenError
    from reportgen.load.folder import load_report
    from reportgen.workflow import in_columns_of

    problems = implausible()
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch)
        shutil.copytree(ROOT / "layouts", report / "layouts")
        shutil.copytree(data_folder, report / "data")
        shutil.copy(ROOT / "data/catalogue.yaml", report / "data/catalogue.yaml")
        try:
            folder = load_report(report)
            computed = {e: figures_csv(compute_tables(folder, e)) for e in EDITIONS}
        except ReportgenError as error:
            return [*problems, f"reportgen refuses the data: {error}"]
    golden = (ROOT / "tests/golden/march-2014-tables.csv").read_text(encoding="utf-8")
    printed = [line for line in golden.splitlines() if ",statement," not in line]
    # in the golden table's columns: the MSG colour after them is not one of them
    if in_columns_of(golden, computed[EDITION]).splitlines() != printed:
        problems.append(f"the {EDITION} figures no longer match the golden table")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--out", type=Path, default=ROOT / "data", help="folder to write (default: data/)"
    )
    out_folder = parser.parse_args(argv).out
    published = read_published()
    generate(published)
    with tempfile.TemporaryDirectory() as scratch:
        written = Path(scratch)
        write(written, published)
        problems = check_folder(written)
        if problems:
            for problem in problems:
                print(f"make_sample_data: {problem}", file=sys.stderr)
            print("make_sample_data: nothing written", file=sys.stderr)
            return 1
        out_folder.mkdir(parents=True, exist_ok=True)
        for name in ("monthly.csv", "revisions.csv", "msg.csv", "survey_estimates.csv"):
            shutil.copy(written / name, out_folder / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
