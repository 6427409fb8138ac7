"""Never lose data: a full disk, two builds at once, a published issue and a template change."""

from __future__ import annotations

import errno
import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ISSUE, Lettre, Newsletter


def snapshot(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_a_full_disk_is_a_clear_error_and_the_previous_files_stay(
    newsletter: Newsletter, lettre: Lettre, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = newsletter()
    assert lettre("build", repo=root).exit_code == 0
    before = snapshot(root / "dist/2025-06-13")
    (root / ISSUE).write_text((root / ISSUE).read_text().replace("Un chapô.", "Un autre chapô."))

    class Full:
        def __init__(self, descriptor: int, mode: str) -> None:
            import os

            os.close(descriptor)

        def __enter__(self) -> Full:
            return self

        def __exit__(self, *exc: Any) -> None:
            return None

        def write(self, data: bytes) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("lettre.output.os.fdopen", Full)
    result = lettre("build", repo=root)
    assert result.exit_code == 1
    assert "No space left on device" in result.stderr and "Traceback" not in result.output
    assert snapshot(root / "dist/2025-06-13") == before
    assert not list((root / "dist").rglob(".*.tmp"))


def test_two_builds_started_at_once_stay_consistent(newsletter: Newsletter, lettre: Lettre) -> None:
    root = newsletter()
    command = [sys.executable, "-m", "lettre", "--repo", str(root), "build", "--force"]
    first = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    second = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    results = [(p.wait(), p.communicate()) for p in (first, second)]
    codes = sorted(code for code, _ in results)
    assert codes in ([0, 0], [0, 1])
    for code, (_, stderr) in results:
        if code == 1:
            assert "another lettre build (pid" in stderr and "wait for it to end" in stderr
    fresh = root.parent / "fresh"
    assert lettre("build", "--out", str(fresh), repo=root).exit_code == 0
    built = snapshot(root / "dist/2025-06-13")
    assert {k: v for k, v in built.items() if not k.startswith(".")} == {
        k: v for k, v in snapshot(fresh / "2025-06-13").items() if not k.startswith(".")
    }


def test_a_template_change_never_overwrites_a_published_issue(
    newsletter: Newsletter, lettre: Lettre
) -> None:
    root = newsletter()
    assert lettre("publish", str(root / "bulletins/2025-06-13"), repo=root).exit_code == 0
    published = snapshot(root / "dist/2025-06-13")
    (root / "templates/email").mkdir(parents=True)
    (root / "templates/email/footer.mjml.j2").write_text(
        "<mj-section><mj-column><mj-text>Nouveau pied</mj-text></mj-column></mj-section>"
    )
    result = lettre("build", repo=root)
    assert result.exit_code == 1
    assert "(changed since: templates/email/footer.mjml.j2). Nothing was written." in result.stderr
    assert {
        k: v for k, v in snapshot(root / "dist/2025-06-13").items() if not k.startswith(".")
    } == {k: v for k, v in published.items() if not k.startswith(".")}
    record = json.loads((root / "bulletins/2025-06-13/published.json").read_text())
    assert "history" not in record
    assert lettre("publish", str(root / "bulletins/2025-06-13"), repo=root).exit_code == 1
