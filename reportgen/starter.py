"""``reportgen init DIR``: the sample report folder, copied out of the installed package.

In: a folder that does not exist yet (or is empty). Out: that folder holding the sample
report (March 2014 and the editions before it): ``layouts/``, the catalogue and data in
``data/``, the narrative in ``content/`` and ``distribution.yaml``, ready for
``reportgen check`` and ``reportgen build``. It appears whole or not at all: the files
are written into a scratch folder beside it, which is then renamed into place.

Where the sample comes from: the wheel carries it as ``reportgen/sample/`` (pyproject's
package data maps the repository's own sample onto it, so there is one copy); a source
checkout installed in editable mode has no such folder, and the checkout itself is the
sample report folder.
"""

from __future__ import annotations

import fnmatch
import os
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import msgspec

from reportgen.atomic import named, staged_folder, sweep_stale
from reportgen.errors import InputError, prints_as_is
from reportgen.load.reportfolder import is_report_folder

# The files of the sample report folder, as globs relative to it. pyproject.toml's
# package data for "reportgen.sample" lists the same (tests/workflow/test_init.py checks).
SAMPLE_FILES = (
    "distribution.yaml",
    "layouts/*.yaml",
    "data/README.md",
    "data/*.yaml",
    "data/*.csv",
    "content/README.md",
    "content/*/*.md",
)


class StartedFolder(msgspec.Struct, frozen=True):
    """The report folder ``init`` wrote, and the files it holds (relative paths)."""

    folder: Path
    files: tuple[str, ...]
    editions: tuple[str, ...]  # the narrative folders, oldest first


def sample_folder() -> Traversable:
    """The sample report folder this installation carries."""
    installed = resources.files("reportgen") / "sample"
    if installed.is_dir():
        return installed
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "pyproject.toml").is_file() and is_report_folder(checkout):
        return checkout
    raise InputError(
        "this installation of reportgen carries no sample report folder",
        file=str(installed),
        hint="reinstall reportgen from its wheel or sdist",
    )


def sample_files(sample: Traversable) -> list[str]:
    """The sample's files (``SAMPLE_FILES``), as sorted relative paths."""
    found: set[str] = set()
    for pattern in SAMPLE_FILES:
        found.update(_matches(sample, pattern.split("/"), ""))
    return sorted(found)


def _matches(folder: Traversable, parts: list[str], prefix: str) -> list[str]:
    head, rest = parts[0], parts[1:]
    found = []
    for entry in folder.iterdir():
        if not fnmatch.fnmatchcase(entry.name, head):
            continue
        if rest and entry.is_dir():
            found += _matches(entry, rest, f"{prefix}{entry.name}/")
        elif not rest and entry.is_file():
            found.append(prefix + entry.name)
    return found


def _entry(sample: Traversable, name: str) -> Traversable:
    for part in name.split("/"):
        sample = sample / part
    return sample


def start_report_folder(target: Path) -> StartedFolder:
    """Write the sample report folder to ``target``, whole or not at all.

    ``target`` must not exist yet, or be an empty folder; its parent must exist.
    """
    target = Path(target)
    _check_target(target)
    sample = sample_folder()
    files = sample_files(sample)
    with staged_folder(target) as staging:
        for name in files:
            destination = staging / name
            try:
                destination.parent.mkdir(parents=True, exist_ok=True)
                destination.write_bytes(_entry(sample, name).read_bytes())
            except OSError as error:  # a full disk: say which file
                raise named(error, target / name) from error
    editions = sorted({name.split("/")[1] for name in files if name.count("/") == 2})
    return StartedFolder(target, tuple(files), tuple(editions))


def _check_target(target: Path) -> None:
    name = Path(os.path.abspath(target)).name  # "." is the folder it names
    if not name.strip() or not prints_as_is(name) or name != name.strip():
        raise InputError(
            "is not a folder name to work in: it is blank, starts or ends with a space, or "
            "holds a line break or another control character",
            file=str(target),  # escaped with the message, as every problem is
            hint="give a plain name, such as mpr-2014",
        )
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise InputError(
            "exists and is not a folder",
            file=str(target),
            hint="give the name of a new folder, which init makes",
        )
    if target.is_dir():
        sweep_stale(target)  # what a killed 'init .' left in it is not the analyst's
    if target.is_dir() and any(target.iterdir()):
        raise InputError(
            "the folder is not empty: init writes a new report folder, never into one "
            "that holds files",
            file=str(target),
            hint="give the name of a new folder, which init makes",
        )
    if not target.absolute().parent.is_dir():
        raise InputError(
            "the folder to make it in does not exist",
            file=str(target.absolute().parent),
            hint="create that folder first, or give a path in an existing one",
        )
