"""Hostile cases for the bon à tirer, the approval and the archive's search: markup in
every text the report shows stays text, records damaged or replaced by links are clear
errors, links and servers that misbehave cost a timeout, never a file read or a hang."""

from __future__ import annotations

import http.server
import json
import os
import threading
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest

from lettre import links
from tests.conftest import ISSUE, Lettre, Newsletter

DAY = "2025-06-13"
STEM = f"lettre-de-test-{DAY}"
REPORT = f"dist/{DAY}/{STEM}-bat.html"
REQUIRED = (
    Path(__file__).parents[1] / "data/valid/minimal/publication.yaml"
).read_text() + "approval: required\n"

MARKUP = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "</td></tr></table><iframe src=//evil.example>",
    "{{ 7*7 }} {% raw %}",
    "<!-- <style>body{display:none}</style>",
]


class Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.handlers: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.handlers += [name for name, _ in attrs if name.startswith("on")]


def elements(html: str) -> Elements:
    parser = Elements()
    parser.feed(html)
    return parser


def issue(root: Path) -> str:
    return str(root / "bulletins" / DAY)


@pytest.mark.parametrize("markup", MARKUP)
def test_markup_in_every_text_the_report_shows_stays_text(
    newsletter: Newsletter, lettre: Lettre, markup: str
) -> None:
    quoted = json.dumps(markup)
    root = newsletter()
    text = (root / ISSUE).read_text()
    text = text.replace("title: Un article", f"title: {quoted}")
    text = text.replace("alt: Une photo", f"alt: {quoted}\n          credit: {quoted}")
    text = text.replace("title: Une nouvelle", f"title: {json.dumps('Une ' + markup)}")
    (root / ISSUE).write_text(text)
    result = lettre("proof", issue(root), repo=root)
    assert result.exit_code == 0, result.output
    report = (root / REPORT).read_text()
    found = elements(report)
    assert not {"script", "img", "iframe"} & set(found.tags) and found.handlers == []
    assert found.tags.count("style") == 1 and "49" not in report.split("<body>")[1][:200]


def test_a_link_in_place_of_the_report_is_replaced_never_written_through(
    newsletter: Newsletter, lettre: Lettre, tmp_path: Path
) -> None:
    root = newsletter()
    assert lettre("build", repo=root).exit_code == 0
    outside = tmp_path / "precious.html"
    outside.write_text("mine")
    (root / REPORT).symlink_to(outside)
    assert lettre("proof", issue(root), repo=root).exit_code == 0
    assert outside.read_text() == "mine"
    assert not (root / REPORT).is_symlink() and "Bon à tirer" in (root / REPORT).read_text()


@pytest.mark.parametrize(
    "record",
    [
        "{",
        "[]",
        '{"approved_by": "J", "approved": "2025-06-13", "files": {}}',
        '{"approved_by": "J", "approved": "2025-06-13", "files": {"../x": "' + "0" * 64 + '"}}',
        '{"approved_by": "J", "approved": "2025-06-13", "files": {"a.pdf": "not a sha"}}',
        '{"approved_by": 1, "approved": "2025-06-13", "files": {"a.pdf": "' + "0" * 64 + '"}}',
        "[" * 100_000,
        "\udcff",
    ],
)
def test_a_damaged_approval_is_a_clear_error(
    newsletter: Newsletter, lettre: Lettre, record: str
) -> None:
    root = newsletter({"publication.yaml": REQUIRED})
    path = root / "bulletins" / DAY / "approved.json"
    path.write_bytes(record.encode("utf-8", "surrogateescape"))
    result = lettre("publish", issue(root), repo=root)
    assert result.exit_code == 1
    assert f"bulletins/{DAY}/approved.json: damaged (" in result.stderr
    assert "restore it from git, or approve the issue again" in result.stderr
    assert not (root / "bulletins" / DAY / "published.json").exists()


def test_an_approval_that_is_a_link_or_a_fifo_is_never_read(
    newsletter: Newsletter, lettre: Lettre, tmp_path: Path
) -> None:
    root = newsletter({"publication.yaml": REQUIRED})
    assert lettre("approve", issue(root), "--by", "Jeanne", repo=root).exit_code == 0
    path = root / "bulletins" / DAY / "approved.json"
    elsewhere = tmp_path / "approved.json"
    path.rename(elsewhere)
    path.symlink_to(elsewhere)
    result = lettre("publish", issue(root), repo=root)
    assert result.exit_code == 1 and "a symbolic link, not the file lettre wrote" in result.stderr
    path.unlink()
    os.mkfifo(path)
    result = lettre("publish", issue(root), repo=root)  # never blocks on the pipe
    assert result.exit_code == 1 and "approved.json: damaged" in result.stderr


@pytest.mark.parametrize("name", ["Jeanne\nMartin", "\u202eJeanne", "\x00", "\t \t"])
def test_a_name_that_hides_or_breaks_is_refused(
    newsletter: Newsletter, lettre: Lettre, name: str
) -> None:
    root = newsletter()
    result = lettre("approve", issue(root), "--by", name, repo=root)
    assert result.exit_code == 2 and "--by: give the name" in result.stderr
    assert not (root / "bulletins" / DAY / "approved.json").exists()


class Misbehaving(http.server.BaseHTTPRequestHandler):
    def do_HEAD(self) -> None:
        if self.path == "/to-file":
            self.send_response(302)
            self.send_header("Location", "file:///etc/passwd")
        elif self.path == "/to-ftp":
            self.send_response(301)
            self.send_header("Location", "ftp://127.0.0.1:1/x")
        elif self.path == "/bad-status":
            self.wfile.write(b"HTTP/1.1 999999999999 ???\r\n\r\n")
            return
        else:  # a body of gigabytes announced: HEAD reads none of it
            self.send_response(200)
            self.send_header("Content-Length", str(10**12))
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def misbehaving() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Misbehaving)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_servers_that_misbehave_make_broken_links_never_a_file_read(
    newsletter: Newsletter, lettre: Lettre, misbehaving: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(links, "TIMEOUT", 2.0)
    paths = ("/to-file", "/to-ftp", "/bad-status", "/huge")
    body = " ".join(f"[l{n}]({misbehaving}{p})" for n, p in enumerate(paths))
    root = newsletter()
    (root / ISSUE).write_text(
        (root / ISSUE)
        .read_text()
        .replace("body: Le texte de l'article.", f'body: "{body}"')
        .replace("https://example.org/une", f"{misbehaving}/huge")  # no test reaches the Internet
    )
    result = lettre("proof", "--links", issue(root), repo=root)
    assert result.exit_code == 1
    assert "root:" not in result.stdout  # /etc/passwd was never read
    for path in ("/to-file", "/to-ftp", "/bad-status"):
        assert f"broken link: {misbehaving}{path} (" in result.stdout
    assert f"  link {misbehaving}/huge: 200" in result.stdout
    assert f"bulletins/{DAY}: 3 things block the send" in result.stderr


def test_an_issue_with_errors_gets_no_proof_and_says_where(
    newsletter: Newsletter, lettre: Lettre
) -> None:
    root = newsletter()
    (root / ISSUE).write_text((root / ISSUE).read_text().replace("alt: Une photo", "alt:"))
    result = lettre("proof", issue(root), repo=root)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: bulletins/{DAY}/issue.yaml:14:15: ")
    assert f"bulletins/{DAY} cannot be proofed: " in result.stderr
    assert not (root / REPORT).exists()
