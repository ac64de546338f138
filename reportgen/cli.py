"""The ``reportgen`` command: argument parsing and messages only.

Every command calls a library function that the tests call too; library code raises
``ReportgenError`` and this module turns it into one line on stderr and exit code 1.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from reportgen import __version__
from reportgen.errors import ReportgenError
from reportgen.months import Month

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2


def _month(text: str) -> Month:
    try:
        return Month.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reportgen",
        description="Build the Monthly Performance Report from data, layouts and narrative.",
    )
    parser.add_argument("--version", action="version", version=f"reportgen {__version__}")
    parser.add_argument(
        "--root", type=Path, default=Path("."),
        help="the report folder holding layouts/, content/ and data/ (default: .)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    figures = commands.add_parser("figures", help="print every table row of an edition as CSV")
    figures.add_argument("--edition", type=_month, help="YYYY-MM (default: newest edition)")

    commands.add_parser("check", help="validate data, catalogue, layouts, theme and narrative")

    build = commands.add_parser("build", help="build the edition's PDF and print its path")
    build.add_argument("--edition", type=_month, help="YYYY-MM (default: newest edition)")
    build.add_argument("--out", type=Path, help="where to write the PDF (default: out/…)")
    build.add_argument(
        "--draft", action="store_true",
        help="build even with narrative marked for review; every page says DRAFT",
    )
    build.add_argument("--verbose", action="store_true", help="report each stage's time")
    build.add_argument(
        "--no-cache", action="store_true", help="draw every chart again (ignore .reportgen-cache/)"
    )

    new = commands.add_parser("new", help="start an edition from the latest one's narrative")
    new.add_argument("edition", type=_month, help="the new edition, YYYY-MM")
    return parser


def main(argv: Sequence[str] | None = None, stdout: TextIO | None = None,
         stderr: TextIO | None = None) -> int:
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse reports usage errors itself
        return EXIT_OK if exc.code == 0 else EXIT_USAGE
    try:
        return _COMMANDS[args.command](args, out, err)
    except ReportgenError as exc:
        print(f"reportgen: error: {exc}", file=err)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("reportgen: interrupted; nothing was written", file=err)
        return 130


def _edition(args: argparse.Namespace) -> Month:
    from reportgen.load.folder import default_edition

    return args.edition or default_edition(args.root)


def _figures(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from reportgen.compute.edition import compute_tables, figures_csv
    from reportgen.load.folder import load_content, load_report

    folder = load_report(args.root)
    edition = _edition(args)
    texts = None
    if folder.content_dir(edition).is_dir():
        texts = load_content(folder, edition)
    else:
        print(
            f"reportgen: note: no narrative folder {folder.display(folder.content_dir(edition))};"
            " statement rows are left out",
            file=err,
        )
    out.write(figures_csv(compute_tables(folder, edition, texts)))
    return EXIT_OK


def _check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from reportgen.check import check_folder

    for line in check_folder(args.root):
        print(line, file=out)
    return EXIT_OK


def _build(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from reportgen.assemble.build import build_edition

    result = build_edition(
        args.root, _edition(args), args.out, draft=args.draft, use_cache=not args.no_cache
    )
    if args.verbose:
        stages = ", ".join(f"{name} {seconds:.2f}s" for name, seconds in result.timings.items())
        print(f"reportgen: {result.pages} pages, {result.size // 1024} KB; {stages}", file=err)
    if args.draft:
        print("reportgen: DRAFT build: every page is watermarked", file=err)
    print(result.path, file=out)
    return EXIT_OK


def _new(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from reportgen.authoring import start_edition

    created = start_edition(args.root, args.edition)
    print(f"Started edition {created.edition} from {created.source}: {created.folder}", file=out)
    print("Edit each file below, then change 'review: true' to 'review: false':", file=out)
    for path in created.files:
        print(f"  {path}", file=out)
    print(f"Add {created.edition}'s figures to data/monthly.csv (and msg.csv, "
          "survey_estimates.csv), then run: reportgen check && reportgen build "
          f"--edition {created.edition}", file=out)
    return EXIT_OK


_COMMANDS = {
    "figures": _figures,
    "check": _check,
    "build": _build,
    "new": _new,
}


if __name__ == "__main__":
    sys.exit(main())
