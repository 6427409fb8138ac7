"""The web edition: the whole issue as a page made for browsers, and the links between editions.

Pure functions, like mail.py: `render_web` returns the page's HTML; `build.py` writes it. The
page shares the email's words, theme tokens and Markdown, not its tables: one column of
plain HTML and a little CSS, readable from 320 to 1440 px, light and dark.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypedDict

from babel.numbers import format_decimal
from jinja2.sandbox import SandboxedEnvironment

from lettre import outlook
from lettre.i18n import default_title
from lettre.model import Issue, LoadedIssue, Publication
from lettre.names import Names, article_id, section_id
from lettre.templates import render
from lettre.theme import theme

_LOCALES = {"fr": "fr_FR", "en": "en_GB"}
_UNITS = {"fr": ("Ko", "Mo"), "en": ("KB", "MB")}
COLUMN = 720
"""The page's column, in CSS px: photos are made 1,200 px wide, sharp up to there."""
MAX_PHOTO_HEIGHT = 540
"""A portrait photo is shown at most this tall, so that it never fills a whole screen."""

WORDS: dict[str, dict[str, str]] = {
    "fr": {
        "print": "Édition imprimée",
        "archive": "Tous les numéros",
        "web": "Version en ligne",
        "skip": "Aller au contenu",
        "more": "En savoir plus",
    },
    "en": {
        "print": "Print edition",
        "archive": "All issues",
        "web": "Web version",
        "skip": "Skip to the content",
        "more": "Find out more",
    },
}
"""The words the web page and the links between editions add to i18n.LABELS."""


def size_label(size: int, language: str) -> str:
    """A file's size as a reader says it: "850 Ko", "1,2 Mo" / "850 KB", "1.2 MB"."""
    kilo, mega = _UNITS[language]
    locale = _LOCALES[language]
    if size < 1_000_000:
        return f"{max(1, round(size / 1000))}\u00a0{kilo}"
    return f"{format_decimal(size / 1_000_000, format='#,##0.#', locale=locale)}\u00a0{mega}"


@dataclass(frozen=True)
class Links:
    """Where one edition links to the others (from names.py): None where there is nothing."""

    web: str | None = None
    """The web page's address (with base_url)."""
    pdf: str | None = None
    """The PDF's address (with base_url)."""
    pdf_size: str | None = None
    """The PDF's size, as a reader says it, when it was made in this build."""
    archive: str | None = None
    """The archive's catalogue (with base_url)."""

    def place(self, anchor: str) -> str:
        """A place in the issue: in the web page with base_url, in the message itself without."""
        return f"{self.web}#{anchor}" if self.web else f"#{anchor}"

    def article(self, section: int, article: int) -> str | None:
        """An article's place in the web page (both counted from 1), or None without it."""
        return f"{self.web}#{article_id(section, article)}" if self.web else None

    def section(self, section: int) -> str:
        return self.place(section_id(section))


def links(loaded: LoadedIssue, named: Names, made: Mapping[str, bytes]) -> Links:
    """The links from the email to the other editions of the issue."""
    pdf = made.get(named.pdf)
    size = size_label(len(pdf), loaded.publication.language) if pdf is not None else None
    return Links(named.web_url, named.pdf_url, size, named.archive_url)


class WebContext(TypedDict):
    """What web.html.j2 receives."""

    publication: Publication
    issue: Issue
    number: int
    title: str
    own_title: bool
    theme: dict[str, str]
    words: dict[str, str]
    logo: dict[str, Any] | None
    """{src, width, height} of the logo as shown, or None."""
    logo_dark: dict[str, Any] | None
    image_url: Callable[[str], str]
    """An issue image (by its `src`) → its address, relative to the page."""
    image_size: Callable[[str, int], tuple[int, int]]
    """An issue image (by its `src`) and a box width → the (width, height) to show it."""
    article_id: Callable[[int, int], str]
    section_id: Callable[[int], str]
    pdf: str | None
    """The PDF's name beside the page, when this build made it."""
    pdf_size: str | None
    archive: str
    """The archive's catalogue: absolute with base_url, else relative to the page."""
    page_url: str | None
    """The page's own address (Open Graph's og:url), with base_url."""
    share_image: str | None
    """The absolute address of the image shown when the page is shared (og:image)."""


@dataclass(frozen=True)
class Pictures:
    """The images as the web page shows them, made ready by the build."""

    url: Callable[[str], str]
    """An issue image (by its `src`) → its address, relative to the page."""
    pixels: Callable[[str], tuple[int, int]]
    """An issue image (by its `src`) → its width and height in pixels."""
    logo: dict[str, Any] | None = None
    logo_dark: dict[str, Any] | None = None
    share: str | None = None
    """The absolute address of the issue's first photo (with base_url)."""


def render_web(
    env: SandboxedEnvironment,
    loaded: LoadedIssue,
    named: Names,
    made: Mapping[str, bytes],
    pictures: Pictures,
) -> str:
    """The web page of the issue."""
    publication, language = loaded.publication, loaded.publication.language
    pdf = made.get(named.pdf)

    def image_size(src: str, box: int) -> tuple[int, int]:
        return outlook.fit(*pictures.pixels(src), box, MAX_PHOTO_HEIGHT)

    ctx = WebContext(
        publication=publication,
        issue=loaded.issue,
        number=loaded.number,
        title=loaded.title,
        own_title=loaded.title != default_title(publication.name, loaded.issue.date, language),
        theme=theme(publication.colors).tokens(),
        words=WORDS[language],
        logo=pictures.logo,
        logo_dark=pictures.logo_dark,
        image_url=pictures.url,
        image_size=image_size,
        article_id=article_id,
        section_id=section_id,
        pdf=named.pdf if pdf is not None else None,
        pdf_size=size_label(len(pdf), language) if pdf is not None else None,
        archive=named.archive_url or "../index.html",
        page_url=named.web_url,
        share_image=pictures.share,
    )
    return render(env, "web.html.j2", ctx)
