"""Building many issues: only those whose inputs changed, on every core, each on its own.

One issue's failure does not stop the others; a lock keeps two builds out of the same
output folder; a published issue is never overwritten (see `publish.py`).

Deciding what to build is cheap: the stamps and a stat of each input, without importing the
engines (WeasyPrint, MJML, Pillow, Jinja) nor, when publication.yaml has not changed since
the issues' stamps, the models that validate it. Those are imported once, when there is
something to build, before the workers are forked: no issue pays the import.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import functools
import importlib
import json
import logging
import os
import pickle
import shutil
import stat
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from lettre import __version__
from lettre import names as output_names
from lettre.errors import ContentError, LettreError, Problem, Severity, UsageProblem
from lettre.messages import _, language
from lettre.names import Names
from lettre.options import Options
from lettre.output import (
    ARCHIVE,
    FULL,
    MARKER,
    TEMPORARY,
    claim,
    mark,
    read_own,
    write_atomic,
    write_failed,
)
from lettre.paths import PathProblem, resolve_inside
from lettre.repo import PUBLICATION_FILE, Repository, is_issue_name
from lettre.stamps import (
    ISSUE,
    RACY_NS,
    RECORDS,
    REPO,
    STAMP,
    Seen,
    Stamp,
    digest,
    fingerprint,
    input_files,
    settings,
    shared_inputs,
    used_names,
)
from lettre.workers import (
    SCRATCH,
    Failure,
    Meanwhile,
    keep_freed_memory,
    meanwhile,
    out_of_memory,
    remove_stale_scratch,
    run_isolated,
)
from lettre.workers import Limits as Limits  # cli.py names it here

if TYPE_CHECKING:
    from lettre.build import Editions
    from lettre.model import LoadedIssue, Publication

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
    """The names of its files (names.py), when this build read publication.yaml (not for an
    unchanged issue: see names.of)."""
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
            stale += _temporaries_below(folder)
    _remove_temporaries(stale)


def _remove_temporaries(stale: list[Path]) -> None:
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


def _temporaries_below(folder: Path) -> list[Path]:
    """The temporaries of `write_atomic` below `folder` (its names first: most files are
    not, and a rebuild looks through every output folder)."""
    if folder.is_symlink() or not folder.is_dir():
        return []
    found = []
    for parent, _folders, names in os.walk(folder):
        found += [Path(parent) / n for n in names if TEMPORARY.fullmatch(n)]
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
    numbers: dict[str, int] | None = None
    """Every issue's number (Repository.numbers), read once by the build for all its
    workers: each used to read every issue.yaml again, 11 to 16 ms an issue at 52 issues, 50
    ms in the benchmark's ten-year archive of 520 (a decade rebuilt: quadratic)."""
    first: Options | None = None
    """Editions made and written before the others (the preview's email), their outcome
    told on the file descriptor `told` as soon as they are written, in the same worker."""
    told: int | None = None

    @property
    def number(self) -> int | None:
        """The issue's number, part of what decides its output."""
        return (self.numbers or {}).get(self.folder.name)


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
    notes: Callable[[list[Problem]], None] | None = None,
    first: tuple[Options, int] | None = None,
) -> list[Outcome]:
    """Build `folders` into `out`; `done` is called as each issue ends.

    `published` False skips the guard of published issues: for the preview, which writes
    into a folder of its own. `notes`, when given, is called first with publication.yaml's
    warnings (the same whether or not anything is built). `first`, for the preview: the
    editions each worker makes and writes first, and the descriptor it tells their outcome
    on (Job.first).
    """
    check_output(repo, out)
    with locked(out) as lock:
        mark(out)
        remove_stale_temporaries(out)
        remove_stale_scratch(out)
        outcomes, todo, numbers = [], [], repo.numbers()
        stamps = {folder: _stamp(out / folder.name) for folder in folders}
        known = _Known(repo, out, [s for s in stamps.values() if isinstance(s, Stamp)])
        if notes is not None:
            notes(known.notes())
        for folder, stamp in stamps.items():
            try:
                if isinstance(stamp, LettreError):  # a damaged stamp: this issue fails alone
                    raise stamp
                job = _job(known, folder, stamp, options, force, reason, published, numbers)
            except LettreError as error:
                outcome = Outcome(folder, out / folder.name, "failed", error=error.format_message())
                outcomes.append(outcome)
                done(outcome)
                continue
            if job is None:
                notes_ = stamp.warnings if isinstance(stamp, Stamp) else []
                outcome = Outcome(folder, out / folder.name, "unchanged", warnings=notes_)
                outcome.files = (
                    {n: out / folder.name / n for n in stamp.outputs}
                    if isinstance(stamp, Stamp)
                    else {}
                )  # its names come from publication.yaml, not read on a no-op: send reads it
                outcomes.append(outcome)
                done(outcome)
            else:
                todo.append(job if first is None else replace(job, first=first[0], told=first[1]))
        workers = min(jobs or os.cpu_count() or 1, len(todo))
        shared = _warm_up(known, todo, options, workers, (limits, lock, out)) if todo else None
        try:
            outcomes += run_isolated(
                todo, run, _lost, done, workers=workers, limits=limits, lock=lock, out=out
            )
        finally:
            if shared is not None:
                _unshare(shared)
        known.save_notes()
    return sorted(outcomes, key=lambda o: o.folder.name)


