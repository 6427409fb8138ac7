"""Sending the issue's .eml through the organisation's mail server.

Builds the issue if needed, decides with its record (`sendrecord.py`) whether this send
starts, resumes or is refused, then sends through `smtp.py`. Progress is saved with the
issue before and after every batch, so an interrupted send resumes without sending anyone
served the issue again. The password comes from the environment or a hidden prompt.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from email import policy
from email.parser import BytesParser
from email.utils import make_msgid
from pathlib import Path
from typing import Any

import click

from lettre import approval, decisions, sendrecord
from lettre import names as output_names
from lettre.build import Options
from lettre.errors import LettreError, UsageProblem
from lettre.load import load_publication
from lettre.messages import _, ngettext
from lettre.model import Publication, is_email
from lettre.pipeline import build_all
from lettre.repo import Repository
from lettre.sendrecord import Journal
from lettre.smtp import PORTS, Report, Server, Stopped, deliver
from lettre.smtp import parse_address as parse_address  # for cli.py

log = logging.getLogger(__name__)

PASSWORD_VARIABLE = "LETTRE_SMTP_PASSWORD"


def test_copy(message: bytes) -> bytes:
    """The message for a --test copy: "[TEST] " before its subject, and a Message-ID of its own.

    (A mailbox that drops a second message with a known Message-ID would otherwise hide
    the real issue from the person who tested it.)
    """
    parsed = BytesParser(policy=policy.SMTP).parsebytes(message)
    subject = str(parsed["Subject"])
    del parsed["Subject"]
    parsed["Subject"] = f"[TEST] {subject}"
    domain = str(parsed["Message-ID"] or "").rpartition("@")[2].rstrip(">") or "lettre.invalid"
    del parsed["Message-ID"]
    parsed["Message-ID"] = make_msgid("test", domain=domain)
    return parsed.as_bytes()


def headers(message: bytes) -> dict[str, str]:
    parsed = BytesParser(policy=policy.default).parsebytes(message, headersonly=True)
    names = ("Subject", "From", "To", "Reply-To", "Date", "Message-ID", "List-Unsubscribe")
    return {name: str(parsed[name]) for name in names if parsed[name] is not None}


def _identity(message: bytes) -> str:
    return headers(message).get("Message-ID", "")


@dataclass(frozen=True)
class Request:
    """What `lettre send` was asked (see its options)."""

    recipients: tuple[str, ...]
    smtp_server: tuple[str, int | None] | None
    """Host and port, as `parse_address` read --smtp."""
    security: str | None
    user: str | None
    cafile: Path | None
    test_address: str | None
    dry_run: bool
    batch_size: int
    resume: bool
    again: bool
    force: bool
    out: Path


def send_issue(repo: Repository, folder: Path, request: Request, say: Callable[..., None]) -> None:
    """Build the issue if needed, check it may be sent, then send it (or show what would be)."""
    _check_request(request)
    publication = load_publication(repo).value
    if publication is None:
        raise LettreError(_("publication.yaml has errors; run lettre check"))
    message, warnings = _built_message(repo, folder, request, publication)
    rehearsal = bool(request.test_address or request.dry_run)  # nobody gets the issue
    decisions.gate(decisions.issue_warnings(repo, folder, warnings), command="lettre send",
                   shown=repo.shown(folder), force=request.force, rehearsal=rehearsal, say=say)  # fmt: skip
    if request.test_address:
        _send_test(request, publication, test_copy(message), say)
        return
    recipients = _recipients(request, publication)
    if request.dry_run:
        _show(message, recipients, say)
        return
    shown = repo.shown(folder)
    with sendrecord.locked(folder, shown):
        record = sendrecord.read(folder, shown)
        progress = _progress(record, request, shown, _identity(message), say)
        served = [a for a in recipients if progress.has_served(a)]
        pending = [a for a in recipients if not progress.has_served(a)]
        server = _server(request, publication)
        report = _deliver_all(server, publication, pending, message, request, record)
        report.delivered[:0] = served
        record.complete(len(report.delivered), len(report.failed))
    for address, answer in sorted(report.failed.items()):
        say(
            _("refused: {address}: {answer}").format(address=address, answer=answer),
            err=True,
            fg="red",
        )
    sent = ngettext(
        "{issue}: sent to {count} of {total} recipient",
        "{issue}: sent to {count} of {total} recipients",
        len(recipients),
    )
    say(sent.format(issue=shown, count=len(report.delivered), total=len(recipients)))
    if report.failed:
        say(_("To send it to a refused address once it is fixed: --again --to ADDRESS"), err=True)
        raise click.exceptions.Exit(1)


def _check_request(request: Request) -> None:
    """Options that contradict each other, and a --test address, before anything is built."""
    if request.resume and request.again:
        raise UsageProblem(
            _("--resume finishes an interrupted send, --again sends to everyone again: choose one")
        )
    if request.test_address is None:
        return
    if request.resume or request.again or request.recipients:
        raise UsageProblem(
            _(
                "--test sends one copy to ADDRESS only, and records nothing: "
                "leave out --to, --resume and --again"
            )
        )
    if not is_email(request.test_address):
        message = _("--test: not an e-mail address: {address}")
        raise UsageProblem(message.format(address=request.test_address))


def _progress(
    record: sendrecord.Record,
    request: Request,
    shown: str,
    message_id: str,
    say: Callable[..., None],
) -> sendrecord.Progress:
    """The progress this send continues (--resume) or starts; refuses what would be wrong."""
    last, progress = record.last, record.progress
    if request.resume:
        if progress is None or not record.interrupted:
            raise UsageProblem(_nothing_to_resume(shown, last))
        if progress.in_flight:
            count = len(progress.in_flight)
            message = ngettext(
                "warning: {count} recipient was being sent the issue when it stopped; the server "
                "may have accepted it already, so they may get it twice",
                "warning: {count} recipients were being sent the issue when it stopped; the server "
                "may have accepted them already, so they may get it twice",
                count,
            )
            say(message.format(count=count), err=True)
        if progress.message_id != message_id:
            message = _(
                "note: the issue changed since this send started; "
                "the recipients not served yet get it as it is now"
            )
            say(message, err=True)
        return progress
    if record.interrupted and not request.again:
        assert progress is not None
        raise LettreError(
            _(
                "a send of {issue} started on {date} stopped after {count} recipients; finish it "
                "with --resume (nobody served gets it twice), or send it to everyone from the "
                "start with --again"
            ).format(issue=shown, date=progress.started[:10], count=len(progress.served))
        )
    if last and not request.again:
        raise LettreError(
            _(
                "{issue} was sent on {date} to {count} recipients; "
                "to send it to everyone again: --again"
            ).format(
                issue=shown, date=str(last.get("sent", "?"))[:10], count=last.get("recipients", "?")
            )
        )
    record.progress = sendrecord.Progress.start(message_id)
    return record.progress


def _nothing_to_resume(shown: str, last: dict[str, Any] | None) -> str:
    if last is None:
        return _(
            "{issue} has no interrupted send to resume: it was never sent; leave out --resume"
        ).format(issue=shown)
    return _(
        "{issue} has no interrupted send to resume: it was sent in full on {date} to {count} "
        "recipients; to send it to everyone again, use --again"
    ).format(issue=shown, date=str(last.get("sent", "?"))[:10], count=last.get("recipients", "?"))


def _deliver_all(
    server: Server,
    publication: Publication,
    recipients: list[str],
    message: bytes,
    request: Request,
    record: sendrecord.Record,
) -> Report:
    journal = Journal(record)  # its first save, "in progress", comes before the first batch
    already = len(journal.progress.served)
    with click.progressbar(length=len(recipients), label=_("Sending"), file=sys.stderr) as bar:
        try:
            return deliver(server, publication.sender.email, recipients, message,
                           batch_size=request.batch_size, journal=journal, done=bar.update)  # fmt: skip
        except Stopped as stopped:
            raise LettreError(
                _(
                    "the send stopped after {count} recipients ({why}); run the same command "
                    "with --resume to finish it: nobody served gets the issue twice"
                ).format(count=already + stopped.delivered, why=stopped.why)
            ) from None


def _send_test(
    request: Request, publication: Publication, message: bytes, say: Callable[..., None]
) -> None:
    address = str(request.test_address)
    if request.dry_run:
        _show(message, [address], say)
        return
    report = deliver(_server(request, publication), publication.sender.email, [address], message)
    for refused, answer in report.failed.items():
        say(
            _("refused: {address}: {answer}").format(address=refused, answer=answer),
            err=True,
            fg="red",
        )
        raise click.exceptions.Exit(1)
    say(_("test copy sent to {address} (nothing recorded)").format(address=address))


def _built_message(
    repo: Repository, folder: Path, request: Request, publication: Publication
) -> tuple[bytes, list[str]]:
    # Options(): a published issue is built with the options it was published with
    [outcome] = build_all(repo, [folder], request.out, Options(), jobs=1)
    if outcome.status == "failed":
        for problem in outcome.problems:
            click.echo(str(problem), err=True)
        raise LettreError(
            _("{issue} cannot be sent: {reason}").format(
                issue=repo.shown(folder), reason=outcome.error
            )
        )
    named = outcome.names or output_names.of(publication, folder.name)  # unchanged: not read
    eml = outcome.files.get(named.eml)
    if eml is None or not eml.is_file():
        raise LettreError(
            _("no message in {folder}: build it again (lettre build {issue})").format(
                folder=outcome.output, issue=repo.shown(folder)
            )
        )
    if not request.test_address:  # a test copy is how an issue gets checked before approval
        approval.gate(repo, folder, outcome.output, publication)
    # a fresh build carries its check warnings as problems; an unchanged one, in its notes
    warnings = outcome.warnings + [str(p) for p in outcome.problems if not p.is_error]
    return eml.read_bytes(), warnings


def _recipients(request: Request, publication: Publication) -> list[str]:
    chosen = list(request.recipients) or list(
        publication.smtp.recipients if publication.smtp else ()
    )
    if not chosen:
        raise UsageProblem(
            _("no recipient: give --to ADDRESS, or smtp.recipients in publication.yaml")
        )
    bad = [a for a in chosen if not is_email(a)]
    if bad:
        raise UsageProblem(_("not an e-mail address: {address}").format(address=bad[0]))
    once: dict[str, str] = {}  # one copy per mailbox: the record knows an address in any case
    for address in chosen:
        once.setdefault(address.lower(), address)
    return list(once.values())


def _server(request: Request, publication: Publication) -> Server:
    configured = publication.smtp
    host, port = request.smtp_server or ("", None)
    host = host or (configured.host if configured else "")
    if not host:
        raise UsageProblem(
            _("no mail server: give --smtp HOST[:PORT], or smtp.host in publication.yaml")
        )
    security = request.security or (configured.security if configured else "starttls")
    if port is None:
        port = configured.port if configured and configured.port else PORTS[security]
    user = request.user or (configured.user if configured else None)
    if user and security == "plain":
        raise UsageProblem(
            _(
                "a login over a plain connection (--plain, or security: plain: no encryption) "
                "would send the password in clear; use --starttls or --ssl "
                "(security: starttls or ssl)"
            )
        )
    password = None
    if user:
        password = os.environ.get(PASSWORD_VARIABLE) or click.prompt(
            _("Password for {user}").format(user=user), hide_input=True
        )
    return Server(host, port, security, user, password, request.cafile)


def _show(message: bytes, recipients: list[str], say: Callable[..., None]) -> None:
    for name, value in headers(message).items():
        say(f"{name}: {value}")
    shown = ", ".join(recipients[:10])
    if len(recipients) > 10:
        shown += ", " + _("… ({count} in all)").format(count=len(recipients))
    say(_("Recipients ({count}): {addresses}").format(count=len(recipients), addresses=shown))
    say(_("Size: {size} bytes. Dry run: nothing was sent.").format(size=f"{len(message):,}"))
