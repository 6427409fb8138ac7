"""The email edition of the example issue, read as its recipients' programs would read it."""

from __future__ import annotations

import email
import re
import smtplib
import socket
import subprocess
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner
from PIL import Image

from lettre.mail import GMAIL_CLIP
from tests.conftest import ARTIFACTS, ISSUE, PROJECT, Lettre, Newsletter

STEM = "lettre-2025-06-13"


@dataclass
class Edition:
    folder: Path
    html: str
    text: str
    eml: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.eml, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    def part(self, content_type: str) -> str:
        [found] = [p for p in self.message.walk() if p.get_content_type() == content_type]
        return str(found.get_content())  # type: ignore[attr-defined]


def build(lettre: Lettre, repo: Path, out: Path, *args: str) -> Edition:
    result = lettre("build", "--out", str(out), *args, repo=repo)
    assert result.exit_code == 0, result.output
    folder = out / "2025-06-13"
    stem = next(folder.glob("*.eml")).stem
    return Edition(
        folder,
        (folder / f"{stem}-email.html").read_text(),
        (folder / f"{stem}.txt").read_text(),
        (folder / f"{stem}.eml").read_bytes(),
    )


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Edition:
    lettre = Lettre(CliRunner(env={"NO_COLOR": "1"}))
    return build(lettre, PROJECT, tmp_path_factory.mktemp("dist"), "--images", "cid")


