"""Several problems reported at once: sorted by file and line, one line each, counted."""

from __future__ import annotations

import io
import pickle

import pytest

from reportgen.cli import MAX_REPORTED, report_errors
from reportgen.errors import InputError, ProblemCollector, Problems
from tests.conftest import REPO_ROOT


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


def test_a_library_s_logged_warning_is_a_reportgen_warning_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import logging

    from reportgen import cli

    def mends(_args: object, _out: object, _err: object) -> int:
        logging.getLogger("pypdf._reader").warning("incorrect startxref pointer(%d)", 3)
        return 0

    monkeypatch.setitem(cli._COMMANDS, "figures", mends)
    err = io.StringIO()
    assert cli.main(["--root", str(REPO_ROOT), "figures"], io.StringIO(), err) == 0
    assert err.getvalue() == "reportgen: warning: pypdf: incorrect startxref pointer(3)\n"
    assert not [h for h in logging.getLogger().handlers if type(h).__name__ == "Told"]


def test_matplotlib_on_its_own_style_files_is_not_told(monkeypatch: pytest.MonkeyPatch) -> None:
    # matplotlib 3.10.0 with a newer pyparsing logs its deprecations while it reads the
    # styles it ships: nothing the analyst wrote. A user's matplotlibrc still is told.
    import logging
    import os

    from reportgen import cli

    own = os.path.join(os.sep, "venv", "matplotlib", "mpl-data", "stylelib", "classic.mplstyle")
    users = os.path.join(os.sep, "home", "analyst", "matplotlibrc")

    def reads(_args: object, _out: object, _err: object) -> int:
        for path in (own, users):
            logging.getLogger("matplotlib").warning("In %s: 'parseString' deprecated", path)
        return 0

    monkeypatch.setitem(cli._COMMANDS, "figures", reads)
    err = io.StringIO()
    assert cli.main(["--root", str(REPO_ROOT), "figures"], io.StringIO(), err) == 0
    assert (
        err.getvalue() == f"reportgen: warning: matplotlib: In {users}: 'parseString' deprecated\n"
    )


def test_what_verify_reads_from_the_archive_is_printed_one_line_each(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    from reportgen import cli, workflow
    from reportgen.deliver.archive import VerifyResult

    # a stored file named with a line break and a byte that was not UTF-8
    forged = VerifyResult("2014-03", 1, tmp_path, changed=("x\nreportgen: error: forged\udcff",))
    report = workflow.VerifyReport(results=(forged,), rebuilds=())
    monkeypatch.setattr(workflow, "verify", lambda *args, **kwargs: report)
    (tmp_path / "archive").mkdir()
    out, err = io.StringIO(), io.StringIO()
    cli.main(["--root", str(REPO_ROOT), "verify", "--archive", str(tmp_path / "archive")], out, err)
    [line] = out.getvalue().splitlines()
    assert line.startswith("2014-03 v1: ") and "x\\nreportgen: error: forged\\udcff" in line
    out.getvalue().encode("utf-8")


def test_a_refusal_the_server_wrote_over_two_lines_is_printed_on_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    from reportgen import cli, workflow
    from reportgen.deliver.mail import SendResult

    refusal = "550-5.1.1 mailbox unavailable\n550 5.1.1 see the administrator"
    result = SendResult("<1.r@x.example>", "partial", ("a@x.example",), {"b@x.example": refusal}, 1)
    monkeypatch.setattr(workflow, "send", lambda *args, **kwargs: result)
    (tmp_path / "archive").mkdir()
    err = io.StringIO()
    argv = [
        "--root",
        str(REPO_ROOT),
        "send",
        "--to",
        "pcc-office",
        "--archive",
        str(tmp_path / "archive"),
    ]
    cli.main(argv, io.StringIO(), err)
    refused = [line for line in err.getvalue().splitlines() if "refused by the server" in line]
    assert refused == [
        "reportgen: refused by the server: b@x.example: 550-5.1.1 mailbox unavailable\\n"
        "550 5.1.1 see the administrator"
    ]


def test_an_attempt_gathers_problems_only() -> None:
    problems = ProblemCollector()
    went_on = []
    with problems.attempt():
        raise InputError("gathered", file="a.csv", line=1)
    went_on.append("after a problem")
    with pytest.raises(KeyError), problems.attempt():
        raise KeyError("not a problem of the input: raised as it is")
    with problems.attempt():
        went_on.append("nothing raised")
    assert went_on == ["after a problem", "nothing raised"]
    assert [p.message for p in problems.problems] == ["gathered"]
