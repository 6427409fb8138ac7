"""Sending the issue's .eml through the organisation's mail server.

TLS certificates are always verified; with STARTTLS asked for, a server that does not offer
it gets nothing, not even the login. Recipients go in Bcc batches; a temporary refusal
(4xx) is retried with backoff, a permanent one (5xx) is reported per address; progress is
saved after every batch, so an interrupted send resumes without sending anyone the issue
twice. The password comes from the environment or a hidden prompt and is never logged.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import smtplib
import ssl
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import click

from lettre.build import Options
from lettre.errors import LettreError, UsageProblem
from lettre.load import load_publication
from lettre.model import Publication, is_email
from lettre.output import write_atomic
from lettre.pipeline import build_all
from lettre.repo import Repository

log = logging.getLogger(__name__)

SENT = "sent.json"
"""In the issue folder: when the issue was sent, to how many, with which Message-ID."""
PROGRESS = ".send-progress.json"
"""In the output folder: who has it already, for --resume (addresses stay out of git)."""
PORTS = {"starttls": 587, "ssl": 465, "none": 25}
PASSWORD_VARIABLE = "LETTRE_SMTP_PASSWORD"


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    security: str
    """starttls, ssl or none."""
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    cafile: Path | None = None


@dataclass
class Report:
    delivered: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    """Address → the server's answer, for permanent refusals."""


def with_test_subject(message: bytes) -> bytes:
    """The same message with "[TEST] " before its subject."""
    parsed = BytesParser(policy=policy.SMTP).parsebytes(message)
    subject = str(parsed["Subject"])
    del parsed["Subject"]
    parsed["Subject"] = f"[TEST] {subject}"
    return parsed.as_bytes()


def headers(message: bytes) -> dict[str, str]:
    parsed = BytesParser(policy=policy.default).parsebytes(message, headersonly=True)
    names = ("Subject", "From", "To", "Reply-To", "Date", "Message-ID", "List-Unsubscribe")
    return {name: str(parsed[name]) for name in names if parsed[name] is not None}


def _context(cafile: Path | None) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(cafile) if cafile else None)


def connect(server: Server, timeout: float = 30) -> smtplib.SMTP:
    """A connection ready to send: encrypted as asked, logged in when there is a user."""
    try:
        if server.security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                server.host, server.port, timeout=timeout, context=_context(server.cafile)
            )
        else:
            client = smtplib.SMTP(server.host, server.port, timeout=timeout)
        client.ehlo()
        if server.security == "starttls":
            if not client.has_extn("starttls"):
                client.quit()
                raise LettreError(
                    f"{server.host} does not offer STARTTLS: nothing was sent and no password "
                    "was given; check the server, or use --ssl"
                )
            client.starttls(context=_context(server.cafile))
            client.ehlo()
        if server.user:
            client.login(server.user, server.password or "")
    except (OSError, smtplib.SMTPException) as error:
        raise LettreError(
            f"cannot send through {server.host}:{server.port}: {_reason(error)}"
        ) from None
    return client


