"""Hyphenation a proof-reader accepts, for the print edition.

WeasyPrint hyphenates by dictionary (`hyphens: auto`; print.css sets at least 3 letters on
each side, words of 6 or more). The rest it cannot be told, so `install` tells its line
breaking, as it lays a paragraph out (no second layout):

- never inside a word already hyphenated ("Champs-Élysées", "porte-avions") nor inside a
  capitalised word (a proper noun, "Méditerranée"): the dictionary WeasyPrint asks for a
  word's hyphenation points gives none for such a word (`_dictionary_class`). The word may still
  break at its own hyphen, which stays the author's "-" in the PDF's text (copied as typed).
  (It was a `<span>` around each such word, `hyphens: manual`: one more box for WeasyPrint
  to lay out on every line that holds one, 10 % of the print edition's layout.)
- at most two hyphenated lines in a row (WeasyPrint has no `hyphenate-limit-lines`): a
  paragraph's line after two hyphenated ones is laid out without hyphenation.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any

HYPHEN = "\u2010"
"""What WeasyPrint adds at a hyphenated line's end (CSS `hyphenate-character`'s default)."""
LIMIT_LINES = 2
"""At most this many hyphenated lines in a row."""

_ELISION = re.compile(r"^\w[’']")
_WINDOW = 4000
"""How far into a line's text (characters) a word WeasyPrint would hyphenate is looked for,
to tell whether it is part of a compound: it begins the line's second line, so within it."""


def keeps_whole(word: str) -> bool:
    """Whether a word must never be hyphenated: a compound or a capitalised word."""
    core = _ELISION.sub("", word)  # d’Indochine, l'Élysée: the proper noun after it
    return "-" in word.strip("-") or core[:1].isupper()


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


def install() -> None:
    """Has WeasyPrint hyphenate as the module's doc says (once per process): no word that
    `keeps_whole`, and no line of a paragraph that follows LIMIT_LINES lines in a row ending
    with a hyphen, its line breaking told so line by line as it lays a paragraph out."""
    import weasyprint.layout.block as block
    import weasyprint.layout.inline as inline
    import weasyprint.layout.preferred as preferred

    from lettre.speedups import remembered

    if getattr(block.iter_line_boxes, "lettre", False):
        return
    lines_of, split = block.iter_line_boxes, remembered(inline.split_first_line)

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
        dictionaries = context.dictionaries
        if type(dictionaries) is not _Dictionaries:
            context.dictionaries = dictionaries = _Dictionaries(dictionaries)
        dictionaries.text = text
        return split(text, style, context, *args, **kwargs)

    iter_line_boxes.lettre = True  # type: ignore[attr-defined]
    # each split remembered for the rest of the render, under the style chosen here
    block.iter_line_boxes, inline.split_first_line = iter_line_boxes, split_first_line
    preferred.split_first_line = split_first_line  # a min-content width: the same breaks


class _Dictionaries(dict[tuple[Any, ...], Any]):
    """WeasyPrint's hyphenation dictionaries of a layout, by (language, left, right, total):
    each one of `_dictionary_class`, told the text of the line being laid out."""

    text = ""

    def get(self, key: tuple[Any, ...], default: Any = None) -> Any:
        found = super().get(key)
        if found is None:
            lang, left, right, _total = key
            found = self[key] = _dictionary_class()(self, lang=lang, left=left, right=right)
        return found


@functools.cache
def _dictionary_class() -> type:
    """Pyphen's dictionary (imported only once a print edition is laid out), that gives no
    hyphenation point in a word that `keeps_whole`, nor in a part of a compound: WeasyPrint
    asks for the first word of a line's second line, "avions" when the line broke at
    "porte-avions"'s own hyphen."""
    import pyphen

    class Dictionary(pyphen.Pyphen):  # type: ignore[misc]
        def __init__(self, owner: _Dictionaries, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.owner = owner

        def iterate(self, word: str) -> Iterator[tuple[str, str]]:
            if keeps_whole(word) or _in_compound(word, self.owner.text):
                return iter(())
            return super().iterate(word)  # type: ignore[no-any-return]

    return Dictionary


def _in_compound(word: str, text: str) -> bool:
    """Whether `word` is joined by a hyphen to another word in `text` (its start only)."""
    window = text[:_WINDOW]
    at = window.find(word)
    while at >= 0:
        end = at + len(word)
        before, after = window[at - 1 : at] if at else "", window[end : end + 1]
        if "-" in (before, after) and not (before.isalnum() or after.isalnum()):
            return True
        at = window.find(word, at + 1)
    return False


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
