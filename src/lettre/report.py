"""How results and problems read in the terminal."""

from __future__ import annotations

from lettre.build import Built
from lettre.errors import Problem
from lettre.i18n import format_date
from lettre.model import LoadedIssue
from lettre.repo import Repository


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def tally(problems: list[Problem], issues: int) -> str:
    """ "Aborted: 2 errors, 1 warning in 1 issue." or "1 issue checked: no errors, 1 warning."."""
    errors = sum(p.is_error for p in problems)
    warnings = len(problems) - errors
    counts = plural(errors, "error") if errors else "no errors"
    if warnings:
        counts += f", {plural(warnings, 'warning')}"
    if errors:
        return f"Aborted: {counts} in {plural(issues, 'issue')}."
    return f"{plural(issues, 'issue')} checked: {counts}."


def summary(loaded: LoadedIssue, shown: str) -> str:
    """One line per issue: where it is, its number and date, what it holds."""
    issue = loaded.issue
    day = format_date(issue.date, loaded.publication.language)
    return (
        f"{shown}: n° {loaded.number}, {day} — {plural(len(issue.headlines), 'headline')}, "
        f"{plural(len(issue.sections), 'section')}, {plural(len(issue.articles()), 'article')}, "
        f"{plural(len(loaded.images), 'image')}"
    )


def outline(loaded: LoadedIssue) -> list[str]:
    """The issue's contents as an indented list, for `check --verbose`."""
    issue = loaded.issue
    lines = [f"  {loaded.title}", f"  Preheader: {issue.preheader}"]
    if issue.editorial:
        author = f" — {issue.editorial.author}" if issue.editorial.author else ""
        lines.append(f"  Editorial: {issue.editorial.title or '…'}{author}")
    lines += [f"  À la une: {headline.title}" for headline in issue.headlines]
    for section in issue.sections:
        lines.append(f"  {section.title}")
        lines += [f"    - {article.title}" for article in section.articles]
    return lines


def size(count: int) -> str:
    return f"{count / 1000:.1f} kB" if count < 1_000_000 else f"{count / 1_000_000:.2f} MB"


def built(result: Built, repo: Repository) -> str:
    """ "dist/2025-06-13: lettre-2025-06-13.html 61.2 kB, .txt 9.8 kB, .eml 1.21 MB, 7 images"."""
    documents = [f for f in result.files if f.parent == result.folder]
    images = [f for f in result.files if f.parent != result.folder]
    parts = [f"{f.name} {size(f.stat().st_size)}" for f in documents]
    return f"{repo.shown(result.folder)}: {', '.join(parts)}, {plural(len(images), 'image')}"
