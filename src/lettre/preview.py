"""`lettre preview`: the issue as recipients will see it, rebuilt on every save.

A web server bound to 127.0.0.1 only, refusing any other Host header (against DNS
rebinding), serving only the files of the issue's build. A watcher rebuilds when a file of
the issue, a template, an asset or publication.yaml changes, and tells the page through
server-sent events; a failed build shows its errors in the page and the server goes on.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import Any

from lettre.errors import ContentError, LettreError, UsageProblem
from lettre.messages import N_, _, language
from lettre.options import EMAIL, PRINT_EDITION, Options
from lettre.pipeline import Outcome, build_all, told_outcome
from lettre.repo import Repository
from lettre.templates import environment, render

log = logging.getLogger(__name__)

TYPES = {".html": "text/html; charset=utf-8", ".txt": "text/plain; charset=utf-8",
         ".pdf": "application/pdf", ".jpg": "image/jpeg", ".png": "image/png"}  # fmt: skip
DEBOUNCE_MS = 250
KEPT_STAGES = 16
"""How many builds' stages the event stream can tell a page that missed them."""
MAX_TARGET = 2048
"""The longest request target answered: the build's file names are far shorter."""
STOPPING = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)
"""Signals that stop the preview the way Ctrl-C does: its build folder is removed."""


STATUSES = {"built": N_("built"), "unchanged": N_("unchanged"), "failed": N_("failed")}
"""A build's status, as the preview prints it."""


class BadRequest(Exception):
    """A request target the preview does not understand: answered 4xx, never a traceback."""

    def __init__(self, status: HTTPStatus, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


@dataclass
class State:
    """The last build, shared by the watcher and the request threads."""

    repo: Repository
    folder: Path
    out: Path
    generation: int = 0
    stages: dict[int, str] = field(default_factory=dict)
    """What each recent build made: "email" (the first, fast pass), "pdf" (both editions)
    or "failed"; told to the page as a named event after the build's number."""
    outcome: Outcome | None = None
    problems: list[str] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)
    building: threading.Lock = field(default_factory=threading.Lock)
    """Held during a build, so that the folder is removed only once no build writes to it."""
    stop: threading.Event = field(default_factory=threading.Event)
    """Set to stop: by the caller, or by SIGTERM, SIGHUP or SIGINT."""

    def rebuild(self, say: Callable[[str], None]) -> None:
        """The email first (under a second), shown at once; then the PDF too: one build in
        one worker, which tells the email's outcome once written and goes on (no second
        worker to start, nor issue to load again). A stop meanwhile ends that worker once
        the email is shown: the PDF is not waited for."""
        with self.building:
            if self.stop.is_set():
                return
            read, write = os.pipe()
            built = threading.Event()
            early = threading.Thread(target=self._early, args=(read, say, built), daemon=True)
            early.start()
            try:
                outcome, problems = self._build(Options(), (Options(editions=(EMAIL,)), write))
            finally:
                built.set()
                os.close(write)  # the worker's end is closed with it: `early` ends
                early.join()
            if not self.stop.is_set():  # (stopped: its worker may have been ended)
                self._record(outcome, problems, Options(), say)

    def _early(self, read: int, say: Callable[[str], None], built: threading.Event) -> None:
        """The email's outcome, recorded once the worker tells it; then, until the build
        ends, a stop ends the worker."""
        told = told_outcome(read)
        if told is None:
            return
        outcome, worker = told
        self._record(outcome, _problems(outcome), Options(editions=(EMAIL,)), say)
        with _child(worker) as handle:
            while not built.wait(0.1):
                if self.stop.is_set() and handle is not None:
                    with contextlib.suppress(ProcessLookupError):
                        signal.pidfd_send_signal(handle, signal.SIGKILL)
                    return

    def _build(
        self, options: Options, first: tuple[Options, int]
    ) -> tuple[Outcome | None, list[str]]:
        try:
            [outcome] = build_all(
                self.repo, [self.folder], self.out, options,
                jobs=1, force=True, published=False, first=first,
            )  # fmt: skip
        except ContentError as error:
            return None, [str(p) for p in error.problems]
        except LettreError as error:
            return None, [error.format_message()]
        return outcome, _problems(outcome)

    def _record(
        self,
        outcome: Outcome | None,
        problems: list[str],
        options: Options,
        say: Callable[[str], None],
    ) -> None:
        status = outcome.status if outcome else "failed"
        stage = (
            "failed" if status == "failed" else "pdf" if options.builds(PRINT_EDITION) else "email"
        )
        with self.changed:
            self.outcome, self.problems = outcome, problems
            self.generation += 1
            self.stages[self.generation] = stage
            self.stages.pop(self.generation - KEPT_STAGES, None)
            self.changed.notify_all()
        status = _(STATUSES[outcome.status if outcome else "failed"])
        say(f"{self.repo.shown(self.folder)}: {status}" + "".join(f"\n  {p}" for p in problems))

    @property
    def files(self) -> Path:
        return self.out / self.folder.name


