"""The rules that derive each printed cell, on exact numbers.

Every function takes exact values (``Fraction`` or ``Decimal``) and returns the
``Decimal`` as printed or the printed string; nothing here reads data. The
``derive_*`` functions return the same result with its inputs and unrounded value (a
small frozen record): the compute stage keeps it beside the printed cell, and
``reportgen explain`` formats it, so the explanation is the computation itself.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext
from enum import Enum
from fractions import Fraction

import msgspec

from reportgen.load.catalogue import Measure, Polarity, Unit

NOT_AVAILABLE = "n/a"
SAME = "Same"
IMPROVED = "Improved"
WORSENED = "Worsened"
# 95% two-sided normal quantile, the survey standard
Z_95 = Decimal("1.96")
# more digits than any printed value has: a figure is below 10**15 and typed to at most
# 32 decimal places, so a rate is below 10**49, printed to a few decimal places
EXACT_DIGITS = 100


def round_half_up(value: Fraction | Decimal, decimals: int) -> Decimal:
    """Round as a spreadsheet does: halves away from zero (2.85 -> 2.9, -2.85 -> -2.9)."""
    quantum = Decimal(1).scaleb(-decimals)
    if isinstance(value, Fraction):
        # exact: scale, then round the rational number itself, never a float near it
        scaled = value * 10**decimals
        whole, remainder = divmod(abs(scaled.numerator), scaled.denominator)
        if 2 * remainder >= scaled.denominator:
            whole += 1
        sign = -1 if scaled < 0 else 1
        # from its digits: exact at any size (quantize keeps to the context's 28 digits,
        # and refuses a rate over a denominator typed to 32 decimal places)
        result = Decimal(f"{sign * whole}E{-decimals}")
    else:
        with localcontext() as context:  # as many digits as the value has, and more
            context.prec = max(context.prec, value.adjusted() + decimals + 2)
            result = value.quantize(quantum, rounding=ROUND_HALF_UP)
    return result + Decimal(0) if result == 0 else result  # no "-0.0"


def subtract(minuend: Decimal, subtrahend: Decimal) -> Decimal:
    """``minuend - subtrahend``, exact: the decimal context keeps 28 digits, and a rate
    over a denominator typed to many decimal places runs to some 50."""
    with localcontext() as context:
        context.prec = max(context.prec, EXACT_DIGITS)
        return minuend - subtrahend


def format_decimal(value: Decimal, decimals: int) -> str:
    text = f"{value:.{decimals}f}"
    return text[1:] if text.startswith("-") and Decimal(text) == 0 else text


def displayed_value(measure: Measure, value: Fraction) -> Decimal:
    """The value as printed, as a number: counts whole, rates at their decimals."""
    return round_half_up(value, measure.decimals)


def format_value(measure: Measure, value: Fraction | None) -> str:
    """28181, 43.3%, 27.00%, 8: counts plain with no separator, rates with '%'."""
    if value is None:
        return NOT_AVAILABLE
    text = format_decimal(displayed_value(measure, value), measure.decimals)
    return text + "%" if measure.unit is Unit.PERCENT else text


def difference_decimals(measure: Measure) -> int:
    return 1 if measure.unit is Unit.COUNT else measure.decimals


class DifferenceRule(str, Enum):
    PERCENT_CHANGE = "percentage change"  # counts
    DISPLAYED_DIFFERENCE = "difference of the displayed values"  # rates and averages


class Difference(msgspec.Struct, frozen=True):
    """The Better/Worse figure and how it was made."""

    rule: DifferenceRule
    last_year: Fraction | Decimal  # percentage change: the values; otherwise as displayed
    this_year: Fraction | Decimal
    unrounded: Fraction | Decimal | None  # None: a change from nothing
    value: Decimal | None
    decimals: int


def derive_difference(measure: Measure, last_year: Fraction, this_year: Fraction) -> Difference:
    """The Better/Worse figure.

    Counts: percentage change at one decimal ((715 - 669) / 669 -> 6.9). Rates and
    averages: the difference of the *displayed* values at the measure's decimals
    (26.9% - 29.8% -> -2.9, never -3.0 from the unrounded rates).
    """
    decimals = difference_decimals(measure)
    if measure.unit is Unit.COUNT:
        if last_year == 0:
            # a change from nothing has no percentage
            return Difference(DifferenceRule.PERCENT_CHANGE, last_year, this_year, None, None, 1)
        change = (this_year - last_year) / last_year * 100
        return Difference(
            DifferenceRule.PERCENT_CHANGE,
            last_year,
            this_year,
            change,
            round_half_up(change, decimals),
            decimals,
        )
    last, this = displayed_value(measure, last_year), displayed_value(measure, this_year)
    return Difference(
        DifferenceRule.DISPLAYED_DIFFERENCE,
        last,
        this,
        subtract(this, last),
        subtract(this, last),
        decimals,
    )


def difference(measure: Measure, last_year: Fraction, this_year: Fraction) -> Decimal | None:
    return derive_difference(measure, last_year, this_year).value


def format_difference(measure: Measure, diff: Decimal | None, *, percent_sign: bool) -> str:
    if diff is None:
        return NOT_AVAILABLE
    text = format_decimal(diff, difference_decimals(measure))
    return text + "%" if percent_sign and measure.unit is Unit.PERCENT else text


# what x of "Improved (x...)" is counted in: a count's Better/Worse figure is a percentage
# change and a rate's a difference of percentages, so either moves in percentage points
# (as printed); an average in seconds or days moves in seconds or days
MOVEMENT_UNITS = {
    Unit.COUNT: "% pt.",
    Unit.PERCENT: "% pt.",
    Unit.SECONDS: " sec.",
    Unit.DAYS: " days",
}


class Movement(msgspec.Struct, frozen=True):
    """Improved / Worsened / Same since the previous edition, and how it was read."""

    this_difference: Decimal | None
    previous_difference: Decimal | None
    change: Decimal | None  # this - previous, at the difference's decimals
    polarity: Polarity
    good: bool | None  # None: Same, or n/a
    text: str


def derive_movement(
    measure: Measure, this_diff: Decimal | None, previous_diff: Decimal | None
) -> Movement:
    """movement = this edition's displayed difference - the previous edition's.

    Its sign and the measure's polarity say whether that is good news; x keeps its sign.
    """
    if this_diff is None or previous_diff is None:
        return Movement(this_diff, previous_diff, None, measure.polarity, None, NOT_AVAILABLE)
    decimals = difference_decimals(measure)
    change = round_half_up(subtract(this_diff, previous_diff), decimals)
    if change == 0:
        return Movement(this_diff, previous_diff, change, measure.polarity, None, SAME)
    good = change < 0 if measure.polarity is Polarity.LOWER_IS_BETTER else change > 0
    amount = f"{format_decimal(change, decimals)}{MOVEMENT_UNITS[measure.unit]}"
    text = f"{IMPROVED if good else WORSENED} ({amount})"
    return Movement(this_diff, previous_diff, change, measure.polarity, good, text)


def movement(measure: Measure, this_diff: Decimal | None, previous_diff: Decimal | None) -> str:
    return derive_movement(measure, this_diff, previous_diff).text


class Interval(msgspec.Struct, frozen=True):
    """A 95% confidence interval's half-width and its inputs."""

    proportion: Fraction  # p, satisfied / respondents
    respondents: Fraction  # n
    half_width: Decimal | None  # 1.96 x sqrt(p(1 - p) / n) x 100, unrounded
    text: str