def _warm_up(
    known: _Known,
    todo: list[Job],
    options: Options,
    workers: int,
    build: tuple[Limits, int, Path],
) -> Path | None:
    """The engines imported (and the photos made meanwhile, see `_work_ahead`) in this
    process, which the workers are forked from; with more issues than twice the workers,
    what each worker's first layout makes made once here, print.css parsed once for all
    (lettre.pdf.warm): the folder of its fonts, which the caller removes after the
    workers, then `lettre.pdf.unshare`; None without."""
    limits, lock, out = build
    shared = None
    with _temporaries_in(out):
        ahead = _work_ahead(known, todo, limits, lock, out)
        try:
            warm_engines(ahead.folder if ahead else None)
            if len(todo) > 2 * workers:
                from lettre.pdf import warm

                css = _print_css(known, options)
                shared = Path(tempfile.mkdtemp(prefix=SCRATCH, dir=out)) if css else None
                try:
                    warm(css, shared)  # (the folder outlives TMPDIR's)
                except BaseException:  # Ctrl-C: nothing shared left behind
                    if shared is not None:
                        _unshare(shared)
                    raise
        finally:
            if ahead:
                ahead.stop()
                _remove_temporaries(_temporaries_below(out / ".cache"))  # killed mid-write
    return shared


def _unshare(folder: Path) -> None:
    """The print.css that lettre.pdf.share parsed for the workers dropped, and its fonts'
    `folder` removed."""
    from lettre.pdf import unshare

    unshare()
    shutil.rmtree(folder, ignore_errors=True)


def _print_css(known: _Known, options: Options) -> list[str]:
    """print.css as each worker will render it for this build's print editions (the
    archival copy's, and the print shop's when asked): what `pdf.share` parses once; none
    when publication.yaml or print.css cannot be made (the workers say why)."""
    from lettre import pdf
    from lettre.templates import environment

    marks = (False, True) if options.print_marks else (False,)
    try:
        publication = known.value()
        env = environment(known.repo.root / "templates", publication.language, html=False)
        return [pdf.stylesheet(env, publication.colors, publication.paper, marks=m) for m in marks]
    except Exception:  # (an override's print.css that fails: each issue says so, alone)
        return []


