"""French and English typographic rules, applied to every piece of author text.

`typeset(text, language)` is idempotent: typesetting typeset text changes nothing, so a rule
may safely run on text that went through it already. URLs and e-mail addresses are set aside
before the rules run and put back untouched; Markdown code is never passed here at all.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

NBSP = "\u00a0"
"""No-break space: before the colon, after a number in digits (25 minutes, 12 km), after ©,
§, n°, p. and a title (M. Dupont)."""
NNBSP = "\u202f"
"""Narrow no-break space: before ; ! ? and inside « », as a thousands separator."""

_SPACE = "[ \u00a0\u202f]"
_URL_END = r"[^\s<>«»\"]*[^\s<>«»\".,;:!?)\]]"
_PROTECTED = re.compile(
    # each branch may only start where its first run of characters starts: a long run
    # (a pasted base64 blob) is then scanned once, not once per position
    rf"(?<![a-z0-9+.-])(?:[a-z][a-z0-9+.-]*://|mailto:|www\.){_URL_END}"
    r"|(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    rf"|(?<![\w@.-])(?:[a-z0-9-]+\.)+[a-z]{{2,}}/{_URL_END}",
    re.IGNORECASE,
)
_MARK = "\ue000{}\ue001"
_MARK_RE = re.compile("\ue000(\\d+)\ue001")

_UNITS = "km|m|cm|mm|kg|g|t|ha|l|L|h|min|s|ms|°C|MW|kW|W|V|Mo|Go|To|ko|nœuds|NM|mph|ft|lb"
_FRENCH_MONTHS = (
    "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre"
)
_ENGLISH_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December"
)

_REFERENCES = "p|pp|vol|fig|chap|ch|art"
"""Abbreviations followed by a number: p. 3, vol. 2, fig. 4, art. 12 (not t. 1, tome: t is
also the tonne, bound to the number before it, and the two would chain)."""
_TITLES = r"M\.|MM\.|Mmes?|Mlles?|Mgrs?|Me|Dr|Drs|Pr|Pre"
"""French titles bound to the name they precede: M. Dupont, Mme Martin, Me Durand."""
_CAPITAL = "A-ZÀ-ÖØ-ÞŒ"
_ORDINAL = "(?:(?:er|re|ère|e|ème|nde?|de?)s?)?"
"""1er, 1re, 2e, 3es, 2nd: a number in digits may end with the letters of an ordinal."""

Rule = Callable[[str], str]


def _sub(pattern: str, replacement: str, flags: int = 0) -> Rule:
    compiled = re.compile(pattern, flags)
    return lambda text: compiled.sub(replacement, text)


def _french_quotes(text: str) -> str:
    text = re.sub(r'"([^"\n]*)"', "«\\1»", text) if text.count('"') % 2 == 0 else text
    text = re.sub(f"«{_SPACE}*", "«" + NNBSP, text)
    return re.sub(f"(?<!{_SPACE}){_SPACE}*»", NNBSP + "»", text)  # a run taken from its start


def _english_quotes(text: str) -> str:
    if text.count('"') % 2 == 0:
        text = re.sub(r'"([^"\n]*)"', "“\\1”", text)
    return re.sub(r"(?<![\w’])'([^'\n‘’]*)'(?![\w’])", "‘\\1’", text)


_PHONE = re.compile(r"(?<![\w+])(?:\+\d{1,3}[ \u00a0]\d|0\d)(?:[ \u00a0]\d\d){4}(?!\d)")


def _phone_numbers(text: str) -> str:
    """01 23 45 67 89, +33 1 23 45 67 89: never broken across two lines."""
    return _PHONE.sub(lambda m: m.group(0).replace(" ", NBSP), text)


_NUMBER_AND_WORD = re.compile(
    # the whole number, never its tail (1 200: not from 200), nor a name's (A400, A-4,
    # COVID-19); and not a number bound already to what comes before it (n° 12, p. 3,
    # 15 h 30, a phone number's last group): bound on both sides, a run of them would be
    # one unbreakable line ("p. 1 p. 1 p. 1…", which WeasyPrint takes seconds to lay out)
    r"(?<![\w.,])(?<![^\W\d_]-)(?<!\u00a0)(?<!\d\u202f)"
    rf"(\d+(?:[.,\u202f]\d+)*{_ORDINAL}) +(?=[^\W\d_])"  # 1 200, 2,5, 1er; then a letter
)


def _number_and_word(text: str) -> str:
    """25 minutes, 3 jours, 1 200 soldats, 2,5 millions, 1er juin, le 3e régiment, en
    2025 les…: a number in digits never ends a line apart from the word that follows it
    (Lexique des règles typographiques en usage à l'Imprimerie nationale). A year binds
    too: keeping "2025" with its next word costs one break and needs no guessing."""
    return _NUMBER_AND_WORD.sub(r"\1" + NBSP, text)


_COMMON: list[Rule] = [
    # a run of spaces or tabs typed in prose reads as one space, as HTML shows it anyway; one,
    # it also keeps WeasyPrint's white-space processing linear (its tab rule, [\t ]*\n[\t ]*,
    # tries a run from each of its spaces: 400,000 spaces took minutes)
    _sub(r"[ \t]{2,}", " "),
    # a minus sign, not a hyphen, before a number that stands alone: −5 °C (not 2025-06-13)
    _sub(r"(?<![\w\-−.,/])-(?=\d)", "−"),
    _phone_numbers,
    # © Armée de Terre, ℗ 2025: the mark never ends a line apart from its owner (® is not
    # bound: it follows the name it marks, and what comes after is another word)
    _sub(rf"([©℗]){_SPACE}+(?=[^\s©℗])", r"\1" + NBSP),
    # § 2, p. 3, pp. 12-14, fig. 4: a reference and its number
    _sub(rf"(§+){_SPACE}+(?=\d)", r"\1" + NBSP),
    _sub(rf"\b({_REFERENCES})\.{_SPACE}+(?=\d)", r"\1." + NBSP),
    _sub(r"(?<=\w)'(?=\w)", "’"),  # l'armée → l’armée
    _sub(r"(?<=[^\W\d])'(?=\s|$)", "’"),  # the soldiers' → the soldiers’
    _sub(r"\.\.\.", "…"),
]

FRENCH: list[Rule] = [
    _french_quotes,
    # ; ! ? take a narrow no-break space, as a group: « Vraiment ?! »
    _sub(rf"(?<=[^\s(\[«\ue001]){_SPACE}*([;!?]+)", NNBSP + r"\1"),
    _sub(rf"(?<=\ue001){_SPACE}+([;!?]+)", NNBSP + r"\1"),
    # the colon a no-break space, unless it is inside a time or a ratio (12:30)
    _sub(rf"(?<=[^\s(\[«:;!?]){_SPACE}*:(?=\s|$)", NBSP + ":"),
    # n° 12
    _sub(rf"\b([nN])[°º]{_SPACE}*(?=\d)", r"\1°" + NBSP),
    # 15 h 30, 9 h
    _sub(rf"\b(\d{{1,2}}){_SPACE}*h{_SPACE}*(\d{{2}})\b", r"\1" + NBSP + "h" + NBSP + r"\2"),
    _sub(rf"\b(\d{{1,2}}){_SPACE}*h\b(?!{_SPACE}*\d)", r"\1" + NBSP + "h"),
    # 3 000 hommes: groups of thousands joined by a narrow no-break space
    _sub(r"(?<=\b\d)[ \u00a0](?=\d{3}\b)", NNBSP),
    _sub(r"(?<=\b\d\d)[ \u00a0](?=\d{3}\b)", NNBSP),
    _sub(r"(?<=\b\d\d\d)[ \u00a0](?=\d{3}\b)", NNBSP),
    # 30 %, 25 €: a narrow no-break space
    _sub(rf"(?<=\d){_SPACE}*([%‰])", NNBSP + r"\1"),
    _sub(r"(?<=\d) (?=[€$£])", NNBSP),
    # a number and its unit stay together, and so do the day and the month: 12 km, 13 juin
    _sub(rf"(?<=\d) (?=(?:{_UNITS}|{_FRENCH_MONTHS})\b|°)", NBSP),
    # M. Dupont, Mme Martin, Dr Roux: the title and the name (never a title and a title,
    # which a run of them would make one unbreakable line)
    _sub(
        rf"(?<![\w.])({_TITLES}) +(?=[{_CAPITAL}])(?!(?:{_TITLES})(?:[\s.,;:!?]|$))", r"\1" + NBSP
    ),
    *_COMMON,  # the spacing rules above decide whether an apostrophe ends a word
    _number_and_word,  # after the phone numbers, whose last group counts nothing
]

ENGLISH: list[Rule] = [
    _english_quotes,  # before the apostrophes, which would take a closing quote for one
    *_COMMON,
    # no space before punctuation in English: "Really ?" → "Really?"
    _sub(rf"(?<=\S){_SPACE}+([;:!?]+)(?=\s|$)", r"\1"),
    # a number and its unit stay together, and so do the day and the month: 12 km, 13 June
    _sub(rf"(?<=\d) (?=(?:{_UNITS}|{_ENGLISH_MONTHS})\b|%|°)", NBSP),
]

RULES = {"fr": FRENCH, "en": ENGLISH}


@lru_cache(maxsize=4096)  # each title and teaser is set in every edition, some twice
def typeset(text: str, language: str) -> str:
    """Apply the typographic rules of `language` ("fr" or "en") to plain `text`."""
    protected: list[str] = []

    def set_aside(match: re.Match[str]) -> str:
        protected.append(match.group(0))
        return _MARK.format(len(protected) - 1)

    # the markers below must not occur in the text itself
    working = _PROTECTED.sub(
        set_aside, text.replace("\ue000", "\ufffd").replace("\ue001", "\ufffd")
    )
    for rule in RULES[language]:
        working = rule(working)
    return _MARK_RE.sub(lambda m: protected[int(m.group(1))], working)
