"""One test per rule of the printed tables (reportgen.compute.rules, windows, aggregation).

Small ``Measure`` objects are made here; the figures quoted come from the printed
March 2014 edition where they illustrate a rule.
"""

from __future__ import annotations

from decimal import Decimal, localcontext
from fractions import Fraction
from pathlib import Path

import pytest

from reportgen.compute import rules
from reportgen.compute.aggregate import Figures
from reportgen.load.catalogue import (
    Aggregation,
    Measure,
    Polarity,
    Unit,
    Window,
    WindowKind,
    load_catalogue,
)
from reportgen.load.data import load_data
from reportgen.months import Month, month_range

LOWER = Polarity.LOWER_IS_BETTER
HIGHER = Polarity.HIGHER_IS_BETTER
FYTD = Window(WindowKind.FINANCIAL_YEAR_TO_DATE)


def count(polarity: Polarity = LOWER) -> Measure:
    return Measure("a_count", "A count", Unit.COUNT, 0, polarity, Aggregation.SUM, FYTD)


def rate(decimals: int = 1, polarity: Polarity = HIGHER) -> Measure:
    return Measure("a_rate", "A rate", Unit.PERCENT, decimals, polarity, Aggregation.RATIO, FYTD)


def seconds() -> Measure:
    return Measure("a_wait", "A wait", Unit.SECONDS, 0, LOWER, Aggregation.RATIO, FYTD)


def d(text: str) -> Decimal:
    return Decimal(text)


# --- percentage change (counts) -------------------------------------------------------


def test_percentage_change_of_counts_at_one_decimal():
    ksi = count()
    assert rules.difference(ksi, Fraction(669), Fraction(715)) == d("6.9")
    assert rules.format_difference(ksi, d("6.9"), percent_sign=False) == "6.9"
    assert rules.difference(ksi, Fraction(42), Fraction(37)) == d("-11.9")
    # an exact half of a tenth rounds away from zero: 401/400 is +0.25%
    assert rules.difference(ksi, Fraction(400), Fraction(401)) == d("0.3")
    assert rules.difference(ksi, Fraction(400), Fraction(399)) == d("-0.3")
    # a count's Better/Worse never carries "%", even where the table asks for it on rates
    assert rules.format_difference(ksi, d("6.9"), percent_sign=True) == "6.9"


def test_averages_in_seconds_are_a_plain_difference():
    wait = seconds()
    diff = rules.difference(wait, Fraction(11), Fraction(8))
    assert rules.format_difference(wait, diff, percent_sign=False) == "-3"


# --- percentage-point difference of displayed values ----------------------------------


def test_rate_difference_uses_the_displayed_values():
    youth = rate(1, LOWER)
    last, this = Fraction(88, 295) * 100, Fraction(90, 335) * 100
    assert rules.format_value(youth, last) == "29.8%"
    assert rules.format_value(youth, this) == "26.9%"
    # the trap: the unrounded rates differ by -2.96..., which would print -3.0
    assert rules.round_half_up(this - last, 1) == d("-3.0")
    diff = rules.difference(youth, last, this)
    assert diff == d("-2.9")
    assert rules.format_difference(youth, diff, percent_sign=True) == "-2.9%"
    assert rules.format_difference(youth, diff, percent_sign=False) == "-2.9"


def test_rate_difference_keeps_the_measures_decimals():
    solved = rate(2)
    diff = rules.difference(solved, Fraction(2700, 100), Fraction(2917, 100))
    assert rules.format_difference(solved, diff, percent_sign=False) == "2.17"
    assert rules.format_value(solved, Fraction(27)) == "27.00%"


# --- half-up rounding ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (Fraction(2885, 1000), 2, "2.89"),  # round(2.885, 2) == 2.88 (binary float below)
        (Fraction(1, 8), 2, "0.13"),  # round(0.125, 2) == 0.12 (half to even)
        (Fraction(5, 2), 0, "3"),  # round(2.5) == 2
        (Fraction(5, 100), 1, "0.1"),
        (Fraction(-285, 100), 1, "-2.9"),
        (Fraction(-1, 4), 1, "-0.3"),  # round(-0.25, 1) == -0.2
        (Decimal("0.125"), 2, "0.13"),
        (Decimal("-2.85"), 1, "-2.9"),
        (Decimal("2.84999"), 1, "2.8"),
    ],
)
def test_round_half_up_at_an_exact_half(value, decimals, expected):
    assert str(rules.round_half_up(value, decimals)) == expected


