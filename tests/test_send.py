"""Sending through a real SMTP server on 127.0.0.1 (aiosmtpd)."""

from __future__ import annotations

import asyncio
import json
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.conftest import Lettre, Newsletter


@dataclass
class Mailbox:
    """What the server saw."""

    messages: list[tuple[list[str], bytes]] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)
    """Address → the answer to give at RCPT."""
    data_answers: list[str | None] = field(default_factory=list)
    """Answers to give at DATA, in order (None: accept), before accepting every message."""
    password: bytes = b"s3cret"
    passwords: list[bytes] = field(default_factory=list)
    """Every password received, as bytes."""
    hold_after: int | None = None
    """After this many messages, DATA waits until `released` is set (a send left hanging)."""
    released: threading.Event = field(default_factory=threading.Event)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.hold_after is not None and len(self.messages) >= self.hold_after:
            while not self.released.is_set():
                await asyncio.sleep(0.05)
            return "421 Closing: never accepted"  # the client is gone: no 250, not delivered
        answer = self.data_answers.pop(0) if self.data_answers else None
        if answer is not None:
            return answer
        self.messages.append((list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted"

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        self.logins.append(data.login.decode())
        self.passwords.append(data.password)
        success = data.login == b"cellule" and data.password == self.password
        return AuthResult(success=success, handled=False)  # handled=False: the server answers 535


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server(request: pytest.FixtureRequest) -> Iterator[tuple[Mailbox, int, Any]]:
    """A server on 127.0.0.1; `request.param` chooses: plain, starttls, starttls-login (no
    AUTH PLAIN: LOGIN only), starttls-no-auth (no login offered) or no-starttls."""
    kind = getattr(request, "param", "plain")
    mailbox, port = Mailbox(), free_port()
    authority = trustme.CA()
    settings: dict[str, Any] = {
        "auth_require_tls": kind != "plain",
        "authenticator": mailbox.authenticate,
    }
    if kind == "starttls-login":
        settings["auth_exclude_mechanism"] = ["PLAIN"]
    if kind == "starttls-no-auth":
        settings["auth_exclude_mechanism"] = ["PLAIN", "LOGIN"]
    if kind.startswith("starttls"):
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        authority.issue_cert("127.0.0.1").configure_cert(context)
        settings |= {"tls_context": context, "require_starttls": True}
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, **settings)
    controller.start()
    yield mailbox, port, authority
    mailbox.released.set()
    controller.stop()


def send(lettre: Lettre, root: Path, port: int, *args: str) -> Any:
    return lettre(
        "send", str(root / "bulletins/2025-06-13"), "--smtp", f"127.0.0.1:{port}", *args, repo=root
    )


def eml(root: Path) -> bytes:
    return (root / "dist/2025-06-13/lettre-de-test-2025-06-13.eml").read_bytes()


def parsed(content: bytes) -> EmailMessage:
    message = message_from_bytes(content, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def test_plain_send_in_batches_arrives_byte_for_byte(
    newsletter: Newsletter, lettre: Lettre, server: Any
) -> None:
    mailbox, port, _ = server
    root = newsletter()
    people = ["a@example.org", "b@example.org", "c@example.org"]
    result = send(
        lettre, root, port, "--plain", "--batch-size", "2", *(f"--to={p}" for p in people)
    )
    assert result.exit_code == 0, result.output
    assert [to for to, _ in mailbox.messages] == [people[:2], people[2:]]
    assert all(content == eml(root) for _, content in mailbox.messages)
    record = json.loads((root / "bulletins/2025-06-13/sent.json").read_text())
    assert record["recipients"] == 3 and record["message_id"].endswith("@lettre.test>")
    again = send(lettre, root, port, "--plain", "--to", "a@example.org")
    assert again.exit_code == 1 and "--again" in again.stderr
    assert len(mailbox.messages) == 2
    assert send(lettre, root, port, "--plain", "--again", "--to", "a@example.org").exit_code == 0


def test_dry_run_sends_nothing(newsletter: Newsletter, lettre: Lettre, server: Any) -> None:
    mailbox, port, _ = server
    root = newsletter()
    result = send(lettre, root, port, "--plain", "--dry-run", "--to", "a@example.org")
    assert result.exit_code == 0
    assert "Subject: Lettre de test du 13\u00a0juin 2025" in result.stdout
    assert (
        "Recipients (1): a@example.org" in result.stdout
        and "Dry run: nothing was sent." in result.stdout
    )
    assert mailbox.messages == [] and not (root / "bulletins/2025-06-13/sent.json").exists()


def test_a_test_copy_has_a_marked_subject_and_records_nothing(
    newsletter: Newsletter, lettre: Lettre, server: Any
) -> None:
    mailbox, port, _ = server
    root = newsletter()
    assert send(lettre, root, port, "--plain", "--test", "moi@example.org").exit_code == 0
    [(to, content)] = mailbox.messages
    assert to == ["moi@example.org"]
    real = parsed(eml(root))
    copy = parsed(content)
    assert copy["Subject"] == f"[TEST] {real['Subject']}"
    assert str(real["Subject"]).startswith("Lettre de test du 13")
    # a Message-ID of its own: a mailbox that de-duplicates still shows the real issue later
    assert copy["Message-ID"] != real["Message-ID"]
    assert str(copy["Message-ID"]).endswith("@lettre.test>")
    assert not (root / "bulletins/2025-06-13/sent.json").exists()


@pytest.mark.parametrize("server", ["starttls"], indirect=True)
def test_starttls_with_a_certificate_and_a_login(
    newsletter: Newsletter,
    lettre: Lettre,
    server: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    mailbox, port, authority = server
    ca = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(ca))
    monkeypatch.setenv("LETTRE_SMTP_PASSWORD", "s3cret")
    root = newsletter()
    result = send(
        lettre,
        root,
        port,
        "--starttls",
        "--cafile",
        str(ca),
        "--user",
        "cellule",
        "--to",
        "a@example.org",
    )
    assert result.exit_code == 0, result.output
    assert mailbox.logins == ["cellule"] and len(mailbox.messages) == 1
    assert "s3cret" not in result.output
    untrusted = send(
        lettre, root, port, "--starttls", "--user", "cellule", "--again", "--to", "a@example.org"
    )
    assert untrusted.exit_code == 1 and "certificate" in untrusted.stderr


def test_no_starttls_offered_means_nothing_sent_and_no_password_given(
    newsletter: Newsletter, lettre: Lettre, server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    mailbox, port, _ = server
    monkeypatch.setenv("LETTRE_SMTP_PASSWORD", "s3cret")
    root = newsletter()
    result = send(lettre, root, port, "--starttls", "--user", "cellule", "--to", "a@example.org")
    assert result.exit_code == 1
    assert "does not offer STARTTLS: nothing was sent and no password was given" in result.stderr
    assert mailbox.logins == [] and mailbox.messages == []


def test_a_temporary_refusal_is_tried_again(
    newsletter: Newsletter, lettre: Lettre, server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    mailbox, port, _ = server
    monkeypatch.setattr("lettre.smtp.time.sleep", lambda seconds: None)
    mailbox.data_answers = ["451 Try again later"]
    root = newsletter()
    assert send(lettre, root, port, "--plain", "--to", "a@example.org").exit_code == 0
    assert len(mailbox.messages) == 1


def test_a_permanent_refusal_is_reported_per_address(
    newsletter: Newsletter, lettre: Lettre, server: Any
) -> None:
    mailbox, port, _ = server
    mailbox.refuse = {"inconnu@example.org": "550 No such user"}
    root = newsletter()
    result = send(
        lettre, root, port, "--plain", "--to", "a@example.org", "--to", "inconnu@example.org"
    )
    assert result.exit_code == 1
    assert "refused: inconnu@example.org: 550 No such user" in result.stderr
    assert [to for to, _ in mailbox.messages] == [["a@example.org"]]


def test_resume_skips_everyone_served_even_after_the_issue_changed(
    newsletter: Newsletter, lettre: Lettre, server: Any
) -> None:
    mailbox, port, _ = server
    mailbox.data_answers = [None, None, "554 Transaction failed"]  # the third batch fails
    root = newsletter()
    people = ["a@example.org", "b@example.org", "c@example.org", "d@example.org"]
    to = [f"--to={p}" for p in people]
    stopped = send(lettre, root, port, "--plain", "--batch-size", "1", *to)
    assert stopped.exit_code == 1 and "stopped after 2 recipients" in stopped.stderr
    assert "--resume" in stopped.stderr
    record = root / "bulletins/2025-06-13/sent.json"
    assert json.loads(record.read_text())["progress"]["state"] == "in progress"
    first_id = parsed(eml(root))["Message-ID"]
    issue = root / "bulletins/2025-06-13/issue.yaml"
    issue.write_text(issue.read_text().replace("Le texte de l", "Le texte corrigé de l"))
    resumed = send(lettre, root, port, "--plain", "--resume", "--batch-size", "1", *to)
    assert resumed.exit_code == 0, resumed.output
    assert parsed(eml(root))["Message-ID"] != first_id  # the typo fix made a new message
    assert "the issue changed since this send started" in resumed.stderr
    assert [to for to, _ in mailbox.messages] == [[p] for p in people]  # each once
    assert json.loads(record.read_text())["recipients"] == 4


def test_settings_from_publication_yaml(
    newsletter: Newsletter, lettre: Lettre, server: Any
) -> None:
    mailbox, port, _ = server
    root = newsletter()
    publication = root / "publication.yaml"
    smtp = f"smtp:\n  host: 127.0.0.1\n  port: {port}\n  security: none\n  recipients: [liste@example.org]\n"
    publication.write_text(publication.read_text() + smtp)
    result = lettre("send", str(root / "bulletins/2025-06-13"), repo=root)
    assert result.exit_code == 0, result.output
    assert [to for to, _ in mailbox.messages] == [["liste@example.org"]]


def test_an_issue_with_warnings_is_sent_only_with_force(
    newsletter: Newsletter, lettre: Lettre, server: Any
) -> None:
    mailbox, port, _ = server
    root = newsletter()
    issue = root / "bulletins/2025-06-13/issue.yaml"
    issue.write_text(
        issue.read_text().replace("    url: https://example.org/une\n", "")
    )  # a warning
    refused = send(lettre, root, port, "--plain", "--to", "a@example.org")
    assert (
        refused.exit_code == 1 and "has warnings" in refused.stderr and "--force" in refused.stderr
    )
    assert mailbox.messages == []
    assert send(lettre, root, port, "--plain", "--force", "--to", "a@example.org").exit_code == 0
    assert len(mailbox.messages) == 1


def test_an_interrupted_send_must_be_resumed_or_started_again(
    newsletter: Newsletter, lettre: Lettre, server: Any
) -> None:
    mailbox, port, _ = server
    mailbox.data_answers = [None, "554 Transaction failed"]  # the second batch fails for good
    root = newsletter()
    people = ["a@example.org", "b@example.org", "c@example.org"]
    stopped = send(
        lettre, root, port, "--plain", "--batch-size", "1", *(f"--to={p}" for p in people)
    )
    assert stopped.exit_code == 1 and "--resume" in stopped.stderr
    again = send(lettre, root, port, "--plain", "--batch-size", "1", *(f"--to={p}" for p in people))
    assert again.exit_code == 1 and "finish it with --resume" in again.stderr
    assert (
        send(
            lettre,
            root,
            port,
            "--plain",
            "--resume",
            "--batch-size",
            "1",
            *(f"--to={p}" for p in people),
        ).exit_code
        == 0
    )
    delivered = [address for to, _ in mailbox.messages for address in to]
    assert sorted(delivered) == people  # everyone once, nobody twice


def test_a_login_without_encryption_is_refused(
    newsletter: Newsletter, lettre: Lettre, server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    mailbox, port, _ = server
    monkeypatch.setenv("LETTRE_SMTP_PASSWORD", "s3cret")
    root = newsletter()
    result = send(lettre, root, port, "--plain", "--user", "cellule", "--to", "a@example.org")
    assert result.exit_code == 2 and "password in clear" in result.stderr
    assert mailbox.logins == [] and mailbox.messages == []


def test_the_issue_s_own_eml_is_sent_not_a_stale_one(
    newsletter: Newsletter, lettre: Lettre, server: Any
) -> None:
    mailbox, port, _ = server
    root = newsletter()
    assert lettre("build", repo=root).exit_code == 0  # dist/ is lettre's (a foreign one is refused)
    stale = root / "dist/2025-06-13/aaa-2025-06-13.eml"
    stale.write_bytes(b"Subject: ancien\r\n\r\nancien\r\n")
    assert send(lettre, root, port, "--plain", "--to", "a@example.org").exit_code == 0
    [(_, content)] = mailbox.messages
    assert content == eml(root)
