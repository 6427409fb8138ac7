"""Warnings decided, not forced: what an issue accepts, and the gate `send` and `publish` pass.

A warning the cell has looked at and kept is accepted where it stands (`accept:` on its
item, at the top of issue.yaml or of publication.yaml; see `lettre.codes`). `send` and
`publish` then proceed; every other warning stops them, all listed at once. `--force` is
for emergencies: it lets the other warnings through, and says each one aloud (the email's
weight included). Placeholder text and the example sender stop a real send or a publication
whatever the options: nobody means to send them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from lettre import codes
from lettre.errors import LettreError
from lettre.load import load_issue, load_publication
from lettre.messages import _, ngettext
from lettre.repo import Repository


@dataclass(frozen=True)
class Decided:
    """One warning of an issue, and whether an `accept:` decided it."""

    text: str
    """The warning's line, as `check` and `build` print it (its code at the end)."""
    code: str
    accepted: bool


def issue_warnings(
    repo: Repository, folder: Path, build_warnings: Iterable[str] = ()
) -> list[Decided]:
    """Every warning of the issue in `folder` (publication.yaml's, the issue's, and the
    `build_warnings` its build gave), each with its accepted flag: what `send` and
    `publish` decide on, and what the proof shows.

    `build_warnings` may be a build's whole list of notes: the check's warnings in it
    (told by their codes) are left out, since they come from loading the issue again.
    """
    publication = load_publication(repo)
    if publication.value is None:
        raise LettreError(_("publication.yaml has errors; run lettre check"))
    loaded = load_issue(repo, folder, publication.value)
    issue = loaded.value.issue if loaded.value else None
    problems = [p for p in publication.problems + loaded.problems if not p.is_error]
    accepted = (
        publication.accepted
        | loaded.accepted
        | codes.accepted(publication.problems, issue, publication.value)
    )
    decided = [Decided(str(p), p.code, p in accepted) for p in problems]
    where = f"{repo.shown(folder)}/issue.yaml"
    for warning in dict.fromkeys(build_warnings):
        code = codes.code_of(warning)
        if code in codes.CODES and code not in codes.EDITION_CODES:
            continue  # a check's warning, among a build's notes: found again above
        if not warning.startswith(where):
            warning = f"{where}: " + _("warning: {message}").format(message=warning)
        text = warning
        decided.append(Decided(text, code, codes.accepts(code, issue, publication.value)))
    return decided


def gate(
    decided: list[Decided],
    *,
    command: str,
    shown: str,
    force: bool,
    rehearsal: bool = False,
    say: Callable[..., None],
) -> None:
    """Let `command` (`lettre send`, `lettre publish`) proceed, or refuse it listing every
    warning that stops it.

    `rehearsal` (a --test copy, a --dry-run) sends nobody the issue: placeholders and the
    example sender are then warnings like the others.
    """
    never = [d for d in decided if d.code in codes.NEVER_ACCEPTED and not rehearsal]
    open_ = [d for d in decided if not d.accepted and d not in never]
    accepted = [d for d in decided if d.accepted]
    if never:
        raise LettreError(_refusal_never(never, open_, command, shown))
    if open_ and not force:
        raise LettreError(_refusal(open_, command, shown))
    for warning in open_:
        say(_("forced past: {warning}").format(warning=warning.text), err=True, fg="yellow")
    if accepted:
        count = len(accepted)
        message = ngettext(
            "{shown}: {count} warning accepted in the issue (lettre check lists it)",
            "{shown}: {count} warnings accepted in the issue (lettre check lists them)",
            count,
        )
        say(message.format(shown=shown, count=count), err=True)


def _listed(decided: list[Decided]) -> str:
    return "\n".join(f"  {d.text}" for d in decided)


def _refusal(open_: list[Decided], command: str, shown: str) -> str:
    found = sorted({d.code for d in open_ if d.code})
    head = ngettext(
        "{shown} has warnings: {count} not accepted; {command} refused:",
        "{shown} has warnings: {count} not accepted; {command} refused:",
        len(open_),
    ).format(shown=shown, count=len(open_), command=command)
    advice = _(
        "Fix each one; or, once the cell has decided that it stays, accept it where it stands "
        "in issue.yaml, on its item or at the top (accept: [{codes}]). "
        "--force is for emergencies only."
    ).format(codes=", ".join(found))
    return f"{head}\n{_listed(open_)}\n{advice}"


def _refusal_never(never: list[Decided], open_: list[Decided], command: str, shown: str) -> str:
    head = _("{shown} still holds text to write or an example address; {command} refused:").format(
        shown=shown, command=command
    )
    advice = _(
        "Write the text and give the address the cell sends from: no accept: and no --force "
        "lets these through."
    )
    text = f"{head}\n{_listed(never)}\n{advice}"
    if open_:
        text += "\n" + _refusal(open_, command, shown)
    return text
