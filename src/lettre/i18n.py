"""Words and dates in the publication's language (fr or en)."""

from __future__ import annotations

from datetime import date

from babel.dates import format_date as babel_format_date

from lettre.typography import typeset

_LOCALES = {"fr": "fr_FR", "en": "en_GB"}


def format_date(day: date, language: str, *, weekday: bool = True) -> str:
    """ "vendredi 13 juin 2025" / "Friday 13 June 2025"; French writes the first "1er"."""
    pattern = "EEEE d MMMM y" if weekday else "d MMMM y"
    text = babel_format_date(day, pattern, locale=_LOCALES[language])
    if language == "fr" and day.day == 1:
        text = text.replace(" 1 ", " 1er ", 1) if weekday else "1er" + text[1:]
    return text


def default_title(name: str, day: date, language: str) -> str:
    """ "Lettre hebdomadaire du 13 juin 2025" / "Weekly letter of 13 June 2025", typeset: the
    title of an issue without one (load.py), which the email's masthead does not repeat."""
    joiner = "du" if language == "fr" else "of"
    return typeset(f"{name} {joiner} {format_date(day, language, weekday=False)}", language)


LABELS: dict[str, dict[str, str]] = {
    "fr": {
        "headlines": "À la une",
        "editorial": "Éditorial",
        "contents": "Sommaire",
        "read_more": "Lire la suite",
        "view_online": "Voir la version en ligne",
        "number": "n°",
        "unsubscribe": "Se désinscrire",
        "follow": "Suivez-nous",
        "photo": "Photo",
        "by": "Par",
        "online": "En ligne",
        "shortened": "Article abrégé dans ce courriel : la suite en ligne.",
        "articles": "articles",
        "article": "article",
        "page": "page",
    },
    "en": {
        "headlines": "Headlines",
        "editorial": "Editorial",
        "contents": "Contents",
        "read_more": "Read more",
        "view_online": "View this email online",
        "number": "No.",
        "unsubscribe": "Unsubscribe",
        "follow": "Follow us",
        "photo": "Photo",
        "by": "By",
        "online": "Online",
        "shortened": "Shortened in this email: read it in full online.",
        "articles": "articles",
        "article": "article",
        "page": "page",
    },
}
"""The words the editions print around the content, by language."""

SOCIAL_NAMES = {
    "linkedin": "LinkedIn",
    "x": "X",
    "facebook": "Facebook",
    "instagram": "Instagram",
    "youtube": "YouTube",
    "mastodon": "Mastodon",
    "bluesky": "Bluesky",
    "threads": "Threads",
    "website": "Web",
}
