"""A report folder (``layouts/``, ``content/``, ``data/``) -> a loaded ``ReportFolder``.

Which editions a folder holds (``default_edition`` and friends) lives in the light
``reportgen.load.editions``, re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reportgen.errors import InputError
from reportgen.load.catalogue import Catalogue, load_catalogue
from reportgen.load.content import SectionText, load_section_text
from reportgen.load.data import PerformanceData, load_data
from reportgen.load.editions import CONTENT, DATA, data_end, default_edition, editions_with_content
from reportgen.load.layout import ReportLayout, load_layout
from reportgen.months import Month

__all__ = [
    "CATALOGUE",
    "CONTENT",
    "DATA",
    "LAYOUT",
    "THEME",
    "ReportFolder",
    "data_end",
    "default_edition",
    "editions_with_content",
    "load_content",
    "load_report",
]

CATALOGUE = Path("data/catalogue.yaml")
LAYOUT = Path("layouts/report.yaml")
THEME = Path("layouts/theme.yaml")


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
