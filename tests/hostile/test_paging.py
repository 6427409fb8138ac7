"""Hostile issues for the print edition laid out page by page (lettre.paging, lettre.fitting,
lettre.hyphenation.install): what a reader sees in the PDF (pdftotext, the images placed)
must hold whatever the issue's length, its photos' shapes or the repository's templates.

Each test builds a real issue with `lettre build` and reads the PDF as a reader would:
every article's title printed once, every photo placed once, the sommaire's page numbers
those of the pages the articles start on."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pikepdf
import yaml

from lettre.templates import environment
from tests.conftest import Lettre
from tests.test_print_layout import Line, read_pdf
from tests.tools.mixed_issue import LOREM, _photo
from tests.tools.pdf_images import placed_images

SHIPPED = Path(__file__).parents[2] / "src/lettre/templates/print.html.j2"


SHAPES = ((600, 400), (350, 500), (750, 250), None)
"""Landscape, portrait, panorama, no photo: in turn."""


def _repo(root: Path, articles: list[dict[str, Any]], photos: dict[str, tuple[int, int]]) -> Path:
    """A newsletter repository with one issue (2025-06-13) of `articles`, ten a section."""
    folder = root / "bulletins/2025-06-13"
    (folder / "images").mkdir(parents=True)
    publication = {
        "name": "Lettre de test",
        "organization": "Cellule de test",
        "sender": {"name": "Cellule de test", "email": "test@lettre.test"},
    }
    (root / "publication.yaml").write_text(yaml.safe_dump(publication), encoding="utf-8")
    sections = [
        {"title": f"Rubrique {k}", "articles": articles[k * 10 : (k + 1) * 10]}
        for k in range((len(articles) + 9) // 10)
    ]
    headline = {"title": "Au sommaire", "summary": "Résumé.", "url": articles[-1]["url"]}
    issue = {"date": "2025-06-13", "headlines": [headline], "sections": sections}
    text = yaml.safe_dump(issue, allow_unicode=True, sort_keys=False)
    (folder / "issue.yaml").write_text(text, encoding="utf-8")
    for hue, (name, (width, height)) in enumerate(photos.items()):
        (folder / "images" / f"{name}.jpg").write_bytes(_photo(width, height, hue * 37))
    return root


def _articles(count: int, title: str) -> tuple[list[dict[str, Any]], dict[str, tuple[int, int]]]:
    """`count` articles titled "Article numéro N" + `title`, photos of every shape in turn."""
    articles, photos = [], {}
    for i in range(count):
        body = "\n\n".join(LOREM.format(n=i * 10 + p) for p in range(1 + i % 4))
        article: dict[str, Any] = {
            "title": f"Article numéro {i} {title}",
            "summary": "Un chapô court.",
            "body": body,
            "url": f"https://example.org/a{i}",
        }
        shape = SHAPES[i % len(SHAPES)]
        if shape:
            photos[f"p{i}"] = shape
            article["image"] = {
                "src": f"images/p{i}.jpg",
                "alt": f"Photo {i}",
                "caption": f"Légende numéro {i} de la photo.",
            }
        articles.append(article)
    return articles, photos


def _build(lettre: Lettre, repo: Path, out: Path) -> tuple[Path, list[Line]]:
    result = lettre("build", "--out", str(out), repo=repo)
    assert result.exit_code == 0, result.output
    pdf, _boxes, read = read_pdf(out)
    return pdf, read.lines


def _plain(text: str) -> str:
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def _title_pages(lines: list[Line], title: str) -> list[int]:
    """The pages where an article's title is printed as a title (13 pt: a line over 14 pt
    high; the sommaire's lines are smaller)."""
    start = " ".join(title.split()[:4])
    return [
        line.page
        for line in lines
        if line.bottom - line.y > 14 and _plain(line.text).startswith(start)
    ]


def _images_placed(pdf: Path) -> int:
    with pikepdf.open(pdf) as document:
        return sum(len(list(placed_images(page))) for page in document.pages)


LONG = "avec un titre très long qui occupe plusieurs lignes dans le sommaire de la lettre"


def test_an_article_is_printed_once_when_the_sommaire_runs_over_three_pages(
    lettre: Lettre, tmp_path: Path
) -> None:
    """30 articles with long titles: the sommaire, a float, ran over pages 1 to 3. Once the
    fitting moved the first article's photo to the side column, its opening was small enough
    for WeasyPrint to lay it beside the sommaire's continuation on page 2, and again on page
    3: its section title, title, chapô, text and photo twice, the photo over the sommaire.
    WeasyPrint does so without lettre's frames too (the next test): a float that goes on
    past its page is now laid out in the flow (paging._unfloat_broken)."""
    articles, photos = _articles(30, LONG)
    repo = _repo(tmp_path / "newsletter", articles, photos)
    _printed_once(lettre, repo, tmp_path, articles, photos)


def test_an_article_is_printed_once_after_a_long_sommaire_without_any_frame(
    lettre: Lettre, tmp_path: Path
) -> None:
    """The same, the first article without a photo: its opening fits beside the sommaire's
    continuation as it is, and WeasyPrint alone printed it on pages 2 and 3."""
    articles, photos = _articles(30, LONG)
    del articles[0]["image"], photos["p0"]
    repo = _repo(tmp_path / "newsletter", articles, photos)
    _printed_once(lettre, repo, tmp_path, articles, photos)


