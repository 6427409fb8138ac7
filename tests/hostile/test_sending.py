"""Sent once, exactly: resume, crash, lock, --test, UTF-8 logins, --smtp and published options.

Every case uses a real SMTP server on 127.0.0.1 (aiosmtpd, see tests/test_send.py).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from lettre import sendrecord
from tests.conftest import Lettre, Newsletter
from tests.test_send import Mailbox, eml, free_port, parsed, send, server

__all__ = ["server"]  # the fixture, shared with tests/test_send.py

FOLDER = "bulletins/2025-06-13"
PEOPLE = ["a@example.org", "b@example.org", "c@example.org"]
TO = [f"--to={p}" for p in PEOPLE]


def delivered(mailbox: Mailbox) -> list[str]:
    return [address for to, _ in mailbox.messages for address in to]


def record(root: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((root / FOLDER / "sent.json").read_text())
    return data


def completed(lettre: Lettre, root: Path, port: int) -> None:
    result = send(lettre, root, port, "--plain", "--batch-size", "1", *TO)
    assert result.exit_code == 0, result.output


# --- after a completed send, --resume refuses and suggests only what is right ---------------


def test_resume_after_a_completed_send_refuses_and_sends_nothing(
    newsletter: Newsletter, lettre: Lettre, server: Any
) -> None:
    mailbox, port, _ = server
    root = newsletter()
    completed(lettre, root, port)
    resumed = send(lettre, root, port, "--plain", "--resume", *TO)
    assert resumed.exit_code == 2
    assert "no interrupted send to resume: it was sent in full" in resumed.stderr
    assert "use --again" in resumed.stderr
    assert delivered(mailbox) == PEOPLE  # nobody twice


def test_a_second_plain_send_suggests_again_and_never_resume(
    newsletter: Newsletter, lettre: Lettre, server: Any
) -> None:
    mailbox, port, _ = server
    root = newsletter()
    completed(lettre, root, port)
    refused = send(lettre, root, port, "--plain", *TO)
    assert refused.exit_code == 1
    assert "--again" in refused.stderr and "--resume" not in refused.stderr
    assert delivered(mailbox) == PEOPLE


def test_again_after_a_completed_send_sends_to_everyone_and_records_both(
    newsletter: Newsletter, lettre: Lettre, server: Any
) -> None:
    mailbox, port, _ = server
    root = newsletter()
    completed(lettre, root, port)
    again = send(lettre, root, port, "--plain", "--again", *TO)
    assert again.exit_code == 0, again.output
    assert delivered(mailbox) == PEOPLE * 2
    assert [s["recipients"] for s in record(root)["sends"]] == [3, 3]
    after = send(lettre, root, port, "--plain", "--resume", *TO)
    assert after.exit_code == 2 and delivered(mailbox) == PEOPLE * 2


def test_resume_of_an_issue_never_sent_refuses(
    newsletter: Newsletter, lettre: Lettre, server: Any
) -> None:
    mailbox, port, _ = server
    root = newsletter()
    result = send(lettre, root, port, "--plain", "--resume", *TO)
    assert result.exit_code == 2 and "it was never sent; leave out --resume" in result.stderr
    assert mailbox.messages == [] and not (root / FOLDER / "sent.json").exists()


def test_resume_and_again_together_are_refused(
    newsletter: Newsletter, lettre: Lettre, server: Any
) -> None:
    mailbox, port, _ = server
    root = newsletter()
    result = send(lettre, root, port, "--plain", "--resume", "--again", *TO)
    assert result.exit_code == 2 and "choose one" in result.stderr
    assert mailbox.messages == []


def test_a_legacy_record_counts_as_a_completed_send(
    newsletter: Newsletter, lettre: Lettre, server: Any
) -> None:
    """sent.json as lettre wrote it before progress was kept there."""
    mailbox, port, _ = server
    legacy = {"sent": "2025-06-13T06:00:00+00:00", "recipients": 3, "refused": 0,
              "message_id": "<x@example.org>"}  # fmt: skip
    root = newsletter({f"{FOLDER}/sent.json": json.dumps(legacy)})
    resumed = send(lettre, root, port, "--plain", "--resume", *TO)
    assert resumed.exit_code == 2 and "sent in full on 2025-06-13" in resumed.stderr
    assert mailbox.messages == []


# --- an interrupted send: the record is with the issue, addresses hashed ---------------------


def stop_after_first(lettre: Lettre, root: Path, port: int, mailbox: Mailbox) -> None:
    mailbox.data_answers = [None, "554 Transaction failed"]
    stopped = send(lettre, root, port, "--plain", "--batch-size", "1", *TO)
    assert stopped.exit_code == 1 and "stopped after 1 recipients" in stopped.stderr
    assert delivered(mailbox) == PEOPLE[:1]


def test_the_progress_stays_with_the_issue_when_dist_is_deleted(
    newsletter: Newsletter, lettre: Lettre, server: Any
) -> None:
    mailbox, port, _ = server
    root = newsletter()
    stop_after_first(lettre, root, port, mailbox)
    shutil.rmtree(root / "dist")
    plain = send(lettre, root, port, "--plain", "--batch-size", "1", *TO)
    assert plain.exit_code == 1 and "finish it with --resume" in plain.stderr
    resumed = send(lettre, root, port, "--plain", "--resume", "--batch-size", "1", *TO)
    assert resumed.exit_code == 0, resumed.output
    assert delivered(mailbox) == PEOPLE
    assert record(root)["progress"]["state"] == "completed"


def test_the_record_holds_no_address_in_the_clear(
    newsletter: Newsletter, lettre: Lettre, server: Any
) -> None:
    mailbox, port, _ = server
    root = newsletter()
    stop_after_first(lettre, root, port, mailbox)
    text = (root / FOLDER / "sent.json").read_text()
    for address in PEOPLE:  # a local part as a word of its own (a Message-ID's hex may end so)
        local = re.escape(address.split("@")[0])
        assert not re.search(rf"(?<![0-9a-zA-Z]){local}@", text, re.IGNORECASE), address
    [served] = record(root)["progress"]["served"]
    assert len(served) == 32 and int(served, 16) >= 0  # a keyed hash, not the address


def test_a_resume_with_other_case_or_order_still_skips_the_served(
    newsletter: Newsletter, lettre: Lettre, server: Any
) -> None:
    mailbox, port, _ = server
    root = newsletter()
    stop_after_first(lettre, root, port, mailbox)
    shuffled = ["--to=C@example.org", "--to=A@EXAMPLE.ORG", "--to=b@example.org",
                "--to=c@EXAMPLE.org"]  # fmt: skip
    resumed = send(lettre, root, port, "--plain", "--resume", *shuffled)
    assert resumed.exit_code == 0, resumed.output
    assert delivered(mailbox) == ["a@example.org", "C@example.org", "b@example.org"]
    assert "sent to 3 of 3 recipients" in resumed.stdout


def test_again_after_an_interrupted_send_starts_over_for_everyone(
    newsletter: Newsletter, lettre: Lettre, server: Any
) -> None:
    mailbox, port, _ = server
    root = newsletter()
    stop_after_first(lettre, root, port, mailbox)
    again = send(lettre, root, port, "--plain", "--again", *TO)
    assert again.exit_code == 0, again.output
    assert delivered(mailbox) == PEOPLE[:1] + PEOPLE


def test_a_crash_after_the_server_accepted_a_batch_resends_that_batch_only(
    newsletter: Newsletter, lettre: Lettre, server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The one case a record cannot settle: at most that one batch goes twice, and it is said."""
    mailbox, port, _ = server
    root = newsletter()
    saved = sendrecord.Journal.after
    calls = []

    def crash_on_second(journal: sendrecord.Journal, batch: list[str]) -> None:
        calls.append(batch)
        if len(calls) == 2:
            raise KeyboardInterrupt  # the machine stops before the record says so
        saved(journal, batch)

    monkeypatch.setattr(sendrecord.Journal, "after", crash_on_second)
    crashed = send(lettre, root, port, "--plain", "--batch-size", "1", *TO)
    assert crashed.exit_code == 1 and "stopped after 2 recipients (interrupted)" in crashed.stderr
    assert "--resume" in crashed.stderr
    monkeypatch.setattr(sendrecord.Journal, "after", saved)
    assert record(root)["progress"]["state"] == "in progress"
    assert len(record(root)["progress"]["in_flight"]) == 1
    resumed = send(lettre, root, port, "--plain", "--resume", "--batch-size", "1", *TO)
    assert resumed.exit_code == 0, resumed.output
    assert "1 recipient was being sent the issue when it stopped" in resumed.stderr
    assert delivered(mailbox) == [PEOPLE[0], PEOPLE[1], PEOPLE[1], PEOPLE[2]]