def derive_confidence_interval(rate: Fraction, respondents: Fraction) -> Interval:
    """Half-width of the 95% interval of a proportion: 1.96 x sqrt(p(1 - p) / n)."""
    if respondents <= 0:
        return Interval(rate, respondents, None, NOT_AVAILABLE)
    with localcontext() as context:
        context.prec = 40
        p = Decimal(rate.numerator) / Decimal(rate.denominator)
        n = Decimal(respondents.numerator) / Decimal(respondents.denominator)
        half_width = Z_95 * (p * (1 - p) / n).sqrt() * 100
        text = format_decimal(round_half_up(half_width, 1), 1) + "%"
    return Interval(rate, respondents, half_width, text)


def confidence_interval(rate: Fraction, respondents: Fraction) -> str:
    return derive_confidence_interval(rate, respondents).text


class MsgColour(msgspec.Struct, frozen=True):
    """MSG ragging: our displayed figure against the MSG average's, read by polarity."""

    ours: Decimal
    theirs: Decimal
    polarity: Polarity
    colour: str  # green / red / black


def derive_msg_rag(measure: Measure, this_year: Fraction, msg_average: Fraction) -> MsgColour:
    """Green better than the MSG average, red worse, black the same.

    Compared at display precision, so a force that prints the same as the average is
    the same.
    """
    ours = displayed_value(measure, this_year)
    theirs = displayed_value(measure, msg_average)
    if ours == theirs:
        return MsgColour(ours, theirs, measure.polarity, "black")
    better = ours < theirs if measure.polarity is Polarity.LOWER_IS_BETTER else ours > theirs
    return MsgColour(ours, theirs, measure.polarity, "green" if better else "red")


def msg_rag(measure: Measure, this_year: Fraction, msg_average: Fraction) -> str:
    return derive_msg_rag(measure, this_year, msg_average).colour
