"""Typed errors. Library code raises these; only the CLI turns them into messages."""

from __future__ import annotations

import errno
import re
from pathlib import Path
from typing import NoReturn, TypedDict


class Where(TypedDict, total=False):
    """Where a problem is, as ``ReportgenError`` takes it (``raise InputError(…, **where)``)."""

    file: str | Path | None
    line: int | None
    cell: str | None


class ReportgenError(Exception):
    """A problem the user can fix: where it is, what is wrong, how to fix it."""

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        hint: str | None = None,
        cell: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = str(file) if file is not None else None
        self.line = line
        self.hint = hint
        self.cell = cell  # a workbook cell, "Monthly!F12": where a line is for a text file

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file if self.line is None else f"{self.file}:{self.line}"
            where += ": "
        if self.cell:
            where += f"{self.cell}: "
        text = f"{where}{self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return one_line(text)

    def joined_with(self, other: ReportgenError) -> ReportgenError | None:
        """One problem saying what this one and ``other`` say, where they are one cause
        met twice in different words (``ProblemCollector`` keeps that one); else None."""
        return None

    def __reduce__(self) -> tuple[object, ...]:
        # whole, whatever the subclass's constructor takes: a worker process sends its
        # problems back pickled
        return (_restored, (type(self), self.__dict__))


def _restored(kind: type[ReportgenError], state: dict[str, object]) -> ReportgenError:
    error = kind.__new__(kind)
    Exception.__init__(error, state.get("message"))
    error.__dict__.update(state)
    return error


class InputError(ReportgenError):
    """Bad data, catalogue, layout, theme or narrative."""


class BuildError(ReportgenError):
    """The PDF could not be produced."""


class DeliveryError(ReportgenError):
    """Archiving, packing, verifying or sending failed."""


class Problems(ReportgenError):
    """Several problems found at once (``check`` reports every one, not just the first).

    ``problems`` are the individual errors, sorted by file and line; ``str()`` is one
    line per problem.
    """

    def __init__(self, problems: list[ReportgenError]) -> None:
        ordered = sorted(problems, key=problem_order)
        super().__init__(f"{len(ordered)} problem(s)")
        self.problems: tuple[ReportgenError, ...] = tuple(ordered)

    def __str__(self) -> str:
        return "\n".join(str(problem) for problem in self.problems)


MAX_SHOWN = 40
# control characters, lone surrogates (bytes that were not UTF-8), line separators, and
# the invisible ones that reorder or hide text (bidi overrides, zero-width characters)
_UNPRINTABLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
)


def one_line(text: str) -> str:
    """``text`` as one line that any terminal or log shows as it is: a line break in a
    file name or a value would split one problem over two lines, and a lone surrogate
    cannot be written at all, so each is shown escaped (``\\n``, ``\\udcff``)."""
    return _UNPRINTABLE.sub(lambda found: found[0].encode("unicode_escape").decode(), text)


def prints_as_is(text: str) -> bool:
    """Whether ``text`` holds nothing ``one_line`` would escape: what is kept and printed
    as one line (a name, a reason) must."""
    return _UNPRINTABLE.search(text) is None


def shown(text: str) -> str:
    """A value from the input for a message: quoted, and cut short if it is long."""
    if len(text) > MAX_SHOWN:
        return repr(text[: MAX_SHOWN - 1] + "…") + f" ({len(text)} characters)"
    return repr(text)


def shown_words(text: str, most: int = 70) -> str:
    """A text from the input that names something (a table's caption), for a message:
    quoted, whole, or cut after its last whole word within ``most`` characters."""
    if len(text) <= most:
        return repr(text)
    cut = text[:most]
    in_a_word = not (text[most].isspace() or cut[-1].isspace())
    if in_a_word and len(cut.split()) > 1:  # cut after the word before
        cut = cut.rsplit(maxsplit=1)[0]
    return repr(cut.rstrip() + "\u2026")


