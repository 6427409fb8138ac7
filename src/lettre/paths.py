"""Resolving authors' paths without ever leaving the newsletter repository."""

from __future__ import annotations

import stat
from pathlib import Path

from lettre.messages import _


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
        raise PathProblem(_("'{path}' is a loop of symbolic links").format(path=relative)) from None
    if not resolved.is_relative_to(root.resolve()):
        raise PathProblem(
            _("'{path}' leads outside the newsletter repository (through a link)").format(
                path=relative
            )
        )
    try:
        mode = resolved.stat().st_mode
    except FileNotFoundError:
        raise PathProblem(
            _("'{path}' does not exist; check the name and the folder").format(path=relative)
        ) from None
    except ValueError:  # a NUL byte
        raise PathProblem(
            _("{path} is not a valid file name").format(path=repr(relative))
        ) from None
    except OSError as error:
        raise PathProblem(
            _("'{path}' cannot be read: {reason}").format(path=relative, reason=error.strerror)
        ) from None
    if stat.S_ISDIR(mode):
        raise PathProblem(_("'{path}' is a folder, not a file").format(path=relative))
    if not stat.S_ISREG(mode):
        raise PathProblem(
            _("'{path}' is not a regular file (a device, a pipe…)").format(path=relative)
        )
    return resolved
