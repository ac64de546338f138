"""What the deliver commands do, end to end: pack, archive, verify, send.

Each function takes a report folder and an edition and chains the stages' library
functions (build -> attach -> archive, archive -> verify and rebuild, archive -> mail),
so the CLI stays argument parsing and messages only.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import hashlib
import io
import re
from collections.abc import Callable, Collection, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from reportgen import __version__, notices
from reportgen.assemble.build import (
    BuildResult,
    build_edition,
    check_out,
    default_output,
    folder_chart_keys,
)
from reportgen.atomic import ensure_folder, named, scratch_folder
from reportgen.compute.edition import compute_tables, figures_csv
from reportgen.compute.tables import CSV_COLUMNS
from reportgen.deliver.archive import (
    ArchivedVersion,
    InputDigest,
    VerifyResult,
    abandoned_attempts,
    archive_edition,
    attach_files,
    find_version,
    list_editions,
    read_attachments,
    verify_archive,
)
from reportgen.deliver.pack import PdfSource, build_pack, read_pdf
from reportgen.errors import DeliveryError, ReportgenError, one_line, shown
from reportgen.links import real_path
from reportgen.load.folder import ReportFolder, inside, load_content, load_report
from reportgen.load.folder import input_files as folder_input_files
from reportgen.load.reportfolder import DEFAULT_ARCHIVE, kept_folder_of
from reportgen.months import Month
from reportgen.reading import MAX_INPUT_BYTES, TooLarge, read_limited

if TYPE_CHECKING:  # mail (and its smtplib) is imported only by a send
    from reportgen.deliver.mail import SendResult

FIGURES_ATTACHMENT = "figures.csv"
PACK_INPUTS_KEY = "ReportgenInputs"  # pack metadata: the digest of the edition's inputs
OUT = Path("out")  # the report folder's outputs; scratch folders live there too


def readable_name(organisation: str, title: str, edition: Month, kind: str = "") -> str:
    """Essex-Police-Performance-Update-March-2014.pdf (a file name people can read)."""
    words = f"{organisation} {title} {kind} {edition.name}"
    return re.sub(r"[^A-Za-z0-9]+", "-", words).strip("-") + ".pdf"


def input_files(folder: ReportFolder, edition: Month) -> dict[str, Path]:
    """Every file a build of the edition reads, by its path in the report folder: what
    the archive embeds and the pack's stamp covers (load.folder decides the set)."""
    paths = folder_input_files(folder, edition)
    for name in paths:
        if "__" in Path(name).name:  # "__" stands for "/" in attachment names
            raise DeliveryError(
                "an input file name contains '__', which the archive cannot tell from a folder",
                file=name,
                hint="rename the file",
            )
    return paths


def inputs_digest(inputs: dict[str, Path]) -> str:
    """One sha256 over every input (name and bytes), to tie a pack to its edition."""
    digest = hashlib.sha256()
    for name, path in sorted(inputs.items()):
        for chunk in (name.encode("utf-8"), path.read_bytes()):
            digest.update(len(chunk).to_bytes(8, "big"))
            digest.update(chunk)
    return digest.hexdigest()


def attachment_name(input_name: str) -> str:
    """data/monthly.csv -> data__monthly.csv: PDF attachments are plain file names."""
    return input_name.replace("/", "__")


def input_name(attachment: str) -> str:
    return attachment.replace("__", "/")


def pack_path(root: Path, edition: Month) -> Path:
    return Path(root).resolve() / "out" / f"board-pack-{edition}.pdf"


def make_pack(
    root: Path,
    edition: Month,
    *,
    cover: Path | None,
    appendices: list[Path],
    out: Path | None = None,
) -> Path:
    """Build the edition, then join covering paper + edition + appendices."""
    folder = load_report(root)
    # refuse a bad covering paper or appendix before spending a build on it
    if cover is not None:
        read_pdf(cover, what="covering paper")
    for number, paper in enumerate(appendices, start=1):
        read_pdf(paper, what=f"appendix {number}")
    if out is not None:
        papers = [cover] if cover is not None else []
        check_out(Path(out), folder.root, read=[*papers, *appendices], makes="pack")
    else:
        ensure_folder(pack_path(root, edition).parent, within=folder.root)
    with (
        scratch_folder(folder.root / OUT, within=folder.root) as scratch,
        _told_as_out(scratch, folder.root / OUT),
    ):
        # built from a copy of the inputs read once, so the stamp below is of what it
        # shows, whatever is saved meanwhile (the archive trusts the stamp)
        keys = folder_chart_keys(folder, edition)  # the folder's, before its copy
        copy = _snapshot(input_files(folder, edition), scratch / "inputs")
        built = build_edition(
            scratch / "inputs",
            edition,
            scratch / "edition.pdf",
            cache_root=folder.root,
            folder_keys=keys,
        )
        warn_if_printed_otherwise(folder, edition, built.path, "packed")
        layout = folder.layout
        return build_pack(
            built.path,
            Path(out) if out else pack_path(root, edition),
            edition_title=f"{layout.title}: {edition.name}",
            cover=cover,
            appendices=appendices,
            metadata={
                "title": f"{layout.organisation} Board Pack: {edition.name}",
                "author": layout.author,
                "subject": f"{layout.title}: {edition.name}",
                PACK_INPUTS_KEY: inputs_digest(copy),
            },
        )