def _printed_once(
    lettre: Lettre,
    repo: Path,
    tmp_path: Path,
    articles: list[dict[str, Any]],
    photos: dict[str, tuple[int, int]],
) -> None:
    pdf, lines = _build(lettre, repo, tmp_path / "dist")
    for article in articles:
        assert len(_title_pages(lines, article["title"])) == 1, (
            article["title"],
            _title_pages(lines, article["title"]),
        )
    for i in range(len(articles)):
        caption = f"Légende numéro {i} de"
        found = [line.page for line in lines if caption in _plain(line.text)]
        assert len(found) == (1 if f"p{i}" in photos else 0), (caption, found)
    assert _images_placed(pdf) == len(photos)


def test_the_sommaire_and_every_article_agree_with_120_articles(
    lettre: Lettre, tmp_path: Path
) -> None:
    """120 articles with short titles (a sommaire of three pages, 68 pages): every title
    once, every photo once, and the sommaire's page number of each article the page its
    title is printed on."""
    articles, photos = _articles(120, "du lot")
    repo = _repo(tmp_path / "newsletter", articles, photos)
    pdf, lines = _build(lettre, repo, tmp_path / "dist")
    sommaire: dict[str, int] = {}
    for line in lines:
        found = re.match(r"(Article numéro \d+ du lot)\s*(?:\.\s*){2,}(\d+)$", _plain(line.text))
        if found:
            sommaire[found.group(1)] = int(found.group(2))
    for article in articles:
        pages = _title_pages(lines, article["title"])
        assert len(pages) == 1, (article["title"], pages)
        title = _plain(article["title"])
        if title in sommaire:  # (a sommaire line that wraps is not read here)
            assert sommaire[title] == pages[0], (title, sommaire[title], pages)
    assert _images_placed(pdf) == len(photos)


def _override(repo: Path, edit: Any) -> None:
    (repo / "templates").mkdir(exist_ok=True)
    shipped = SHIPPED.read_text(encoding="utf-8")
    changed = edit(shipped)
    assert changed != shipped
    (repo / "templates/print.html.j2").write_text(changed, encoding="utf-8")


def test_a_template_override_s_own_moved_block_in_the_side_column_is_printed(
    lettre: Lettre, tmp_path: Path
) -> None:
    """A repository's print.html.j2 that puts its own note, class="moved", in each article's
    side column (print.css shows `.side .moved` only once lettre.paging gives it a box; paging's
    MOVABLE shows it): paging._Tree takes every `.moved` of a side column out of the box tree
    and puts back only a landscape photo's copy, and only when a frame moves that photo: the
    note of an article without a landscape photo is never printed."""
    articles, photos = _articles(4, "court")
    repo = _repo(tmp_path / "newsletter", articles, photos)
    note = '<p class="moved">Note de la rédaction {{ loop.index }}.</p>'
    _override(
        repo,
        lambda text: text.replace('<div class="keep">', f'<div class="keep">{note}'),
    )
    _, lines = _build(lettre, repo, tmp_path / "dist")
    text = _plain(" ".join(line.text for line in lines))
    for i in range(1, 5):
        assert text.count(f"Note de la rédaction {i}.") == 1, (i, text.count(f"rédaction {i}."))


def test_a_template_override_without_the_side_column_copy_builds(
    lettre: Lettre, tmp_path: Path
) -> None:
    """A repository's print.html.j2 written for an older lettre, or trimmed, has no hidden
    copy of a landscape photo in the side column (data-lettre="moved"): the fitting must not
    move a photo there (it gave such a frame and the build failed on an internal error). The
    benchmark's issue is one whose fitting moves landscape photos."""
    from tests.bench import make_year

    (tmp_path / "newsletter").mkdir()
    (folder,) = make_year(tmp_path / "newsletter", 1, width=900)
    copy = re.compile(r'\{% if shape == "wide" %\}<div data-lettre="moved">.*?\{% endif %\}')
    _override(tmp_path / "newsletter", lambda text: copy.sub("", text, count=1))
    result = lettre("build", "--out", str(tmp_path / "dist"), repo=tmp_path / "newsletter")
    assert result.exit_code == 0, result.output
    pdf = next((tmp_path / "dist" / folder.name).glob("*.pdf"))
    photos = len(list((folder / "images").glob("*.jpg")))
    assert _images_placed(pdf) == photos


def test_compiled_templates_follow_their_source_and_their_environment(tmp_path: Path) -> None:
    """templates._Compiled (compiled code kept for the process): one name in the HTML and the
    text environment, in either order, is escaped in the one only; an override edited (same
    size, same modification time) between two builds of one process is read anew."""
    folder = tmp_path / "templates"
    folder.mkdir()
    same = folder / "same.j2"
    same.write_text("[{{ v }}]", encoding="utf-8")
    for order in ((False, True), (True, False)):
        for html in order:
            shown = environment(folder, "fr", html=html).get_template("same.j2").render(v="<b>")
            assert shown == ("[&lt;b&gt;]" if html else "[<b>]"), (order, html, shown)
    before = same.stat()
    same.write_text("({{ v }})", encoding="utf-8")
    os.utime(same, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert environment(folder, "fr").get_template("same.j2").render(v="x") == "(x)"