def warm_engines(ahead: Path | None = None) -> None:
    """Import, in the process the workers are forked from, everything a build needs, and
    warm what can be: each worker starts with WeasyPrint, MJML, Pillow and Jinja loaded
    (fork shares their pages) and the shipped templates compiled, instead of paying for
    them, and with an allocator that keeps the memory freed (workers.keep_freed_memory).
    `ahead` is the folder where the work done meanwhile (see `_work_ahead`) left the
    templates compiled, if it did."""
    keep_freed_memory()
    for name in ENGINES:
        importlib.import_module(name)
    from lettre import templates

    if ahead is not None:
        with contextlib.suppress(OSError):  # not done in time: compiled here
            templates.adopt((ahead / COMPILED).read_bytes())
    templates.compile_shipped()


COMPILED = "templates.marshal"
"""The shipped templates, compiled by the work done ahead (templates.compiled)."""


def _work_ahead(
    known: _Known, todo: list[Job], limits: Limits, lock: int, out: Path
) -> Meanwhile | None:
    """While this process imports the engines (a cold build's longest wait, on one core),
    a process of its own (see workers.meanwhile) compiles the shipped templates for it,
    then checks the photos of the issues to build and makes them ready for every edition,
    into out/.cache, where each worker finds them instead of doing it again. Stopped once
    the engines are imported, done or not: this process and the workers then do what is
    left, as they would have. None when the engines are imported already (the preview's
    warm process: the workers start at once), or on one core (nothing to do it beside)."""
    if "weasyprint" in sys.modules or (os.cpu_count() or 1) < 2:
        return None
    work = functools.partial(_ahead, todo, known.validated)
    try:
        return meanwhile(work, limits=limits, lock=lock, out=out)
    except OSError as error:  # no process to spare (EAGAIN): the build does it all
        log.debug("no work ahead: %s", error)
        return None


def _ahead(todo: list[Job], publication: Publication | None) -> None:
    """The work done ahead (see `_work_ahead`), in its own process; its folder is TMPDIR."""
    from lettre import templates

    try:
        templates.compile_shipped()
        folder = Path(tempfile.gettempdir())
        (folder / f".{COMPILED}").write_bytes(templates.compiled())
        (folder / f".{COMPILED}").rename(folder / COMPILED)  # whole, or not there
    except Exception as error:  # compiled by the build itself then, which tells what fails
        log.debug("templates not compiled ahead: %s", error)
    _make_images(todo, publication)


def _make_images(todo: list[Job], publication: Publication | None) -> None:
    """Each issue's images checked (the check cache) and made (the image cache), as its
    worker will: through the same functions, so the same bytes; nothing else is written,
    and nothing is told (the worker tells what is wrong)."""
    from lettre import images
    from lettre.load import load_issue

    for job in todo:
        try:
            repo = Repository(job.root)
            cache = images.variant_cache(job.out)
            checks = images.check_cache(job.out)
            with images.checks_cached_in(checks), images.made_when_checked(cache):
                publication = publication or _publication(repo)
                loaded = load_issue(repo, job.folder, publication, job.numbers).value
            if loaded is None or any(p.is_symlink() for p in (cache.parent, cache)):
                continue  # build.cache_folder refuses it: the worker says so
            images.variants(loaded.images, images.PRINT, cache)
            for logo in (loaded.logo, loaded.logo_dark):
                if logo and logo.format != "SVG":
                    images.variant(logo, images.EMAIL, cache)
        except Exception as error:  # the worker meets it again, and tells it
            log.debug("images of %s not made ahead: %s", job.folder, error)


@contextlib.contextmanager
def _temporaries_in(out: Path) -> Iterator[None]:
    """Temporary files inside `out` meanwhile: importing WeasyPrint runs ldconfig and gcc
    (ctypes.util.find_library), which write theirs in TMPDIR; a build writes only in `out`."""
    folder = tempfile.mkdtemp(prefix=SCRATCH, dir=out)
    saved = os.environ.get("TMPDIR"), tempfile.tempdir
    os.environ["TMPDIR"] = tempfile.tempdir = folder
    try:
        yield
    finally:
        if saved[0] is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = saved[0]
        tempfile.tempdir = saved[1]
        shutil.rmtree(folder, ignore_errors=True)


