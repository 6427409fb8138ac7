"""lettre approve, and `approval: required`: send and publish go ahead only with the bytes
someone approved. Every test builds for real."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

from tests.conftest import ISSUE, Lettre, Newsletter

DAY = "2025-06-13"
STEM = f"lettre-de-test-{DAY}"
MINIMAL = Path(__file__).parent / "data/valid/minimal"
REQUIRED = (MINIMAL / "publication.yaml").read_text() + "approval: required\n"


def issue(root: Path) -> str:
    return str(root / "bulletins" / DAY)


def test_approve_records_who_when_and_the_sha256_of_every_output(
    newsletter: Newsletter, lettre: Lettre
) -> None:
    root = newsletter()
    before = datetime.now(UTC).replace(microsecond=0)
    result = lettre("approve", issue(root), "--by", "  Jeanne   Martin ", repo=root)
    assert result.exit_code == 0, result.output
    record = json.loads((root / "bulletins" / DAY / "approved.json").read_text())
    assert record["approved_by"] == "Jeanne Martin"
    assert before <= datetime.fromisoformat(record["approved"]) <= datetime.now(UTC)
    output = root / "dist" / DAY
    assert set(record["files"]) >= {f"{STEM}.pdf", f"{STEM}.eml", f"{STEM}.html", f"{STEM}.txt"}
    for name, sha in record["files"].items():
        assert hashlib.sha256((output / name).read_bytes()).hexdigest() == sha
    count = len(record["files"])
    assert result.stdout.endswith(
        f"bulletins/{DAY}: approved by Jeanne Martin, {count} files recorded in "
        f"bulletins/{DAY}/approved.json\n"
    )


def test_an_empty_name_is_refused(newsletter: Newsletter, lettre: Lettre) -> None:
    root = newsletter()
    for name in ("", "   ", "Jeanne\x1b[2J"):
        result = lettre("approve", issue(root), "--by", name, repo=root)
        assert result.exit_code == 2, name
        assert "--by: give the name of the person who approves" in result.stderr
        assert not (root / "bulletins" / DAY / "approved.json").exists()


def test_without_approval_required_nothing_changes(newsletter: Newsletter, lettre: Lettre) -> None:
    root = newsletter()
    assert lettre("publish", issue(root), repo=root).exit_code == 0


def test_required_approval_refuses_an_unapproved_issue(
    newsletter: Newsletter, lettre: Lettre
) -> None:
    root = newsletter({"publication.yaml": REQUIRED})
    refused = (
        f"Error: bulletins/{DAY} is not approved, and publication.yaml says approval: required; "
        f"check its proof (lettre proof bulletins/{DAY}), then lettre approve bulletins/{DAY} "
        '--by "NAME"\n'
    )
    result = lettre("publish", issue(root), repo=root)
    assert (result.exit_code, result.stderr) == (1, refused)
    assert not (root / "bulletins" / DAY / "published.json").exists()
    sent = lettre("send", issue(root), "--to", "a@example.org", "--dry-run", repo=root)
    assert (sent.exit_code, sent.stderr) == (1, refused)


def test_required_approval_lets_the_approved_bytes_through(
    newsletter: Newsletter, lettre: Lettre
) -> None:
    root = newsletter({"publication.yaml": REQUIRED})
    assert lettre("approve", issue(root), "--by", "Jeanne Martin", repo=root).exit_code == 0
    sent = lettre("send", issue(root), "--to", "a@example.org", "--dry-run", repo=root)
    assert sent.exit_code == 0 and "Dry run: nothing was sent." in sent.stdout
    assert lettre("publish", issue(root), repo=root).exit_code == 0


def test_outputs_changed_since_approval_are_named(newsletter: Newsletter, lettre: Lettre) -> None:
    root = newsletter({"publication.yaml": REQUIRED})
    assert lettre("approve", issue(root), "--by", "Jeanne Martin", repo=root).exit_code == 0
    path = root / ISSUE
    path.write_text(path.read_text().replace("Un chapô.", "Un chapô corrigé après le BAT."))
    result = lettre("publish", issue(root), repo=root)
    assert result.exit_code == 1
    today = datetime.now(UTC).date().isoformat()
    assert result.stderr.startswith(
        f"Error: bulletins/{DAY} changed since Jeanne Martin approved it on {today}: "
        f"{STEM}-email.html, {STEM}.eml, {STEM}.html, {STEM}.pdf, {STEM}.txt; "
    )
    sent = lettre("send", issue(root), "--to", "a@example.org", "--dry-run", repo=root)
    assert sent.exit_code == 1 and f"{STEM}.pdf" in sent.stderr
    assert lettre("approve", issue(root), "--by", "Paul Durand", repo=root).exit_code == 0
    assert lettre("publish", issue(root), repo=root).exit_code == 0


def test_a_file_changed_behind_lettres_back_is_rebuilt_to_the_approved_bytes(
    newsletter: Newsletter, lettre: Lettre
) -> None:
    root = newsletter({"publication.yaml": REQUIRED})
    assert lettre("approve", issue(root), "--by", "Jeanne Martin", repo=root).exit_code == 0
    text = root / "dist" / DAY / f"{STEM}.txt"
    text.write_text(text.read_text() + "ajout\n")
    assert lettre("publish", issue(root), repo=root).exit_code == 0  # the build restored it
    assert "ajout" not in text.read_text()


def test_an_image_swapped_after_approval_is_named(newsletter: Newsletter, lettre: Lettre) -> None:
    from PIL import Image

    root = newsletter({"publication.yaml": REQUIRED})
    assert lettre("approve", issue(root), "--by", "Jeanne Martin", repo=root).exit_code == 0
    photo = root / "bulletins" / DAY / "images/photo.jpg"
    Image.new("RGB", (800, 500), "red").save(photo)
    result = lettre("publish", issue(root), repo=root)
    assert result.exit_code == 1 and "images/photo-" in result.stderr
    assert "changed since Jeanne Martin approved it" in result.stderr
