"""Each issue's build in a process of its own: bounded, told as it ended, never outliving the build.

A worker is forked from the build, which imported the engines first (see
`pipeline.warm_engines`): it starts with WeasyPrint, MJML, Pillow and Jinja loaded, their
pages shared with the build, and pays no import. And it:

- dies with the build: the kernel kills it (PR_SET_PDEATHSIG) when the build dies, even of
  kill -9, so no worker goes on writing after its build is gone;
- keeps the output folder's lock: an flock belongs to the open file, which the worker shares,
  so a second build can take the folder only once every worker of this one is dead;
- computes at most `Limits.seconds` (CPU time, RLIMIT_CPU, which the kernel enforces: a busy
  machine makes an issue slower, never a failure) and maps at most `Limits.memory_mb` (RLIMIT_AS);
- keeps its temporary files (WeasyPrint's fonts…) in a folder of its own inside the output
  folder, removed when it ends, however it ends; a build killed with -9 leaves it to the next.

A worker that gives no result is reported as what is known: the limit it hit, the signal that
ended it and where (the Python stack faulthandler wrote), or its exit status.
"""

from __future__ import annotations

import contextlib
import errno
import faulthandler
import fcntl
import gc
import logging
import math
import os
import re
import resource
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Generic, NoReturn, TypeVar, cast

if TYPE_CHECKING:  # multiprocessing and ctypes are imported when a worker starts: a no-op
    from multiprocessing.connection import Connection  # rebuild needs neither

from lettre.messages import _

log = logging.getLogger(__name__)

J = TypeVar("J")
R = TypeVar("R")

SCRATCH = ".lettre-work-"
"""Prefix of the folder, inside the output folder, of one build's temporary files."""
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


@dataclass(frozen=True)
class Limits:
    """What one issue's build may use before it is stopped (hostile or absurd content)."""

    seconds: float = 300
    """CPU time (rounded up to a whole second): the same content stops at the same point on
    an idle machine and on a busy one."""
    memory_mb: int = 3072
    """Address space, not resident memory: libraries alone map a few hundred MB."""

    @property
    def stuck_after(self) -> float:
        """Wall-clock seconds after which a worker is stopped whatever it computed: one that
        waits instead of computing is stuck (a bug), and CPU time would never stop it."""
        return self.seconds * 5 + 60


@dataclass(frozen=True)
class Failure:
    """Why a worker gave no result."""

    message: str
    internal: bool
    """True when it is lettre's bug (a crash, a hang), not what the content asked for."""
    details: str = ""
    """What the worker left: the Python stack where it crashed, for --debug."""


@dataclass
class _Worker(Generic[J]):
    pid: int
    job: J
    results: Connection
    folder: Path
    """Its temporary folder (TMPDIR), and the file faulthandler writes a crash into."""
    started: float


def remove_stale_scratch(out: Path) -> None:
    """Scratch folders a build killed with -9 left in `out` (the caller holds its lock)."""
    for stale in out.glob(f"{SCRATCH}*"):
        if stale.is_dir() and not stale.is_symlink():
            shutil.rmtree(stale, ignore_errors=True)


