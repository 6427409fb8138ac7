"""The mail server: HOST[:PORT], an encrypted connection, a UTF-8 login, Bcc batches.

TLS certificates are always verified; with STARTTLS asked for, a server that does not offer
it gets nothing, not even the login. A temporary refusal (4xx) is retried with backoff, a
permanent one (5xx) is reported per address. The password goes to the server in UTF-8
(AUTH PLAIN or LOGIN) and appears in no message.
"""

from __future__ import annotations

import base64
import contextlib
import ipaddress
import logging
import re
import smtplib
import ssl
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lettre.errors import LettreError
from lettre.messages import _
from lettre.sendrecord import Journal

log = logging.getLogger(__name__)

PORTS = {"starttls": 587, "ssl": 465, "plain": 25}


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    security: str
    """starttls, ssl or plain (no encryption: `security: plain`, `--plain`)."""
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    cafile: Path | None = None


@dataclass
class Report:
    delivered: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    """Address → the server's answer, for permanent refusals."""


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
                    _(
                        "{host} does not offer STARTTLS: nothing was sent and no password "
                        "was given; check the server, or use --ssl"
                    ).format(host=server.host)
                )
            client.starttls(context=_context(server.cafile))
            client.ehlo()
        if server.user:
            _login(client, server.user, server.password or "")
    except (OSError, smtplib.SMTPException) as error:
        raise LettreError(
            _("cannot send through {host}:{port}: {reason}").format(
                host=server.host, port=server.port, reason=_reason(error)
            )
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
            0, _("the login or the password cannot be encoded in UTF-8")
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
            _(
                "it offers no login lettre can use ({offered}); "
                "PLAIN or LOGIN are needed, over STARTTLS or SSL"
            ).format(offered=" ".join(offered) or _("no AUTH"))
        )
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, answer)


def _base64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _reason(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPAuthenticationError):
        if error.smtp_code == 0:
            return str(error.smtp_error)
        return _("the server refused the login (check --user and the password)")
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return str(error)
    if isinstance(error, ssl.SSLCertVerificationError):
        return _(
            "its certificate cannot be trusted ({reason}); --cafile for an internal CA"
        ).format(reason=error.verify_message)
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
                _("the server refused the message: {answer}").format(
                    answer=_text((error.smtp_code, error.smtp_error))
                )
            ) from None
        temporary = [a for a, (code, _answer) in rejected.items() if 400 <= code < 500]
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


_HOST = re.compile(r"(?!-)[\w-]+(?<!-)(\.(?!-)[\w-]+(?<!-))*\.?")
_PORT = re.compile(r"[0-9]{1,5}")


def parse_address(text: str) -> tuple[str, int | None]:
    """HOST[:PORT] as --smtp takes it: a name, an IPv4 address or a bracketed IPv6 one
    ([::1]:2525), and a port from 1 to 65535. Raises ValueError saying what is wrong."""
    if text.startswith("["):
        host, bracket, rest = text[1:].partition("]")
        if not bracket or not _is_ipv6(host):
            raise ValueError(_("only an IPv6 address goes in brackets, as [2001:db8::25]:587"))
        if rest and not rest.startswith(":"):
            raise ValueError(_("after [IPv6 address] only :PORT may follow"))
        return host, _port(rest[1:]) if rest else None
    if text.count(":") > 1:  # ::1:25 could be an address, or ::1 and a port: say which
        raise ValueError(_("write an IPv6 address in brackets, with the port after: [::1]:2525"))
    host, colon, port = text.partition(":")
    if not _HOST.fullmatch(host) or not _encodable(host):
        raise ValueError(_("not a host name or address; write HOST or HOST:PORT"))
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
        raise ValueError(_("the port must be a number from 1 to 65535"))
    return int(text)
