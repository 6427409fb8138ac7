"""The archive's search index: every text of every listed issue, folded as people type.

One entry per place a reader can be sent to (the issue itself, its editorial, each headline,
each article), holding the words of its whole text (titles, summaries, bodies, captions,
credits, authors, tags) folded: lower case, no accents, one apostrophe, no thousands
separator ("1 200", with a space, a no-break space or a narrow one, is "1200"). Each word is
kept once per entry, which keeps ten years of issues to a few megabytes.

The catalogue's script folds a query with the same rules (`FOLD_JS`); a test holds the two
to the same results in chromium.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from lettre.markdown import render_text
from lettre.model import Article, Headline, Image, Issue

_APOSTROPHES = str.maketrans({c: "'" for c in "’‘ʼ`´′ʹ"})
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss"})
_NOT_WORD = re.compile(r"[^\w'-]+")
_THOUSANDS = re.compile(r"(?<=\d) (?=\d{3}(?!\d))")


def fold(text: str) -> str:
    """`text` as the index holds it: "« Jeanne d’Arc », 1 200 hommes" → "jeanne d'arc 1200 hommes"."""
    decomposed = unicodedata.normalize("NFKD", text)  # also: no-break spaces become spaces
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    bare = bare.lower().translate(_LIGATURES).translate(_APOSTROPHES)
    spaced = " ".join(_NOT_WORD.sub(" ", bare).replace("_", " ").split())
    return _THOUSANDS.sub("", spaced)


FOLD_JS = r"""s => s.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase()
  .replace(/œ/g, "oe").replace(/æ/g, "ae").replace(/ß/g, "ss")
  .replace(/[’‘ʼ`´′ʹ]/g, "'").replace(/[^\p{L}\p{N}'-]+/gu, " ").replace(/_/g, " ")
  .trim().split(/\s+/).join(" ").replace(/(?<=\d) (?=\d{3}(?!\d))/g, "")"""
"""`fold` in JavaScript, for the catalogue's search field."""


@dataclass(frozen=True)
class Place:
    """A place in an issue a search can find: its anchor in the web version, its title."""

    anchor: str
    title: str
    words: str


def _words(texts: Iterable[str | None]) -> str:
    """The folded words of `texts`, each once, in the order they first come."""
    return " ".join(dict.fromkeys(fold(" ".join(t for t in texts if t)).split()))


def _image(image: Image | None) -> list[str | None]:
    return [image.caption, image.credit, image.alt] if image else []


def _body(source: str | None, language: str) -> str | None:
    return render_text(source, language) if source else None


def places(issue: Issue, title: str, language: str, editorial_title: str) -> Iterator[Place]:
    """Every findable place of `issue`, the issue itself first."""
    yield Place("", title, _words([title, issue.preheader]))
    if issue.editorial:
        editorial = issue.editorial
        name = editorial.title or editorial_title
        yield Place("", name, _words([name, editorial.author, _body(editorial.body, language)]))
    for headline in issue.headlines:
        yield Place("", headline.title, _words(_headline_texts(headline)))
    for s, section in enumerate(issue.sections, 1):
        for article in section.articles:
            texts = [section.title, *_article_texts(article, language)]
            yield Place(f"rubrique-{s}", article.title, _words(texts))


def _headline_texts(headline: Headline) -> list[str | None]:
    return [headline.title, headline.summary, *_image(headline.image)]


def _article_texts(article: Article, language: str) -> list[str | None]:
    body = _body(article.body, language)
    return [
        article.title,
        article.summary,
        body,
        article.author,
        *article.tags,
        *_image(article.image),
    ]


def script(index: list[dict[str, object]]) -> str:
    """search.js: the index as a script the catalogue loads on the first search (a script,
    not a fetch: browsers refuse fetch() on a page opened from the disk)."""
    data = json.dumps(index, ensure_ascii=False, separators=(",", ":"))
    return f"window.lettreIndex = {data};\n"
