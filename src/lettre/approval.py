"""The approval of an issue: who said "bon à tirer" for which bytes.

`lettre approve PATH --by NAME` writes bulletins/DATE/approved.json (committed with the
issue): the name, the time, and the SHA-256 of every output as it is on the disk then. With
`approval: required` in publication.yaml, `send` and `publish` go ahead only when every
output is still, byte for byte, what was approved; otherwise they name the file that changed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lettre import __version__
from lettre.errors import LettreError, UsageProblem
from lettre.messages import N_, _
from lettre.model import Publication
from lettre.names import PROOF_SUFFIX
from lettre.output import read_own, safe_name, write_atomic
from lettre.repo import Repository
from lettre.stamps import Stamp, file_digest

RECORD = "approved.json"

_SHA256 = re.compile(r"[0-9a-f]{64}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def is_proof(name: str) -> bool:
    return name.endswith(PROOF_SUFFIX)


@dataclass(frozen=True)
class Approval:
    by: str
    approved: str
    """When, ISO 8601 in UTC."""
    files: dict[str, str]
    """Output file (relative to the issue's output folder) → SHA-256."""


def current_outputs(repo: Repository, folder: Path, output: Path) -> dict[str, str]:
    """The SHA-256 of every output of the issue's last build, read from the disk now."""
    stamp = Stamp.load(output)
    if stamp is None or not stamp.outputs_intact(output):
        raise LettreError(
            _("{issue} is not built; run lettre build {issue} first").format(
                issue=repo.shown(folder)
            )
        )
    return {name: file_digest(output / name) for name in sorted(stamp.outputs)}


def approve(repo: Repository, folder: Path, output: Path, by: str) -> Approval:
    """Record that `by` approved the issue's outputs as they are now."""
    name = " ".join(by.split())
    if not name or _CONTROL.search(by.replace("\t", " ")):
        raise UsageProblem(
            _('--by: give the name of the person who approves, e.g. --by "Jeanne Martin"')
        )
    when = datetime.now(UTC).replace(microsecond=0).isoformat()
    approval = Approval(name, when, current_outputs(repo, folder, output))
    record = {"approved_by": name, "approved": when, "lettre": __version__, "files": approval.files}
    write_atomic(folder / RECORD, json.dumps(record, indent=2, ensure_ascii=False) + "\n")
    return approval


def read(repo: Repository, folder: Path) -> Approval | None:
    """The issue's approval, None if it has none; a damaged record is a clear error."""
    path = folder / RECORD
    shown = repo.shown(path)
    try:
        data: Any = json.loads(read_own(path))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, RecursionError) as error:
        raise LettreError(_(_RESTORE).format(file=shown, why=str(error))) from None
    if not (
        isinstance(data, dict)
        and isinstance(data.get("approved_by"), str)
        and isinstance(data.get("approved"), str)
        and isinstance(data.get("files"), dict)
        and data["files"]
        and all(
            safe_name(n) and isinstance(s, str) and _SHA256.fullmatch(s)
            for n, s in data["files"].items()
        )
    ):
        raise LettreError(_(_RESTORE).format(file=shown, why=_("not a record lettre wrote")))
    return Approval(data["approved_by"], data["approved"], dict(data["files"]))


_RESTORE = N_(
    "{file}: damaged ({why}); restore it from git, or approve the issue again: "
    'lettre approve PATH --by "NAME"'
)


def changes(approval: Approval, now: dict[str, str]) -> list[str]:
    """The outputs that differ from what was approved (changed, gone or new), sorted."""
    names = set(approval.files) | set(now)
    return sorted(n for n in names if approval.files.get(n) != now.get(n))


def gate(repo: Repository, folder: Path, output: Path, publication: Publication) -> None:
    """With `approval: required`, refuse an issue nobody approved, or whose outputs changed
    since it was approved (naming the files)."""
    if publication.approval != "required":
        return
    shown = repo.shown(folder)
    approval = read(repo, folder)
    if approval is None:
        raise LettreError(
            _(
                "{issue} is not approved, and publication.yaml says approval: required; "
                'check its proof (lettre proof {issue}), then lettre approve {issue} --by "NAME"'
            ).format(issue=shown)
        )
    changed = changes(approval, current_outputs(repo, folder, output))
    if changed:
        raise LettreError(
            _(
                "{issue} changed since {name} approved it on {day}: {files}; "
                "check the new proof (lettre proof {issue}), then lettre approve {issue} "
                '--by "NAME"'
            ).format(
                issue=shown, name=approval.by, day=approval.approved[:10], files=", ".join(changed)
            )
        )
