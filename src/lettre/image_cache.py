"""lettre's own records of image work, found by content hash and verified before use.

Two stores, each in a folder lettre owns: the variants made for each edition
(out/.cache/images) and the results of image checks (.cache/checks). An entry is used only
when its bytes are those it vouches for and it names the content it was made from; anything
else found there (damaged, emptied, a link, a folder, an entry of another version) is ignored,
removed when it is a file of lettre's naming, and made again. Nothing here is an error: at
worst the work is done again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import stat
from pathlib import Path

from lettre.errors import LettreError
from lettre.output import write_atomic, write_failed

log = logging.getLogger(__name__)

MAX_ENTRY_BYTES = 30 * 1024 * 1024
MAX_CHECK_BYTES = 4096

VARIANT_ENTRY = re.compile(
    r"(?P<key>[0-9a-f]{64})-(?P<sha>[0-9a-f]{64})-(?P<w>\d{1,5})x(?P<h>\d{1,5})"
    r"(?P<suffix>\.jpg|\.png)"
)
"""An entry's name: the key it was made for, the SHA-256 of its bytes, its size."""
CHECK_ENTRY = re.compile(r"(?P<key>[0-9a-f]{64})\.json")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_variant(cache: Path, key: str) -> tuple[str, bytes, int, int] | None:
    """The variant made for `key` (suffix, bytes, width, height), if its bytes are those its
    name vouches for; a damaged entry is removed (the cache is lettre's own)."""
    for entry in sorted(cache.glob(f"{key}-*")):
        parsed = VARIANT_ENTRY.fullmatch(entry.name)
        data = _read(entry, MAX_ENTRY_BYTES) if parsed else None
        if parsed and data is not None and sha256(data) == parsed["sha"]:
            return parsed["suffix"], data, int(parsed["w"]), int(parsed["h"])
        _discard(entry)
    return None


def write_variant(cache: Path, key: str, suffix: str, data: bytes, size: tuple[int, int]) -> None:
    name = f"{key}-{sha256(data)}-{size[0]}x{size[1]}{suffix}"
    try:
        cache.mkdir(mode=0o700, parents=True, exist_ok=True)  # its owner's alone: see usable
    except OSError as error:
        raise write_failed(cache, error) from None
    write_atomic(cache / name, data, durable=False)  # verified when read: see read_variant


def sealed(body: bytes) -> bytes:
    """A record's bytes followed by a line with their SHA-256: what `unsealed` verifies (a
    record written without fsync, which a power cut may leave damaged)."""
    return body + b"\n" + sha256(body).encode()


def unsealed(data: bytes) -> bytes | None:
    """The body of a `sealed` record, or None when its checksum does not vouch for it."""
    body, _, checksum = data.rpartition(b"\n")
    return body if checksum == sha256(body).encode() else None


def read_check(folder: Path, key: str) -> dict[str, object] | None:
    """The check result recorded for `key`, if the entry is whole and was made for it."""
    entry = folder / f"{key}.json"
    data = _read(entry, MAX_CHECK_BYTES)
    if data is None:
        if os.path.lexists(entry):
            _discard(entry)
        return None
    body = unsealed(data)
    try:
        found = json.loads(body) if body is not None else None
    except ValueError:  # (UnicodeDecodeError too)
        found = None
    if not isinstance(found, dict) or found.get("key") != key:
        _discard(entry)
        return None
    return found


def write_check(folder: Path, key: str, found: dict[str, object]) -> None:
    """Record a check's result; when it cannot be written, the check is simply made again."""
    body = json.dumps({**found, "key": key}, sort_keys=True).encode()
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_atomic(folder / f"{key}.json", sealed(body), durable=False)  # see read_check
    except (OSError, LettreError) as error:
        log.debug("image check not recorded in %s: %s", folder, error)


def forget_check(folder: Path, key: str) -> None:
    """Remove a check's record (a photo refused: its decoding child may have recorded it
    passed just as the build gave up waiting for its answer)."""
    with contextlib.suppress(OSError):
        (folder / f"{key}.json").unlink(missing_ok=True)


def usable(folder: Path) -> bool:
    """Whether `folder` (the check cache) may be read: no link on the way from its parent
    (it would lead lettre to read and write elsewhere), and, when it exists, a folder that
    only its owner, the user running lettre, can write to."""
    for path in (folder.parent.parent, folder.parent, folder):
        if path.is_symlink():
            return False
    try:
        status = folder.stat()
    except FileNotFoundError:
        return True
    except OSError:
        return False
    owned = status.st_uid == os.getuid() and not status.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    return stat.S_ISDIR(status.st_mode) and owned


def _read(entry: Path, limit: int) -> bytes | None:
    """The bytes of a regular file of at most `limit` bytes, never through a link."""
    try:
        descriptor = os.open(entry, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode) or status.st_size > limit:
            return None
        chunks, size = [], 0
        while chunk := os.read(descriptor, min(1 << 20, limit + 1 - size)):
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(descriptor)


def _discard(entry: Path) -> None:
    log.info("cache entry %s is damaged; making it again", entry.name)
    with contextlib.suppress(OSError):  # a folder there: left, and not used
        entry.unlink(missing_ok=True)
