"""Published issues: recorded, never overwritten, and verifiable years later.

`lettre publish` writes bulletins/DATE/published.json (committed with the issue): when, by
which lettre, from which inputs, and the SHA-256 of every output. From then on a build that
would give other bytes refuses, naming what changed; `--republish --reason` keeps the
previous files beside the new ones (`…-v1.pdf`) and records why. `lettre verify` rebuilds
in a temporary folder and compares every file with the record.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lettre import __version__, approval, decisions
from lettre.build import Editions, ImageMode, Options, make_editions
from lettre.errors import LettreError
from lettre.load import load_issue, load_publication
from lettre.messages import N_, _
from lettre.output import inside, read_own, safe_name, write_atomic, write_failed
from lettre.repo import Repository
from lettre.stamps import Seen, Stamp, digest, file_digest

RECORD = "published.json"


def read_record(folder: Path) -> dict[str, Any] | None:
    """The publication record of an issue folder, None if it has none.

    Its shape is checked, and that every file it names stays inside the output folder: a
    damaged record is a clear error naming the file, never used.
    """
    path = folder / RECORD
    try:
        record: Any = json.loads(read_own(path))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, RecursionError) as error:  # RecursionError: JSON nested too deep
        message = _("{path} cannot be read ({error}); {fix}")
        raise LettreError(message.format(path=path, error=error, fix=_(_RESTORE))) from None
    try:
        _check_version(record)
        history = record.get("history", [])
        if not isinstance(history, list):
            raise _Damaged(_("history: not a list"))
        for number, previous in enumerate(history):
            _check_version(previous, f"history[{number}].")
        if not isinstance(record.get("options", {}), dict):
            raise _Damaged(_("options: not a mapping"))
    except _Damaged as error:
        message = _("{path}: damaged ({error}); {fix}")
        raise LettreError(message.format(path=path, error=error, fix=_(_RESTORE))) from None
    return dict(record)


_RESTORE = N_("restore it from git (git checkout -- the file)")


class _Damaged(Exception):
    pass


def _check_version(record: Any, where: str = "") -> None:
    """One published version: when, and the SHA-256 of every file and input."""
    if not isinstance(record, dict):
        raise _Damaged(_("{where}: not a mapping").format(where=where or _("the record")))
    if not isinstance(record.get("published"), str) or not record["published"]:
        raise _Damaged(_("{where}published: missing").format(where=where))
    for key in ("files", "inputs"):
        value = record.get(key)
        if not isinstance(value, dict) or (key == "files" and not value):
            raise _Damaged(_("{where}{key}: missing or empty").format(where=where, key=key))
        for name, sha in value.items():
            if not safe_name(name):
                message = _("{where}{key}: {name} leaves its folder")
                raise _Damaged(message.format(where=where, key=key, name=repr(name)))
            if not isinstance(sha, str) or not _SHA256.fullmatch(sha):
                message = _("{where}{key}: {name} has no SHA-256")
                raise _Damaged(message.format(where=where, key=key, name=repr(name)))


_SHA256 = re.compile(r"[0-9a-f]{64}")


def _write_record(folder: Path, record: dict[str, Any]) -> None:
    write_atomic(
        folder / RECORD, json.dumps(record, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    )


def options_of(record: dict[str, Any], where: str = RECORD) -> Options:
    """The options the issue was published with (`where` names the record in errors)."""
    saved = record.get("options", {})
    modes = [m.value for m in ImageMode]
    if not isinstance(saved, dict) or saved.get("mode") not in (None, *modes):
        raise LettreError(
            _("{where}: options: not options lettre wrote; restore it from git").format(where=where)
        )
    mode = ImageMode(saved["mode"]) if saved.get("mode") else None
    return Options(mode, saved.get("print_marks") is True)


def build_options(folder: Path, asked: Options, republish: bool) -> Options:
    """The options to build `folder` with: a published issue keeps those it was published
    with, so that a later build, send or verify gives the published bytes; only a
    --republish that names others (--images, --print-marks) changes them."""
    record = read_record(folder)
    if record is None:
        return asked
    named = asked.mode is not None or asked.print_marks
    if republish and named:
        return asked
    recorded = options_of(record, str(folder / RECORD))
    return Options(recorded.mode, recorded.print_marks, asked.editions)


def guard(
    repo: Repository,
    folder: Path,
    output: Path,
    editions: Editions,
    seen: dict[str, Seen],
    reason: str | None,
    options: Options,
) -> None:
    """Let a build of a published issue through only if it gives the published bytes.

    With a `reason`, the build is a new version: the files it changes are first kept
    beside it as `NAME-vN.EXT`, and the record says why.
    """
    record = read_record(folder)
    if record is None:
        return
    new = {name: digest(data) for name, data in editions.files.items()}
    changed = sorted(
        n for n in set(new) | set(record["files"]) if new.get(n) != record["files"].get(n)
    )
    if not changed:
        return
    if reason is None:
        inputs = {name: s.sha256 for name, s in seen.items()}
        causes = sorted(
            n
            for n in set(inputs) | set(record["inputs"])
            if inputs.get(n) != record["inputs"].get(n)
        )
        raise LettreError(
            _(
                "{issue} was published on {date}; this build would change {files} "
                "(changed since: {causes}). Nothing was written. To publish a new version: "
                'lettre build {issue} --republish --reason "…"'
            ).format(
                issue=repo.shown(folder),
                date=record["published"][:10],
                files=", ".join(changed),
                causes=", ".join(causes) or _("lettre itself"),
            )
        )
    version = len(record.get("history", [])) + 1
    for name in changed:
        _keep(output, name, record["files"].get(name), version)
    kept = ("published", "lettre", "files", "inputs")
    previous: dict[str, Any] = {key: record[key] for key in kept if key in record}
    previous["version"] = version
    record["history"] = [*record.get("history", []), previous]
    record.update(
        published=_now(),
        lettre=__version__,
        reason=reason,
        options=options.as_dict(),
        files=new,
        inputs={name: s.sha256 for name, s in seen.items()},
    )
    _write_record(folder, record)


def _keep_earlier_versions(output: Path, new: dict[str, str], record: dict[str, Any]) -> None:
    """A file on disk that an earlier published version recorded is kept, never overwritten.

    (A republication made into another folder leaves the old published files here.)
    """
    for entry in record.get("history", []):
        for name, published in entry.get("files", {}).items():
            if name in new and new[name] != published:
                _keep(output, name, published, int(entry.get("version", 1)))


def _keep(output: Path, name: str, published: str | None, version: int) -> None:
    """Keep the published file `name` as NAME-vN.EXT before a new version replaces it.

    A hard link, not a rename: until the new version is written the published file stays
    where it was (a full disk leaves the previous build whole).
    """
    path = inside(output, name)
    if published is None or not path.is_file() or path.is_symlink():
        return
    if file_digest(path) != published:
        return
    kept = path.with_name(f"{path.stem}-v{version}{path.suffix}")
    if kept.exists() or kept.is_symlink():
        if not kept.is_symlink() and file_digest(kept) == published:
            return  # kept already
        raise LettreError(
            _("{path} already exists; lettre does not overwrite a kept version").format(path=kept)
        )
    try:
        os.link(path, kept)
    except OSError as error:
        raise write_failed(kept, error) from None


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def publish(
    repo: Repository,
    folder: Path,
    output: Path,
    options: Options,
    *,
    force: bool = False,
    say: Callable[..., None] = lambda *args, **kwargs: None,
) -> dict[str, Any]:
    """Record the issue's current outputs (built, up to date) as published, once its
    warnings are accepted (or forced past: see `decisions.gate`)."""
    if read_record(folder):
        raise LettreError(
            _(
                "{issue} is already published; to publish a new version: "
                'lettre build {issue} --republish --reason "…"'
            ).format(issue=repo.shown(folder))
        )
    stamp = Stamp.load(output)
    if stamp is None or not stamp.outputs_intact(output):
        raise LettreError(
            _("{issue} is not built; run lettre build first").format(issue=repo.shown(folder))
        )
    warnings = decisions.issue_warnings(repo, folder, stamp.warnings)
    decisions.gate(
        warnings, command="lettre publish", shown=repo.shown(folder), force=force, say=say
    )
    if (publication := load_publication(repo).value) is not None:
        approval.gate(repo, folder, output, publication)
    record = {
        "published": _now(),
        "lettre": __version__,
        "options": options.as_dict(),
        "inputs": {name: seen.sha256 for name, seen in stamp.inputs.items()},
        "files": stamp.outputs,
        "warnings": [{"warning": w.text, "code": w.code, "accepted": w.accepted} for w in warnings],
    }
    _write_record(folder, record)
    return record


@dataclass(frozen=True)
class Verdict:
    name: str
    status: str
    """identical, differs, missing (recorded, not made) or extra (made, not recorded)."""


def verify(repo: Repository, folder: Path) -> list[Verdict]:
    """Rebuild a published issue in a temporary folder and compare every file with the record."""
    record = read_record(folder)
    if record is None:
        raise LettreError(
            _("{issue} is not published: there is nothing to verify").format(
                issue=repo.shown(folder)
            )
        )
    publication = load_publication(repo)
    if publication.value is None or not publication.ok:
        raise LettreError(_("publication.yaml has errors; run lettre check"))
    loaded = load_issue(repo, folder, publication.value)
    if loaded.value is None or not loaded.ok:
        raise LettreError(
            _("{issue} has errors; run lettre check").format(issue=repo.shown(folder))
        )
    with tempfile.TemporaryDirectory(prefix="lettre-verify-") as temporary:
        editions = make_editions(loaded.value, repo, Path(temporary), options_of(record))
    made = {name: digest(data) for name, data in editions.files.items()}
    verdicts = []
    for name in sorted(set(made) | set(record["files"])):
        if name not in made:
            verdicts.append(Verdict(name, "missing"))
        elif name not in record["files"]:
            verdicts.append(Verdict(name, "extra"))
        else:
            verdicts.append(
                Verdict(name, "identical" if made[name] == record["files"][name] else "differs")
            )
    return verdicts
