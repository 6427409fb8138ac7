"""The one place that writes files: atomically, so a reader never sees half a file.

Several files that belong together (an issue's editions and its stamp) are written as
temporaries first and renamed only once all of them are on disk: a full disk leaves the
previous build whole. An output folder is lettre's only if it says so (`MARKER`); lettre
deletes and overwrites only there, and only what it wrote.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lettre import __version__
from lettre.errors import LettreError, UsageProblem
from lettre.messages import N_, _

FULL = (errno.ENOSPC, errno.EDQUOT)
MARKER = ".lettre-output.json"
"""In an output folder lettre made or adopted: what lettre wrote at its top (the archive)."""
TEMPORARY = re.compile(r"\..+\.[A-Za-z0-9_]{6,}\.tmp")
"""The names `write_atomic` gives its temporaries (tempfile.mkstemp's random part)."""


def write_failed(path: Path, error: OSError) -> LettreError:
    """The error to report when writing `path` failed: a full disk says so, naming the folder."""
    if error.errno in FULL:
        return LettreError(
            _(
                "the disk is full: cannot write into {folder} ({reason}); "
                "nothing was changed there: free some space, then run lettre again"
            ).format(folder=path.parent, reason=error.strerror)
        )
    return LettreError(_("cannot write {path}: {reason}").format(path=path, reason=error.strerror))


def write_atomic(
    path: Path, data: bytes | str, *, overwrite: bool = True, durable: bool = True
) -> None:
    """Write `data` to `path` through a temporary file in the same folder, then rename.

    With `overwrite=False` an existing file is an error and is left as it was. With
    `durable=False` the data is not forced to the disk before the rename (no fsync): for a
    cache entry, which its reader verifies (a checksum) and makes again when it is lost or
    damaged by a power cut (18 of the 30 files an issue of six photos writes).
    """
    if not overwrite and path.exists():
        raise LettreError(
            _("{path} already exists; lettre does not overwrite it").format(path=path)
        )
    temporary = _temporary(path, data, durable=durable)
    try:
        if overwrite:
            os.replace(temporary, path)
        else:
            os.link(temporary, path)  # fails if the file appeared meanwhile: never clobber
            os.unlink(temporary)
    except OSError as error:
        _remove([temporary])
        raise write_failed(path, error) from None


def write_together(folder: Path, files: dict[str, bytes]) -> None:
    """Write every file of `files` (names relative to `folder`) or none of them.

    All are written as temporaries first; only when every one is on disk are they renamed
    over the old ones. A failure (a full disk) removes the temporaries and leaves the
    folder as it was.
    """
    written: list[tuple[Path, Path]] = []
    try:
        for name, data in files.items():
            path = inside(folder, name)
            written.append((_temporary(path, data), path))
    except BaseException:
        _remove([temporary for temporary, _path in written])
        raise
    for temporary, path in written:
        try:
            os.replace(temporary, path)  # a rename in the same folder needs no new space
        except OSError as error:
            _remove([t for t, _path in written])
            raise write_failed(path, error) from None


def _temporary(path: Path, data: bytes | str, *, durable: bool = True) -> Path:
    """`data` written (and synced, if `durable`) to a temporary beside `path`; its name
    matches TEMPORARY."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise write_failed(path, error) from None
    temporary = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)
    except OSError as error:
        _remove([temporary])
        raise write_failed(path, error) from None
    except BaseException:
        _remove([temporary])
        raise
    return temporary


def _remove(paths: list[Path]) -> None:
    for path in paths:
        with contextlib.suppress(OSError):
            os.unlink(path)


def read_own(path: Path) -> str:
    """The text of a record lettre wrote (a stamp, a marker, published.json, sent.json),
    never through a link: lettre writes them as files, and a link would be read from
    wherever it leads. FileNotFoundError when there is none; OSError when it is not a file."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise OSError(errno.ELOOP, _("a symbolic link, not the file lettre wrote")) from None
        raise
    with open(descriptor, "rb") as handle:  # not os.fdopen: the full-disk tests count those
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise OSError(errno.EINVAL, _("not a file lettre wrote"))
        return handle.read().decode("utf-8")


def safe_name(name: object) -> bool:
    """Whether `name`, read from a record, is a relative path that stays in its folder."""
    if not isinstance(name, str) or not name or "\0" in name or "\\" in name:
        return False
    # (a string's own test, not PurePosixPath's: a no-op build asks it of every output
    # name of every issue's stamp)
    return not name.startswith("/") and all(part not in ("", ".", "..") for part in name.split("/"))


def inside(folder: Path, name: str) -> Path:
    """`folder / name`, refused unless `name` stays in `folder` (links included)."""
    path = folder / name
    if not safe_name(name) or not path.parent.resolve().is_relative_to(folder.resolve()):
        raise LettreError(
            _("{path}: leaves {folder}; lettre writes and deletes only inside it").format(
                path=path, folder=folder
            )
        )
    return path


# The output folder: lettre's own, or refused.


def claim(out: Path, adoptable: Callable[[Path], bool]) -> None:
    """Refuse `out` unless it can be an output folder of lettre's (nothing is written here:
    `mark` does that, under the lock).

    An existing folder is used only if lettre marked it, if it is empty, or if it holds only
    what a lettre without the marker made (`adoptable` tells that of each entry; the
    archive's files are adopted beside such entries only). Anything else is the user's:
    refused, nothing touched.
    """
    try:
        present = sorted(p.name for p in out.iterdir()) if out.is_dir() else []
    except OSError as error:
        message = _("{path}: cannot be read ({reason})").format(path=out, reason=error.strerror)
        raise UsageProblem(message) from None
    # the marker, looked for once the folder is listed: a build started at the same time
    # may have marked it meanwhile, and a build writes its files only after marking it
    if (out / MARKER).is_file():
        marker(out)  # a damaged marker is said now, before anything is written
        return
    made = [name for name in present if name not in ARCHIVE and adoptable(out / name)]
    foreign = [
        name
        for name in present
        if name not in made and not (name in ARCHIVE and made and _regular(out / name))
    ]
    if foreign:
        shown = ", ".join(foreign[:3]) + (", …" if len(foreign) > 3 else "")
        raise UsageProblem(
            _(
                "{path}: this folder is not empty and lettre did not make it ({names}); "
                "lettre writes only into a folder of its own: give --out a new or empty folder"
            ).format(path=out, names=shown)
        )


def mark(out: Path) -> None:
    """Mark `out` (checked by `claim`) as lettre's, adopting the archive files an older
    lettre wrote there. Called under the folder's lock: two builds never race here."""
    if (out / MARKER).is_file():
        return
    try:
        archive = {name: _digest(out / name) for name in ARCHIVE if _regular(out / name)}
    except OSError as error:
        message = _("{path}: cannot be read ({reason})").format(path=out, reason=error.strerror)
        raise LettreError(message) from None
    save_marker(out, archive)


ARCHIVE = ("index.html", "search.js", "feed.xml", "manifest.json", "SHA256SUMS")
"""What `lettre archive` writes at the top of an output folder."""


def marker(out: Path) -> dict[str, str]:
    """The files lettre recorded writing at the top of `out`: name → SHA-256."""
    path = out / MARKER
    try:
        data: Any = json.loads(read_own(path))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, RecursionError) as error:  # RecursionError: JSON nested too deep
        message = _("{path}: cannot be read ({error}); {fix}")
        raise LettreError(message.format(path=path, error=error, fix=_(_MARKER_FIX))) from None
    written = data.get("written") if isinstance(data, dict) else None
    if not isinstance(written, dict) or not all(
        name in ARCHIVE and _is_digest(sha) for name, sha in written.items()
    ):
        message = _("{path}: damaged (its 'written' list is not lettre's); {fix}")
        raise LettreError(message.format(path=path, fix=_(_MARKER_FIX)))
    return dict(written)


_MARKER_FIX = N_(
    "delete it if this folder holds only lettre's output; lettre will then check the folder again"
)


def save_marker(out: Path, written: dict[str, str]) -> None:
    write_atomic(out / MARKER, marker_text(written))


def marker_text(written: dict[str, str]) -> str:
    """The marker's content: what lettre wrote at the top of the folder (name → SHA-256)."""
    data = {"lettre": __version__, "written": dict(sorted(written.items()))}
    return json.dumps(data, indent=1) + "\n"


def _is_digest(value: object) -> bool:
    return isinstance(value, str) and re.fullmatch(r"[0-9a-f]{64}", value) is not None


def _regular(path: Path) -> bool:
    return path.is_file() and not path.is_symlink()


def _digest(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()
