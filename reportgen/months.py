"""Calendar months as the analysts name them, and the financial year (April-March)."""

from __future__ import annotations

import functools
import re

import msgspec

# The force's house style abbreviates September as "Sept".
_ABBREVIATIONS = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sept",
    "Oct",
    "Nov",
    "Dec",
)
_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_PATTERN = re.compile(r"([0-9]{4})-([0-9]{2})")  # ASCII: int() would read any script's digits
FIRST_MONTH_OF_FINANCIAL_YEAR = 4
# Editions and data months are written within these years; arithmetic (windows, lags)
# may step a little outside, but never to a year that cannot be written as YYYY.
FIRST_YEAR, LAST_YEAR = 1900, 2199


class Month(msgspec.Struct, frozen=True, order=True):
    year: int
    month: int

    def __post_init__(self) -> None:
        if not (1000 <= self.year <= 9999 and 1 <= self.month <= 12):
            raise ValueError(
                f"month {self.year}-{self.month} is outside the calendar reportgen knows"
            )

    @classmethod
    def parse(cls, text: str) -> Month:
        """Parse ``YYYY-MM``; raise ValueError with the expected form otherwise."""
        return _parse(text)

    @classmethod
    def _checked(cls, text: str) -> Month:
        match = _PATTERN.fullmatch(text.strip())
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise ValueError(f"{text!r} is not a month; write it as YYYY-MM, e.g. 2014-03")
        year = int(match.group(1))
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise ValueError(
                f"{text!r} is not a month of a report: the year must be from {FIRST_YEAR} "
                f"to {LAST_YEAR}"
            )
        return cls(year, int(match.group(2)))

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def shift(self, months: int) -> Month:
        index = self.year * 12 + (self.month - 1) + months
        found = _BY_INDEX.get(index)
        if found is None:
            found = _BY_INDEX[index] = Month(index // 12, index % 12 + 1)
        return found

    def months_until(self, other: Month) -> int:
        return (other.year * 12 + other.month) - (self.year * 12 + self.month)

    @property
    def abbr(self) -> str:
        """ "Mar 2014", "Sept 2013"."""
        return f"{_ABBREVIATIONS[self.month - 1]} {self.year}"

    @property
    def name(self) -> str:
        """ "March 2014"."""
        return f"{_NAMES[self.month - 1]} {self.year}"

    @property
    def month_name(self) -> str:
        return _NAMES[self.month - 1]

    @property
    def financial_year_start(self) -> Month:
        year = self.year if self.month >= FIRST_MONTH_OF_FINANCIAL_YEAR else self.year - 1
        return Month(year, FIRST_MONTH_OF_FINANCIAL_YEAR)

    @property
    def financial_year(self) -> str:
        """ "2013/14" for any month from April 2013 to March 2014."""
        start = self.financial_year_start.year
        return f"{start}/{(start + 1) % 100:02d}"


# months by their number since year 0: windows and lags step through the same few
# hundred months again and again (a Month is checked as it is made; these once)
_BY_INDEX: dict[int, Month] = {}


@functools.lru_cache(maxsize=8192)  # the same few hundred months are read many times
def _parse(text: str) -> Month:
    return Month._checked(text)


def month_range(first: Month, last: Month) -> list[Month]:
    """Every month from ``first`` to ``last`` inclusive, in order."""
    return [first.shift(i) for i in range(first.months_until(last) + 1)]
