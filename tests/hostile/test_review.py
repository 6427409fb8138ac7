"""A hostile review of the merged trust work (issue 10): variants the first round missed.

- Every record lettre reads back from disk (the stamp, the output folder's marker, the
  published record, the send record) may be nested deeper than Python's JSON decoder
  recurses: that is a damaged record, told with its file, never an internal error.
- Those records are never read through a link (it would be read from outside the
  repository) nor from a FIFO (lettre would wait for ever): lettre writes them as files.
- The image cache (out/.cache/images) is lettre's: a link that takes it, or its parent,
  elsewhere is refused; nothing is read or written through it.
- The output folder's lock file (.lettre.lock) is emptied after every build: a link there
  (to a file of the user's) had that file emptied. It is opened without following links,
  and anything but a regular file is refused.
- An output folder inside templates/ or assets/ was accepted: what lettre wrote there was
  read back as input (templates/ is hashed whole), so every build changed the next one's
  inputs. Like bulletins/, both are refused, through links too.
- Emphasis nested thousands deep (`*a *a … x … b* b*`) made MRML overflow its stack: the
  build crashed (exit 3). It is now a check error at its line, in every Markdown field.
- An RFC 2047 encoded word typed in plain ASCII (`=?utf-8?q?=E2=80=AE?=`) went into Subject
  and From as typed, and mail programs decoded it into the invisible or reordering
  characters those headers refuse: it is refused in every field that becomes a header.
"""

from __future__ import annotations

import dataclasses
import email
import json
import os
from collections.abc import Callable
from email import policy
from pathlib import Path

import pytest

from lettre import mail
from lettre.errors import LettreError
from lettre.load import check
from lettre.output import MARKER
from lettre.repo import Repository
from lettre.stamps import STAMP
from tests.conftest import ISSUE, MINIMAL, Lettre, Newsletter

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


@pytest.mark.parametrize("kind", ["link", "fifo"])
@pytest.mark.parametrize("record", sorted(RECORDS))
def test_a_record_is_never_read_through_a_link_or_from_a_fifo(
    newsletter: Newsletter, lettre: Lettre, tmp_path: Path, record: str, kind: str
) -> None:
    root = newsletter()
    assert lettre("publish" if record == "published" else "build", root / FOLDER, repo=root)
    name, command = RECORDS[record]
    path = root / name
    outside = tmp_path / "outside.json"
    outside.write_bytes(path.read_bytes() if path.exists() else b'{"sends": []}')
    path.unlink(missing_ok=True)
    if kind == "link":
        path.symlink_to(outside)
    else:
        os.mkfifo(path)
    before = outside.read_bytes()
    result = lettre(*command(root), repo=root)  # a FIFO opened for reading would block here
    if (record, kind) == ("marker", "fifo"):  # no marker file: the folder is not lettre's
        assert result.exit_code == 2 and "lettre did not make it (.lettre-output.json)" in (
            result.stderr
        )
        return
    assert result.exit_code == 1, result.output
    assert name.rsplit("/", 1)[-1] in result.stderr and "cannot be read" in result.stderr
    assert ("a symbolic link" if kind == "link" else "not a file lettre wrote") in result.stderr
    assert outside.read_bytes() == before


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


# --- encoded words never reach a header -----------------------------------------------------

ENCODED = [
    "=?utf-8?q?=E2=80=AE?=",  # RIGHT-TO-LEFT OVERRIDE
    "=?UTF-8?B?4oCP?=",  # RIGHT-TO-LEFT MARK, base64, upper case
    "=?iso-8859-1?Q?=AD?=",  # a soft hyphen in another charset
    "=?utf-8?q?Banque_de_France?=",  # harmless once decoded, but not the text typed
    "=?utf-8*fr?b?8J+Ukg==?=",  # RFC 2231 language tag
]
HEADER_FIELDS = [
    (ISSUE, None, "title"),
    ("publication.yaml", "name: Lettre de test", "name"),
    ("publication.yaml", "  name: Cellule de test", "sender.name"),
]


