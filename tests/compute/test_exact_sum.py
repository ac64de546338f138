"""``exact_sum`` adds whole numbers as ints, and is still exactly ``sum``."""

from __future__ import annotations

import random
from fractions import Fraction

from reportgen.compute.aggregate import exact_sum


def test_exact_sum_is_the_sum_of_the_fractions() -> None:
    pick = random.Random(12)
    for _ in range(200):
        values = [
            Fraction(pick.randint(-(10**6), 10**6), pick.choice([1, 1, 1, 2, 3, 10, 100]))
            for _ in range(pick.randint(0, 30))
        ]
        total = exact_sum(values)
        assert total == sum(values, Fraction(0))
        assert isinstance(total, Fraction)


def test_exact_sum_of_nothing_is_zero() -> None:
    assert exact_sum([]) == Fraction(0)
