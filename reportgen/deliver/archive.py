"""The write-once archive of monthly editions.

In: an edition ("YYYY-MM"), the deliverables to store (role -> file, e.g. "edition" ->
the PDF, "pack" -> the board pack) and the inputs that made them (logical name -> file;
hashed, not copied). Out: a new version folder holding copies of the deliverables and a
``manifest.json``; listings, look-ups and re-hash checks of what is stored; and PDF file
attachments, so the archived PDF can carry the edition's figures and data with it.

Layout::

    <archive_root>/
      .lock                       held (reportgen.locks) while a version is being added
      2014-03/
        v1/                       first issue: stored files + manifest.json
        v2/                       corrected re-issue; its manifest says why v1 was replaced
        .incoming-v3-*/           a version being built; gone once renamed to v3

A version folder is complete the moment it appears (it is built beside its final name and
renamed in one step) and is never changed afterwards. Which version is current is
derived, not recorded: the highest v<N> is current and every other one is superseded by
the next, whose manifest carries the re-issue reason. The rename is therefore the only
commit point, and there is no separate index that a crash could leave out of step.

A run killed outright leaves its ``.incoming-*`` folder behind; the next archive removes
it (under the lock, so it cannot be another run's) and says so; ``verify`` and
``editions`` report it. A version whose manifest is missing or unreadable is listed as
damaged (``list_archive``), never sent, and does not hide the others. So is what no
archive makes: a version missing below a later one, or above all of them where a send log
records sending it (else the one before would be taken for the current one); a version or
edition folder that is a file or a link; a manifest that is a link.
"""

from __future__ import annotations

import contextlib
import errno
import getpass
import hashlib
import io
import json
import os
import re
import shutil
import stat
import tempfile
import zlib
from collections.abc import Callable, Collection, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Literal

import msgspec
import pikepdf
from pypdf.generic import ArrayObject, DictionaryObject, NullObject, StreamObject

from reportgen import notices, steps
from reportgen.assemble.archival import as_pdfa3, saved
from reportgen.atomic import fsync_dir, usual_permissions, write_bytes, write_text
from reportgen.compat import stored_stream_bytes
from reportgen.deliver.pack import check_pdf, read_pdf
from reportgen.errors import DeliveryError, ReportgenError, prints_as_is, shown
from reportgen.locks import exclusive_lock
from reportgen.months import Month
from reportgen.reading import NotAPlainFile, TooLarge, read_limited

MANIFEST_NAME = "manifest.json"
LOCK_NAME = ".lock"
MANIFEST_FORMAT = 1
CURRENT: Literal["current"] = "current"
SUPERSEDED: Literal["superseded"] = "superseded"
DAMAGED: Literal["damaged"] = "damaged"
Status = Literal["current", "superseded"]

_VERSION_FOLDER = re.compile(r"^v([1-9][0-9]*)$")
_TEMP_PREFIX = ".incoming-"
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_CHUNK = 1 << 20
MAX_MANIFEST_BYTES = 4 << 20  # a manifest lists a few dozen files: some KB
# An edition PDF carries its figures and inputs: a dozen or two files, a few MB at most.
# Anything far beyond is not what reportgen attached (a small PDF can unpack to GBs).
MAX_ATTACHMENTS = 200
MAX_ATTACHMENT_BYTES = 64 << 20  # all of a PDF's attachments together, unpacked
_NAME_MAX = 255  # bytes in one file name (the usual file systems' limit)
_INPUT_NAME_MAX = 1024  # characters in an input's path in the report folder
_INPUT_DEPTH_MAX = 16  # folders deep
# attachments' MIME types by file name suffix (PDF/A-3 asks for one on every attachment)
_MIME_TYPES = {
    ".csv": "text/csv",
    ".md": "text/markdown",
    ".yaml": "application/yaml",
    ".yml": "application/yaml",
    ".json": "application/json",
    ".txt": "text/plain",
    ".pdf": "application/pdf",
}

# Called with the name of each step as archive_edition reaches it: "locked",
# "copy <file name>" (once per stored file), "manifest", "rename". The CLI can report
# progress with it; tests raise from it to prove a failure at any step leaves no trace.
StepHook = Callable[[str], None]


# what a manifest may hold, checked when one is read (msgspec checks these constraints
# only when it decodes): exact JSON types, sizes and text within reason
_Size = Annotated[int, msgspec.Meta(ge=0, le=1 << 50)]
_Sha256 = Annotated[str, msgspec.Meta(pattern="^[0-9a-f]{64}$")]
_Text = Annotated[str, msgspec.Meta(max_length=4096)]


