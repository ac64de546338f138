"""A report folder (``layouts/``, ``content/``, ``data/``) -> a loaded ``ReportFolder``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from reportgen.errors import InputError
from reportgen.load.catalogue import Catalogue, load_catalogue
from reportgen.load.content import SectionText, load_section_text
from reportgen.load.csvfile import MAX_DATA_BYTES
from reportgen.load.data import WORKBOOK, PerformanceData, load_data
from reportgen.load.layout import ReportLayout, load_layout
from reportgen.months import Month

CATALOGUE = Path("data/catalogue.yaml")
LAYOUT = Path("layouts/report.yaml")
THEME = Path("layouts/theme.yaml")
CONTENT = Path("content")
DATA = Path("data")


@dataclass(frozen=True)
class ReportFolder:
    root: Path
    catalogue: Catalogue
    data: PerformanceData
    layout: ReportLayout

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


def load_report(root: Path) -> ReportFolder:
    root = Path(root).resolve()
    if not (root / LAYOUT).exists() and not (root / CATALOGUE).exists():
        raise InputError(
            "not a report folder (no layouts/report.yaml or data/catalogue.yaml)",
            file=str(root),
            hint="run reportgen inside the folder holding layouts/, content/ and data/, "
            "or pass --root DIR",
        )
    catalogue = load_catalogue(root / CATALOGUE, str(CATALOGUE))
    layout = load_layout(root / LAYOUT, catalogue, str(LAYOUT))
    data = load_data(root / DATA, catalogue, root)
    return ReportFolder(root, catalogue, data, layout)


def data_end(root: Path) -> Month | None:
    """The last month with figures in ``data/monthly.csv`` or the workbook (None if none).

    A quick look only: the full load reports what is wrong with either file.
    """
    found = []
    path = Path(root) / DATA / "monthly.csv"
    try:
        if path.stat().st_size <= MAX_DATA_BYTES:
            with path.open(encoding="utf-8-sig", errors="replace") as handle:
                months = [line.split(",")[1] for line in list(handle)[1:] if line.count(",") >= 3]
            found += [Month.parse(m) for m in months]
    except (OSError, ValueError, IndexError):
        pass
    book = Path(root) / DATA / WORKBOOK
    if book.is_file():
        from reportgen.load.workbook import last_month_with_figures

        last = last_month_with_figures(book)
        found += [last] if last else []
    return max(found) if found else None


def editions_with_content(root: Path) -> list[Month]:
    folder = Path(root) / CONTENT
    if not folder.is_dir():
        return []
    return sorted(
        Month.parse(p.name)
        for p in folder.iterdir()
        if p.is_dir() and re.fullmatch(r"\d{4}-\d{2}", p.name)
    )


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
            file=str(Path(root) / CONTENT),
            hint="pass --edition YYYY-MM, or start one with 'reportgen new YYYY-MM'",
        )
    return editions[-1]


def load_content(folder: ReportFolder, edition: Month) -> dict[int, SectionText]:
    """Every section's narrative for ``edition``; a missing file is an error."""
    texts: dict[int, SectionText] = {}
    missing = []
    for number, path in folder.narrative_paths(edition).items():
        if not path.exists():
            missing.append(folder.display(path))
            continue
        text = load_section_text(path, folder.display(path))
        if text.section != number:
            raise InputError(
                f"front matter says section {text.section}, but the layout puts this file in "
                f"section {number}",
                file=folder.display(path),
                line=2,
            )
        texts[number] = text
    if missing:
        raise InputError(
            f"narrative missing for edition {edition}: {', '.join(missing)}",
            file=folder.display(folder.content_dir(edition)),
            hint=(
                "create them (copy them from the previous edition's folder)"
                if folder.content_dir(edition).is_dir()
                else f"run 'reportgen new {edition}' to start from the last edition"
            ),
        )
    return texts