ENGINES = ("weasyprint", "weasyprint.text.fonts", "lettre.build", "lettre.load", "lettre.publish")
"""What a build imports: WeasyPrint, then lettre's stages (MJML, Pillow, Jinja, pydantic)."""


def _stamp(folder: Path) -> Stamp | LettreError | None:
    try:
        return Stamp.load(folder)
    except LettreError as error:
        return error


def _publication(repo: Repository) -> Publication:
    from lettre.load import load_publication

    loaded = load_publication(repo)
    if loaded.value is None or not loaded.ok:
        raise ContentError(loaded.problems)
    return loaded.value


NOTES = "publication.json"
"""In out/.cache: publication.yaml's warnings, by the stat of it and of its logo."""


class _Known:
    """What every issue of a build shares: publication.yaml (validated only when some
    stamp did not see it as it is), the template overrides and lettre's own files."""

    def __init__(self, repo: Repository, out: Path, stamps: list[Stamp]) -> None:
        self.repo, self.out = repo, out
        self.shared = shared_inputs(repo)
        self.file: Path | None = None
        with contextlib.suppress(PathProblem):  # never through a link out of the repository
            self.file = resolve_inside(repo.root, repo.root, PUBLICATION_FILE)
        self._value: Publication | None = None
        self._unsaved: bytes | None = None
        if not stamps or not all(self.seen_by(s) for s in stamps):
            self.value()  # now, before any issue is told: its errors stop the whole build

    @property
    def validated(self) -> Publication | None:
        """publication.yaml, when it was validated already."""
        return self._value

    def value(self) -> Publication:
        """publication.yaml, validated (a ContentError if it is not valid)."""
        if self._value is None:
            self._value = _publication(self.repo)
        return self._value

    def seen_by(self, stamp: Stamp) -> bool:
        """Whether `stamp` was made with publication.yaml as it is now."""
        before = stamp.inputs.get(PUBLICATION_FILE)
        return before is not None and self.file is not None and _same(before, self.file, stamp)

    def logo(self, stamp: Stamp | None) -> str | None:
        """The logo's path: the stamp's when it saw publication.yaml as it is."""
        if stamp is not None and self.seen_by(stamp):
            logos = [n.removeprefix("logo/") for n in stamp.inputs if n.startswith("logo/")]
            return logos[0] if logos else None
        return self.value().logo

    def notes(self) -> list[Problem]:
        """publication.yaml's warnings: from out/.cache while it and its logo are unchanged
        (by their stat fingerprint, and changed longer than RACY_NS before the cache)."""
        cache = self.out / ".cache"
        cached = None if cache.is_symlink() else _read_notes(cache / NOTES)
        if cached is not None and cached[0] == self._key(cached[0][1]):
            return cached[1]
        from lettre.load import load_publication

        loaded = load_publication(self.repo)
        problems = [p for p in loaded.problems if not p.is_error]
        key = self._key(loaded.value.logo if loaded.value else None)
        cache = self.out / ".cache"
        # never through a link (see build.cache_folder); trusted only if written RACY_NS
        # after its files changed (see _read_notes): the clock decides nothing here
        if key is not None and not cache.is_symlink():
            self._unsaved = _encode_notes(key, problems)
        return problems

    def save_notes(self) -> None:
        """Cache what `notes` read, once the build is done (its own writes come first)."""
        if self._unsaved is not None and not (self.out / ".cache").is_symlink():
            with contextlib.suppress(OSError, LettreError):  # only a cache: never a failure
                (self.out / ".cache").mkdir(exist_ok=True)
                write_atomic(self.out / ".cache" / NOTES, self._unsaved)

    def _key(self, logo: Any) -> list[Any] | None:
        """lettre's version, the logo's path and the stat fingerprints of publication.yaml
        and the logo (None: one cannot be read, nothing to cache)."""
        names = [PUBLICATION_FILE, logo] if isinstance(logo, str) and logo else [PUBLICATION_FILE]
        try:
            paths = [resolve_inside(self.repo.root, self.repo.root, n) for n in names]
            stats = [p.stat() for p in paths]
        except (PathProblem, OSError):
            return None
        return [
            f"{__version__} {language()}",  # (the warnings are cached as they are said)
            logo,
            *([s.st_size, s.st_mtime_ns, s.st_ctime_ns, s.st_ino] for s in stats),
        ]


