"""Starting the next edition: copy the latest narrative, marked for the analyst's review.

In: a report folder and the new edition month. Out: ``content/<month>/`` holding the
latest earlier edition's files with ``review: true``, created whole or not at all.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import msgspec

from reportgen.atomic import named, staged_folder
from reportgen.errors import InputError
from reportgen.load.folder import CONTENT, editions_with_content, inside
from reportgen.load.yamlfile import read_text
from reportgen.months import LAST_YEAR, Month

_REVIEW_LINE = re.compile(r"^review:.*$", re.MULTILINE)


class NewEdition(msgspec.Struct, frozen=True):
    edition: Month
    source: Month
    folder: Path
    files: tuple[Path, ...]

    @property
    def skipped(self) -> int:
        """Months between the edition it was started from and this one (0: the next)."""
        return self.source.months_until(self.edition) - 1


def mark_for_review(text: str) -> str:
    """Set ``review: true`` in a narrative file's front matter (adding it if absent)."""
    head, separator, body = text.partition("\n---")
    if _REVIEW_LINE.search(head):
        head = _REVIEW_LINE.sub("review: true", head, count=1)
    else:
        head = head.rstrip("\n") + "\nreview: true"
    return head + separator + body


def start_edition(root: Path, edition: Month | None = None) -> NewEdition:
    """Start ``edition`` (default: the month after the latest edition with narrative)
    from the latest earlier edition's narrative."""
    root = Path(root).resolve()
    if edition is None:
        known = editions_with_content(root)
        if not known:
            raise InputError(
                "no edition to start from",
                file=str(root / CONTENT),
                hint="create content/YYYY-MM/ by hand for the first edition",
            )
        edition = known[-1].shift(1)
        if edition.year > LAST_YEAR:
            raise InputError(
                f"the month after {known[-1]} is past the last year a report may have "
                f"({LAST_YEAR})",
                file=str(root / CONTENT / str(known[-1])),
                hint="name the new edition: reportgen new YYYY-MM",
            )
    target = root / CONTENT / str(edition)
    if target.exists():
        raise InputError(
            f"edition {edition} already has a narrative folder",
            file=str(target.relative_to(root)),
            hint="edit the files there, or remove the folder to start again",
        )
    earlier = [m for m in editions_with_content(root) if m < edition]
    if not earlier:
        raise InputError(
            f"no edition before {edition} to start from",
            file=str(root / CONTENT),
            hint="create content/YYYY-MM/ by hand for the first edition",
        )
    source = earlier[-1]
    source_dir = root / CONTENT / str(source)
    # only plain files inside the report folder are carried over (never a link's target)
    carried = [
        inside(root, path.relative_to(root))
        for path in sorted(source_dir.iterdir())
        if not path.name.startswith(".")
    ]
    with staged_folder(target) as staging:
        for path in carried:
            try:
                if path.suffix == ".md":
                    text = read_text(path, str(path.relative_to(root)))
                    (staging / path.name).write_text(mark_for_review(text), encoding="utf-8")
                else:
                    shutil.copyfile(path, staging / path.name)
            except OSError as error:  # a full disk: say which file
                raise named(error, target / path.name) from error
    files = tuple(sorted(target.glob("*.md")))
    return NewEdition(edition, source, target, files)
