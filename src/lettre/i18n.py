"""Words and dates in the publication's language (fr or en)."""

from __future__ import annotations

from datetime import date

from babel.dates import format_date as babel_format_date

_LOCALES = {"fr": "fr_FR", "en": "en_GB"}


def format_date(day: date, language: str, *, weekday: bool = True) -> str:
    """ "vendredi 13 juin 2025" / "Friday 13 June 2025"; French writes the first "1er"."""
    pattern = "EEEE d MMMM y" if weekday else "d MMMM y"
    text = babel_format_date(day, pattern, locale=_LOCALES[language])
    if language == "fr" and day.day == 1:
        text = text.replace(" 1 ", " 1er ", 1) if weekday else "1er" + text[1:]
    return text


def default_title(name: str, day: date, language: str) -> str:
    """ "Lettre hebdomadaire du 13 juin 2025" / "Weekly letter of 13 June 2025"."""
    joiner = "du" if language == "fr" else "of"
    return f"{name} {joiner} {format_date(day, language, weekday=False)}"
