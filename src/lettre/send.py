"""Sending the issue's .eml through the organisation's mail server.

TLS certificates are always verified; with STARTTLS asked for, a server that does not offer
it gets nothing, not even the login. Recipients go in Bcc batches; a temporary refusal
(4xx) is retried with backoff, a permanent one (5xx) is reported per address; progress is
saved with the issue before and after every batch (see `sendrecord.py`), so an interrupted
send resumes without sending anyone served the issue again. The password comes from the
environment or a hidden prompt, goes to the server in UTF-8, and is never shown.
"""

from __future__ import annotations

import base64
import contextlib
import ipaddress
import logging
import os
import re
import smtplib
import ssl
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser
from email.utils import make_msgid
from pathlib import Path
from typing import Any

import click

from lettre import sendrecord
from lettre.build import Options
from lettre.errors import LettreError, UsageProblem
from lettre.load import load_publication
from lettre.model import Publication, is_email
from lettre.pipeline import build_all
from lettre.repo import Repository
from lettre.sendrecord import Journal

log = logging.getLogger(__name__)

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
            _login(client, server.user, server.password or "")
    except (OSError, smtplib.SMTPException) as error:
        raise LettreError(
            f"cannot send through {server.host}:{server.port}: {_reason(error)}"
        ) from None
    return client


def _login(client: smtplib.SMTP, user: str, password: str) -> None:
    """AUTH PLAIN (or LOGIN) with the login and password in UTF-8, as RFC 4616 allows.

    smtplib encodes them as ASCII, and its error would quote the first other character of
    the password; no message here ever carries any part of it.
    """
    try:
        secret = password.encode("utf-8", "surrogateescape")
        login = user.encode("utf-8", "surrogateescape")
    except UnicodeError:
        raise smtplib.SMTPAuthenticationError(
            0, "the login or the password cannot be encoded in UTF-8"
        ) from None
    offered = str(client.esmtp_features.get("auth", "")).upper().split()
    if "PLAIN" in offered:
        code, answer = client.docmd("AUTH", "PLAIN " + _base64(b"\0" + login + b"\0" + secret))
    elif "LOGIN" in offered:
        code, answer = client.docmd("AUTH", "LOGIN " + _base64(login))
        if code == 334:
            code, answer = client.docmd(_base64(secret))
    elif (login + secret).isascii() and offered:
        client.login(user, password)  # CRAM-MD5: smtplib's own, safe with ASCII
        return
    else:
        raise smtplib.SMTPNotSupportedError(
            f"it offers no login lettre can use ({' '.join(offered) or 'no AUTH'}); "
            "PLAIN or LOGIN are needed, over STARTTLS or SSL"
        )
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, answer)


def _base64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _reason(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPAuthenticationError):
        if error.smtp_code == 0:
            return str(error.smtp_error)
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
    journal: Journal | None = None,
    done: Callable[[int], None] = lambda count: None,
    retries: int = 3,
    backoff: float = 2.0,
) -> Report:
    """Send `message` to `recipients` in Bcc batches; `journal` records each batch."""
    report = Report()
    if not recipients:
        return report
    client = connect(server)
    try:
        for batch in batches(recipients, batch_size):
            if journal:
                journal.before(batch)
            try:
                refused = _send_batch(client, sender, batch, message, retries, backoff)
            except (smtplib.SMTPException, OSError, LettreError) as error:
                why = error.format_message() if isinstance(error, LettreError) else _reason(error)
                if journal and isinstance(error, Refused):  # certainly not accepted
                    journal.after([])
                raise Stopped(len(report.delivered), why) from None
            report.failed |= refused
            report.delivered += [a for a in batch if a not in refused]
            if journal:
                journal.after([a for a in batch if a not in refused])
            done(len(batch))
    except KeyboardInterrupt:
        raise Stopped(len(report.delivered), "interrupted") from None
    finally:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            client.quit()
    return report


class Refused(LettreError):
    """The server refused the message itself: the batch was not accepted."""


