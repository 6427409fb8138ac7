"""How results and problems read in the terminal."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lettre.errors import Problem
from lettre.messages import _, ngettext
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
    counts = (
        ngettext("{count} error", "{count} errors", errors).format(count=errors)
        if errors
        else _("no errors")
    )
    if warnings:
        counts = _("{errors}, {warnings}").format(
            errors=counts,
            warnings=ngettext("{count} warning", "{count} warnings", warnings).format(
                count=warnings
            ),
        )
    in_issues = ngettext("{count} issue", "{count} issues", issues).format(count=issues)
    if errors:
        return _("Aborted: {counts} in {issues}.").format(counts=counts, issues=in_issues)
    return _("{issues} checked: {counts}.").format(issues=in_issues, counts=counts)


def summary(loaded: LoadedIssue, shown: str) -> str:
    """One line per issue: where it is, its number and date, what it holds."""
    from lettre.i18n import format_date

    issue = loaded.issue
    day = format_date(issue.date, loaded.publication.language)
    return _("{issue}: n° {number}, {date} — {headlines}, {sections}, {articles}, {images}").format(
        issue=shown,
        number=loaded.number,
        date=day,
        headlines=ngettext("{count} headline", "{count} headlines", len(issue.headlines)).format(
            count=len(issue.headlines)
        ),
        sections=ngettext("{count} section", "{count} sections", len(issue.sections)).format(
            count=len(issue.sections)
        ),
        articles=ngettext("{count} article", "{count} articles", len(issue.articles())).format(
            count=len(issue.articles())
        ),
        images=ngettext("{count} image", "{count} images", len(loaded.images)).format(
            count=len(loaded.images)
        ),
    )


def outline(loaded: LoadedIssue) -> list[str]:
    """The issue's contents as an indented list, for `check --verbose`."""
    issue = loaded.issue
    lines = [f"  {loaded.title}", "  " + _("Preheader: {text}").format(text=issue.preheader)]
    if issue.editorial:
        author = f" — {issue.editorial.author}" if issue.editorial.author else ""
        title = issue.editorial.title or "…"
        lines.append("  " + _("Editorial: {title}").format(title=title + author))
    lines += ["  " + _("Headline: {title}").format(title=h.title) for h in issue.headlines]
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
        unchanged = _("{issue}: unchanged").format(issue=where)
        return [*lines, *((w, True) for w in result.warnings), (unchanged, False)]
    if result.status == "failed":
        failed = _("{issue}: failed: {reason}").format(issue=where, reason=result.error)
        return [*lines, (failed, True)]
    documents = [f"{name} {size(n)}" for name, n in result.sizes.items() if "/" not in name]
    images = sum("/" in name for name in result.sizes)
    built = _("{folder}: {files}, {images}").format(
        folder=repo.shown(result.output),
        files=", ".join(documents),
        images=ngettext("{count} image", "{count} images", images).format(count=images),
    )
    warning = _("warning: {message}")
    warnings = [
        (f"{where}/issue.yaml: " + warning.format(message=w), True) for w in result.warnings
    ]
    return [*lines, *warnings, (built, False)]


def build_tally(outcomes: list[Outcome]) -> str:
    counts = {
        status: sum(o.status == status for o in outcomes)
        for status in ("built", "unchanged", "failed")
    }
    text = _("{built} built, {unchanged} unchanged, {failed} failed.").format(**counts)
    failures = [o.folder.name for o in outcomes if o.status == "failed"]
    if failures:
        text += " " + _("Failed: {issues}.").format(issues=", ".join(failures))
    return text