@contextlib.contextmanager
def _child(pid: int) -> Iterator[int | None]:
    """A handle on our child process `pid` (a pidfd, which a reused pid cannot fool), or
    None: it has ended and is reaped, or the system has no pidfd (the build is waited for)."""
    try:
        handle = os.pidfd_open(pid)
    except (AttributeError, OSError):
        yield None
        return
    try:
        try:  # our child (still running, or ended, not yet reaped), not the pid's next owner
            os.waitid(os.P_PIDFD, handle, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except (AttributeError, OSError):  # not ours (ChildProcessError), or no P_PIDFD
            yield None
        else:
            yield handle
    finally:
        os.close(handle)


def _problems(outcome: Outcome) -> list[str]:
    return [str(p) for p in outcome.problems] + ([outcome.error] if outcome.error else [])


def watched(repo: Repository, folder: Path) -> list[Path]:
    paths = [folder, repo.publication_file, repo.root / "templates", repo.root / "assets"]
    return [p for p in paths if p.exists()]


def watch(
    state: State, stop: threading.Event, say: Callable[[str], None], ready: threading.Event
) -> None:
    """Build again on each save, until `stop`; `ready` is set once the files are watched
    (or the watching ended: nothing to wait for then)."""
    from watchfiles import watch as changes

    try:
        for found in changes(
            *watched(state.repo, state.folder), stop_event=stop, debounce=DEBOUNCE_MS, step=50,
            rust_timeout=READY_MS, yield_on_timeout=True,
        ):  # fmt: skip
            ready.set()  # (an empty set, each READY_MS without a save: the watcher is up)
            if found:
                state.rebuild(say)
    finally:
        ready.set()


READY_MS = 50
"""How soon the watcher tells it is watching, then how often it wakes up without a save."""
WATCHER_START_SECONDS = 10
"""How long the first build waits for the watcher (it starts in milliseconds; should it
not, the preview builds and serves all the same, and says nothing of saves)."""


ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
TARGET = re.compile(r"/[!$&'()*+,\-./0-9:;=@A-Z_a-z~%]*(\?[!$&'()*+,\-./0-9:;=?@A-Z_a-z~%]*)?")
"""RFC 3986's characters for a path and a query; anything else is refused, not guessed at."""
BUILD_NUMBER = re.compile(r"[0-9]{1,18}")
"""ASCII digits only ('²'.isdigit() is true), short enough to stay a plain number."""


def decoded(text: str) -> str:
    """`text` with its %-escapes decoded, strictly: two hex digits each, UTF-8, no control."""
    if text.count("%") != len(ESCAPE.findall(text)):
        raise BadRequest(HTTPStatus.BAD_REQUEST, "a % not followed by two hex digits")
    try:
        value = ESCAPE.sub(lambda m: chr(int(m[1], 16)), text).encode("latin-1").decode()
    except UnicodeError:
        raise BadRequest(HTTPStatus.BAD_REQUEST, "%-escapes that are not UTF-8") from None
    if any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in value):
        raise BadRequest(HTTPStatus.BAD_REQUEST, "a control character")
    return value


def parse_target(target: str) -> tuple[str, dict[str, str]]:
    """The decoded path and query of a request target; BadRequest for anything odd.

    A parameter given twice, without '=', or with an odd escape is refused: the preview
    never picks one reading of an ambiguous request.
    """
    if len(target) > MAX_TARGET:
        raise BadRequest(HTTPStatus.REQUEST_URI_TOO_LONG, "request target too long")
    if not TARGET.fullmatch(target):
        raise BadRequest(HTTPStatus.BAD_REQUEST, "characters not allowed in a request target")
    raw_path, _mark, raw_query = target.partition("?")
    query: dict[str, str] = {}
    for pair in raw_query.split("&") if raw_query else []:
        name, equals, value = pair.partition("=")
        key = decoded(name.replace("+", " "))
        if not equals or key in query:
            raise BadRequest(
                HTTPStatus.BAD_REQUEST, "a query parameter given twice or without a value"
            )
        query[key] = decoded(value.replace("+", " "))
    return decoded(raw_path), query


def since(query: dict[str, str], current: int) -> int:
    """The build the page shows (`/events?since=N`); the current one when not given."""
    if set(query) - {"since"}:
        raise BadRequest(HTTPStatus.BAD_REQUEST, "/events takes only ?since=N")
    if "since" not in query:
        return current
    if not BUILD_NUMBER.fullmatch(query["since"]):
        raise BadRequest(HTTPStatus.BAD_REQUEST, "since: expected the page's build number")
    return int(query["since"])


