"""lettre proof: the bon à tirer's report and summary, held to the files lettre made (the
PDF's own pages and image placements, read with pikepdf; the message's own HTML part)."""

from __future__ import annotations

import http.server
import math
import re
import threading
from collections.abc import Iterator
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pikepdf
import pytest

from lettre import links
from lettre.proof import make_proof
from lettre.repo import Repository
from tests.conftest import ISSUE, Lettre, Newsletter
from tests.tools.pdf_images import placed_images

DAY = "2025-06-13"
STEM = f"lettre-de-test-{DAY}"
REPORT = f"dist/{DAY}/{STEM}-bat.html"

PARAGRAPH = "Un paragraphe assez long pour remplir la page, avec des mots ordinaires. " * 30

LONG = f"""date: {DAY}
title: Lettre de la semaine
preheader: Trois rubriques et des photos
editorial:
  body: |
    Lisez [le rapport](https://example.org/rapport) cette semaine.
headlines:
  - title: Une nouvelle
    summary: Un résumé court.
    url: https://example.org/une
  - title: Une seconde nouvelle
    summary: Un autre résumé.
    url: https://example.org/seconde
sections:
""" + "".join(
    f"""  - title: Rubrique {s}
    articles:
"""
    + "".join(
        f"""      - title: Article {s}.{a}
        summary: Un chapô.
        body: "{PARAGRAPH}"
        url: https://example.org/article-{s}-{a}
"""
        + (
            """        image:
          src: images/photo.jpg
          alt: Une photo du terrain
          credit: © Armée de terre
"""
            if a == 1
            else ""
        )
        for a in (1, 2)
    )
    for s in (1, 2, 3)
)


def named_pages(pdf: Path) -> dict[str, int]:
    """The PDF's named destinations → 1-based page, as a PDF reader finds them."""
    with pikepdf.open(pdf) as document:
        pages = {page.objgen: n for n, page in enumerate(document.pages, 1)}
        tree = pikepdf.NameTree(document.Root.Names.Dests)
        return {name: pages[dest[0].objgen] for name, dest in tree.items()}


def printed_ppi(pdf: Path) -> list[int]:
    """The resolution of every photo drawn in the PDF, from its placement (the CTM at `Do`)."""
    with pikepdf.open(pdf) as document:
        return [
            round(int(placed.xobject.Width) * 72 / math.hypot(*placed.matrix[:2]))
            for page in document.pages
            for placed in placed_images(page)
            if placed.xobject.Width > 100
        ]


def test_the_report_holds_what_the_files_say(newsletter: Newsletter, lettre: Lettre) -> None:
    root = newsletter({ISSUE: LONG})
    result = lettre("proof", str(root / "bulletins" / DAY), repo=root)
    assert result.exit_code == 0, result.output
    report = (root / REPORT).read_text()
    output = root / "dist" / DAY
    eml = BytesParser(policy=policy.default).parsebytes((output / f"{STEM}.eml").read_bytes())
    weight = len(eml.get_body(preferencelist=("html",)).get_content().encode())  # type: ignore[union-attr]
    assert f"  email: {weight:,} bytes of 102,000 before Gmail clips it" in result.stdout
    assert "  subject (20/120 characters): Lettre de la semaine" in result.stdout
    assert "  preheader (29/150 characters): Trois rubriques et des photos" in result.stdout
    assert f"Proof: {REPORT}" in result.stdout
    assert f"{weight:,}".replace(",", "\u202f") + " octets" in report

    proof = make_proof(Repository(root), root / "bulletins" / DAY, root / "dist")
    pdf = output / f"{STEM}.pdf"
    named = named_pages(pdf)
    assert max(named.values()) >= 3  # a real test of page numbers
    for s in (1, 2, 3):
        for a in (1, 2):
            [row] = [r for r in proof.parity if r.title == f"Article {s}.{a}"]
            assert row.email and row.text and row.page == named[f"article-{s}-{a}"], row
    assert dict((t, p) for _, t, p in proof.contents)["Rubrique 3"] == named["rubrique-3"]
    assert [(r.title, r.page) for r in proof.parity[:2]] == [
        ("Une nouvelle", named["a-la-une"]),
        ("Une seconde nouvelle", named["a-la-une"]),
    ]
    assert sorted(image.ppi for image in proof.images) == sorted(set(printed_ppi(pdf)))
    [image] = proof.images
    assert (image.alt, image.credit) == ("Une photo du terrain", "©\u00a0Armée de terre")
    assert "Une photo du terrain" in report and "©\u00a0Armée de terre" in report
    assert f"<td>{image.page}</td>" in report


