"""`lettre check` of an unchanged issue is told from its record (lettre.check_cache), word for
word as a full check tells it, and any change to what the check read is checked again."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from lettre import check_cache, image_cache, load
from lettre.cli import cli
from tests.conftest import PROJECT

FIRST, SECOND = "2025-06-13", "2025-06-20"
RECORDS = "dist/.cache/issue-checks"


def example(root: Path) -> Path:
    """The example newsletter (an include, a logo and a dark logo, warnings, an accepted
    one) and a second issue after it, numbered from it."""
    root.mkdir()
    shutil.copy(PROJECT / "publication.yaml", root)
    shutil.copytree(PROJECT / "assets", root / "assets")
    shutil.copytree(PROJECT / "bulletins", root / "bulletins")
    issue = root / "bulletins" / FIRST / "issue.yaml"
    unlinked = issue.read_text().replace(
        "    url: https://lettre.example.org/articles/jeanne-d-arc-dakar\n", "", 1
    )
    issue.write_text(unlinked + "accept: [no-read-more]\n")
    shutil.copytree(root / "bulletins" / FIRST, root / "bulletins" / SECOND)
    second = root / "bulletins" / SECOND / "issue.yaml"
    text = second.read_text().replace("number: 24\n", "").replace("accept: [no-read-more]\n", "")
    second.write_text(text.replace("date: 2025-06-13", "date: 2025-06-20"))
    time.sleep(2 * check_cache.TICK_NS / 1e9)  # a check records only files older than a tick
    return root


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return example(tmp_path / "newsletter")


@pytest.fixture
def loaded(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The issue folders loaded (checked in full) from now on."""
    names: list[str] = []
    real = load.load_issue

    def counting(repo, folder, *args, **kwargs):  # type: ignore[no-untyped-def]
        names.append(folder.name)
        return real(repo, folder, *args, **kwargs)

    monkeypatch.setattr(load, "load_issue", counting)
    return names


def check(root: Path, *args: str, language: str = "en") -> Result:
    runner = CliRunner(env={"NO_COLOR": "1", "LC_MESSAGES": language})
    result = runner.invoke(cli, ["--repo", str(root), "check", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def told(result: Result) -> tuple[int, str, str]:
    return result.exit_code, result.stdout, result.stderr


def without_records(root: Path, *args: str, language: str = "en") -> Result:
    shutil.rmtree(root / RECORDS, ignore_errors=True)
    return check(root, *args, language=language)


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("strict", [(), ("--strict",)])
def test_the_record_tells_what_the_check_tells(
    root: Path, loaded: list[str], language: str, strict: tuple[str, ...]
) -> None:
    full = check(root, *strict, language=language)
    assert loaded == [FIRST, SECOND] and names(root / RECORDS) == [
        f"{FIRST}.json",
        f"{SECOND}.json",
    ]
    loaded.clear()
    recalled = check(root, *strict, language=language)
    assert loaded == [] and told(recalled) == told(full)
    assert "(accepted)" in full.stderr or "(accepté" in full.stderr
    assert ("n° 25" in full.stdout) and ("warning" in full.stderr or "avertissement" in full.stderr)
    other = "fr" if language == "en" else "en"  # the language is part of the record's key
    assert told(check(root, *strict, language=other)) == told(
        without_records(root, *strict, language=other)
    )
    one = check(root, f"bulletins/{SECOND}", language=language)  # one issue named
    loaded.clear()
    assert told(check(root, f"bulletins/{SECOND}", language=language)) == told(one)
    assert loaded == []


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def settled(root: Path) -> None:
    """Every record made as if long after its files last changed: only their stat
    fingerprint (then their content) tells whether they changed since."""
    later = time.time_ns() + 3600 * 1_000_000_000
    for record in (root / RECORDS).iterdir():
        os.utime(record, ns=(later, later))


def put_back(path: Path, data: bytes) -> None:
    """`path` rewritten with `data` (of the same size), its times put back."""
    status = path.stat()
    path.write_bytes(data)
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns))


def same_size_edit(path: Path, old: bytes, new: bytes) -> None:
    assert len(old) == len(new)
    data = path.read_bytes()
    assert old in data
    put_back(path, data.replace(old, new, 1))


INCLUDED = f"bulletins/{FIRST}/articles/patrouille-de-france.md"

CHANGES = {
    "issue.yaml, its size and date put back": lambda root: same_size_edit(
        root / "bulletins" / FIRST / "issue.yaml", b"title: Tenir", b"title: Venir"
    ),
    "the included Markdown, size and date put back": lambda root: put_back(
        root / INCLUDED, (root / INCLUDED).read_bytes()[:-2] + b"x\n"
    ),
    "an image, size and date put back": lambda root: put_back(
        next((root / "bulletins" / FIRST / "images").iterdir()),
        next((root / "bulletins" / FIRST / "images").iterdir()).read_bytes()[:-3] + b"\0\0\0",
    ),
    "the logo": lambda root: put_back(
        root / "assets/logo.png", (root / "assets/logo.png").read_bytes()[:-1] + b"\1"
    ),
    "the dark logo": lambda root: put_back(
        root / "assets/logo-dark.png", (root / "assets/logo-dark.png").read_bytes()[:-1] + b"\1"
    ),
}


