"""Resolving authors' paths without ever leaving the newsletter repository."""

from __future__ import annotations

import stat
from pathlib import Path


class PathProblem(Exception):
    """A path an author gave that lettre refuses or cannot find; the message says why."""


def resolve_inside(root: Path, base: Path, relative: str) -> Path:
    """The regular file `relative` to `base`, refused unless it lies inside `root`.

    The model has already refused absolute paths and `..`; this catches symbolic links
    that lead out of the repository and names that are not regular files (`/dev/zero`).
    Nothing is opened here: only `stat`.
    """
    candidate = base / relative
    try:
        resolved = candidate.resolve()
    except (OSError, RuntimeError):  # a loop of symbolic links
        raise PathProblem(f"'{relative}' is a loop of symbolic links") from None
    if not resolved.is_relative_to(root.resolve()):
        raise PathProblem(f"'{relative}' leads outside the newsletter repository (through a link)")
    try:
        mode = resolved.stat().st_mode
    except FileNotFoundError:
        raise PathProblem(f"'{relative}' does not exist; check the name and the folder") from None
    except ValueError:  # a NUL byte
        raise PathProblem(f"{relative!r} is not a valid file name") from None
    except OSError as error:
        raise PathProblem(f"'{relative}' cannot be read: {error.strerror}") from None
    if stat.S_ISDIR(mode):
        raise PathProblem(f"'{relative}' is a folder, not a file")
    if not stat.S_ISREG(mode):
        raise PathProblem(f"'{relative}' is not a regular file (a device, a pipe…)")
    return resolved