def _one_allowed_host(given: list[str], allowed: set[str]) -> bool:
    return len(given) == 1 and given[0] in allowed


class Handler(BaseHTTPRequestHandler):
    state: State
    allowed_hosts: set[str]

    def log_message(self, format: str, *args: Any) -> None:
        log.debug(format, *args)

    def do_GET(self) -> None:
        if not _one_allowed_host(self.headers.get_all("Host", []), self.allowed_hosts):
            self.send_error(
                HTTPStatus.MISDIRECTED_REQUEST, "unknown Host: the preview answers only 127.0.0.1"
            )
            return
        try:
            # the target as sent: http.server turns a leading '//' into '/' in self.path
            self._route(*parse_target(self.requestline.split()[1]))
        except BadRequest as refused:
            # the reason goes into the status line: ASCII, whatever a later message says
            self.send_error(refused.status, refused.reason.encode("ascii", "replace").decode())

    def _route(self, path: str, query: dict[str, str]) -> None:
        if path == "/events":
            self._events(since(query, self.state.generation))
        elif query:
            raise BadRequest(HTTPStatus.BAD_REQUEST, "only /events takes a query")
        elif path == "/":
            self._send(page(self.state).encode(), "text/html; charset=utf-8")
        elif path.startswith(("/files/", "/dark/")):
            self._file(path)
        else:
            self.send_error(HTTPStatus.NOT_FOUND)

    def _refuse(self) -> None:
        self.send_error(HTTPStatus.METHOD_NOT_ALLOWED, "the preview only answers GET")

    do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _refuse

    def _send(self, body: bytes, content_type: str) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        self.wfile.write(body)

    def _file(self, path: str) -> None:
        dark, name = path.startswith("/dark/"), path.split("/", 2)[2]
        found = served_file(self.state.files, name)
        try:
            body = found.read_bytes() if found else None
        except OSError:  # replaced or removed by a rebuild in between
            body = None
        if found is None or body is None:
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        if dark and found.suffix == ".html":
            body = body.replace(b"@media (prefers-color-scheme: dark)", b"@media all")
        self._send(body, TYPES.get(found.suffix, "application/octet-stream"))

    def _events(self, seen: int) -> None:
        """Server-sent events: the build's number, as soon as it differs from the page's.

        The page says which build it shows (`since`): a build that ended between the page
        and this request is announced at once, not missed.
        """
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        state = self.state
        try:
            while True:
                with state.changed:
                    state.changed.wait_for(partial(_moved, state, seen), timeout=15)
                    current = state.generation
                    message = _announce(state, seen, current)
                self.wfile.write(message.encode())
                self.wfile.flush()
                seen = current
        except OSError:  # the page went away
            return


def _announce(state: State, seen: int, current: int) -> str:
    """The build's number (the page reloads on it), then one named event per build since
    `seen`, in order: `event: email` when the email is ready, `event: pdf` when the PDF is
    (a page listens to those it wants; the preview's own page only to the number)."""
    if current == seen:
        return ": still here\n\n"
    builds = range(max(seen + 1, current - KEPT_STAGES + 1), current + 1)
    named = [f"event: {state.stages[n]}\ndata: {n}\n\n" for n in builds if n in state.stages]
    return f"data: {current}\n\n" + "".join(named)


def _moved(state: State, seen: int) -> bool:
    return state.generation != seen


def served_file(root: Path, name: str) -> Path | None:
    """The file `name` of the build, or None: no '..', no absolute path, no link out of it."""
    # each segment as written: Path() would quietly drop '.' and empty ones
    if any(not part or part.startswith(".") or "\0" in part for part in name.split("/")):
        return None  # '', '.', '..' and lettre's own records (.cache…) are not outputs
    try:
        candidate = (root / name).resolve()
        if not candidate.is_relative_to(root.resolve()) or not candidate.is_file():
            return None
    except OSError:  # a name too long, a loop of links: not a file of the build
        return None
    return candidate


def page(state: State) -> str:
    outcome = state.outcome
    files = sorted(p.name for p in state.files.glob("*")) if state.files.is_dir() else []
    named = outcome.names if outcome and outcome.names else None
    env = environment(state.repo.root / "templates", "fr")
    return render(
        env,
        "preview.html.j2",
        dict(
            _=_,
            lang=language(),
            issue=state.repo.shown(state.folder),
            names=named if named and named.email in files else None,
            generation=state.generation,
            problems=state.problems,
            warnings=(outcome.warnings if outcome else []),
            failed=outcome is None or outcome.status == "failed",
        ),
    )


