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

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}: " if self.line else f"{self.file}: "
        if self.severity is Severity.WARNING:
            where += "warning: "
        text = where + (f"{self.field}: {self.message}" if self.field else self.message)
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
        super().__init__(f"Aborted: {errors} error{'s' if errors != 1 else ''} in the content.")

    def show(self, file: IO[Any] | None = None) -> None:
        """Every problem on its line, then the count (no "Error:" before a located line)."""
        for problem in self.problems:
            click.echo(str(problem), err=True, file=file)
        click.echo(self.format_message(), err=True, file=file)
