"""Symbolic links that lead round in a loop: a path -> its real path, or the error naming
the link.

In: a path the analyst controls (the report folder, a file in it, ``--out``,
``--archive``, ``--cover``). Out: ``path.resolve()``; where a symbolic link on the way
leads back to itself (``ln -s a a``, or ``a -> b -> a``), a ``LinkLoop`` naming that
link instead of the RuntimeError Python 3.11 and 3.12 raise (3.13 returns the path
unresolved, and the next look at the file fails with ELOOP).
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from reportgen.errors import ReportgenError

LOOP_HINT = "make it a real file or folder, or point it at one; ls -l shows where it points"


class LinkLoop(ReportgenError):
    """A path that cannot be followed: ``link``, on the way to ``path``, leads round in a
    loop."""

    def __init__(self, path: Path, link: Path, *, file: str | Path | None = None) -> None:
        self.path = path
        self.link = link
        super().__init__(self.says("it"), file=file or path, hint=LOOP_HINT)

    def says(self, subject: str, *, root: Path | None = None) -> str:
        """What is wrong with ``subject`` (``it``, or a name), the link named relative to
        ``root`` where it is inside it."""
        link = self.link
        if root is not None and link.is_relative_to(root):
            link = link.relative_to(root)
        if self.link == self.path:
            return f"{subject} is a symbolic link that leads round in a loop"
        return f"{subject} leads through {link}, a symbolic link that leads round in a loop"


def real_path(path: str | Path, *, file: str | Path | None = None) -> Path:
    """``path.resolve()``; raises ``LinkLoop`` (named ``file``, else ``path``) where a
    symbolic link on the way leads round in a loop."""
    path = Path(path)
    real = path  # where even resolving fails, what reads or writes it will say why
    try:
        real = path.resolve()
        os.stat(real)  # 3.13 leaves a loop unresolved: looking at it meets it
    except RuntimeError:  # 3.11, 3.12: "Symlink loop from …"
        raise LinkLoop(path, _looping_link(path), file=file) from None
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise LinkLoop(path, _looping_link(path), file=file) from None
        if not path.is_absolute() and not _current_folder_exists():
            gone = "the current folder no longer exists"
            if path != Path():
                gone = f"{path} is relative to the current folder, which no longer exists"
            raise ReportgenError(
                f"{gone}: it was deleted or moved while the shell was in it",
                hint=CURRENT_FOLDER_HINT,
            ) from None
        # missing, or not ours to look at: what reads or writes it will say
    return real


CURRENT_FOLDER_HINT = "cd into the report folder again, or give full paths"


def _current_folder_exists() -> bool:
    try:
        os.getcwd()
    except OSError:
        return False
    return True


def _looping_link(path: Path) -> Path:
    """The first link on the way to ``path`` that cannot be followed (``path`` itself
    where none before it is)."""
    absolute = Path(os.path.abspath(path))
    for step in reversed([absolute, *absolute.parents]):
        try:
            os.stat(step)
        except OSError as error:
            if error.errno == errno.ELOOP:
                return step if path.is_absolute() else Path(os.path.relpath(step))
    return path
