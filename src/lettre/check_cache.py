"""What `lettre check` found in each issue, so that an unchanged year is not checked again.

For each issue folder, a record in dist/.cache/issue-checks/ holds the stat fingerprint and
SHA-256 of every file its check read (issue.yaml, the Markdown it includes, its images,
publication.yaml and its logos: the names `lettre.stamps` gives them), what else decides its
result (lettre's version, the language messages are told in, every issue's number, the
repository), and what the check printed, as data: the summary line and each problem with its
code, place and whether it was accepted. When every file is as recorded (its size, times and
inode unchanged and settled for longer than `RACY_NS` before the record; or else its content
the same), the record stands for the check, which then imports neither the YAML parser nor
the models. An issue with errors is not recorded. A record that is damaged, a link, of
another repository or version is ignored, and made again: it is only a cache.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lettre import __version__, image_cache, messages
from lettre.errors import LettreError, Problem, Severity
from lettre.output import write_atomic
from lettre.repo import Repository, is_issue_name
from lettre.stamps import RACY_NS, Seen, file_digest, input_files, used_names

if TYPE_CHECKING:
    from lettre.load import Checked

log = logging.getLogger(__name__)

MAX_RECORD_BYTES = 1024 * 1024
FORMAT = 1
TICK_NS = 100_000_000
"""How far a file's times may lag the clock (the kernel stamps them with a coarse clock): a
file changed after this much before its check started may have changed while it ran."""


@dataclass(frozen=True)
class Recalled:
    """One issue's check, as recorded."""

    summary: str
    problems: list[Problem]
    accepted: frozenset[Problem]
    publication: list[Problem]
    """publication.yaml's problems, as the check of this issue saw them."""
    publication_accepted: frozenset[Problem]


def folder_of(out: Path) -> Path:
    """Where the records are kept, beside the image checks (see images.check_cache)."""
    return out / ".cache" / "issue-checks"


def usable(records: Path) -> bool:
    """No link on the way from dist/, a folder only its owner may write to (as the image
    checks: see image_cache.usable)."""
    return image_cache.usable(records)


def _context(repo: Repository, numbers: dict[str, int]) -> dict[str, Any]:
    """What besides the files decides an issue's check."""
    return {
        "format": FORMAT,
        "lettre": __version__,
        "language": messages.language(),
        "repository": os.path.realpath(repo.root),
        "numbers": numbers,
    }


def recall(
    repo: Repository, records: Path, folder: Path, numbers: dict[str, int]
) -> Recalled | None:
    """The recorded check of `folder`, if every file it read is as it was; else None."""
    entry = records / f"{folder.name}.json"
    try:
        written = os.lstat(entry).st_mtime_ns
    except OSError:
        return None
    data = image_cache._read(entry, MAX_RECORD_BYTES)  # never through a link
    if data is None:
        return None
    body = image_cache.unsealed(data)
    if body is None:
        return None
    try:
        found = json.loads(body)
        if not isinstance(found, dict) or found.get("context") != {
            **_context(repo, numbers),
            "folder": folder.name,
        }:
            return None
        if not _unchanged(repo, folder, found["files"], written - RACY_NS):
            return None
        return Recalled(
            _text(found["summary"]),
            *_problems(found["problems"]),
            *_problems(found["publication"]),
        )
    except (UnicodeDecodeError, ValueError, KeyError, TypeError, RecursionError):
        log.info("check record %s is damaged; checking the issue again", entry.name)
        return None


def _unchanged(repo: Repository, folder: Path, files: Any, racy_after: int) -> bool:
    """Whether every recorded file is where and as it was (see stamps.fingerprint)."""
    if not isinstance(files, dict) or not files:
        return False
    used = [n for n in files if isinstance(n, str) and not n.startswith("logo/")]
    logos = [n.removeprefix("logo/") for n in files if isinstance(n, str) and n.startswith("logo/")]
    if len(logos) > 1:
        return False
    paths = input_files(repo, folder, logos[0] if logos else None, used, shared={})
    if set(paths) != set(files):  # a file gone, or led out of the repository by a link
        return False
    for name, path in paths.items():
        size, mtime, sha, ctime, inode = files[name]
        seen = Seen(_int(size), _int(mtime), _text(sha), _int(ctime), _int(inode))
        try:
            status = path.stat()
            settled = max(status.st_mtime_ns, status.st_ctime_ns) < racy_after
            if not (settled and seen.same_file(status)) and file_digest(path) != seen.sha256:
                return False
        except OSError:
            return False
    return True