def test_the_report_is_self_contained_and_in_the_publication_language(
    newsletter: Newsletter, lettre: Lettre, browser: object
) -> None:
    root = newsletter()
    assert lettre("proof", str(root / "bulletins" / DAY), repo=root).exit_code == 0
    report = (root / REPORT).read_text()
    assert '<html lang="fr">' in report
    for words in ("Bon à tirer", "Objet", "Texte d’aperçu", "Poids du courriel",
                  "Présence dans les trois éditions", "Sommaire (pages du PDF)",
                  "Rien ne bloque l’envoi."):  # fmt: skip
        assert words in report
    assert not re.search(r"<(script|link|img|iframe)\b|url\(|@import", report)
    page = browser.new_page()  # type: ignore[attr-defined]
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto((root / REPORT).as_uri())
    assert asked == [(root / REPORT).as_uri()]  # nothing else fetched
    assert page.locator("#parity tr").count() == 3 and page.is_visible("#ready")
    page.close()

    publication = root / "publication.yaml"
    publication.write_text(publication.read_text() + "language: en\n")
    assert lettre("proof", str(root / "bulletins" / DAY), repo=root).exit_code == 0
    report = (root / REPORT).read_text()
    assert (
        '<html lang="en">' in report and "Proof" in report and "Nothing blocks the send." in report
    )


def test_warnings_block_the_send_and_exit_1(newsletter: Newsletter, lettre: Lettre) -> None:
    long_title = "Un titre " * 15  # over 120 characters: a warning
    root = newsletter()
    (root / ISSUE).write_text(
        (root / ISSUE).read_text().replace("title: Un article", f"title: {long_title.strip()}")
    )
    result = lettre("proof", str(root / "bulletins" / DAY), repo=root)
    assert result.exit_code == 1
    [blocker] = [line for line in result.stdout.splitlines() if "blocks the send" in line]
    assert blocker.startswith(f"  blocks the send: bulletins/{DAY}/issue.yaml:")  # its place
    assert blocker.count("warning") == 1 and blocker.endswith("[title-too-long]")
    assert result.stderr == f"bulletins/{DAY}: 1 thing blocks the send (above, and in {REPORT})\n"
    report = (root / REPORT).read_text()
    assert 'id="blockers"' in report and "characters; keep a title under 120" in report


def test_an_accepted_warning_is_shown_as_accepted_and_blocks_nothing(
    newsletter: Newsletter, lettre: Lettre
) -> None:
    long_title = "Un titre " * 15  # over 120 characters: a warning, accepted where it stands
    root = newsletter()
    text = (root / ISSUE).read_text()
    (root / ISSUE).write_text(
        text.replace(
            "title: Un article", f"title: {long_title.strip()}\n        accept: [title-too-long]"
        )
    )
    result = lettre("proof", str(root / "bulletins" / DAY), repo=root)
    assert "blocks the send" not in result.stdout, result.stdout
    assert result.exit_code == 0, result.stderr
    report = (root / REPORT).read_text()
    row = report[report.index('<tr class="accepted">') :].split("</tr>", 1)[0]
    assert "[title-too-long]" in row and "<td>oui</td>" in row