@pytest.mark.parametrize("word", ENCODED)
@pytest.mark.parametrize(("file", "line", "field"), HEADER_FIELDS)
def test_an_encoded_word_is_refused_in_subject_and_from(
    newsletter: Newsletter, word: str, file: str, line: str | None, field: str
) -> None:
    value = json.dumps(f"Avis{word}important", ensure_ascii=False)
    text = (MINIMAL / file).read_text()
    text = (
        text.replace(line, line.split(":")[0] + f": {value}")
        if line
        else text + f"title: {value}\n"
    )
    root = newsletter({file: text})
    errors = [p for p in check(Repository(root)).problems if p.is_error]
    assert [p.field for p in errors] == [field]
    assert f"contains '{word}'" in errors[0].message and "RFC 2047" in errors[0].message


def test_an_encoded_word_is_refused_by_build_with_its_place(
    newsletter: Newsletter, lettre: Lettre
) -> None:
    issue = (MINIMAL / ISSUE).read_text() + 'title: "Hello =?utf-8?q?=E2=80=AEevil?= world"\n'
    root = newsletter({ISSUE: issue})
    result = lettre("build", repo=root)
    assert result.exit_code == 1 and "internal error" not in result.output
    assert f"{ISSUE}:" in result.output and "title: contains '=?utf-8?q?" in result.output
    assert not (root / OUT).exists()


def test_encoded_words_are_refused_again_where_headers_are_written(
    newsletter: Newsletter,
) -> None:
    loaded = check(Repository(newsletter())).issues[0]
    for word in ENCODED:
        title = f"x {word} y"
        hostile = dataclasses.replace(
            loaded, issue=loaded.issue.model_copy(update={"title": title})
        )
        with pytest.raises(LettreError, match=r"header Subject: .* would be decoded"):
            mail.build_message(hostile, "<p>x</p>", "x", [])


@pytest.mark.parametrize("title", ["Combien =? Deux ?=", "a=?b", "Question ?=réponse", "?=?="])
def test_text_that_only_looks_like_an_encoded_word_reaches_the_subject_as_typed(
    newsletter: Newsletter, lettre: Lettre, title: str
) -> None:
    issue = (MINIMAL / ISSUE).read_text() + f"title: {json.dumps(title)}\n"
    root = newsletter({ISSUE: issue})
    assert lettre("build", repo=root).exit_code == 0
    [eml] = (root / OUT).glob("*.eml")
    subject = email.message_from_bytes(eml.read_bytes(), policy=policy.default)["Subject"]
    assert "".join(subject.split()) == "".join(title.split())  # typography adds spaces


# --- the lock file is never opened through a link --------------------------------------------


def _lock_as(kind: str, lock: Path, tmp_path: Path) -> Path:
    """Make out/.lettre.lock a `kind` of thing; the user's file it could reach."""
    theirs = tmp_path / "notes.txt"
    lock.unlink()
    if kind == "fifo":
        os.mkfifo(lock)
    elif kind == "dangling link":
        lock.symlink_to(theirs)
        return theirs
    elif kind == "link to a folder":
        (tmp_path / "folder").mkdir()
        lock.symlink_to(tmp_path / "folder", target_is_directory=True)
    theirs.write_text("the user's notes\n")
    if kind == "link":
        lock.symlink_to(theirs)
    if kind == "relative link":
        lock.symlink_to(os.path.relpath(theirs, lock.parent))
    return theirs


@pytest.mark.parametrize("command", ["build", "archive"])
@pytest.mark.parametrize(
    "kind", ["link", "relative link", "dangling link", "link to a folder", "fifo"]
)
def test_a_lock_file_that_is_not_lettres_is_refused_and_nothing_of_the_users_is_touched(
    newsletter: Newsletter, lettre: Lettre, tmp_path: Path, kind: str, command: str
) -> None:
    root = newsletter()
    assert lettre("build", repo=root).exit_code == 0
    lock = root / "dist/.lettre.lock"
    theirs = _lock_as(kind, lock, tmp_path)
    existed = theirs.exists()
    result = lettre(command, *(["--force"] if command == "build" else []), repo=root)
    assert result.exit_code == 1, result.output
    assert f"{lock} is " in result.output and "remove it" in result.output
    if existed:
        assert theirs.read_text() == "the user's notes\n"
    else:
        assert not theirs.exists()  # a dangling link did not create the file it names


