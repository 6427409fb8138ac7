"""`lettre preview`: the issue as recipients will see it, rebuilt on every save.

A web server bound to 127.0.0.1 only, refusing any other Host header (against DNS
rebinding), serving only the files of the issue's build. A watcher rebuilds when a file of
the issue, a template, an asset or publication.yaml changes, and tells the page through
server-sent events; a failed build shows its errors in the page and the server goes on.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from lettre.build import Options
from lettre.errors import ContentError, LettreError, UsageProblem
from lettre.pipeline import Outcome, build_all
from lettre.repo import Repository
from lettre.templates import environment

log = logging.getLogger(__name__)

TYPES = {".html": "text/html; charset=utf-8", ".txt": "text/plain; charset=utf-8",
         ".pdf": "application/pdf", ".jpg": "image/jpeg", ".png": "image/png"}  # fmt: skip
DEBOUNCE_MS = 250


@dataclass
class State:
    """The last build, shared by the watcher and the request threads."""

    repo: Repository
    folder: Path
    out: Path
    generation: int = 0
    outcome: Outcome | None = None
    problems: list[str] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)

    def rebuild(self, say: Callable[[str], None]) -> None:
        """The email first (under a second), shown at once; then the PDF too."""
        self._build(Options(print_edition=False), say)
        if self.outcome and self.outcome.status != "failed":
            self._build(Options(), say)

    def _build(self, options: Options, say: Callable[[str], None]) -> None:
        try:
            [outcome] = build_all(
                self.repo, [self.folder], self.out, options, jobs=1, force=True, published=False
            )
            problems = [str(p) for p in outcome.problems] + (
                [outcome.error] if outcome.error else []
            )
        except ContentError as error:
            outcome, problems = None, [str(p) for p in error.problems]
        except LettreError as error:
            outcome, problems = None, [error.format_message()]
        with self.changed:
            self.outcome, self.problems = outcome, problems
            self.generation += 1
            self.changed.notify_all()
        status = outcome.status if outcome else "failed"
        say(f"{self.repo.shown(self.folder)}: {status}" + "".join(f"\n  {p}" for p in problems))

    @property
    def files(self) -> Path:
        return self.out / self.folder.name


def watched(repo: Repository, folder: Path) -> list[Path]:
    paths = [folder, repo.publication_file, repo.root / "templates", repo.root / "assets"]
    return [p for p in paths if p.exists()]


def watch(state: State, stop: threading.Event, say: Callable[[str], None]) -> None:
    from watchfiles import watch as changes

    for _ in changes(
        *watched(state.repo, state.folder), stop_event=stop, debounce=DEBOUNCE_MS, step=50
    ):
        state.rebuild(say)


class Handler(BaseHTTPRequestHandler):
    state: State
    allowed_hosts: set[str]

    def log_message(self, format: str, *args: Any) -> None:
        log.debug(format, *args)

    def do_GET(self) -> None:
        if self.headers.get("Host", "") not in self.allowed_hosts:
            self.send_error(
                HTTPStatus.MISDIRECTED_REQUEST, "unknown Host: the preview answers only 127.0.0.1"
            )
            return
        path = unquote(urlsplit(self.path).path)
        if path == "/":
            self._send(page(self.state).encode(), "text/html; charset=utf-8")
        elif path == "/events":
            since = parse_qs(urlsplit(self.path).query).get("since", [""])[0]
            self._events(int(since) if since.isdigit() else self.state.generation)
        elif path.startswith(("/files/", "/dark/")):
            self._file(path)
        else:
            self.send_error(HTTPStatus.NOT_FOUND)

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
        if found is None:
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        body = found.read_bytes()
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
                message = f"data: {current}\n\n" if current != seen else ": still here\n\n"
                self.wfile.write(message.encode())
                self.wfile.flush()
                seen = current
        except (BrokenPipeError, ConnectionResetError):
            return


def _moved(state: State, seen: int) -> bool:
    return state.generation != seen


def served_file(root: Path, name: str) -> Path | None:
    """The file `name` of the build, or None: no '..', no absolute path, no link out of it."""
    parts = Path(name).parts
    if not name or name.startswith("/") or ".." in parts or "\0" in name:
        return None
    if any(part.startswith(".") for part in parts):  # lettre's own records, not outputs
        return None
    candidate = (root / name).resolve()
    if not candidate.is_relative_to(root.resolve()) or not candidate.is_file():
        return None
    return candidate


def page(state: State) -> str:
    outcome = state.outcome
    files = sorted(p.name for p in state.files.glob("*")) if state.files.is_dir() else []
    stem = next((name[:-5] for name in files if name.endswith(".html")), None)
    env = environment(state.repo.root / "templates", "fr")
    return env.get_template("preview.html.j2").render(
        issue=state.repo.shown(state.folder),
        stem=stem,
        generation=state.generation,
        problems=state.problems,
        warnings=(outcome.warnings if outcome else []),
        failed=outcome is None or outcome.status == "failed",
    )


def serve(
    repo: Repository, folder: Path, port: int, say: Callable[[str], None]
) -> tuple[ThreadingHTTPServer, threading.Event]:
    """Build, then serve on 127.0.0.1 and watch; the caller runs `serve_forever`."""
    hosts: set[str] = set()
    out = Path(tempfile.mkdtemp(prefix="lettre-preview-"))
    state = State(repo, folder, out)
    handler: type[Handler] = type("Bound", (Handler,), {"state": state, "allowed_hosts": hosts})
    try:
        server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as error:
        shutil.rmtree(out, ignore_errors=True)
        raise UsageProblem(
            f"cannot listen on 127.0.0.1:{port} ({error.strerror}); try --port 0"
        ) from None
    state.rebuild(say)
    server.daemon_threads = True
    bound = server.server_address[1]
    hosts |= {f"127.0.0.1:{bound}", f"localhost:{bound}"}
    if bound == 80:  # browsers leave the default port out of Host
        hosts |= {"127.0.0.1", "localhost"}
    stop = threading.Event()
    threading.Thread(target=watch, args=(state, stop, say), daemon=True).start()
    return server, stop


def url(server: ThreadingHTTPServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/"


def clean(server: ThreadingHTTPServer) -> None:
    """Remove the preview's build folder."""
    state: State = server.RequestHandlerClass.state  # type: ignore[attr-defined]
    shutil.rmtree(state.out, ignore_errors=True)
