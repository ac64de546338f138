"""Build an edition: report folder + edition month -> the board-pack PDF on disk.

The orchestrator with explicit hand-offs: load -> compute -> (charts drawn on the
second core while reportlab lays out the text) -> finish with pikepdf -> atomic write.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from reportgen.assemble.worker import ChartWorker
from reportgen.atomic import write_bytes
from reportgen.compute.edition import Edition, compute_edition
from reportgen.errors import BuildError, InputError
from reportgen.load.folder import ReportFolder, load_content, load_report, load_report_theme
from reportgen.months import Month
from reportgen.render.charts import (
    ChartStyle,
    ChartText,
    DrawnCharts,
    cached_charts,
    charts_digest,
    draw_charts,
    store_charts,
)

CACHE = Path(".reportgen-cache")


@dataclass
class BuildResult:
    path: Path
    edition: Month
    pages: int
    size: int
    section_pages: dict[int, int]
    timings: dict[str, float] = field(default_factory=dict)


def default_output(folder: ReportFolder, edition: Month, *, draft: bool = False) -> Path:
    # a draft never takes the final file's name, so it cannot be circulated by mistake
    suffix = "-DRAFT" if draft else ""
    return folder.root / "out" / f"performance-update-{edition}{suffix}.pdf"


def review_problems(folder: ReportFolder, edition: Month) -> list[str]:
    """Narrative files still marked for review (``review: true``)."""
    texts = load_content(folder, edition)
    return [t.file for t in texts.values() if t.needs_review]


def build_edition(
    root: Path,
    edition: Month,
    out: Path | None = None,
    *,
    draft: bool = False,
    use_cache: bool = True,
    progress: Callable[[str], None] | None = None,
    worker: ChartWorker | None = None,
) -> BuildResult:
    """Build ``edition`` from the report folder ``root``; write the PDF atomically.

    Drawn charts are kept in ``.reportgen-cache/`` keyed by everything they depend on,
    so a rebuild after a narrative edit does not draw them again; the bytes are the
    same either way.
    """
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def step(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = now - clock
        clock = now
        if progress:
            progress(name)

    if out is not None and Path(out).is_dir():
        raise BuildError(
            "--out is a folder", file=str(out), hint="give a file name, e.g. out/edition.pdf"
        )
    worker = worker or ChartWorker()
    try:
        return _build(
            root,
            edition,
            out,
            draft=draft,
            use_cache=use_cache,
            worker=worker,
            step=step,
            timings=timings,
        )
    finally:
        worker.close()


def _build(
    root: Path,
    edition: Month,
    out: Path | None,
    *,
    draft: bool,
    use_cache: bool,
    worker: ChartWorker,
    step: Callable[[str], None],
    timings: dict[str, float],
) -> BuildResult:
    folder = load_report(root)
    theme = load_report_theme(folder)
    texts = load_content(folder, edition)
    marked = [t.file for t in texts.values() if t.needs_review]
    if marked and not draft:
        raise InputError(
            f"{len(marked)} narrative file(s) still marked for review: {', '.join(marked)}",
            file=folder.display(folder.content_dir(edition)),
            hint="edit them and set 'review: false' in each front matter, or build with --draft",
        )
    step("load")
    computed: Edition = compute_edition(folder, edition, texts, draft=draft)
    step("compute")
    charts = computed.charts()
    style = ChartStyle.from_theme(theme)
    cache_dir = folder.root / CACHE if use_cache else None
    digest = charts_digest(charts, style)
    cached = cached_charts(cache_dir, digest)
    background = None if cached is not None else worker.draw(charts, style)
    drawn: list[DrawnCharts] = []

    def chart_texts() -> tuple[tuple[ChartText, ...], ...]:
        # asked for once the text is laid out: wait here for the chart worker
        step("assemble")
        result = cached or (background.result() if background else draw_charts(charts, style))
        if cached is None:
            store_charts(cache_dir, digest, result)
        drawn.append(result)
        step("charts")
        return result.texts

    # reportlab and pypdf are imported only now, while the worker already draws
    from reportgen.assemble.document import lay_out
    from reportgen.assemble.postprocess import finish
    from reportgen.render.glyphs import check_page_texts, layout_texts, narrative_texts
    from reportgen.render.styles import build_styles

    # every text bound for the page against the font, by file and line, as check does
    styles = build_styles(theme)
    check_page_texts(layout_texts(folder), styles)
    check_page_texts(narrative_texts(texts), styles)

    layout_pdf, layout = lay_out(computed, theme, chart_texts)
    charts_pdf = drawn[0].pdf
    if len(layout.chart_slots) != len(charts):
        raise BuildError(f"{len(charts) - len(layout.chart_slots)} chart(s) were not placed")
    pdf = finish(layout_pdf, charts_pdf, layout, computed, language=folder.layout.language)
    target = Path(out) if out else default_output(folder, edition, draft=draft)
    write_bytes(target, pdf)
    step("finish")
    return BuildResult(target, edition, layout.page_count, len(pdf), layout.section_pages, timings)
