"""Notes and warnings a command wants the user to see that do not stop it.

In: ``note(text)`` / ``warn(text)`` from library code (a stale temporary file swept, a
chart cache that cannot be used). Out: each text handed once to whoever listens
(``listening``: the CLI prints ``reportgen: note: …`` lines); with nobody listening
(library use), to the ``reportgen`` logger. Library code never prints.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Literal

import msgspec

Kind = Literal["note", "warning"]


class Notice(msgspec.Struct, frozen=True):
    kind: Kind
    text: str


Listener = Callable[[Notice], None]
_listeners: list[tuple[Listener, set[Notice]]] = []


def note(text: str) -> None:
    _emit(Notice("note", text))


def warn(text: str) -> None:
    _emit(Notice("warning", text))


def _emit(notice: Notice) -> None:
    if not _listeners:
        import logging  # only library use without a listener logs (and pays for logging)

        log = logging.getLogger("reportgen")
        (log.warning if notice.kind == "warning" else log.info)(notice.text)
        return
    listener, seen = _listeners[-1]
    if notice not in seen:  # said once per run, however often it is found
        seen.add(notice)
        listener(notice)


@contextlib.contextmanager
def listening(listener: Listener) -> Iterator[None]:
    """Hand every notice raised inside the block to ``listener``, each text once."""
    _listeners.append((listener, set()))
    try:
        yield
    finally:
        _listeners.pop()
