"""The archive: published issues only (drafts on demand, never in the feed), a feed readers
can follow, and a search that finds what people type, tested in chromium."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from lettre.search import fold
from tests.conftest import DAYS, Lettre, Newsletter, copies_of

ATOM = "{http://www.w3.org/2005/Atom}"
STEM = "lettre-de-test-{}"


def three_issues(
    newsletter: Newsletter, files: dict[str, str | bytes | None] | None = None
) -> Path:
    return copies_of(newsletter(files))


def publish(lettre: Lettre, root: Path, day: str) -> None:
    result = lettre("publish", str(root / "bulletins" / day), repo=root)
    assert result.exit_code == 0, result.output


def feed_entries(root: Path) -> list[ET.Element]:
    return ET.parse(root / "dist/feed.xml").getroot().findall(f"{ATOM}entry")


def test_the_archive_lists_published_issues_only(newsletter: Newsletter, lettre: Lettre) -> None:
    root = three_issues(newsletter)
    assert lettre("build", repo=root).exit_code == 0
    publish(lettre, root, "2025-06-06")
    result = lettre("archive", repo=root)
    assert result.exit_code == 0, result.output
    index = (root / "dist/index.html").read_text()
    assert STEM.format("2025-06-06") in index
    for draft in ("2025-05-30", "2025-06-13"):
        assert STEM.format(draft) not in index
        assert draft not in (root / "dist/search.js").read_text()
        assert draft not in (root / "dist/SHA256SUMS").read_text()
        assert (
            f"warning: dist/{draft}: left out of the archive: not published (lettre publish), "
            "a draft: lettre archive --drafts lists it"
        ) in result.stderr
    manifest = json.loads((root / "dist/manifest.json").read_text())
    assert [i["date"] for i in manifest["issues"]] == ["2025-06-06"]
    [entry] = feed_entries(root)
    assert entry.findtext(f"{ATOM}title") and "2025-06-06" in entry.findtext(f"{ATOM}id", "")


def test_drafts_are_marked_and_never_in_the_feed(newsletter: Newsletter, lettre: Lettre) -> None:
    root = three_issues(newsletter)
    assert lettre("build", repo=root).exit_code == 0
    publish(lettre, root, "2025-06-06")
    result = lettre("archive", "--drafts", repo=root)
    assert result.exit_code == 0, result.output
    index = (root / "dist/index.html").read_text()
    assert all(STEM.format(day) in index for day in DAYS)
    assert index.count('class="draft-mark">Brouillon (non publié)</span>') == 2
    assert index.count('<li class="issue draft"') == 2
    assert '<li class="issue" data-date="2025-06-06"' in index
    manifest = json.loads((root / "dist/manifest.json").read_text())
    drafts = {i["date"]: i.get("draft", False) for i in manifest["issues"]}
    assert drafts == {"2025-06-13": True, "2025-06-06": False, "2025-05-30": True}
    assert [e.findtext(f"{ATOM}id") for e in feed_entries(root)] == [
        "urn:lettre:" + STEM.format("2025-06-06")
    ]
    assert "left out" not in result.stderr.replace("no base_url", "")


def test_nothing_published_gives_an_empty_archive_and_says_why(
    newsletter: Newsletter, lettre: Lettre
) -> None:
    root = newsletter()
    assert lettre("build", repo=root).exit_code == 0
    result = lettre("archive", repo=root)
    assert result.exit_code == 0
    assert "Aucune lettre publiée pour l’instant." in (root / "dist/index.html").read_text()
    assert feed_entries(root) == []
    assert "dist/2025-06-13: left out of the archive: not published" in result.stderr


def test_the_feed_is_linked_has_its_language_absolute_links_and_the_pdf_length(
    newsletter: Newsletter, lettre: Lettre
) -> None:
    base = "https://lettre.example.org/archives/"
    publication = (Path(__file__).parent / "data/valid/minimal/publication.yaml").read_text()
    root = newsletter({"publication.yaml": publication + f"language: en\nbase_url: {base}\n"})
    publish(lettre, root, "2025-06-13")
    result = lettre("archive", repo=root)
    assert result.exit_code == 0 and "base_url" not in result.stderr
    index = (root / "dist/index.html").read_text()
    assert '<link rel="alternate" type="application/atom+xml" href="feed.xml"' in index
    feed = ET.parse(root / "dist/feed.xml").getroot()
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    [entry] = feed.findall(f"{ATOM}entry")
    links = {link.get("rel"): link for link in entry.findall(f"{ATOM}link")}
    pdf = root / "dist/2025-06-13" / (STEM.format("2025-06-13") + ".pdf")
    assert links["enclosure"].get("length") == str(pdf.stat().st_size)
    assert links["enclosure"].get("href") == f"{base}2025-06-13/{pdf.name}"
    assert links["alternate"].get("href") == f"{base}2025-06-13/{pdf.stem}.html"
    every = [link.get("href", "") for link in feed.iter(f"{ATOM}link")]
    assert every and all(href.startswith(base) for href in every)


def test_a_feed_without_base_url_is_a_warning(newsletter: Newsletter, lettre: Lettre) -> None:
    root = newsletter()
    publish(lettre, root, "2025-06-13")
    result = lettre("archive", repo=root)
    assert result.exit_code == 0
    assert (
        "warning: publication.yaml: no base_url: the feed's links are relative, which feed "
        "readers cannot follow; set base_url to the address the archive is published at"
    ) in result.stderr
    feed = ET.parse(root / "dist/feed.xml").getroot()
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "fr"


def test_the_proof_and_approval_never_enter_the_archive(
    newsletter: Newsletter, lettre: Lettre
) -> None:
    root = newsletter()
    publish(lettre, root, "2025-06-13")
    (root / "dist/2025-06-13" / (STEM.format("2025-06-13") + "-bat.html")).write_text("<p>BAT</p>")
    assert lettre("archive", repo=root).exit_code == 0
    assert "-bat.html" not in (root / "dist/SHA256SUMS").read_text()
    assert "-bat.html" not in (root / "dist/manifest.json").read_text()


@pytest.mark.parametrize(
    ("typed", "text"),
    [
        ("Jeanne d'Arc", "« Jeanne d’Arc »"),
        ("jeanne d’arc", "Jeanne d'Arc"),
        ("JEANNE Dʼ ARC", "Jeanne dʼ Arc"),
        ("1200", "1 200 soldats"),
        ("1200", "1\u00a0200 soldats"),
        ("1200", "1\u202f200 soldats"),
        ("1 200", "1200 soldats"),
        ("1\u202f200", "1 200"),
        ("1200000", "1 200 000 euros"),
        ("elephant", "l’éléphant"),
        ("ÉLÉPHANT", "elephant"),
        ("coeur", "cœur"),
        ("Noël", "NOËL"),
        ("çà", "ca et la"),
        ("etat-major", "État-major"),
    ],
)
def test_fold_reads_the_same_what_people_type_and_what_was_printed(typed: str, text: str) -> None:
    assert all(word in fold(text) for word in fold(typed).split())


@pytest.mark.parametrize(("typed", "text"), [("1200", "12 00"), ("12", "1 2"), ("2025", "20 25")])
def test_fold_joins_only_thousands(typed: str, text: str) -> None:
    assert typed not in fold(text)


RICH = """date: 2025-06-13
editorial:
  author: Le général Martin
  body: |
    Cette semaine, la mémoire de « Jeanne d’Arc » à Orléans.