class StoredFile(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A deliverable kept in a version folder."""

    role: _Text  # what it is for the caller: "edition", "pack", ...
    name: _Text  # its file name in the version folder
    sha256: _Sha256
    size: _Size


class InputDigest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One input the edition was built from, by logical name ("data/monthly.csv")."""

    name: _Text
    sha256: _Sha256
    size: _Size


class Manifest(msgspec.Struct, frozen=True):
    """What ``manifest.json`` records about one archived version."""

    edition: str
    version: int
    archived_at: datetime  # UTC, to the second
    archived_by: str
    reportgen_version: str
    files: tuple[StoredFile, ...]
    inputs: tuple[InputDigest, ...]
    reissue_reason: str | None = None  # why the previous version was replaced

    def to_json(self) -> str:
        document = {
            "format": MANIFEST_FORMAT,
            "edition": self.edition,
            "version": self.version,
            "archived_at": self.archived_at.astimezone(UTC).strftime(_TIME_FORMAT),
            "archived_by": self.archived_by,
            "reportgen_version": self.reportgen_version,
            "reissue_reason": self.reissue_reason,
            "files": [
                {"role": f.role, "name": f.name, "sha256": f.sha256, "size": f.size}
                for f in self.files
            ],
            "inputs": [{"name": i.name, "sha256": i.sha256, "size": i.size} for i in self.inputs],
        }
        document["manifest_sha256"] = manifest_digest(document)
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        """Parse a manifest; ValueError (with what is wrong) if it is not a valid one.

        Strict, because anyone may have edited the file: every field must have the type
        reportgen writes (a size of 214333.7 or "214333" is damage, not a size), numbers
        are plain JSON numbers (no NaN, Infinity or 1e400), unknown fields are refused
        (so nothing, however deeply nested, is parsed beyond what is expected), and text
        must be printable on one line (it is listed by verify and editions).
        """
        try:
            document = msgspec.json.decode(text, type=_ManifestDocument)
        except msgspec.ValidationError as error:
            raise ValueError(str(error).replace("Object missing required", "missing")) from None
        except msgspec.DecodeError as error:
            raise ValueError(f"it is not valid JSON ({error})") from None
        if document.format != MANIFEST_FORMAT:
            raise ValueError(f"unknown manifest format {document.format!r}")
        if document.manifest_sha256 is not None:  # absent from a manifest made before it
            recorded = msgspec.to_builtins(document)
            del recorded["manifest_sha256"]
            if manifest_digest(recorded) != document.manifest_sha256:
                raise ValueError(
                    "its manifest_sha256 does not match what it records: it was changed "
                    "after it was written (a date, a name, a digest, a reason)"
                )
        try:
            archived_at = datetime.strptime(document.archived_at, _TIME_FORMAT)
        except ValueError:
            raise ValueError(
                f"archived_at {shown(document.archived_at)} is not a time like 2014-04-02T09:30:00Z"
            ) from None
        # the names reportgen makes must print as they are; archived_by and a re-issue's
        # reason are free text that earlier versions took as typed (a tab, a line
        # break, any length), so they are read as they are and escaped where printed
        for label, value in (
            ("edition", document.edition),
            ("reportgen_version", document.reportgen_version),
            *(("a file's role", f.role) for f in document.files),
        ):
            _printable(label, value)
        names = [_plain_name(f.name) for f in document.files]
        roles = [f.role for f in document.files]
        inputs = [_input_path(i.name) for i in document.inputs]
        for what, values in (("file name", names), ("role", roles), ("input", inputs)):
            if len(set(values)) != len(values):
                raise ValueError(f"it lists a {what} twice")
        # unpacked by verify into one folder: "data" and "data/monthly.csv" cannot both be
        folders = {
            "/".join(i.split("/")[:end]) for i in inputs for end in range(1, i.count("/") + 1)
        }
        clash = sorted(set(inputs) & folders)
        if clash:
            raise ValueError(f"input {shown(clash[0])} is listed both as a file and a folder")
        return cls(
            edition=document.edition,
            version=document.version,
            archived_at=archived_at.replace(tzinfo=UTC),
            archived_by=document.archived_by,
            reportgen_version=document.reportgen_version,
            reissue_reason=document.reissue_reason,
            files=tuple(document.files),
            inputs=tuple(document.inputs),
        )


class _ManifestDocument(msgspec.Struct, forbid_unknown_fields=True):
    """``manifest.json`` exactly as ``Manifest.to_json`` writes it."""

    format: int
    edition: _Text
    version: Annotated[int, msgspec.Meta(ge=1, le=1 << 31)]
    archived_at: _Text
    archived_by: str
    reportgen_version: _Text
    files: Annotated[list[StoredFile], msgspec.Meta(max_length=1000)]
    inputs: Annotated[list[InputDigest], msgspec.Meta(max_length=MAX_ATTACHMENTS)]
    reissue_reason: str | None = None
    manifest_sha256: str | None = None  # of all the rest (``manifest_digest``)


def manifest_digest(document: Mapping[str, object]) -> str:
    """The sha256 of a manifest's fields in one spelling (sorted, compact JSON): what it
    records cannot change unseen, as a bit flipped on disk or an edit by hand would."""
    canonical = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    # surrogatepass: a lone surrogate an editor wrote as \ud800 is hashed, not a crash
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def _printable(label: str, text: str) -> str:
    """``text`` as it is, refused if it would not print as it is on one line (a line
    break, a control character, or a lone surrogate, which cannot be printed at all)."""
    if not prints_as_is(text):
        raise ValueError(f"{label} {shown(text)} holds control or invalid characters")
    return text


def _plain_name(name: str) -> str:
    """A stored file's name: a plain name inside its version folder, nothing else."""
    if (
        not name
        or name in (".", "..")
        or name.startswith(".")
        or any(ch in name for ch in "/\\\0")
        or name == MANIFEST_NAME
        or not prints_as_is(name)
        # longer than a file system allows: every look-up of it would fail
        or len(name.encode("utf-8")) > _NAME_MAX
    ):
        raise ValueError(f"stored file name {shown(name)} is not a plain file name in its folder")
    return name


def _input_path(name: str) -> str:
    """An input's name ("data/monthly.csv"): a relative path of plain names, which verify
    unpacks under a scratch folder, so nothing that could lead out of it or that no file
    system could hold; "__" is how attachments spell "/", so no name may contain it."""
    parts = name.split("/")
    if (
        not name
        or len(name) > _INPUT_NAME_MAX
        or len(parts) > _INPUT_DEPTH_MAX
        or not prints_as_is(name)
        or any(
            part in ("", ".", "..")
            or "__" in part
            or any(ch in part for ch in "\\\0")
            or len(part.encode("utf-8")) > _NAME_MAX
            for part in parts
        )
    ):
        raise ValueError(f"input name {shown(name)} is not a path inside a report folder")
    return name


class ArchivedVersion(msgspec.Struct, frozen=True):
    """One version of one edition as it stands in the archive."""

    folder: Path
    manifest: Manifest
    status: Status
    superseded_by: int | None = None
    superseded_reason: str | None = None  # the re-issue reason of the version that replaced it

    @property
    def edition(self) -> str:
        return self.manifest.edition

    @property
    def version(self) -> int:
        return self.manifest.version

    @property
    def archived_at(self) -> datetime:
        return self.manifest.archived_at

    @property
    def reissue_reason(self) -> str | None:
        return self.manifest.reissue_reason

    @property
    def size(self) -> int:
        """Total bytes of the stored files (the manifest itself not counted)."""
        return sum(f.size for f in self.manifest.files)

    @property
    def file_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.manifest.files)

    def at_a_glance(self) -> str | None:
        """What a look at the folder (no reading) shows wrong with the stored files: one
        missing, not a plain file, or not the size its manifest records; None where
        nothing shows. ``verify`` re-hashes them."""
        for stored in self.manifest.files:
            try:
                info = os.lstat(self.folder / stored.name)
            except FileNotFoundError:
                return f"{stored.name} is missing"
            except OSError as error:
                return f"{stored.name} cannot be looked at ({error.strerror or error})"
            if not stat.S_ISREG(info.st_mode):
                return f"{stored.name} is not a plain file"
            if info.st_size != stored.size:
                return f"{stored.name} is {info.st_size} bytes; the manifest says {stored.size}"
        return None

    def stored(self, role: str) -> StoredFile:
        for stored in self.manifest.files:
            if stored.role == role:
                return stored
        roles = ", ".join(f.role for f in self.manifest.files)
        hint = f"it holds: {roles}"
        if role == "pack":
            hint += (
                "; no board pack was archived with it: send the edition without --pack, or "
                "run 'reportgen pack' and archive it again with --reissue --reason"
            )
        raise DeliveryError(
            f"{self.edition} v{self.version} has no stored file for {role!r}",
            file=self.folder,
            hint=hint,
        )

    def path(self, role: str) -> Path:
        """Where the stored file with ``role`` ("edition", "pack", ...) is."""
        return self.folder / self.stored(role).name

    def read_verified(self, role: str) -> bytes:
        """The stored file's bytes, refused unless they are what the manifest recorded."""
        stored = self.stored(role)
        path = self.folder / stored.name
        hint = "run 'reportgen verify'; restore the version folder from backup"
        if path.is_symlink() or not path.is_file():
            problem = (
                "is a link, not the stored file"
                if path.is_symlink()
                else "is not a plain file"
                if path.exists()
                else "is missing"
            )
            raise DeliveryError(f"the archived {role} file {problem}", file=path, hint=hint)
        try:
            data = read_limited(path, stored.size)
        except TooLarge as error:
            raise DeliveryError(
                f"the archived {role} file does not match its manifest ({error.size} bytes; "
                f"the manifest says {stored.size}): it was changed after it was archived",
                file=path,
                hint=hint,
            ) from None
        except OSError as error:
            raise DeliveryError(
                f"the archived {role} file cannot be read: {error.strerror or error}", file=path
            ) from error
        sha256 = hashlib.sha256(data).hexdigest()
        if (sha256, len(data)) != (stored.sha256, stored.size):
            raise DeliveryError(
                f"the archived {role} file does not match its manifest (sha256 {sha256[:12]}…, "
                f"{len(data)} bytes; the manifest says {stored.sha256[:12]}…, {stored.size} "
                "bytes): it was changed after it was archived",
                file=path,
                hint=hint,
            )
        return data


