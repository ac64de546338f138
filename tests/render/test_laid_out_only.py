"""The page-fit dry run places the paragraphs and tables without drawing them
(``tagging.laid_out_only``), and lands each where the drawn layout does.

``check`` says "22 pages fit" and names what a page cannot hold from a dry run; ``build``
draws. Each case lays an edition out both ways and compares the page count, the page
each section starts on and every problem; and the dry run must really draw nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from reportgen.assemble.document import PageMap, lay_out
from reportgen.compute.edition import Edition, compute_edition, load_narrative
from reportgen.errors import ReportgenError
from reportgen.load.folder import load_folder_theme, load_report
from reportgen.months import Month
from reportgen.render.styles import build_styles
from reportgen.render.tagging import MarkedContent
from tests.conftest import copy_sample
from tests.load.test_page_fit import restyle


def _no_change(root: Path) -> None:
    pass


def _large_body(root: Path) -> None:
    # paragraphs split across pages, and sections pushed on by pages
    restyle(root, "body", "{size: 15, leading: 19}")


def _large_cells(root: Path) -> None:
    # the performance tables split across pages, their header rows repeated
    restyle(root, "table_cell", "{size: 16, leading: 22}")


def _cover_too_long(root: Path) -> None:
    # a problem found as the pages are placed: the cover runs onto a second page
    layout = root / "layouts" / "report.yaml"
    lines = "".join(f'    - "{which} {"cover line " * 40}"\n' for which in ("One", "Two", "Three"))
    text = layout.read_text(encoding="utf-8")
    assert '    - "{edition}"\n' in text
    layout.write_text(text.replace('    - "{edition}"\n', '    - "{edition}"\n' + lines), "utf-8")


def _laid_out(root: Path, edition: Month, write: bool) -> tuple[PageMap | None, str]:
    folder = load_report(root)
    computed: Edition = compute_edition(folder, edition, load_narrative(folder, edition))
    styles = build_styles(load_folder_theme(root))
    charts = tuple(() for _ in computed.charts())
    try:
        _, layout = lay_out(computed, styles, lambda: charts, write=write)
    except ReportgenError as error:
        return None, str(error)
    return layout, ""


# what the story's paragraphs, lists and tables are tagged as (the page templates draw
# the rest: a section's title, the running header, a chart's slot)
STORY_ROLES = {"P", "H2", "H3", "Lbl", "LBody", "TH", "TD"}


def _drawn_text(layout: PageMap) -> int:
    """How many pieces of the story's paragraphs and tables were drawn (and tagged)."""
    return sum(
        isinstance(kid, MarkedContent)
        for element in layout.structure.walk()
        if element.role in STORY_ROLES
        for kid in element.kids
    )


@pytest.mark.parametrize(
    ("change", "edition"),
    [
        (_no_change, Month(2014, 3)),
        (_no_change, Month(2013, 9)),
        (_large_body, Month(2014, 3)),
        (_large_cells, Month(2014, 3)),
        (_cover_too_long, Month(2014, 3)),
    ],
)
def test_the_dry_run_lands_every_page_where_the_drawn_layout_does(
    tmp_path: Path, change: Callable[[Path], None], edition: Month
) -> None:
    root = copy_sample(tmp_path / "report")
    change(root)
    drawn, drawn_problems = _laid_out(root, edition, write=True)
    dry, dry_problems = _laid_out(root, edition, write=False)
    assert dry_problems == drawn_problems
    if drawn is None or dry is None:
        assert drawn is dry is None and "cover does not fit" in drawn_problems
        return
    assert (dry.page_count, dry.section_pages) == (drawn.page_count, drawn.section_pages)
    if change is not _no_change:
        assert drawn.page_count > 22  # the change did move pages on
    assert _drawn_text(drawn) > 100 and _drawn_text(dry) == 0  # the dry run draws none