def archive(
    root: Path,
    edition: Month,
    archive_root: Path,
    *,
    reissue_reason: str | None = None,
    pack: Path | None = None,
    on_step: Callable[[str], None] | None = None,
) -> ArchivedVersion:
    """Build the edition, embed its figures and inputs, and store it write-once.

    Every input (and the pack) is read once, into a scratch copy of the report folder,
    and everything stored comes from that copy: the figures, the PDF, the embedded files,
    the manifest's digests and the pack's check. An input saved while the archive runs
    is then either wholly in it or wholly not, never in the embedded files and not in
    the printed edition."""
    root = Path(root).resolve()
    folder = load_report(root)  # the folder's problems, named as the analyst has it
    inputs = input_files(folder, edition)
    # a pack asked for by name must be there; the default one is stored only if built
    explicit_pack = pack is not None
    pack = Path(pack) if pack is not None else pack_path(root, edition)
    if reissue_reason is None:
        refuse_if_archived(archive_root, edition)  # before spending a build on it
    with scratch_folder(root / OUT, within=root) as scratch, _told_as_out(scratch, root / OUT):
        keys = folder_chart_keys(folder, edition)  # the folder's, before its copy
        copy = _snapshot(inputs, scratch / "inputs")
        kept_pack = None
        if not explicit_pack:  # out/'s own: read only within the report folder
            inside(root, pack.relative_to(root))
        if explicit_pack or pack.exists():
            source = read_pdf(pack, what="board pack")
            check_pack_matches(source, copy, required=not explicit_pack)
            kept_pack = scratch / "pack" / pack.name
            kept_pack.parent.mkdir()
            kept_pack.write_bytes(source.data)  # the bytes checked are the bytes stored
        replaces = None
        if reissue_reason is not None:
            replaces = version_to_replace(archive_root, edition, copy, kept_pack or pack)
        copied = load_report(scratch / "inputs")
        texts = load_content(copied, edition)
        figures = figures_csv(compute_tables(copied, edition, texts))
        built: BuildResult = build_edition(
            copied.root, edition, scratch / "built.pdf", cache_root=root, folder_keys=keys
        )
        warn_if_printed_otherwise(folder, edition, built.path, "archived")
        attachments = {FIGURES_ATTACHMENT: figures.encode("utf-8")}
        attachments.update({attachment_name(key): path.read_bytes() for key, path in copy.items()})
        name = readable_name(copied.layout.organisation, copied.layout.title, edition)
        edition_pdf = attach_files(
            built.path, scratch / name, attachments, data_files={FIGURES_ATTACHMENT}
        )
        files = {"edition": edition_pdf}
        if kept_pack is not None:
            files["pack"] = kept_pack
        return archive_edition(
            archive_root,
            str(edition),
            files,
            copy,
            reportgen_version=__version__,
            reissue_reason=reissue_reason,
            on_step=on_step,
            replaces=replaces,
        )


def warn_if_printed_otherwise(folder: ReportFolder, edition: Month, built: Path, done: str) -> None:
    """Warn where ``out/`` holds the edition built from other inputs than the one just
    packed or archived (``built``): a PDF printed or sent from there would not be the
    record. A build is the same bytes from the same inputs, so the bytes tell."""
    printed = default_output(folder, edition)
    try:
        there = read_limited(printed, MAX_INPUT_BYTES, follow_link=False)
    except OSError:  # none there (or nothing reportgen wrote): nothing to mistake
        return
    if there != built.read_bytes():
        notices.warn(
            f"{folder.display(printed)} is not the edition {done}: it was built from other "
            f"data, layouts or narrative than the report folder holds now (run 'reportgen "
            f"build' again, so that the PDF in out/ is the one {done})"
        )