class DamagedVersion(msgspec.Struct, frozen=True):
    """A version folder whose manifest is missing or cannot be read: listed, never used."""

    edition: str
    version: int
    folder: Path
    problem: ReportgenError
    status: Literal["damaged"] = DAMAGED


class VerifyResult(msgspec.Struct, frozen=True):
    """The re-hash check of one version folder against its manifest."""

    edition: str
    version: int
    folder: Path
    changed: tuple[str, ...] = ()  # content differs from the manifest's sha256 or size
    missing: tuple[str, ...] = ()  # in the manifest, not in the folder
    added: tuple[str, ...] = ()  # in the folder, not in the manifest
    problems: tuple[str, ...] = ()  # the manifest itself, unreadable files

    @property
    def ok(self) -> bool:
        return not (self.changed or self.missing or self.added or self.problems)

    def describe(self) -> str:
        """One line for a report: "2014-03 v1: ok" or what is wrong."""
        if self.ok:
            return f"{self.edition} v{self.version}: ok"
        parts = [*self.problems]
        for label, names in (
            ("changed", self.changed),
            ("missing", self.missing),
            ("added", self.added),
        ):
            if names:
                parts.append(f"{label}: {', '.join(names)}")
        return f"{self.edition} v{self.version}: " + "; ".join(parts)


