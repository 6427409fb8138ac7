"""The messages lettre prints to its user, in French or English, through gettext.

`_("…")` marks a message for the catalogue and translates it when it runs: write placeholders
as `_("… {name} …").format(name=…)`, never an f-string inside `_`. A message kept in a
module-level constant is marked with `N_("…")` and translated where it is shown.

The msgids are English; the French catalogue is src/lettre/locale/fr/LC_MESSAGES/lettre.po,
compiled to lettre.mo beside it (both committed: `make messages` re-extracts, updates and
compiles them; tests/test_messages.py proves the .mo matches the .po and that every message
has its French text).

Which language, first match wins:

1. `LC_ALL`, then `LC_MESSAGES`, when they name French or English (`fr_FR.UTF-8`, `en`…):
   the reader's explicit choice for messages;
2. the publication's `language`, once publication.yaml is read;
3. `LANG`, when it names French or English (before publication.yaml is read, or without one);
4. French: lettre's users are French newsrooms.

`C`, `POSIX` and other languages say nothing and are passed over.
"""

from __future__ import annotations

import gettext
import os
import re
from functools import cache
from pathlib import Path

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "lettre"
LANGUAGES = ("fr", "en")
DEFAULT = "fr"

_publication: str | None = None
_LANGUAGE_LINE = re.compile(r"""^language:[ \t]*["']?(fr|en)["']?[ \t]*(?:#.*)?$""", re.M)


def use_publication_language(language: str | None) -> None:
    """The publication's language, once read (None: none read yet, as at each command's start)."""
    global _publication
    _publication = language if language in LANGUAGES else None


def use_language_of(publication_text: str) -> None:
    """Take the language from publication.yaml's text before it is parsed, so that even its
    own YAML errors are told in its language."""
    found = _LANGUAGE_LINE.search(publication_text)
    use_publication_language(found.group(1) if found else DEFAULT)


def language() -> str:
    """The language messages are printed in now ("fr" or "en")."""
    for variable in ("LC_ALL", "LC_MESSAGES"):
        chosen = _named(os.environ.get(variable))
        if chosen:
            return chosen
    return _publication or _named(os.environ.get("LANG")) or DEFAULT


def _named(locale: str | None) -> str | None:
    """ "fr_FR.UTF-8" → "fr"; None for C, POSIX and the languages lettre does not speak."""
    code = (locale or "").split(".")[0].split("@")[0].split("_")[0].lower()
    return code if code in LANGUAGES else None


@cache
def catalogue(language: str) -> gettext.NullTranslations:
    """The compiled catalogue of `language`; English is the msgids themselves."""
    if language == "en":
        return gettext.NullTranslations()
    with (LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.mo").open("rb") as file:
        return gettext.GNUTranslations(file)


def _(message: str) -> str:
    """The message in the reader's language."""
    return catalogue(language()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural message for `count`, in the reader's language."""
    return catalogue(language()).ngettext(singular, plural, count)


def N_(message: str) -> str:
    """Mark a message for the catalogue without translating it yet (module-level constants)."""
    return message


def ordinal(number: int, *, feminine: bool = False) -> str:
    """1 → "1er"/"1re", 2 → "2e" in French; "1st", "2nd", "11th" in English."""
    if language() == "fr":
        return f"{number}{('re' if feminine else 'er') if number == 1 else 'e'}"
    suffix = (
        "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    )
    return f"{number}{suffix}"


def alternatives(words: list[str]) -> str:
    """ "a, b or c" / "a, b ou c"."""
    if len(words) < 2:
        return "".join(words)
    return _("{some} or {last}").format(some=", ".join(words[:-1]), last=words[-1])


def together(words: list[str]) -> str:
    """ "a, b and c" / "a, b et c"."""
    if len(words) < 2:
        return "".join(words)
    return _("{some} and {last}").format(some=", ".join(words[:-1]), last=words[-1])


def quoted(text: str) -> str:
    """« text » in French (no-break spaces inside), “text” in English."""
    return f"«\u202f{text}\u202f»" if language() == "fr" else f"“{text}”"


def install_in_click() -> None:
    """Make click's own words ("Usage:", "Error:", "Show this message and exit.") go through
    lettre's catalogue: click calls the `_`/`ngettext` of its modules when it prints them."""
    import click.core
    import click.decorators
    import click.exceptions
    import click.formatting
    import click.parser
    import click.termui
    import click.types
    import click.utils

    for module in (
        click.core,
        click.decorators,
        click.exceptions,
        click.formatting,
        click.parser,
        click.termui,
        click.types,
        click.utils,
    ):
        module._ = _  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext  # type: ignore[attr-defined]