def test_a_regular_lock_file_still_works(newsletter: Newsletter, lettre: Lettre) -> None:
    root = newsletter()
    for _ in range(2):
        assert lettre("build", "--force", repo=root).exit_code == 0
        lock = root / "dist/.lettre.lock"
        assert lock.is_file() and not lock.is_symlink() and lock.read_text() == ""


# --- an output folder among the sources ---------------------------------------------------------


@pytest.mark.parametrize("command", ["build", "archive"])
@pytest.mark.parametrize(
    "out", ["templates", "templates/dist", "assets/x/y", "LINK/templates/new", "assets/../assets/z"]
)
def test_an_output_folder_among_the_sources_is_refused(
    newsletter: Newsletter, lettre: Lettre, tmp_path: Path, out: str, command: str
) -> None:
    root = newsletter({"templates/.keep": "", "assets/.keep": ""})
    (tmp_path / "LINK").symlink_to(root, target_is_directory=True)
    where = tmp_path / out if out.startswith("LINK") else root / out
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    result = lettre(command, "--out", where, repo=root)
    assert result.exit_code == 2, result.output
    source = out.split("/")[1] if out.startswith("LINK") else out.split("/")[0]
    assert f"the output folder cannot be inside {source}/; use dist/" in result.stderr
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before  # nothing written


# --- emphasis nested deeper than anything can show is a check error ---------------------------

DEEP = {
    "emphasis": "*a " * 10_000 + "x" + " b*" * 10_000,
    "strong": "**a " * 10_000 + "x" + " b**" * 10_000,
    "underscores": "_a " * 10_000 + "x" + " b_" * 10_000,
    "mixed": "*_a " * 5_000 + "x" + " b_*" * 5_000,
    "just over": "*a " * 51 + "x" + " b*" * 51,
}


@pytest.mark.parametrize("where", ["body", "included", "footer"])
@pytest.mark.parametrize("kind", sorted(DEEP))
def test_emphasis_nested_too_deep_is_an_error_at_its_line(
    newsletter: Newsletter, lettre: Lettre, kind: str, where: str
) -> None:
    text = f"Avant.\n\n{DEEP[kind]}\n"
    files: dict[str, str | bytes | None] = {}
    if where == "body":
        issue = (MINIMAL / ISSUE).read_text().replace("Le texte de l'article.", json.dumps(text))
        files[ISSUE], place = issue, f"{ISSUE}:13:"  # the Markdown's third line
    elif where == "included":
        issue = (
            (MINIMAL / ISSUE)
            .read_text()
            .replace(
                "      - title: Un article", "      - include: long.md\n      - title: Un article"
            )
        )
        files[ISSUE] = issue
        files[f"{FOLDER}/long.md"] = f"---\ntitle: Long\n---\n{text}"
        place = f"{FOLDER}/long.md:6:1:"
    else:
        publication = (MINIMAL / "publication.yaml").read_text() + f"footer: {json.dumps(text)}\n"
        files["publication.yaml"], place = publication, "publication.yaml:8:"
    root = newsletter(files)
    for command in ("check", "build"):
        result = lettre(command, repo=root)
        assert result.exit_code == 1, result.output
        assert "internal error" not in result.output and "crashed" not in result.output
        assert place in result.output and "nested more than 50 levels deep" in result.output


def test_emphasis_nested_up_to_the_limit_is_in_every_edition(
    newsletter: Newsletter, lettre: Lettre
) -> None:
    body = "*a " * 50 + "milieu" + " b*" * 50
    issue = (MINIMAL / ISSUE).read_text().replace("Le texte de l'article.", json.dumps(body))
    root = newsletter({ISSUE: issue})
    assert lettre("build", repo=root).exit_code == 0
    pages = sorted((root / OUT).glob("*.html"))  # the email and the web page
    assert len(pages) == 2
    for page in pages:
        assert page.read_text().count("<em>") == 50 and "milieu" in page.read_text()
