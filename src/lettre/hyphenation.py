"""Hyphenation a proof-reader accepts, for the print edition.

WeasyPrint hyphenates by dictionary (`hyphens: auto`; print.css sets at least 3 letters on
each side, words of 6 or more). The rest it cannot be told:

- never inside a word already hyphenated ("Champs-Élysées", "porte-avions") nor inside a
  capitalised word (a proper noun, "Méditerranée"): `protect` wraps each such word in a
  `<span class="whole">`, which print.css sets `hyphens: manual` — the word may still break
  at its own hyphen, which stays the author's "-" in the PDF's text (copied as typed);
- at most two hyphenated lines in a row (WeasyPrint has no `hyphenate-limit-lines`):
  `hold_runs` has WeasyPrint lay out a paragraph's line after two hyphenated ones without
  hyphenation, as it goes (no second layout).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

HYPHEN = "\u2010"
"""What WeasyPrint adds at a hyphenated line's end (CSS `hyphenate-character`'s default)."""
LIMIT_LINES = 2
"""At most this many hyphenated lines in a row."""

_TAG = re.compile(r"(<[^>]*>)")
_WORD = re.compile(r"(?<![\w&#’'-])[^\W\d_][\w’']*(?:-[\w’']+)*")
_SKIP = ("<style", "<script", "<title")
_ELISION = re.compile(r"^\w[’']")
SPAN = '<span class="whole">'
"""print.css sets it `hyphens: manual`."""


def keeps_whole(word: str) -> bool:
    """Whether a word must never be hyphenated: a compound or a capitalised word."""
    core = _ELISION.sub("", word)  # d’Indochine, l'Élysée: the proper noun after it
    return "-" in word.strip("-") or core[:1].isupper()


def protect(html: str) -> str:
    """The print HTML with every word that `keeps_whole` in `<span class="whole">` (text
    only: tags, attributes, the head and entities are left alone)."""
    start = html.find("<body")
    if start < 0:
        return html
    parts = _TAG.split(html[start:])
    skipping = False
    for i, part in enumerate(parts):
        if i % 2:  # a tag
            skipping = part.lower().startswith(_SKIP) or (skipping and not part.startswith("</"))
            continue
        if not skipping and part.strip() and (i == 0 or parts[i - 1] != SPAN):
            parts[i] = _WORD.sub(lambda m: _wrap(m.group(0)), part)
    return html[:start] + spaces_inside("".join(parts))


_INLINE = r"<(?:a|abbr|b|cite|code|del|em|i|ins|mark|q|s|small|span|strong|sub|sup|u)\b[^>]*>"
_SPACE_BEFORE_INLINE = re.compile(rf"(?<![ \t\r\n])([ \t\r\n]++)((?:{_INLINE})+)")
"""A run of spaces (taken from its start only, and whole: linear on a hostile run of a
million spaces) before one or more inline start tags."""


def spaces_inside(html: str) -> str:
    """The spaces before an inline element moved inside it: "régiment <em>entraînement</em>"
    becomes "régiment<em> entraînement</em>", which reads the same. WeasyPrint (70) breaks a
    line badly where an inline element that does not fit at its end follows a space: it
    goes back to the first break of the line instead of the last ("Marine" alone on a line,
    the rest below); with the space inside, it breaks before the element, as it should."""
    return _SPACE_BEFORE_INLINE.sub(r"\2\1", html)


def _wrap(word: str) -> str:
    if len(word) < 6 or not keeps_whole(word):  # shorter words never hyphenate
        return word
    return f"{SPAN}{word}</span>"


def hold_runs() -> None:
    """Has WeasyPrint hyphenate no line of a paragraph that follows LIMIT_LINES lines in a
    row ending with a hyphen (once per process): its line breaking is told so line by line,
    as it lays a paragraph out."""
    import weasyprint.layout.block as block
    import weasyprint.layout.inline as inline

    if getattr(block.iter_line_boxes, "lettre", False):
        return
    lines_of, split = block.iter_line_boxes, inline.split_first_line

    def iter_line_boxes(context: Any, box: Any, *args: Any, **kwargs: Any) -> Iterator[Any]:
        # a paragraph that goes on from the page before: the run where its last line there
        # ended (by where that line stopped, so a line taken back to the next page does not
        # count), for a page break is no rest for the reader's eye
        runs = context.__dict__.setdefault("lettre_runs", {})
        skip = args[2] if len(args) > 2 else kwargs.get("skip_stack")
        element = id(getattr(box, "element", None))
        lines, run = lines_of(context, box, *args, **kwargs), runs.get((element, repr(skip)), 0)
        while True:
            outer = getattr(context, "lettre_held", False)  # a paragraph in an inline block
            context.lettre_held = run >= LIMIT_LINES
            try:
                line, resume_at = next(lines)
            except StopIteration:
                return
            finally:
                context.lettre_held = outer
            run = run + 1 if _text(line).rstrip().endswith((HYPHEN, "-")) else 0
            if resume_at is not None:
                runs[(element, repr(resume_at))] = run
            yield line, resume_at

    def split_first_line(text: str, style: Any, context: Any, *args: Any, **kwargs: Any) -> Any:
        if getattr(context, "lettre_held", False) and style["hyphens"] == "auto":
            style = _unhyphenated(style)
        return split(text, style, context, *args, **kwargs)

    iter_line_boxes.lettre = True  # type: ignore[attr-defined]
    block.iter_line_boxes, inline.split_first_line = iter_line_boxes, split_first_line


def _unhyphenated(style: Any) -> Any:
    """A copy of a computed style with `hyphens: none`, made once per style."""
    copy = style.__dict__.get("lettre_unhyphenated")
    if copy is None:
        copy = style.copy()
        copy["hyphens"] = "none"
        style.lettre_unhyphenated = copy
    return copy


def _text(box: Any) -> str:
    """The text of a line box, as laid out."""
    if hasattr(box, "text"):
        return str(box.text)
    return "".join(_text(child) for child in getattr(box, "children", []))
