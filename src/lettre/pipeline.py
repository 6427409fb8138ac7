"""Building many issues: only those whose inputs changed, on every core, each on its own.

One issue's failure does not stop the others; a lock keeps two builds out of the same
output folder; a published issue is never overwritten (see `publish.py`).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import os
import stat
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from lettre import names as output_names
from lettre import publish
from lettre.build import Options, make_editions, write_editions
from lettre.errors import ContentError, LettreError, Problem, UsageProblem
from lettre.images import check_cache, checks_cached_in
from lettre.load import load_issue, load_publication
from lettre.messages import _
from lettre.model import Publication
from lettre.names import Names
from lettre.output import ARCHIVE, FULL, MARKER, TEMPORARY, claim, mark, write_failed
from lettre.repo import Repository, is_issue_name
from lettre.stamps import (
    ISSUE,
    REPO,
    STAMP,
    Seen,
    Stamp,
    digest,
    fingerprint,
    input_files,
    settings,
    used_names,
)
from lettre.workers import SCRATCH, Failure, out_of_memory, run_isolated
from lettre.workers import Limits as Limits  # cli.py names it here

log = logging.getLogger(__name__)

LOCK = ".lettre.lock"


@dataclass
class Outcome:
    """What happened to one issue."""

    folder: Path
    """The issue folder."""
    output: Path
    """Its output folder, out/DATE."""
    status: str = "built"
    """built, unchanged or failed."""
    sizes: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    error: str | None = None
    internal: bool = False
    """Failed from a bug in lettre (a crash, an unexpected exception), not from the content:
    the build's exit status is then 3."""
    details: str = ""
    """The worker's traceback (or the stack of its crash): what --debug shows."""
    names: Names | None = None
    """The names of its files (names.py), when publication.yaml could be read."""
    files: dict[str, Path] = field(default_factory=dict)
    """Each file of its output folder, by name: those this build wrote, or, unchanged,
    those its last build wrote. `send` takes the message from here."""


@contextlib.contextmanager
def locked(out: Path) -> Iterator[int]:
    """Hold out/.lettre.lock for the whole build; a second build is refused clearly."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        handle = _open_lock(out / LOCK)
    except OSError as error:
        raise write_failed(out / LOCK, error) from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or _("another process")
            raise LettreError(
                _("another lettre build ({holder}) is writing {folder}; wait for it to end").format(
                    holder=holder, folder=out
                )
            ) from None
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(f"pid {os.getpid()}")
            handle.flush()
        except OSError as error:
            raise write_failed(out / LOCK, error) from None
        try:
            yield handle.fileno()
        finally:
            with contextlib.suppress(OSError):
                handle.truncate(0)
            fcntl.flock(handle, fcntl.LOCK_UN)


def _open_lock(path: Path) -> IO[str]:
    """The lock file, never through a link: lettre empties it after each build, and a link
    (to a file of the user's) would have it emptied instead."""
    try:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o644)
    except OSError as error:
        if error.errno == errno.ELOOP:
            message = _("{path} is a symbolic link, not lettre's; remove it").format(path=path)
            raise LettreError(message) from None
        raise
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise LettreError(_("{path} is not a file lettre wrote; remove it").format(path=path))
    return open(descriptor, "a+")  # noqa: PTH123 (a descriptor; os.fdopen is the full-disk tests')


def remove_stale_temporaries(out: Path) -> None:
    """Temporary files an interrupted build left (see output.write_atomic): only lettre's
    names, only in lettre's folders (the issues' output folders and the cache); at the top
    of `out`, only the temporaries of the files lettre writes there."""
    stale = [
        path
        for path in _entries(out)
        if TEMPORARY.fullmatch(path.name) and _temporary_of(path.name) in (*ARCHIVE, MARKER)
    ]
    for folder in _entries(out):
        if folder.name == ".cache" or _is_output_folder(folder):
            stale += [p for p in _files_below(folder) if TEMPORARY.fullmatch(p.name)]
    for path in stale:
        log.debug("removing %s, left by an interrupted build", path)
        with contextlib.suppress(OSError):
            path.unlink()


def _entries(folder: Path) -> list[Path]:
    try:
        return sorted(folder.iterdir())
    except OSError:
        return []


def _files_below(folder: Path) -> list[Path]:
    """Every file below `folder`, without following links."""
    if folder.is_symlink() or not folder.is_dir():
        return []
    found = []
    for parent, _subfolders, names in os.walk(folder):
        found += [Path(parent) / name for name in names]
    return [p for p in found if not p.is_symlink()]


