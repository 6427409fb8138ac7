"""The stable code of every warning lettre gives: what `accept:` lists and the line shows.

A code names a kind of warning, never one message: messages change (and are translated),
codes do not. The code stands at the end of the warning's line, `… is it a typo?
[date-after-issue]`, so that `file:line:col:` stays first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from lettre.errors import Problem

if TYPE_CHECKING:  # the models import this catalogue: no import of them at run time
    from lettre.model import Issue, Publication

CODES: dict[str, str] = {
    # publication.yaml
    "logo-svg": "an SVG logo, which most mail programs do not show",
    "contrast-low": "a primary colour too light for white text on it",
    "unsubscribe-mailto-only": "an unsubscribe link that is only a mailto: address",
    "example-sender": "a sender or reply-to address at an example domain (example.org…)",
    # issue.yaml and the Markdown it includes (`placeholder` in publication.yaml too)
    "placeholder": "text still marked À COMPLÉTER (TO BE WRITTEN) by lettre init or new",
    "image-narrow": "a photo narrower than the email shows it",
    "markdown-html": "raw HTML or an HTML comment in Markdown, shown as text",
    "date-after-issue": "a headline dated after the issue",
    "no-read-more": "a headline or article with neither a link nor a body",
    "title-too-long": "a title over 120 characters",
    "summary-too-long": "a summary over 300 characters",
    "preheader-too-long": "a preheader over 150 characters",
    "yaml-comment": "a ' #' in unquoted text, which YAML reads as a comment",
    "number-gap": "an issue number that skips one or more numbers",
    "number-backwards": "an issue number lower than the previous issue's",
    # the repository
    "not-an-issue": "a folder under bulletins/ that is not an issue",
    # the build (the email edition)
    "email-weight": "an email near or over Gmail's clipping size",
    "article-shortened": "an article shortened in the email to stay under Gmail's limit",
    "outlook-width": "a template override that Outlook would draw wider than its place",
}
"""Every warning code, with what it is about (the README lists them)."""

NEVER_ACCEPTED = frozenset({"placeholder", "example-sender"})
"""Warnings no issue can accept: nobody means to publish text left for later, or to send
from an example address. `send` and `publish` refuse them, even with --force."""

EDITION_CODES = frozenset({"email-weight", "article-shortened", "outlook-width"})
"""Warnings the build gives (about the editions), rather than the check of the sources."""

_AT_END = re.compile(r" \[([a-z]+(?:-[a-z]+)*)\]\Z")


def coded(code: str, message: str) -> str:
    """A warning given as text (the build's), with its code where `Problem` shows one."""
    assert code in CODES, code
    return f"{message} [{code}]"


def code_of(text: str) -> str:
    """The code at the end of a warning's line (see `coded`), or "" when it has none."""
    found = _AT_END.search(text)
    return found.group(1) if found and found.group(1) in CODES else ""


def accepted(
    problems: Iterable[Problem], issue: Issue | None, publication: Publication | None
) -> frozenset[Problem]:
    """The warnings among `problems` that the issue (or the publication) accepts.

    A warning is accepted by an `accept:` on its own item (headline, article, section,
    editorial: a field path that starts with the item's), at the top of issue.yaml, or at the
    top of publication.yaml; never an error, a warning without a code, or one of
    NEVER_ACCEPTED.
    """
    scopes = _scopes(issue)
    everywhere = set(publication.accept) if publication else set()
    return frozenset(
        problem
        for problem in problems
        if not problem.is_error
        and problem.code
        and problem.code not in NEVER_ACCEPTED
        and (
            problem.code in everywhere
            or any(problem.code in codes and _within(problem.field, p) for p, codes in scopes)
        )
    )


def accepts(code: str, issue: Issue | None, publication: Publication | None) -> bool:
    """Whether the whole issue (or the publication) accepts `code` (the build's warnings)."""
    if not code or code in NEVER_ACCEPTED:
        return False
    return code in (publication.accept if publication else ()) or code in (
        issue.accept if issue else ()
    )


def _scopes(issue: Issue | None) -> list[tuple[str, tuple[str, ...]]]:
    if issue is None:
        return []
    scopes = [("", issue.accept)]
    if issue.editorial:
        scopes.append(("editorial", issue.editorial.accept))
    scopes += [(f"headlines[{h}]", item.accept) for h, item in enumerate(issue.headlines)]
    for s, section in enumerate(issue.sections):
        scopes.append((f"sections[{s}]", section.accept))
        scopes += [
            (f"sections[{s}].articles[{a}]", article.accept)
            for a, article in enumerate(section.articles)
        ]
    return [(prefix, codes) for prefix, codes in scopes if codes]


def _within(field: str, prefix: str) -> bool:
    """`sections[0].articles[1].image.src` is within `sections[0]`, not within `sections[1]`
    nor `sections[0].articles[10]`."""
    return not prefix or field == prefix or field.startswith((f"{prefix}.", f"{prefix}["))
