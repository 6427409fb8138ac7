"""The live preview: in a real browser, rebuilt on save; and what it refuses to serve."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lettre import preview
from lettre.repo import Repository
from tests.bench import refresh_events
from tests.conftest import ISSUE, Newsletter


@pytest.fixture
def served(newsletter: Newsletter) -> Iterator[tuple[Path, str, Any]]:
    root = newsletter()
    said: list[str] = []
    server, stop = preview.serve(Repository(root), root / "bulletins/2025-06-13", 0, said.append)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, preview.url(server), server
    stop.set()
    server.shutdown()
    server.server_close()
    preview.clean(server)
    assert not server.state.out.exists()


def get(server: Any, path: str, host: str | None = None) -> int:
    port = server.server_address[1]
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    connection.putrequest("GET", path, skip_host=True)
    connection.putheader("Host", host or f"127.0.0.1:{port}")
    connection.endheaders()
    status = connection.getresponse().status
    connection.close()
    return status


def test_the_page_follows_the_files_as_they_are_saved(served: Any, browser: Any) -> None:
    root, url, _ = served
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(url)
    phone = page.frame_locator("iframe.phone").first
    phone.locator("h3", has_text="Une nouvelle").wait_for(timeout=30_000)

    issue = root / ISSUE
    issue.write_text(issue.read_text().replace("title: Une nouvelle", "title: Un titre tout neuf"))
    page.frame_locator("iframe.phone").first.locator("h3", has_text="Un titre tout neuf").wait_for(
        timeout=30_000
    )

    issue.write_text("date: [2025-06-13\n")
    page.locator("#problems", has_text="bulletins/2025-06-13/issue.yaml:2:1").wait_for(
        timeout=30_000
    )
    assert "The build failed" in page.inner_text("#problems")  # LC_MESSAGES=en: tests/conftest.py
    page.close()


def test_a_save_tells_the_email_then_the_pdf(served: Any) -> None:
    """The refresh, from SSE event to event: a save is told as an `email` event once the
    new email is written, then a `pdf` event once the PDF is (the times go in the bench)."""
    root, _, server = served
    state, issue = server.state, root / ISSUE
    before = state.generation
    assert [state.stages[n] for n in sorted(state.stages)] == ["email", "pdf"]  # the first build

    def save() -> None:
        issue.write_text(issue.read_text().replace("title: Une nouvelle", "title: Toute neuve"))

    events = refresh_events(server.server_address[1], before, save)
    assert [(name, number) for name, number, _ in events[:2]] == [
        ("email", before + 1),
        ("pdf", before + 2),
    ], events
    assert events[0][2] <= events[1][2]
    html = next(state.files.glob("*.html")).read_text()
    assert "Toute neuve" in html and next(state.files.glob("*.pdf")).stat().st_size > 0


def test_a_save_made_while_the_first_build_runs_is_built_after_it(
    newsletter: Newsletter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The files are watched before the preview's first build starts: a save made while it
    runs (here from inside it, once its email is written) is built once it ends, not lost
    until the next save."""
    from lettre import pipeline

    root = newsletter()
    issue = root / ISSUE
    building, saved = pipeline.build_all, threading.Event()

    def build_all(*args: Any, **kwargs: Any) -> Any:
        outcomes = building(*args, **kwargs)
        if not saved.is_set():  # the first build, ending: the author saves meanwhile
            issue.write_text(issue.read_text().replace("title: Une nouvelle", "title: Sauvée"))
            saved.set()
        return outcomes

    monkeypatch.setattr(preview, "build_all", build_all)
    server, stop = preview.serve(Repository(root), root / "bulletins/2025-06-13", 0, print)
    state = server.state
    try:
        with state.changed:  # the save's build: its email, then its PDF (a minute at most)
            assert state.changed.wait_for(lambda: state.generation >= 4, timeout=60)
        assert "Sauvée" in next(state.files.glob("*.txt")).read_text()
    finally:
        stop.set()
        server.server_close()
        preview.clean(server)