headlines:
  - title: Une nouvelle
    summary: Un résumé court.
    url: https://example.org/une
sections:
  - title: Opérations
    articles:
      - title: Un article
        summary: Un chapô.
        body: Le texte de l'article.
        image:
          src: images/photo.jpg
          alt: Une photo
  - title: Vie des unités
    articles:
      - title: Le régiment défile
        summary: Un défilé.
        body: |
          Plus de 1 200 soldats ont défilé devant l’éléphant du zoo.
        author: Claire Dupont
        tags: [Cérémonie, Patrimoine]
        image:
          src: images/photo.jpg
          alt: Le défilé
          caption: Le drapeau du 152e régiment d'infanterie.
"""


def found(page: object, query: str) -> dict[str, list[tuple[str, str]]]:
    """What the search shows for `query`: issue date → [(link, title)] of what matched."""
    page.fill("#search", query)  # type: ignore[attr-defined]
    page.wait_for_function("document.documentElement.dataset.index === 'loaded'")  # type: ignore[attr-defined]
    shown = page.evaluate(  # type: ignore[attr-defined]
        """Object.fromEntries([...document.querySelectorAll('li.issue')].filter(e => !e.hidden)
             .map(e => [e.dataset.date, [...e.querySelectorAll('.found a')]
               .map(a => [a.getAttribute('href'), a.textContent])]))"""
    )
    return {date: [tuple(link) for link in links] for date, links in shown.items()}


def test_search_finds_what_people_type_and_links_the_article(
    newsletter: Newsletter, lettre: Lettre, browser: object
) -> None:
    root = three_issues(newsletter)
    (root / "bulletins/2025-06-13/issue.yaml").write_text(RICH)
    other = root / "bulletins/2025-05-30/issue.yaml"  # 1 and 200, not 1 200: not found
    other.write_text(
        other.read_text().replace("Le texte", "Un char, 200 chevaux et 1 cavalier. Le texte")
    )
    assert lettre("build", repo=root).exit_code == 0
    for day in DAYS:
        publish(lettre, root, day)
    assert lettre("archive", repo=root).exit_code == 0
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto((root / "dist/index.html").as_uri())
    web = "2025-06-13/" + STEM.format("2025-06-13") + ".html"
    article = [(f"{web}#article-2-1", "Le régiment défile")]
    page_text = (root / "dist" / web).read_text()
    assert 'id="article-2-1"' in page_text  # the anchor the search links to is in the web page
    for query in ("1200", "1 200", "1\u202f200", "ELEPHANT", "éléphant du zoo", "claire dupont",
                  "patrimoine", "ceremonie", "152e regiment d’infanterie", "Dupont 1200"):  # fmt: skip
        assert found(page, query) == {"2025-06-13": article}, query
    editorial = {"2025-06-13": [(web, "Éditorial")]}
    assert found(page, "Jeanne d'Arc") == editorial
    assert found(page, "JEANNE D’ARC orleans") == editorial
    assert found(page, "general martin") == editorial
    everywhere = found(page, "un chapô")
    assert sorted(everywhere) == list(DAYS)
    assert everywhere["2025-05-30"] == [
        ("2025-05-30/" + STEM.format("2025-05-30") + ".html#article-1-1", "Un article")
    ]
    assert found(page, "jeanne soldats") == {}  # every word in one place, not across the issue
    assert page.is_visible("#none")
    page.fill("#search", "")
    assert len(found(page, "")) == 3 and not page.is_visible("#none")
    page.close()


def test_a_title_that_looks_like_markup_is_shown_as_text(
    newsletter: Newsletter, lettre: Lettre, browser: object
) -> None:
    root = newsletter()
    issue = root / "bulletins/2025-06-13/issue.yaml"
    issue.write_text(
        issue.read_text().replace(
            "title: Un article", 'title: "<img src=x onerror=alert(1)> Piège"'
        )
    )
    publish(lettre, root, "2025-06-13")
    assert lettre("archive", repo=root).exit_code == 0
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto((root / "dist/index.html").as_uri())
    [[_, title]] = found(page, "piege")["2025-06-13"]
    assert title.startswith("<img src=x") and page.evaluate("document.images.length") == 0
    page.close()


def synthetic_year(count: int) -> list[object]:
    """`count` issues as big as a busy week's: an editorial, 5 headlines, 9 articles of
    about 400 words each, drawn as words come in prose (Zipf's law) from 30,000 words."""
    import random
    from datetime import date, timedelta

    from lettre.archive import Entry
    from lettre.model import Issue, LoadedIssue, Publication
    from lettre.names import names

    chance = random.Random(520)
    letters = "abcdefghijlmnopqrstuvéèàç"
    vocabulary = ["".join(chance.choices(letters, k=chance.randint(2, 12))) for _ in range(30_000)]
    weights = [1 / rank for rank in range(1, len(vocabulary) + 1)]

    def text(words: int) -> str:
        drawn = " ".join(chance.choices(vocabulary, weights, k=words))
        return f"{drawn} {chance.randint(1, 9)} {chance.randint(100, 999)}"

    publication = Publication.model_validate(
        {
            "name": "Lettre",
            "organization": "Cellule",
            "sender": {"name": "C", "email": "c@example.org"},
        }
    )
    entries = []
    for n in range(count):
        day = date(2026, 1, 2) + timedelta(weeks=n)
        article = {"title": text(8), "summary": text(40), "body": text(400) + " corpsdutexte", "author": text(2),
                   "tags": [text(1), text(1)], "image": {"src": "a.jpg", "alt": text(6), "caption": text(15)}}  # fmt: skip
        issue = Issue.model_validate(
            {
                "date": day.isoformat(),
                "number": n + 1,
                "title": text(8),
                "preheader": text(20),
                "editorial": {"body": text(250), "author": text(2)},
                "headlines": [{"title": text(8), "summary": text(35)} for _ in range(5)],
                "sections": [{"title": text(2), "articles": [article] * 3} for _ in range(3)],
            }
        )
        loaded = LoadedIssue(publication, issue, Path(day.isoformat()), (), {})
        named = names(loaded)
        entries.append(Entry(loaded, named, {named.pdf: (800_000, "0" * 64)}))
    return list(reversed(entries))


def test_ten_years_of_issues_keep_the_catalogue_small_and_the_index_loaded_on_demand(
    tmp_path: Path, browser: object
) -> None:
    from lettre.archive import catalogue, search_script
    from lettre.repo import Repository

    entries: list[Any] = synthetic_year(520)
    publication = entries[0].loaded.publication
    page = catalogue(Repository(tmp_path), publication, entries)
    index = search_script(publication, entries)
    print(f"catalogue {len(page.encode()):,} bytes, search.js {len(index.encode()):,} bytes")
    # measured: catalogue 0.52 MB, search.js 7.3 MB (2.6 MB gzipped) for 520 issues of
    # 9 articles of 400 words; the catalogue loads at once, search.js on the first search
    assert len(page.encode()) < 1_000_000
    assert len(index.encode()) < 10_000_000
    assert "corpsdutexte" not in page and "corpsdutexte" in index  # bodies: in search.js only
    assert '"search.js"' in page

    (tmp_path / "index.html").write_text(page)
    (tmp_path / "search.js").write_text(index)
    tab = browser.new_page()  # type: ignore[attr-defined]
    tab.goto((tmp_path / "index.html").as_uri())
    assert tab.evaluate("window.lettreIndex") is None  # not loaded before a search
    oldest = entries[-1].loaded.issue
    word = fold(oldest.sections[2].articles[0].summary).split()[3]
    started = tab.evaluate("performance.now()")
    tab.fill("#search", f"corpsdutexte {word}")
    tab.wait_for_function("document.documentElement.dataset.index === 'loaded'")
    tab.wait_for_selector(f'li.issue[data-date="{entries[-1].date}"] .found a', state="attached")
    took = tab.evaluate("performance.now()") - started
    print(f"first search over 520 issues (index loaded): {took:.0f} ms")
    shown = tab.evaluate(
        "[...document.querySelectorAll('li.issue')].filter(e => !e.hidden).map(e => e.dataset.date)"
    )
    assert entries[-1].date in shown
    tab.close()
