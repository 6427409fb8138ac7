"""Hostile text in every field: inert in the HTML, the text part, the .eml and the PDF."""

from __future__ import annotations

import email
import json
import re
import subprocess
from email import policy
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pikepdf
import pytest

from lettre.load import check
from lettre.repo import Repository
from tests.conftest import ISSUE, MINIMAL, Lettre, Newsletter
from tests.hostile.conftest import audited_build

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    '<iframe src="https://evil.example/"></iframe>',
    '<a href="javascript:alert(1)">clic</a>',
    '<a rel="attachment" href="file:///etc/passwd">pièce</a>',
    '<p style="background:url(file:///etc/passwd)">x</p>',
    '<mj-include path="/etc/passwd" />',
    "<mj-section><mj-column><mj-text>injecté</mj-text></mj-column></mj-section>",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ 7*7 }}",
    "{% raw %}",
    "</script><script>alert(1)</script>",
    "]]><!--",
]
TEXT = " ".join(PAYLOADS)


def q(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def hostile_issue() -> str:
    """Every text field of an issue holds every payload."""
    body = "\n".join(f"          {line}" for line in ["Texte.", "", *(p + "\n" for p in PAYLOADS)])
    return f"""date: 2025-06-13
title: {q("Lettre " + PAYLOADS[0])}
preheader: {q(PAYLOADS[1])}
editorial:
  title: {q(TEXT[:110])}
  author: {q(PAYLOADS[9])}
  body: |
{body}
headlines:
  - title: {q(PAYLOADS[4])}
    summary: {q(TEXT[:290])}
    url: https://example.org/une
    image: {{src: images/photo.jpg, alt: {q(PAYLOADS[2])}, credit: {q(PAYLOADS[5])}, caption: {q(PAYLOADS[7])}}}
sections:
  - title: {q(PAYLOADS[8])}
    articles:
      - title: {q(PAYLOADS[10] + " " + PAYLOADS[11])}
        summary: {q(TEXT[290:580])}
        author: {q(PAYLOADS[6])}
        tags: [{q(PAYLOADS[3])}, {q(PAYLOADS[12])}]
        url: https://example.org/article
        body: |
{body}
        image: {{src: images/photo.jpg, alt: {q(PAYLOADS[13])}, credit: {q(PAYLOADS[0])}}}
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    import shutil

    root = tmp_path_factory.mktemp("hostile") / "newsletter"
    shutil.copytree(MINIMAL, root)
    (root / ISSUE).write_text(hostile_issue())
    publication = root / "publication.yaml"
    publication.write_text(
        publication.read_text() + "footer: |\n" + "".join(f"  {p}\n\n" for p in PAYLOADS)
    )
    audit = audited_build(root, root.parent / "dist")
    folder = root.parent / "dist/2025-06-13"
    eml = email.message_from_bytes(next(folder.glob("*.eml")).read_bytes(), policy=policy.default)
    return {
        "root": root,
        "audit": audit,
        "html": next(folder.glob("*-email.html")).read_text(),
        "text": next(folder.glob("*.txt")).read_text(),
        "eml_html": next(
            p for p in eml.walk() if p.get_content_type() == "text/html"
        ).get_content(),
        "pdf": next(folder.glob("lettre-de-test-*.pdf")),
    }


class Tags(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))


OURS = re.compile(r"^(images/|cid:|https://)")


@pytest.mark.parametrize("output", ["html", "eml_html"])
@pytest.mark.parametrize(
    "check_name",
    [
        "no script",
        "no handler",
        "no frame or svg",
        "no mj tag",
        "safe links",
        "own images",
        "payload shown as text",
    ],
)
def test_the_email_is_inert(built: dict[str, Any], output: str, check_name: str) -> None:
    html = built[output]
    tags = Tags(html).tags
    if check_name == "no script":
        assert not [t for t, _ in tags if t == "script"]
    elif check_name == "no handler":
        assert not [a for _, attrs in tags for a in attrs if a.startswith("on")]
    elif check_name == "no frame or svg":
        assert not [t for t, _ in tags if t in ("iframe", "svg", "object", "embed", "form")]
    elif check_name == "no mj tag":
        assert not [t for t, _ in tags if t.startswith("mj-")]
    elif check_name == "safe links":
        hrefs = [attrs.get("href", "") for t, attrs in tags if t == "a"]
        assert hrefs and all(h.startswith(("https://", "http://", "mailto:", "#")) for h in hrefs)
    elif check_name == "own images":
        assert all(OURS.match(attrs.get("src", "")) for t, attrs in tags if t == "img")
    else:
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "{{ 7*7 }}" in html


def test_the_text_part_shows_the_text_and_runs_nothing(built: dict[str, Any]) -> None:
    text = built["text"]
    assert "{{ 7*7 }}" in text and "<script>alert(1)</script>" in text
    assert "uid=" not in text and "<function" not in text


def test_the_pdf_embeds_nothing_but_the_sources_and_links_nowhere_dangerous(
    built: dict[str, Any],
) -> None:
    with pikepdf.open(built["pdf"]) as pdf:
        assert sorted(pdf.attachments) == ["issue.yaml", "publication.yaml"]
        uris = [
            str(a.A.URI)
            for page in pdf.pages
            for a in page.get("/Annots", [])
            if "/A" in a and "/URI" in a.A
        ]
        assert uris and all(u.startswith(("https://", "http://", "mailto:")) for u in uris)
    text = subprocess.run(
        ["pdftotext", str(built["pdf"]), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "<script>alert(1)</script>" in text.replace("\n", " ")


def test_no_file_outside_is_opened_and_no_connection_is_made(built: dict[str, Any]) -> None:
    """The strict audit (tests/hostile/conftest.py: `forbidden`: Python's files and the
    repository read-only, the output read/write, nothing else) already stopped the build of
    this content on any other access; here, what the hostile content itself names."""
    audit = built["audit"]
    assert audit["code"] == 0 and audit["connected"] == []
    named = ("/etc/passwd", "/etc/hostname", "/dev/zero")
    assert not [p for p in audit["opened"] if str(Path(p)) in named]


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        "JaVa\tscript:alert(1)",
        "data:text/html,<script>x</script>",
        "file:///etc/passwd",
        "vbscript:x",
    ],
)
def test_dangerous_markdown_links_are_check_errors(newsletter: Newsletter, link: str) -> None:
    text = (
        (MINIMAL / ISSUE)
        .read_text()
        .replace("body: Le texte de l'article.", f"body: {q('[clic](' + link + ')')}")
    )
    root = newsletter({ISSUE: text})
    errors = [p for p in check(Repository(root)).problems if p.is_error]
    assert errors
    assert all(
        p.field == "sections[0].articles[0].body"
        and ("refused" in p.message or "space" in p.message)
        for p in errors
    )


@pytest.mark.parametrize(
    ("where", "field"),
    [
        ("title", "title"),
        ("sender.name", "sender › name"),  # the place as an editor counts
        ("credit", "Section 1 “Opérations”, 1st article “Un article” › image › credit"),
    ],
)
def test_a_line_break_in_a_header_field_is_an_error_naming_it(
    newsletter: Newsletter, lettre: Lettre, where: str, field: str
) -> None:
    hostile = q("Bonjour\r\nBcc: x@example.org")
    files: dict[str, str | bytes | None] = {}
    if where == "sender.name":
        files["publication.yaml"] = (
            (MINIMAL / "publication.yaml")
            .read_text()
            .replace("  name: Cellule de test", f"  name: {hostile}")
        )
    elif where == "title":
        files[ISSUE] = (MINIMAL / ISSUE).read_text() + f"title: {hostile}\n"
    else:
        files[ISSUE] = (
            (MINIMAL / ISSUE)
            .read_text()
            .replace("alt: Une photo", f"alt: Une photo\n          credit: {hostile}")
        )
    root = newsletter(files)
    result = lettre("build", repo=root)
    assert result.exit_code == 1
    assert f"{field}: must be on one line: remove the line break" in result.stderr
    assert not list((root / "dist").rglob("*.eml")) if (root / "dist").exists() else True


@pytest.mark.parametrize(
    "colour",
    [
        "red; background:url(x)",
        "#fff",
        "rgb(0,0,0)",
        "#00265g",
        "#002654; }",
        "expression(alert(1))",
    ],
)
def test_colours_that_are_not_rrggbb_are_refused(newsletter: Newsletter, colour: str) -> None:
    publication = (MINIMAL / "publication.yaml").read_text() + f"colors: {{primary: {q(colour)}}}\n"
    root = newsletter({"publication.yaml": publication})
    [problem] = check(Repository(root)).problems
    assert problem.field == "colors.primary" and "not a colour" in problem.message