def error_lines(error: ReportgenError | OSError) -> tuple[str, ...]:
    """What an error says, one line per problem (``Problems`` split; an OSError — a full
    disk, a permission — names its file), as every command prints them."""
    if isinstance(error, ReportgenError):
        found = error.problems if isinstance(error, Problems) else (error,)
        return tuple(str(problem) for problem in found)
    where = f"{error.filename}: " if error.filename else ""
    hint = _OS_HINTS.get(error.errno or 0, "")
    return (one_line(f"{where}{error.strerror or error}{hint}"),)


# what to do about the errors a disk gives (their own words say what, not what next)
_OS_HINTS = {
    errno.ENOSPC: " (the disk is full: free some space on it, then run the command again)",
    errno.EDQUOT: " (your disk quota is used up: free some space, then run the command again)",
    errno.EROFS: " (the disk is mounted read-only: write elsewhere, or mount it read-write)",
    errno.ENAMETOOLONG: " (a name in the path is longer than the disk allows: use a shorter one)",
    errno.EACCES: " (you may not read or write it: check its permissions and its folder's)",
}


def problem_order(problem: ReportgenError) -> tuple[str, int, str, int, int, str]:
    return (problem.file or "", problem.line or 0, *cell_order(problem.cell), problem.message)


def cell_order(cell: str | None) -> tuple[str, int, int]:
    """ "Monthly!F12" -> ("Monthly", 12, 6): a sheet's cells in reading order, row by row."""
    if not cell:
        return ("", 0, 0)
    sheet, _, reference = cell.rpartition("!")
    letters = reference.rstrip("0123456789")
    digits = reference[len(letters) :]
    column = 0
    for letter in letters.upper():
        column = column * 26 + (ord(letter) - 64 if "A" <= letter <= "Z" else 0)
    return (sheet, int(digits) if digits.isdigit() else 0, column)


class _Attempt:
    # a class, not a generator-based context manager: a computation makes thousands of
    # attempts (a chart's every point), and a generator's setup was most of their cost
    __slots__ = ("collector",)

    def __init__(self, collector: ProblemCollector) -> None:
        self.collector = collector

    def __enter__(self) -> None:
        return None

    # "bool | None", not "bool": the type checker then reads on after the block as it
    # did with the generator-based manager (a name assigned inside is taken as assigned)
    def __exit__(self, kind: object, error: BaseException | None, _trace: object) -> bool | None:
        if isinstance(error, ReportgenError):
            self.collector.add(error)
            return True  # gathered: the block's caller goes on
        return False


class ProblemCollector:
    """Gathers errors so one run can report them all: ``with problems.attempt(): ...``.

    A ``Problems`` raised inside is flattened into its parts; ``raise_if_any`` raises one
    ``Problems`` holding everything gathered (or the single error itself).
    """

    def __init__(self) -> None:
        self.problems: list[ReportgenError] = []
        self._seen: set[tuple[str | None, int | None, str | None, str]] = set()

    def add(self, error: ReportgenError) -> None:
        # one cause met twice (two editions missing the same month) is one problem; two
        # cells of one workbook row are two
        for problem in error.problems if isinstance(error, Problems) else (error,):
            for index, kept in enumerate(self.problems):
                joined = kept.joined_with(problem)
                if joined is not None:  # the months two windows miss of one measure, say
                    self.problems[index] = joined
                    break
            else:
                key = (problem.file, problem.line, problem.cell, problem.message)
                if key not in self._seen:
                    self._seen.add(key)
                    self.problems.append(problem)

    def attempt(self) -> _Attempt:
        """``with problems.attempt(): ...``: a ReportgenError raised inside is gathered,
        and the code after the block goes on."""
        return _Attempt(self)

    def __bool__(self) -> bool:
        return bool(self.problems)

    def raise_if_any(self) -> None:
        if len(self.problems) == 1:
            raise self.problems[0]
        if self.problems:
            raise Problems(self.problems)

    def raise_all(self) -> NoReturn:
        """Raise what was found, where a part that could not be read stops the load (its
        problem was recorded when it was read)."""
        self.raise_if_any()
        raise AssertionError("a part could not be read, yet no problem was recorded")
