"""The web edition, the email's teasers and the links between editions (issue 11)."""

from __future__ import annotations

import email
import re
import shutil
from email.policy import default
from html import unescape
from pathlib import Path

import pytest
from click.testing import CliRunner

from lettre.web import size_label
from tests.conftest import ARTIFACTS, MINIMAL, PROJECT, Lettre
from tests.hostile.test_content import Tags as StartTags
from tests.tools import mixed_issue

BASE = "https://lettre.example.org"
STEM = "lettre-2025-06-13"


class Tags(StartTags):
    """The start tags of a page (tests/hostile/test_content.py), and its Open Graph."""

    def meta(self, name: str) -> str | None:
        found = [
            a.get("content") for t, a in self.tags if t == "meta" and a.get("property") == name
        ]
        return found[0] if found else None


def run() -> Lettre:
    return Lettre(CliRunner(env={"NO_COLOR": "1"}))


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example newsletter built: its output folder."""
    out = tmp_path_factory.mktemp("web") / "dist"
    result = run()("build", "--out", str(out), repo=PROJECT)
    assert result.exit_code == 0, result.output
    return out / "2025-06-13"


def test_the_web_page_and_the_email_have_names_of_their_own(example: Path) -> None:
    web, email = (
        (example / f"{STEM}.html").read_text(),
        (example / f"{STEM}-email.html").read_text(),
    )
    assert "<mjml" not in web and 'class="lt-page' not in web  # not the email's tables
    assert "lt-page" in email
    # "view online" in the email leads to the web page
    assert f'href="{BASE}/2025-06-13/{STEM}.html"' in email


def test_the_web_page_can_be_shared_and_says_its_language(example: Path) -> None:
    tags = Tags((example / f"{STEM}.html").read_text())
    html = next(a for t, a in tags.tags if t == "html")
    assert html["lang"] == "fr"
    title = re.search(r"<title>(.*?)</title>", (example / f"{STEM}.html").read_text())
    assert title and tags.meta("og:title") == unescape(title.group(1))
    assert tags.meta("og:description")
    assert tags.meta("og:url") == f"{BASE}/2025-06-13/{STEM}.html"
    image = tags.meta("og:image") or ""
    assert re.fullmatch(rf"{BASE}/2025-06-13/images/[a-z0-9-]+\.(jpg|png)", image), image
    assert (example / image.removeprefix(f"{BASE}/2025-06-13/")).is_file()


def test_the_web_page_links_to_the_pdf_with_its_size_and_to_the_archive(example: Path) -> None:
    page = (example / f"{STEM}.html").read_text()
    size = size_label((example / f"{STEM}.pdf").stat().st_size, "fr")
    assert f'<a href="{STEM}.pdf">Édition imprimée (PDF, {size})</a>' in page
    assert f'<a href="{BASE}/">Tous les numéros</a>' in page


def test_the_email_links_to_the_pdf_with_its_size_and_to_the_archive(example: Path) -> None:
    email = (example / f"{STEM}-email.html").read_text()
    size = size_label((example / f"{STEM}.pdf").stat().st_size, "fr")
    assert re.search(
        rf'href="{BASE}/2025-06-13/{STEM}\.pdf"[^>]*>Édition imprimée \(PDF, {size}\)', email
    )
    assert re.search(rf'href="{BASE}/"[^>]*>Tous les numéros', email)
    text = (example / f"{STEM}.txt").read_text()
    assert f"{BASE}/2025-06-13/{STEM}.pdf" in text and f"{BASE}/\n" in text


def test_the_sommaire_points_to_the_web_page_and_comes_first(example: Path) -> None:
    email = (example / f"{STEM}-email.html").read_text()
    hrefs = re.findall(r'href="([^"]*#rubrique-\d+)"', email)
    assert hrefs and all(h.startswith(f"{BASE}/2025-06-13/{STEM}.html#rubrique-") for h in hrefs)
    web = (example / f"{STEM}.html").read_text()
    for href in hrefs:
        assert f'id="{href.split("#")[1]}"' in web
    # the print edition's order: the sommaire before À la une
    assert email.index(">Sommaire<") < email.index(">À la une<")


def test_sizes_are_said_as_readers_say_them() -> None:
    assert size_label(1_234_567, "fr") == "1,2\u00a0Mo"
    assert size_label(1_234_567, "en") == "1.2\u00a0MB"
    assert size_label(850_400, "fr") == "850\u00a0Ko"
    assert size_label(12, "en") == "1\u00a0KB"


# --- a typical issue: 4 headlines, 7 articles, full and teasers ---------------------------


EXTRA = 5
"""Articles added to the mixed issue's 7, for a typical issue of 12 (issue 11: 8 to 12)."""