@pytest.mark.parametrize(
    "damage",
    [
        "{",
        "[]",
        '{"sends": 3}',
        '{"progress": {"state": "done", "key": "' + "0" * 64 + '"}}',
        '{"progress": {"state": "in progress", "key": "zz"}}',
        '{"progress": {"state": "in progress", "key": "' + "0" * 64 + '", "served": "abc"}}',
        '{"progress": {"state": "in progress", "key": "' + "0" * 64 + '", "served": [1]}}',
    ],
)
def test_a_damaged_record_is_a_clear_error_and_nothing_is_sent(
    newsletter: Newsletter, lettre: Lettre, server: Any, damage: str
) -> None:
    mailbox, port, _ = server
    root = newsletter({f"{FOLDER}/sent.json": damage})
    for extra in ([], ["--resume"], ["--again"]):
        result = send(lettre, root, port, "--plain", *extra, *TO)
        assert result.exit_code == 1, result.output
        assert f"{FOLDER}/sent.json: " in result.stderr
        assert "restore" in result.stderr and "internal error" not in result.output
    assert mailbox.messages == []
    assert (root / FOLDER / "sent.json").read_text() == damage  # left as it was


def test_a_send_under_way_holds_the_issue(
    newsletter: Newsletter, lettre: Lettre, server: Any
) -> None:
    mailbox, port, _ = server
    root = newsletter()
    with sendrecord.locked(root / FOLDER, FOLDER):
        result = send(lettre, root, port, "--plain", *TO)
    assert result.exit_code == 1 and "being sent by another lettre send" in result.stderr
    assert mailbox.messages == [] and not (root / FOLDER / "sent.json").exists()
    assert send(lettre, root, port, "--plain", *TO).exit_code == 0


