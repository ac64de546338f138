"""Which editions a report folder holds, read without the data stack.

In: a report folder. Out: its edition months (``content/YYYY-MM/`` folders), the last
month of ``data/monthly.csv`` and the default edition. Kept apart from ``folder`` (which
imports pandas) so the command line can decide what to build before the heavy imports.
"""

from __future__ import annotations

import re
from pathlib import Path

from reportgen.errors import InputError
from reportgen.months import Month

CONTENT = Path("content")
DATA = Path("data")


def data_end(root: Path) -> Month | None:
    """The last month of ``data/monthly.csv`` (None where there is no readable file)."""
    path = Path(root) / DATA / "monthly.csv"
    try:
        with path.open(encoding="utf-8-sig") as handle:
            months = [line.split(",")[1] for line in list(handle)[1:] if line.count(",") >= 3]
        return max(Month.parse(m) for m in months) if months else None
    except (OSError, ValueError, IndexError):
        return None  # the full load reports what is wrong with the file


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