def run_isolated(
    todo: list[J],
    work: Callable[[J], R],
    lost: Callable[[J, Failure], R],
    done: Callable[[R], None],
    *,
    workers: int,
    limits: Limits,
    lock: int,
    out: Path,
) -> list[R]:
    """`work(job)` for each job in its own process, `workers` at a time, within `limits`.

    `lost(job, failure)` stands for the result of a worker that gave none; `done` is called
    as each job ends. `lock` is the descriptor of out's lock, which every worker keeps.
    Called from the single thread that holds the lock; returns once every worker is dead.
    """
    if not todo:
        return []
    from multiprocessing.connection import wait

    scratch = Path(tempfile.mkdtemp(prefix=SCRATCH, dir=out))
    pending, results = list(todo), list[R]()
    running: dict[Connection, _Worker[J]] = {}
    try:
        while pending or running:
            while pending and len(running) < workers:
                worker = _start(pending.pop(0), work, limits, lock, scratch)
                running[worker.results] = worker
            deadline = min(w.started for w in running.values()) + limits.stuck_after
            for ready in wait(list(running), timeout=max(0.0, deadline - time.monotonic())):
                results.append(_end(running.pop(cast("Connection", ready)), lost, limits))
                done(results[-1])
            for stuck in [w for w in running.values() if _stuck(w, limits)]:
                del running[stuck.results]
                results.append(_end(stuck, lost, limits, stuck=True))
                done(results[-1])
    finally:  # Ctrl-C, or an error in `done`: no worker outlives its build, nor keeps the lock
        for worker in running.values():
            os.kill(worker.pid, signal.SIGKILL)
            os.waitpid(worker.pid, 0)
        shutil.rmtree(scratch, ignore_errors=True)
    return results


class Meanwhile:
    """A process started by `meanwhile`."""

    def __init__(self, worker: _Worker[None], scratch: Path) -> None:
        self._worker, self._scratch = worker, scratch

    @property
    def folder(self) -> Path:
        """Its temporary folder (TMPDIR), where it may leave files for its caller to read
        before `stop`, which removes it."""
        return self._worker.folder

    def stop(self) -> None:
        """End it: at once, killed, if it is still at work (what it made so far is kept)."""
        if not self._worker.results.poll():
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._worker.pid, signal.SIGKILL)
        self._worker.results.close()
        os.waitpid(self._worker.pid, 0)
        shutil.rmtree(self._scratch, ignore_errors=True)


def meanwhile(work: Callable[[], None], *, limits: Limits, lock: int, out: Path) -> Meanwhile:
    """Start `work()` in a process of its own, like a worker (its limits, the lock, its
    temporary files in `out`, its death with the build), beside what the caller does now.
    What it makes is only what it leaves in lettre's caches (written atomically) and in its
    folder: work done ahead of time that the workers would do anyway, never anything they
    rely on."""
    scratch = Path(tempfile.mkdtemp(prefix=SCRATCH, dir=out))
    return Meanwhile(_start(None, lambda _job: work(), limits, lock, scratch), scratch)


def _start(job: J, work: Callable[[J], R], limits: Limits, lock: int, scratch: Path) -> _Worker[J]:
    from multiprocessing import Pipe

    receive, send = Pipe(duplex=False)
    folder = Path(tempfile.mkdtemp(dir=scratch))
    parent = os.getpid()
    # the objects made so far (the engines, imported and warmed) left out of the worker's
    # garbage collections: walking them would copy every page it shares with the build
    gc.freeze()
    try:
        pid = os.fork()
    except BaseException:
        gc.unfreeze()
        raise
    if pid == 0:
        receive.close()
        _worker(job, work, send, limits, folder, (parent, lock))
    gc.unfreeze()  # the build's own: a preview runs for hours, its garbage still collected
    send.close()
    return _Worker(pid, job, receive, folder, time.monotonic())


def _worker(
    job: J,
    work: Callable[[J], R],
    send: Connection,
    limits: Limits,
    folder: Path,
    build: tuple[int, int],
) -> NoReturn:
    """The worker's whole life: `build` is the build's pid and its lock's descriptor."""
    status = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the build's to handle
        die_with(build[0])
        collect_seldom()
        # the lock is this build's open file, shared: re-taking it is a no-op, and fails if
        # the lock were another's; it stays held while this worker lives
        fcntl.flock(build[1], fcntl.LOCK_EX | fcntl.LOCK_NB)
        _confine(limits, folder)
        send.send(on_one_stack_chunk(work, job))
        send.close()
        status = 0
    except BaseException as error:
        # memory can run out after `work` gave up too: while it told its own failure, or
        # while its result was sent
        status = OUT_OF_MEMORY if out_of_memory(error) else 1
        with contextlib.suppress(BaseException):
            traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(status)  # never the build's atexit handlers, nor its finally blocks