def test_a_save_is_built_by_one_worker_the_email_told_first(
    served: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The `email` event comes from the worker that goes on to the PDF: one worker a save,
    the issue loaded once, not a worker for the email and another for everything."""
    from lettre import workers
    from lettre.options import EMAIL, Options

    root, _, server = served
    started: list[Any] = []
    start = workers._start
    monkeypatch.setattr(
        workers, "_start", lambda job, *rest: started.append(job) or start(job, *rest)
    )
    issue = root / ISSUE

    def save() -> None:
        issue.write_text(issue.read_text().replace("title: Une nouvelle", "title: Une autre"))

    events = refresh_events(server.server_address[1], server.state.generation, save)
    assert [name for name, _, _ in events] == ["email", "pdf"]
    assert len(started) == 1 and started[0].first == Options(editions=(EMAIL,)), started
    assert "Une autre" in next(server.state.files.glob("*.txt")).read_text()


def test_a_page_that_missed_builds_hears_each_in_order(served: Any) -> None:
    """A page connecting late (`since` older than the build) hears every build it missed."""
    _, _, server = served
    port, current = server.server_address[1], server.state.generation
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/events?since=0", headers={"Host": f"127.0.0.1:{port}"})
    stream, lines = connection.getresponse(), []
    while len(lines) < 2 + 3 * current:
        lines.append(stream.readline().decode().rstrip("\n"))
    connection.close()
    assert lines[:2] == [f"data: {current}", ""]
    assert lines[2:] == ["event: email", "data: 1", "", "event: pdf", "data: 2", ""]


def test_a_failed_build_is_told_as_failed(served: Any) -> None:
    root, _, server = served
    issue = root / ISSUE
    events = refresh_events(
        server.server_address[1], server.state.generation, lambda: issue.write_text("date: [\n")
    )
    assert [name for name, _, _ in events] == ["failed"]


def test_only_127_0_0_1_is_answered(served: Any) -> None:
    _, _, server = served
    port = server.server_address[1]
    assert server.server_address[0] == "127.0.0.1"
    assert get(server, "/") == 200
    assert get(server, "/", host=f"localhost:{port}") == 200
    assert get(server, "/", host="evil.example") == 421
    assert get(server, "/", host=f"evil.example:{port}") == 421


@pytest.mark.parametrize(
    "path",
    [
        "/files/../issue.yaml",
        "/files/%2e%2e/%2e%2e/publication.yaml",
        "/files//etc/passwd",
        "/files/",
        "/dark/../x",
        "/elsewhere",
    ],
)
def test_nothing_but_the_build_is_served(served: Any, path: str) -> None:
    _, _, server = served
    assert get(server, path) == 404


def test_a_link_out_of_the_build_is_not_followed(served: Any) -> None:
    root, _, server = served
    files = server.state.files
    (files / "sortie.txt").symlink_to(root / "publication.yaml")
    assert get(server, "/files/sortie.txt") == 404
    assert get(server, "/files/lettre-de-test-2025-06-13.txt") == 200


def test_a_published_issue_can_be_previewed(newsletter: Newsletter) -> None:
    from click.testing import CliRunner

    from lettre.cli import cli

    root = newsletter()
    assert (
        CliRunner()
        .invoke(cli, ["--repo", str(root), "publish", str(root / "bulletins/2025-06-13")])
        .exit_code
        == 0
    )
    (root / ISSUE).write_text((root / ISSUE).read_text().replace("Une nouvelle", "Une correction"))
    server, stop = preview.serve(
        Repository(root), root / "bulletins/2025-06-13", 0, lambda line: None
    )
    try:
        state = server.state
        assert state.outcome and state.outcome.status == "built" and state.problems == []
    finally:
        stop.set()
        server.server_close()
        preview.clean(server)
    assert not state.out.exists()


@given(st.text(max_size=300))
def test_any_request_target_is_read_or_refused_never_an_error(target: str) -> None:
    try:
        path, query = preview.parse_target(target)
        preview.since(query, 0)
    except preview.BadRequest as refused:
        assert 400 <= refused.status < 500 and refused.reason.isascii()
    else:
        assert path.startswith("/") and "\0" not in path


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/events?since=12", 12),
        ("/events?since=0", 0),
        ("/events", 7),
        ("/events?since=%31%32", 12),
        ("/events?since=²", None),
        ("/events?since=-1", None),
        ("/events?since=" + "9" * 19, None),
        ("/events?since=1&since=1", None),
        ("/events?since=1&x=2", None),
    ],
)
def test_only_ascii_build_numbers_are_read(target: str, expected: int | None) -> None:
    try:
        assert preview.since(preview.parse_target(target)[1], 7) == expected
    except preview.BadRequest:
        assert expected is None
    else:
        assert expected is not None


def test_a_stopped_preview_does_not_build_again(newsletter: Newsletter) -> None:
    root = newsletter()
    said: list[str] = []
    server, stop = preview.serve(Repository(root), root / "bulletins/2025-06-13", 0, said.append)
    server.server_close()
    preview.clean(server)
    assert not server.state.out.exists() and stop.is_set()
    server.state.rebuild(said.append)
    assert not server.state.out.exists()  # a late save does not bring the folder back


def test_the_preview_warms_the_engines_once_its_first_build_is_shown(
    newsletter: Newsletter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every save's worker is forked from the preview: lettre.pdf.warm runs there once, after
    the first build (which it does not delay), holding the build lock (no fork amid it)."""
    root, warmed = newsletter(), threading.Event()
    held: list[bool] = []
    states: list[preview.State] = []

    class Recorded(preview.State):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            states.append(self)

    def warm() -> None:
        held.append(states[0].building.locked())
        warmed.set()

    monkeypatch.setattr(preview, "State", Recorded)
    monkeypatch.setattr("lettre.pdf.warm", warm)
    server, stop = preview.serve(Repository(root), root / "bulletins/2025-06-13", 0, print)
    try:
        assert server.state.stages == {1: "email", 2: "pdf"}
        assert warmed.wait(60) and held == [True]
    finally:
        stop.set()
        server.server_close()
        preview.clean(server)


def test_a_port_in_use_is_a_usage_error_and_leaves_no_folder(
    newsletter: Newsletter, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket
    import tempfile

    from lettre.errors import UsageProblem

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    root = newsletter()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(UsageProblem, match=f"cannot listen on 127.0.0.1:{port}"):
            preview.serve(Repository(root), root / "bulletins/2025-06-13", port, print)
    assert list(tmp_path.glob("lettre-preview-*")) == []