def _reason(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return "the server refused the login (check --user and the password)"
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"its certificate cannot be trusted ({error.verify_message}); --cafile for an internal CA"
    return f"{type(error).__name__}: {error}"


def batches(addresses: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(addresses), size):
        yield addresses[start : start + size]


def deliver(
    server: Server,
    sender: str,
    recipients: list[str],
    message: bytes,
    *,
    batch_size: int = 50,
    progress: Path | None = None,
    done: Callable[[int], None] = lambda count: None,
    retries: int = 3,
    backoff: float = 2.0,
) -> Report:
    """Send `message` to `recipients` in Bcc batches; `progress` lets a later call resume."""
    report = Report()
    saved = _load_progress(progress, message)
    pending = [address for address in recipients if address not in saved]
    report.delivered += [address for address in recipients if address in saved]
    client = connect(server)
    try:
        for batch in batches(pending, batch_size):
            try:
                refused = _send_batch(client, sender, batch, message, retries, backoff)
            except (smtplib.SMTPException, OSError, LettreError) as error:
                why = error.format_message() if isinstance(error, LettreError) else _reason(error)
                raise LettreError(
                    f"the send stopped after {len(report.delivered)} of {len(recipients)} "
                    f"recipients ({why}); run the same command with --resume to finish"
                ) from None
            report.failed |= refused
            report.delivered += [a for a in batch if a not in refused]
            _save_progress(progress, message, report.delivered)
            done(len(batch))
    finally:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            client.quit()
    return report


def _send_batch(
    client: smtplib.SMTP,
    sender: str,
    batch: list[str],
    message: bytes,
    retries: int,
    backoff: float,
) -> dict[str, str]:
    """The batch's refused addresses, with the server's answer; 4xx answers are tried again."""
    pending, refused = list(batch), dict[str, str]()
    for attempt in range(retries + 1):
        try:
            rejected = client.sendmail(sender, pending, message)
        except smtplib.SMTPRecipientsRefused as error:
            rejected = error.recipients
        except smtplib.SMTPResponseException as error:  # the message itself, for everyone
            if 400 <= error.smtp_code < 500 and attempt < retries:
                log.info("temporary failure %s, trying again", error.smtp_code)
                time.sleep(backoff * 2**attempt)
                client.rset()
                continue
            raise LettreError(
                f"the server refused the message: {_text((error.smtp_code, error.smtp_error))}"
            ) from None
        temporary = [a for a, (code, _) in rejected.items() if 400 <= code < 500]
        refused |= {a: _text(answer) for a, answer in rejected.items() if a not in temporary}
        if not temporary or attempt == retries:
            return refused | {a: _text(rejected[a]) for a in temporary}
        pending = temporary
        time.sleep(backoff * 2**attempt)
    return refused


def _text(answer: Any) -> str:
    code, text = answer
    text = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
    return f"{code} {text}".strip() if code else text


def _identity(message: bytes) -> str:
    return headers(message).get("Message-ID", "")


def _load_progress(progress: Path | None, message: bytes) -> set[str]:
    if progress is None or not progress.is_file():
        return set()
    data = json.loads(progress.read_text("utf-8"))
    return set(data["delivered"]) if data.get("message_id") == _identity(message) else set()


def _save_progress(progress: Path | None, message: bytes, delivered: list[str]) -> None:
    if progress is not None:
        data = {"message_id": _identity(message), "delivered": sorted(delivered)}
        write_atomic(progress, json.dumps(data, indent=1) + "\n")


def read_sent(folder: Path) -> dict[str, Any] | None:
    try:
        record: dict[str, Any] = json.loads((folder / SENT).read_text("utf-8"))
    except FileNotFoundError:
        return None
    return record


def record_sent(folder: Path, message: bytes, report: Report) -> None:
    history = (read_sent(folder) or {}).get("sends", [])
    entry = {
        "sent": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "recipients": len(report.delivered),
        "refused": len(report.failed),
        "message_id": _identity(message),
    }
    write_atomic(folder / SENT, json.dumps({**entry, "sends": [*history, entry]}, indent=2) + "\n")


@dataclass(frozen=True)
class Request:
    """What `lettre send` was asked (see its options)."""

    recipients: tuple[str, ...]
    smtp_server: str | None
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
    publication = load_publication(repo).value
    if publication is None:
        raise LettreError("publication.yaml has errors; run lettre check")
    message, warnings = _built_message(repo, folder, request, publication)
    if warnings and not request.force:
        raise LettreError(
            f"{repo.shown(folder)} has warnings ({warnings[0]}); fix them or send with --force"
        )
    recipients = (
        [request.test_address] if request.test_address else _recipients(request, publication)
    )
    if request.test_address:
        message = with_test_subject(message)
    if request.dry_run:
        _show(message, recipients, say)
        return
    sent = read_sent(folder)
    if sent and not request.test_address and not (request.again or request.resume):
        raise LettreError(
            f"{repo.shown(folder)} was sent on {sent['sent'][:10]} to {sent['recipients']} "
            "recipients; send it again with --again, or finish an interrupted send with --resume"
        )
    server = _server(request, publication)
    progress = None if request.test_address else request.out / folder.name / PROGRESS
    if progress and progress.exists() and not request.resume:
        if not request.again:
            raise LettreError(
                f"an earlier send of {repo.shown(folder)} stopped before the end; finish it with "
                "--resume (nobody gets it twice), or start over with --again"
            )
        progress.unlink()
    with click.progressbar(length=len(recipients), label="Sending", file=sys.stderr) as bar:
        report = deliver(server, publication.sender.email, recipients, message,
                         batch_size=request.batch_size, progress=progress, done=bar.update)  # fmt: skip
    for address, answer in sorted(report.failed.items()):
        say(f"refused: {address}: {answer}", err=True, fg="red")
    if not request.test_address:
        record_sent(folder, message, report)
        if progress and not report.failed:
            progress.unlink(missing_ok=True)
    say(f"{repo.shown(folder)}: sent to {len(report.delivered)} of {len(recipients)} recipients")
    if report.failed:
        raise click.exceptions.Exit(1)


def _built_message(
    repo: Repository, folder: Path, request: Request, publication: Publication
) -> tuple[bytes, list[str]]:
    [outcome] = build_all(repo, [folder], request.out, Options(), jobs=1)
    if outcome.status == "failed":
        for problem in outcome.problems:
            click.echo(str(problem), err=True)
        raise LettreError(f"{repo.shown(folder)} cannot be sent: {outcome.error}")
    eml = outcome.output / f"{publication.file_slug}-{folder.name}.eml"
    if not eml.is_file():
        raise LettreError(f"no {eml.name} in {outcome.output}")
    # a fresh build carries its check warnings as problems; an unchanged one, in its notes
    warnings = outcome.warnings + [str(p) for p in outcome.problems if not p.is_error]
    return eml.read_bytes(), warnings


def _recipients(request: Request, publication: Publication) -> list[str]:
    chosen = list(request.recipients) or list(
        publication.smtp.recipients if publication.smtp else ()
    )
    if not chosen:
        raise UsageProblem(
            "no recipient: give --to ADDRESS, or smtp.recipients in publication.yaml"
        )
    bad = [a for a in chosen if not is_email(a)]
    if bad:
        raise UsageProblem(f"not an e-mail address: {bad[0]}")
    return list(dict.fromkeys(chosen))


def _server(request: Request, publication: Publication) -> Server:
    configured = publication.smtp
    host, _, port = (request.smtp_server or "").partition(":")
    host = host or (configured.host if configured else "")
    if not host:
        raise UsageProblem(
            "no mail server: give --smtp HOST[:PORT], or smtp.host in publication.yaml"
        )
    security = request.security or (configured.security if configured else "starttls")
    number = (
        int(port)
        if port.isdigit()
        else (configured.port if configured and configured.port else PORTS[security])
    )
    user = request.user or (configured.user if configured else None)
    if user and security == "none":
        raise UsageProblem(
            "a login without encryption would send the password in clear; use --starttls or --ssl"
        )
    password = None
    if user:
        password = os.environ.get(PASSWORD_VARIABLE) or click.prompt(
            f"Password for {user}", hide_input=True
        )
    return Server(host, number, security, user, password, request.cafile)


def _show(message: bytes, recipients: list[str], say: Callable[..., None]) -> None:
    for name, value in headers(message).items():
        say(f"{name}: {value}")
    shown = ", ".join(recipients[:10]) + (
        f", … ({len(recipients)} in all)" if len(recipients) > 10 else ""
    )
    say(f"Recipients ({len(recipients)}): {shown}")
    say(f"Size: {len(message):,} bytes. Dry run: nothing was sent.")