def test_links_already_sent_in_the_last_8_issues(newsletter: Newsletter, lettre: Lettre) -> None:
    root = newsletter()
    issue = (root / ISSUE).read_text()
    for day in ("2025-04-04", "2025-04-11", "2025-06-06"):
        folder = root / "bulletins" / day
        (folder / "images").mkdir(parents=True)
        (folder / "images/photo.jpg").write_bytes(
            (root / f"bulletins/{DAY}/images/photo.jpg").read_bytes()
        )
        url = "https://example.org/une" if day != "2025-04-11" else "https://example.org/autre"
        (folder / "issue.yaml").write_text(
            issue.replace(DAY, day).replace("https://example.org/une", url)
        )
    for n in range(8):  # eight issues after 2025-04-04: it is too old to be pointed out
        day = f"2025-05-{n + 2:02d}"
        folder = root / "bulletins" / day
        folder.mkdir()
        (folder / "issue.yaml").write_text(
            f"date: {day}\nheadlines:\n  - title: N\n    summary: S.\n"
            "sections:\n  - title: R\n    articles:\n      - title: A\n        summary: C.\n"
        )
    proof = make_proof(Repository(root), root / "bulletins" / DAY, root / "dist")
    [link] = proof.links
    assert (link.url, link.sent_before, link.where) == (
        "https://example.org/une",
        ["2025-06-06"],
        ["Une nouvelle"],
    )
    result = lettre("proof", str(root / "bulletins" / DAY), repo=root)
    assert (
        "  link https://example.org/une: not checked (lettre proof --links)\n"
        "    already sent on 2025-06-06\n"
    ) in result.stdout


class Handler(http.server.BaseHTTPRequestHandler):
    at_once = 0
    most = 0
    lock = threading.Lock()

    def _answer(self, body: bool) -> None:
        with Handler.lock:
            Handler.at_once += 1
            Handler.most = max(Handler.most, Handler.at_once)
        threading.Event().wait(0.05)  # overlap: lets the pool show how many it runs
        with Handler.lock:  # before the answer: once it has it, a worker may ask again
            Handler.at_once -= 1
        if self.path.startswith("/gone"):
            self.send_error(404, "Not Found")
        elif self.path == "/no-head" and self.command == "HEAD":
            self.send_error(405, "Method Not Allowed")
        elif self.path == "/loop":
            self.send_response(302)
            self.send_header("Location", "/loop")
            self.end_headers()
        else:
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            if body:
                self.wfile.write(b"ok")

    def do_HEAD(self) -> None:
        self._answer(False)

    def do_GET(self) -> None:
        self._answer(True)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_links_are_checked_over_http_a_few_at_a_time(
    newsletter: Newsletter, lettre: Lettre, server: str
) -> None:
    body = " ".join(f"[lien {n}]({server}/page-{n})" for n in range(20))
    root = newsletter()
    (root / ISSUE).write_text(
        (root / ISSUE).read_text()
        .replace("https://example.org/une", f"{server}/gone")
        .replace("body: Le texte de l'article.", f"body: \"{body} [x]({server}/no-head) [y]({server}/loop) [z](mailto:a@example.org)\"")
    )  # fmt: skip
    Handler.most = 0
    result = lettre("proof", "--links", str(root / "bulletins" / DAY), repo=root)
    assert result.exit_code == 1
    assert f"  link {server}/gone: 404 Not Found" in result.stdout
    assert f"  blocks the send: broken link: {server}/gone (404 Not Found)" in result.stdout
    assert f"  link {server}/no-head: 200" in result.stdout  # HEAD refused: asked with GET
    assert f"  link {server}/page-7: 200" in result.stdout
    assert f"  blocks the send: broken link: {server}/loop" in result.stdout
    assert "  link mailto:a@example.org: not checked (not a web address)" in result.stdout
    assert 1 < Handler.most <= 8 == links.WORKERS


def test_a_silent_server_costs_its_timeout_and_is_a_broken_link(
    newsletter: Newsletter, lettre: Lettre, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # accepts connections, never answers
    url = f"http://127.0.0.1:{silent.getsockname()[1]}/"
    monkeypatch.setattr(links, "TIMEOUT", 0.5)
    root = newsletter()
    (root / ISSUE).write_text((root / ISSUE).read_text().replace("https://example.org/une", url))
    try:
        result = lettre("proof", "--links", str(root / "bulletins" / DAY), repo=root)
    finally:
        silent.close()
    assert result.exit_code == 1
    assert f"  link {url}: no answer in 0.5 s" in result.stdout