@contextlib.contextmanager
def _told_as_out(scratch: Path, out: Path) -> Iterator[None]:
    """A file that cannot be written in the scratch folder (a full disk) is told as
    ``out/``, the folder the analyst knows, never by the scratch folder's name or none."""
    try:
        yield
    except OSError as error:
        name = error.filename
        if name is None or Path(name).is_relative_to(scratch):
            raise OSError(error.errno, error.strerror, str(out)) from error
        raise


def _read_input(path: Path) -> bytes:
    """An input's bytes, read once: a plain file, within bounds (it may have been
    replaced by anything since it was loaded)."""
    try:
        return read_limited(path, MAX_INPUT_BYTES)
    except TooLarge as error:
        raise DeliveryError(
            f"is {error.size} bytes, more than an input may be ({error.limit})",
            file=str(path),
            hint="it changed while the archive ran: run the archive again",
        ) from None


def _snapshot(inputs: dict[str, Path], into: Path) -> dict[str, Path]:
    """Each input copied into ``into`` under its name in the report folder (a report
    folder of its own); the copies, by the same names."""
    copies = {}
    for name, path in sorted(inputs.items()):
        target = into / name  # a plain relative path: load.folder named it
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(_read_input(path))
        copies[name] = target
    return copies


def check_pack_matches(source: PdfSource, inputs: dict[str, Path], *, required: bool) -> None:
    """Refuse a board pack (read by ``read_pdf``) built from other inputs than the edition
    being archived."""
    metadata = source.reader.metadata
    stamp = metadata.get("/" + PACK_INPUTS_KEY) if metadata is not None else None
    if stamp is None and not required:
        return  # a pack made elsewhere: the analyst vouches for it
    if stamp != inputs_digest(inputs):
        raise DeliveryError(
            "the board pack was built from other data, layouts or narrative than this edition",
            file=str(source.path),
            hint="run 'reportgen pack' again, then archive",
        )


def version_to_replace(
    archive_root: Path, edition: Month, inputs: dict[str, Path], pack: Path
) -> int:
    """The version a re-issue replaces; refuse a re-issue that corrects nothing."""
    current = find_version(archive_root, str(edition))
    archived = {d.name: d.sha256 for d in current.manifest.inputs}
    now = {name: hashlib.sha256(path.read_bytes()).hexdigest() for name, path in inputs.items()}
    stored = {f.role: f.sha256 for f in current.manifest.files}
    pack_now = hashlib.sha256(pack.read_bytes()).hexdigest() if pack.exists() else None
    same_pack = stored.get("pack") == pack_now
    if archived == now and same_pack:
        raise DeliveryError(
            f"nothing has changed since {edition} v{current.version}: a re-issue must correct "
            "something",
            file=str(current.folder),
            hint="correct the data, layouts or narrative first",
        )
    return current.version


def refuse_if_archived(archive_root: Path, edition: Month) -> None:
    existing = [v for v in list_editions(archive_root) if v.edition == str(edition)]
    if existing:
        latest = existing[-1]
        raise DeliveryError(
            f"{edition} is already archived as v{latest.version}; an archived edition is "
            "never overwritten",
            file=str(latest.folder),
            hint="use --reissue --reason '…' for a corrected re-issue",
        )


class VerifyReport(msgspec.Struct, frozen=True):
    results: tuple[VerifyResult, ...]
    rebuilds: tuple[tuple[str, int, str | None], ...]  # edition, version, problem or None
    abandoned: tuple[Path, ...] = ()  # .incoming-* folders of archives that did not finish
    # a send log that cannot be read, as "<file>: <what is wrong>": send refuses to send
    # that edition until it is restored
    send_logs: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return (
            all(r.ok for r in self.results)
            and all(p is None for *_, p in self.rebuilds)
            and not self.send_logs
        )

    def lines(self) -> list[str]:
        text = [r.describe() for r in self.results]
        for edition, version, problem in self.rebuilds:
            text.append(
                f"{edition} v{version}: "
                + ("figures rebuilt from the embedded inputs match" if problem is None else problem)
            )
        text.extend(abandoned_line(folder) for folder in self.abandoned)
        text.extend(f"send log {problem}" for problem in self.send_logs)
        if not self.results:  # a mistyped --archive that happens to exist says so
            text.insert(0, "no editions archived yet: nothing to verify")
        # one line each, printable as it is, whatever names the damage brought with it
        return [one_line(line) for line in text]


