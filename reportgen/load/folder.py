"""A report folder (``layouts/``, ``content/``, ``data/``) -> a loaded ``ReportFolder``.

The report folder is the boundary of what a build reads: the catalogue, the layout,
the theme, the data files this module names, and the narrative files the layout names
for the edition — nothing else. Every one of them is resolved inside the folder; a
symlink that leads out of it, or anything that is not a plain file, is refused by name
(and line, where a layout line names it). ``input_files`` lists exactly what a build
reads, which is what the archive embeds; other files in ``data/`` or an edition's folder
are neither read nor embedded (``stray_files`` lists them for ``check`` to mention).
"""

from __future__ import annotations

import re
import stat
from collections.abc import Callable
from pathlib import Path

import msgspec

from reportgen.errors import InputError, ProblemCollector, Where
from reportgen.links import LinkLoop, real_path
from reportgen.load.catalogue import Catalogue, load_catalogue
from reportgen.load.content import MAX_NARRATIVE_BYTES, NarrativeFile, parse_narrative_file
from reportgen.load.csvfile import MAX_DATA_BYTES
from reportgen.load.data import WORKBOOK, PerformanceData, load_data
from reportgen.load.layout import ReportLayout, load_layout
from reportgen.load.reportfolder import CATALOGUE, LAYOUT, require_report_folder
from reportgen.load.theme import Theme, load_theme
from reportgen.load.yamlfile import read_text
from reportgen.months import Month
from reportgen.reading import Reads, recorded_reads

THEME = Path("layouts/theme.yaml")
CONTENT = Path("content")
DATA = Path("data")
# The data files a build may read (missing optional ones are skipped by load_data).
DATA_FILES = ("monthly.csv", "msg.csv", "survey_estimates.csv", "revisions.csv", WORKBOOK)
_DOCUMENTATION = re.compile(r"(?i)readme(\.\w+)?")


class ReportFolder(msgspec.Struct, frozen=True):
    """The load stage's hand-off: a report folder's catalogue, performance data and
    layout, validated (``load_report`` makes it; the narrative is read per edition by
    ``load_content``, the theme by ``load_report_theme``)."""

    root: Path
    catalogue: Catalogue
    data: PerformanceData
    layout: ReportLayout
    # the data cache's key of the bytes the data was loaded from (``keep_loaded_data``);
    # None where no cache was asked for, or a data file changed during the load
    data_key: str | None = None
    # the report folder whose cache holds the narrative parsed before (``load_content``);
    # None: no cache was asked for (a copy's narrative is parsed from its own files)
    cache_root: Path | None = None

    def display(self, path: Path) -> str:
        """A path as the analyst would type it: relative to the report folder."""
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)

    def content_dir(self, edition: Month) -> Path:
        return self.root / CONTENT / str(edition)

    def narrative_paths(self, edition: Month) -> dict[int, Path]:
        return {
            section.number: self.content_dir(edition) / section.narrative_file
            for section in self.layout.sections
        }


def inside(
    root: Path, relative: Path | str, *, file: str | None = None, line: int | None = None
) -> Path:
    """``root / relative``, checked to stay inside the report folder and to be a file.

    A symlink is followed only while it stays in the folder, and never round a loop.
    Raises InputError naming the file (or ``file``:``line``, the place that named it); a
    missing file is left to the reader, which knows whether it is optional.
    """
    path = root / relative
    name = str(relative)
    where = Where(file=file or name, line=line)
    # where the problem is told by the file's own name, the message need not repeat it
    subject = name if file else "it"
    try:
        real = real_path(path)
    except LinkLoop as loop:
        raise InputError(loop.says(subject, root=root), **where, hint=loop.hint) from None
    if not real.is_relative_to(root):
        raise InputError(
            f"{subject} leads outside the report folder (to {real})",
            **where,
            hint="copy the file into the report folder rather than linking to it",
        )
    try:
        mode = real.stat().st_mode
    except FileNotFoundError:
        return path
    except OSError as error:
        raise InputError(f"{subject} cannot be read: {error.strerror}", **where) from None
    if not stat.S_ISREG(mode):
        kind = "a folder" if stat.S_ISDIR(mode) else "not a plain file"
        raise InputError(f"{subject} is {kind}", **where, hint="it must be a file")
    return path