FRAME_STACK_SLOTS = 140_000
"""Slots (8 bytes each) of the frame `on_one_stack_chunk` runs in: CPython then maps a chunk
of 2 MB for it, whose last 0.87 MB holds every frame called from it (thousands deep). Not
below 131,000: the chunk is 16 KB doubled until it holds the frame and 1,000 slots more, so
130,000 slots would get 1 MB, with 40 KB to spare."""


def on_one_stack_chunk(work: Callable[[J], R], job: J) -> R:
    """`work(job)`, every Python frame it calls in one chunk of the interpreter's frame stack.

    CPython (3.11) keeps Python's frames in chunks of 16 KB, each one mapped (mmap) when the
    stack outgrows the last and unmapped as soon as it shrinks back under it, its pages
    given back: WeasyPrint's layout, deeply recursive, went back and forth across such a
    boundary all the time, 3,000 to 4,000 of a worker's 22,000 page faults (measured: 5 % of
    an issue's time, in the kernel). A frame too big for the current chunk is given a chunk
    of its own, 16 KB doubled until it holds the frame: this function's frame, made big on
    purpose (its code's stack size, FRAME_STACK_SLOTS, never used by its own instructions),
    has a chunk of 2 MB whose rest holds every frame `work` calls, mapped once (measured on
    CPython 3.11, 3.12 and 3.13). Elsewhere (another interpreter, another layout of its
    frames) it is only a call. A frame object made for it (an exception passing through,
    a tracer) copies its slots: 1.1 MB, once."""
    return work(job)


on_one_stack_chunk.__code__ = on_one_stack_chunk.__code__.replace(co_stacksize=FRAME_STACK_SLOTS)


OUT_OF_MEMORY = 86
"""A worker's exit status when memory ran out outside what `work` could report."""


def out_of_memory(error: BaseException) -> bool:
    """An allocation that failed: MemoryError, or, under a memory limit (RLIMIT_AS), from C
    code a SystemError, ENOMEM or EAGAIN, or a thread that could not start."""
    if isinstance(error, MemoryError):
        return True
    if resource.getrlimit(resource.RLIMIT_AS)[0] == resource.RLIM_INFINITY:
        return False
    return (
        isinstance(error, SystemError)
        or (isinstance(error, OSError) and error.errno in (errno.ENOMEM, errno.EAGAIN))
        or (isinstance(error, RuntimeError) and "thread" in str(error))
    )


YOUNG_OBJECTS = 100_000
"""How many objects a worker allocates (net) before Python's cyclic garbage collector looks
at the young ones: 700 by default."""


def collect_seldom() -> None:
    """In a worker, the cyclic garbage collector run less often: a layout makes about 70,000
    objects that live until the issue is built, which Python's default looked at a hundred
    times over, and once all of them (a full collection): 3 % of an issue's time (measured;
    20,000 saved 2 %). The garbage in cycles is still collected, every YOUNG_OBJECTS
    allocations: a worker holds 3 to 4 MB more at its peak."""
    gc.set_threshold(YOUNG_OBJECTS, *gc.get_threshold()[1:])


M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # from glibc's <malloc.h>
KEPT_BYTES = 32 * 1024 * 1024
"""What glibc's malloc keeps of the memory an issue's build frees, for its next allocations:
an allocation under a quarter of it comes from the heap, not a mapping of its own."""


