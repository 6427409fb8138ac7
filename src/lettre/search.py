"""The archive's search index: every text of every listed issue, folded as people type.

One entry per place a reader can be sent to (the issue itself, its editorial, each headline,
each article), holding the words of its whole text (titles, summaries, bodies, captions,
credits, authors, tags) folded: lower case, no accents, one apostrophe, no thousands
separator ("1 200", with a space, a no-break space or a narrow one, is "1200").

Each word is written once in the whole index (the most frequent first), and each place
holds the numbers of its words (base 36: "de" is "0"), each once: ten years of issues take
a few megabytes, loaded only when someone searches (see archive.html.j2).

The catalogue's script folds a query with the same rules (`FOLD_JS`); a test holds the two
to the same results in chromium.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from markdown_it.token import Token

from lettre.markdown import _parser
from lettre.model import Article, Headline, Image, Issue
from lettre.names import article_id

_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")
"""The combining marks accents decompose into (the same ranges as FOLD_JS)."""
_APOSTROPHES = str.maketrans({c: "'" for c in "’‘ʼ`´′ʹ"})
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss"})
_NOT_WORD = re.compile(r"[^\w'-]+")
_THOUSANDS = re.compile(r"(?<=\d) (?=\d{3}(?!\d))")


def fold(text: str) -> str:
    """`text` as the index holds it: "« Jeanne d’Arc », 1 200 hommes" → "jeanne d'arc 1200 hommes"."""
    decomposed = unicodedata.normalize("NFKD", text)  # also: no-break spaces become spaces
    bare = _MARKS.sub("", decomposed).lower().translate(_LIGATURES).translate(_APOSTROPHES)
    spaced = " ".join(_NOT_WORD.sub(" ", bare).replace("_", " ").split())
    return _THOUSANDS.sub("", spaced)


FOLD_JS = r"""s => s.normalize("NFKD")
  .replace(/[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+/g, "").toLowerCase()
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


def markdown_tokens(source: str) -> list[Token]:
    return _parser().parse(source)


def _words(texts: Iterable[str | None]) -> str:
    """The folded words of `texts`, each once, in the order they first come."""
    return " ".join(dict.fromkeys(fold(" ".join(t for t in texts if t)).split()))


def _image(image: Image | None) -> list[str | None]:
    return [image.caption, image.credit, image.alt] if image else []


def _body(source: str | None) -> str | None:
    """The words of a Markdown text, without its markup: what a reader reads (not
    typeset: folding would undo it, and typesetting ten years of bodies takes minutes)."""
    if not source:
        return None
    parts = []
    for token in markdown_tokens(source):
        if token.type in ("code_block", "fence"):
            parts.append(token.content)
        for child in token.children or []:
            if child.type in ("text", "code_inline"):
                parts.append(child.content)
    return " ".join(parts)


def places(issue: Issue, title: str, editorial_title: str) -> Iterator[Place]:
    """Every findable place of `issue`, the issue itself first."""
    yield Place("", title, _words([title, issue.preheader]))
    if issue.editorial:
        editorial = issue.editorial
        name = editorial.title or editorial_title
        yield Place("", name, _words([name, editorial.author, _body(editorial.body)]))
    for headline in issue.headlines:
        yield Place("", headline.title, _words(_headline_texts(headline)))
    for s, section in enumerate(issue.sections, 1):
        for a, article in enumerate(section.articles, 1):
            texts = [section.title, *_article_texts(article)]
            yield Place(article_id(s, a), article.title, _words(texts))


def _headline_texts(headline: Headline) -> list[str | None]:
    return [headline.title, headline.summary, *_image(headline.image)]


def _article_texts(article: Article) -> list[str | None]:
    body = _body(article.body)
    return [
        article.title,
        article.summary,
        body,
        article.author,
        *article.tags,
        *_image(article.image),
    ]


def script(issues: list[tuple[str, list[Place]]]) -> str:
    """search.js: the index as a script the catalogue loads on the first search (a script,
    not a fetch: browsers refuse fetch() on a page opened from the disk).

    {"words": "de la …", "issues": [{"date": …, "places": [[anchor, title, "0 5 1z"]]}]}
    """
    counts = Counter(w for _, found in issues for place in found for w in place.words.split())
    vocabulary = sorted(counts, key=lambda word: (-counts[word], word))
    number = {word: _base36(n) for n, word in enumerate(vocabulary)}
    data = {
        "words": " ".join(vocabulary),
        "issues": [
            {
                "date": date,
                "places": [
                    [p.anchor, p.title, " ".join(number[w] for w in p.words.split())] for p in found
                ],
            }
            for date, found in issues
        ],
    }
    return f"window.lettreIndex = {json.dumps(data, ensure_ascii=False, separators=(',', ':'))};\n"


def _base36(number: int) -> str:
    digits = ""
    while True:
        number, digit = divmod(number, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[digit] + digits
        if not number:
            return digits
