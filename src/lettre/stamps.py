"""What an issue's editions were made from, so that an unchanged issue is not built again.

An issue's inputs are every file of its folder (issue.yaml, its Markdown, its images),
publication.yaml, the logo, the repository's template overrides, lettre's own templates and
fonts, lettre's version and the build options. Each file is known by its SHA-256; its size
and modification time let a rebuild skip hashing a file that has not been touched (as git's
index does), so a no-op rebuild of a year of issues reads no photo at all.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

from lettre import __version__
from lettre.output import write_atomic
from lettre.repo import PUBLICATION_FILE, Repository

STAMP = ".lettre-build.json"
"""In each output folder: the inputs and outputs of the last build."""
RECORDS = ("published.json", "sent.json")
"""Files lettre writes into an issue folder; they are not inputs."""


def settings(options: dict[str, Any], number: int | None) -> dict[str, Any]:
    """What besides the files decides the output: the build options, and the issue's number,
    which may come from the issues before it."""
    return {**options, "number": number}


@dataclass(frozen=True)
class Seen:
    size: int
    mtime_ns: int
    sha256: str


def _walk(root: Path, *, hidden: bool = False) -> list[Path]:
    """Every file below `root`, links to folders followed (once each: no loop)."""
    if not root.is_dir():
        return []
    found, visited = [], set()
    for folder, subfolders, names in os.walk(root, followlinks=True):
        real = os.path.realpath(folder)
        if real in visited:
            subfolders[:] = []
            continue
        visited.add(real)
        subfolders[:] = sorted(d for d in subfolders if hidden or not d.startswith("."))
        found += [Path(folder) / n for n in sorted(names) if hidden or not n.startswith(".")]
    return [path for path in found if path.is_file()]


def input_files(repo: Repository, folder: Path, logo: str | None) -> dict[str, Path]:
    """Every file an issue's editions may depend on, by a stable name."""
    found = {f"issue/{p.relative_to(folder).as_posix()}": p for p in _walk(folder, hidden=True)}
    found = {name: path for name, path in found.items() if path.name not in RECORDS}
    found[PUBLICATION_FILE] = repo.publication_file
    if logo and (repo.root / logo).is_file():
        found[f"logo/{logo}"] = repo.root / logo
    templates = repo.root / "templates"
    found |= {f"templates/{p.relative_to(templates).as_posix()}": p for p in _walk(templates)}
    shipped = Path(str(files("lettre")))
    for part in ("templates", "fonts", "skeletons"):
        found |= {f"lettre/{p.relative_to(shipped).as_posix()}": p for p in _walk(shipped / part)}
    return found


def fingerprint(
    inputs: dict[str, Path], options: dict[str, Any], known: dict[str, Seen] | None = None
) -> tuple[str, dict[str, Seen]]:
    """One digest of all the inputs and options, and what was seen of each file."""
    seen: dict[str, Seen] = {}
    for name, path in sorted(inputs.items()):
        status = path.stat()
        before = (known or {}).get(name)
        if before and (before.size, before.mtime_ns) == (status.st_size, status.st_mtime_ns):
            seen[name] = before
        else:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            seen[name] = Seen(status.st_size, status.st_mtime_ns, digest)
    summary = json.dumps(
        {
            "lettre": __version__,
            "options": options,
            "inputs": {n: s.sha256 for n, s in seen.items()},
        },
        sort_keys=True,
    )
    return hashlib.sha256(summary.encode()).hexdigest(), seen


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

    def save(self, folder: Path) -> None:
        data = {
            "lettre": __version__,
            "fingerprint": self.fingerprint,
            "inputs": {n: [s.size, s.mtime_ns, s.sha256] for n, s in self.inputs.items()},
            "outputs": self.outputs,
            "warnings": self.warnings,
            "sizes": self.sizes,
            "options": self.options,
        }
        write_atomic(folder / STAMP, json.dumps(data, indent=1, sort_keys=True) + "\n")

    @classmethod
    def load(cls, folder: Path) -> Stamp | None:
        try:
            data = json.loads((folder / STAMP).read_text("utf-8"))
            inputs = {n: Seen(*v) for n, v in data["inputs"].items()}
            warnings, sizes = list(data.get("warnings", [])), dict(data.get("sizes", {}))
            options = dict(data.get("options", {}))
            return cls(data["fingerprint"], inputs, dict(data["outputs"]), warnings, sizes, options)
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def outputs_intact(self, folder: Path) -> bool:
        """Every output still there, at the size it was written (a cheap check)."""
        try:
            return all(
                (folder / name).stat().st_size == self.sizes.get(name) for name in self.outputs
            )
        except OSError:
            return False


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
