"""A hostile review of the merged trust work (issue 10): variants the first round missed.

- Every record lettre reads back from disk (the stamp, the output folder's marker, the
  published record, the send record) may be nested deeper than Python's JSON decoder
  recurses: that is a damaged record, told with its file, never an internal error.
- The image cache (out/.cache/images) is lettre's: a link that takes it, or its parent,
  elsewhere is refused; nothing is read or written through it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from lettre.output import MARKER
from lettre.stamps import STAMP
from tests.conftest import Lettre, Newsletter

FOLDER = "bulletins/2025-06-13"
OUT = "dist/2025-06-13"


def _deep(depth: int) -> str:
    """A JSON value nested `depth` levels deep, hidden under a key of a mapping."""
    return '{"files": ' + "[" * depth + "]" * depth + "}"


SEND = ["--smtp", "127.0.0.1:9", "--plain", "--to", "a@example.org"]
"""Never reached: the record is read before any connection."""
RECORDS: dict[str, tuple[str, Callable[[Path], list[str]]]] = {
    # record → (its path, the command that reads it first)
    "stamp": (f"{OUT}/{STAMP}", lambda root: ["build", "--force"]),
    "marker": (f"dist/{MARKER}", lambda root: ["build"]),
    "published": (f"{FOLDER}/published.json", lambda root: ["verify"]),
    "sent": (f"{FOLDER}/sent.json", lambda root: ["send", str(root / FOLDER), *SEND]),
}


@pytest.mark.parametrize("depth", [100_000, 2_000_000])
@pytest.mark.parametrize("kind", sorted(RECORDS))
def test_a_record_nested_too_deep_is_a_clear_error_naming_it(
    newsletter: Newsletter, lettre: Lettre, kind: str, depth: int
) -> None:
    root = newsletter()
    assert (
        lettre("publish" if kind == "published" else "build", root / FOLDER, repo=root).exit_code
        == 0
    )
    name, command = RECORDS[kind]
    record = root / name
    record.write_text(_deep(depth))
    result = lettre(*command(root), repo=root)
    assert result.exit_code == 1, result.output
    assert "internal error" not in result.output and "Traceback" not in result.output
    assert name.rsplit("/", 1)[-1] in result.stderr and "cannot be read" in result.stderr
    assert record.read_text() == _deep(depth)  # the damaged record is left for the user


# --- the image cache is lettre's own -----------------------------------------------------------


@pytest.mark.parametrize("link", [".cache", ".cache/images"])
def test_an_image_cache_linked_elsewhere_is_refused_and_nothing_goes_there(
    newsletter: Newsletter, lettre: Lettre, tmp_path: Path, link: str
) -> None:
    root = newsletter()
    assert lettre("build", repo=root).exit_code == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("the user's")
    cache = root / "dist" / link
    for entry in sorted((root / "dist/.cache").rglob("*"), reverse=True):
        entry.rmdir() if entry.is_dir() else entry.unlink()
    if link == ".cache":
        (root / "dist/.cache").rmdir()
    cache.symlink_to(elsewhere, target_is_directory=True)
    result = lettre("build", "--force", repo=root)
    assert result.exit_code == 1, result.output
    assert f"{cache} is a symbolic link, not lettre's; remove it" in result.output
    assert sorted(p.name for p in elsewhere.rglob("*")) == ["keep.txt"]
    assert (elsewhere / "keep.txt").read_text() == "the user's"


def test_a_valid_image_cache_moved_elsewhere_and_linked_back_is_refused(
    newsletter: Newsletter, lettre: Lettre, tmp_path: Path
) -> None:
    """Entries valid by their names, moved elsewhere and linked back: refused all the same."""
    root = newsletter()
    assert lettre("build", repo=root).exit_code == 0
    elsewhere = tmp_path / "elsewhere"
    (root / "dist/.cache/images").rename(elsewhere)
    (root / "dist/.cache/images").symlink_to(elsewhere, target_is_directory=True)
    before = {p.name: p.read_bytes() for p in elsewhere.iterdir()}
    result = lettre("build", "--force", repo=root)
    assert result.exit_code == 1 and "is a symbolic link, not lettre's" in result.output
    assert {p.name: p.read_bytes() for p in elsewhere.iterdir()} == before
    assert json.loads((root / OUT / STAMP).read_text())  # the previous build is whole
