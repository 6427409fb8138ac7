"""Worker processes: they die with their build, write only under its lock, and a worker that
fails is reported as what happened (the limit, the signal, the bug), with the right exit status.
"""

from __future__ import annotations

import ctypes
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest

from lettre import pipeline
from lettre.build import Options
from lettre.repo import Repository
from lettre.workers import SCRATCH, Limits
from tests.conftest import DAYS, ISSUE, MINIMAL, PROJECT, Lettre, Newsletter, copies_of

WEEKS = tuple(str(date(2025, 6, 13) - timedelta(weeks=n)) for n in range(63, -1, -1))
"""64 Fridays up to the fixtures' issue: the build is killed after a few of them are built,
long before its end, however fast the machine (the build is killed, not waited for: the
issues it never reaches cost nothing)."""

ORPHANS = r"""
import ctypes, fcntl, hashlib, json, os, signal, subprocess, sys, time
root, out, after = sys.argv[1], sys.argv[2], int(sys.argv[3])
assert ctypes.CDLL(None).prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER: orphans are ours

def children(parent):
    # its workers: forks of it that started their watch thread; the engines' import runs
    # ldconfig and gcc, whose children are forks too for an instant, with one thread
    found = set()
    for name in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = open(f"/proc/{name}/stat").read()
            fork = os.readlink(f"/proc/{name}/exe") == os.readlink(f"/proc/{parent}/exe")
            fork = fork and len(os.listdir(f"/proc/{name}/task")) > 1
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent and fork:
            found.add(int(name))
    return found

def snapshot():
    files = {}
    for folder, _, names in os.walk(out):
        for name in names:
            path = os.path.join(folder, name)
            if name != ".lettre.lock":
                files[os.path.relpath(path, out)] = hashlib.sha256(open(path, "rb").read()).hexdigest()
    return files

def built():  # issues whose PDF is in the output folder: how far the build has got
    try:
        folders = [os.path.join(out, name) for name in os.listdir(out) if name[:2] == "20"]
    except OSError:
        return 0
    return sum(any(n.endswith(".pdf") for n in os.listdir(f)) for f in folders if os.path.isdir(f))

def lock_is_free(handle):
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False

def could_write(pid):  # a process that is gone, or exiting with its files closed, cannot
    try:
        return bool(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return False

build = subprocess.Popen([sys.executable, "-m", "lettre", "--repo", root, "build", "--force", "--jobs", "2", "--out", out],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
workers = set()
while not workers or built() < after:  # by the build's progress, not by the clock
    assert build.poll() is None, "the build ended before it was killed"
    workers = children(build.pid)
    time.sleep(0.002)
seen = set(workers)
while not workers - seen:  # then a worker starting its issue: the kill lands in the middle of it
    assert build.poll() is None, "the build ended before it was killed"
    seen |= workers
    workers = children(build.pid)
    time.sleep(0.002)
handle = open(os.path.join(out, ".lettre.lock"), "a+")
held = not lock_is_free(handle)
os.kill(build.pid, signal.SIGKILL)
while not lock_is_free(handle):
    time.sleep(0.001)
at_lock, writers = snapshot(), sorted(p for p in workers if could_write(p))
ends = {}
while True:
    try:
        pid, status = os.waitpid(-1, 0)
    except ChildProcessError:
        break
    ends[pid] = os.waitstatus_to_exitcode(status)
time.sleep(1)
print(json.dumps({"workers": sorted(workers), "held": held, "writers_at_lock": writers,
                  # a child the build reaped itself before it died (a short-lived image check)
                  # was no worker: only those left to us count
                  "ends": {str(p): ends[p] for p in workers if p in ends},
                  "changed": at_lock != snapshot()}))
"""


def year(newsletter: Newsletter, days: tuple[str, ...] = DAYS) -> Path:
    return copies_of(newsletter(), days)


@pytest.mark.parametrize("after", [0, 1, 6])
def test_kill_9_of_the_build_kills_its_workers_and_nothing_is_written_after(
    newsletter: Newsletter, tmp_path: Path, after: int
) -> None:
    """kill -9 of `lettre build` alone (not its group), once its workers run and `after`
    issues are built, as a worker starts its issue: every worker dies of it, at once (none
    ends its issue), the lock stays taken until no worker can write, and no file changes.
    (By the build's progress: killed 2 s after its first worker, a build of 64 issues once
    ended first on a fast machine; killed as its first issue was built, both workers once
    ended theirs in that instant, the two issues alike.)"""
    root = year(newsletter, WEEKS)  # 64 issues, 2 at a time: killed long before its end
    run = subprocess.run(
        [sys.executable, "-c", ORPHANS, str(root), str(tmp_path / "dist"), str(after)],
        capture_output=True, text=True, cwd=PROJECT, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout)
    assert seen["workers"] and seen["held"]
    assert seen["writers_at_lock"] == []  # the lock was free only once no worker could write
    # every worker alive at the kill dies of it (-9); one may have ended its issue (0) in the
    # instant between the last look at the workers and the kill: that is no write after it,
    # which the snapshot below proves
    ends = set(seen["ends"].values())
    assert -9 in ends and ends <= {-9, 0}, seen["ends"]
    assert list(seen["ends"].values()).count(0) <= 1, seen["ends"]
    assert not seen["changed"]


