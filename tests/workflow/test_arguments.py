"""Numbers on the command line are read as written: ASCII digits, within a sane range.
Anything else is a usage error naming the option, never a traceback, and never a value
guessed from 'inf', '1e308' or another script's digits (which int() and float() accept)."""

from __future__ import annotations

import pytest

from reportgen.cli import EXIT_USAGE, _parser

FULLWIDTH_MARCH = "\uff12\uff10\uff11\uff14-\uff10\uff13"  # 2014-03 in fullwidth digits
ARABIC_MARCH = "\u0662\u0660\u0661\u0664-\u0660\u0663"


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        (("build", "--edition", "2013-04..2013-05", "--jobs", "\u00b2"), "not a number of jobs"),
        (("build", "--edition", "2013-04..2013-05", "--jobs", "\uff12"), "not a number of jobs"),
        (("build", "--edition", "2013-04..2013-05", "--jobs", "9" * 5000), "not a number of jobs"),
        (("figures", "--edition", FULLWIDTH_MARCH), "is not a month; write it as YYYY-MM"),
        (("check", "--edition", ARABIC_MARCH), "is not a month; write it as YYYY-MM"),
        *(
            (("send", "--to", "pcc-office", "--max-mb", size), "is not a size in MB")
            for size in ("inf", "nan", "1e308", "-1", "0", "1001", "\u0661\u0660", "")
        ),
    ],
)
def test_a_number_not_written_in_ascii_digits_or_out_of_range_is_a_usage_error(
    arguments: tuple[str, ...], says: str, run_cli
) -> None:
    result = run_cli(*arguments)
    assert result.code == EXIT_USAGE, result
    assert f"argument {'--edition' if 'month' in says else arguments[-2]}: " in result.err
    assert says in result.err and "Traceback" not in result.err, result.err


def test_sizes_and_jobs_written_plainly_are_read() -> None:
    parsed = _parser().parse_args(["send", "--to", "pcc-office", "--max-mb", "2.5"])
    assert parsed.max_mb == 2.5
    parsed = _parser().parse_args(["build", "--edition", "2013-04..2013-05", "--jobs", "2"])
    assert parsed.jobs == 2
