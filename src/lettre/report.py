"""How results and problems read in the terminal."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lettre.errors import Problem
from lettre.repo import Repository

if TYPE_CHECKING:  # not imported by a no-op build (see pipeline.py)
    from lettre.model import LoadedIssue
    from lettre.pipeline import Outcome


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
    from lettre.i18n import format_date

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


def outcome(result: Outcome, repo: Repository) -> list[tuple[str, bool]]:
    """The lines one issue's build prints, each with whether it goes to stderr."""
    where = repo.shown(result.folder)
    lines = [(str(p), p.is_error) for p in result.problems]
    if result.status == "unchanged":  # its warnings, kept from the build that made it
        return [*lines, *((w, True) for w in result.warnings), (f"{where}: unchanged", False)]
    if result.status == "failed":
        return [*lines, (f"{where}: failed: {result.error}", True)]
    documents = [f"{name} {size(n)}" for name, n in result.sizes.items() if "/" not in name]
    images = sum("/" in name for name in result.sizes)
    built = f"{repo.shown(result.output)}: {', '.join(documents)}, {plural(images, 'image')}"
    warnings = [(f"{where}/issue.yaml: warning: {w}", True) for w in result.warnings]
    return [*lines, *warnings, (built, False)]


def build_tally(outcomes: list[Outcome]) -> str:
    counts = {
        status: sum(o.status == status for o in outcomes)
        for status in ("built", "unchanged", "failed")
    }
    text = f"{counts['built']} built, {counts['unchanged']} unchanged, {counts['failed']} failed."
    failures = [o.folder.name for o in outcomes if o.status == "failed"]
    return text + (f" Failed: {', '.join(failures)}." if failures else "")
