"""What an issue's editions were made from, so that an unchanged issue is not built again.

An issue's inputs are the files it uses (issue.yaml, the Markdown it includes, its images),
publication.yaml, the logo, the repository's template overrides, lettre's own templates and
fonts, lettre's version and the build options. Which files an issue uses is known once it is
loaded; the stamp records them, and the next build checks those (and issue.yaml, which
decides them). A file that leads outside the repository is never read. Each file is known
by its SHA-256, read in chunks; its stat fingerprint (size, modification and change times,
inode) lets a rebuild skip hashing a file that has not been touched, as git's index does, so
a no-op rebuild of a year of issues reads no photo at all. A file changed with its size and
modification time put back still has a new change time (which no one can set), so it is
hashed again; a file whose times fall within `RACY_NS` of its stamp's writing is hashed
again too (it may have changed within the same clock tick).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lettre import __version__
from lettre.errors import LettreError
from lettre.messages import _
from lettre.output import read_own, safe_name, write_atomic
from lettre.paths import PathProblem, resolve_inside
from lettre.repo import ISSUE_FILE, PUBLICATION_FILE, Repository

if TYPE_CHECKING:
    from lettre.model import LoadedIssue

STAMP = ".lettre-build.json"
"""In each output folder: the inputs and outputs of the last build."""
RECORDS = ("published.json", "sent.json")
"""Files lettre writes into an issue folder; they are not inputs."""
ISSUE, REPO = "issue/", "repo/"
"""How the stamp names a file the issue uses: in its folder, or elsewhere in the repository."""
RACY_NS = 2_000_000_000
"""A file modified this close to its stamp's writing is hashed again: a file system's clock
ticks coarsely (ext4: a few ms, FAT: 2 s), and an edit in the same tick keeps the time."""


def settings(options: dict[str, Any], number: int | None) -> dict[str, Any]:
    """What besides the files decides the output: the build options, and the issue's number,
    which may come from the issues before it."""
    return {**options, "number": number}


@dataclass(frozen=True)
class Seen:
    size: int
    mtime_ns: int
    sha256: str
    ctime_ns: int = 0
    """Change time: set by the kernel at any write or `touch`, which no one can put back."""
    inode: int = 0
    """A file replaced by another (a checkout, a restore) has another inode."""

    def same_file(self, status: os.stat_result) -> bool:
        """Whether `status` is this file as it was seen (0: not known, so never the same)."""
        now = (status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino)
        return self.ctime_ns != 0 and (self.size, self.mtime_ns, self.ctime_ns, self.inode) == now

    @classmethod
    def of(cls, path: Path, status: os.stat_result) -> Seen:
        sha256 = file_digest(path)
        return cls(status.st_size, status.st_mtime_ns, sha256, status.st_ctime_ns, status.st_ino)


def _walk(root: Path, inside: Path) -> list[Path]:
    """Every file below `root` (hidden ones aside), links followed while they stay in
    `inside` (once each: no loop); a link that leaves it is never followed."""
    if not root.is_dir():
        return []
    boundary = inside.resolve()
    found, visited = [], set()
    for folder, subfolders, names in os.walk(root, followlinks=True):
        real = Path(os.path.realpath(folder))
        if real in visited or not real.is_relative_to(boundary):
            subfolders[:] = []
            continue
        visited.add(real)
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        found += [Path(folder) / n for n in sorted(names) if not n.startswith(".")]
    return [p for p in found if Path(os.path.realpath(p)).is_relative_to(boundary) and p.is_file()]


def used_names(loaded: LoadedIssue, repo: Repository) -> list[str]:
    """The files a loaded issue uses, as the stamp names them."""
    paths = [*loaded.sources, *(info.path for info in loaded.images.values())]
    paths += [loaded.logo_dark.path] if loaded.logo_dark else []  # the logo is given apart
    return sorted({_name(repo, loaded.folder, path) for path in paths})


def _name(repo: Repository, folder: Path, path: Path) -> str:
    if path.is_relative_to(folder.resolve()):
        return ISSUE + path.relative_to(folder.resolve()).as_posix()
    return REPO + path.relative_to(repo.root.resolve()).as_posix()


def input_files(
    repo: Repository,
    folder: Path,
    logo: str | None,
    used: Iterable[str] = (),
    shared: dict[str, Path] | None = None,
) -> dict[str, Path]:
    """Every file an issue's editions depend on, by a stable name.

    `used` names the issue's own files (see `used_names`; issue.yaml always is one). A name
    that no longer leads to a regular file inside the repository is left out, so the
    fingerprint changes and the issue is built again (and its loading says what is wrong).
    `shared` is `shared_inputs(repo)`, when the caller has it already.
    """
    found: dict[str, Path] = {}
    real = {folder: _real_inside(folder, repo.root), repo.root: _real_inside(repo.root, repo.root)}
    for name in {ISSUE + ISSUE_FILE, *used}:
        base = folder if name.startswith(ISSUE) else repo.root
        relative = name.removeprefix(ISSUE).removeprefix(REPO)
        if name.startswith((ISSUE, REPO)) and safe_name(relative):
            with contextlib.suppress(PathProblem):
                found[name] = _plain(real[base], relative) or resolve_inside(
                    repo.root, base, relative
                )
    with contextlib.suppress(PathProblem):  # never through a link out of the repository
        found[PUBLICATION_FILE] = resolve_inside(repo.root, repo.root, PUBLICATION_FILE)
    if logo:
        with contextlib.suppress(PathProblem):
            found[f"logo/{logo}"] = resolve_inside(repo.root, repo.root, logo)
    found.update(shared if shared is not None else shared_inputs(repo))
    return found


def _real_inside(folder: Path, root: Path) -> str | None:
    """`folder` resolved, if it lies inside `root` (None otherwise)."""
    real, boundary = os.path.realpath(folder), os.path.realpath(root)
    return real if real == boundary or real.startswith(boundary + os.sep) else None


def _plain(real: str | None, relative: str) -> Path | None:
    """`relative` to the resolved folder `real`, when no link nor odd file lies on the way:
    a few lstat calls, where `resolve_inside` resolves the whole path (a no-op rebuild does
    this for every file of every issue). None: ask `resolve_inside`, which says why."""
    if real is None:
        return None
    path, mode = real, 0
    for part in relative.split("/"):
        path = f"{path}/{part}"  # strings, not Path: this runs for every file of a year
        try:
            mode = os.lstat(path).st_mode
        except (OSError, ValueError):
            return None
        if stat.S_ISLNK(mode):
            return None
    return Path(path) if stat.S_ISREG(mode) else None


def shared_inputs(repo: Repository) -> dict[str, Path]:
    """The inputs of every issue alike: the repository's templates and lettre's own files
    (walked once per build, not once per issue)."""
    templates = repo.root / "templates"
    found = {
        f"templates/{p.relative_to(templates).as_posix()}": p for p in _walk(templates, repo.root)
    }
    return found | _shipped()


@cache
def _shipped() -> dict[str, Path]:
    """lettre's own templates, fonts and skeletons: they do not change while lettre runs."""
    shipped = Path(str(files("lettre")))
    found = {}
    for part in ("templates", "fonts", "skeletons"):
        for path in _walk(shipped / part, shipped):
            found[f"lettre/{path.relative_to(shipped).as_posix()}"] = path
    return found