def test_python_round_gets_these_wrong():
    """Why the rule exists: the values above that round() would print differently."""
    assert round(2.885, 2) == 2.88
    assert round(0.125, 2) == 0.12
    assert round(2.5) == 2
    assert round(-0.25, 1) == -0.2


# --- no "-0.0" -------------------------------------------------------------------------


def test_no_negative_zero():
    assert str(rules.round_half_up(Fraction(-1, 100), 1)) == "0.0"
    assert str(rules.round_half_up(Decimal("-0.04"), 1)) == "0.0"
    assert rules.format_decimal(Decimal("-0.00"), 2) == "0.00"
    tiny_fall = rules.difference(count(), Fraction(100000), Fraction(99999))  # -0.001%
    assert rules.format_difference(count(), tiny_fall, percent_sign=False) == "0.0"
    assert rules.format_value(rate(1), Fraction(-1, 100)) == "0.0%"
    # a movement that rounds to zero is Same, never "Improved (-0.0% pt.)"
    assert rules.movement(count(), d("2.94"), d("2.96")) == rules.SAME


# --- movement --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("measure", "this_diff", "previous_diff", "expected"),
    [
        # lower is better: a rise is bad news, a fall good news
        (count(LOWER), "6.9", "2.9", "Worsened (4.0% pt.)"),  # KSI
        (count(LOWER), "28.8", "50.5", "Improved (-21.7% pt.)"),
        (rate(1, LOWER), "-2.9", "0.0", "Improved (-2.9% pt.)"),
        # higher is better: the sign of x is kept, and never gets a plus
        (rate(1, HIGHER), "1.5", "1.7", "Worsened (-0.2% pt.)"),
        (rate(1, HIGHER), "-0.6", "-0.9", "Improved (0.3% pt.)"),
        (rate(2, HIGHER), "2.17", "2.15", "Improved (0.02% pt.)"),
        (count(HIGHER), "-6.3", "-18.5", "Improved (12.2% pt.)"),
    ],
)
def test_movement_in_both_polarities(measure, this_diff, previous_diff, expected):
    text = rules.movement(measure, d(this_diff), d(previous_diff))
    assert text == expected
    assert "+" not in text


def days() -> Measure:
    return Measure("a_sickness", "Sickness", Unit.DAYS, 1, LOWER, Aggregation.RATIO, FYTD)


def test_an_average_moves_in_its_own_unit_not_in_percentage_points():
    # a wait's Better/Worse is a difference in seconds (8 - 11 = -3): its movement too
    assert rules.movement(seconds(), d("1"), d("-3")) == "Worsened (4 sec.)"
    assert rules.movement(seconds(), d("-5"), d("-3")) == "Improved (-2 sec.)"
    assert rules.movement(days(), d("-0.7"), d("-0.2")) == "Improved (-0.5 days)"


def test_movement_same():
    assert rules.movement(rate(1), d("0.5"), d("0.5")) == "Same"
    assert rules.movement(seconds(), d("-3"), d("-3")) == "Same"


def test_not_available():
    assert rules.movement(count(), None, d("2.9")) == "n/a"
    assert rules.movement(count(), d("6.9"), None) == "n/a"
    # a change from nothing has no percentage
    assert rules.difference(count(), Fraction(0), Fraction(46)) is None
    assert rules.format_difference(count(), None, percent_sign=False) == "n/a"
    assert rules.format_value(count(), None) == "n/a"


# --- number formats --------------------------------------------------------------------


def test_number_formats():
    assert rules.format_value(count(), Fraction(100144)) == "100144"  # no separator
    assert rules.format_value(rate(1), Fraction(945, 10)) == "94.5%"
    assert rules.format_value(rate(2), Fraction(2917, 100)) == "29.17%"
    assert rules.format_value(seconds(), Fraction(80, 10)) == "8"


# --- confidence interval ---------------------------------------------------------------