def _same(before: Seen, path: Path, stamp: Stamp) -> bool:
    try:
        status = path.stat()
    except OSError:
        return False
    racy = (
        stamp.racy_after is None or max(status.st_mtime_ns, status.st_ctime_ns) >= stamp.racy_after
    )
    return not racy and before.same_file(status)


def _encode_notes(key: list[Any], problems: list[Problem]) -> bytes:
    rows = [
        [p.file, p.line, p.column, p.field, p.message, p.severity.value, p.code, p.place]
        for p in problems
    ]  # every field: a warning said again as it was (its place "sender › email", its [code])
    return json.dumps({"key": key, "notes": rows}).encode()


def _read_notes(path: Path) -> tuple[list[Any], list[Problem]] | None:
    """The cached key and warnings; None when there are none, or when a file of the key
    changed within RACY_NS before the cache was written (it may have changed unseen)."""
    try:
        written = path.stat().st_mtime_ns
        data = json.loads(read_own(path))
        if any(written - max(stat[1], stat[2]) < RACY_NS for stat in data["key"][2:]):
            return None
        return data["key"], [
            Problem(f, line, column, path, message, Severity(severity), str(code), str(place))
            for f, line, column, path, message, severity, code, place in data["notes"]
        ]
    except (OSError, ValueError, KeyError, TypeError, IndexError, LettreError):
        return None  # none, or not one lettre wrote: read publication.yaml instead


def _job(
    known: _Known,
    folder: Path,
    stamp: Stamp | None,
    options: Options,
    force: bool,
    reason: str | None,
    published: bool = True,
    numbers: dict[str, int] | None = None,
) -> Job | None:
    """The job for `folder`, or None when its last build (`stamp`) is still current.
    `numbers`: every issue's (Repository.numbers)."""
    repo, out = known.repo, known.out
    output = out / folder.name
    if published and (folder / RECORDS[0]).exists():  # rebuilt as it was published
        from lettre import publish

        with contextlib.suppress(LettreError):  # a damaged record: the guard reports it
            options = publish.build_options(folder, options, reason is not None)
    used = [name for name in stamp.inputs if name.startswith((ISSUE, REPO))] if stamp else []
    inputs = input_files(repo, folder, known.logo(stamp), used, known.shared)
    known_seen = stamp.inputs if stamp else None
    racy = stamp.racy_after if stamp else None
    number = (numbers or {}).get(folder.name)
    current, seen = fingerprint(inputs, settings(options.as_dict(), number), known_seen, racy)
    unchanged = stamp is not None and stamp.fingerprint == current and stamp.outputs_intact(output)
    if unchanged and not force and reason is None:
        assert stamp is not None
        _refresh(stamp, seen, output)
        return None
    return Job(repo.root, folder, out, options, current, seen, reason, published, numbers)


def _refresh(stamp: Stamp, seen: dict[str, Seen], output: Path) -> None:
    """Record what was seen of an unchanged issue's files when it differs from its stamp
    (files touched, checked out again, or changed in the stamp's clock tick): the next
    no-op rebuild then hashes none of them again."""
    racy = stamp.racy_after is not None and any(
        max(s.mtime_ns, s.ctime_ns) >= stamp.racy_after for s in seen.values()
    )
    if seen != stamp.inputs or racy:
        with contextlib.suppress(OSError, LettreError):  # only a shortcut for next time
            replace(stamp, inputs=seen).save(output)