@pytest.mark.parametrize("racy", [True, False])
@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_changed_file_is_checked_again(
    root: Path, loaded: list[str], change: str, racy: bool
) -> None:
    check(root)
    CHANGES[change](root)
    if not racy:
        settled(root)
    loaded.clear()
    after = check(root)
    assert FIRST in loaded
    assert told(after) == told(without_records(root))


def test_a_file_touched_but_the_same_is_not_checked_again(root: Path, loaded: list[str]) -> None:
    full = check(root)
    settled(root)
    loaded.clear()
    assert told(check(root)) == told(full) and loaded == []  # settled: by stat alone
    (root / INCLUDED).touch()  # its change time moves: hashed, found the same
    settled(root)
    assert told(check(root)) == told(full) and loaded == []


def test_the_issue_number_of_a_renumbered_neighbour(root: Path, loaded: list[str]) -> None:
    check(root)
    first = root / "bulletins" / FIRST / "issue.yaml"
    first.write_text(first.read_text().replace("number: 24\n", "number: 30\n"))
    loaded.clear()
    after = check(root)
    assert loaded == [FIRST, SECOND]  # the second's number follows the first's
    assert "n° 31" in after.stdout and told(after) == told(without_records(root))


def test_a_new_include(root: Path, loaded: list[str]) -> None:
    check(root)
    issue = root / "bulletins" / SECOND / "issue.yaml"
    (root / "bulletins" / SECOND / "articles" / "new.md").write_text(
        "---\ntitle: Nouveau\nsummary: Un chapô.\n---\nLe texte.\n"
    )
    text = issue.read_text().replace(
        "      - include: articles/patrouille-de-france.md\n",
        "      - include: articles/patrouille-de-france.md\n      - include: articles/new.md\n",
    )
    issue.write_text(text)
    loaded.clear()
    after = check(root)
    assert loaded == [SECOND] and "9 articles" in after.stdout
    loaded.clear()
    (root / "bulletins" / SECOND / "articles" / "new.md").write_text("---\ntitle: [\n---\n")
    broken = check(root)
    assert loaded == [SECOND] and broken.exit_code == 1


def test_a_changed_publication_rechecks_every_issue(root: Path, loaded: list[str]) -> None:
    check(root)
    publication = root / "publication.yaml"
    publication.write_text(publication.read_text().replace("example.org", "armees.test"))
    loaded.clear()
    after = check(root)
    assert loaded == [FIRST, SECOND] and "example-sender" not in after.stderr
    assert told(after) == told(without_records(root))


def test_another_version_of_lettre(
    root: Path, loaded: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    check(root)
    monkeypatch.setattr(check_cache, "__version__", "99.0")
    loaded.clear()
    check(root)
    assert loaded == [FIRST, SECOND]


def test_a_file_changed_while_it_is_checked_is_not_recorded(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What was checked may not be what is there now: no record says it was."""
    real = load.load_issue

    def editing(repo, folder, *args, **kwargs):  # type: ignore[no-untyped-def]
        result = real(repo, folder, *args, **kwargs)
        if folder.name == FIRST:
            (root / INCLUDED).write_text((root / INCLUDED).read_text() + "\n")
        return result

    monkeypatch.setattr(load, "load_issue", editing)
    assert check(root).exit_code == 0
    assert names(root / RECORDS) == [f"{SECOND}.json"]


def test_an_issue_with_errors_is_not_recorded(root: Path, loaded: list[str]) -> None:
    issue = root / "bulletins" / SECOND / "issue.yaml"
    issue.write_text(issue.read_text().replace("date: 2025-06-20", "date: nope"))
    assert check(root).exit_code == 1
    assert names(root / RECORDS) == [f"{FIRST}.json"]
    loaded.clear()
    assert check(root).exit_code == 1 and loaded == [SECOND]


def test_verbose_checks_in_full(root: Path, loaded: list[str]) -> None:
    check(root)
    loaded.clear()
    verbose = check(root, "--verbose")
    assert loaded == [FIRST, SECOND] and "Preheader" in verbose.stdout


DAMAGES = {
    "emptied": lambda data: b"",
    "truncated": lambda data: data[: len(data) // 2],
    "checksum wrong": lambda data: data.replace(b"n\\u00b0 2", b"n\\u00b0 9"),
    "not JSON": lambda data: image_cache.sealed(b"{nope"),
    "JSON of another shape": lambda data: image_cache.sealed(b"[1]"),
    "a forged error": lambda data: image_cache.sealed(
        data.rpartition(b"\n")[0].replace(b'"warning"', b'"error"')
    ),
}


@pytest.mark.parametrize("damage", sorted(DAMAGES))
def test_a_damaged_record_is_ignored_and_made_again(
    root: Path, loaded: list[str], damage: str
) -> None:
    full = check(root)
    record = root / RECORDS / f"{FIRST}.json"
    good = record.read_bytes()
    record.write_bytes(DAMAGES[damage](good))
    loaded.clear()
    again = check(root)
    assert loaded == [FIRST] and told(again) == told(full)
    assert record.read_bytes().rpartition(b"\n")[0] != b""  # made again
    loaded.clear()
    check(root)
    assert loaded == []
