"""``reportgen check``: validate a report folder without building anything.

Returns the lines describing what was checked; raises the first problem found.
"""

from __future__ import annotations

from pathlib import Path

from reportgen.compute.aggregate import Figures
from reportgen.compute.charts import check_chart_data
from reportgen.compute.edition import compute_tables
from reportgen.deliver.distribution import load_distribution
from reportgen.load.folder import THEME, editions_with_content, load_content, load_report
from reportgen.load.theme import load_theme


def check_folder(root: Path) -> list[str]:
    folder = load_report(root)
    data = folder.data
    lines = [
        f"catalogue: {len(folder.catalogue)} measures ({folder.catalogue.file})",
        f"layout: {len(folder.layout.sections)} sections, "
        f"{sum(len(s.tables()) for s in folder.layout.sections)} tables, "
        f"{sum(len(s.charts()) for s in folder.layout.sections)} charts "
        f"({folder.layout.file})",
        f"data: {len(data.monthly)} monthly rows, {data.first_month} to {data.last_month} "
        f"({data.monthly_file}); {len(data.msg)} MSG entries ({data.msg_file}); "
        f"{len(data.survey)} survey estimates ({data.survey_file}); "
        f"{len(data.revisions)} revised figures ({data.revisions_file})",
    ]
    theme = load_theme(folder.root / THEME, str(THEME))
    lines.append(f"theme: {theme.fonts.family}, {len(theme.styles)} styles ({theme.file})")
    figures = Figures(folder.catalogue, folder.data)
    for section in folder.layout.sections:
        for chart in section.charts():
            check_chart_data(chart, figures)
    for edition in editions_with_content(folder.root):
        texts = load_content(folder, edition)
        marked = [t.file for t in texts.values() if t.needs_review]
        tables = compute_tables(folder, edition, texts)
        rows = sum(len(t.rows) for t in tables)
        status = f"; {len(marked)} file(s) marked for review" if marked else ""
        lines.append(
            f"edition {edition}: {len(texts)} narrative files, {rows} table rows computed{status}"
        )
    distribution = folder.root / "distribution.yaml"
    if distribution.exists():  # header values, addresses, templates: before any send
        lists = load_distribution(distribution)
        lines.append(f"distribution: {len(lists)} list(s) ({distribution.name})")
    lines.append("ok: nothing built")
    return lines