def fingerprint(
    inputs: dict[str, Path],
    options: dict[str, Any],
    known: dict[str, Seen] | None = None,
    racy_after: int | None = None,
) -> tuple[str, dict[str, Seen]]:
    """One digest of all the inputs and options, and what was seen of each file.

    A file is hashed unless `known` saw it with the same stat fingerprint, and changed
    before `racy_after` (ns since the epoch; see `RACY_NS`).
    """
    seen: dict[str, Seen] = {}
    for name, path in sorted(inputs.items()):
        try:
            status = path.stat()
            before = (known or {}).get(name)
            settled = racy_after is None or max(status.st_mtime_ns, status.st_ctime_ns) < racy_after
            if before and settled and before.same_file(status):
                seen[name] = before
            else:
                seen[name] = Seen.of(path, status)
        except OSError:
            continue  # gone or unreadable: left out, so the fingerprint changes
    summary = json.dumps(
        {
            "lettre": __version__,
            "options": options,
            "inputs": {n: s.sha256 for n, s in seen.items()},
        },
        sort_keys=True,
    )
    return hashlib.sha256(summary.encode()).hexdigest(), seen


def file_digest(path: Path) -> str:
    """The SHA-256 of a file, read in chunks: a 2 GB file takes no 2 GB of memory."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


@dataclass(frozen=True)
class Stamp:
    fingerprint: str
    inputs: dict[str, Seen]
    outputs: dict[str, str]
    """Output file (relative to the issue's output folder) → SHA-256."""
    warnings: list[str] = field(default_factory=list)
    """The warnings of that build, said again when the issue is found unchanged."""
    sizes: dict[str, int] = field(default_factory=dict)
    """Output file → its size, so that a truncated or emptied output is rebuilt."""
    options: dict[str, Any] = field(default_factory=dict)
    """The build options (without the number), so that the archive can check freshness."""
    written_ns: int | None = None
    """When its file was written (not in the file: its modification time), if it was read."""

    @property
    def racy_after(self) -> int | None:
        """Files changed after this (ns) are hashed again: see `RACY_NS`."""
        return None if self.written_ns is None else self.written_ns - RACY_NS

    def save(self, folder: Path) -> None:
        write_atomic(folder / STAMP, self.encode())

    def encode(self) -> bytes:
        """The stamp as its file holds it."""
        data = {
            "lettre": __version__,
            "fingerprint": self.fingerprint,
            "inputs": {
                n: [s.size, s.mtime_ns, s.sha256, s.ctime_ns, s.inode]
                for n, s in self.inputs.items()
            },
            "outputs": self.outputs,
            "warnings": self.warnings,
            "sizes": self.sizes,
            "options": self.options,
        }
        return (json.dumps(data, indent=1, sort_keys=True) + "\n").encode()

    @classmethod
    def load(cls, folder: Path) -> Stamp | None:
        """The stamp of `folder`, None if it has none; a damaged one is a clear error."""
        path = folder / STAMP
        try:
            written = path.stat().st_mtime_ns
            data = json.loads(read_own(path))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, RecursionError) as error:  # JSON nested too deep
            raise _damaged(path, _("it cannot be read: {error}").format(error=error)) from None
        try:
            stamp = cls._parse(data)
            return replace(stamp, written_ns=written)
        except _Damaged as error:
            raise _damaged(path, str(error)) from None

    @classmethod
    def _parse(cls, data: Any) -> Stamp:
        if not isinstance(data, dict) or not isinstance(data.get("fingerprint"), str):
            raise _Damaged(_("no fingerprint"))
        inputs = {}
        for name, value in _mapping(data, "inputs").items():
            # [size, mtime, sha256], and since 13 [… ctime, inode]
            if not (
                isinstance(value, list) and len(value) in (3, 5) and _ints(value[:2] + value[3:])
            ):
                message = _("inputs: {name} is not [size, time, sha256, ctime, inode]")
                raise _Damaged(message.format(name=repr(name)))
            inputs[name] = Seen(value[0], value[1], _text(value[2], "inputs"), *value[3:])
        outputs = {n: _text(v, "outputs") for n, v in _mapping(data, "outputs").items()}
        sizes = _mapping(data, "sizes", required=False)
        if not _ints(sizes.values()):
            raise _Damaged(_("sizes: not numbers"))
        warnings = data.get("warnings", [])
        if not isinstance(warnings, list) or not all(isinstance(w, str) for w in warnings):
            raise _Damaged(_("warnings: not a list of messages"))
        options = data.get("options", {})
        if not isinstance(options, dict):
            raise _Damaged(_("options: not a mapping"))
        return cls(data["fingerprint"], inputs, outputs, warnings, dict(sizes), options)

    def outputs_intact(self, folder: Path) -> bool:
        """Every output still there, at the size it was written (a cheap check)."""
        try:
            return all(
                (folder / name).stat().st_size == self.sizes.get(name) for name in self.outputs
            )
        except OSError:
            return False


class _Damaged(Exception):
    pass


def _damaged(path: Path, why: str) -> LettreError:
    return LettreError(
        _(
            "{path}: damaged ({why}); delete this file and build again: "
            "lettre then rebuilds the issue"
        ).format(path=path, why=why)
    )


def _mapping(data: dict[str, Any], key: str, *, required: bool = True) -> dict[str, Any]:
    """`data[key]`, a mapping whose every name stays inside its folder."""
    value = data.get(key, None if required else {})
    if not isinstance(value, dict):
        raise _Damaged(_("{key}: missing or not a mapping").format(key=key))
    for name in value:
        if not safe_name(name):
            raise _Damaged(_("{key}: {name} leaves its folder").format(key=key, name=repr(name)))
    return value


def _ints(values: Iterable[Any]) -> bool:
    return all(isinstance(v, int) and not isinstance(v, bool) for v in values)


def _text(value: Any, key: str) -> str:
    if not isinstance(value, str):
        raise _Damaged(_("{key}: a checksum is not text").format(key=key))
    return value


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