def archive_edition(
    archive_root: Path,
    edition: str,
    files: Mapping[str, Path],
    inputs: Mapping[str, Path],
    *,
    reportgen_version: str,
    reissue_reason: str | None = None,
    archived_by: str | None = None,
    now: datetime | None = None,
    lock_timeout: float = 60.0,
    on_step: StepHook | None = None,
    replaces: int | None = None,
) -> ArchivedVersion:
    """Store ``files`` as the next version of ``edition`` and return it.

    The first archive of an edition becomes v1. If the edition is already archived this
    raises unless ``reissue_reason`` is given, in which case the files become v(N+1) and
    vN is from then on reported superseded with that reason; vN's folder is not touched.
    Either the whole version appears or, on any error, the archive is left as it was.
    ``replaces`` is the version the caller saw as current when it started: if another
    re-issue landed meanwhile, this one is refused rather than silently stacked on it.
    """
    archive_root = Path(archive_root)
    edition = _parse_edition(edition)
    if reissue_reason is not None:
        reissue_reason = reissue_reason.strip()
        if not reissue_reason:
            raise DeliveryError(
                f"the re-issue of {edition} has an empty reason",
                hint="say what was corrected, e.g. --reason 'burglary figure for Feb corrected'",
            )
        if not prints_as_is(reissue_reason):
            raise DeliveryError(
                f"the re-issue reason of {edition} is not one line of plain text",
                hint="give the reason on one line, with no control or invisible characters",
            )
    sources = _check_deliverables(files)
    for name in inputs:
        try:
            _input_path(name)  # what the manifest records, and verify unpacks, must be read back
        except ValueError as error:
            raise DeliveryError(
                str(error), file=inputs[name], hint="rename it within the report folder"
            ) from None
    input_digests = tuple(_digest_input(name, Path(path)) for name, path in sorted(inputs.items()))
    # a naive ``now`` is taken as local time, as datetime.astimezone does
    archived_at = (now or datetime.now(UTC)).astimezone(UTC)
    archived_at = archived_at.replace(microsecond=0)
    hook = on_step or (lambda _name: None)

    def step(name: str) -> None:
        hook(name)
        steps.reached("archive: " + name.split(" ")[0])

    require_archive_root(archive_root)

    with _exclusive_lock(archive_root, lock_timeout):
        step("locked")
        edition_dir = archive_root / edition
        _sweep_incoming(edition_dir)
        created_edition_dir = not edition_dir.exists()
        try:
            edition_dir.mkdir(exist_ok=True)
        except OSError as error:
            raise _unwritable(edition_dir, error) from error
        try:
            return _add_version(
                edition_dir,
                edition,
                sources,
                input_digests,
                reportgen_version=reportgen_version,
                reissue_reason=reissue_reason,
                archived_by=archived_by if archived_by is not None else _user_name(),
                archived_at=archived_at,
                step=step,
                replaces=replaces,
            )
        except BaseException:
            if created_edition_dir:
                # rmdir only succeeds while empty, so a committed version is never removed
                with contextlib.suppress(OSError):
                    edition_dir.rmdir()
            raise


def _add_version(
    edition_dir: Path,
    edition: str,
    sources: list[tuple[str, Path]],
    input_digests: tuple[InputDigest, ...],
    *,
    reportgen_version: str,
    reissue_reason: str | None,
    archived_by: str,
    archived_at: datetime,
    step: StepHook,
    replaces: int | None = None,
) -> ArchivedVersion:
    # called with the archive lock held, so "decide N" and "rename to vN" cannot interleave
    existing = _version_folders(edition_dir)
    current = max(existing, default=0)
    if replaces is not None and current != replaces:
        raise DeliveryError(
            f"{edition} changed while this re-issue was prepared: it was v{replaces}, it is "
            f"now v{current}",
            file=existing.get(current, edition_dir),
            hint="check the new version (reportgen editions) before re-issuing again",
        )
    if current and reissue_reason is None:
        raise DeliveryError(
            f"{edition} is already archived as v{current}; an archived edition is never "
            "overwritten",
            file=existing[current],
            hint=f"use --reissue --reason '…' for a corrected re-issue as v{current + 1}",
        )
    if not current and reissue_reason is not None:
        raise DeliveryError(
            f"nothing to re-issue: {edition} has not been archived yet",
            file=edition_dir,
            hint="archive it without --reissue; check the edition is the one you meant",
        )
    number = current + 1
    target = edition_dir / f"v{number}"
    try:
        staging = Path(tempfile.mkdtemp(prefix=f"{_TEMP_PREFIX}v{number}-", dir=edition_dir))
    except OSError as error:
        raise _unwritable(edition_dir, error) from error
    try:
        usual_permissions(staging, directory=True)
        stored: list[StoredFile] = []
        for role, source in sources:
            step(f"copy {source.name}")
            sha256, size = _copy_durably(source, staging / source.name, target / source.name)
            stored.append(StoredFile(role, source.name, sha256, size))
        manifest = Manifest(
            edition=edition,
            version=number,
            archived_at=archived_at,
            archived_by=archived_by,
            reportgen_version=reportgen_version,
            files=tuple(stored),
            inputs=input_digests,
            reissue_reason=reissue_reason,
        )
        step("manifest")
        # written last: a folder with a manifest is a folder with all its files
        try:
            write_text(staging / MANIFEST_NAME, manifest.to_json())
        except OSError as error:  # told by the name it would have had, not the staging one
            raise OSError(error.errno, error.strerror, str(target / MANIFEST_NAME)) from error
        _make_read_only(staging / MANIFEST_NAME)
        fsync_dir(staging)
        step("rename")
        # second guard behind the lock: rename onto a non-empty folder fails, and an
        # empty one (which rename would silently replace) is refused here
        if target.exists():
            raise _raced(edition, target)
        try:
            os.rename(staging, target)
        except OSError as error:
            if error.errno in (errno.EEXIST, errno.ENOTEMPTY):
                raise _raced(edition, target) from error
            raise DeliveryError(
                f"could not move the new version of {edition} into place: {error.strerror}",
                file=target,
                hint="check the archive folder is writable and has space",
            ) from error
    except BaseException as error:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(error, OSError):
            raise _unwritable(edition_dir, error) from error
        raise
    fsync_dir(edition_dir)
    return ArchivedVersion(folder=target, manifest=manifest, status=CURRENT)


def list_editions(archive_root: Path) -> list[ArchivedVersion]:
    """Every readable version of every archived edition, by edition then version."""
    return [v for v in list_archive(archive_root) if isinstance(v, ArchivedVersion)]


def list_archive(archive_root: Path) -> list[ArchivedVersion | DamagedVersion]:
    """Every version folder, readable or damaged, by edition then version."""
    archive_root = Path(archive_root)
    require_archive_root(archive_root)
    versions: list[ArchivedVersion | DamagedVersion] = []
    for edition, edition_dir in _edition_folders(archive_root):
        versions.extend(_load_edition(edition_dir, edition))
    return versions