def test_confidence_interval():
    # 94.5% satisfied of about 1,390 respondents: 1.96 x sqrt(.945 x .055 / 1390) = 1.2%
    assert rules.confidence_interval(Fraction(945, 1000), Fraction(1390)) == "1.2%"
    # p = 0.5, n = 100: 1.96 x 0.05 = 9.8% (checks the 1.96 and the square root)
    assert rules.confidence_interval(Fraction(1, 2), Fraction(100)) == "9.8%"
    assert rules.confidence_interval(Fraction(1, 2), Fraction(0)) == "n/a"


# --- MSG ragging -----------------------------------------------------------------------


def test_msg_rag_higher_is_better():
    satisfaction = rate(1, HIGHER)
    assert rules.msg_rag(satisfaction, Fraction(945, 10), Fraction(951, 10)) == "red"
    assert rules.msg_rag(satisfaction, Fraction(826, 10), Fraction(820, 10)) == "green"
    # 94.51 and 94.54 both print 94.5: the same at display precision
    assert rules.msg_rag(satisfaction, Fraction(9451, 100), Fraction(9454, 100)) == "black"


def test_msg_rag_lower_is_better():
    crime = count(LOWER)
    assert rules.msg_rag(crime, Fraction(99346), Fraction(95020)) == "red"
    assert rules.msg_rag(crime, Fraction(89680), Fraction(95020)) == "green"
    assert rules.msg_rag(crime, Fraction(993464, 10), Fraction(993456, 10)) == "black"


# --- windows ---------------------------------------------------------------------------


def test_lagged_window():
    six_behind = Window(WindowKind.MONTH, lag=6)
    assert six_behind.months(Month(2014, 3)) == [Month(2013, 9)]
    assert six_behind.months(Month(2014, 2)) == [Month(2013, 8)]


def test_lagged_window_in_the_sample_catalogue(sample_report):
    figures = Figures(sample_report.catalogue, sample_report.data)
    this_year, last_year = figures.windowed("youth_offenders", Month(2014, 3))
    assert (this_year, last_year) == ([Month(2013, 9)], [Month(2012, 9)])
    assert figures.value("youth_offenders", this_year) == 335  # printed "Data for Sept 2013"


def test_rolling_window():
    rolling = Window(WindowKind.ROLLING_12_MONTHS)
    assert rolling.months(Month(2014, 3)) == month_range(Month(2013, 4), Month(2014, 3))
    # not tied to the financial year: January's 12 months start in February
    assert rolling.months(Month(2014, 1)) == month_range(Month(2013, 2), Month(2014, 1))
    assert Window(WindowKind.ROLLING_12_MONTHS, lag=1).months(Month(2014, 3)) == month_range(
        Month(2013, 3), Month(2014, 2)
    )


def test_a_window_s_months_are_the_caller_s_own():
    # the months are worked out once per window and edition: a caller that changes the
    # list it got changes nobody else's
    rolling = Window(WindowKind.ROLLING_12_MONTHS)
    first = rolling.months(Month(2014, 3))
    first.append(Month(2099, 1))
    first.reverse()
    assert rolling.months(Month(2014, 3)) == month_range(Month(2013, 4), Month(2014, 3))


def test_financial_year_to_date_crosses_the_calendar_year():
    assert FYTD.months(Month(2014, 2)) == month_range(Month(2013, 4), Month(2014, 2))
    assert len(FYTD.months(Month(2014, 3))) == 12
    assert FYTD.months(Month(2014, 1))[0] == Month(2013, 4)
    assert FYTD.months(Month(2013, 4)) == [Month(2013, 4)]  # a new year starts in April
    assert FYTD.months(Month(2013, 3)) == month_range(Month(2012, 4), Month(2013, 3))
    assert Window(WindowKind.FINANCIAL_YEAR_TO_DATE, lag=6).months(Month(2014, 3)) == (
        month_range(Month(2013, 4), Month(2013, 9))
    )


# --- aggregation: sum, sum_of, ratio, ratio_of -----------------------------------------

TINY_CATALOGUE = """\
measures:
  cars: {label: Cars, unit: count, polarity: lower_is_better, aggregation: sum,
         window: financial_year_to_date}
  vans: {label: Vans, unit: count, polarity: lower_is_better, aggregation: sum,
         window: financial_year_to_date}
  vehicles: {label: Vehicles, unit: count, polarity: lower_is_better, aggregation: sum_of,
             of: [cars, vans], window: financial_year_to_date}
  van_share: {label: Van share, unit: percent, decimals: 1, polarity: lower_is_better,
              aggregation: ratio_of, numerator: vans, denominator: vehicles, window: month}
  solved: {label: Solved, unit: percent, decimals: 1, polarity: higher_is_better,
           aggregation: ratio, window: month}
"""
FY = month_range(Month(2013, 4), Month(2014, 3))


