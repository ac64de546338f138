"""Build editions: report folder + edition month -> the board-pack PDF on disk.

The orchestrator with explicit hand-offs: load -> compute -> (charts drawn on the
second core while reportlab lays out the text) -> finish with pikepdf -> atomic write.
``build_edition`` builds one; ``EditionBuilder`` builds many from one loaded folder
(a batch over a range of editions, a preview rebuilding on every save).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from reportgen import notices, steps
from reportgen.assemble.worker import ChartWorker, PendingCharts, WorkerGone
from reportgen.atomic import ensure_folder, write_bytes
from reportgen.cachefolder import CACHE
from reportgen.compute.chartdata import ChartData
from reportgen.compute.edition import Edition, compute_edition, load_narrative
from reportgen.errors import BuildError, InputError, ProblemCollector, ReportgenError
from reportgen.load.folder import (
    ReportFolder,
    default_edition,
    keep_loaded_data,
    load_folder_theme,
    load_report,
    still_marked_for_review,
)
from reportgen.load.reportfolder import kept_folder_of
from reportgen.months import Month
from reportgen.render.chartcache import ChartCache, chart_inputs_key
from reportgen.render.chartplan import ChartPlan, plan_charts
from reportgen.render.charts import ChartStyle, ChartText, DrawnCharts, charts_digest, draw_charts
from reportgen.render.contrast import low_contrast

if TYPE_CHECKING:
    from reportgen.load.content import NarrativeFile
    from reportgen.render.styles import Styles

__all__ = [
    "BuildResult",
    "EditionBuilder",
    "build_edition",
    "default_output",
]


class BuildResult(msgspec.Struct):
    path: Path
    edition: Month
    pages: int
    size: int
    section_pages: dict[int, int]
    timings: dict[str, float] = msgspec.field(default_factory=dict)


def default_output(folder: ReportFolder, edition: Month, *, draft: bool = False) -> Path:
    # a draft never takes the final file's name, so it cannot be circulated by mistake
    suffix = "-DRAFT" if draft else ""
    return folder.root / "out" / f"performance-update-{edition}{suffix}.pdf"


def build_edition(
    root: Path,
    edition: Month,
    out: Path | None = None,
    *,
    draft: bool = False,
    use_cache: bool = True,
    progress: Callable[[str], None] | None = None,
    worker: ChartWorker | None = None,
    cache_key: str | None = None,
    cache_root: Path | None = None,
    folder_keys: tuple[str, ...] = (),
) -> BuildResult:
    """Build ``edition`` from the report folder ``root``; write the PDF atomically.

    The orchestrator of one build: load -> compute -> charts drawn by a ``ChartWorker``
    on the second core while reportlab lays out the text -> finish -> atomic write.
    Drawn charts are kept in ``.reportgen-cache/`` keyed by everything they depend on,
    so a rebuild after a narrative edit does not draw them again; the bytes are the
    same either way. ``cache_key``: the ``chart_inputs_key`` the caller looked up before
    starting (or not) a ``worker``; it is noted in the cache's index with this edition's.
    ``cache_root``: the report folder whose chart cache to use, where ``root`` is a copy
    of its inputs (the archive's); the cache is keyed by what the charts show, so it
    serves any folder. ``folder_keys``: that folder's own ``folder_chart_keys``, taken
    by the caller before the copy, under which the charts are noted for its next build
    (the copy's inputs are not the folder's to index)."""
    if out is not None:
        check_out(Path(out), root)
    # the CLI may have started a worker already; otherwise one starts only if charts
    # need drawing. Whatever ends the build, the worker ends with it.
    workers = [worker] if worker is not None else []

    def chart_worker() -> ChartWorker:
        if not workers:
            workers.append(ChartWorker())
        return workers[0]

    try:
        clock = Clock(progress)
        builder = EditionBuilder(
            root,
            use_cache=use_cache,
            chart_worker=chart_worker,
            cache_root=cache_root,
            folder_keys=folder_keys,
        )
        return builder.build(edition, out, draft=draft, clock=clock, cache_key=cache_key)
    finally:
        for started in workers:
            started.close()


class Clock:
    """Times each stage of a build and tells ``progress`` as each one ends."""

    def __init__(self, progress: Callable[[str], None] | None = None) -> None:
        self.progress = progress
        self.timings: dict[str, float] = {}
        self.last = time.perf_counter()

    def step(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = now - self.last
        self.last = now
        if self.progress:
            self.progress(name)


# what build and pack write into out/ when no --out is given: (what, name)
DEFAULT_OUTPUTS = {
    "edition": ("an edition", re.compile(r"performance-update-\d{4}-\d{2}(-DRAFT)?\.pdf")),
    "pack": ("a board pack", re.compile(r"board-pack-\d{4}-\d{2}\.pdf")),
}


def check_out(out: Path, root: Path, *, read: Iterable[Path] = (), makes: str = "edition") -> None:
    """``--out`` must name a PDF file (``.pdf``) in a folder that exists (reportgen makes
    no folders), outside the report folder's inputs, archive and cache, and not one of
    the files ``read`` to make it, nor where the other command (``makes``: "edition" or
    "pack") writes its own in out/; an existing file there must be a PDF. A slip of the
    finger must not replace data/monthly.csv, an archived version or /dev/null."""
    if out.is_dir():
        raise BuildError(
            "--out is a folder", file=str(out), hint="give a file name, e.g. out/edition.pdf"
        )
    if out.suffix.lower() != ".pdf" or not out.stem.strip():
        raise BuildError(
            "--out must name a PDF file, ending .pdf", file=str(out), hint="e.g. out/edition.pdf"
        )
    if not out.parent.is_dir():
        raise BuildError(
            "the folder for --out does not exist",
            file=str(out.parent),
            hint="create it first, or write into an existing folder",
        )
    kept = kept_folder_of(out, root)
    if kept is not None:
        raise BuildError(
            f"--out is in the report folder's {kept}/, which no output goes into",
            file=str(out),
            hint="write into out/ (the default) or a folder of your own",
        )
    if any(out.resolve() == Path(path).resolve() for path in read):
        raise BuildError(
            "--out names a file this command reads", file=str(out), hint="name another file"
        )
    if out.resolve().parent == (Path(root) / "out").resolve():
        for kind, (what, name) in DEFAULT_OUTPUTS.items():
            if kind != makes and name.fullmatch(out.name):
                raise BuildError(
                    f"--out names where {what} is written by default: "
                    f"{DEFAULT_OUTPUTS[makes][0]} there would replace it",
                    file=str(out),
                    hint="name another file, or leave out --out for out/'s own name",
                )
    if out.exists() and not _is_pdf_or_empty(out):
        raise BuildError(
            "--out names a file that is not a PDF; reportgen replaces only a PDF",
            file=str(out),
            hint="name a new file, or move that one away first",
        )


def _is_pdf_or_empty(path: Path) -> bool:
    """A PDF, or an empty file (as ``mktemp --suffix=.pdf`` makes for a script)."""
    if not path.is_file():  # a FIFO would block the open, a device is no PDF
        return False
    try:
        with path.open("rb") as handle:
            return handle.read(5) in (b"%PDF-", b"")
    except OSError:
        return False


class EditionBuilder:
    """Builds editions of one report folder.

    What does not depend on the edition — the folder's catalogue, layout, data and theme
    — is loaded once, so a batch of editions or a preview that rebuilds on every save
    pays for it (and for the imports) once. Charts are drawn by a ``ChartWorker`` when
    ``chart_worker`` is given, else in this process; ``memory`` keeps drawn charts for
    the next build in this process.
    """

    def __init__(
        self,
        root: Path,
        *,
        use_cache: bool = True,
        chart_worker: Callable[[], ChartWorker] | None = None,
        memory: dict[str, DrawnCharts] | None = None,
        cache_root: Path | None = None,
        folder_keys: tuple[str, ...] = (),
    ) -> None:
        # the data cache only for the folder itself: a copy (pack, archive) is loaded from
        # its files, so what is archived is always made from what it embeds
        data_cache = Path(root) if use_cache and cache_root is None else None
        cache_root = cache_root or Path(root)
        # the theme does not depend on the rest: its problems are told with theirs, as
        # check tells them
        problems = ProblemCollector()
        folder = theme = None
        with problems.attempt():
            folder = load_report(root, cache_root=data_cache)
        with problems.attempt():
            theme = load_folder_theme(Path(root))
        if folder is None:
            problems.raise_if_any()
        assert folder is not None
        # a theme that failed is told with each edition's own problems, as check tells
        # them: the figures and the narrative do not depend on it
        self.theme_problems = problems
        self.folder, self.theme = folder, theme
        self.folder_keys = folder_keys
        for warning in folder.data.warnings:  # as check, figures and explain tell them
            notices.warn(warning)
        for line in low_contrast(theme) if theme is not None else ():
            notices.warn(f"{theme.file}: {line}")  # built, and said: the analyst's choice
        self.cache = ChartCache(cache_root) if use_cache else None
        self.chart_worker = chart_worker
        self.memory = memory if memory is not None else {}

    def build(
        self,
        edition: Month,
        out: Path | None = None,
        *,
        draft: bool = False,
        clock: Clock | None = None,
        cache_key: str | None = None,
    ) -> BuildResult:
        """Build ``edition`` and write its PDF atomically (to ``out``, or ``out/``).

        Charts kept from before are used where their digest matches; where they then
        cannot be placed (an entry damaged in a way its checks do not see), the charts
        are drawn again, with one warning, and the build goes on."""
        try:
            return self._build(edition, out, draft, clock, cache_key, kept_charts=True)
        except _KeptChartsUnusable as unusable:
            notices.warn(
                f"the charts kept in {CACHE}/ could not be used ({unusable}); drawing them again"
            )
            self.memory.clear()
            return self._build(edition, out, draft, clock, cache_key, kept_charts=False)

    def _check_texts(
        self, texts: dict[int, NarrativeFile], styles: Styles, problems: ProblemCollector
    ) -> None:
        """Every text bound for the page against the font, by file and line, as check
        does: the layout's, the theme's and the narrative's."""
        from reportgen.render.glyphs import check_page_texts
        from reportgen.render.pagetexts import layout_texts, narrative_texts, theme_texts

        assert self.theme is not None
        with problems.attempt():
            check_page_texts(chain(layout_texts(self.folder), theme_texts(self.theme)), styles)
        with problems.attempt():
            check_page_texts(narrative_texts(texts), styles)

    def _build(
        self,
        edition: Month,
        out: Path | None,
        draft: bool,
        clock: Clock | None,
        cache_key: str | None,
        *,
        kept_charts: bool,
    ) -> BuildResult:
        clock = clock or Clock()
        folder, theme = self.folder, self.theme
        # the narrative's and the figures' problems, with the theme's where it failed
        # (they do not depend on it), and the texts the font lacks where the figures
        # failed (they do not depend on them), as check tells them
        found = ProblemCollector()
        computed: Edition | None = None
        with found.attempt():
            texts = load_narrative(folder, edition)
            marked = [t.file for t in texts.values() if t.needs_review]
            if marked and not draft:
                raise still_marked_for_review(folder, edition, marked, command="build")
            clock.step("load")
            try:
                computed = compute_edition(folder, edition, texts, draft=draft)
            except ReportgenError:
                if theme is not None:
                    from reportgen.render.styles import build_styles

                    with found.attempt():
                        self._check_texts(texts, build_styles(theme), found)
                raise
        for problem in self.theme_problems.problems:
            found.add(problem)
        found.raise_if_any()
        assert theme is not None and computed is not None
        clock.step("compute")
        charts = computed.charts()
        style = ChartStyle.from_theme(theme)
        digest = charts_digest(charts, style)
        cached = None
        if kept_charts:
            cached = self.memory.get(digest) or (
                self.cache.load(digest, len(charts)) if self.cache else None
            )
        background: PendingCharts | None = None
        plans: list[ChartPlan] = []
        # every problem of the edition at once, as check tells them: the charts' words,
        # the texts against the font, and what the pages cannot hold
        problems = ProblemCollector()
        if cached is None and charts:
            # where each chart's words go, measured as the document sets them (reportlab
            # and the two faces charts use; the rest after the charts are sent)
            from reportgen.render.styles import chart_measure

            with problems.attempt():
                plans = plan_charts(charts, style, chart_measure(style))
        if cached is None and charts and self.chart_worker is not None and not problems:
            background = self.chart_worker().draw(charts, style, plans)
            steps.reached("build: charts sent")
        drawn: list[DrawnCharts] = []

        def chart_texts() -> tuple[tuple[ChartText, ...], ...]:
            # asked for once the text is laid out: wait here for the chart worker
            clock.step("assemble")
            result = cached or _drawn_charts(background, charts, style, plans)
            self.memory.clear()  # one edition's charts: a preview's next build, say
            self.memory[digest] = result
            drawn.append(result)
            clock.step("charts")
            return result.texts

        # reportlab and pikepdf are imported only now, while the worker already draws
        from reportgen.assemble.document import lay_out
        from reportgen.assemble.postprocess import finish
        from reportgen.render.styles import build_styles

        styles = build_styles(theme)
        self._check_texts(texts, styles, problems)
        if problems:
            # laid out as check's dry run lays it out, for what the pages cannot hold too
            with problems.attempt():
                lay_out(computed, styles, lambda: tuple(() for _ in charts), write=False)
            problems.raise_if_any()

        try:
            layout_pdf, layout = lay_out(computed, styles, chart_texts)
            charts_pdf = drawn[0].pdf
            if len(layout.chart_slots) != len(charts):
                raise BuildError(
                    f"{len(charts) - len(layout.chart_slots)} chart(s) were not placed"
                )
            pdf = finish(layout_pdf, charts_pdf, layout, computed, language=folder.layout.language)
        except (ReportgenError, OSError):
            raise
        except Exception as error:
            if cached is None:
                raise
            raise _KeptChartsUnusable(f"{type(error).__name__}: {error}") from error
        if out:
            target = Path(out)
        else:
            target = default_output(folder, edition, draft=draft)
            ensure_folder(target.parent, within=folder.root)
        write_bytes(target, pdf, within=folder.root)
        if self.cache:
            # only now: on a nearly full disk the edition comes first, the cache after
            if cached is None and drawn:
                self.cache.store(digest, drawn[0])
            if self.cache.root == folder.root:
                _remember(self.cache, folder, edition, digest, cache_key)
            else:  # a copy's inputs are not the folder's: the keys the caller took from it
                for key in self.folder_keys:
                    self.cache.remember(key, digest)
            keep_loaded_data(folder, self.cache.root)
        clock.step("finish")
        return BuildResult(
            target, edition, layout.page_count, len(pdf), layout.section_pages, clock.timings
        )


class _KeptChartsUnusable(Exception):
    """Charts from the cache or memory failed to be placed: draw them again."""


def _drawn_charts(
    background: PendingCharts | None,
    charts: list[ChartData],
    style: ChartStyle,
    plans: list[ChartPlan],
) -> DrawnCharts:
    if background is not None:
        try:
            return background.result()
        except WorkerGone:
            pass  # the worker died or failed: draw here (an error then shows itself)
    return draw_charts(charts, style, plans)


def _remember(
    cache: ChartCache, folder: ReportFolder, edition: Month, digest: str, asked: str | None
) -> None:
    """Index the charts under every key a later build may look them up by: the folder's
    (``folder_chart_keys``) and the key the caller looked up."""
    keys = {*folder_chart_keys(folder, edition), asked}
    for key in sorted(k for k in keys if k is not None):
        cache.remember(key, digest)


def folder_chart_keys(folder: ReportFolder, edition: Month) -> tuple[str, ...]:
    """The keys a later ``build`` of the folder looks its charts up by (before it decides
    on a worker): this edition's, and the default edition's if it is that one."""
    keys = [chart_inputs_key(folder.root, edition)]
    try:
        if default_edition(folder.root, folder.data.last_month) == edition:
            keys.append(chart_inputs_key(folder.root, None))
    except InputError:
        pass
    return tuple(keys)