def keep_freed_memory() -> None:
    """Have glibc's malloc, in this process and the workers forked from it, keep the memory
    freed for the next allocations instead of giving it back to the kernel at once. By
    default each allocation over 128 KB to 32 MB (a decoded photo, a Pango or Pillow
    buffer) is a mapping of its own, unmapped when freed, and the heap is given back past
    twice that: the next allocation faults its pages in again, zeroed by the kernel. That
    was 40 % of a year's page faults and 8 % of its time (measured). In exchange a worker
    may hold up to about 32 MB it no longer uses. With another C library (musl's malloc
    takes no such setting), nothing is changed."""
    if sys.platform != "linux" or not _glibc():
        return
    import ctypes

    mallopt = ctypes.CDLL(None).mallopt
    if not (mallopt(M_MMAP_THRESHOLD, KEPT_BYTES // 4) and mallopt(M_TRIM_THRESHOLD, KEPT_BYTES)):
        log.debug("malloc's thresholds not set: freed memory is given back at once")


def _glibc() -> str | None:
    """glibc's version, when this process runs on it."""
    try:
        return os.confstr("CS_GNU_LIBC_VERSION")
    except (ValueError, OSError):
        return None


def die_with(parent: int) -> None:
    """Have the kernel kill this process (a worker, a decoding child) when its `parent`
    dies, even of kill -9."""
    if sys.platform == "linux":
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    else:  # no such call: watch for the build's end instead
        threading.Thread(target=_orphaned, args=(parent,), daemon=True).start()
    if os.getppid() != parent:  # it died before the call above took effect
        os._exit(1)


def _orphaned(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.1)
    os.kill(os.getpid(), signal.SIGKILL)


_crash_log: list[IO[Any]] = []  # faulthandler writes into it: kept open for the worker's life


def _confine(limits: Limits, folder: Path) -> None:
    # at the soft limit the kernel ends it with SIGXCPU, which says why; SIGKILL a bit later
    # if that signal were caught
    seconds = math.ceil(limits.seconds)
    _lower(resource.RLIMIT_CPU, seconds, seconds + 2)
    _lower(resource.RLIMIT_AS, limits.memory_mb * 1024 * 1024)
    _lower(resource.RLIMIT_CORE, 0)  # a crash or SIGXCPU leaves no core file in the user's folder
    os.environ["TMPDIR"] = tempfile.tempdir = str(folder)
    _crash_log.append((folder / "crash").open("w", encoding="utf-8"))
    faulthandler.enable(_crash_log[-1])
    if Path("/proc/self/status").exists():
        threading.stack_size(256 * 1024)  # its stack counts in the address space watched
        threading.Thread(target=_note_address_space, args=(folder,), daemon=True).start()


def _note_address_space(folder: Path) -> None:
    """Keep the worker's peak address space (VmPeak) in `folder`, for the build to read if
    the worker dies: a library that fails to map memory under RLIMIT_AS often dies of a
    signal (GLib: SIGTRAP) long before its resident memory looks large."""
    descriptor = os.open(folder / "address-space", os.O_WRONLY | os.O_CREAT, 0o600)
    while True:
        with contextlib.suppress(OSError, ValueError):
            status = Path("/proc/self/status").read_text()
            found = re.search(r"^VmPeak:\s+(\d+) kB", status, re.MULTILINE)
            if found:
                os.pwrite(descriptor, f"{int(found.group(1)):>14}".encode(), 0)
        time.sleep(0.05)


def _lower(which: int, soft: int, hard: int | None = None) -> None:
    """Lower a limit (never raise it: a non-root process could not)."""
    ceiling = resource.getrlimit(which)[1]
    hard = soft if hard is None else hard
    if ceiling != resource.RLIM_INFINITY:
        soft, hard = min(soft, ceiling), min(hard, ceiling)
    resource.setrlimit(which, (soft, hard))


def _stuck(worker: _Worker[J], limits: Limits) -> bool:
    return time.monotonic() - worker.started >= limits.stuck_after


def _end(
    worker: _Worker[J], lost: Callable[[J, Failure], R], limits: Limits, *, stuck: bool = False
) -> R:
    """The worker's result, once it is dead and its temporary folder removed."""
    if stuck:
        os.kill(worker.pid, signal.SIGKILL)
    try:
        result: R | None = worker.results.recv()
    except (EOFError, OSError):  # it died without a result (or before it was whole)
        result = None
    worker.results.close()
    _pid, status, usage = os.wait4(worker.pid, 0)
    if result is None:
        crash = (worker.folder / "crash").read_text(encoding="utf-8", errors="replace")
        mapped = _address_space(worker.folder)
        result = lost(worker.job, _failure(status, usage, limits, crash, stuck, mapped))
    shutil.rmtree(worker.folder, ignore_errors=True)
    return result


def _address_space(folder: Path) -> int:
    """The dead worker's peak address space in MB, as it last noted it (0 if unknown)."""
    try:
        return int((folder / "address-space").read_text().strip() or 0) // 1024
    except (OSError, ValueError):
        return 0


def _failure(
    status: int,
    usage: resource.struct_rusage,
    limits: Limits,
    crash: str,
    stuck: bool,
    mapped: int = 0,
) -> Failure:
    code = os.waitstatus_to_exitcode(status)
    computed = usage.ru_utime + usage.ru_stime
    peak = usage.ru_maxrss // 1024  # kB on Linux
    if stuck:
        return Failure(
            _(
                "stopped after {seconds} s, having computed only {computed} s: "
                "it was stuck, which is a bug in lettre"
            ).format(seconds=f"{limits.stuck_after:.0f}", computed=f"{computed:.1f}"),
            internal=True,
        )
    if code == -signal.SIGXCPU or (code == -signal.SIGKILL and computed > limits.seconds + 1):
        return Failure(
            _(
                "stopped after {seconds} s of computing (--timeout): is a "
                "table, a list or a word enormous?"
            ).format(seconds=math.ceil(limits.seconds)),
            internal=False,
        )
    if code == -signal.SIGKILL:
        return Failure(
            _(
                "killed by SIGKILL from outside lettre (the system's out-of-memory killer, or a "
                "person?) after {computed} s of computing, at {peak} MB"
            ).format(computed=f"{computed:.1f}", peak=peak),
            internal=False,
        )
    if code == OUT_OF_MEMORY:
        return Failure(
            _(
                "the build needed more memory than its limit (--memory): "
                "is a table, a list or a word enormous?"
            ),
            internal=False,
        )
    if code >= 0:
        return Failure(
            _("the build ended (exit status {code}) without a result").format(code=code),
            internal=True,
        )
    killed = f"{signal.Signals(-code).name} ({signal.strsignal(-code)}){_place(crash)}"
    # GLib (under pango) ends the process with SIGTRAP when it cannot map memory or start a
    # thread: under RLIMIT_AS that is the limit, even when little memory is resident
    glib = code == -signal.SIGTRAP
    if peak >= limits.memory_mb / 2 or mapped >= 0.9 * limits.memory_mb or glib:
        return Failure(
            _(
                "the build was killed by {signal} at {peak} MB of its {limit} MB "
                "(--memory): over its memory limit, most likely; is a table, a list or a word "
                "enormous?"
            ).format(signal=killed, peak=peak, limit=limits.memory_mb),
            internal=False,
            details=crash,
        )
    return Failure(
        _(
            "the build crashed: {signal}, at {peak} MB of its {limit} MB (--memory), "
            "so not for lack of memory"
        ).format(signal=killed, peak=peak, limit=limits.memory_mb),
        internal=True,
        details=crash,
    )


def _place(crash: str) -> str:
    """ " in compile_mjml (mail.py:98)": the innermost of lettre's frames in the Python stack
    faulthandler wrote (the crash itself is in a library's C or Rust code, most likely)."""
    current = crash.split("Current thread", 1)[-1].split("\nThread ", 1)[0]
    frames = re.findall(r'File "([^"]+)", line (\d+) in (\S+)', current)
    ours = [f for f in frames if Path(f[0]).parent == Path(__file__).parent] or frames
    if not ours:
        return ""
    file, line, function = ours[0]
    return " " + _("in {function} ({file}:{line})").format(
        function=function, file=Path(file).name, line=line
    )