def wait_for(condition: Any, what: str, seconds: float = 120) -> None:
    """Poll, with a generous limit: a busy machine is slow, never wrong."""
    end = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < end, f"still waiting for {what}"
        time.sleep(0.05)


def second_batch_in_flight(root: Path) -> bool:
    if not (root / FOLDER / "sent.json").exists():
        return False
    progress = record(root)["progress"]
    return len(progress["served"]) == 1 and len(progress["in_flight"]) == 1


def test_a_send_killed_mid_way_is_interrupted_locked_while_alive_and_resumable(
    newsletter: Newsletter, lettre: Lettre, server: Any, tmp_path: Path
) -> None:
    """A real process, killed with -9 while the server holds its second batch."""
    mailbox, port, _ = server
    root = newsletter()
    assert send(lettre, root, port, "--plain", "--dry-run", *TO).exit_code == 0  # built here
    mailbox.hold_after = 1
    command = [sys.executable, "-m", "lettre", "--repo", str(root), "send", str(root / FOLDER),
               "--smtp", f"127.0.0.1:{port}", "--plain", "--batch-size", "1", *TO]  # fmt: skip
    log = (tmp_path / "first.log").open("w")
    first = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                             env={**os.environ, "NO_COLOR": "1"})  # fmt: skip
    try:
        wait_for(lambda: len(mailbox.messages) == 1, "the first batch")
        wait_for(lambda: second_batch_in_flight(root), "the second batch")
        second = send(lettre, root, port, "--plain", "--resume", *TO)
        assert second.exit_code == 1 and "being sent by another lettre send" in second.stderr
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
        log.close()
    mailbox.released.set()
    mailbox.hold_after = None
    assert record(root)["progress"]["state"] == "in progress"
    plain = send(lettre, root, port, "--plain", "--batch-size", "1", *TO)
    assert plain.exit_code == 1 and "stopped after 1 recipients" in plain.stderr
    resumed = send(lettre, root, port, "--plain", "--resume", "--batch-size", "1", *TO)
    assert resumed.exit_code == 0, resumed.output
    assert "may get it twice" in resumed.stderr
    assert delivered(mailbox) == PEOPLE  # the held batch never reached the server