def record(
    repo: Repository, records: Path, checked: Checked, numbers: dict[str, int], started: int
) -> None:
    """Record the check of each issue of `checked` that had no error, unless one of its files
    changed after the check `started` (ns): what was checked may not be what is there now
    (the next check records it)."""
    from lettre import report

    loaded = checked.loaded_publication
    if loaded is None or loaded.value is None or any(p.is_error for p in loaded.problems):
        return
    publication = _encode(loaded.problems, checked.accepted)
    for folder, result in checked.results.items():
        if not result.ok or result.value is None or not is_issue_name(folder.name):
            continue
        issue = result.value
        logo = loaded.value.logo
        paths = input_files(repo, folder, logo, used_names(issue, repo), shared={})
        try:
            seen = {name: Seen.of(path, path.stat()) for name, path in paths.items()}
        except OSError:
            continue
        if any(max(s.mtime_ns, s.ctime_ns) >= started - TICK_NS for s in seen.values()):
            continue
        files = {n: [s.size, s.mtime_ns, s.sha256, s.ctime_ns, s.inode] for n, s in seen.items()}
        body = json.dumps(
            {
                "context": {**_context(repo, numbers), "folder": folder.name},
                "files": files,
                "summary": report.summary(issue, repo.shown(issue.folder)),
                "problems": _encode(result.problems, checked.accepted),
                "publication": publication,
            },
            sort_keys=True,
        ).encode()
        try:
            if not usable(records):  # never through a link
                return
            records.mkdir(mode=0o700, parents=True, exist_ok=True)
            if usable(records):
                record = image_cache.sealed(body)  # verified when read: see recall
                write_atomic(records / f"{folder.name}.json", record, durable=False)
        except (OSError, LettreError) as error:
            log.debug("check of %s not recorded: %s", folder.name, error)


def _encode(problems: list[Problem], accepted: frozenset[Problem]) -> list[list[Any]]:
    return [_row(p, p in accepted) for p in problems]


def _row(p: Problem, taken: bool) -> list[Any]:
    return [p.file, p.line, p.column, p.field, p.message, p.severity.value, p.code, p.place, taken]


def _problems(data: Any) -> tuple[list[Problem], frozenset[Problem]]:
    if not isinstance(data, list):
        raise ValueError("problems: not a list")
    problems, accepted = [], set()
    for item in data:
        file, line, column, field, message, severity, code, place, taken = item
        problem = Problem(
            _text(file),
            _int(line),
            _int(column),
            _text(field),
            _text(message),
            Severity(severity),
            _text(code),
            _text(place),
        )
        if problem.is_error:
            raise ValueError("an error is never recorded")
        problems.append(problem)
        if taken is True:
            accepted.add(problem)
    return problems, frozenset(accepted)


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("not text")
    return value


def _int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError("not a number")
    return value


@dataclass
class Result:
    """What `check` prints: a summary per issue checked, every problem, those accepted."""

    summaries: list[str]
    """Each issue's line (and with --verbose, its outline below it)."""
    problems: list[Problem]
    accepted: frozenset[Problem]
    checked: int


def check(
    repo: Repository,
    out: Path,
    folders: list[Path] | None,
    verbose: bool,
    load: Callable[[Repository, list[Path] | None], Checked],
) -> Result:
    """`load` (load.check) of the issues whose check has no current record, the others told
    from their records (see the module's text)."""
    records = folder_of(out)
    folders = repo.issue_folders() if folders is None else folders
    numbers = repo.numbers()
    cacheable = not verbose and bool(folders) and all(is_issue_name(f.name) for f in folders)
    recalled: dict[Path, Recalled] = {}
    if cacheable and usable(records):
        for folder in folders:
            found = recall(repo, records, folder, numbers)
            if found is not None:
                recalled[folder] = found
    todo = [f for f in folders if f not in recalled]
    problems: list[Problem] = []
    accepted: set[Problem] = set()
    summaries: dict[Path, str] = {}
    count = len(folders)
    if todo or not folders:
        from lettre import report
        from lettre.images import check_cache, checks_cached_in

        started = time.time_ns()
        with checks_cached_in(check_cache(out)):  # photos checked before: not decoded
            checked = load(repo, todo if folders else None)
        problems += checked.problems
        accepted |= checked.accepted
        for loaded in checked.issues:
            summaries[loaded.folder] = report.summary(loaded, repo.shown(loaded.folder))
            if verbose:
                summaries[loaded.folder] += "\n" + "\n".join(report.outline(loaded))
        if not cacheable:
            count = checked.checked
        if cacheable:
            with contextlib.suppress(OSError, LettreError):
                record(repo, records, checked, numbers, started)
    else:  # the publication's problems, from any record (each saw publication.yaml as it is)
        first = recalled[folders[0]]
        problems += first.publication
        accepted |= first.publication_accepted
    for folder, found in recalled.items():
        summaries[folder.resolve()] = found.summary
        problems += found.problems
        accepted |= found.accepted
    order = {folder.resolve(): index for index, folder in enumerate(folders)}
    ordered = [summaries[k] for k in sorted(summaries, key=lambda k: order.get(k, len(order)))]
    return Result(ordered, sorted(problems), frozenset(accepted), count)
