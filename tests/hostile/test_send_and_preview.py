"""Hostile arguments to send: no header or recipient smuggled in, nothing sent."""

from __future__ import annotations

import pytest

from tests.conftest import Lettre, Newsletter


@pytest.mark.parametrize(
    "recipient",
    [
        "a@example.org\r\nBcc: x@example.org",
        "a@example.org, b@example.org",
        "<a@example.org>",
        "a@example.org\n",
    ],
)
def test_a_smuggled_recipient_is_refused_before_any_connection(
    newsletter: Newsletter, lettre: Lettre, recipient: str
) -> None:
    root = newsletter()
    result = lettre(
        "send",
        str(root / "bulletins/2025-06-13"),
        "--smtp",
        "127.0.0.1:9",
        "--plain",
        "--to",
        recipient,
        repo=root,
    )
    assert result.exit_code == 2
    assert "not an e-mail address" in result.stderr
    assert not (root / "bulletins/2025-06-13/sent.json").exists()


def test_a_password_is_never_taken_from_an_argument(lettre: Lettre) -> None:
    result = lettre("send", "--help")
    assert "--password" not in result.stdout and "LETTRE_SMTP_PASSWORD" in result.stdout