# --- --test: its own Message-ID, an address checked like --to ---------------------------


@pytest.mark.parametrize(
    "address",
    ["a@example.org\r\nBcc: x@example.org", "a@example.org, b@example.org", "<a@example.org>",
     "moi", "", "a@example.org\n", "moi@"],
)  # fmt: skip
def test_a_bad_test_address_is_refused_before_anything(
    newsletter: Newsletter, lettre: Lettre, server: Any, address: str
) -> None:
    mailbox, port, _ = server
    root = newsletter()
    result = send(lettre, root, port, "--plain", "--test", address)
    assert result.exit_code == 2 and "--test: not an e-mail address" in result.stderr
    assert mailbox.messages == [] and not (root / "dist").exists()  # not even built


@pytest.mark.parametrize("extra", [["--to", "a@example.org"], ["--resume"], ["--again"]])
def test_test_with_real_send_options_is_refused(
    newsletter: Newsletter, lettre: Lettre, server: Any, extra: list[str]
) -> None:
    mailbox, port, _ = server
    root = newsletter()
    result = send(lettre, root, port, "--plain", "--test", "moi@example.org", *extra)
    assert result.exit_code == 2 and "--test sends one copy" in result.stderr
    assert mailbox.messages == []


def test_a_test_copy_never_hides_the_real_issue(
    newsletter: Newsletter, lettre: Lettre, server: Any
) -> None:
    mailbox, port, _ = server
    root = newsletter()
    for _ in range(2):
        assert send(lettre, root, port, "--plain", "--test", "moi@example.org").exit_code == 0
    assert send(lettre, root, port, "--plain", "--to", "moi@example.org").exit_code == 0
    ids = [parsed(content)["Message-ID"] for _, content in mailbox.messages]
    assert len(set(ids)) == 3 and ids[-1] == parsed(eml(root))["Message-ID"]
    subjects = [str(parsed(content)["Subject"]) for _, content in mailbox.messages]
    assert [s.startswith("[TEST] ") for s in subjects] == [True, True, False]
    assert subjects[0] == f"[TEST] {subjects[2]}"
    assert [s["recipients"] for s in record(root)["sends"]] == [1]  # tests recorded nothing


# --- a login in UTF-8, and no character of a password ever shown ------------------------


PASSWORDS = ["MonMotDePässe", "пароль-секрет", "密码🔑", "Ünïcødé ß"]


def secrets_in(password: str) -> list[str]:
    """What would betray the password: itself, its characters outside ASCII, their escapes."""
    odd = [c for c in password if not c.isascii()]
    return [password, *odd, *(ascii(c).strip("'") for c in odd),
            *(c.encode().hex() for c in odd)]  # fmt: skip


