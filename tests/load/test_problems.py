"""Several problems reported at once: sorted by file and line, one line each, counted."""

from __future__ import annotations

import io
import pickle

from reportgen.cli import MAX_REPORTED, report_errors
from reportgen.errors import InputError, ProblemCollector, Problems


def test_collector_flattens_and_sorts() -> None:
    problems = ProblemCollector()
    with problems.attempt():
        raise InputError("second", file="b.yaml", line=3)
    with problems.attempt():
        raise Problems(
            [InputError("third", file="b.yaml", line=9), InputError("first", file="a.csv")]
        )
    try:
        problems.raise_if_any()
    except Problems as exc:
        assert [p.message for p in exc.problems] == ["first", "second", "third"]
    else:
        raise AssertionError("Problems not raised")


def test_one_problem_is_raised_as_itself() -> None:
    problems = ProblemCollector()
    with problems.attempt():
        raise InputError("only", file="a.csv", line=2)
    try:
        problems.raise_if_any()
    except InputError as exc:
        assert not isinstance(exc, Problems) and exc.line == 2


def test_cli_prints_one_line_per_problem_with_a_count() -> None:
    err = io.StringIO()
    report_errors(Problems([InputError(f"bad {n}", file="x.csv", line=n) for n in (2, 1)]), err)
    assert err.getvalue().splitlines() == [
        "reportgen: error: x.csv:1: bad 1",
        "reportgen: error: x.csv:2: bad 2",
        "reportgen: 2 errors",
    ]


def test_a_line_break_or_undecodable_byte_in_a_name_stays_on_its_problem_s_line() -> None:
    err = io.StringIO()
    # a folder named with a line break, a value holding a byte that was not UTF-8
    problems = [
        InputError("bad\nvalue \udcff", file="content/March\n2014/x.md", line=2),
        InputError("is not a plain file\u2028", file="data/x\r.csv"),
    ]
    report_errors(Problems(problems), err)
    assert err.getvalue().splitlines() == [
        "reportgen: error: content/March\\n2014/x.md:2: bad\\nvalue \\udcff",
        "reportgen: error: data/x\\r.csv: is not a plain file\\u2028",
        "reportgen: 2 errors",
    ]
    err.getvalue().encode("utf-8")  # and every line can be written


def test_cli_caps_the_list() -> None:
    err = io.StringIO()
    many = [InputError("bad", file="x.csv", line=n) for n in range(MAX_REPORTED + 5)]
    report_errors(Problems(many), err)
    lines = err.getvalue().splitlines()
    assert len(lines) == MAX_REPORTED + 2
    assert lines[-2] == "reportgen: … and 5 more"
    assert lines[-1] == f"reportgen: {MAX_REPORTED + 5} errors"


def test_problems_survive_pickling_whole() -> None:
    # check's dry-run worker sends the problems it finds back to the command, pickled
    from reportgen.atomic import OutputError
    from reportgen.load.template import TemplateError

    found = Problems(
        [
            InputError("no glyph", file="content/2014-03/01.md", line=9, hint="replace it"),
            TemplateError("unknown {x}", token="{x}", file="layouts/report.yaml", line=4),
            OutputError("read-only", file="out"),
            InputError("bad cell", file="data/performance.xlsx", cell="Monthly!F12"),
        ]
    )
    copy = pickle.loads(pickle.dumps(found))
    assert type(copy) is Problems and str(copy) == str(found)
    assert [type(p) for p in copy.problems] == [type(p) for p in found.problems]
    assert [vars(p) for p in copy.problems] == [vars(p) for p in found.problems]
    template = next(p for p in copy.problems if isinstance(p, TemplateError))
    assert template.token == "{x}"
