"""Never lose data: a full disk, two builds at once, a published issue and a template change."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
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


_fdopen = os.fdopen  # the real one: the tests patch os.fdopen itself


class FullAfter:
    """os.fdopen for lettre.output whose `n`-th file (counted from 1) meets a full disk after
    a few bytes: every write before it succeeds. Forked build processes inherit the count."""

    def __init__(self, n: int) -> None:
        self.n, self.opened = n, 0

    def __call__(self, descriptor: int, mode: str) -> Any:
        self.opened += 1
        handle = _fdopen(descriptor, mode)
        if self.opened != self.n:
            return handle
        real_write = handle.write

        def write(data: bytes) -> int:
            real_write(data[:4096])  # a few KB fit, then the disk is full
            raise OSError(errno.ENOSPC, "No space left on device")

        handle.write = write  # type: ignore[method-assign]
        return handle


def test_a_full_disk_at_any_write_leaves_one_complete_build(
    newsletter: Newsletter, lettre: Lettre, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fail the 1st write, then the 2nd, … until the build gets through: after each failure
    the issue's folder holds the previous build, byte for byte (stamp included)."""
    root = newsletter()
    assert lettre("build", repo=root).exit_code == 0
    output = root / "dist/2025-06-13"
    before = snapshot(output)
    (root / ISSUE).write_text((root / ISSUE).read_text().replace("Un chapô.", "Un autre chapô."))
    failed = 0
    for n in range(1, 40):
        full = FullAfter(n)
        monkeypatch.setattr("lettre.output.os.fdopen", full)
        result = lettre("build", "--jobs", "1", repo=root)
        monkeypatch.undo()
        if result.exit_code == 0:
            break
        failed += 1
        assert result.exit_code == 1, result.output
        assert "the disk is full" in result.stderr, result.stderr
        assert "internal error" not in result.output and "Traceback" not in result.output
        assert snapshot(output) == before, f"write {n} failed: the folder is not the old build"
        assert not list((root / "dist").rglob(".*.tmp"))
    else:
        pytest.fail("the build never got through")
    assert failed >= 5  # the cache images, the .html, .txt, .eml, .pdf and the stamp
    after = snapshot(output)
    fresh = root.parent / "fresh"
    assert lettre("build", "--out", str(fresh), repo=root).exit_code == 0
    assert after == snapshot(fresh / "2025-06-13")  # the new build, whole


def test_a_full_disk_while_archiving_keeps_the_previous_archive(
    newsletter: Newsletter, lettre: Lettre, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = newsletter()  # drafts listed: the archive changes with the issue, never published
    assert lettre("build", repo=root).exit_code == 0
    assert lettre("archive", "--drafts", repo=root).exit_code == 0
    before = snapshot(root / "dist")
    (root / ISSUE).write_text((root / ISSUE).read_text().replace("Une nouvelle", "Une autre"))
    assert lettre("build", repo=root).exit_code == 0
    built = snapshot(root / "dist")
    for n in (1, 2, 3, 4):
        monkeypatch.setattr("lettre.output.os.fdopen", FullAfter(n))
        result = lettre("archive", "--drafts", repo=root)
        monkeypatch.undo()
        assert result.exit_code == 1 and "the disk is full" in result.stderr
        assert "Traceback" not in result.output
        assert not list((root / "dist").glob(".*.tmp"))
        assert snapshot(root / "dist") == built  # the previous archive, whole
    assert lettre("archive", "--drafts", repo=root).exit_code == 0
    assert snapshot(root / "dist") != built != before


def test_a_folder_marked_by_another_build_while_it_is_read_is_lettre_s(tmp_path: Path) -> None:
    """Two builds started at once: the one that takes the lock marks the folder and writes
    an issue's files while the other, descheduled, is still checking whose the folder is.
    That one read the marker (not there yet), then listed the folder (half an issue in it):
    "not empty and lettre did not make it", exit 2. The marker is now read after the list."""
    from lettre.output import MARKER, claim, save_marker

    out = tmp_path / "dist"
    out.mkdir()
    listing = Path.iterdir

    def meanwhile(self: Path) -> Any:  # the other build marks the folder and starts writing
        if self == out and not (out / MARKER).exists():
            save_marker(out, {})
            (out / "2025-06-13").mkdir()
            (out / "2025-06-13" / "lettre-2025-06-13.pdf").write_bytes(b"%PDF")
        return listing(self)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Path, "iterdir", meanwhile)
        claim(out, lambda path: False)  # nothing adoptable: only the marker says it is lettre's


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
            # the holder's pid, or "another process" if it has not written it yet
            assert re.search(
                r"another lettre build \((pid \d+|another process)\) is writing", stderr
            )
            assert "wait for it to end" in stderr
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