def _temporary_of(name: str) -> str:
    """`.index.html.a1b2c3d4.tmp` → `index.html`."""
    return name[1:].rsplit(".", 2)[0]


def _is_output_folder(path: Path) -> bool:
    """An issue's output folder (out/DATE), as lettre makes them: its stamp, or only
    temporaries (a first build interrupted)."""
    if path.is_symlink() or not path.is_dir() or not is_issue_name(path.name):
        return False
    return (path / STAMP).is_file() or all(TEMPORARY.fullmatch(p.name) for p in _files_below(path))


def _adoptable(path: Path) -> bool:
    """What a lettre that did not mark its output folders left in one."""
    if path.is_symlink():
        return False
    if TEMPORARY.fullmatch(path.name):  # an interrupted archive, or marking of the folder
        return _temporary_of(path.name) in (*ARCHIVE, MARKER)
    if path.name == LOCK:
        return path.is_file()
    if path.name == ".cache":
        return path.is_dir()
    if path.name.startswith(SCRATCH):  # the workers' scratch folder of a build killed with -9
        return path.is_dir()
    return _is_output_folder(path)


DEFAULT_LIMITS = Limits()


def _lost(job: Job, failure: Failure) -> Outcome:
    """The outcome of a worker that gave none: see `workers.run_isolated`."""
    outcome = Outcome(job.folder, job.out / job.folder.name, "failed", error=failure.message)
    outcome.internal, outcome.details = failure.internal, failure.details
    return outcome


@dataclass(frozen=True)
class Job:
    root: Path
    folder: Path
    out: Path
    options: Options
    fingerprint: str
    seen: dict[str, Seen]
    """What the fingerprint was made of: each input's size, time and SHA-256."""
    reason: str | None
    published: bool = True
    """Whether a published issue's record guards this build."""
    number: int | None = None
    """The issue's number, part of what decides its output."""


def check_output(repo: Repository, out: Path) -> None:
    """Refuse an output folder whose cleaning or writing could touch the user's files:
    inside bulletins/, the repository or a folder containing it (`/`, a home folder), a
    non-empty folder that lettre did not make (see output.claim). Nothing is written here."""
    resolved = out.resolve()
    # the sources: an output among them would be read back as input (templates/ is hashed
    # whole, and the preview would rebuild for ever on its own writes)
    for sources in (repo.bulletins, repo.root / "templates", repo.root / "assets"):
        if resolved.is_relative_to(sources.resolve()):
            raise UsageProblem(
                _("{out}: the output folder cannot be inside {sources}/; use dist/").format(
                    out=out, sources=repo.shown(sources)
                )
            )
    if repo.root.resolve().is_relative_to(resolved) or resolved == _home():
        raise UsageProblem(
            _(
                "{out}: the output folder cannot be the newsletter repository, a folder that "
                "contains it, or your home folder; lettre cleans its output folder: use dist/ or "
                "a new folder"
            ).format(out=out)
        )
    if resolved.exists() and not resolved.is_dir():
        raise UsageProblem(_("{out} exists and is not a folder").format(out=out))
    claim(out, _adoptable)


def _home() -> Path | None:
    try:
        return Path.home().resolve()
    except (RuntimeError, KeyError, OSError):  # no HOME and no user entry
        return None


def build_all(
    repo: Repository,
    folders: list[Path],
    out: Path,
    options: Options,
    *,
    jobs: int = 0,
    force: bool = False,
    reason: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
    published: bool = True,
    done: Callable[[Outcome], None] = lambda outcome: None,
) -> list[Outcome]:
    """Build `folders` into `out`; `done` is called as each issue ends.

    `published` False skips the guard of published issues: for the preview, which writes
    into a folder of its own.
    """
    check_output(repo, out)
    publication = _publication(repo)
    with locked(out) as lock:
        mark(out)
        remove_stale_temporaries(out)
        outcomes, todo, numbers = [], [], repo.numbers()
        for folder in folders:
            number = numbers.get(folder.name)
            try:
                job = _job(
                    repo, folder, out, options, publication, force, reason, published, number
                )
                stamp = Stamp.load(out / folder.name) if job is None else None
            except LettreError as error:  # a damaged stamp: this issue fails, not the others
                outcome = Outcome(folder, out / folder.name, "failed", error=error.format_message())
                outcomes.append(outcome)
                done(outcome)
                continue
            if job is None:
                notes = stamp.warnings if stamp else []
                outcome = Outcome(folder, out / folder.name, "unchanged", warnings=notes)
                outcome.names = output_names.of(publication, folder.name)
                outcome.files = {n: out / folder.name / n for n in stamp.outputs} if stamp else {}
                outcomes.append(outcome)
                done(outcome)
            else:
                todo.append(job)
        workers = min(jobs or os.cpu_count() or 1, len(todo))
        outcomes += run_isolated(
            todo, run, _lost, done, workers=workers, limits=limits, lock=lock, out=out
        )
    return sorted(outcomes, key=lambda o: o.folder.name)