class Stopped(LettreError):
    """The send stopped before its end (the record says it is interrupted)."""

    def __init__(self, delivered: int, why: str) -> None:
        super().__init__(why)
        self.delivered, self.why = delivered, why


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
            raise Refused(
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
        raise LettreError("publication.yaml has errors; run lettre check")
    message, warnings = _built_message(repo, folder, request, publication)
    if warnings and not request.force:
        raise LettreError(
            f"{repo.shown(folder)} has warnings ({warnings[0]}); fix them or send with --force"
        )
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
        say(f"refused: {address}: {answer}", err=True, fg="red")
    say(f"{shown}: sent to {len(report.delivered)} of {len(recipients)} recipients")
    if report.failed:
        say("To send it to a refused address once it is fixed: --again --to ADDRESS", err=True)
        raise click.exceptions.Exit(1)


def _check_request(request: Request) -> None:
    """Options that contradict each other, and a --test address, before anything is built."""
    if request.resume and request.again:
        raise UsageProblem(
            "--resume finishes an interrupted send, --again sends to everyone again: choose one"
        )
    if request.test_address is None:
        return
    if request.resume or request.again or request.recipients:
        raise UsageProblem(
            "--test sends one copy to ADDRESS only, and records nothing: "
            "leave out --to, --resume and --again"
        )
    if not is_email(request.test_address):
        raise UsageProblem(f"--test: not an e-mail address: {request.test_address}")


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
            say(f"warning: {len(progress.in_flight)} recipients were being sent the issue when "
                "it stopped; the server may have accepted them already, so they may get it twice",
                err=True)  # fmt: skip
        if progress.message_id != message_id:
            say("note: the issue changed since this send started; "
                "the recipients not served yet get it as it is now", err=True)  # fmt: skip
        return progress
    if record.interrupted and not request.again:
        assert progress is not None
        raise LettreError(
            f"a send of {shown} started on {progress.started[:10]} stopped after "
            f"{len(progress.served)} recipients; finish it with --resume (nobody served gets "
            "it twice), or send it to everyone from the start with --again"
        )
    if last and not request.again:
        raise LettreError(
            f"{shown} was sent on {str(last.get('sent', '?'))[:10]} to "
            f"{last.get('recipients', '?')} recipients; to send it to everyone again: --again"
        )
    record.progress = sendrecord.Progress.start(message_id)
    return record.progress


def _nothing_to_resume(shown: str, last: dict[str, Any] | None) -> str:
    if last is None:
        return f"{shown} has no interrupted send to resume: it was never sent; leave out --resume"
    return (
        f"{shown} has no interrupted send to resume: it was sent in full on "
        f"{str(last.get('sent', '?'))[:10]} to {last.get('recipients', '?')} recipients; "
        "to send it to everyone again, use --again"
    )


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
    with click.progressbar(length=len(recipients), label="Sending", file=sys.stderr) as bar:
        try:
            return deliver(server, publication.sender.email, recipients, message,
                           batch_size=request.batch_size, journal=journal, done=bar.update)  # fmt: skip
        except Stopped as stopped:
            raise LettreError(
                f"the send stopped after {already + stopped.delivered} recipients "
                f"({stopped.why}); run the same command with --resume to finish it: "
                "nobody served gets the issue twice"
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
        say(f"refused: {refused}: {answer}", err=True, fg="red")
        raise click.exceptions.Exit(1)
    say(f"test copy sent to {address} (nothing recorded)")


def _built_message(
    repo: Repository, folder: Path, request: Request, publication: Publication
) -> tuple[bytes, list[str]]:
    # Options(): a published issue is built with the options it was published with
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
    once: dict[str, str] = {}  # one copy per mailbox: the record knows an address in any case
    for address in chosen:
        once.setdefault(address.lower(), address)
    return list(once.values())


_HOST = re.compile(r"(?!-)[\w-]+(?<!-)(\.(?!-)[\w-]+(?<!-))*\.?")
_PORT = re.compile(r"[0-9]{1,5}")


def parse_address(text: str) -> tuple[str, int | None]:
    """HOST[:PORT] as --smtp takes it: a name, an IPv4 address or a bracketed IPv6 one
    ([::1]:2525), and a port from 1 to 65535. Raises ValueError saying what is wrong."""
    if text.startswith("["):
        host, bracket, rest = text[1:].partition("]")
        if not bracket or not _is_ipv6(host):
            raise ValueError("only an IPv6 address goes in brackets, as [2001:db8::25]:587")
        if rest and not rest.startswith(":"):
            raise ValueError("after [IPv6 address] only :PORT may follow")
        return host, _port(rest[1:]) if rest else None
    if text.count(":") > 1:  # ::1:25 could be an address, or ::1 and a port: say which
        raise ValueError("write an IPv6 address in brackets, with the port after: [::1]:2525")
    host, colon, port = text.partition(":")
    if not _HOST.fullmatch(host) or not _encodable(host):
        raise ValueError("not a host name or address; write HOST or HOST:PORT")
    return host, _port(port) if colon else None


def _is_ipv6(text: str) -> bool:
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


def _encodable(host: str) -> bool:
    try:
        host.encode("idna")
    except UnicodeError:
        return False
    return True


def _port(text: str) -> int:
    if not _PORT.fullmatch(text) or not 1 <= int(text) <= 65535:
        raise ValueError("the port must be a number from 1 to 65535")
    return int(text)


def _server(request: Request, publication: Publication) -> Server:
    configured = publication.smtp
    host, port = request.smtp_server or ("", None)
    host = host or (configured.host if configured else "")
    if not host:
        raise UsageProblem(
            "no mail server: give --smtp HOST[:PORT], or smtp.host in publication.yaml"
        )
    security = request.security or (configured.security if configured else "starttls")
    if port is None:
        port = configured.port if configured and configured.port else PORTS[security]
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
    return Server(host, port, security, user, password, request.cafile)


def _show(message: bytes, recipients: list[str], say: Callable[..., None]) -> None:
    for name, value in headers(message).items():
        say(f"{name}: {value}")
    shown = ", ".join(recipients[:10]) + (
        f", … ({len(recipients)} in all)" if len(recipients) > 10 else ""
    )
    say(f"Recipients ({len(recipients)}): {shown}")
    say(f"Size: {len(message):,} bytes. Dry run: nothing was sent.")
