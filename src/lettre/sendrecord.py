"""The record of an issue's sends: bulletins/DATE/sent.json, committed with the issue.

It keeps every completed send (when, to how many, with which Message-ID) and how far the
last send went. A send writes "in progress" before its first batch and "completed" after
its last, so a send stopped at any moment (crash, Ctrl-C, lost network) reads as
interrupted. Each recipient served is kept as an HMAC-SHA256 under a random key of that
send, stored beside it: enough to tell "already served" on --resume, whatever the issue
became meanwhile, without a list of addresses to read in git. The record lives with the
issue, not in dist/ (which people delete). A lock on the issue folder keeps two sends of
one issue apart.

The one case a record cannot settle: the server accepted a batch and the machine stopped
before the record said so. That batch (at most --batch-size recipients) is sent again on
--resume, and the resume says so.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import os
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lettre.errors import LettreError
from lettre.messages import _
from lettre.output import read_own, write_atomic

FILE = "sent.json"
IN_PROGRESS, COMPLETED = "in progress", "completed"
_HEX = re.compile(r"[0-9a-f]{32,64}")


def now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


@dataclass
class Progress:
    """How far one send went: who was served, as keyed hashes."""

    key: str
    """Random, per send: the HMAC key of `served`."""
    started: str
    message_id: str
    served: set[str] = field(default_factory=set)
    in_flight: list[str] = field(default_factory=list)
    """The batch handed to the server whose acceptance was not yet recorded."""
    state: str = IN_PROGRESS

    @classmethod
    def start(cls, message_id: str) -> Progress:
        return cls(secrets.token_hex(32), now(), message_id)

    def mark(self, address: str) -> str:
        """The address as this send knows it (case does not make another mailbox here)."""
        key = bytes.fromhex(self.key)
        return hmac.new(key, address.strip().lower().encode(), hashlib.sha256).hexdigest()[:32]

    def has_served(self, address: str) -> bool:
        return self.mark(address) in self.served

    def as_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "started": self.started,
            "message_id": self.message_id,
            "key": self.key,
            "served": sorted(self.served),
            "in_flight": sorted(self.in_flight),
        }


@dataclass
class Record:
    """The whole of sent.json."""

    path: Path
    sends: list[dict[str, Any]] = field(default_factory=list)
    """Every completed send, oldest first."""
    progress: Progress | None = None

    @property
    def last(self) -> dict[str, Any] | None:
        return self.sends[-1] if self.sends else None

    @property
    def interrupted(self) -> bool:
        return self.progress is not None and self.progress.state == IN_PROGRESS

    def save(self) -> None:
        data: dict[str, Any] = dict(self.last or {})  # the last send on top, as before
        data["sends"] = self.sends
        if self.progress is not None:
            data["progress"] = self.progress.as_dict()
        write_atomic(self.path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")

    def complete(self, delivered: int, refused: int) -> None:
        """The send is over (some addresses may have been refused): one write says so."""
        assert self.progress is not None
        self.progress.state, self.progress.in_flight = COMPLETED, []
        self.sends.append(
            {
                "sent": now(),
                "recipients": delivered,
                "refused": refused,
                "message_id": self.progress.message_id,
            }
        )
        self.save()


def read(folder: Path, shown: str) -> Record:
    """The record of `folder` (empty when it was never sent); `shown` names the folder."""
    path, where = folder / FILE, f"{shown}/{FILE}"
    try:
        data = json.loads(read_own(path))
    except FileNotFoundError:
        return Record(path)
    except (OSError, ValueError, RecursionError) as error:  # RecursionError: JSON nested too deep
        message = _("{path}: cannot be read ({error}); restore it from git")
        raise LettreError(message.format(path=where, error=error)) from None
    if not isinstance(data, dict):
        raise _damaged(where, _("not an object"))
    sends = data.get("sends", [])
    if not isinstance(sends, list) or not all(isinstance(s, dict) for s in sends):
        raise _damaged(where, _("sends: not a list of sends"))
    if not sends and "sent" in data:  # written before the history was kept
        sends = [{k: data[k] for k in ("sent", "recipients", "refused", "message_id") if k in data}]
    return Record(path, sends, _progress(data.get("progress"), where))


def _progress(data: Any, shown: str) -> Progress | None:
    if data is None:
        return None
    if not isinstance(data, dict):
        raise _damaged(shown, _("progress: not an object"))
    state, key = data.get("state"), data.get("key")
    if state not in (IN_PROGRESS, COMPLETED):
        message = _('progress.state: "{one}" or "{other}" expected')
        raise _damaged(shown, message.format(one=IN_PROGRESS, other=COMPLETED))
    if not isinstance(key, str) or len(key) != 64 or not _HEX.fullmatch(key):
        raise _damaged(shown, _("progress.key: 64 hexadecimal digits expected"))
    lists = {name: data.get(name, []) for name in ("served", "in_flight")}
    for name, value in lists.items():
        if not isinstance(value, list) or not all(
            isinstance(v, str) and _HEX.fullmatch(v) for v in value
        ):
            message = _("progress.{name}: a list of hashes expected").format(name=name)
            raise _damaged(shown, message)
    started, message_id = data.get("started", ""), data.get("message_id", "")
    return Progress(
        key, str(started), str(message_id), set(lists["served"]), lists["in_flight"], state
    )


def _damaged(shown: str, what: str) -> LettreError:
    return LettreError(_("{path}: {what}; restore the file from git").format(path=shown, what=what))


class Journal:
    """Saves a send's progress before and after each batch."""

    def __init__(self, record: Record) -> None:
        assert record.progress is not None
        self.record, self.progress = record, record.progress

    def before(self, batch: list[str]) -> None:
        self.progress.in_flight = [self.progress.mark(a) for a in batch]
        self.record.save()

    def after(self, delivered: list[str]) -> None:
        """The server answered: `delivered` have it; the others of the batch do not."""
        self.progress.served |= {self.progress.mark(a) for a in delivered}
        self.progress.in_flight = []
        self.record.save()


@contextlib.contextmanager
def locked(folder: Path, shown: str) -> Iterator[None]:
    """Hold a lock on the issue folder for the whole send; a second send is refused."""
    try:
        handle = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as error:
        message = _("cannot open {path}: {reason}").format(path=shown, reason=error.strerror)
        raise LettreError(message) from None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LettreError(
                _(
                    "{issue} is being sent by another lettre send right now; wait for it to end"
                ).format(issue=shown)
            ) from None
        yield
    finally:
        os.close(handle)  # closing releases the lock, also when this process is killed