def abandoned_attempts(archive_root: Path) -> list[Path]:
    """``.incoming-*`` folders left by an archive that did not finish (killed).

    None while another archive runs (its folder is in progress, not abandoned).
    """
    archive_root = Path(archive_root)
    found = sorted(
        entry
        for _edition, edition_dir in _edition_folders(archive_root)
        if edition_dir.is_dir() and not edition_dir.is_symlink()
        for entry in edition_dir.iterdir()
        if entry.name.startswith(_TEMP_PREFIX) and entry.is_dir()
    )
    if found and _archiving_now(archive_root):
        return []
    return found


def _archiving_now(archive_root: Path) -> bool:
    if not (archive_root / LOCK_NAME).exists():
        return False
    try:
        with _exclusive_lock(archive_root, 0):
            return False
    except DeliveryError:
        return True


def find_version(archive_root: Path, edition: str, version: int | None = None) -> ArchivedVersion:
    """The current version of ``edition``, or the numbered ``version``."""
    archive_root = Path(archive_root)
    edition = _parse_edition(edition)
    require_archive_root(archive_root)
    versions = _load_edition(archive_root / edition, edition)
    if not versions:
        raise _not_archived(archive_root, edition)
    for candidate in versions:
        if version is None and candidate is versions[-1] or candidate.version == version:
            if isinstance(candidate, DamagedVersion):
                raise candidate.problem
            return candidate
    have = ", ".join(f"v{v.version}" for v in versions)
    raise DeliveryError(
        f"{edition} has no v{version}",
        file=archive_root / edition,
        hint=f"archived versions: {have}",
    )


def verify_archive(archive_root: Path, edition: str | None = None) -> list[VerifyResult]:
    """Re-hash every stored file of every version (or of one edition) against its manifest.

    Problems are reported in the results, never raised: a missing or unparseable
    manifest, a file changed, missing or added. Checking that the stored PDF can be
    rebuilt from its inputs is a separate step: take ``find_version(...).manifest.inputs``
    and the attachments (``read_attachments``) of ``.path("edition")``, rebuild, and
    compare with ``manifest.files``.
    """
    archive_root = Path(archive_root)
    require_archive_root(archive_root)
    if edition is None:
        folders = _edition_folders(archive_root)
    else:
        edition = _parse_edition(edition)
        folders = [(edition, archive_root / edition)]
    editions = [(name, _load_edition(folder, name)) for name, folder in folders]
    if edition is not None and not editions[0][1]:
        raise _not_archived(archive_root, edition)
    results: list[VerifyResult] = []
    for name, versions in editions:
        for version in versions:
            folder = version.folder
            if isinstance(version, DamagedVersion) and (
                folder.is_symlink() or not folder.is_dir()
            ):  # not a version folder at all (missing, a file, a link): nothing to re-hash
                problems = (version.problem.message,)
                results.append(VerifyResult(name, version.version, folder, problems=problems))
            else:
                results.append(_verify_version(folder, name, version.version))
    return results


def attach_files(
    pdf_in: Path,
    pdf_out: Path,
    attachments: Mapping[str, bytes],
    *,
    data_files: Collection[str] = (),
) -> Path:
    """Write ``pdf_in`` to ``pdf_out`` (atomically) with ``attachments`` embedded.

    Each attachment is a PDF/A-3 associated file: file name as /F and /UF, a
    description, its MIME type, its relationship to the document (``data_files`` are
    /Data, the data behind the document's tables; the rest /Source, what it was made
    from), dated as the document is, and listed in the catalog's /AF; a PDF/A-2 input
    becomes PDF/A-3b, the part that allows any file to be attached. Pages, structure,
    outline, page labels and metadata are kept. The same input gives the same bytes:
    the /ID keeps the input's permanent identifier and derives the second one from the
    content. ``pdf_out`` may be ``pdf_in``.
    """
    source = read_pdf(Path(pdf_in), what="PDF to attach files to")
    clash = sorted(set(attachments) & set(source.reader.attachments))
    if clash:
        raise DeliveryError(
            f"the PDF already carries attachments named {', '.join(clash)}",
            file=pdf_in,
            hint="attach to the PDF as built, before anything else was attached",
        )
    pdf = pikepdf.open(io.BytesIO(source.data))
    date = str(pdf.docinfo.get("/ModDate", ""))
    associated = pdf.Root.get("/AF", pikepdf.Array())
    # sorted, so the objects are numbered the same whatever order the caller used
    for name in sorted(attachments):
        if not name or "/" in name or "\\" in name:
            raise DeliveryError(
                f"attachment name {name!r} is not a plain file name",
                file=pdf_in,
                hint="name attachments like 'figures-2014-03.csv'",
            )
        data = name in data_files
        spec = pikepdf.AttachedFileSpec(
            pdf,
            attachments[name],
            description=f"{'Data behind the tables' if data else 'Source file'}: {name}",
            filename=name,
            mime_type=_MIME_TYPES.get(Path(name).suffix.lower(), "application/octet-stream"),
            creation_date=date,
            mod_date=date,
            relationship=pikepdf.Name.Data if data else pikepdf.Name.Source,
        )
        pdf.attachments[name] = spec
        associated.append(spec.obj)
    pdf.Root.AF = associated
    as_pdfa3(pdf)
    # into memory first: qpdf writing a file itself aborts the process on a full disk
    write_bytes(pdf_out, saved(pdf))
    return Path(pdf_out)