def load_report(root: Path, *, cache_root: Path | None = None) -> ReportFolder:
    """The load stage's entry point: a report folder -> its ``ReportFolder`` (catalogue,
    layout and data, validated), every problem at once where the files can be read at
    all. Raises InputError first of all if ``root`` is not a report folder.

    ``cache_root``: the report folder whose data cache (``load.datacache``) may hold
    this data as loaded before, and keeps it once loaded; None loads it afresh."""
    root = require_report_folder(root)
    with recorded_reads() as catalogue_reads:
        catalogue = load_catalogue(inside(root, CATALOGUE), str(CATALOGUE))
    problems = ProblemCollector()
    layout = data = None
    with problems.attempt():
        layout = load_layout(inside(root, LAYOUT), catalogue, str(LAYOUT))
    key = None
    with problems.attempt():
        data, key = _load_data(root, catalogue, cache_root, catalogue_reads)
    problems.raise_if_any()
    assert layout is not None and data is not None
    return ReportFolder(root, catalogue, data, layout, key, cache_root)


def keep_loaded_data(folder: ReportFolder, cache_root: Path) -> None:
    """Keep the folder's data in ``cache_root``'s data cache (``load.datacache``), where
    it was loaded from bytes the cache can name and is not kept already, and the
    narrative parsed meanwhile (``load.narrativecache``): called once a command has
    written what it was for."""
    if folder.data_key is not None:
        from reportgen.load.datacache import DataCache

        DataCache(cache_root).keep(folder.data_key, folder.data)
    if folder.cache_root is not None:
        from reportgen.load.narrativecache import keep_parsed

        keep_parsed(folder.cache_root)


def load_figures(root: Path) -> tuple[Catalogue, PerformanceData]:
    """The folder's catalogue and data only (what ``reportgen workbook`` writes out),
    read as ``load_report`` reads them: every file within the report folder."""
    root = require_report_folder(root)
    catalogue = load_catalogue(inside(root, CATALOGUE), str(CATALOGUE))
    data, _ = _load_data(root, catalogue)
    return catalogue, data


def _load_data(
    root: Path,
    catalogue: Catalogue,
    cache_root: Path | None = None,
    catalogue_reads: Reads | None = None,
) -> tuple[PerformanceData, str | None]:
    """The data, and the data cache's key of the bytes it was loaded from (or None)."""
    for name in DATA_FILES:
        inside(root, DATA / name)  # no link out of the folder, no loop, no FIFO

    def load() -> PerformanceData:
        return load_data(root / DATA, catalogue, root)

    if cache_root is None or catalogue_reads is None:
        return load(), None
    from reportgen.load.datacache import DataCache

    names = [CATALOGUE, *(DATA / name for name in DATA_FILES)]
    return DataCache(cache_root).loaded(root, names, catalogue, catalogue_reads, load)


def load_report_theme(folder: ReportFolder) -> Theme:
    """``layouts/theme.yaml`` of the folder, validated (render needs it; compute does not)."""
    return _theme_in(folder.root)


def load_folder_theme(root: Path) -> Theme:
    """``layouts/theme.yaml`` of the report folder ``root``, which need not load: the
    theme depends on nothing else, so its problems are told with the rest's."""
    return _theme_in(require_report_folder(root))


def _theme_in(root: Path) -> Theme:
    return load_theme(inside(root, THEME), str(THEME))


def input_files(folder: ReportFolder, edition: Month) -> dict[str, Path]:
    """Every file a build of ``edition`` reads, by its path in the report folder."""
    names = [CATALOGUE, LAYOUT, THEME, *(DATA / name for name in DATA_FILES)]
    names += [CONTENT / str(edition) / s.narrative_file for s in folder.layout.sections]
    found = {}
    for name in names:
        path = inside(folder.root, name)
        if path.is_file():
            found[str(name)] = path
    return found


def stray_files(folder: ReportFolder, edition: Month) -> list[str]:
    """Files in ``data/``, ``content/`` and the edition's narrative folder that no build
    reads, with the folders in ``content/`` that are not an edition's (``March 2014/``,
    ``2014-3/``); a folder's name ends in ``/``."""
    read = set(input_files(folder, edition))

    def unread(directory: Path, is_read: Callable[[Path], bool]) -> list[str]:
        if not directory.is_dir():
            return []
        return [
            folder.display(path) + ("/" if path.is_dir() else "")
            for path in sorted(directory.iterdir())
            if not is_read(path) and not _DOCUMENTATION.fullmatch(path.name)
        ]

    def an_input(path: Path) -> bool:
        return folder.display(path) in read

    def an_edition_s(path: Path) -> bool:
        return path.is_dir() and edition_of_folder(path) is not None

    return [
        *unread(folder.root / DATA, an_input),
        *unread(folder.content_dir(edition), an_input),
        *unread(folder.root / CONTENT, an_edition_s),
    ]