def login_send(lettre: Lettre, root: Path, port: int, ca: Path, *args: str) -> Any:
    return send(lettre, root, port, "--starttls", "--cafile", str(ca), "--user", "cellule",
                "--to", "a@example.org", *args)  # fmt: skip


@pytest.mark.parametrize("server", ["starttls", "starttls-login"], indirect=True)
@pytest.mark.parametrize("password", PASSWORDS)
def test_a_utf8_password_logs_in(
    newsletter: Newsletter, lettre: Lettre, server: Any, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, password: str,
) -> None:  # fmt: skip
    mailbox, port, authority = server
    mailbox.password = password.encode()
    ca = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(ca))
    monkeypatch.setenv("LETTRE_SMTP_PASSWORD", password)
    result = login_send(lettre, newsletter(), port, ca)
    assert result.exit_code == 0, result.output
    assert mailbox.passwords == [password.encode()] and len(mailbox.messages) == 1
    for secret in secrets_in(password):
        assert secret not in result.output


@pytest.mark.parametrize("server", ["starttls", "starttls-login"], indirect=True)
@pytest.mark.parametrize("password", PASSWORDS)
@pytest.mark.parametrize("debug", [[], ["--debug"]])
def test_a_wrong_utf8_password_is_refused_without_showing_any_of_it(
    newsletter: Newsletter, lettre: Lettre, server: Any, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, password: str, debug: list[str],
    capfd: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    mailbox, port, authority = server
    ca = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(ca))
    monkeypatch.setenv("LETTRE_SMTP_PASSWORD", password)
    root = newsletter()
    result = lettre(*debug, "send", str(root / FOLDER), "--smtp", f"127.0.0.1:{port}",
                    "--starttls", "--cafile", str(ca), "--user", "cellule",
                    "--to", "a@example.org", repo=root)  # fmt: skip
    assert result.exit_code == 1
    assert "the server refused the login (check --user and the password)" in result.stderr
    assert "internal error" not in result.output
    assert mailbox.passwords == [password.encode()] and mailbox.messages == []
    # tracebacks and logs included, wherever they went
    shown = result.stdout + result.stderr + result.output + "".join(capfd.readouterr())
    for secret in secrets_in(password):
        assert secret not in shown


@pytest.mark.parametrize("server", ["starttls-no-auth"], indirect=True)
def test_a_server_without_a_usable_login_is_a_clear_error(
    newsletter: Newsletter, lettre: Lettre, server: Any, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    mailbox, port, authority = server
    ca = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(ca))
    monkeypatch.setenv("LETTRE_SMTP_PASSWORD", PASSWORDS[0])
    result = login_send(lettre, newsletter(), port, ca)
    assert result.exit_code == 1
    assert "offers no login lettre can use (no AUTH); PLAIN or LOGIN are needed" in result.stderr
    assert mailbox.messages == [] and mailbox.passwords == []
    for secret in secrets_in(PASSWORDS[0]):
        assert secret not in result.output


# --- --smtp HOST[:PORT] ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("127.0.0.1:abc", "the port must be a number from 1 to 65535"),
        ("127.0.0.1:-5", "the port must be a number from 1 to 65535"),
        ("127.0.0.1:0", "the port must be a number from 1 to 65535"),
        ("127.0.0.1:65536", "the port must be a number from 1 to 65535"),
        ("127.0.0.1:", "the port must be a number from 1 to 65535"),
        ("127.0.0.1:+25", "the port must be a number from 1 to 65535"),
        ("127.0.0.1: 25", "the port must be a number from 1 to 65535"),
        ("127.0.0.1:\u0662\u0665", "the port must be a number from 1 to 65535"),
        ("::1", "write an IPv6 address in brackets"),
        ("::1:2525", "write an IPv6 address in brackets"),
        ("[::1", "only an IPv6 address goes in brackets"),
        ("[127.0.0.1]:25", "only an IPv6 address goes in brackets"),
        ("[::1]2525", "after [IPv6 address] only :PORT may follow"),
        ("[::1]:", "the port must be a number from 1 to 65535"),
        (":25", "not a host name or address"),
        ("smtp example.org:25", "not a host name or address"),
        ("smtp.example.org\r\nRCPT:25", "not a host name or address"),
        ("-smtp.example.org", "not a host name or address"),
    ],
)
def test_a_bad_smtp_address_is_a_usage_error(
    newsletter: Newsletter, lettre: Lettre, value: str, why: str
) -> None:
    root = newsletter()
    result = lettre("send", str(root / FOLDER), "--smtp", value, "--plain", "--to",
                    "a@example.org", repo=root)  # fmt: skip
    assert result.exit_code == 2
    assert "Invalid value for '--smtp'" in result.stderr and why in result.stderr
    assert not (root / "dist").exists()  # refused before building or connecting