class Page(HTMLParser):
    """Elements, links, images and headings of an HTML page, as a parser sees them."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.headings: list[int] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))

    def all(self, tag: str) -> list[dict[str, str]]:
        return [attrs for name, attrs in self.tags if name == tag]


# --- what the files hold ------------------------------------------------------------------


def test_outputs_and_weight(example: Edition) -> None:
    names = sorted(p.name for p in example.folder.iterdir() if not p.name.startswith("."))
    assert names == [
        "images",
        f"{STEM}-email.html",
        f"{STEM}.eml",
        f"{STEM}.html",
        f"{STEM}.pdf",
        f"{STEM}.txt",
    ]
    assert len(example.html.encode()) < GMAIL_CLIP
    assert len(example.part("text/html").encode()) < GMAIL_CLIP


def test_every_headline_and_article_is_in_the_html_and_the_text(example: Edition) -> None:
    from lettre.load import check
    from lettre.repo import Repository

    [loaded] = check(Repository(PROJECT)).issues
    titles = [h.title for h in loaded.issue.headlines] + [a.title for a in loaded.issue.articles()]
    for title in titles:
        assert title in example.html.replace("&#39;", "'").replace("&#x27;", "'")
        assert title in example.text


def test_accessibility_structure(example: Edition) -> None:
    page = Page(example.html)
    assert page.all("html")[0]["lang"] == "fr"
    assert any(attrs.get("lang") == "fr" for name, attrs in page.tags if name == "div")
    assert re.search(r"<title>Lettre hebdomadaire n°.24.: cap sur l’été</title>", example.html)
    layout = [
        t
        for t in page.all("table")
        if "style" not in t or "border-collapse:collapse;width:100%" not in t["style"]
    ]
    assert layout and all(t.get("role") == "presentation" for t in layout)
    assert all(img.get("alt") for img in page.all("img"))
    assert page.headings[0] == 1
    assert all(b - a <= 1 for a, b in zip(page.headings, page.headings[1:], strict=False))
    links = [a for a in page.all("a")]
    assert all(a.get("href") for a in links)


def test_dark_mode_is_declared(example: Edition) -> None:
    assert '<meta name="color-scheme" content="light dark"' in example.html
    assert '<meta name="supported-color-schemes" content="light dark"' in example.html
    assert "@media (prefers-color-scheme: dark)" in example.html


def test_preheader_and_view_online(example: Edition) -> None:
    hidden = re.search(r'<body[^>]*><div style="display:none;[^"]*">([^<]*)</div>', example.html)
    assert hidden and hidden.group(1).startswith("Mission Jeanne d’Arc, exercice Cimes 25")
    assert "\\u{" not in example.html  # MRML writes some characters Rust-escaped in attributes
    assert 'href="https://lettre.example.org/2025-06-13/lettre-2025-06-13.html"' in example.html


def test_text_part_reads_at_72_columns_with_links_written_out(example: Edition) -> None:
    lines = example.text.splitlines()
    assert all(len(line) <= 72 or re.fullmatch(r"\S+", line.strip()) for line in lines)
    links = {a["href"] for a in Page(example.html).all("a") if not a["href"].startswith("#")}
    for link in links:  # an e-mail link may be written as the bare address
        assert link in example.text or link.removeprefix("mailto:") in example.text, link


def test_images_are_resized_stripped_and_progressive(example: Edition) -> None:
    for path in (example.folder / "images").glob("*.jpg"):
        with Image.open(path) as image:
            assert image.width <= 1200
            assert not image.getexif()
            assert image.info.get("progressive") or image.info.get("progression")


# --- the .eml -------------------------------------------------------------------------------


def test_eml_headers(example: Edition) -> None:
    message = example.message
    assert message["Subject"] == "Lettre hebdomadaire n°\u00a024\u00a0: cap sur l’été"
    assert message["From"] == "Cellule communication <communication@example.org>"
    assert message["Reply-To"] == "redaction@example.org"
    assert message["Date"] == "Fri, 13 Jun 2025 08:00:00 +0200"
    assert re.fullmatch(r"<[0-9a-f]{32}@example\.org>", message["Message-ID"])
    assert message["MIME-Version"] == "1.0"
    assert message["List-Unsubscribe"].strip() == "<https://lettre.example.org/desinscription>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Id"] == "Lettre hebdomadaire de communication <lettre.example.org>"
    # the canonical tree: alternative(text, related(html, images)); no image as attachment
    assert message.get_content_type() == "multipart/alternative"
    text, related = message.iter_parts()  # type: ignore[attr-defined]
    assert text.get_content_type() == "text/plain"
    assert related.get_content_type() == "multipart/related"
    html, *images = related.iter_parts()
    assert html.get_content_type() == "text/html" and related.get_param("type") == "text/html"
    assert images and all(i.get_content_type().startswith("image/") for i in images)
    assert all(i.get_content_disposition() == "inline" and i.get_filename() is None for i in images)
    raw_headers = example.eml.split(b"\r\n\r\n", 1)[0]
    assert raw_headers.isascii()
    assert max(len(line) for line in example.eml.split(b"\r\n")) <= 998


def test_every_cid_resolves_to_a_part(example: Edition) -> None:
    html = example.part("text/html")
    cids = set(re.findall(r'src="cid:([^"]+)"', html))
    parts = {str(p["Content-ID"]).strip("<>") for p in example.message.walk() if p["Content-ID"]}
    assert cids and cids == parts


def test_hosted_images_are_absolute_urls(tmp_path: Path, lettre: Lettre) -> None:
    edition = build(lettre, PROJECT, tmp_path, "--images", "hosted")
    html = edition.part("text/html")
    sources = re.findall(r'<img[^>]* src="([^"]+)"', html)
    assert sources and all(
        s.startswith("https://lettre.example.org/2025-06-13/images/") for s in sources
    )
    assert edition.message.get_content_type() == "multipart/alternative"
    assert (edition.folder / "images").is_dir()


def test_sent_through_a_real_smtp_server_arrives_byte_for_byte(example: Edition) -> None:
    received: list[bytes] = []

    class Handler:
        async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
            received.append(envelope.original_content)  # type: ignore[attr-defined]
            return "250 OK"

    with socket.socket() as probe:  # a free port on the loopback
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with smtplib.SMTP(controller.hostname, controller.port, timeout=10) as client:
            client.sendmail("communication@example.org", ["lecteur@example.org"], example.eml)
    finally:
        controller.stop()
    assert received == [example.eml]


def test_two_builds_give_the_same_bytes(tmp_path: Path, lettre: Lettre) -> None:
    first = build(lettre, PROJECT, tmp_path / "a", "--images", "cid")
    second = build(lettre, PROJECT, tmp_path / "b", "--images", "cid")
    assert (first.html, first.text, first.eml) == (second.html, second.text, second.eml)
    images = sorted(p.name for p in (first.folder / "images").iterdir())
    assert images == sorted(p.name for p in (second.folder / "images").iterdir())


# --- hostile content, overrides, budget ----------------------------------------------------

HOSTILE_TITLE = "Alerte <script>alert(1)</script> {{ 7*7 }} <mj-section>x</mj-section>"
HOSTILE_BODY = """Texte <img src=x onerror=alert(1)> et {{ cycler.__init__.__globals__ }} {% raw %}

