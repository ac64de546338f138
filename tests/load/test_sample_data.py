"""tools/make_sample_data.py rebuilds data/ byte for byte, and checks before it writes.

The generator writes to a scratch folder, computes every 2013/14 edition there and
compares March 2014 with the golden table; a failed check writes nothing.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from types import ModuleType

import pytest

from reportgen.months import Month

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = REPO_ROOT / "tools" / "make_sample_data.py"
WRITTEN = ("monthly.csv", "revisions.csv", "msg.csv", "survey_estimates.csv")

pytestmark = pytest.mark.slow  # regenerates and checks the whole data set


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ModuleType, Path]]:
    """The script imported as a module (its dataclasses need it in sys.modules), run once."""
    spec = importlib.util.spec_from_file_location("make_sample_data", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
        out = tmp_path_factory.mktemp("generated")
        assert module.main(["--out", str(out)]) == 0
        yield module, out
    finally:
        del sys.modules[spec.name]


def test_the_generator_rebuilds_the_data_folder_byte_for_byte(generated) -> None:
    _, out = generated
    assert sorted(p.name for p in out.iterdir()) == sorted(WRITTEN)
    for name in WRITTEN:
        assert (out / name).read_bytes() == (REPO_ROOT / "data" / name).read_bytes(), name


def test_the_data_reach_back_to_the_year_the_first_edition_compares_with(generated) -> None:
    _, out = generated
    monthly = (out / "monthly.csv").read_text(encoding="utf-8").splitlines()[1:]
    months = {line.split(",")[1] for line in monthly}
    assert min(months) == "2011-04" and max(months) == "2014-03"
    survey_editions = {line.split(",")[0] for line in (out / "survey_estimates.csv").open()}
    msg_editions = {line.split(",")[0] for line in (out / "msg.csv").open()}
    year = {f"2013-{m:02d}" for m in range(4, 13)} | {"2014-01", "2014-02", "2014-03"}
    assert msg_editions - {"edition"} == year
    assert survey_editions - {"edition"} == year | {"2013-03"}  # April 2013's previous


def _copied_monthly(out: Path, tmp_path: Path) -> tuple[Path, Path, list[str]]:
    """A copy of the generated data folder, its monthly.csv and that file's lines."""
    folder = tmp_path / "data"
    shutil.copytree(out, folder)
    monthly = folder / "monthly.csv"
    return folder, monthly, monthly.read_text(encoding="utf-8").splitlines(keepends=True)


def test_a_published_figure_that_moves_is_caught(generated, tmp_path: Path) -> None:
    module, out = generated
    folder, monthly, lines = _copied_monthly(out, tmp_path)
    (index,) = [i for i, line in enumerate(lines) if line.startswith("all_crime,2014-03,")]
    count = int(lines[index].split(",")[2])
    lines[index] = f"all_crime,2014-03,{count + 1},\n"
    monthly.write_text("".join(lines), encoding="utf-8")
    assert module.check_folder(folder) == ["the 2014-03 figures no longer match the golden table"]


def test_an_edition_of_the_year_that_fails_is_caught(generated, tmp_path: Path) -> None:
    module, out = generated
    folder, monthly, lines = _copied_monthly(out, tmp_path)
    # only the April 2013 edition's previous edition (March 2013) reads June 2011
    monthly.write_text(
        "".join(line for line in lines if not line.startswith("ksi_fatalities,2011-06,")),
        encoding="utf-8",
    )
    (problem,) = module.check_folder(folder)
    assert "reportgen refuses the data" in problem
    assert "no figure for ksi_fatalities in 2011-06" in problem


def test_implausible_figures_are_named(generated, monkeypatch: pytest.MonkeyPatch) -> None:
    module, _ = generated
    april = Month(2011, 4)
    crimes = module.rows[("all_crime", april)][0]
    monkeypatch.setitem(module.rows, ("victim_based_crime", april), (crimes + 1, None))
    monkeypatch.setitem(module.rows, ("emergency_calls", april), (Fraction(11), Fraction(10)))
    assert module.implausible() == [
        "emergency_calls 2011-04: 11 of 10 is more than 100%",
        "victim_based_crime 2011-04: more than all_crime",
    ]


def test_a_failed_check_writes_nothing(generated, monkeypatch, tmp_path, capsys) -> None:
    module, _ = generated
    monkeypatch.setattr(module, "check_folder", lambda folder: ["a check failed"])
    out = tmp_path / "data"
    assert module.main(["--out", str(out)]) == 1
    assert not out.exists()
    err = capsys.readouterr().err
    assert "make_sample_data: a check failed" in err and "nothing written" in err
