"""What makes a folder a report folder: a path -> yes or no, or the plain error saying no.

Kept apart from ``load.folder`` so that the CLI can ask it before importing anything
heavy: every command but ``init`` says first of all when it is run outside a report folder.
"""

from __future__ import annotations

from pathlib import Path

from reportgen.errors import InputError
from reportgen.links import real_path

CATALOGUE = Path("data/catalogue.yaml")
LAYOUT = Path("layouts/report.yaml")
DEFAULT_ARCHIVE = Path("archive")
# where no output of a command may go: the inputs, the archive's versions, the chart cache
KEPT_FOLDERS = (Path("data"), Path("layouts"), Path("content"), DEFAULT_ARCHIVE,
                Path(".reportgen-cache"))  # fmt: skip


def kept_folder_of(path: Path, root: Path) -> Path | None:
    """The folder of ``KEPT_FOLDERS`` (relative to the report folder ``root``) that
    ``path`` is in or is, links followed; None where it is in none."""
    real, real_root = real_path(path), real_path(root)
    return next((kept for kept in KEPT_FOLDERS if real.is_relative_to(real_root / kept)), None)


def is_report_folder(root: Path) -> bool:
    """Whether ``root`` holds a layout or a catalogue (the mark of a report folder)."""
    root = Path(root)
    return (root / LAYOUT).is_file() or (root / CATALOGUE).is_file()


def require_report_folder(root: Path) -> Path:
    """The report folder, resolved; says plainly when ``root`` is not one (or is a
    symbolic link that leads round in a loop)."""
    resolved = real_path(root)
    if not is_report_folder(resolved):
        raise InputError(
            "not a report folder (no layouts/report.yaml or data/catalogue.yaml)",
            file=str(resolved),
            hint="run reportgen inside the folder holding layouts/, content/ and data/, "
            "pass --root DIR, or start one with 'reportgen init DIR'",
        )
    return resolved