def crash(*args: object) -> object:
    ctypes.string_at(0)  # a real segmentation fault, as in C or Rust code
    raise AssertionError("unreachable")


def bug(*args: object) -> object:
    return 1 / 0


@pytest.mark.provoked_bug
def test_a_worker_that_crashes_is_told_with_its_signal_and_exits_3(
    newsletter: Newsletter, lettre: Lettre, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = newsletter()
    monkeypatch.setattr(pipeline, "make_editions", crash)
    result = lettre("build", repo=root)
    assert result.exit_code == 3
    [line] = [line for line in result.stderr.splitlines() if "failed:" in line]
    assert line.startswith(
        "bulletins/2025-06-13: failed: the build crashed: SIGSEGV (Segmentation fault) in _made "
        "(pipeline.py:"
    )
    assert line.endswith("MB of its 3072 MB (--memory), so not for lack of memory")
    assert result.stderr.endswith(
        "Error: internal error while building 2025-06-13\n"
        "This is a bug in lettre; run again with --debug for the details and report it.\n"
    )
    debug = lettre("--debug", "build", repo=root)
    assert debug.exit_code == 3
    assert "Fatal Python error: Segmentation fault" in debug.stderr
    assert "in _made\n" in debug.stderr and "report it with the details above." in debug.stderr


HOARD_AND_CRASH = """
import ctypes, sys
from lettre import pipeline
from lettre.cli import cli

def hoard_and_crash(*args):
    hoard = b"x" * (250 * 1024 * 1024)  # resident: every page written
    ctypes.string_at(0)

pipeline.make_editions = hoard_and_crash
cli(sys.argv[1:], prog_name="lettre")
"""


def test_a_crash_at_the_memory_limit_is_told_as_memory(newsletter: Newsletter) -> None:
    """A fresh `lettre build` (small, as a user runs it), whose worker crashes near --memory
    (500 MB: the worker starts with the engines mapped, about 100 MB of address space)."""
    root = newsletter()
    run = subprocess.run(
        [sys.executable, "-c", HOARD_AND_CRASH, "--repo", str(root), "build", "--memory", "500"],
        capture_output=True, text=True, cwd=PROJECT, env={**os.environ, "NO_COLOR": "1"},
    )  # fmt: skip
    assert run.returncode == 1, run.stderr
    assert "bulletins/2025-06-13: failed: the build was killed by SIGSEGV (Segmentation fault)" in (
        run.stderr
    )
    assert "MB of its 500 MB (--memory): over its memory limit, most likely" in run.stderr


@pytest.mark.provoked_bug
def test_a_bug_in_a_worker_exits_3_and_debug_shows_its_traceback(
    newsletter: Newsletter, lettre: Lettre, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = year(newsletter)
    broken = root / "bulletins/2025-05-30/issue.yaml"
    broken.write_text(broken.read_text().replace("summary: Un résumé court.", "sumary: x"))
    only_content = lettre("build", root / "bulletins/2025-05-30", repo=root)
    assert only_content.exit_code == 1 and "internal error" not in only_content.stderr

    monkeypatch.setattr(pipeline, "make_editions", bug)
    result = lettre("build", repo=root)
    assert result.exit_code == 3
    assert "bulletins/2025-05-30: failed: the issue has errors" in result.stderr
    assert (
        "bulletins/2025-06-13: failed: internal error: ZeroDivisionError: division by zero"
        in result.stderr
    )
    assert "Traceback" not in result.stderr
    assert result.stderr.endswith(
        "Error: internal error while building 2025-06-06, 2025-06-13\n"
        "This is a bug in lettre; run again with --debug for the details and report it.\n"
    )
    debug = lettre("--debug", "build", root / "bulletins/2025-06-13", repo=root)
    assert debug.exit_code == 3
    assert "Traceback (most recent call last):" in debug.stderr
    assert "in bug\n    return 1 / 0\n" in debug.stderr

    published = lettre("publish", root / "bulletins/2025-06-13", repo=root)
    assert published.exit_code == 3 and not (root / "bulletins/2025-06-13/published.json").exists()


def test_a_stuck_worker_is_stopped_by_the_clock_and_called_a_bug(
    newsletter: Newsletter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CPU time never stops a worker that waits; the wall-clock bound does."""

    class Quick(Limits):
        stuck_after = 1.5  # type: ignore[assignment]

    def hang(*args: object) -> object:
        import time

        time.sleep(3600)
        raise AssertionError("unreachable")

    root = newsletter()
    monkeypatch.setattr(pipeline, "make_editions", hang)
    folder, out = root / "bulletins/2025-06-13", root / "dist"
    [outcome] = pipeline.build_all(Repository(root), [folder], out, Options(), limits=Quick())
    assert outcome.status == "failed" and outcome.internal
    assert outcome.error is not None and outcome.error.startswith("stopped after 2 s, having")
    assert outcome.error.endswith("s: it was stuck, which is a bug in lettre")


def test_no_temporary_folder_is_left_even_by_a_worker_stopped_by_the_timeout(
    newsletter: Newsletter, lettre: Lettre, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """WeasyPrint's fonts folder (weasyprint-*) and any other temporary file of a worker."""
    mine = tmp_path / "tmp"
    mine.mkdir()
    monkeypatch.setenv("TMPDIR", str(mine))
    monkeypatch.setattr(tempfile, "tempdir", str(mine))
    root = year(newsletter)
    assert lettre("build", repo=root).exit_code == 0
    assert list(mine.iterdir()) == []
    assert not list((root / "dist").glob(f"{SCRATCH}*"))

    def spin(*args: object) -> object:
        Path(tempfile.mkdtemp(prefix="weasyprint-"), "font").write_bytes(b"x" * 1000)
        while True:
            pass

    monkeypatch.setattr(pipeline, "make_editions", spin)
    result = lettre("build", "--force", "--timeout", "1", repo=root)
    assert result.exit_code == 1
    assert result.stderr.count("failed: stopped after 1 s of computing (--timeout)") == 3
    assert list(mine.iterdir()) == []
    assert not list((root / "dist").glob(f"{SCRATCH}*"))


def test_a_scratch_folder_left_by_a_killed_build_is_removed_by_the_next(
    newsletter: Newsletter, lettre: Lettre
) -> None:
    root = newsletter()
    assert lettre("build", repo=root).exit_code == 0  # dist/ is lettre's (see output.claim)
    left = root / f"dist/{SCRATCH}abc123/456"
    left.mkdir(parents=True)
    (left / "crash").write_text("")
    assert lettre("build", "--force", repo=root).exit_code == 0
    assert not list((root / "dist").glob(f"{SCRATCH}*"))


def test_markdown_nested_10000_deep_is_never_blamed_on_memory(
    newsletter: Newsletter, lettre: Lettre
) -> None:
    """It would crash MRML (a stack overflow): the content check refuses it at its line."""
    body = "*a " * 10_000 + "x" + " b*" * 10_000
    text = (MINIMAL / ISSUE).read_text().replace("Le texte de l'article.", f"'{body}'")
    result = lettre("build", repo=newsletter({ISSUE: text}))
    assert "memory limit" not in result.stderr and "Traceback" not in result.stderr
    assert result.exit_code == 1
    assert "bulletins/2025-06-13/issue.yaml:11:" in result.stderr
    assert "emphasis or links nested more than 50 levels deep" in result.stderr


def out_of_memory(job: object) -> object:
    raise MemoryError  # as when memory runs out while the build tells its own failure


def test_memory_that_runs_out_outside_the_build_s_own_handling_is_told_as_memory(
    newsletter: Newsletter, lettre: Lettre, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "run", out_of_memory)
    result = lettre("build", repo=newsletter())
    assert result.exit_code == 1, result.stderr
    assert "bulletins/2025-06-13: failed: the build needed more memory than its limit" in (
        result.stderr
    )
    assert "internal error" not in result.stderr


def test_a_worker_leaves_the_build_s_objects_out_of_its_collections(tmp_path: Path) -> None:
    """A worker's garbage collections do not walk the objects of the build it is forked from
    (the engines, imported and warmed): walking them would copy every memory page it shares
    with the build. The build's own are collected again once the worker is forked."""
    import gc

    counts = _each_in_a_worker([1, 2], lambda job: gc.get_freeze_count(), tmp_path)
    assert len(counts) == 2 and min(counts) > 1000, counts
    assert gc.get_freeze_count() == 0


def _descend(depth: int) -> int:
    return _descend(depth - 1) if depth else 0


def _faults_going_up_and_down(_job: int) -> int:
    """In a worker: the page faults of a recursion 300 deep (about 30 KB of Python frames),
    made 2,000 times."""
    import resource

    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(2000):
        _descend(300)
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before


def test_a_worker_s_python_frames_do_not_map_their_stack_again_and_again(tmp_path: Path) -> None:
    """A worker's frames go up and down without their memory mapped, faulted in and unmapped
    each time (workers.on_one_stack_chunk): CPython's chunks of 16 KB made WeasyPrint's deep
    layout do so thousands of times an issue. This work faults 12,000 pages in without it
    (CPython 3.11), 40 with it; a count, not a time."""
    [faults] = _each_in_a_worker([0], _faults_going_up_and_down, tmp_path)
    assert 0 <= faults < 200, faults


def _each_in_a_worker(jobs: list[int], work: Callable[[int], int], tmp_path: Path) -> list[int]:
    """`work(job)` for each of `jobs`, each in a worker of its own, one at a time (as a build
    runs them: workers.run_isolated, under an output folder's lock); -1 for a worker lost."""
    import fcntl

    from lettre.workers import run_isolated

    out = tmp_path / "out"
    out.mkdir()
    lock = os.open(out / ".lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(lock, fcntl.LOCK_EX)
    try:
        return run_isolated(
            jobs, work, lambda job, failure: -1, lambda result: None,
            workers=1, limits=Limits(), lock=lock, out=out,
        )  # fmt: skip
    finally:
        os.close(lock)