def read_attachments(
    pdf: Path, data: bytes | None = None, *, only: Collection[str] | None = None
) -> dict[str, bytes]:
    """The files embedded in ``pdf`` (its ``data`` where already read), by name; with
    ``only``, just those of them (the rest are counted and their names checked, not
    unpacked).

    The PDF may have been edited by anyone, so every name must be a plain file name and
    there may be at most MAX_ATTACHMENTS files of MAX_ATTACHMENT_BYTES together: a PDF
    of a few MB can unpack to gigabytes, and reportgen attaches a few MB at most.
    """
    source = read_pdf(Path(pdf)) if data is None else check_pdf(Path(pdf), data)
    hint = "restore the file from another copy; reportgen never attaches such files"
    found: dict[str, bytes] = {}
    seen: set[str] = set()
    budget = MAX_ATTACHMENT_BYTES
    try:
        for count, entry in enumerate(source.reader.attachment_list, start=1):
            if count > MAX_ATTACHMENTS:
                raise DeliveryError(
                    f"the PDF has more than {MAX_ATTACHMENTS} attachments", file=pdf, hint=hint
                )
            names = {entry.name}
            if entry.alternative_name is not None:
                names.add(entry.alternative_name)
            for name in names:
                _check_attachment_name(name, pdf, hint)
            wanted = names if only is None else names & set(only)
            seen.update(names)
            if not wanted:
                continue
            contents = _unpacked(entry.pdf_object, budget)
            if contents is None:
                raise DeliveryError(
                    f"the PDF's attachments unpack to more than {MAX_ATTACHMENT_BYTES >> 20} MB",
                    file=pdf,
                    hint=hint,
                )
            budget -= len(contents)
            for name in wanted:
                if found.get(name, contents) != contents:
                    raise DeliveryError(
                        f"the PDF has several different attachments named {name!r}",
                        file=pdf,
                        hint="rebuild it; reportgen never attaches two files with one name",
                    )
                found[name] = contents
    except DeliveryError:
        raise
    except Exception as error:  # pypdf raises many types for damaged files
        raise DeliveryError(
            f"the PDF's attachments cannot be read ({type(error).__name__}: {error})",
            file=pdf,
            hint="restore the file from another copy",
        ) from error
    return found


def _check_attachment_name(name: object, pdf: Path, hint: str) -> None:
    # pypdf gives a name it cannot decode as text (one with a NUL, say) as bytes
    if not isinstance(name, str):
        raise DeliveryError("the PDF has an attachment whose name is not text", file=pdf, hint=hint)
    if (
        name in ("", ".", "..")
        or any(ch in name for ch in "/\\\0")
        or not prints_as_is(name)
        or len(name.encode("utf-8")) > _INPUT_NAME_MAX
    ):
        raise DeliveryError(
            f"the PDF has an attachment named {shown(name)}, which is not a plain file name",
            file=pdf,
            hint=hint,
        )


def _unpacked(spec: DictionaryObject, limit: int) -> bytes | None:
    """The contents of the file specification ``spec`` (pypdf's), or None if they come to
    more than ``limit`` bytes: they are inflated at most ``limit`` + 1 bytes far, never
    whole, so a small stream of zeros cannot fill the memory."""
    files = spec["/EF"].get_object()
    if not isinstance(files, DictionaryObject):
        raise TypeError("an attachment has no file dictionary (/EF)")
    stream = files["/UF" if "/UF" in files else "/F"].get_object()
    if not isinstance(stream, StreamObject):
        raise TypeError("an attachment is not a stream")
    # the stream's bytes as stored: get_data() would inflate them all, however large
    raw = stored_stream_bytes(stream)
    method = stream.get("/Filter")
    if isinstance(method, ArrayObject) and len(method) == 1:
        method = method[0]
    if method is None:
        return raw if len(raw) <= limit else None
    params = stream.get("/DecodeParms")
    if method != "/FlateDecode" or not (params is None or isinstance(params, NullObject)):
        # reportgen (through qpdf) stores attachments deflated and nothing else
        raise ValueError(f"an attachment is stored encoded as {method}, which reportgen never uses")
    inflater = zlib.decompressobj()
    contents = inflater.decompress(raw, limit + 1)
    if len(contents) > limit:
        return None
    if not inflater.eof:
        raise ValueError("an attachment's compressed data is cut short")
    return contents


# --- reading the archive ---------------------------------------------------------------


def _edition_folders(archive_root: Path) -> list[tuple[str, Path]]:
    """Every entry named as an edition, whatever it is: one that is not a folder (a file,
    a link) is damage, which ``_load_edition`` tells, never an edition not archived."""
    found = []
    for entry in sorted(archive_root.iterdir()):
        if _is_edition_name(entry.name):
            found.append((entry.name, entry))
    return found


def _is_edition_name(name: str) -> bool:
    try:
        return str(Month.parse(name)) == name
    except ValueError:
        return False


def _version_folders(edition_dir: Path) -> dict[int, Path]:
    """v<N> entries by N, whatever they are (``_load_edition`` tells a plain file or a
    link where a folder should be); staging folders and anything else are not versions."""
    if edition_dir.is_symlink() or not edition_dir.is_dir():
        return {}
    found = {}
    for entry in edition_dir.iterdir():
        match = _VERSION_FOLDER.match(entry.name)
        if match:
            found[int(match.group(1))] = entry
    return found


_RESTORE_VERSION = "restore it from backup: versions are never removed, renamed or replaced"


def _missing(edition: str, edition_dir: Path, number: int, why: str) -> DamagedVersion:
    """Version ``number``, which is not there, though ``why`` says it was archived."""
    folder = edition_dir / f"v{number}"
    problem = DeliveryError(
        f"v{number} is missing, though {why}", file=folder, hint=_RESTORE_VERSION
    )
    return DamagedVersion(edition, number, folder, problem)


def _newest_sent(edition_dir: Path) -> tuple[int, str]:
    """The newest version any send log in ``edition_dir`` records, and that log's name
    (0 and "" where none is read: a damaged log is told by the send that reads it)."""
    from reportgen.deliver.sendlog import SEND_LOGS, read_send_log

    newest, named = 0, ""
    for name in SEND_LOGS:
        log = edition_dir / name
        try:
            versions = [record.version for record in read_send_log(log)]
        except (DeliveryError, OSError):
            continue
        if versions and max(versions) > newest:
            newest, named = max(versions), log.name
    return newest, named


