"""What a user installs: the sdist and the wheel built from this tree, the wheel installed
in a fresh virtual environment outside the repository, and there ``reportgen init``,
``check`` and ``build`` giving the sample edition byte for byte.

The build runs ``python -m build --no-isolation`` with the test environment's setuptools
(a test dependency at the floor pyproject's build-system asks for), so it needs no
network. The fresh environment gets reportgen from the wheel only; its dependencies are
this environment's, reached through a ``.pth`` file (installing them again from the
index would test the index, not the package).
"""

from __future__ import annotations

import email
import shutil
import site
import subprocess
import sys
import tarfile
import venv
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from reportgen import starter

pytestmark = pytest.mark.slow  # builds the package, starts processes, builds an edition

REPO_ROOT = Path(__file__).resolve().parents[2]
# what is not part of the source tree: environments, caches, outputs
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "*.egg-info", "build", "dist", "out", "archive", ".reportgen-cache",
    "__pycache__", "*.pyc", ".pytest_cache", ".ruff_cache", ".mypy_cache",
)  # fmt: skip


@dataclass(frozen=True)
class Built:
    sdist: Path
    wheel: Path


def run(*command: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"{command}: {done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The sdist and the wheel, built from a copy of the source tree."""
    base = tmp_path_factory.mktemp("package")
    source = base / "source"
    shutil.copytree(REPO_ROOT, source, ignore=NOT_SOURCE, symlinks=True)
    run(sys.executable, "-m", "build", "--no-isolation", "--outdir", base / "dist", ".", cwd=source)
    [sdist] = (base / "dist").glob("reportgen-*.tar.gz")
    [wheel] = (base / "dist").glob("reportgen-*.whl")
    return Built(sdist, wheel)


def package_modules() -> list[str]:
    return sorted(str(p.relative_to(REPO_ROOT)) for p in (REPO_ROOT / "reportgen").rglob("*.py"))


def test_the_wheel_holds_every_module_the_sample_and_the_typing_marker(built: Built) -> None:
    names = set(zipfile.ZipFile(built.wheel).namelist())
    assert {name for name in names if name.endswith(".py")} == set(package_modules())
    sample = {f"reportgen/sample/{name}" for name in starter.sample_files(REPO_ROOT)}
    assert {name for name in names if name.startswith("reportgen/sample/")} == sample
    assert "reportgen/py.typed" in names
    assert "reportgen/assemble/resources/sRGB.icc" in names
    [licence] = [name for name in names if name.endswith(".dist-info/licenses/LICENSE")]
    assert licence


def test_the_wheel_metadata_is_complete(built: Built) -> None:
    with zipfile.ZipFile(built.wheel) as wheel:
        [name] = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
        metadata = email.message_from_bytes(wheel.read(name))
    assert metadata["Name"] == "reportgen"
    assert metadata["License-Expression"] == "MIT"
    assert metadata["License-File"] == "LICENSE"
    assert metadata["Requires-Python"] == ">=3.11"
    assert metadata["Author"] == "reportgen maintainers"
    assert metadata["Keywords"]
    urls = metadata.get_all("Project-URL")
    assert {url.split(",")[0] for url in urls} == {"Homepage", "Repository", "Issues"}
    classifiers = metadata.get_all("Classifier")
    assert "Typing :: Typed" in classifiers
    assert "Programming Language :: Python :: 3.11" in classifiers
    assert metadata["Description-Content-Type"] == "text/markdown"  # the README
    assert "## Quick start" in metadata.get_payload()


def test_the_sdist_holds_the_sample_the_tests_and_the_licence(built: Built) -> None:
    with tarfile.open(built.sdist) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    assert {"pyproject.toml", "README.md", "LICENSE", "MANIFEST.in"} <= names
    assert set(starter.sample_files(REPO_ROOT)) <= names
    assert set(package_modules()) <= names
    assert {"tests/conftest.py", "tests/golden/march-2014-tables.csv"} <= names


def test_installed_from_the_wheel_init_check_and_build_work_anywhere(
    built: Built, sample_build, tmp_path: Path
) -> None:
    environment = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(environment)
    python = environment / "bin" / "python"
    purelib = "import sysconfig; print(sysconfig.get_path('purelib'))"
    packages = Path(run(python, "-c", purelib, cwd=tmp_path).stdout.strip())
    # this environment's dependencies, and pip, after the fresh environment's own
    (packages / "dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    install = ("-m", "pip", "install", "--quiet", "--no-deps", "--no-index", built.wheel)
    run(python, *install, cwd=tmp_path)
    located = run(python, "-c", "import reportgen; print(reportgen.__file__)", cwd=tmp_path)
    assert Path(located.stdout.strip()).is_relative_to(packages)  # the wheel's, not the tree's

    reportgen = environment / "bin" / "reportgen"
    started = run(reportgen, "init", "board", cwd=tmp_path)
    assert "Next: cd board && reportgen check && reportgen build" in started.stdout
    board = tmp_path / "board"
    checked = run(reportgen, "check", cwd=board)
    assert checked.stdout.rstrip().endswith("ok: nothing built")
    made = run(reportgen, "build", cwd=board)
    pdf = board / "out" / "performance-update-2014-03.pdf"
    assert made.stdout.strip() == str(pdf)
    assert pdf.read_bytes() == sample_build.pdf.read_bytes()
