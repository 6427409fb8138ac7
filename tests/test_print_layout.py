"""The print edition's layout, measured from the PDF itself as a reader sees it.

poppler's `pdftotext -bbox-layout` gives every line and word with its place on the page;
`pdftoppm` renders the pages. From these: the measure of running text, pages filled, each
article's title kept with its opening, the running head naming the section in hand, and
À la une's "→ p. N" references pointing at the right page.
"""

from __future__ import annotations

import re
import statistics
import subprocess
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from lettre.load import load_issue, load_publication
from lettre.repo import Repository
from tests.conftest import PROJECT, Lettre

MM = 72 / 25.4
TOP, BOTTOM = 18 * MM, 20 * MM
"""print.css's page margins, top and bottom: the text area lies between."""


@dataclass
class Line:
    page: int
    x: float
    y: float
    right: float
    bottom: float
    text: str


class _Boxes(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[Line] = []
        self.page = 0
        self.words: list[str] = []
        self.box: dict[str, float] = {}
        self.in_word = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: float(v) for k, v in attrs if v and k in ("xmin", "ymin", "xmax", "ymax")}
        if tag == "page":
            self.page += 1
        elif tag == "line":
            self.box, self.words = values, []
        elif tag == "word":
            self.in_word = True
            self.words.append("")

    def handle_data(self, data: str) -> None:
        if self.in_word:
            self.words[-1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "word":
            self.in_word = False
        elif tag == "line":
            b = self.box
            self.lines.append(
                Line(self.page, b["xmin"], b["ymin"], b["xmax"], b["ymax"], " ".join(self.words))
            )


@dataclass
class Printed:
    pdf: Path
    lines: list[Line]
    pages: int
    height: float


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> Printed:
    out = tmp_path_factory.mktemp("dist")
    result = Lettre(CliRunner(env={"NO_COLOR": "1"}))("build", "--out", str(out), repo=PROJECT)
    assert result.exit_code == 0, result.output
    pdf = next((out / "2025-06-13").glob("*.pdf"))
    boxes = subprocess.run(
        ["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    parser = _Boxes()
    parser.feed(boxes)
    height = float(re.search(r'<page width="[0-9.]+" height="([0-9.]+)"', boxes).group(1))  # type: ignore[union-attr]
    return Printed(pdf, parser.lines, parser.page, height)


def _issue():  # type: ignore[no-untyped-def]
    repo = Repository(PROJECT)
    publication = load_publication(repo).value
    assert publication
    loaded = load_issue(repo, repo.bulletins / "2025-06-13", publication).value
    assert loaded
    return loaded.issue


def _page_of(printed: Printed, text: str, after_page: int = 1) -> int:
    """The first page (from `after_page`) with a line starting with `text`'s first words."""
    start = " ".join(text.split()[:4])
    return next(
        line.page
        for line in printed.lines
        if line.page >= after_page and line.text.startswith(start)
    )


def test_running_text_has_a_readable_measure(printed: Printed) -> None:
    # running text: lines of the body size (9.5 pt: about 11.5 pt high), from page 2 on,
    # that are not a paragraph's short last line
    body = [
        line
        for line in printed.lines
        if line.page >= 2 and 10 <= line.bottom - line.y <= 13 and len(line.text) >= 25
    ]
    assert len(body) > 40
    widths = sorted(line.right - line.x for line in body)
    full = [line for line in body if line.right - line.x >= 0.85 * widths[int(len(widths) * 0.9)]]
    median = statistics.median(len(line.text) for line in full)
    assert 55 <= median <= 75, median


def test_pages_are_full(printed: Printed, tmp_path: Path) -> None:
    subprocess.run(
        ["pdftoppm", "-r", "30", "-gray", str(printed.pdf), str(tmp_path / "p")], check=True
    )
    pages = sorted(tmp_path.glob("p-*.pgm"))
    assert len(pages) == printed.pages
    for number, path in enumerate(pages[:-1], 1):
        image = Image.open(path)
        scale = image.height / printed.height
        top, bottom = round(TOP * scale), round(image.height - BOTTOM * scale)
        inked = [
            y
            for y in range(top, bottom)
            if image.crop((0, y, image.width, y + 1)).getextrema()[0] < 200
        ]
        empty = (bottom - max(inked)) / (bottom - top)
        assert empty <= 0.15, f"page {number} is {empty:.0%} empty at its foot"


def test_every_article_starts_with_its_title_photo_and_opening_on_one_page(
    printed: Printed,
) -> None:
    issue = _issue()
    for article in issue.articles():
        title_page = _page_of(printed, article.title, 2)
        opening = article.summary or article.body or ""
        assert _page_of(printed, re.sub(r"[*_#>`]", "", opening), title_page) == title_page, (
            article.title
        )


def test_the_running_head_names_the_section_in_hand(printed: Printed) -> None:
    issue = _issue()
    titles = [section.title for section in issue.sections]
    starts = {title: _page_of(printed, title, 2) for title in titles}
    for page in range(2, printed.pages + 1):
        head = " ".join(
            line.text for line in printed.lines if line.page == page and line.bottom < TOP
        )
        in_hand = [
            t
            for t in titles
            if starts[t] < page or (starts[t] == page and _first_on(printed, page, t))
        ]
        expected = in_hand[-1] if in_hand else None
        if expected:
            assert expected in head, (page, head)


def _first_on(printed: Printed, page: int, title: str) -> bool:
    """Whether the section `title` starts at the top of `page` (nothing of the one before)."""
    body = [line for line in printed.lines if line.page == page and line.bottom > TOP]
    return bool(body) and body[0].text.startswith(title)


def test_a_headline_that_is_an_article_says_on_which_page(printed: Printed) -> None:
    issue = _issue()
    by_url = {a.url: a for a in issue.articles() if a.url}
    referred = [h for h in issue.headlines if h.url in by_url]
    assert referred
    first_page = " ".join(line.text for line in printed.lines if line.page == 1)
    for headline in referred:
        page = _page_of(printed, by_url[headline.url].title, 2)
        assert re.search(rf"→ p\. ?{page}\b", first_page.replace("\u00a0", " ")), (
            headline.title,
            page,
        )
    others = [h for h in issue.headlines if h.url and h.url not in by_url]
    for headline in others:  # the others keep their web address
        assert re.sub(r"^https?://(www\.)?", "", headline.url or "").rstrip("/")[:20] in first_page