def data_end(root: Path) -> Month | None:
    """The last month with figures in ``data/monthly.csv`` or the workbook (None if none).

    A quick look only: the full load reports what is wrong with either file.
    """
    root = real_path(root)
    found = []
    try:
        path = inside(root, DATA / "monthly.csv")
        if path.stat().st_size <= MAX_DATA_BYTES:
            with path.open(encoding="utf-8-sig", errors="replace") as handle:
                months = {line.split(",", 2)[1] for line in handle if line.count(",") >= 3}
            for text in months:
                try:
                    found.append(Month.parse(text))
                except ValueError:
                    continue  # the header, or a bad row the full load reports
    except (OSError, InputError):
        pass  # the full load reports what is wrong with the file
    try:
        book = inside(root, DATA / WORKBOOK)
    except InputError:
        book = None
    if book is not None and book.is_file():
        from reportgen.load.workbook import last_month_with_figures

        last = last_month_with_figures(book)
        found += [last] if last else []
    return max(found) if found else None


def editions_with_content(root: Path) -> list[Month]:
    folder = Path(root) / CONTENT
    if not folder.is_dir():
        return []
    editions = (edition_of_folder(path) for path in folder.iterdir() if path.is_dir())
    return sorted(edition for edition in editions if edition is not None)


def edition_of_folder(path: Path) -> Month | None:
    """The edition whose narrative a folder in ``content/`` holds: its name is the
    month, ``YYYY-MM`` in ASCII digits ("0000-01" is no edition's)."""
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}", path.name):
        return None
    try:
        return Month.parse(path.name)
    except ValueError:
        return None


def default_edition(root: Path, last_data_month: Month | None = None) -> Month:
    """The newest edition that has a narrative folder (and, given, data to build it).

    An edition just started with ``reportgen new`` has narrative but no figures yet; it
    becomes the default once its month's data is added.
    """
    editions = editions_with_content(root)
    if last_data_month is not None and any(e <= last_data_month for e in editions):
        editions = [e for e in editions if e <= last_data_month]
    if not editions:
        raise InputError(
            "no edition folders under content/",
            file=str(CONTENT),
            hint="pass --edition YYYY-MM, or start one with 'reportgen new YYYY-MM'",
        )
    return editions[-1]


def load_content(
    folder: ReportFolder, edition: Month, *, bodies: bool = True
) -> dict[int, NarrativeFile]:
    """Every section's narrative for ``edition``, every problem at once; a missing file
    is an error. ``bodies=False`` reads the front matter only (the figures need the
    statements, not the Markdown). Where the folder was loaded with a cache, narrative
    parsed before from the same texts is read back (``load.narrativecache``)."""
    texts: dict[int, tuple[str, str]] = {}
    missing = []
    problems = ProblemCollector()
    for number, path in folder.narrative_paths(edition).items():
        name = folder.display(path)
        with problems.attempt():
            checked = inside(folder.root, path.relative_to(folder.root))
            if not checked.exists():
                missing.append(name)
                continue
            texts[number] = (name, read_text(checked, name, limit=MAX_NARRATIVE_BYTES))

    def parse() -> dict[int, NarrativeFile]:
        parsed: dict[int, NarrativeFile] = {}
        found = ProblemCollector()
        for number, (name, text) in texts.items():
            with found.attempt():
                parsed[number] = parse_narrative_file(text, name, body=bodies)
        found.raise_if_any()
        return parsed

    parsed: dict[int, NarrativeFile] = {}
    with problems.attempt():
        if problems or missing or folder.cache_root is None:
            parsed = parse()  # the other files' problems too, told with these
        else:
            from reportgen.load.narrativecache import NarrativeCache

            parsed = NarrativeCache(folder.cache_root).parsed(texts, bodies, parse)
    lines = {s.number: s.line for s in folder.layout.sections}
    for number, text in parsed.items():
        if text.section != number:
            problems.add(
                InputError(
                    f"front matter says section {text.section}, but the layout puts this "
                    f"file in section {number} ({folder.layout.file}:{lines[number]})",
                    file=text.file,
                    line=2,
                    hint=f"set 'section: {number}' or correct the layout's narrative name",
                )
            )
    if missing:
        problems.add(
            InputError(
                f"narrative missing for edition {edition}: {', '.join(missing)}",
                file=folder.display(folder.content_dir(edition)),
                hint=(
                    "create them (copy them from the previous edition's folder)"
                    if folder.content_dir(edition).is_dir()
                    else f"run 'reportgen new {edition}' to start from the last edition"
                ),
            )
        )
    problems.raise_if_any()
    return parsed


def still_marked_for_review(
    folder: ReportFolder, edition: Month, marked: list[str], *, command: str
) -> InputError:
    """The error for narrative files ``marked`` for review when ``command`` (build, or
    check and build) was asked for the final edition."""
    return InputError(
        f"{len(marked)} narrative file(s) still marked for review: {', '.join(marked)}",
        file=folder.display(folder.content_dir(edition)),
        hint=f"edit them and set 'review: false' in each front matter, or {command} with --draft",
    )