def test_an_ipv6_server_in_brackets_is_reached(newsletter: Newsletter, lettre: Lettre) -> None:
    from aiosmtpd.controller import Controller

    mailbox, port = Mailbox(), free_port()
    try:
        controller = Controller(mailbox, hostname="::1", port=port)
        controller.start()
    except OSError:  # pragma: no cover - a machine without IPv6
        pytest.skip("no IPv6 loopback here")
    try:
        root = newsletter()
        result = lettre("send", str(root / FOLDER), "--smtp", f"[::1]:{port}", "--plain",
                        "--to", "a@example.org", repo=root)  # fmt: skip
        assert result.exit_code == 0, result.output
        assert delivered(mailbox) == ["a@example.org"]
    finally:
        controller.stop()


# --- a published issue is built, sent and verified with the options it was published with ----


@pytest.mark.parametrize(
    ("options", "settings"),
    [(["--print-marks"], ""), (["--images", "cid"], "base_url: https://example.org/lettre/\n")],
)
def test_publish_with_options_then_build_send_and_verify_agree(
    newsletter: Newsletter, lettre: Lettre, server: Any, options: list[str], settings: str
) -> None:
    mailbox, port, _ = server
    root = newsletter()
    (root / "publication.yaml").write_text((root / "publication.yaml").read_text() + settings)
    published = lettre("publish", str(root / FOLDER), *options, repo=root)
    assert published.exit_code == 0, published.output
    recorded = json.loads((root / FOLDER / "published.json").read_text())
    before = {name: (root / "dist/2025-06-13" / name).read_bytes() for name in recorded["files"]}
    shutil.rmtree(root / "dist")  # a fresh clone: everything is rebuilt
    built = lettre("build", repo=root)
    assert built.exit_code == 0, built.output
    assert "lettre itself" not in built.output
    after = {name: (root / "dist/2025-06-13" / name).read_bytes() for name in recorded["files"]}
    assert after == before
    sent = send(lettre, root, port, "--plain", "--to", "a@example.org")
    assert sent.exit_code == 0, sent.output
    assert [content for _, content in mailbox.messages] == [eml(root)]
    verified = lettre("verify", repo=root)
    assert verified.exit_code == 0, verified.output


def test_a_republish_that_names_no_option_keeps_the_published_ones(
    newsletter: Newsletter, lettre: Lettre
) -> None:
    root = newsletter()
    assert lettre("publish", str(root / FOLDER), "--print-marks", repo=root).exit_code == 0
    issue = root / FOLDER / "issue.yaml"
    issue.write_text(issue.read_text().replace("Le texte de l", "Le texte corrigé de l"))
    again = lettre("build", str(root / FOLDER), "--republish", "--reason", "coquille", repo=root)
    assert again.exit_code == 0, again.output
    record = json.loads((root / FOLDER / "published.json").read_text())
    assert record["options"]["print_marks"] is True
    assert "lettre-de-test-2025-06-13-imprimeur.pdf" in record["files"]
    assert set(record["files"]) == set(record["history"][0]["files"])
