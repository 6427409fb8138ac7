"""The hostile-input suite: every case must end in a clear error or inert output.

`make test` prints the count of cases tried and of cases that held (see the root conftest).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

AUDIT = """
import json, os, sys
repo, out, log = sys.argv[1], sys.argv[2], sys.argv[3]
record = open(log, "a", buffering=1)  # opened before the hook, shared by forked children
def hook(event, args):
    if event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
        record.write(json.dumps(["open", os.fsdecode(args[0])]) + "\\n")
    elif event == "socket.connect":
        record.write(json.dumps(["connect", repr(args[1])]) + "\\n")
sys.addaudithook(hook)
from lettre.cli import cli
try:
    cli(["--repo", repo, "build", "--out", out, "--jobs", "1"])
except SystemExit as end:
    record.write(json.dumps(["exit", end.code]) + "\\n")
"""


def audited_build(root: Path, out: Path) -> dict[str, Any]:
    """Build in a fresh interpreter that records every file it opens and every connection."""
    out.parent.mkdir(parents=True, exist_ok=True)
    log = out.parent / "audit.jsonl"
    subprocess.run(
        [sys.executable, "-c", AUDIT, str(root), str(out), str(log)],
        check=True,
        capture_output=True,
    )
    events = [json.loads(line) for line in log.read_text().splitlines()]
    return {
        "code": next(value for kind, value in events if kind == "exit"),
        "opened": [value for kind, value in events if kind == "open"],
        "connected": [value for kind, value in events if kind == "connect"],
    }