def _unlike_a_folder(path: Path) -> str | None:
    """What ``path`` is where an archive makes a folder of its own ("a link", "not a
    folder"); None where it is one (or is not there at all)."""
    if path.is_symlink():
        return "a link"
    if os.path.lexists(path) and not path.is_dir():
        return "not a folder"
    return None


def _load_edition(edition_dir: Path, edition: str) -> list[ArchivedVersion | DamagedVersion]:
    kind = _unlike_a_folder(edition_dir)
    if kind is not None:
        problem = DeliveryError(
            f"the edition's folder is {kind}, which no archive makes",
            file=edition_dir,
            hint="restore it from backup: an edition's versions live in a folder of its own",
        )
        return [DamagedVersion(edition, 1, edition_dir, problem)]
    folders = _version_folders(edition_dir)
    loaded: dict[int, Manifest | DamagedVersion] = {}
    for number, folder in folders.items():
        try:
            kind = _unlike_a_folder(folder)
            if kind is not None:
                raise DeliveryError(
                    f"version folder is {kind}, which no archive makes",
                    file=folder,
                    hint=_RESTORE_VERSION,
                )
            loaded[number] = _read_manifest(folder, edition, number)
        except DeliveryError as problem:
            loaded[number] = DamagedVersion(edition, number, folder, problem)
    # a version a send log records is one that was archived: the newest removed (or
    # renamed) leaves no gap, and the one before it would be taken for the current one
    sent, log = _newest_sent(edition_dir)
    for number in range(max(loaded, default=0) + 1, sent + 1):
        loaded[number] = _missing(edition, edition_dir, number, f"{log} records sending it")
    # versions are numbered from 1 without a gap: a missing one was removed (or renamed)
    newest = max(loaded, default=0)
    for number in range(1, newest):
        if number not in loaded:
            why = f"v{newest} was archived after it"
            loaded[number] = _missing(edition, edition_dir, number, why)
    numbers = sorted(loaded)
    versions: list[ArchivedVersion | DamagedVersion] = []
    for index, number in enumerate(numbers):
        manifest = loaded[number]
        if isinstance(manifest, DamagedVersion):
            versions.append(manifest)
        elif index + 1 < len(numbers):
            successor = numbers[index + 1]
            later = loaded[successor]
            versions.append(
                ArchivedVersion(
                    folder=folders[number],
                    manifest=manifest,
                    status=SUPERSEDED,
                    superseded_by=successor,
                    superseded_reason=None
                    if isinstance(later, DamagedVersion)
                    else later.reissue_reason,
                )
            )
        else:
            versions.append(
                ArchivedVersion(folder=folders[number], manifest=manifest, status=CURRENT)
            )
    return versions


def _read_manifest(folder: Path, edition: str, number: int) -> Manifest:
    path = folder / MANIFEST_NAME
    hint = "run the archive verify; restore this version folder from backup"
    try:
        # never through a link: a manifest is written as a file in its version folder
        text = read_limited(path, MAX_MANIFEST_BYTES, follow_link=False).decode("utf-8")
    except FileNotFoundError as error:
        raise DeliveryError("manifest is missing", file=path, hint=hint) from error
    except NotAPlainFile as error:
        raise DeliveryError("manifest is not a plain file", file=path, hint=hint) from error
    except TooLarge as error:
        raise DeliveryError(
            f"manifest is {error.size} bytes, far more than any manifest", file=path, hint=hint
        ) from error
    except UnicodeDecodeError as error:
        raise DeliveryError(f"manifest is not UTF-8: {error}", file=path, hint=hint) from error
    except OSError as error:
        if error.errno == errno.ELOOP or path.is_symlink():
            raise DeliveryError(
                "manifest is a link, and no archive writes one", file=path, hint=hint
            ) from error
        raise DeliveryError(
            f"manifest cannot be read: {error.strerror or error}", file=path, hint=hint
        ) from error
    try:
        manifest = Manifest.from_json(text)
    except ValueError as error:
        raise DeliveryError(f"manifest is not valid: {error}", file=path, hint=hint) from error
    if (manifest.edition, manifest.version) != (edition, number):
        raise DeliveryError(
            f"manifest is for {manifest.edition} v{manifest.version} but sits in "
            f"{edition}/v{number}",
            file=path,
            hint=hint,
        )
    return manifest


def _verify_version(folder: Path, edition: str, number: int) -> VerifyResult:
    try:
        manifest = _read_manifest(folder, edition, number)
    except DeliveryError as error:
        return VerifyResult(edition, number, folder, problems=(error.message,))
    changed, missing, problems = [], [], []
    for stored in manifest.files:
        path = folder / stored.name
        try:
            if path.is_symlink():  # even to an identical copy: the archive holds the file
                problems.append(f"{stored.name} is a link, not the stored file")
                continue
            if path.exists() and not path.is_file():  # a folder, a FIFO: never read
                problems.append(f"{stored.name} is not a plain file")
                continue
            if not path.is_file():
                missing.append(stored.name)
                continue
            sha256, size = _hash_file(path)
        except OSError as error:  # one unreadable file must not stop the check of the rest
            problems.append(f"{stored.name} cannot be read: {error.strerror or error}")
            continue
        if (sha256, size) != (stored.sha256, stored.size):
            changed.append(stored.name)
    expected = {MANIFEST_NAME, *(f.name for f in manifest.files)}
    try:
        # names as they are: a file put there by hand may have any name, which the
        # report escapes where it prints it (VerifyReport.lines)
        added = sorted(entry.name for entry in folder.iterdir() if entry.name not in expected)
    except OSError as error:
        added = []
        problems.append(f"the folder cannot be listed: {error.strerror or error}")
    return VerifyResult(
        edition,
        number,
        folder,
        changed=tuple(changed),
        missing=tuple(missing),
        added=tuple(added),
        problems=tuple(problems),
    )