def abandoned_line(folder: Path) -> str:
    return (
        f"{folder.parent.name}: {folder.name}/ was left by an archive that was stopped before "
        "it finished; it is not a version (the next archive removes it)"
    )


def rebuild_figures(
    pdf: Path,
    edition: Month,
    scratch_parent: Path | None = None,
    *,
    recorded: Collection[InputDigest],
) -> str | None:
    """Recompute the figures from the inputs embedded in ``pdf``; None when they match,
    else what is wrong, in words that say which part is (the figures, the embedded
    files, the manifest's record of them).

    The embedded files must be exactly the ``recorded`` inputs (the manifest's: name,
    sha256 and size) and the figures: anything else is damage, reported without
    rebuilding. The inputs are unpacked into a scratch folder in ``scratch_parent`` (the
    report's ``out/``, if it exists; else the system's temporary folder).
    """
    attachments = read_attachments(pdf)
    if FIGURES_ATTACHMENT not in attachments:
        return f"{pdf.name} carries no {FIGURES_ATTACHMENT}"
    problem = _unlike_the_manifest(attachments, recorded)
    if problem is not None:
        return problem
    try:
        stored = attachments[FIGURES_ATTACHMENT].decode("utf-8")
    except UnicodeDecodeError:
        return f"the embedded {FIGURES_ATTACHMENT} is not UTF-8 text"
    try:
        rebuilt = _rebuilt_figures(attachments, edition, recorded, scratch_parent)
    except OSError as error:
        if scratch_parent is None or error.errno not in _NO_ROOM:
            raise
        # out/ is on a full or read-only disk: verifying writes nothing of the analyst's,
        # so unpack in the system's temporary folder instead
        rebuilt = _rebuilt_figures(attachments, edition, recorded, None)
    except ReportgenError as exc:
        return f"the embedded inputs do not build: {exc}"
    rebuilt = in_columns_of(stored, rebuilt)
    if rebuilt == stored:
        return None
    return (
        "figures rebuilt from the embedded inputs DO NOT MATCH the ones it printed: "
        + _first_difference(stored, rebuilt)
    )


def in_columns_of(stored: str, rebuilt: str) -> str:
    """``rebuilt`` (a figures CSV) in the columns ``stored`` was written with: an archive
    made before the MSG colour was kept has the printed table's columns only."""
    if stored.partition("\n")[0] != ",".join(CSV_COLUMNS):
        return rebuilt
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows(row[: len(CSV_COLUMNS)] for row in csv.reader(io.StringIO(rebuilt)))
    return buffer.getvalue()


def _first_difference(stored: str, rebuilt: str) -> str:
    """Where two figures CSVs first differ, down to the cell: a whole line, cut short to
    be printed, can read the same on both sides."""
    stored_rows = list(csv.reader(io.StringIO(stored)))
    rebuilt_rows = list(csv.reader(io.StringIO(rebuilt)))
    header = stored_rows[0] if stored_rows else []
    for number, (old, new) in enumerate(zip(stored_rows, rebuilt_rows, strict=False), start=1):
        if old == new:
            continue
        row = f"line {number} of {FIGURES_ATTACHMENT}"
        if number > 1 and len(old) == len(new) == len(header) and "label" in header:
            row += f" ({shown(old[header.index('label')])})"
        for column, (was, now) in enumerate(zip(old, new, strict=False)):
            if was != now:
                name = header[column] if column < len(header) else f"column {column + 1}"
                return f"{row}, {name}: was {shown(was)}, rebuilt {shown(now)}"
        return f"{row} has {len(old)} cells, rebuilt {len(new)}"
    return f"{len(stored_rows)} lines in {FIGURES_ATTACHMENT}, rebuilt {len(rebuilt_rows)}"


_NO_ROOM = (errno.ENOSPC, errno.EDQUOT, errno.EROFS)


def _rebuilt_figures(
    attachments: dict[str, bytes],
    edition: Month,
    recorded: Collection[InputDigest],
    scratch_parent: Path | None,
) -> str:
    """The figures CSV computed from the ``recorded`` inputs among ``attachments``,
    unpacked into a scratch folder in ``scratch_parent`` (else the system's)."""
    report_root = None if scratch_parent is None else Path(scratch_parent).parent
    with scratch_folder(scratch_parent, create=False, within=report_root) as scratch:
        # only what the manifest records: its names were checked to be plain relative
        # paths when it was read, so nothing is written outside the scratch folder
        for digest in recorded:
            target = scratch / digest.name
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(attachments[attachment_name(digest.name)])
            except OSError as error:
                raise named(error, target) from error
        folder = load_report(scratch)
        return figures_csv(compute_tables(folder, edition, load_content(folder, edition)))


