"""The messages lettre prints to its user, through gettext: `_("…")` marks a message for the
catalogues (write placeholders as `_("… {name} …").format(name=…)`, never an f-string inside `_`).

Today the marked messages are printed as written (English); the catalogues come next.
"""

from __future__ import annotations


def _(message: str) -> str:
    """The message in the reader's language."""
    return message


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural message for `count`, in the reader's language."""
    return singular if count == 1 else plural