<mj-include path="/etc/passwd" />

Un lien [piégé](javascript:alert(1)) et un autre [piégé](JaVa\tscript:alert(1)).
"""


def hostile_issue(newsletter: Newsletter) -> Path:
    text = (PROJECT / "tests/data/valid/minimal" / ISSUE).read_text()
    text = text.replace("title: Un article", f"title: '{HOSTILE_TITLE}'")
    text = text.replace(
        "body: Le texte de l'article.",
        "body: |\n" + "".join(f"          {line}\n" for line in HOSTILE_BODY.splitlines()),
    )
    text = text.replace(
        "alt: Une photo", "alt: Une photo\n          credit: '<b onmouseover=alert(1)>© x</b>'"
    )
    return newsletter({ISSUE: text})


def test_hostile_content_is_inert_everywhere(
    newsletter: Newsletter, lettre: Lettre, tmp_path: Path
) -> None:
    root = hostile_issue(newsletter)
    # check refuses the javascript: links; without them, the rest must render inert
    result = lettre("check", repo=root)
    assert "link to 'javascript:alert(1)' refused" in result.stderr
    text = (
        (root / ISSUE)
        .read_text()
        .replace("[piégé](javascript:alert(1))", "piégé")
        .replace("[piégé](JaVa\tscript:alert(1))", "piégé")
    )
    (root / ISSUE).write_text(text)
    edition = build(lettre, root, tmp_path / "dist")
    for html in (edition.html, edition.part("text/html")):
        page = Page(html)
        assert not page.all("script") and not page.all("mj-section") and not page.all("mj-include")
        assert all(not k.startswith("on") for _, attrs in page.tags for k in attrs)
        assert all(
            not a["href"].lower().startswith(("javascript", "data", "file")) for a in page.all("a")
        )
        assert "49" not in re.sub(r"#[0-9a-f]{6}|\d+px|[0-9a-f]{10}", "", html)
        assert "&lt;script&gt;alert(1)&lt;/script&gt; {{ 7*7 }}" in html
    assert HOSTILE_TITLE in edition.text  # the text part is text: shown as typed, never run
    assert "{{ cycler.init.globals }}" in edition.text  # Markdown's __bold__, not a template


def test_a_template_override_replaces_the_footer_only(
    newsletter: Newsletter, lettre: Lettre, tmp_path: Path
) -> None:
    footer = (
        "<mj-section><mj-column><mj-text>"
        "Pied de page de la base aérienne, {{ publication.organization }}"
        "</mj-text></mj-column></mj-section>\n"
    )
    root = newsletter({"templates/email/footer.mjml.j2": footer})
    edition = build(lettre, root, tmp_path / "dist")
    assert "Pied de page de la base aérienne, Cellule de test" in edition.html
    assert "Un article" in edition.html and "À la une" in edition.html


def test_parts_overridden_as_whole_sections_still_build(
    newsletter: Newsletter, lettre: Lettre, tmp_path: Path
) -> None:
    """The sommaire and a section are written in the column the card's first section and its
    sections share; an override written as a whole mj-section, as these parts once were,
    still compiles (a section within the column) and shows its text, no mj-* tag left."""
    section = (
        "<mj-section><mj-column><mj-text>Rubrique maison : {{ section.title }}"
        "</mj-text></mj-column></mj-section>\n"
    )
    contents = "<mj-section><mj-column><mj-text>Sommaire maison</mj-text></mj-column></mj-section>"
    root = newsletter(
        {"templates/email/section.mjml.j2": section, "templates/email/contents.mjml.j2": contents}
    )
    edition = build(lettre, root, tmp_path / "dist")
    assert "Rubrique maison : Opérations" in edition.html and "Sommaire maison" in edition.html
    assert "Une nouvelle" in edition.html and "<mj-" not in edition.html


def test_an_override_can_extend_the_default(
    newsletter: Newsletter, lettre: Lettre, tmp_path: Path
) -> None:
    wrapper = '{% extends "default:email/footer.mjml.j2" %}'
    root = newsletter({"templates/email/footer.mjml.j2": wrapper})
    edition = build(lettre, root, tmp_path / "dist")
    assert "Cellule de test — Lettre de test" in edition.html


def test_templates_are_compiled_once_and_again_when_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every issue makes its own environments; the templates they load are compiled once
    a process (the workers inherit them compiled), but an override that changed (the
    preview rebuilds in one process as the editor saves) is compiled anew."""
    from jinja2 import Environment

    from lettre.templates import compile_shipped, environment

    compiled: list[str | None] = []
    real = Environment.compile

    def counting(self: Environment, source: str, name: str | None = None, *args: object) -> object:
        compiled.append(name)
        return real(self, source, name, *args)

    monkeypatch.setattr(Environment, "compile", counting)
    compile_shipped()
    compiled.clear()
    environment(None, "fr").get_template("print.html.j2")
    environment(None, "en", html=False).get_template("email.txt.j2")
    assert compiled == []
    overrides = tmp_path / "templates"
    overrides.mkdir()
    (overrides / "note.j2").write_text("Version 1", encoding="utf-8")
    assert environment(overrides, "fr").get_template("note.j2").render() == "Version 1"
    (overrides / "note.j2").write_text("Version 2", encoding="utf-8")
    assert environment(overrides, "fr").get_template("note.j2").render() == "Version 2"
    assert compiled == ["note.j2", "note.j2"]