def _unlike_the_manifest(
    attachments: dict[str, bytes], recorded: Collection[InputDigest]
) -> str | None:
    """How the files embedded in the PDF differ from the inputs its manifest records."""
    expected = {attachment_name(digest.name): digest for digest in recorded}
    differ = [
        name
        for name, digest in expected.items()
        if name in attachments
        and (hashlib.sha256(attachments[name]).hexdigest(), len(attachments[name]))
        != (digest.sha256, digest.size)
    ]
    missing = sorted(expected.keys() - attachments.keys())
    extra = sorted(attachments.keys() - expected.keys() - {FIGURES_ATTACHMENT})
    parts = []
    for label, names in (
        ("embedded, but not as the manifest records them", sorted(differ)),
        ("recorded in the manifest but not embedded", missing),
        ("embedded but not recorded in the manifest", extra),
    ):
        if names:
            # whole unless absurdly long: an analyst looks these up in the PDF
            shown_names = ", ".join(
                repr(name) if len(name) <= 120 else shown(name) for name in names[:5]
            )
            more = f" and {len(names) - 5} more" if len(names) > 5 else ""
            parts.append(f"{label}: {shown_names}{more}")
    if not parts:
        return None
    return (
        "the files embedded in the PDF and the inputs its manifest records disagree, so "
        "one of them is damaged (" + "; ".join(parts) + ")"
    )


def verify(
    archive_root: Path,
    edition: Month | None = None,
    *,
    scratch_parent: Path | None = None,
    progress: Callable[[Month, str], None] | None = None,
) -> VerifyReport:
    """Re-hash every archived version and rebuild its figures from its embedded inputs;
    ``progress`` hears (edition, stage) as each version is checked."""
    report = progress or (lambda _edition, _stage: None)
    results = verify_archive(archive_root, None if edition is None else str(edition))
    rebuilds = []
    for result in results:
        month = Month.parse(result.edition)
        report(month, "start")
        if not result.ok:
            report(month, "failed")
            continue
        report(month, f"v{result.version} figures")
        try:
            version = find_version(archive_root, result.edition, result.version)
            problem = rebuild_figures(
                version.path("edition"), month, scratch_parent, recorded=version.manifest.inputs
            )
        except ReportgenError as error:  # this version's damage: the others are still checked
            problem = error.message if error.file is None else f"{error.file}: {error.message}"
        rebuilds.append((result.edition, result.version, problem))
        report(month, "done" if problem is None else "failed")
    abandoned = [
        folder
        for folder in abandoned_attempts(archive_root)
        if edition is None or folder.parent.name == str(edition)
    ]
    return VerifyReport(
        tuple(results), tuple(rebuilds), tuple(abandoned), _send_log_problems(archive_root, results)
    )


def _send_log_problems(archive_root: Path, results: Collection[VerifyResult]) -> tuple[str, ...]:
    """Each send log of the editions verified that cannot be read (cut short, edited):
    ``send`` refuses to send from it, so it is told here, before a send is due."""
    from reportgen.deliver.sendlog import SEND_LOGS, read_send_log

    problems = []
    for edition in sorted({result.edition for result in results}):
        for name in SEND_LOGS:
            log = Path(archive_root) / edition / name
            try:  # none there reads as no records
                read_send_log(log)
            except (DeliveryError, OSError) as error:
                what = error.message if isinstance(error, DeliveryError) else str(error)
                problems.append(f"{log}: {what}")
    return tuple(problems)


def archive_root_for(root: Path, archive_dir: Path | None, *, create: bool = True) -> Path:
    """The archive folder: ``--archive`` as given (never created), or ``archive/``.

    Only storing an edition creates the default folder; reading commands do not.
    """
    if archive_dir is not None:
        _refuse_archive_among_the_inputs(Path(archive_dir), root)
        return Path(archive_dir)
    default = Path(root).resolve() / DEFAULT_ARCHIVE
    real_path(default)  # a link that loops is named as one, not "File exists"
    if create:
        default.mkdir(exist_ok=True)
    return default


