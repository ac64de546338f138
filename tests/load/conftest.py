"""Small data folders for the data-file tests: the sample catalogue and a few rows.

``data_folder`` holds ``catalogue.yaml`` (copied from the sample) and short
``monthly.csv``, ``msg.csv`` and ``survey_estimates.csv`` files that load cleanly (and
``REVISIONS``, a ``revisions.csv`` to add); each test breaks one thing and reads the
problems ``load_data`` raises.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
import pytest

from reportgen.errors import Problems, ReportgenError
from reportgen.load.catalogue import Catalogue, load_catalogue
from reportgen.load.data import PerformanceData, load_data

REPO_ROOT = Path(__file__).resolve().parents[2]

MONTHLY = """\
measure,month,numerator,denominator
ksi_fatalities,2013-04,3,
ksi_fatalities,2013-05,4,
da_solved_rate,2013-04,300,1000
da_solved_rate,2013-05,310,1010
"""
MSG = """\
edition,measure,rank,msg_average,period_end
2013-05,all_crime,6,95020,2013-04
2013-05,emergency_calls,n/a,,
"""
SURVEY = """\
edition,measure,last_year,this_year,period_end
2013-05,csew_good_job,60.3,58.3,2013-03
"""
REVISIONS = """\
measure,month,numerator,denominator,until_edition
ksi_fatalities,2013-04,2,,2013-04
"""


@pytest.fixture
def data_folder(tmp_path: Path) -> Path:
    """A report folder with the sample catalogue and a few good rows of each data file."""
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(REPO_ROOT / "data" / "catalogue.yaml", data / "catalogue.yaml")
    for name, text in (
        ("monthly.csv", MONTHLY),
        ("msg.csv", MSG),
        ("survey_estimates.csv", SURVEY),
    ):
        (data / name).write_text(text, encoding="utf-8")
    return tmp_path


Load = Callable[[Path], PerformanceData]


@pytest.fixture
def load() -> Load:
    def run(root: Path) -> PerformanceData:
        catalogue: Catalogue = load_catalogue(
            root / "data" / "catalogue.yaml", "data/catalogue.yaml"
        )
        return load_data(root / "data", catalogue, root)

    return run


def problems_of(load: Load, root: Path) -> list[str]:
    """Every problem ``load_data`` reports for the folder, one string each, in order."""
    try:
        load(root)
    except Problems as exc:
        return [str(problem) for problem in exc.problems]
    except ReportgenError as exc:
        return [str(exc)]
    raise AssertionError("the folder loaded without a problem")


# --- a workbook of the same figures, written by openpyxl as an analyst's Excel would ---

GRID = [
    ["measure", "numerator or denominator", "label", (2013, 4), (2013, 5)],
    ["ksi_fatalities", None, "KSI - Fatalities", 3, 4],
    ["da_solved_rate", "numerator", "Domestic abuse solved rate", 300, 310],
    ["da_solved_rate", "denominator", "Domestic abuse solved rate", 1000, 1010],
]
SHEETS = {
    "MSG": [
        ["edition", "measure", "rank", "msg_average", "period_end"],
        ["2013-05", "all_crime", 6, 95020, "2013-04"],
        ["2013-05", "emergency_calls", "n/a", None, None],
    ],
    "Survey": [
        ["edition", "measure", "last_year", "this_year", "period_end"],
        ["2013-05", "csew_good_job", 60.3, 58.3, "2013-03"],
    ],
}


def write_workbook(path: Path, grid: list[list] = GRID, sheets: dict = SHEETS) -> Path:
    """A workbook in the analysts' shape; a (year, month) header becomes a real date."""
    import datetime

    from openpyxl import Workbook

    book = Workbook()
    monthly = book.active
    monthly.title = "Monthly"
    for row in grid:
        monthly.append(
            [datetime.datetime(*cell, 1) if isinstance(cell, tuple) else cell for cell in row]
        )
    for cell in monthly[1][3:]:
        cell.number_format = "mmm-yy"
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def sheet_xml_replace(path: Path, sheet: str, cell: str, xml: str) -> None:
    """Replace one cell's XML in a saved workbook (openpyxl cannot write cached values or
    error cells; Excel does)."""
    import re
    import zipfile

    parts = {"Monthly": "sheet1", "MSG": "sheet2", "Survey": "sheet3", "Revisions": "sheet4"}
    part = f"xl/worksheets/{parts[sheet]}.xml"
    with zipfile.ZipFile(path) as source:
        contents = {info: source.read(info.filename) for info in source.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in contents.items():
            if info.filename == part:
                text, count = re.subn(
                    rf'<c r="{cell}"[^>]*?(/>|>.*?</c>)', xml, data.decode("utf-8"), count=1
                )
                assert count == 1, f"no cell {cell} in {part}"
                data = text.encode("utf-8")
            target.writestr(info, data)


@pytest.fixture
def book_folder(data_folder: Path) -> Path:
    """The small data folder with its figures in data/performance.xlsx instead of CSVs."""
    for name in ("monthly.csv", "msg.csv", "survey_estimates.csv"):
        (data_folder / "data" / name).unlink()
    write_workbook(data_folder / "data" / "performance.xlsx")
    return data_folder


def imported_by_two_checks(root: Path, module: str) -> list[str]:
    """Whether ``module`` was imported by each of two ``check``s of ``root`` in turn, each
    in a fresh Python ("True" / "False"): what the second reads back from a cache it
    need not import."""
    program = (
        "import sys\n"
        "from pathlib import Path\n"
        "from reportgen.check import check_folder\n"
        f"check_folder(Path({str(root)!r}))\n"
        f"print({module!r} in sys.modules)\n"
    )
    runs = [
        subprocess.run([sys.executable, "-c", program], capture_output=True, text=True)
        for _ in range(2)
    ]
    assert all(run.returncode == 0 for run in runs), runs[-1].stderr
    return [run.stdout.strip() for run in runs]


def rewritten(entry: Path, magic: bytes, change: Callable[[Any], None]) -> None:
    """A cache entry with its payload changed and its sha256 made to match: as made by
    hand, not by damage."""
    stored = entry.read_bytes()
    payload = stored[len(magic) :].partition(b"\n")[2]
    fields = msgspec.msgpack.decode(payload)
    change(fields)
    payload = msgspec.msgpack.encode(fields)
    entry.write_bytes(magic + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload)


def moved_behind_a_link(entry: Path, folder: Path) -> Path:
    """Move a cache entry into ``folder`` and leave a link to it in its place; the file
    it now is."""
    elsewhere = folder / "elsewhere.msgpack"
    elsewhere.write_bytes(entry.read_bytes())
    entry.unlink()
    entry.symlink_to(elsewhere)
    return elsewhere
