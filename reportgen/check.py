"""``reportgen check``: everything ``build`` would do, short of writing a file.

In: a report folder, the edition ``build`` would make (``--edition``, or the newest with
narrative and data) and whether it is a draft. Out: a ``CheckReport`` (what was checked,
and notes such as files no build reads), or ``Problems`` holding every problem found,
each with its file and line.

It loads every input (catalogue, layout, theme, data, distribution lists, the narrative
of every edition), computes every edition with narrative, checks every text that
reaches the page against the font, and lays the edition out without drawing its charts
(the page-fit dry run), so that when ``check`` passes, ``build`` succeeds. The font and
page-fit checks run in a second process where the command line started one
(``assemble.dryrun``), while this one computes. The one file it writes is the data cache's
entry (``load.datacache``): the data, loaded without a problem, for the next command.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from reportgen.assemble.dryrun import DryRun, DryRunWorker, Outcome
from reportgen.errors import ProblemCollector, ReportgenError
from reportgen.load.folder import (
    ReportFolder,
    default_edition,
    editions_with_content,
    inside,
    keep_loaded_data,
    load_folder_theme,
    load_report,
    require_report_folder,
    still_marked_for_review,
    stray_files,
)
from reportgen.load.theme import Theme
from reportgen.months import Month
from reportgen.render.contrast import low_contrast
from reportgen.render.pagetexts import layout_texts, narrative_texts, theme_texts

if TYPE_CHECKING:
    from reportgen.compute.edition import SourcedText

DISTRIBUTION = Path("distribution.yaml")


class CheckReport(msgspec.Struct):
    lines: list[str] = msgspec.field(default_factory=list)  # what was checked
    notes: list[str] = msgspec.field(default_factory=list)  # worth knowing, not wrong
    # built as asked, but worth a second look: told as build tells them
    warnings: list[str] = msgspec.field(default_factory=list)


def check_folder(
    root: Path,
    edition: Month | None = None,
    *,
    draft: bool = False,
    worker: DryRunWorker | None = None,
    use_cache: bool = True,
) -> CheckReport:
    """Check the report folder as ``build [--edition] [--draft]`` would use it.

    The font and page-fit checks run in ``worker`` where one is given (started before
    pandas was imported), else in this process: the report is the same either way.
    ``use_cache``: data unchanged since a load that passed is read from the data cache
    (``load.datacache``), which is the one thing ``check`` writes."""
    root = require_report_folder(root)
    report = CheckReport()
    problems = ProblemCollector()
    folder: ReportFolder | None = None
    theme: Theme | None = None
    with problems.attempt():  # the theme does not depend on the catalogue: check it anyway
        theme = load_folder_theme(root)
    # first, so the worker parses the fonts while this process loads the data
    dry_run = DryRun(theme, worker) if theme is not None else None
    with problems.attempt():
        folder = load_report(root, cache_root=root if use_cache else None)
    if folder is not None:
        report.lines += _describe_folder(folder, theme)
        report.warnings += _warnings(folder, theme)
    _check_distribution(root, problems, report)
    if folder is None:
        problems.raise_if_any()
    assert folder is not None
    layout_fonts = (
        dry_run.check_texts([*layout_texts(folder), *theme_texts(theme)])
        if dry_run and theme
        else None
    )
    target = edition
    if target is None:
        with problems.attempt():
            target = default_edition(root, folder.data.last_month)
    editions = sorted(set(editions_with_content(root)) | ({target} if target else set()))
    checked: dict[Month, _EditionCheck | ReportgenError] = {}
    # the edition build would make first: it is laid out while the others are computed
    for month in sorted(editions, key=lambda month: month != target):
        try:
            checked[month] = _check_edition(
                folder, month, dry_run, full=month == target, draft=draft
            )
        except ReportgenError as error:
            checked[month] = error
    # the data, kept whatever else is found, while the worker lays out (what check writes
    # is its report, to the terminal: there is no output of its own to come first)
    keep_loaded_data(folder, root)
    # every edition's running header, its month filled in: the longest month's may not
    # fit where the edition laid out does ("September" where "March" fits)
    headers = [
        (c.header, month.name) for month, c in checked.items() if isinstance(c, _EditionCheck)
    ]
    header_fit = dry_run.check_headers(headers) if dry_run else None
    if layout_fonts is not None:
        with problems.attempt():
            layout_fonts.result()
    if header_fit is not None:
        with problems.attempt():
            header_fit.result()
    # then what was found, edition by edition: of two problems alike (a month missing
    # from two editions' windows) the one kept is the earliest edition's
    for month in editions:
        with problems.attempt():
            found = checked[month]
            if isinstance(found, ReportgenError):
                raise found
            report.lines.append(found.line())
    if worker is not None:
        worker.release()  # every answer is in: it ends while this process reports
    if target is not None:
        report.notes += [
            f"{name} is not read by any build (and not archived)"
            for name in stray_files(folder, target)
        ]
    problems.raise_if_any()
    report.lines.append("ok: nothing built")
    return report


def _describe_folder(folder: ReportFolder, theme: Theme | None) -> list[str]:
    data, layout = folder.data, folder.layout
    lines = [
        f"catalogue: {len(folder.catalogue)} measures ({folder.catalogue.file})",
        f"layout: {len(layout.sections)} sections, "
        f"{sum(len(s.tables()) for s in layout.sections)} tables, "
        f"{sum(len(s.charts()) for s in layout.sections)} charts ({layout.file})",
        f"data: {len(data.monthly)} monthly rows, {data.first_month} to {data.last_month} "
        f"({', '.join(data.files['monthly'])}); {len(data.msg)} MSG entries ({data.msg_file}); "
        f"{len(data.survey)} survey estimates ({data.survey_file}); "
        f"{len(data.revisions)} revised figures ({data.revisions_file})",
    ]
    if theme is not None:
        lines.append(f"theme: {theme.fonts.family}, {len(theme.styles)} styles ({theme.file})")
    return lines


def _warnings(folder: ReportFolder, theme: Theme | None) -> list[str]:
    """What build warns of (the data's, a colour too faint to read): the same words."""
    found = list(folder.data.warnings)
    if theme is not None:
        found += [f"{theme.file}: {line}" for line in low_contrast(theme)]
    return found


def _check_distribution(root: Path, problems: ProblemCollector, report: CheckReport) -> None:
    path = root / DISTRIBUTION
    if not os.path.lexists(path):  # a link that leads nowhere is told, as send tells it
        return  # only sending needs it, and send says so
    from reportgen.deliver.distribution import load_distribution

    with problems.attempt():
        lists = load_distribution(inside(root, DISTRIBUTION), str(DISTRIBUTION))
        report.lines.append(f"distribution: {len(lists)} list(s) ({DISTRIBUTION})")


class _EditionCheck(msgspec.Struct, frozen=True):
    """An edition computed, its font check and (for the edition ``build`` would make)
    its page-fit dry run still running."""

    summary: str
    status: str
    fonts: Outcome[None] | None
    fit: Outcome[int] | None
    header: SourcedText  # the running header, filled in for the edition

    def line(self) -> str:
        """The edition's line of the report, or every problem its checks found."""
        problems = ProblemCollector()
        if self.fonts is not None:
            with problems.attempt():
                self.fonts.result()
        fit = ""
        if self.fit is not None:
            with problems.attempt():
                fit = f"; {self.fit.result()} pages fit"
        problems.raise_if_any()
        return f"{self.summary}{fit}{self.status}"


def _check_edition(
    folder: ReportFolder,
    edition: Month,
    dry_run: DryRun | None,
    *,
    full: bool,
    draft: bool,
) -> _EditionCheck:
    """One edition: narrative, figures, every text against the font and, for the edition
    ``build`` would make (``full``), the page-fit dry run."""
    from reportgen.compute.edition import compute_edition, load_narrative

    texts = load_narrative(folder, edition)
    marked = [t.file for t in texts.values() if t.needs_review]
    if full and marked and not draft:
        raise still_marked_for_review(folder, edition, marked, command="check and build")
    # asked before the figures: a text the font lacks is told with their problems
    fonts = dry_run.check_texts(list(narrative_texts(texts))) if dry_run else None
    try:
        computed = compute_edition(folder, edition, texts, draft=draft)
    except ReportgenError as error:
        problems = ProblemCollector()
        problems.add(error)
        if fonts is not None:
            with problems.attempt():
                fonts.result()
        problems.raise_all()
    rows = sum(len(t.rows) for t in computed.tables())
    summary = f"edition {edition}: {len(texts)} narrative files, {rows} table rows"
    status = f"; {len(marked)} file(s) marked for review" if marked else ""
    header = computed.running_header
    if dry_run is None:
        return _EditionCheck(summary, status, None, None, header)
    fit = dry_run.fit(computed) if full else None
    return _EditionCheck(summary, status, fonts, fit, header)