def _refuse_archive_among_the_inputs(archive: Path, root: Path) -> None:
    """An archive of its own: not the report folder, not in its inputs, cache or out/
    (``archive/`` itself is the default)."""
    real, real_root = archive.resolve(), Path(root).resolve()
    kept = kept_folder_of(archive, root)
    if real == real_root:
        where = "the report folder itself"
    elif real.is_relative_to(real_root / OUT):
        where = f"in the report folder's {OUT}/, where builds write"
    elif kept is not None and real != real_root / DEFAULT_ARCHIVE:
        where = f"in the report folder's {kept}/"
    else:
        return
    raise DeliveryError(
        f"--archive is {where}; an archive needs a folder of its own",
        file=str(archive),
        hint=f"leave --archive out to use {DEFAULT_ARCHIVE}/, or name a folder outside the "
        "report folder",
    )


DISTRIBUTION = Path("distribution.yaml")


def headline(figures: str, per_section: int = 1) -> str:
    """A few lines of headline figures for the email body, from the figures CSV."""
    from reportgen.figurediff import figure_rows

    lines: list[str] = []
    seen: dict[str, int] = {}
    for row in figure_rows(figures):
        if row["kind"] != "measure" or seen.get(row["section"], 0) >= per_section:
            continue
        seen[row["section"]] = seen.get(row["section"], 0) + 1
        unit = "% pt." if row["this_year"].endswith("%") else "%"
        change = "" if row["diff"] == "n/a" else f" ({row['diff'].rstrip('%')}{unit} on last year)"
        lines.append(f"- {row['label']}: {row['this_year']}{change}")
    return "\n".join(lines)


def send(
    root: Path,
    edition: Month,
    archive_root: Path,
    list_name: str,
    *,
    use_pack: bool = False,
    distribution_file: Path | None = None,
    resend: bool = False,
    dry_run_dir: Path | None = None,
    env: dict[str, str] | None = None,
    max_bytes: int | None = None,
) -> SendResult:
    """Send the archived edition (or its pack) to a distribution list."""
    import os

    from reportgen.deliver import mail
    from reportgen.deliver.sendlog import PACK_SEND_LOG, SEND_LOG
    from reportgen.figurediff import checked_figures

    root = Path(root).resolve()
    lists = mail.load_distribution(
        # --distribution names a file of the user's choosing; the report folder's own
        # stays in it, as every other input does
        Path(distribution_file) if distribution_file else inside(root, DISTRIBUTION),
        None if distribution_file else str(DISTRIBUTION),
    )
    if list_name not in lists:
        raise mail.DeliveryError(
            f"no distribution list {list_name!r}",
            file=str(distribution_file or DISTRIBUTION),
            hint="lists defined: " + ", ".join(sorted(lists)),
        )
    # everything sent comes from the archive, never from the working folder
    if not Path(archive_root).is_dir():
        raise DeliveryError(
            f"{edition} has not been archived (there is no archive at {archive_root})",
            file=str(archive_root),
            hint=f"archive it first: reportgen archive --edition {edition}",
        )
    version = find_version(archive_root, str(edition))
    role = "pack" if use_pack else "edition"
    pdf = version.path(role)
    # only what verifies is sent: the edition (whose figures the body quotes, from the
    # very bytes checked) and the file attached are re-hashed against the manifest; mail
    # re-checks the bytes it sends
    edition_data = version.read_verified("edition")
    if use_pack:
        version.read_verified("pack")
    edition_name = version.path("edition").name  # stored under its readable name
    attachment = edition_name
    if use_pack:
        month = readable_name("", "", edition)  # "March-2014.pdf"
        attachment = edition_name.removesuffix(month) + "Board-Pack-" + month
    # the figures only: the inputs are not needed to write the email
    figures = read_attachments(
        version.path("edition"), edition_data, only={FIGURES_ATTACHMENT}
    ).get(FIGURES_ATTACHMENT)
    body = "" if figures is None else headline(checked_figures(figures, version.path("edition")))
    settings = None if dry_run_dir else mail.smtp_settings_from_env(env or os.environ)
    if dry_run_dir is not None:
        ensure_folder(Path(dry_run_dir), within=root)
    return mail.send_edition(
        pdf=pdf,
        attachment_name=attachment,
        edition=str(edition),
        edition_month=edition.name,
        version=version.version,
        list_name=list_name,
        distribution=lists[list_name],
        settings=settings,
        # the pack and the edition are different documents: each has its own send record
        send_log=Path(archive_root) / str(edition) / (PACK_SEND_LOG if use_pack else SEND_LOG),
        template_values={"headline": body},
        resend=resend,
        expected_sha256=version.stored(role).sha256,
        dry_run_dir=dry_run_dir,
        max_bytes=mail.DEFAULT_MAX_BYTES if max_bytes is None else max_bytes,
    )
