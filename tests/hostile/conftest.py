"""The hostile-input suite: every case must end in a clear error or inert output.

Each hostile test is classified by what lettre did during it, without the test having to
say so: every run of lettre it makes is recorded (the CliRunner, `subprocess` with a
lettre command, the audited build, a preview's HTTP answer), and so is every located error
lettre makes in-process (a Problem, a LettreError).

- clear error: a run ended with exit status 1 or 2 and a message on stderr that names
  a place (file, line, option) with no traceback; or, for a test that calls lettre's
  functions directly, lettre reported an error;
- inert output: every run ended with exit status 0 and no traceback (the test itself
  asserts what the outputs hold); or, called directly, lettre reported nothing;
- neither: any run with another exit status (3: internal error), a traceback, or an
  exception out of the command. The test then fails, whatever it asserted.

The root conftest prints both counts and the total after the run (`make test`).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
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
        if name == "/proc/self/status" and access == "r":  # a worker notes its own peak memory
            continue
        place = Path(os.path.realpath(name))
        allowed = writable + (readable if access == "r" else [])
        if not any(place.is_relative_to(folder) for folder in allowed):
            refused.append(f"{access} {name}")
    return refused


LOCATED = re.compile(r"[\w.-]*[/.]\w+(:\d+)*|--\w[\w-]*|\bline \d+|'[^']+'|(?<![\w.])/(?=: )")
"""A place in a message: a path or file name (with :line:col), an option, a quoted name,
the root folder ("/: …")."""

PROVOKED = "provoked_bug"
"""The marker of a test that puts a bug into lettre on purpose (a worker that raises or
crashes) to see it handled: exit 3 with "This is a bug in lettre" is then the clear error."""


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{PROVOKED}: the test puts a bug into lettre on purpose")


@dataclass
class Run:
    """One run of lettre during a hostile test, and what it ended in."""

    code: int | None
    message: str = ""
    broken: str = ""
    """Why the run ended in neither a clear error nor inert output; empty when it did."""

    @property
    def kind(self) -> str:
        if self.broken:
            return "neither"
        if self.code == 0:
            return "inert output"
        return "clear error"


EXPECTED = {"bug": False, "debug": False}
"""For the current test: whether it provokes a bug (see PROVOKED); for the current run:
whether it was given --debug, whose tracebacks are what the user asked for."""
RUNS: list[Run] = []
"""The runs of the current test; see `record`."""
ERRORS: list[str] = []
"""The errors lettre made in-process during the current test (Problems, LettreErrors)."""


def record(code: int | None, message: str = "", exception: BaseException | None = None) -> Run:
    """Record one run of lettre: its exit status and what it printed on stderr."""
    if code is None and exception is None:  # still running, or stopped by the test itself
        return Run(None)
    run = Run(code, message)
    bug = EXPECTED["bug"] and code == 3 and "This is a bug in lettre" in message
    traceback = "Traceback (most recent call last)" in message and not EXPECTED["debug"]
    if exception is not None and not isinstance(exception, SystemExit):
        run.broken = f"{type(exception).__name__} out of the command: {exception}"
    elif (traceback or "internal error" in message.lower()) and not bug:
        run.broken = f"exit {code} with a traceback or an internal error:\n{message[-2000:]}"
    elif code in (1, 2) and not LOCATED.search(message):
        run.broken = f"exit {code} without a message that names a place: {message!r}"
    elif code not in (0, 1, 2) and not bug:
        run.broken = f"exit {code}:\n{message[-2000:]}"
    RUNS.append(run)
    return run


def answered(status: int, target: bytes | str) -> None:
    """Record one answer of the preview's server: 4xx is a clear error, 2xx inert."""
    code = 0 if status < 400 else 1 if status < 500 else 3
    record(code, f"HTTP {status} for {target!r}" if code else "")


def verdict() -> tuple[str, str]:
    """The current test's kind, and why when it is neither."""
    broken = [run.broken for run in RUNS if run.broken]
    if broken:
        return "neither", "\n".join(broken)
    kinds = {run.kind for run in RUNS}
    if "clear error" in kinds:
        return "clear error", ""
    if kinds:
        return "inert output", ""
    return ("clear error" if ERRORS else "inert output"), ""


