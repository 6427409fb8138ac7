"""The hostile-input suite: every case must end in a clear error or inert output.

`make test` prints the count of cases tried and of cases that held (see the root conftest).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

AUDIT = """
import json, os, sys
repo, out, log, also = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
record = open(log, "a", buffering=1)  # opened before the hook, shared by forked children
import mimetypes, zoneinfo
python = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
python |= {entry for entry in sys.path if entry}  # '' is the current folder, not Python's
record.write(json.dumps(["python", sorted(python | set(zoneinfo.TZPATH) | set(mimetypes.knownfiles))]) + "\\n")
WRITING = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
CHANGING = {  # events that change the file system: (path, its dir_fd) argument positions
    "os.mkdir": [(0, 2)], "os.rename": [(0, 2), (1, 3)], "os.remove": [(0, 1)],
    "os.rmdir": [(0, 1)], "os.link": [(0, 2), (1, 3)], "os.symlink": [(1, 2)],
    "os.truncate": [(0, None)], "os.chmod": [(0, 2)], "os.chown": [(0, 3)],
    "os.utime": [(0, 3)], "os.mkfifo": [(0, 2)], "os.mknod": [(0, 3)],
    "shutil.rmtree": [(0, 1)],
}
def path(value, folder=None):
    \"\"\"Absolute, as the system reads it: relative to the folder of dir_fd, or to the cwd.\"\"\"
    base = os.getcwd() if folder is None else os.readlink(f"/proc/self/fd/{folder}")
    return os.path.join(base, os.fsdecode(value))  # os.path.join keeps an absolute one
def hook(event, args):
    if event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
        mode, flags = args[1] or "", args[2] or 0
        writes = bool(flags & WRITING) or any(c in mode for c in "wax+")
        record.write(json.dumps(["open", path(args[0]), "w" if writes else "r"]) + "\\n")
    elif event in CHANGING:
        for at, folder in CHANGING[event]:
            if isinstance(args[at], (str, bytes, os.PathLike)):
                fd = args[folder] if folder is not None and len(args) > folder else None
                fd = fd if isinstance(fd, int) and fd >= 0 else None
                record.write(json.dumps(["open", path(args[at], fd), "w"]) + "\\n")
    elif event == "socket.connect":
        record.write(json.dumps(["connect", repr(args[1])]) + "\\n")
sys.addaudithook(hook)
exec(also)
from lettre.cli import cli
try:
    cli(["--repo", repo, "build", "--out", out, "--jobs", "1"])
except SystemExit as end:
    record.write(json.dumps(["exit", end.code]) + "\\n")
"""


def forbidden(opened: list[tuple[str, str]], root: Path, out: Path, python: list[str]) -> list[str]:
    """Each access outside what a build needs: Python's files and the repository read-only,
    the output folder read/write, nothing else (places compared after resolving links)."""
    readable = [Path(os.path.realpath(p)) for p in [*python, root]]
    writable = [Path(os.path.realpath(out)), Path("/dev/null")]  # /dev/null holds nothing
    refused = []
    for name, access in opened:
        place = Path(os.path.realpath(name))
        allowed = writable + (readable if access == "r" else [])
        if not any(place.is_relative_to(folder) for folder in allowed):
            refused.append(f"{access} {name}")
    return refused


def audit_build(root: Path, out: Path, also: str = "") -> dict[str, Any]:
    """Build in a fresh interpreter that records every file it opens (and how), every change
    to the file system and every connection; `also` runs first, under the hook."""
    out.mkdir(parents=True, exist_ok=True)
    log = out.parent / "audit.jsonl"
    log.unlink(missing_ok=True)
    subprocess.run(
        [sys.executable, "-c", AUDIT, str(root), str(out), str(log), also],
        check=True,
        capture_output=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},  # .pyc files are Python's
        # the audit's "open" event gives no dir_fd: a name relative to one (shutil.rmtree)
        # is read relative to the current folder, so that folder is the output's
        cwd=out,
    )
    events = [json.loads(line) for line in log.read_text().splitlines()]
    accesses = [(event[1], event[2]) for event in events if event[0] == "open"]
    python = next(event[1] for event in events if event[0] == "python")
    return {
        "code": next(event[1] for event in events if event[0] == "exit"),
        "opened": [name for name, _ in accesses],
        "accesses": accesses,
        "forbidden": forbidden(accesses, root, out, python),
        "connected": [event[1] for event in events if event[0] == "connect"],
    }


def audited_build(root: Path, out: Path) -> dict[str, Any]:
    """`audit_build`, failing the test at once on any access outside what a build needs."""
    audit = audit_build(root, out)
    if audit["forbidden"]:
        pytest.fail(
            "the build reached outside its allowed places:\n" + "\n".join(audit["forbidden"])
        )
    return audit
