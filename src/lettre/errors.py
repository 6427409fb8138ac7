"""lettre's exceptions, and the located problem that content errors are made of.

Stage modules raise only these; `cli.py` alone turns them into messages and exit codes
(1 for bad content, 2 for bad usage).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import IO, Any

import click

from lettre.messages import _, ngettext


class Severity(Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the content, at its place in a file."""

    file: str
    """Path shown to the user, relative to the newsletter repository."""
    line: int
    column: int
    field: str
    """Where in the document, as `sections[0].articles[2].title`; empty for the whole file."""
    message: str
    severity: Severity = Severity.ERROR
    code: str = ""
    """A warning's stable name (`date-after-issue`), what `accept:` lists; see `lettre.decisions`."""
    place: str = ""
    """The same place as an editor counts, "Section 1 “Operations”, 3rd article › title"
    (diagnostics.place_name): shown instead of `field`, which --verbose adds after it."""

    def __str__(self) -> str:
        return self.shown()

    def shown(self, verbose: bool = False) -> str:
        """`file:line:col: ` first (as editors and tools read it), then the place and the message
        in the reader's language; `verbose` adds the YAML path after the place."""
        where = f"{self.file}:{self.line}:{self.column}: " if self.line else f"{self.file}: "
        text = self.message
        place = self.place or self.field
        if verbose and self.place and self.field and self.place != self.field:
            place = _("{place} ({path})").format(place=self.place, path=self.field)
        if place:
            text = _("{place}: {message}").format(place=place, message=text)
        if self.severity is Severity.WARNING:
            text = _("warning: {message}").format(message=text)
        text = where + text
        return f"{text} [{self.code}]" if self.code else text

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR


class LettreError(click.ClickException):
    """Base of every error lettre reports to its user."""

    exit_code = 1


class UsageProblem(LettreError):
    """The command was asked for something it cannot do (a path outside the repository…)."""

    exit_code = 2


class ContentError(LettreError):
    """The newsletter's files have errors; each is a located `Problem`."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(problems)
        errors = sum(p.is_error for p in self.problems)
        message = ngettext(
            "Aborted: {count} error in the content.",
            "Aborted: {count} errors in the content.",
            errors,
        )
        super().__init__(message.format(count=errors))

    def show(self, file: IO[Any] | None = None) -> None:
        """Every problem on its line, then the count (no "Error:" before a located line)."""
        for problem in self.problems:
            click.echo(problem.shown(), err=True, file=file)
        click.echo(self.format_message(), err=True, file=file)