def _is_lettre(args: Any) -> bool:
    words = [os.fsdecode(a) for a in args] if isinstance(args, (list, tuple)) else [str(args)]
    if AUDIT in words:  # audit_build records its own outcome, read from its log
        return False
    return any(
        Path(word).name == "lettre" or "lettre.cli" in word or word == "lettre" for word in words
    )


class RecordedPopen(subprocess.Popen):  # type: ignore[type-arg]
    """subprocess.Popen (and so subprocess.run) that records the lettre runs it makes."""

    def __init__(self, args: Any, *rest: Any, **options: Any) -> None:
        super().__init__(args, *rest, **options)
        self.lettre, self.said = _is_lettre(args), ""
        if self.lettre:
            STARTED.append(self)

    def communicate(self, *args: Any, **kwargs: Any) -> Any:
        out, err = super().communicate(*args, **kwargs)
        if isinstance(err, (str, bytes)):
            self.said = err if isinstance(err, str) else err.decode(errors="replace")
        return out, err


STARTED: list[RecordedPopen] = []


@pytest.fixture(autouse=True)
def _record_lettre_runs(
    monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[None]:
    """Every run of lettre a hostile test makes, recorded for its verdict (see above)."""
    from click.testing import CliRunner

    from lettre.errors import LettreError, Problem

    for recorded in (RUNS, ERRORS, STARTED):
        recorded.clear()
    EXPECTED["bug"] = request.node.get_closest_marker(PROVOKED) is not None
    invoke = CliRunner.invoke

    def recorded_invoke(self: CliRunner, *args: Any, **kwargs: Any) -> Any:
        try:
            result = invoke(self, *args, **kwargs)
        except BaseException as error:
            record(None, "", error)
            raise
        words = args[1] if len(args) > 1 else kwargs.get("args") or []
        EXPECTED["debug"] = "--debug" in [str(word) for word in words]
        record(result.exit_code, result.stderr, result.exception)
        EXPECTED["debug"] = False
        return result

    problem, lettre_error = Problem.__init__, LettreError.__init__

    def made_problem(self: Problem, *args: Any, **kwargs: Any) -> None:
        problem(self, *args, **kwargs)
        if self.is_error and self.file:
            ERRORS.append(str(self))

    def made_error(self: LettreError, *args: Any, **kwargs: Any) -> None:
        lettre_error(self, *args, **kwargs)
        ERRORS.append(self.format_message())

    monkeypatch.setattr(CliRunner, "invoke", recorded_invoke)
    monkeypatch.setattr(subprocess, "Popen", RecordedPopen)
    monkeypatch.setattr(Problem, "__init__", made_problem)
    monkeypatch.setattr(LettreError, "__init__", made_error)
    yield
    for process in STARTED:
        code = process.poll()
        record(code if code is None or code >= 0 else None, process.said)


CALL_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A passing hostile test that ended in neither fails; each carries its kind."""
    report = yield
    if call.when == "call":
        item.stash[CALL_FAILED] = report.failed
    if call.when == "teardown":
        kind, why = verdict()
        if item.stash.get(CALL_FAILED, True):  # failed (or never ran): counted as failed
            kind = "failed"
        report.user_properties.append(("hostile", kind))
        if kind == "neither" and report.passed:
            report.outcome = "failed"
            report.longrepr = (
                f"hostile case ended in neither a clear error nor inert output:\n{why}"
            )
    return report


def audit_build(root: Path, out: Path, also: str = "") -> dict[str, Any]:
    """Build in a fresh interpreter that records every file it opens (and how), every change
    to the file system and every connection; `also` runs first, under the hook."""
    out.mkdir(parents=True, exist_ok=True)
    log = out.parent / "audit.jsonl"
    log.unlink(missing_ok=True)
    run = subprocess.run(
        [sys.executable, "-c", AUDIT, str(root), str(out), str(log), also],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},  # .pyc files are Python's
        # the audit's "open" event gives no dir_fd: a name relative to one (shutil.rmtree)
        # is read relative to the current folder, so that folder is the output's
        cwd=out,
    )
    events = [json.loads(line) for line in log.read_text().splitlines()]
    accesses = [(event[1], event[2]) for event in events if event[0] == "open"]
    python = next(event[1] for event in events if event[0] == "python")
    code = next(event[1] for event in events if event[0] == "exit")
    record(code, run.stderr)
    return {
        "code": code,
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