def _mixed(root: Path, articles: str | None, base: bool = True) -> Path:
    mixed_issue.make(root, MINIMAL)
    issue = root / "bulletins/2025-06-13/issue.yaml"
    more = [
        mixed_issue._article(
            f"Article ajouté {n}",
            "Un chapô de deux phrases, comme la plupart. Il dit l'essentiel.",
            mixed_issue._body(4, 50 + n),
            f"ajout-{n}",
            "paysage" if n % 2 else None,
        )
        for n in range(EXTRA)
    ]
    issue.write_text(issue.read_text() + "".join(more), encoding="utf-8")
    publication = root / "publication.yaml"
    extra = f"base_url: {BASE}/\n" if base else ""
    extra += f"email:\n  articles: {articles}\n" if articles else ""
    publication.write_text(publication.read_text() + extra, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The mixed issue built twice: full and teasers (its output folders)."""
    folders = {}
    for mode in ("full", "teasers"):
        root = _mixed(tmp_path_factory.mktemp(mode) / "newsletter", mode)
        result = run()("build", repo=root)
        assert result.exit_code == 0, result.output
        folders[mode] = root / "dist/2025-06-13"
    return folders


def _email(folder: Path) -> str:
    return next(folder.glob("*-email.html")).read_text()


def _articles(folder: Path) -> list[str]:
    web = next(p for p in folder.glob("*.html") if not p.name.endswith("-email.html"))
    return re.findall(r'<article id="(article-\d+-\d+)"', web.read_text())


def test_every_article_has_an_anchor_and_its_whole_text_in_the_web_page(
    mixed: dict[str, Path],
) -> None:
    folder = mixed["teasers"]
    assert _articles(folder) == [f"article-1-{a}" for a in (1, 2, 3)] + [
        f"article-2-{a}" for a in range(1, 5 + EXTRA)
    ]
    web = (folder / "lettre-de-test-2025-06-13.html").read_text()
    # every paragraph of every article, and the editorial's
    assert web.count("Les unités engagées ont conduit") == 12 + 2 + 8 + 5 + 4 * EXTRA + 3


def test_teasers_link_each_article_to_its_place_in_the_web_page(mixed: dict[str, Path]) -> None:
    folder = mixed["teasers"]
    email = _email(folder)
    page = f"{BASE}/2025-06-13/lettre-de-test-2025-06-13.html"
    for anchor in _articles(folder):
        # the title, the photo (when there is one) and the named link all lead there
        assert email.count(f'href="{page}#{anchor}"') >= 2, anchor
    # the number keeps its word (typography's no-break space), in the HTML as in the text
    bodies = tuple(f"ont conduit {n}\u00a0missions" for n in (10, 30, 40))
    email = unescape(email)
    assert not [b for b in bodies if b in email]  # no body: photo, title, chapô
    assert "Brève, nouvelle recrue" in email and "Un court article, une photo carrée." in email
    text = (folder / "lettre-de-test-2025-06-13.txt").read_text()
    assert not [b for b in bodies if b in text]
    assert all(f"{page}#{anchor}" in text for anchor in _articles(folder))
    assert all(b in unescape(_email(mixed["full"])) for b in bodies)


LIGHT = 45_000
"""A typical issue's teaser email, in bytes of HTML (issue 11)."""


def _sent_html(folder: Path) -> str:
    """The HTML of the .eml, as it goes out (its images under base_url)."""
    message = email.message_from_bytes(next(folder.glob("*.eml")).read_bytes(), policy=default)
    [part] = [p for p in message.walk() if p.get_content_type() == "text/html"]
    return str(part.get_content())  # type: ignore[attr-defined]


def test_the_teaser_email_is_light(mixed: dict[str, Path]) -> None:
    assert len(_email(mixed["teasers"]).encode()) <= LIGHT
    assert len(_sent_html(mixed["teasers"]).encode()) <= LIGHT


@pytest.fixture(scope="module")
def example_teasers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example newsletter (this repository's bulletins/, assets/ and publication.yaml),
    its email switched to teasers: its output folder."""
    root = tmp_path_factory.mktemp("example-teasers") / "newsletter"
    root.mkdir()
    for name in ("bulletins", "assets"):
        shutil.copytree(PROJECT / name, root / name)
    publication = (PROJECT / "publication.yaml").read_text(encoding="utf-8")
    assert f"base_url: {BASE}\n" in publication and "\n  articles: full" in publication
    teasers = publication.replace("\n  articles: full", "\n  articles: teasers")
    (root / "publication.yaml").write_text(teasers, encoding="utf-8")
    result = run()("build", repo=root)
    assert result.exit_code == 0, result.output
    return root / "dist/2025-06-13"


def test_the_example_teaser_email_is_light(example_teasers: Path) -> None:
    """The example issue (4 headlines, 8 articles, a long editorial, hosted images) as teasers:
    at most 45 KB of HTML, as built and as sent."""
    html = _email(example_teasers)
    assert html.count(f'href="{BASE}/2025-06-13/{STEM}.html#article-') >= 2 * 8  # teasers
    assert len(html.encode()) <= LIGHT
    sent = _sent_html(example_teasers)
    assert f'src="{BASE}/2025-06-13/images/' in sent
    assert len(sent.encode()) <= LIGHT


HEIGHT = "document.documentElement.scrollHeight"


def test_the_teaser_email_is_at_most_half_as_tall_on_a_phone(
    browser: object, mixed: dict[str, Path]
) -> None:
    heights = {}
    ARTIFACTS.mkdir(exist_ok=True)
    for mode, folder in mixed.items():
        for scheme in ("light", "dark"):
            for width in (375, 600):
                page = browser.new_page(
                    viewport={"width": width, "height": 800}, color_scheme=scheme
                )  # type: ignore[attr-defined]
                page.goto(next(folder.glob("*-email.html")).as_uri())
                if (scheme, width) == ("light", 375):
                    heights[mode] = page.evaluate(HEIGHT)
                path = ARTIFACTS / f"email-{mode}-{width}-{scheme}.png"
                page.screenshot(path=str(path), full_page=True)
                page.close()
    assert heights["teasers"] <= heights["full"] / 2, heights


def test_teasers_without_base_url_are_a_located_error(tmp_path: Path) -> None:
    root = _mixed(tmp_path / "newsletter", "teasers", base=False)
    result = run()("check", repo=root)
    assert result.exit_code == 1
    assert re.search(
        r"publication\.yaml:\d+:\d+: email › articles: teasers link each article to the web "
        r"edition, which needs an address; add base_url \(https://…\) or write articles: full",
        result.output,
    ), result.output


def test_an_unknown_article_mode_is_a_located_error(tmp_path: Path) -> None:
    root = _mixed(tmp_path / "newsletter", "resume")
    result = run()("check", repo=root)
    assert result.exit_code == 1 and "email › articles: " in result.output, result.output


# --- the web page in a browser -------------------------------------------------------------


@pytest.mark.parametrize("width", [320, 375, 768, 1440])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_web_page_overflows_nowhere(
    browser: object, example: Path, width: int, scheme: str
) -> None:
    page = browser.new_page(viewport={"width": width, "height": 900}, color_scheme=scheme)  # type: ignore[attr-defined]
    page.goto((example / f"{STEM}.html").as_uri())
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    wider = page.evaluate(
        f"[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > {width} + 1).map(e => e.tagName)"
    )
    assert wider == []
    broken = page.evaluate("[...document.images].filter(i => i.naturalWidth === 0).map(i => i.src)")
    assert broken == []
    if width in (375, 1440):
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"web-{width}-{scheme}.png"), full_page=True)
    page.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_serious_in_the_web_page(
    browser: object, example: Path, scheme: str
) -> None:
    from axe_playwright_python.sync_playwright import Axe

    page = browser.new_page(viewport={"width": 1024, "height": 900}, color_scheme=scheme)  # type: ignore[attr-defined]
    page.goto((example / f"{STEM}.html").as_uri())
    results = Axe().run(page)
    serious = [
        (v["id"], [n["html"][:80] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
    page.close()


# --- logo_dark ------------------------------------------------------------------------------


def _logo(color: tuple[int, int, int]) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGBA", (300, 100), (*color, 255)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def with_dark_logo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("dark") / "newsletter"
    shutil.copytree(MINIMAL, root)
    (root / "assets").mkdir(exist_ok=True)
    (root / "assets/logo.png").write_bytes(_logo((0, 38, 84)))
    (root / "assets/logo-dark.png").write_bytes(_logo((240, 240, 240)))
    publication = root / "publication.yaml"
    publication.write_text(
        publication.read_text() + "logo: assets/logo.png\nlogo_dark: assets/logo-dark.png\n"
    )
    result = run()("build", repo=root)
    assert result.exit_code == 0, result.output
    return root / "dist/2025-06-13"


SHOWN_LOGO = """[...document.querySelectorAll('img')].filter(i => {
  const r = i.getBoundingClientRect(); return r.width > 0 && r.height > 0 && r.top < 150; })
  .map(i => ({src: i.getAttribute('src'), plate: getComputedStyle(i).backgroundImage}))"""


@pytest.mark.parametrize("page_name", ["-email.html", ".html"])
def test_the_dark_logo_is_the_one_shown_in_dark_mode(
    browser: object, with_dark_logo: Path, page_name: str
) -> None:
    page_file = with_dark_logo / f"lettre-de-test-2025-06-13{page_name}"
    shown = {}
    for scheme in ("light", "dark"):
        page = browser.new_page(viewport={"width": 375, "height": 800}, color_scheme=scheme)  # type: ignore[attr-defined]
        page.goto(page_file.as_uri())
        shown[scheme] = page.evaluate(SHOWN_LOGO)
        page.close()
    # "logo-[0-9a-f]*" would match "logo-dark-…" too ("d" is a hex digit): name it exactly
    [light] = [
        f"images/{p.name}"
        for p in (with_dark_logo / "images").glob("logo-*")
        if not p.name.startswith("logo-dark-")
    ]
    assert [i["src"] for i in shown["light"]] == [light]
    assert [i["src"] for i in shown["dark"]] == [
        next(f"images/{p.name}" for p in (with_dark_logo / "images").glob("logo-dark-*"))
    ]


def test_without_a_dark_logo_the_logo_keeps_a_light_plate_gmail_does_not_invert(
    browser: object, tmp_path: Path
) -> None:
    """Gmail's forced inversion recolours backgrounds, not background images: the logo's
    plate is a white gradient, so a dark logo stays on white whatever Gmail does. (Apple's
    dark mode keeps the whole plate white when there is no logo_dark.)"""
    root = tmp_path / "newsletter"
    shutil.copytree(MINIMAL, root)
    (root / "assets").mkdir(exist_ok=True)
    (root / "assets/logo.png").write_bytes(_logo((0, 38, 84)))
    publication = root / "publication.yaml"
    publication.write_text(publication.read_text() + "logo: assets/logo.png\n")
    assert run()("build", repo=root).exit_code == 0
    page = browser.new_page(viewport={"width": 600, "height": 800}, color_scheme="dark")  # type: ignore[attr-defined]
    page.goto((root / "dist/2025-06-13/lettre-de-test-2025-06-13-email.html").as_uri())
    [logo] = page.evaluate(SHOWN_LOGO)
    plate = page.evaluate(
        "getComputedStyle(document.querySelector('.lt-plate table')).backgroundColor"
    )
    page.close()
    assert logo["plate"] == "linear-gradient(rgb(255, 255, 255), rgb(255, 255, 255))"
    assert plate == "rgb(255, 255, 255)"


def test_a_changed_dark_logo_rebuilds_the_issue(with_dark_logo: Path) -> None:
    root = with_dark_logo.parent.parent
    again = run()("build", repo=root)
    assert "0 built, 1 unchanged" in again.output, again.output
    (root / "assets/logo-dark.png").write_bytes(_logo((250, 250, 200)))
    changed = run()("build", repo=root)
    assert "1 built, 0 unchanged" in changed.output, changed.output
    (root / "assets/logo-dark.png").write_bytes(_logo((240, 240, 240)))  # as the module had it
    assert run()("build", repo=root).exit_code == 0
