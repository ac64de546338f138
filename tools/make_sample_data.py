"""Construct the sample data set of the March 2014 edition.

Reads the published figures from the golden table (tests/golden/march-2014-tables.csv)
and writes data/monthly.csv, data/msg.csv and data/survey_estimates.csv so that every
printed row comes out exactly -- including the previous editions' Better/Worse figures
implied by "Improved/Worsened since Feb 2014" (previous = printed diff - movement).

Everything the published edition does not give (the monthly split, the previous
editions, respondent counts, denominators, MSG averages, the chart-only measures) is
illustrative: a seasonal shape with deterministic noise, searched so that the
published figures hold. Run from the repository root:

    python tools/make_sample_data.py
"""

from __future__ import annotations

import csv
import math
import random
import sys
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reportgen.compute.rules import confidence_interval, round_half_up  # noqa: E402
from reportgen.load.catalogue import Aggregation, WindowKind, load_catalogue  # noqa: E402
from reportgen.months import Month, month_range  # noqa: E402

EDITION = Month(2014, 3)
FY_LAST = month_range(Month(2012, 4), Month(2013, 3))
FY_THIS = month_range(Month(2013, 4), Month(2014, 3))
SURVEY_FIRST = Month(2012, 1)  # rolling 12 months back to the Dec 2013 edition's last year
LAGGED_LAST = Month(2013, 9)  # six months in arrears of March 2014

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


def main() -> None:
    published = read_published()
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
    write(published)


def write(published: dict[str, Published]) -> None:
    order = {measure_id: i for i, measure_id in enumerate(catalogue)}
    with open(ROOT / "data/monthly.csv", "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["measure", "month", "numerator", "denominator"])
        for (measure, month), (num, den) in sorted(
            rows.items(), key=lambda item: (order[item[0][0]], item[0][1])
        ):
            assert catalogue[measure].aggregation in (Aggregation.SUM, Aggregation.RATIO)
            out.writerow([measure, month, num, "" if den is None else den])
    with open(ROOT / "data/revisions.csv", "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["measure", "month", "numerator", "denominator", "until_edition"])
        for (measure, month), (num, den) in sorted(
            revisions.items(), key=lambda item: (order[item[0][0]], item[0][1])
        ):
            out.writerow([measure, month, num, "" if den is None else den, REVISED_AFTER])
    msg = [
        # edition, measure, rank, MSG average (illustrative), period the ranking covers
        *[
            (ed, m, r, avg, "2013-12")
            for ed in ("2014-01", "2014-02", "2014-03")
            for m, r, avg in (
                ("satisfaction_contact", 7, "95.1"),
                ("satisfaction_action", 5, "82.6"),
                ("satisfaction_informed", 7, "78.4"),
                ("satisfaction_treatment", 8, "94.0"),
                ("satisfaction_overall", 8, "84.1"),
            )
        ],
        *[
            (ed, m, "n/a", "", "")
            for ed in ("2014-01", "2014-02", "2014-03")
            for m in (
                "emergency_attendance",
                "emergency_calls",
                "switchboard_wait",
                "repeat_victims",
                "repeat_business_victims",
                "solved_crime_rate",
                "asb_incidents",
            )
        ],
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
    with open(ROOT / "data/msg.csv", "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["edition", "measure", "rank", "msg_average", "period_end"])
        out.writerows(sorted(msg, key=lambda r: (r[0], order[r[1]])))
    with open(ROOT / "data/survey_estimates.csv", "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["edition", "measure", "last_year", "this_year", "period_end"])
        for measure in ("csew_dealing_with_crime", "csew_good_job"):
            p = published[measure]
            feb_this = p.last_year + p.previous_diff
            out.writerow(["2014-01", measure, p.last_year, feb_this, "2013-06"])
            out.writerow(["2014-02", measure, p.last_year, feb_this, "2013-06"])
            out.writerow(["2014-03", measure, p.last_year, p.this_year, "2013-09"])
    _ = WindowKind  # the windows themselves are read by reportgen, not here


if __name__ == "__main__":
    main()
