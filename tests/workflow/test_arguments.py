"""Numbers on the command line are read as written: ASCII digits, within a sane range.
Anything else is a usage error naming the option, never a traceback, and never a value
guessed from 'inf', '1e308' or another script's digits (which int() and float() accept)."""

from __future__ import annotations

import pytest

from reportgen.assemble.worker import SERIAL_ENV, serial_requested
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
        # kept in the manifest for good and listed by 'editions': one line of text
        *(
            (("archive", "--reissue", "--reason", reason), "the reason must say why in words")
            for reason in (
                "",
                "  ",
                "\u202e",
                "\U0001f693",
                "line one\nline two",
                "bad byte \udcff",
                "corrected \u202eerugif eht",
                "zero\u200bwidth",
            )
        ),
        (("archive", "--reissue", "--reason", "x" * 301), "keep it to 300"),
    ],
)
def test_a_number_not_written_in_ascii_digits_or_out_of_range_is_a_usage_error(
    arguments: tuple[str, ...], says: str, run_cli
) -> None:
    result = run_cli(*arguments)
    assert result.code == EXIT_USAGE, result
    option = "--edition" if "month" in says else arguments[-2]
    # the usage line, then the one error line every problem is told in
    error = result.err.splitlines()[-1]
    assert result.err.startswith(f"usage: reportgen {arguments[0]} "), result.err
    assert [line for line in result.err.splitlines() if "error" in line] == [error]
    assert error.startswith(f"reportgen: error: {arguments[0]}: argument {option}: "), error
    assert says in error and "Traceback" not in result.err, result.err


@pytest.mark.parametrize(
    ("value", "serial"),
    [("", False), ("0", False), ("false", False), ("No", False), (" off ", False),
     ("1", True), ("yes", True), ("true", True)],
)  # fmt: skip
def test_reportgen_serial_0_means_off(
    value: str, serial: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SERIAL_ENV, value)
    assert serial_requested() is serial


def test_sizes_and_jobs_written_plainly_are_read() -> None:
    parsed = _parser().parse_args(["send", "--to", "pcc-office", "--max-mb", "2.5"])
    assert parsed.max_mb == 2.5
    parsed = _parser().parse_args(["build", "--edition", "2013-04..2013-05", "--jobs", "2"])
    assert parsed.jobs == 2
    parsed = _parser().parse_args(["archive", "--reissue", "--reason", " corrected road deaths "])
    assert parsed.reason == "corrected road deaths"
