"""The ``reportgen`` command: argument parsing and messages only.

Every command calls a library function that the tests call too; library code raises
``ReportgenError`` and this module turns it into one line on stderr and exit code 1.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import signal
import sys
import typing
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

import reportgen
from reportgen import (
    discard_output,
    end_process,
    flush_output,
    notices,
    one_blas_thread,
    stops,
    tune_collector,
)
from reportgen.errors import ReportgenError, error_lines, one_line, prints_as_is
from reportgen.months import Month
from reportgen.stops import EXIT_INTERRUPTED, INTERRUPTED, Terminated

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_TERMINATED = 128 + signal.SIGTERM


def _range(text: str) -> list[Month]:
    from reportgen.batch import edition_range

    try:
        return edition_range(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


EDITIONS_HELP = "YYYY-MM, or a range YYYY-MM..YYYY-MM (default: newest edition)"


def _jobs(text: str) -> int:
    if not re.fullmatch("[0-9]{1,2}", text) or not 1 <= int(text) <= 32:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of jobs from 1 to 32")
    return int(text)


MAX_ATTACHMENT_MB = 1000
MAX_REASON = 300  # characters: a sentence or two, kept in the manifest and listed by editions


def _reason(text: str) -> str:
    # kept in the manifest for good and printed in the editions table: one line of text
    reason = text.strip()
    if not any(ch.isalnum() for ch in reason) or not prints_as_is(reason):
        raise argparse.ArgumentTypeError(
            "the reason must say why in words, on one line, with no control or invisible "
            "characters (such as 'corrected the road deaths figure')"
        )
    if len(reason) > MAX_REASON:
        raise argparse.ArgumentTypeError(
            f"the reason is {len(reason)} characters; keep it to {MAX_REASON}"
        )
    return reason


def _megabytes(text: str) -> float:
    # ASCII digits only: float() would take 'inf', 'nan', '1e308' and any script's digits
    written = re.fullmatch(r"[0-9]{1,4}(\.[0-9]{1,3})?", text.strip())
    if not written or not 0 < float(text) <= MAX_ATTACHMENT_MB:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a size in MB, more than 0 and at most {MAX_ATTACHMENT_MB} "
            "(such as 10 or 2.5)"
        )
    return float(text)


def _month(text: str) -> Month:
    try:
        return Month.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


class UsageError(Exception):
    """A command line argparse refuses: its usage line and the message."""

    def __init__(self, usage: str, message: str) -> None:
        super().__init__(message)
        self.usage = usage
        self.message = message


class _Parser(argparse.ArgumentParser):
    # argparse prints to sys.stderr and exits; main() reports to the stream it was given,
    # the usage line and then one line as every other problem is told ("reportgen:
    # error: build: argument --edition: ..."), not argparse's "reportgen build: error:"
    def error(self, message: str) -> typing.NoReturn:
        command = self.prog.removeprefix("reportgen").strip()
        raise UsageError(
            self.format_usage(), f"reportgen: error: {command + ': ' if command else ''}{message}"
        )


def _add_editions(command: argparse.ArgumentParser) -> None:
    """``--edition`` as one edition or a range, and ``--jobs`` for a range."""
    command.add_argument("--edition", type=_range, help=EDITIONS_HELP)
    command.add_argument(
        "--jobs",
        type=_jobs,
        default=1,
        metavar="N",
        help="editions of a range made by N processes at once (default 1)",
    )


ROOT_HELP = "the report folder holding layouts/, content/ and data/ (default: .)"
# the commands that need no report folder: every other one says first when it has none
OUTSIDE_A_REPORT_FOLDER = ("init",)


def _add_no_data_cache(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--no-cache",
        action="store_true",
        help="load the data afresh, even where it has not changed (ignore .reportgen-cache/)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="reportgen",
        description="Build the Monthly Performance Report from data, layouts and narrative.",
    )
    parser.add_argument("--version", action="version", version=f"reportgen {reportgen.__version__}")
    parser.add_argument("--root", type=Path, default=Path("."), help=ROOT_HELP)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    figures = commands.add_parser("figures", help="print every table row of an edition as CSV")
    figures.add_argument("--edition", type=_month, help="YYYY-MM (default: newest edition)")
    figures.add_argument(
        "--format",
        choices=("csv", "json"),
        default="csv",
        help="json adds each measure's id, unit, decimals, polarity, MSG colour and the "
        "reason for every n/a",
    )
    _add_no_data_cache(figures)

    explain = commands.add_parser(
        "explain", help="show how each cell of a measure's row is derived"
    )
    explain.add_argument("measure", help="the measure id, as in data/catalogue.yaml")
    explain.add_argument("--edition", type=_month, help="YYYY-MM (default: newest edition)")
    explain.add_argument("--format", choices=("text", "json"), default="text")
    _add_no_data_cache(explain)

    workbook = commands.add_parser(
        "workbook", help="write the folder's data as data/performance.xlsx"
    )
    workbook.add_argument(
        "--next",
        type=_month,
        metavar="YYYY-MM",
        help="add the month's empty column, its needed cells highlighted and validated",
    )
    workbook.add_argument("--force", action="store_true", help="replace an existing workbook")

    diff = commands.add_parser(
        "diff", help="what changed: an edition's archived versions, or two editions"
    )
    diff.add_argument(
        "editions",
        type=_month,
        nargs="+",
        metavar="YYYY-MM",
        help="one edition (its last two archived versions) or two editions",
    )
    diff.add_argument("--format", choices=("text", "csv"), default="text")
    diff.add_argument("--archive", type=Path, help="the archive folder (default: archive/)")

    check = commands.add_parser(
        "check", help="everything build would do, short of writing: every problem at once"
    )
    check.add_argument("--edition", type=_month, help="YYYY-MM (default: newest edition)")
    check.add_argument(
        "--draft", action="store_true", help="as build --draft: narrative under review is fine"
    )
    _add_no_data_cache(check)

    build = commands.add_parser("build", help="build the edition's PDF and print its path")
    _add_editions(build)
    build.add_argument("--out", type=Path, help="where to write the PDF (default: out/…)")
    build.add_argument(
        "--draft",
        action="store_true",
        help="build even with narrative marked for review; every page says DRAFT",
    )
    build.add_argument("--verbose", action="store_true", help="report each stage's time")
    build.add_argument(
        "--no-cache",
        action="store_true",
        help="load the data afresh and draw every chart again (ignore .reportgen-cache/)",
    )

    preview = commands.add_parser(
        "preview", help="rebuild the edition's draft every time one of its files is saved"
    )
    preview.add_argument("--edition", type=_month, help="YYYY-MM (default: newest edition)")

    new = commands.add_parser("new", help="start an edition from the latest one's narrative")
    new.add_argument(
        "edition",
        type=_month,
        nargs="?",
        help="the new edition, YYYY-MM (default: the month after the latest edition in content/)",
    )

    pack = commands.add_parser("pack", help="join covering paper, edition and appendices")
    _add_editions(pack)
    pack.add_argument("--cover", type=Path, help="a covering paper (PDF) to put first")
    pack.add_argument(
        "--append",
        type=Path,
        action="append",
        default=[],
        metavar="PDF",
        help="an appendix to put after the edition (repeatable)",
    )
    pack.add_argument("--out", type=Path, help="where to write the pack (default: out/…)")

    archive_help = "the archive folder (default: archive/ in the report folder)"
    archive = commands.add_parser("archive", help="store the edition (and its pack) write-once")
    _add_editions(archive)
    archive.add_argument("--archive", type=Path, help=archive_help)
    archive.add_argument("--pack", type=Path, help="the pack to store (default: out/board-pack-…)")
    archive.add_argument("--reissue", action="store_true", help="store a corrected re-issue")
    archive.add_argument(
        "--reason", type=_reason, help="why the re-issue replaces the last version"
    )

    verify = commands.add_parser("verify", help="re-hash the archive and rebuild its figures")
    verify.add_argument("--edition", type=_month, help="only this edition (default: all)")
    verify.add_argument("--archive", type=Path, help=archive_help)

    editions = commands.add_parser("editions", help="list the archived editions")
    editions.add_argument("--archive", type=Path, help=archive_help)

    send = commands.add_parser("send", help="email the archived edition to a distribution list")
    send.add_argument("--edition", type=_month, help="YYYY-MM (default: newest edition)")
    send.add_argument("--to", required=True, metavar="LIST", help="distribution list name")
    send.add_argument("--pack", action="store_true", help="send the board pack instead")
    send.add_argument("--archive", type=Path, help=archive_help)
    send.add_argument("--distribution", type=Path, help="lists file (default: distribution.yaml)")
    send.add_argument("--resend", action="store_true", help="send again to a list already sent")
    send.add_argument("--dry-run", action="store_true", help="write the .eml file; send nothing")
    send.add_argument(
        "--max-mb",
        type=_megabytes,
        default=10.0,
        help="refuse attachments larger than this (default 10)",
    )

    init = commands.add_parser("init", help="write a starter report folder (the sample)")
    init.add_argument("folder", type=Path, metavar="DIR", help="a new (or empty) folder")
    _root_after_the_command(commands.choices)
    return parser


def _root_after_the_command(commands: Mapping[str, argparse.ArgumentParser]) -> None:
    # `reportgen build --root X` as well as `reportgen --root X build`: given after the
    # command, it replaces the default the main parser set (SUPPRESS: absent, no default)
    for name, command in commands.items():
        if name != "init":  # init makes a folder; it reads none
            command.add_argument("--root", type=Path, default=argparse.SUPPRESS, help=ROOT_HELP)


def main(
    argv: Sequence[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    tune_collector()
    # what an earlier command in this process found of a cache folder (the tests run
    # many): only where one ran, so a command does not import the module before its time
    caches = sys.modules.get("reportgen.cachefolder")
    if caches is not None:
        caches.new_command()
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as exc:
        err.write(exc.usage)
        print(exc.message, file=err)
        return EXIT_USAGE
    except SystemExit as exc:  # --help and --version print and end
        return EXIT_OK if exc.code == 0 else EXIT_USAGE

    def tell(notice: notices.Notice) -> None:
        say(err, notice.kind, notice.text)

    try:
        with stops.Stoppable(), notices.listening(tell), _library_warnings_told():
            _refuse_link_loops(args)
            if args.command not in OUTSIDE_A_REPORT_FOLDER:
                from reportgen.load.reportfolder import require_report_folder

                require_report_folder(args.root)
            code = _COMMANDS[args.command](args, out, err)
            stops.check()  # a stop whose raise a finalizer swallowed still stops it
            return code
    except ReportgenError as exc:
        report_errors(exc, err)
        return EXIT_ERROR
    except BrokenPipeError:  # the reader went away (reportgen figures | head): stop quietly
        if out is sys.stdout:
            discard_output(sys.stdout)
        return EXIT_ERROR
    except OSError as exc:  # disk full, permissions: say which file, never a traceback
        print(f"reportgen: error: {error_lines(exc)[0]}", file=err)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print(INTERRUPTED, file=err)
        return EXIT_INTERRUPTED
    except Terminated:
        print("reportgen: stopped (SIGTERM); nothing was left half-written", file=err)
        return EXIT_TERMINATED


# the options (and init's argument) that name a file or folder
PATH_ARGUMENTS = ("root", "out", "archive", "cover", "append", "pack", "distribution", "folder")


def _refuse_link_loops(args: argparse.Namespace) -> None:
    """A path named on the command line that leads round a loop of symbolic links is one
    error naming it, before any command follows it (``LinkLoop``)."""
    from reportgen.links import real_path

    for name in PATH_ARGUMENTS:
        value = getattr(args, name, None)
        for path in value if isinstance(value, list) else [value]:
            if isinstance(path, Path):
                real_path(path)


def run() -> typing.NoReturn:
    """The ``reportgen`` script and ``python -m reportgen``: ``main``, then the process
    ends at once (``reportgen.end_process``: everything ``main`` must finish has
    finished when it returns, each in a ``finally``, so Python's slow teardown is
    skipped). A caller of ``main`` is not affected. Ctrl-C before ``main`` has parsed
    the command line ends the process at once (``stops.exit_on_ctrl_c``; the script
    set that before importing this module). numpy's BLAS starts no threads of its own
    (``reportgen.one_blas_thread``)."""
    stops.exit_on_ctrl_c()
    one_blas_thread()
    code = main()
    end_process(code)


MAX_REPORTED = 50  # a folder with more problems than this has one cause worth fixing first


def say(err: TextIO, kind: str, text: str) -> None:
    """One ``reportgen: <kind>: <text>`` line: a note, a warning or an error about the
    input, whose names and values may hold a line break (escaped by ``one_line``)."""
    print(f"reportgen: {kind}: {one_line(text)}", file=err, flush=True)


_OWN_DATA_OF_MATPLOTLIB = f"{os.sep}mpl-data{os.sep}"  # the styles it ships, not a user's


@contextlib.contextmanager
def _library_warnings_told() -> Iterator[None]:
    """What a library logs as a warning (pypdf mending a damaged PDF it still reads, say)
    reached stderr through Python's last-resort handler as a bare line; during a command
    each is told as a ``reportgen: warning:`` instead. Only for the command line: a
    library caller keeps its own logging."""
    import logging

    class Told(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            message = record.getMessage()
            if _OWN_DATA_OF_MATPLOTLIB in message:
                # matplotlib on its own style files (a newer pyparsing's deprecations,
                # with matplotlib 3.10.0): nothing the analyst wrote or can change
                return
            notices.warn(f"{record.name.split('.')[0]}: {message}")

    handler = Told(logging.WARNING)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)


def report_errors(exc: ReportgenError, err: TextIO) -> None:
    """One ``reportgen: error:`` line per problem, in file and line order, with a count."""
    problems = error_lines(exc)
    for problem in problems[:MAX_REPORTED]:
        print(f"reportgen: error: {problem}", file=err)
    if len(problems) > MAX_REPORTED:
        print(f"reportgen: … and {len(problems) - MAX_REPORTED} more", file=err)
    if len(problems) > 1:
        print(f"reportgen: {len(problems)} errors", file=err)


def _edition(args: argparse.Namespace) -> Month:
    from reportgen.load.folder import data_end, default_edition

    chosen = args.edition
    if isinstance(chosen, list):  # a range of one edition
        chosen = chosen[0]
    return chosen or default_edition(args.root, data_end(args.root))


def _is_range(args: argparse.Namespace) -> bool:
    return isinstance(args.edition, list) and len(args.edition) > 1


def _batch(args: argparse.Namespace, out: TextIO, err: TextIO, request: Any) -> int:
    """A range of editions: each made in turn (or by ``--jobs`` processes), progress on
    stderr, every failure reported, and the rest still made."""
    from reportgen.batch import run
    from reportgen.progress import ProgressReport

    progress = ProgressReport(err, len(request.editions), request.task)
    try:
        outcomes = run(request, jobs=args.jobs, progress=progress.update)
    finally:
        progress.finish()
    failed = [o for o in outcomes if not o.ok]
    told: set[tuple[str, str]] = set()
    for outcome in outcomes:
        for kind, text in outcome.notices:
            if (kind, text) not in told:  # each job hears it (a cache it cannot write): once
                told.add((kind, text))
                say(err, kind, text)
        for problem in outcome.errors:
            # each line names its edition: the lines come after all the progress
            print(f"reportgen: error: {outcome.edition}: {problem}", file=err)
        if outcome.ok:
            print(outcome.path, file=out)
        if getattr(args, "verbose", False):
            peak = f", peak memory {outcome.peak_mib:.0f} MiB" if outcome.peak_mib else ""
            print(f"reportgen: {outcome.edition}: {outcome.seconds:.2f}s{peak}", file=err)
    made = {"build": "built", "pack": "packed", "archive": "archived"}[request.task]
    summary = f"reportgen: {len(outcomes) - len(failed)} of {len(outcomes)} editions {made}"
    if failed:
        summary += "; failed: " + ", ".join(str(o.edition) for o in failed)
    print(summary, file=err)
    return EXIT_ERROR if failed else EXIT_OK


def _usage(err: TextIO, message: str) -> int:
    print(f"reportgen: error: {message}", file=err)
    return EXIT_USAGE


def _figures(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from reportgen.compute.edition import edition_figures
    from reportgen.load.folder import keep_loaded_data, load_report

    folder = load_report(args.root, cache_root=None if args.no_cache else args.root)
    text, notes = edition_figures(folder, _edition(args), args.format)
    _warn(folder.data.warnings, err)
    for note in notes:
        say(err, "note", note)
    out.write(text)
    if not flush_output(out):  # the output first: on a nearly full disk, the cache after
        return EXIT_ERROR
    keep_loaded_data(folder, args.root)
    return EXIT_OK


def _warn(warnings: Sequence[str], err: TextIO) -> None:
    for warning in warnings:
        say(err, "warning", warning)


def _explain(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from reportgen.compute.explain import explain
    from reportgen.load.folder import keep_loaded_data, load_report

    folder = load_report(args.root, cache_root=None if args.no_cache else args.root)
    _warn(folder.data.warnings, err)
    out.write(explain(folder, args.measure, _edition(args), args.format))
    if not flush_output(out):  # the output first: on a nearly full disk, the cache after
        return EXIT_ERROR
    keep_loaded_data(folder, args.root)
    return EXIT_OK


def _workbook(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from reportgen.export import write_workbook

    written = write_workbook(args.root, next_month=args.next, force=args.force)
    print(written.path, file=out)
    print(
        f"reportgen: {written.measures} measures, {written.first_month} to {written.last_month}",
        file=err,
    )
    if written.csv_files:
        print(
            f"reportgen: the workbook now holds the figures of {', '.join(written.csv_files)}: "
            "remove those files before the next build (a figure may not be in both)",
            file=err,
        )
    if args.next:
        print(
            f"reportgen: {len(written.needed)} figure(s) to add for {args.next}, highlighted "
            "in the Monthly sheet; add the edition's rows to the MSG and Survey sheets too",
            file=err,
        )
    return EXIT_OK


def _diff(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from reportgen.figurediff import diff_csv, diff_editions, diff_text, diff_versions
    from reportgen.workflow import archive_root_for

    if len(args.editions) > 2:
        return _usage(err, "diff takes one edition or two")
    archive = archive_root_for(args.root, args.archive, create=False)
    if len(args.editions) == 1:
        result = diff_versions(archive, args.editions[0])
    else:
        result = diff_editions(args.root, archive, *args.editions)
    out.write(diff_csv(result.changes) if args.format == "csv" else diff_text(result))
    return EXIT_OK


def _check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from reportgen import CollectorPaused, steps
    from reportgen.assemble.dryrun import DryRunWorker

    # started before pandas is imported: the worker imports reportlab and parses the
    # fonts on the other core meanwhile
    with CollectorPaused(), DryRunWorker() as worker:
        steps.reached("check: worker started")
        from reportgen.check import check_folder

        report = check_folder(
            args.root, args.edition, draft=args.draft, worker=worker, use_cache=not args.no_cache
        )
    for line in report.lines:
        print(line, file=out)
    _warn(report.warnings, err)
    for note in report.notes:
        say(err, "note", note)
    return EXIT_OK


def _build(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if _is_range(args):
        if args.out:
            return _usage(err, "--out names one file; a range's PDFs are written to out/")
        from reportgen.batch import Request

        request = Request(
            args.root.resolve(), tuple(args.edition), "build", args.draft, not args.no_cache
        )
        return _batch(args, out, err, request)
    from reportgen import steps
    from reportgen.assemble.worker import ChartWorker
    from reportgen.render.chartcache import ChartCache, chart_inputs_key

    # charts drawn before need no worker (and no matplotlib); others get one now, so it
    # imports matplotlib on the other core while this process imports the rest
    key = chart_inputs_key(args.root, args.edition[0] if args.edition else None)
    drawn_before = not args.no_cache and ChartCache(args.root, quiet=True).knows(key)
    with contextlib.ExitStack() as stack:
        worker = None if drawn_before else stack.enter_context(ChartWorker())
        steps.reached("build: worker started")
        from reportgen.assemble.build import build_edition

        result = build_edition(
            args.root,
            _edition(args),
            args.out,
            draft=args.draft,
            use_cache=not args.no_cache,
            worker=worker,
            cache_key=key,
        )
    if args.verbose:
        stages = ", ".join(f"{name} {seconds:.2f}s" for name, seconds in result.timings.items())
        charts = "no chart worker (charts cached)" if drawn_before else "chart worker started"
        print(
            f"reportgen: {result.pages} pages, {result.size // 1024} KB; {charts}; {stages}",
            file=err,
        )
    if args.draft:
        print("reportgen: DRAFT build: every page is watermarked", file=err)
    print(result.path, file=out)
    return EXIT_OK


def _preview(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from reportgen.preview import PreviewEvent, watch

    edition = _edition(args)
    print(
        f"reportgen: previewing {edition}'s draft; save a file to rebuild, Ctrl-C to stop", file=err
    )

    def report(event: PreviewEvent) -> None:
        for problem in event.problems:
            print(f"reportgen: error: {problem}", file=err)
        if event.path is not None:
            print(f"{event.path} ({event.seconds:.2f}s)", file=out)
        else:
            print("reportgen: not rebuilt; fix the file and save it again", file=err)
        out.flush()
        err.flush()

    try:
        watch(args.root, edition, report)  # main() found it a report folder
    except KeyboardInterrupt:
        stops.forget()  # honoured: Ctrl-C is how a preview ends
        print("reportgen: preview stopped", file=err)
    return EXIT_OK


def _new(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from reportgen.authoring import start_edition

    created = start_edition(args.root, args.edition)
    print(f"Started edition {created.edition} from {created.source}: {created.folder}", file=out)
    if created.skipped:
        say(
            err,
            "note",
            f"no edition between {created.source} and {created.edition}: "
            f"{created.skipped} month(s) skipped (remove {created.folder} if that month was "
            "a slip, and start again with the month you meant)",
        )
    print("Edit each file below, then change 'review: true' to 'review: false':", file=out)
    for path in created.files:
        print(f"  {path}", file=out)
    print(
        f"Add {created.edition}'s figures to data/monthly.csv (and msg.csv, "
        "survey_estimates.csv), then run: reportgen check && reportgen build "
        f"--edition {created.edition}",
        file=out,
    )
    return EXIT_OK


def _pack(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from reportgen.workflow import make_pack

    if _is_range(args):
        if args.cover or args.append or args.out:
            return _usage(err, "--cover, --append and --out belong to one edition's pack")
        from reportgen.batch import Request

        return _batch(args, out, err, Request(args.root.resolve(), tuple(args.edition), "pack"))

    path = make_pack(
        args.root, _edition(args), cover=args.cover, appendices=args.append, out=args.out
    )
    print(path, file=out)
    return EXIT_OK


def _archive(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from reportgen.workflow import archive, archive_root_for

    if args.reissue != bool(args.reason):
        return _usage(
            err,
            "--reissue and --reason go together (a re-issue says why it replaces the last version)",
        )
    if _is_range(args):
        if args.reissue or args.pack:
            return _usage(err, "--reissue and --pack belong to one edition")
        from reportgen.batch import Request

        request = Request(
            args.root.resolve(),
            tuple(args.edition),
            "archive",
            archive_root=archive_root_for(args.root, args.archive),
        )
        return _batch(args, out, err, request)
    version = archive(
        args.root,
        _edition(args),
        archive_root_for(args.root, args.archive),
        reissue_reason=args.reason,
        pack=args.pack,
    )
    print(f"archived {version.edition} v{version.version}: {version.folder}", file=out)
    for name in version.file_names:
        print(f"  {name}", file=out)
    return EXIT_OK


def _verify(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from reportgen.progress import ProgressReport
    from reportgen.workflow import OUT, archive_root_for, verify

    archive_root = archive_root_for(args.root, args.archive, create=False)
    progress = ProgressReport(err, None, "verify")
    try:
        report = verify(
            archive_root,
            args.edition,
            scratch_parent=args.root.resolve() / OUT,
            progress=progress.update,
        )
    finally:
        progress.finish()
    for line in report.lines():
        print(line, file=out)  # one line each: the report escapes what the archive holds
    if not report.ok:
        for result in report.results:
            if not result.ok:
                say(
                    err,
                    "error",
                    f"{result.folder}: {result.edition} v{result.version} does not match its "
                    "manifest (its line of the report says what differs; restore the version "
                    "from backup)",
                )
        for edition, version, problem in report.rebuilds:
            if problem is not None:
                say(
                    err,
                    "error",
                    f"{edition} v{version}: {problem} (restore the version from backup)",
                )
        for problem in report.send_logs:
            say(
                err,
                "error",
                f"{problem} (restore the send log from backup: it records what was already "
                "sent, and send refuses that edition until it can be read)",
            )
        return EXIT_ERROR
    return EXIT_OK


def _editions(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from reportgen.deliver.archive import (
        DamagedVersion,
        abandoned_attempts,
        list_archive,
        require_archive_root,
    )
    from reportgen.workflow import abandoned_line, archive_root_for

    root = archive_root_for(args.root, args.archive, create=False)
    if args.archive is not None:  # named: a mistyped path or an unmounted share must say so
        require_archive_root(root)
    versions = list_archive(root) if root.is_dir() else []
    abandoned = abandoned_attempts(root) if root.is_dir() else []
    if not versions and not abandoned:
        print("no editions archived yet (reportgen archive --edition YYYY-MM)", file=out)
        return EXIT_OK
    print(f"{'edition':8} {'version':7} {'status':10} {'archived (UTC)':20} {'size':>9}", file=out)
    damaged: list[str] = []
    for v in versions:
        if isinstance(v, DamagedVersion):
            damaged.append(f"{v.edition} v{v.version}")
            print(one_line(f"{v.edition:8} v{v.version:<6} {'DAMAGED':10} {v.problem}"), file=out)
            continue
        damage = v.at_a_glance()
        if damage is not None:
            damaged.append(f"{v.edition} v{v.version}")
            problem = f"{damage} (reportgen verify --edition {v.edition} checks it in full)"
            print(one_line(f"{v.edition:8} v{v.version:<6} {'DAMAGED':10} {problem}"), file=out)
        else:
            print(
                f"{v.edition:8} v{v.version:<6} {v.status:10} "
                f"{v.archived_at:%Y-%m-%d %H:%M:%S} {v.size / 1024:7.0f} KB",
                file=out,
            )
        if v.superseded_reason:
            superseded = f"superseded by v{v.superseded_by}: {v.superseded_reason}"
            print(f"{'':8} {one_line(superseded)}", file=out)
    for folder in abandoned:
        print(one_line(abandoned_line(folder)), file=out)
    if damaged:
        # a stored file lost or cut short is as damaged as an unreadable manifest: a
        # script reading the exit status must see either
        say(
            err,
            "error",
            f"{root}: damaged versions above ({', '.join(damaged)}): run 'reportgen verify' "
            "and restore them from backup",
        )
        return EXIT_ERROR
    return EXIT_OK


def _send(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from reportgen.workflow import archive_root_for, send

    edition = _edition(args)
    dry_run_dir = (args.root.resolve() / "out") if args.dry_run else None
    result = send(
        args.root,
        edition,
        archive_root_for(args.root, args.archive, create=False),
        args.to,
        use_pack=args.pack,
        distribution_file=args.distribution,
        resend=args.resend,
        dry_run_dir=dry_run_dir,
        max_bytes=int(args.max_mb * 1024 * 1024),
    )
    if result.eml_path:
        print(result.eml_path, file=out)
        return EXIT_OK
    print(f"{result.outcome}: {result.message_id} to {', '.join(result.delivered)}", file=out)
    for address, reply in result.refused.items():
        say(err, "refused by the server", f"{address}: {reply}")  # a reply may span lines
    if result.refused:
        # a 4xx reply to an address refuses it for now (a full mailbox, a busy server)
        for_now = all(reply.startswith("4") for reply in result.refused.values())
        fix = "later" if for_now else "once those addresses are fixed"
        print(
            f"reportgen: note: {'the server refused them for now; ' if for_now else ''}"
            f"{fix}, run the same send again (without --resend): it goes only to the "
            "recipients that have not accepted it",
            file=err,
        )
    return EXIT_OK if result.outcome == "sent" else EXIT_ERROR


def _init(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    import shlex

    from reportgen.starter import start_report_folder

    started = start_report_folder(args.folder)
    first, last = started.editions[0], started.editions[-1]
    here = Path(os.path.abspath(started.folder)) == Path.cwd()
    go = "" if here else f"cd {shlex.quote(str(started.folder))} && "
    out.write(
        f"Started the report folder {started.folder} from the sample "
        f"({len(started.files)} files):\n"
        "  layouts/report.yaml   the sections and their blocks, in page order\n"
        "  layouts/theme.yaml    page, fonts, colours, tables and charts\n"
        "  data/catalogue.yaml   every measure: label, unit, polarity, window\n"
        "  data/*.csv            the monthly figures (data/README.md says how)\n"
        f"  content/YYYY-MM/      each edition's narrative ({first} to {last})\n"
        "  distribution.yaml     who the edition is emailed to\n"
        f"Next: {go}reportgen check && reportgen build\n"
        "Then make it yours: your measures, figures and narrative; "
        "'reportgen new YYYY-MM' starts each month's narrative.\n"
    )
    return EXIT_OK


_COMMANDS = {
    "pack": _pack,
    "archive": _archive,
    "verify": _verify,
    "editions": _editions,
    "send": _send,
    "figures": _figures,
    "explain": _explain,
    "workbook": _workbook,
    "diff": _diff,
    "check": _check,
    "build": _build,
    "new": _new,
    "preview": _preview,
    "init": _init,
}


if __name__ == "__main__":
    sys.exit(main())