@pytest.fixture
def tiny_figures(tmp_path: Path) -> Figures:
    """Cars 1..12 and vans 10..120 over April 2013 - March 2014; two months of 'solved'."""
    (tmp_path / "catalogue.yaml").write_text(TINY_CATALOGUE, encoding="utf-8")
    lines = ["measure,month,numerator,denominator"]
    for index, month in enumerate(FY, start=1):
        lines += [f"cars,{month},{index},", f"vans,{month},{10 * index},"]
    lines += ["solved,2014-01,3,4", "solved,2014-02,0,0"]
    (tmp_path / "monthly.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "msg.csv").write_text("edition,measure,rank,msg_average,period_end\n")
    (tmp_path / "survey_estimates.csv").write_text(
        "edition,measure,last_year,this_year,period_end\n"
    )
    catalogue = load_catalogue(tmp_path / "catalogue.yaml")
    return Figures(catalogue, load_data(tmp_path, catalogue))


def test_sum_over_the_window(tiny_figures):
    months = FYTD.months(Month(2014, 1))  # April..January: 1 + 2 + ... + 10
    assert tiny_figures.count("cars", months) == 55
    assert tiny_figures.count("vans", months) == 550


def test_composite_sum(tiny_figures):
    months = FYTD.months(Month(2014, 1))
    assert tiny_figures.count("vehicles", months) == 605
    assert tiny_figures.value("vehicles", months) == 605


def test_composite_sum_in_the_sample_data(sample_report):
    """KSI = fatalities + serious injuries: 37 + 678 = 715 (printed)."""
    figures = Figures(sample_report.catalogue, sample_report.data)
    months = FYTD.months(Month(2014, 3))
    fatal = figures.count("ksi_fatalities", months)
    serious = figures.count("ksi_serious_injuries", months)
    assert (fatal, serious) == (37, 678)
    assert figures.count("ksi", months) == fatal + serious == 715


def test_ratio_of_two_measures(tiny_figures):
    # January: vans 100 of vehicles 110
    assert tiny_figures.value("van_share", [Month(2014, 1)]) == Fraction(100, 110) * 100
    totals = tiny_figures.totals("van_share", [Month(2014, 1)])
    assert (totals.numerator, totals.denominator) == (100, 110)


def test_ratio_of_own_rows_and_a_zero_denominator(tiny_figures):
    assert tiny_figures.value("solved", [Month(2014, 1)]) == 75
    assert tiny_figures.value("solved", [Month(2014, 1), Month(2014, 2)]) == 75
    assert tiny_figures.value("solved", [Month(2014, 2)]) is None  # 0 / 0: n/a, no crash


def test_rounding_is_exact_past_the_decimal_context_s_digits() -> None:
    # a rate over a denominator typed to 32 decimal places runs to some 40 digits:
    # quantize refused it (InvalidOperation, a traceback from check); it is exact now
    huge = Fraction(952909) / Fraction(1, 10**32)
    assert rules.round_half_up(huge, 1) == Decimal(f"{952909 * 10**32}.0")
    assert rules.round_half_up(Fraction(-(10**40) - 5, 10), 0) == Decimal(-(10**39) - 1)
    assert rules.round_half_up(Decimal(f"{10**40}.25"), 1) == Decimal(f"{10**40}.3")


def test_differences_and_movements_are_exact_past_the_decimal_context_s_digits() -> None:
    # waits over denominators typed to 32 decimal places: the context's 28 digits printed
    # -23833333333333333333333333330000000000 for a difference of two 38-digit values
    wait = seconds()
    last, this = Fraction(825 * 10**35), Fraction(176 * 10**36 + 1, 3)
    with localcontext() as context:
        context.prec = 100
        exact = rules.round_half_up(this, 0) - rules.round_half_up(last, 0)
        previous = exact + 1
    assert str(exact).endswith("33333333333")
    assert rules.difference(wait, last, this) == exact
    assert rules.derive_movement(wait, exact, previous).change == Decimal(-1)