def _publication(repo: Repository) -> Publication:
    loaded = load_publication(repo)
    if loaded.value is None or not loaded.ok:
        raise ContentError(loaded.problems)
    return loaded.value


def _job(
    repo: Repository,
    folder: Path,
    out: Path,
    options: Options,
    publication: Publication,
    force: bool,
    reason: str | None,
    published: bool = True,
    number: int | None = None,
) -> Job | None:
    """The job for `folder`, or None when its last build is still current."""
    output = out / folder.name
    if published:  # a published issue is rebuilt as it was published (see publish.py)
        with contextlib.suppress(LettreError):  # a damaged record: the guard reports it
            options = publish.build_options(folder, options, reason is not None)
    stamp = Stamp.load(output)
    used = [name for name in stamp.inputs if name.startswith((ISSUE, REPO))] if stamp else []
    inputs = input_files(repo, folder, publication.logo, used)
    known = stamp.inputs if stamp else None
    current, seen = fingerprint(inputs, settings(options.as_dict(), number), known)
    unchanged = stamp is not None and stamp.fingerprint == current and stamp.outputs_intact(output)
    if unchanged and not force and reason is None:
        return None
    return Job(repo.root, folder, out, options, current, seen, reason, published, number)


def run(job: Job) -> Outcome:
    """Build one issue (in a worker process); every failure becomes the outcome's error."""
    repo = Repository(job.root)
    output = job.out / job.folder.name
    outcome = Outcome(job.folder, output)
    try:
        with checks_cached_in(check_cache(job.out)):  # an unchanged photo is not decoded again
            publication = _publication(repo)
            outcome.names = output_names.of(publication, job.folder.name)
            loaded = load_issue(repo, job.folder, publication)
        outcome.problems = loaded.problems
        if loaded.value is None or not loaded.ok:
            outcome.status, outcome.error = "failed", _("the issue has errors")
            return outcome
        editions = make_editions(loaded.value, repo, job.out, job.options)
        # the files this issue uses are known now: the stamp records those, and only those
        inputs = input_files(repo, job.folder, publication.logo, used_names(loaded.value, repo))
        options = job.options.as_dict()
        current, seen = fingerprint(inputs, settings(options, job.number), job.seen)
        if job.published:
            publish.guard(repo, job.folder, output, editions, seen, job.reason, job.options)
        if output.is_symlink():
            raise LettreError(
                _("{path} is a symbolic link, not lettre's; remove it").format(path=output)
            )
        before = Stamp.load(output)
        outputs = {name: digest(data) for name, data in editions.files.items()}
        where = f"{repo.shown(job.folder)}/issue.yaml"
        warning = _("warning: {message}")
        notes = [str(p) for p in loaded.problems] + [
            f"{where}: " + warning.format(message=w) for w in editions.warnings
        ]
        sizes = {name: len(data) for name, data in editions.files.items()}
        stamp = Stamp(current, seen, outputs, notes, sizes, options)
        write_editions(output, editions, set(before.outputs) if before else None, stamp.encode())
        outcome.sizes = {name: len(data) for name, data in editions.files.items()}
        outcome.files = {name: output / name for name in editions.files}
        outcome.warnings = editions.warnings
    except ContentError as error:
        outcome.status, outcome.problems = "failed", error.problems
        outcome.error = _("publication.yaml has errors")
    except LettreError as error:
        outcome.status, outcome.error = "failed", error.format_message()
    except Exception as error:
        outcome.status, outcome.error = "failed", _failure(error)
        expected = out_of_memory(error) or (isinstance(error, OSError) and error.errno in FULL)
        outcome.internal, outcome.details = not expected, traceback.format_exc()
    return outcome


def _failure(error: Exception) -> str:
    """What to tell of an unexpected failure (its traceback goes back in the outcome)."""
    if isinstance(error, OSError) and error.errno in FULL:
        return _("the disk is full ({reason}); free some space, then build again").format(
            reason=error.strerror
        )
    if out_of_memory(error):
        return _(
            "the build needed more memory than its limit (--memory): "
            "is a table, a list or a word enormous?"
        )
    return _("internal error: {kind}: {error}").format(kind=type(error).__name__, error=error)
