"""An edition's parsed narrative kept in ``.reportgen-cache/``: an edition whose
narrative files have not changed since they were parsed without a problem is read back,
without importing the Markdown parser or parsing again (after a save of the data,
``check`` would otherwise parse every edition's narrative anew).

In: a report folder, an edition's narrative files as read (each file's section number,
name and text) and whether their Markdown is wanted. Out: each file's ``NarrativeFile``,
from the cache where it holds a parse of exactly these texts, else parsed.

The key is reportgen's code and the Python, msgspec, markdown-it-py and PyYAML that
parse and keep it, whether the Markdown was parsed, then each file's section, name and
the sha256 of its text. Only a parse that passed is kept: a problem in the narrative is
found by parsing it, every time. An entry is read as a plain file, never through a link,
and checked against what a parse gives (``_narrative_problem``): its files are the ones
asked for, and no text holds what a parse never leaves in one (a control character), so
an entry made by hand can say no more than a narrative file can. One that fails is
warned about once, removed, and the files parsed again. Entries are written only once
the command has written its own output (``keep_parsed``, with the data cache's entry):
on a nearly full disk the edition comes first.

Files: ``narrative-<key>.msgpack``; the newest ``KEEP`` are kept.
"""

from __future__ import annotations

import functools
import hashlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import msgspec
import yaml

from reportgen.cachefolder import CacheFolder, code_version, framed, installed_version
from reportgen.load.content import (
    CONTROL_CHARACTER,
    MAX_NARRATIVE_BYTES,
    BulletList,
    NarrativeBreak,
    NarrativeFile,
    NarrativeParagraph,
    SubHeading,
)

MAGIC = b"reportgen narrative cache 1\n"
KEEP = 64  # entries: every edition's narrative, as it is and as it was a few saves ago

Parsed = dict[int, NarrativeFile]  # section number -> its file, parsed
Texts = dict[int, tuple[str, str]]  # section number -> (the file's name, its text)

_DECODER = msgspec.msgpack.Decoder(Parsed)


class NarrativeCache(CacheFolder):
    """One command's view of the narrative cache in ``root``'s ``.reportgen-cache/``."""

    what = "narrative cache"

    def parsed(self, texts: Texts, bodies: bool, parse: Callable[[], Parsed]) -> Parsed:
        """``parse()``'s narrative of ``texts``, from the cache where it holds a parse of
        exactly these texts; else parsed, and kept by ``keep_parsed`` once the command
        has written its output. ``parse`` raises the narrative's problems."""
        if not self.usable:
            return parse()
        name = _entry(_key(texts, bodies))
        cached = self._read(name, texts, bodies)
        if cached is not None:
            return cached
        parsed = parse()
        try:
            payload = msgspec.msgpack.encode(parsed)
        except Exception:  # nothing a parse gives fails to encode; a cache never fails a command
            return parsed
        self.defer(name, payload)
        return parsed

    def _read(self, name: str, texts: Texts, bodies: bool) -> Parsed | None:
        return self.read_entry(
            name,
            MAGIC,
            _DECODER.decode,
            lambda parsed: _narrative_problem(parsed, texts, bodies),
            "parsing the narrative",
        )


def keep_parsed(root: Path) -> None:
    """Keep the narrative parsed in this command for ``root``'s cache (called with the
    data cache's ``keep``, once the command has written what it was for)."""
    cache = NarrativeCache(root)
    if cache.has_deferred():
        cache.store_deferred(MAGIC, keep=KEEP)


def _entry(key: str) -> str:
    return f"narrative-{key}.msgpack"


@functools.cache
def _parsers() -> tuple[str, ...]:
    """What parses and keeps the narrative besides reportgen's own code (read once per
    process: a parser imported before an upgrade goes on parsing as before)."""
    markdown = installed_version("markdown_it", "markdown_it_py")
    return (code_version(), sys.version, msgspec.__version__, markdown, yaml.__version__)


def _key(texts: Texts, bodies: bool) -> str:
    digest = hashlib.sha256()
    for part in _parsers():
        framed(digest, part.encode())
    framed(digest, b"bodies" if bodies else b"front matter")
    for number, (name, text) in sorted(texts.items()):
        framed(digest, str(number).encode())
        framed(digest, name.encode("utf-8", "surrogatepass"))
        framed(digest, hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest())
    return digest.hexdigest()


def _narrative_problem(parsed: Parsed, texts: Texts, bodies: bool) -> str | None:
    """What of ``parsed`` no parse of ``texts`` gives: other files, Markdown where only
    the front matter was parsed, a heading of a level the narrative has not, a line
    before the first, a text holding a control character (a parse turns each into a
    space), or more text than a narrative file may hold."""
    if set(parsed) != set(texts):
        return "it holds other sections than the edition's"
    for number, found in parsed.items():
        name = texts[number][0]
        if found.file != name or any(s.file != name for s in found.statements):
            return f"it holds another file than {name!r}"
        if not bodies and found.blocks:
            return "it holds Markdown where only the front matter was parsed"
        if any(isinstance(b, SubHeading) and b.level not in (2, 3) for b in found.blocks):
            return f"{name}: it holds a heading of a level no parse gives"
        written = 0
        for text, line in _texts(found):
            written += len(text)
            if CONTROL_CHARACTER.search(text) or (line is not None and line < 1):
                return f"{name}: it holds a text or line no parse gives"
        if written > MAX_NARRATIVE_BYTES:  # no more than the file could hold: bounded work
            return f"{name}: it holds more text than a narrative file may"
    return None


def _texts(found: NarrativeFile) -> Iterator[tuple[str, int | None]]:
    """Every text of a parsed file, with its line ("" where a block has no text of its
    own)."""
    for note in found.notes:
        yield note.text, note.line
    for statement in found.statements:
        yield statement.target, statement.line
        yield statement.status, None
    for block in found.blocks:
        if isinstance(block, SubHeading):
            yield block.text, block.line
        elif isinstance(block, NarrativeParagraph):
            yield "", block.line
            yield from ((run.text, run.line) for run in block.runs)
        elif isinstance(block, BulletList):
            yield "", block.line
            for item in block.items:
                yield "", item.line
                yield from ((run.text, run.line) for run in item.runs)
        elif isinstance(block, NarrativeBreak):
            yield "", block.line