def test_a_large_issue_is_shortened_to_stay_under_gmails_limit(
    newsletter: Newsletter, lettre: Lettre, tmp_path: Path
) -> None:
    paragraph = "Un paragraphe assez long pour peser dans le courriel, répété. " * 12
    articles = "".join(
        f"      - title: Article {i}\n        summary: Chapô {i}.\n        url: https://example.org/{i}\n"
        f"        body: |\n          {paragraph}\n\n          {paragraph}\n"
        for i in range(30)
    )
    text = (
        (PROJECT / "tests/data/valid/minimal" / ISSUE)
        .read_text()
        .replace("    articles:\n", "    articles:\n" + articles)
    )
    root = newsletter({ISSUE: text})
    result = lettre("build", "--out", str(tmp_path / "dist"), repo=root)
    assert result.exit_code == 0
    shortened = [
        int(n) for n in re.findall(r"“Article (\d+)” is shortened in the email", result.stderr)
    ]
    assert shortened and shortened == list(range(30 - len(shortened), 30))  # the lowest ones
    html = (tmp_path / "dist/2025-06-13/lettre-de-test-2025-06-13-email.html").read_text()
    assert len(html.encode()) < 90_000
    assert "Article 29" in html and "Article abrégé dans ce courriel" in html
    pdf = tmp_path / "dist/2025-06-13/lettre-de-test-2025-06-13.pdf"
    printed = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert (
        printed.count("Un paragraphe assez long pour peser") >= 2 * 30
    )  # the PDF keeps every article whole
    assert lettre("build", "--strict", "--out", str(tmp_path / "dist"), repo=root).exit_code == 1