class Server(ThreadingHTTPServer):
    daemon_threads = True
    state: State
    previous: dict[int, Any]
    """The signal handlers the preview replaced, put back by `clean`."""
    cleanup: Callable[[], None]

    def service_actions(self) -> None:
        """Between requests (every half second at most): stop when a signal asked to.

        The signal handler only sets `state.stop`; raising here, in the serving loop, cannot
        be swallowed the way an exception raised by the handler itself can (inside a fork
        or a finaliser).
        """
        super().service_actions()
        if self.state.stop.is_set() and threading.current_thread() is threading.main_thread():
            raise KeyboardInterrupt  # elsewhere, signals are not ours: the owner calls shutdown

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A request that failed is one line on stderr, never a traceback; the server goes on."""
        error = sys.exc_info()[1]
        log.debug("request from %s failed", client_address, exc_info=True)
        if not isinstance(error, OSError):  # a page closed mid-answer is not worth a line
            message = _("preview: a request failed ({error}); the preview goes on")
            print(message.format(error=type(error).__name__), file=sys.stderr)


def serve(
    repo: Repository, folder: Path, port: int, say: Callable[[str], None]
) -> tuple[Server, threading.Event]:
    """Build, then serve on 127.0.0.1 and watch; the caller runs `serve_forever`, then `clean`.

    From before its build folder exists until `clean`, SIGTERM, SIGHUP and SIGINT stop the
    preview as Ctrl-C does: `serve_forever` raises KeyboardInterrupt (at once, or after
    the build under way), and the caller's `clean` removes the folder.
    """
    hosts: set[str] = set()
    stop = threading.Event()
    previous = _stop_on_signals(stop)
    out = Path(tempfile.mkdtemp(prefix="lettre-preview-"))
    cleanup = partial(_remove, out, os.getpid())
    atexit.register(cleanup)  # should the caller never reach `clean`
    state = State(repo, folder, out, stop=stop)
    handler: type[Handler] = type("Bound", (Handler,), {"state": state, "allowed_hosts": hosts})
    try:
        try:
            server = Server(("127.0.0.1", port), handler)
        except OSError as error:
            raise UsageProblem(
                _("cannot listen on 127.0.0.1:{port} ({reason}); try --port 0").format(
                    port=port, reason=error.strerror
                )
            ) from None
        server.state, server.previous, server.cleanup = state, previous, cleanup
        # the files watched before the first build: a save while it runs is built after it
        ready = threading.Event()
        threading.Thread(target=watch, args=(state, stop, say, ready), daemon=True).start()
        ready.wait(WATCHER_START_SECONDS)
        state.rebuild(say)
    except BaseException:
        stop.set()  # the watcher with the rest; a save's build it started, ended first
        _restore(previous)
        atexit.unregister(cleanup)
        with state.building:
            cleanup()
        raise
    bound = server.server_address[1]
    hosts |= {f"127.0.0.1:{bound}", f"localhost:{bound}"}
    if bound == 80:  # browsers leave the default port out of Host
        hosts |= {"127.0.0.1", "localhost"}
    threading.Thread(target=_warm, args=(state,), daemon=True).start()
    return server, stop


def _warm(state: State) -> None:
    """What each build's worker makes on its first layout, made once here (lettre.pdf.warm):
    every save's PDF shows sooner. A save meanwhile waits for it (no fork amid a layout)."""
    from lettre.pdf import warm

    with state.building:
        if not state.stop.is_set():
            warm()


def _stop_on_signals(stop: threading.Event) -> dict[int, Any]:
    """SIGTERM, SIGHUP and SIGINT set `stop`; the handlers they replace, to put back.

    The forked build processes inherit the handler: there the signal keeps its default
    effect, and the preview cleans up.
    """
    if threading.current_thread() is not threading.main_thread():
        return {}  # signals reach only the main thread; its owner handles them
    owner = os.getpid()

    def stopping(number: int, frame: FrameType | None) -> None:
        if os.getpid() != owner:
            signal.signal(number, signal.SIG_DFL)
            os.kill(os.getpid(), number)
            return
        stop.set()

    return {number: signal.signal(number, stopping) for number in STOPPING}


def _restore(previous: dict[int, Any]) -> None:
    if threading.current_thread() is threading.main_thread():
        for number, handler in previous.items():
            signal.signal(number, handler)


def _remove(out: Path, owner: int) -> None:
    if os.getpid() == owner:  # never from a forked build process
        shutil.rmtree(out, ignore_errors=True)


def url(server: ThreadingHTTPServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/"


def clean(server: Server) -> None:
    """Remove the preview's build folder, once no build writes to it; put the signals back."""
    state = server.state
    state.stop.set()
    with state.building:
        server.cleanup()
    atexit.unregister(server.cleanup)
    _restore(server.previous)