def run(job: Job) -> Outcome:
    """Build one issue (in a worker process); every failure becomes the outcome's error."""
    from lettre.images import check_cache, checks_cached_in, made_when_checked, variant_cache
    from lettre.load import load_issue

    repo = Repository(job.root)
    output = job.out / job.folder.name
    outcome = Outcome(job.folder, output)
    try:
        # an unchanged photo is not decoded again; a changed one is decoded once, for its
        # check and its variants
        with checks_cached_in(check_cache(job.out)), made_when_checked(variant_cache(job.out)):
            publication = _publication(repo)
            outcome.names = output_names.of(publication, job.folder.name)
            loaded = load_issue(repo, job.folder, publication, job.numbers)
        outcome.problems = loaded.problems
        if loaded.value is None or not loaded.ok:
            outcome.status, outcome.error = "failed", _("the issue has errors")
            return outcome
        if job.first is not None and job.told is not None:
            early = replace(outcome)
            _made(job, loaded.value, publication, job.first, early)
            _tell(job.told, early)
        _made(job, loaded.value, publication, job.options, outcome)
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


def _made(
    job: Job, loaded: LoadedIssue, publication: Publication, options: Options, outcome: Outcome
) -> None:
    """The editions `options` names made and written with their stamp, told in `outcome`."""
    from lettre import publish

    repo, output = Repository(job.root), job.out / job.folder.name
    editions = make_editions(loaded, repo, job.out, options)
    # the files this issue uses are known now: the stamp records those, and only those
    inputs = input_files(repo, job.folder, publication.logo, used_names(loaded, repo))
    settled = options.as_dict()
    current, seen = fingerprint(inputs, settings(settled, job.number), job.seen)
    if job.published:
        publish.guard(repo, job.folder, output, editions, seen, job.reason, options)
    if output.is_symlink():
        raise LettreError(
            _("{path} is a symbolic link, not lettre's; remove it").format(path=output)
        )
    before = Stamp.load(output)
    outputs = {name: digest(data) for name, data in editions.files.items()}
    where = f"{repo.shown(job.folder)}/issue.yaml"
    warning = _("warning: {message}")
    notes = [str(p) for p in outcome.problems] + [
        f"{where}: " + warning.format(message=w) for w in editions.warnings
    ]
    sizes = {name: len(data) for name, data in editions.files.items()}
    stamp = Stamp(current, seen, outputs, notes, sizes, settled)
    write_editions(output, editions, set(before.outputs) if before else None, stamp.encode())
    outcome.sizes = sizes
    outcome.files = {name: output / name for name in editions.files}
    outcome.warnings = editions.warnings


def _tell(told: int, outcome: Outcome) -> None:
    """Send `outcome` on the descriptor `told`, whole, with this worker's pid (see
    `told_outcome`)."""
    data = pickle.dumps((os.getpid(), outcome))
    view = memoryview(len(data).to_bytes(8, "big") + data)
    while view:
        view = view[os.write(told, view) :]


def told_outcome(read: int) -> tuple[Outcome, int] | None:
    """The outcome a worker told on the pipe whose reading end is `read` (see Job.first),
    and that worker's pid (it goes on building), or None when it ended without telling
    one; `read` is closed."""
    with os.fdopen(read, "rb") as stream:
        size = stream.read(8)
        data = stream.read(int.from_bytes(size, "big")) if len(size) == 8 else b""
    if not data or len(data) != int.from_bytes(size, "big"):
        return None
    told = pickle.loads(data)  # our own worker's, on a pipe only it and we hold
    match told:
        case (int(pid), Outcome() as outcome):
            return outcome, pid
    return None


def make_editions(loaded: LoadedIssue, repo: Repository, out: Path, options: Options) -> Editions:
    """`build.make_editions`, imported when an issue is built (here, tests replace it)."""
    from lettre.build import make_editions as make

    return make(loaded, repo, out, options)


def write_editions(
    folder: Path, editions: Editions, previous: set[str] | None, stamp: bytes
) -> None:
    """`build.write_editions`, imported when an issue is built."""
    from lettre.build import write_editions as write

    write(folder, editions, previous, stamp)


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
