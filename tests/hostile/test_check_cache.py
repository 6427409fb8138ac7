"""The records of whole checks (dist/.cache/issue-checks, lettre.check_cache): a record that
is a link, in a linked or shared folder, of another repository or issue, forged, or naming a
file that is gone or now leads out of the repository, is never believed: the issue is
checked again, and none of it is an error."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from lettre import check_cache, image_cache
from tests.test_check_cache import (
    FIRST,
    INCLUDED,
    RECORDS,
    SECOND,
    check,
    example,
    loaded,
    told,
    without_records,
)

__all__ = ["loaded"]  # a fixture, used by name


@pytest.fixture
def root(tmp_path: Path) -> Path:
    made = example(tmp_path / "newsletter")
    assert check(made).exit_code == 0
    return made


def reforged(record: Path, change: object) -> None:
    """`record` rewritten by `change` on its data, with a checksum that matches."""
    body = record.read_bytes().rpartition(b"\n")[0]
    data = json.loads(body)
    change(data)  # type: ignore[operator]
    body = json.dumps(data, sort_keys=True).encode()
    record.write_bytes(image_cache.sealed(body))


def test_a_record_that_is_a_link_is_not_followed(
    root: Path, tmp_path: Path, loaded: list[str]
) -> None:
    record = root / RECORDS / f"{FIRST}.json"
    elsewhere = tmp_path / "elsewhere.json"
    shutil.move(record, elsewhere)
    kept = elsewhere.read_bytes()
    record.symlink_to(elsewhere)
    loaded.clear()
    assert check(root).exit_code == 0 and loaded == [FIRST]
    assert elsewhere.read_bytes() == kept  # nothing written through the link


@pytest.mark.parametrize("linked", [".cache", ".cache/issue-checks"])
def test_a_linked_folder_is_not_used(
    root: Path, tmp_path: Path, loaded: list[str], linked: str
) -> None:
    folder = root / "dist" / linked
    elsewhere = tmp_path / "elsewhere"
    shutil.move(folder, elsewhere)
    folder.symlink_to(elsewhere, target_is_directory=True)
    before = {p: p.read_bytes() for p in elsewhere.rglob("*") if p.is_file()}
    loaded.clear()
    full = check(root)
    assert full.exit_code == 0 and loaded == [FIRST, SECOND]
    assert {p: p.read_bytes() for p in elsewhere.rglob("*") if p.is_file()} == before


def test_a_folder_others_may_write_to_is_not_used(root: Path, loaded: list[str]) -> None:
    (root / RECORDS).chmod(0o777)
    loaded.clear()
    assert check(root).exit_code == 0 and loaded == [FIRST, SECOND]


def test_a_record_of_another_repository(root: Path, tmp_path: Path, loaded: list[str]) -> None:
    """A copy of the repository (with its dist/) is checked once for itself."""
    copy = tmp_path / "copy"
    shutil.copytree(root, copy, symlinks=True)
    loaded.clear()
    copied = check(copy)
    assert loaded == [FIRST, SECOND] and told(copied) == told(without_records(root))


def test_a_record_under_another_issue_name(root: Path, loaded: list[str]) -> None:
    records = root / RECORDS
    shutil.copy(records / f"{FIRST}.json", records / f"{SECOND}.json")
    loaded.clear()
    after = check(root)
    assert loaded == [SECOND] and told(after) == told(without_records(root))


def test_a_file_changed_in_the_same_clock_tick(root: Path, loaded: list[str]) -> None:
    """Its size and times as recorded but not its content (an edit within one tick of the
    clock): a record made within RACY_NS of its files' change hashes them again."""

    def other_content(data: dict[str, dict[str, list[object]]]) -> None:
        data["files"]["issue/issue.yaml"][2] = "0" * 64

    reforged(root / RECORDS / f"{FIRST}.json", other_content)
    os.utime(root / RECORDS / f"{FIRST}.json")  # written now: its files are within the tick
    loaded.clear()
    assert check(root).exit_code == 0 and loaded == [FIRST]


@pytest.mark.parametrize("how", ["deleted", "a link out of the repository", "a folder"])
def test_an_included_file_gone(root: Path, tmp_path: Path, loaded: list[str], how: str) -> None:
    included = root / INCLUDED
    outside = tmp_path / "outside.md"
    shutil.move(included, outside)
    if how == "a link out of the repository":
        included.symlink_to(outside)
    elif how == "a folder":
        included.mkdir()
    loaded.clear()
    after = check(root)
    assert loaded == [FIRST] and after.exit_code == 1 and "Traceback" not in after.output
    assert "patrouille-de-france.md" in after.stderr


@pytest.mark.parametrize("what", ["a folder", "a fifo", "huge", "a file list of another issue"])
def test_odd_things_in_place_of_a_record(root: Path, loaded: list[str], what: str) -> None:
    record = root / RECORDS / f"{FIRST}.json"
    record.unlink()
    if what == "a folder":
        record.mkdir()
    elif what == "a fifo":
        os.mkfifo(record)
    elif what == "huge":
        record.write_bytes(b" " * (check_cache.MAX_RECORD_BYTES + 1))
    else:
        second = root / RECORDS / f"{SECOND}.json"
        shutil.copy(second, record)

        def renamed(data: dict[str, dict[str, str]]) -> None:
            data["context"]["folder"] = FIRST

        reforged(record, renamed)
    loaded.clear()
    after = check(root)
    assert loaded == [FIRST] and told(after) == told(without_records(root))