# --- checks and small helpers ------------------------------------------------------------


def _parse_edition(edition: str) -> str:
    try:
        return str(Month.parse(edition))
    except ValueError as error:
        raise DeliveryError(str(error), hint="editions are named by month, e.g. 2014-03") from error


def require_archive_root(archive_root: Path) -> None:
    """Refuse an archive folder that does not exist: it is never created, so that a
    mistyped path or an unmounted share fails rather than filling a new folder."""
    if not archive_root.is_dir():
        there = archive_root.exists()
        raise DeliveryError(
            "the archive path names a file, not a folder"
            if there
            else "archive folder does not exist",
            file=archive_root,
            hint="name the archive's folder"
            if there
            else "create it, or check the archive path and that the share is mounted",
        )


def _check_deliverables(files: Mapping[str, Path]) -> list[tuple[str, Path]]:
    if not files:
        raise DeliveryError("nothing to archive", hint="pass at least the edition PDF")
    sources: list[tuple[str, Path]] = []
    names: dict[str, str] = {}
    for role, raw in files.items():
        path = Path(raw)
        if not path.is_file():
            raise DeliveryError(
                f"the {role} file to archive is missing", file=path, hint="build it first"
            )
        name = path.name
        if name == MANIFEST_NAME or name.startswith("."):
            raise DeliveryError(
                f"the {role} file cannot be archived under the name {name!r}",
                file=path,
                hint=f"{MANIFEST_NAME} and names starting with '.' are the archive's own",
            )
        try:
            _plain_name(name)  # the manifest records it, and a reader refuses anything else
        except ValueError:
            raise DeliveryError(
                f"the {role} file cannot be archived under the name {shown(name)}",
                file=path,
                hint="rename it: a name of at most 255 bytes with no control characters",
            ) from None
        if name in names:
            raise DeliveryError(
                f"the {role} and {names[name]} files have the same name {name!r}",
                file=path,
                hint="every archived file is stored under its own name; rename one",
            )
        names[name] = role
        sources.append((role, path))
    return sources


def _digest_input(name: str, path: Path) -> InputDigest:
    try:
        sha256, size = _hash_file(path)
    except OSError as error:
        raise DeliveryError(
            f"input {name!r} cannot be read: {error.strerror}",
            file=path,
            hint="the archive records a digest of every input the edition was built from",
        ) from error
    return InputDigest(name, sha256, size)


def _hash_file(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _copy_durably(source: Path, target: Path, told_as: Path) -> tuple[str, int]:
    """Copy, hashing what is written, and fsync; return (sha256, size). A problem with
    ``target`` (in the staging folder) is told as ``told_as``, its name once stored."""
    digest = hashlib.sha256()
    size = 0
    try:
        with open(source, "rb") as reader, open(target, "xb") as writer:
            while chunk := reader.read(_CHUNK):
                digest.update(chunk)
                writer.write(chunk)
                size += len(chunk)
            writer.flush()
            os.fsync(writer.fileno())
    except OSError as error:
        bad = source if error.filename == str(source) else told_as
        full = error.errno in (errno.ENOSPC, errno.EDQUOT)
        raise DeliveryError(
            f"could not copy {source.name} into the archive: {error.strerror}",
            file=bad,
            hint="the disk is full: free some space on it, then archive again"
            if full
            else "check the file is readable and the archive has space",
        ) from error
    _make_read_only(target)
    return digest.hexdigest(), size


def _make_read_only(path: Path) -> None:
    # a nudge against editing an archived file by hand; verify is the real check
    path.chmod(0o444)


@contextlib.contextmanager
def _exclusive_lock(archive_root: Path, timeout: float) -> Iterator[None]:
    # One lock for the whole archive rather than one per edition: the edition folder of a
    # failed first archive can then be removed without racing a waiter, and archiving is
    # rare enough that editions never need to be archived in parallel.
    with exclusive_lock(
        archive_root / LOCK_NAME,
        timeout=timeout,
        busy=f"another reportgen has been archiving for over {timeout:g} s",
        hint="wait for it to finish and try again",
        error=DeliveryError,
    ):
        yield


def _sweep_incoming(edition_dir: Path) -> None:
    """Remove staging folders of archives that were killed (we hold the lock: no other
    archive is running, so every one left is abandoned)."""
    try:
        left = sorted(e for e in edition_dir.iterdir() if e.name.startswith(_TEMP_PREFIX))
    except OSError:
        return
    removed = []
    for folder in left:
        try:
            shutil.rmtree(folder)
        except OSError:
            continue
        removed.append(folder.name)
    if removed:
        notices.note(
            f"removed {', '.join(removed)} from {edition_dir}: left by an archive that was "
            "stopped before it finished (it never became a version)"
        )


def _user_name() -> str:
    try:
        return getpass.getuser() or "unknown"
    except (KeyError, OSError, ImportError):  # no login name, e.g. in a bare container
        return "unknown"


def _unwritable(edition_dir: Path, error: OSError) -> DeliveryError:
    return DeliveryError(
        f"could not write the new version: {error.strerror or error}",
        file=error.filename or edition_dir,
        hint="check the archive folder is writable and has space; nothing was archived",
    )


def _raced(edition: str, target: Path) -> DeliveryError:
    return DeliveryError(
        f"{target.name} of {edition} appeared while this archive was being made",
        file=target,
        hint="another archive of the same edition ran at the same time; list the archive "
        "and re-issue if this one is still needed",
    )


def _not_archived(archive_root: Path, edition: str) -> DeliveryError:
    return DeliveryError(
        f"{edition} has not been archived",
        file=archive_root / edition,
        hint=f"archive it first (reportgen archive --edition {edition}); check the edition "
        "and the archive path",
    )