# --- in a real browser ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def page_url(example: Edition) -> str:
    return (example.folder / f"{STEM}-email.html").as_uri()


@pytest.mark.parametrize("width", [320, 375, 600])
def test_no_overflow_and_every_image_loads(browser: object, page_url: str, width: int) -> None:
    page = browser.new_page(viewport={"width": width, "height": 900})  # type: ignore[attr-defined]
    page.goto(page_url)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    broken = page.evaluate(
        "[...document.images].filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)"
    )
    assert broken == []
    overlapping = page.evaluate(OVERLAP)
    assert overlapping == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"email-{width}.png"), full_page=True)
    page.close()


OVERLAP = """
(() => {
  const boxes = [...document.querySelectorAll('h1, h2, h3, p, li, img, td > a')]
    .map(e => [e, e.getBoundingClientRect()]).filter(([, r]) => r.width && r.height);
  const bad = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const [a, r] = boxes[i], [b, s] = boxes[j];
    if (a.contains(b) || b.contains(a)) continue;
    const x = Math.min(r.right, s.right) - Math.max(r.left, s.left);
    const y = Math.min(r.bottom, s.bottom) - Math.max(r.top, s.top);
    if (x > 2 && y > 2) bad.push(a.outerHTML.slice(0, 60) + ' / ' + b.outerHTML.slice(0, 60));
  }
  return bad;
})()
"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_serious_violation(browser: object, page_url: str, scheme: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    page = browser.new_page(viewport={"width": 600, "height": 900}, color_scheme=scheme)  # type: ignore[attr-defined]
    page.goto(page_url)
    results = Axe().run(page)
    serious = [
        v["id"] for v in results.response["violations"] if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
    page.close()


MASTHEAD = """(() => {
  const rgb = c => (c.match(/[0-9.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map(v => v / 255)
    .map(v => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)
    .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
  const ratio = (a, b) => { const [x, y] = [lum(rgb(a)), lum(rgb(b))].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const plate = getComputedStyle(document.querySelector('.lt-plate table')).backgroundColor;
  const texts = [...document.querySelectorAll('.lt-plate-text div, .lt-plate-text p')].map(d => ratio(getComputedStyle(d).color, plate));
  const logos = [...document.querySelectorAll('.lt-plate img')].filter(i => i.getBoundingClientRect().width > 0);
  return {plate, texts, logos: logos.map(i => i.getAttribute('src'))};
})()"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_masthead_is_legible_and_shows_the_logo_for_its_background(
    browser: object, page_url: str, scheme: str
) -> None:
    """The example has a logo_dark: in dark mode the plate turns dark and shows it."""
    page = browser.new_page(viewport={"width": 600, "height": 900}, color_scheme=scheme)  # type: ignore[attr-defined]
    page.goto(page_url)
    found = page.evaluate(MASTHEAD)
    page.close()
    assert len(found["texts"]) >= 2 and min(found["texts"]) >= 4.5, found  # organisation, name
    [logo] = found["logos"]
    assert logo.startswith("images/logo-dark-" if scheme == "dark" else "images/logo-"), logo
    assert (found["plate"] == "rgb(255, 255, 255)") == (scheme == "light"), found


def test_readable_with_images_blocked(browser: object, page_url: str) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 900})  # type: ignore[attr-defined]
    context.route("**/*.{jpg,png}", lambda route: route.abort())
    page = context.new_page()
    page.goto(page_url)
    text = page.inner_text("body")
    assert "La mission Jeanne d’Arc fait escale à Dakar" in text
    assert "Lire la suite" in text
    alts = page.evaluate("[...document.images].map(i => i.alt)")
    assert alts and all(alts)
    context.close()
