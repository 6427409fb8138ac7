"""Files: nothing outside the repository is read, nothing of the user's deleted or overwritten,
and every record read back from disk is checked before lettre acts on it."""

from __future__ import annotations

import hashlib
import json
import os
import tracemalloc
from pathlib import Path

import pytest
from jinja2.sandbox import SandboxedEnvironment

from lettre.errors import LettreError
from lettre.load import check
from lettre.output import MARKER
from lettre.repo import Repository
from lettre.stamps import STAMP, fingerprint
from lettre.templates import environment
from tests.conftest import ISSUE, Lettre, Newsletter
from tests.hostile.conftest import audited_build

SECRET = "SECRET-7f3a-never-in-an-email"


def secret(tmp_path: Path) -> Path:
    """A file outside the newsletter repository that no output may hold."""
    path = tmp_path / "outside" / "secrets.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(SECRET + "\n")
    return path


def outputs_hold(folder: Path, text: str) -> bool:
    return any(text.encode() in p.read_bytes() for p in folder.rglob("*") if p.is_file())


# Links under templates/ and assets/: refused by check and by the loader.


@pytest.mark.parametrize(
    "link",
    [
        "templates/email.txt.j2",
        "templates/email/footer.mjml.j2",
        "templates/partials/extra.j2",
        "assets/notes.txt",
        "assets/deep/er/notes.txt",
    ],
)
def test_check_refuses_a_link_to_a_file_outside(
    newsletter: Newsletter, lettre: Lettre, tmp_path: Path, link: str
) -> None:
    root = newsletter()
    target = secret(tmp_path)
    (root / link).parent.mkdir(parents=True, exist_ok=True)
    (root / link).symlink_to(target)
    result = lettre("check", repo=root)
    assert result.exit_code == 1
    assert f"{link}: a symbolic link to {target}, outside the newsletter repository" in (
        result.stderr
    )
    built = lettre("build", repo=root)
    assert built.exit_code == 1 and "Traceback" not in built.output
    assert not (root / "dist").exists() or not outputs_hold(root / "dist", SECRET)


@pytest.mark.parametrize("link", ["templates/email", "templates", "assets", "assets/photos"])
def test_check_refuses_a_link_to_a_folder_outside(
    newsletter: Newsletter, lettre: Lettre, tmp_path: Path, link: str
) -> None:
    root = newsletter()
    folder = secret(tmp_path).parent
    (root / link).parent.mkdir(parents=True, exist_ok=True)
    (root / link).symlink_to(folder, target_is_directory=True)
    result = lettre("check", repo=root)
    assert result.exit_code == 1
    assert f"{link}: a symbolic link to {folder}, outside the newsletter repository" in (
        result.stderr
    )


def test_check_refuses_a_loop_and_accepts_links_inside(
    newsletter: Newsletter, lettre: Lettre
) -> None:
    root = newsletter()
    (root / "templates").mkdir()
    (root / "templates/loop.j2").symlink_to(root / "templates/loop.j2")
    (root / "templates/again").symlink_to(root / "templates", target_is_directory=True)
    (root / "assets").mkdir()
    (root / "assets/photo.jpg").symlink_to(root / "bulletins/2025-06-13/images/photo.jpg")
    problems = [str(p) for p in check(Repository(root)).problems]
    assert problems == ["templates/loop.j2: a loop of symbolic links; remove the link"]


def _repository_env(root: Path) -> SandboxedEnvironment:
    return environment(root / "templates", "fr", html=False)


@pytest.mark.parametrize(
    "source",
    [
        '{% include "partials/leak.j2" %}',
        '{% import "partials/leak.j2" as leak %}',
        '{% extends "partials/leak.j2" %}',
        '{% include "outside/secrets.txt" %}',
        '{% include "link.j2" %}',
        '{% include ["missing.j2", "link.j2"] %}',
    ],
)
def test_the_loader_refuses_whatever_leads_outside(tmp_path: Path, source: str) -> None:
    """Refused by the loader itself, by every way a template names another: check aside."""
    root = tmp_path / "newsletter"
    (root / "templates").mkdir(parents=True)
    target = secret(tmp_path)
    (target.parent / "leak.j2").write_text(SECRET)
    (root / "templates/partials").symlink_to(target.parent, target_is_directory=True)
    (root / "templates/outside").symlink_to(target.parent, target_is_directory=True)
    (root / "templates/link.j2").symlink_to(target)
    with pytest.raises(LettreError) as refused:
        _repository_env(root).from_string(source).render()
    assert "leads outside the newsletter repository" in refused.value.format_message()
    assert refused.value.format_message().startswith("templates/")


def test_the_loader_refuses_a_loop_and_a_pipe(tmp_path: Path) -> None:
    root = tmp_path / "newsletter"
    (root / "templates").mkdir(parents=True)
    (root / "templates/loop.j2").symlink_to(root / "templates/loop.j2")
    os.mkfifo(root / "templates/pipe.j2")
    env = _repository_env(root)
    with pytest.raises(LettreError, match=r"^templates/loop\.j2: a loop of symbolic links"):
        env.get_template("loop.j2")
    with pytest.raises(LettreError, match=r"^templates/pipe\.j2: not a regular file"):
        env.get_template("pipe.j2")


def test_the_loader_still_reads_overrides_and_links_inside(tmp_path: Path) -> None:
    root = tmp_path / "newsletter"
    (root / "templates").mkdir(parents=True)
    (root / "shared").mkdir()
    (root / "shared/part.j2").write_text("partagé")
    (root / "templates/part.j2").symlink_to(root / "shared/part.j2")
    (root / "templates/own.j2").write_text('{% include "part.j2" %} et propre')
    env = _repository_env(root)
    assert env.get_template("own.j2").render() == "partagé et propre"


# Input hashing: only what the issue uses, never through a link out, in chunks.


def test_an_unreferenced_link_out_of_the_issue_folder_is_never_opened(
    newsletter: Newsletter, tmp_path: Path
) -> None:
    root = newsletter()
    target = secret(tmp_path)
    folder = root / "bulletins/2025-06-13"
    (folder / "notes.txt").symlink_to(target)
    (folder / "documents").symlink_to(target.parent, target_is_directory=True)
    (folder / "loop").symlink_to(folder / "loop")
    (folder / "brouillon.md").write_text("pas utilisé")
    audit = audited_build(root, tmp_path / "out" / "dist")
    assert audit["code"] == 0
    assert not any(str(target.parent) in path for path in audit["opened"])
    stamp = json.loads((tmp_path / "out/dist/2025-06-13" / STAMP).read_text())
    issue_inputs = sorted(n for n in stamp["inputs"] if n.startswith(("issue/", "repo/")))
    assert issue_inputs == ["issue/images/photo.jpg", "issue/issue.yaml"]
    assert not any(
        hashlib.sha256(target.read_bytes()).hexdigest() in str(v) for v in stamp.values()
    )


def test_a_link_to_a_logo_outside_is_never_opened(newsletter: Newsletter, tmp_path: Path) -> None:
    root = newsletter()
    target = secret(tmp_path)
    (root / "assets").mkdir()
    (root / "assets/logo.png").symlink_to(target)
    publication = root / "publication.yaml"
    publication.write_text(publication.read_text() + "logo: assets/logo.png\n")
    audit = audited_build(root, tmp_path / "out" / "dist")
    assert audit["code"] == 1
    assert not any(str(target.parent) in path for path in audit["opened"])


def test_what_the_issue_uses_decides_what_is_hashed(newsletter: Newsletter, lettre: Lettre) -> None:
    root = newsletter()
    folder = root / "bulletins/2025-06-13"
    (folder / "articles").mkdir()
    (folder / "articles/a.md").write_text("---\ntitle: Inclus\nsummary: Court.\n---\nTexte.\n")
    assert lettre("build", "--out", str(root / "dist"), repo=root).exit_code == 0
    (folder / "unused.bin").write_bytes(b"\0" * 1000)  # not used: no rebuild
    assert lettre("build", repo=root).stdout.endswith("0 built, 1 unchanged, 0 failed.\n")
    issue = root / ISSUE
    issue.write_text(
        issue.read_text().replace(
            "      - title: Un article", "      - include: articles/a.md\n      - title: Un article"
        )
    )  # issue.yaml changed: it now uses a.md, which the stamp records
    assert lettre("build", repo=root).stdout.endswith("1 built, 0 unchanged, 0 failed.\n")
    stamp = json.loads((root / "dist/2025-06-13" / STAMP).read_text())
    assert "issue/articles/a.md" in stamp["inputs"]
    (folder / "articles/a.md").write_text("---\ntitle: Inclus\nsummary: Autre.\n---\nTexte.\n")
    assert lettre("build", repo=root).stdout.endswith("1 built, 0 unchanged, 0 failed.\n")


def test_a_large_input_is_hashed_in_chunks(tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    with big.open("wb") as handle:
        handle.truncate(200 * 1024 * 1024)  # sparse: 200 MB read, little disk used
    tracemalloc.start()
    fingerprint({"issue/big.bin": big}, {})
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 5 * 1024 * 1024


# The output folder: lettre's own, or refused before anything is written or deleted.


def _user_files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


@pytest.mark.parametrize("where", ["root", "parent", "grandparent"])
def test_an_output_folder_containing_the_repository_is_refused(
    newsletter: Newsletter, lettre: Lettre, where: str
) -> None:
    root = newsletter()
    (root / "notes").mkdir()
    (root / "notes/.brouillon.tmp").write_text("mes notes")
    (root / "notes/.brouillon.a1b2c3d4.tmp").write_text("mes notes")
    out = {"root": root, "parent": root.parent, "grandparent": root.parent.parent}[where]
    before = _user_files(root)
    for command in ("build", "archive"):
        result = lettre(command, "--out", str(out), repo=root)
        assert result.exit_code == 2, result.output
        assert (
            "the output folder cannot be the newsletter repository, a folder that contains it"
            in (result.stderr)
        )
    assert _user_files(root) == before
    assert not (out / MARKER).exists() and not (out / ".lettre.lock").exists()


def test_the_root_folder_is_refused_and_not_tried(newsletter: Newsletter, lettre: Lettre) -> None:
    root = newsletter()
    result = lettre("build", "--out", "/", repo=root)
    assert result.exit_code == 2 and "cannot be the newsletter repository" in result.stderr
    assert not Path("/", MARKER).exists() and not Path("/.lettre.lock").exists()


def test_the_home_folder_is_refused(
    newsletter: Newsletter, lettre: Lettre, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = newsletter()
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    result = lettre("build", "--out", str(home), repo=root)
    assert result.exit_code == 2 and "or your home folder" in result.stderr
    assert list(home.iterdir()) == []


def test_a_non_empty_folder_lettre_did_not_make_is_refused(
    newsletter: Newsletter, lettre: Lettre, tmp_path: Path
) -> None:
    root = newsletter()
    foreign = tmp_path / "site"
    (foreign / "2025-06-13").mkdir(parents=True)
    (foreign / "index.html").write_text("<p>mon site</p>")
    (foreign / ".page.a1b2c3d4.tmp").write_text("à moi")
    (foreign / "2025-06-13/notes.txt").write_text("à moi aussi")
    before = _user_files(foreign)
    for command in ("build", "archive"):
        result = lettre(command, "--out", str(foreign), repo=root)
        assert result.exit_code == 2
        assert (
            f"{foreign}: this folder is not empty and lettre did not make it (.page.a1b2c3d4.tmp, "
            "2025-06-13, index.html); lettre writes only into a folder of its own" in result.stderr
        )
    assert _user_files(foreign) == before
    empty = tmp_path / "empty"
    empty.mkdir()
    assert lettre("build", "--out", str(empty), repo=root).exit_code == 0
    assert (empty / MARKER).is_file()


def test_the_users_temporaries_in_dist_survive_a_build(
    newsletter: Newsletter, lettre: Lettre
) -> None:
    root = newsletter()
    dist = root / "dist"
    assert lettre("build", repo=root).exit_code == 0
    mine = [
        dist / ".x.tmp",
        dist / ".brouillon.a1b2c3d4.tmp",
        dist / "notes/.brouillon.tmp",
        dist / "2025-06-13/.brouillon.tmp",
    ]
    for path in mine:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("à moi")
    stale = [dist / ".index.html.a1b2c3d4.tmp", dist / "2025-06-13/.x.pdf.a1b2c3d4.tmp"]
    for path in stale:
        path.write_text("lettre's, interrupted")
    assert lettre("build", repo=root).exit_code == 0
    assert all(path.read_text() == "à moi" for path in mine)
    assert not any(path.exists() for path in stale)


def test_a_dist_made_by_an_older_lettre_is_adopted(newsletter: Newsletter, lettre: Lettre) -> None:
    root = newsletter()
    dist = root / "dist"
    assert lettre("build", repo=root).exit_code == 0
    assert lettre("archive", repo=root).exit_code == 0
    (dist / MARKER).unlink()  # as an older lettre left it, interrupted while archiving
    (dist / ".index.html.a1b2c3d4.tmp").write_text("<p>à moitié")
    result = lettre("build", repo=root)
    assert result.exit_code == 0 and result.stdout.endswith("0 built, 1 unchanged, 0 failed.\n")
    assert not (dist / ".index.html.a1b2c3d4.tmp").exists()
    assert lettre("archive", repo=root).exit_code == 0
    (dist / MARKER).unlink()
    (dist / "photo-de-vacances.jpg").write_bytes(b"\xff\xd8")  # the user's: no longer adoptable
    assert lettre("build", repo=root).exit_code == 2


def test_the_archive_overwrites_only_what_it_wrote(newsletter: Newsletter, lettre: Lettre) -> None:
    root = newsletter()
    dist = root / "dist"
    assert lettre("build", repo=root).exit_code == 0
    (dist / "index.html").write_text("<p>ma page d'accueil</p>")
    result = lettre("archive", repo=root)
    assert result.exit_code == 1
    assert f"{dist / 'index.html'}: lettre did not write this file" in result.stderr
    assert (dist / "index.html").read_text() == "<p>ma page d'accueil</p>"
    assert not (dist / "feed.xml").exists()
    (dist / "index.html").unlink()
    assert lettre("archive", repo=root).exit_code == 0
    assert lettre("archive", repo=root).exit_code == 0  # its own files: overwritten
    (dist / "feed.xml").write_text("changed by hand")
    assert lettre("archive", repo=root).exit_code == 1
    assert (dist / "feed.xml").read_text() == "changed by hand"


def test_the_archive_follows_no_link_in_an_output_folder(
    newsletter: Newsletter, lettre: Lettre, tmp_path: Path
) -> None:
    root = newsletter()
    assert lettre("build", repo=root).exit_code == 0
    target = secret(tmp_path)
    (root / "dist/2025-06-13/extra.txt").symlink_to(target)
    result = lettre("archive", repo=root)
    assert result.exit_code == 1 and "extra.txt is a symbolic link" in result.stderr
    assert not (root / "dist/manifest.json").exists()


# Records read back from disk: checked before anything is deleted or renamed.


def _victim(tmp_path: Path) -> Path:
    victim = tmp_path / "victim.txt"
    victim.write_text("the user's")
    return victim


@pytest.mark.parametrize(
    "damage",
    [
        lambda s: s["outputs"].update({"images/../../../victim.txt": "0" * 64}),
        lambda s: s["outputs"].update({"/tmp/victim.txt": "0" * 64}),
        lambda s: s["sizes"].update({"images/../../../victim.txt": 1}),
        lambda s: s["inputs"].update({"issue/../../../victim.txt": [1, 2, "x"]}),
        lambda s: s.update(inputs=[]),
        lambda s: s.update(fingerprint=None),
        lambda s: s.update(warnings="x"),
        lambda s: s.clear(),
    ],
)
def test_a_damaged_stamp_is_a_clear_error_and_deletes_nothing(
    newsletter: Newsletter, lettre: Lettre, tmp_path: Path, damage: object
) -> None:
    root = newsletter()
    victim = _victim(tmp_path)
    assert lettre("build", repo=root).exit_code == 0
    path = root / "dist/2025-06-13" / STAMP
    stamp = json.loads(path.read_text())
    damage(stamp)  # type: ignore[operator]
    path.write_text(json.dumps(stamp))
    result = lettre("build", "--force", repo=root)
    assert result.exit_code == 1 and "internal error" not in result.output
    assert f"{path}: damaged (" in result.stderr and "delete this file and build again" in (
        result.stderr
    )
    assert victim.read_text() == "the user's"


def test_a_stamp_that_is_not_json_is_a_clear_error(newsletter: Newsletter, lettre: Lettre) -> None:
    root = newsletter()
    assert lettre("build", repo=root).exit_code == 0
    (root / "dist/2025-06-13" / STAMP).write_bytes(b"\xff{")
    for command in ("build", "archive"):
        result = lettre(command, repo=root)
        assert result.exit_code == 1 and "damaged (it cannot be read" in result.stderr
        assert "Traceback" not in result.output and "internal error" not in result.output


PUBLISHED = "bulletins/2025-06-13/published.json"


@pytest.mark.parametrize(
    ("record", "why"),
    [
        ({}, "published: missing"),
        ([], "the record: not a mapping"),
        ({"published": "2025-06-13", "files": {}, "inputs": {}}, "files: missing or empty"),
        (
            {"published": "x", "files": {"../../../victim.txt": "0" * 64}, "inputs": {}},
            "files: '../../../victim.txt' leaves its folder",
        ),
        (
            {"published": "x", "files": {"a.pdf": "0" * 64}, "inputs": {}, "history": [{}]},
            "history[0].published: missing",
        ),
        (
            {"published": "x", "files": {"a.pdf": "not a sha"}, "inputs": {}},
            "files: 'a.pdf' has no SHA-256",
        ),
    ],
)
def test_a_damaged_published_record_is_a_clear_error(
    newsletter: Newsletter, lettre: Lettre, tmp_path: Path, record: object, why: str
) -> None:
    root = newsletter()
    victim = _victim(tmp_path)
    (root / PUBLISHED).write_text(json.dumps(record))
    verified = lettre("verify", repo=root)
    assert verified.exit_code == 1 and "all identical" not in verified.output
    assert f"{root / PUBLISHED}: damaged ({why}); restore it from git" in verified.stderr
    built = lettre("build", repo=root)
    assert built.exit_code == 1 and f"damaged ({why})" in built.stderr
    assert "internal error" not in built.output
    assert victim.read_text() == "the user's"


def test_a_republication_keeps_only_inside_the_output_folder(
    newsletter: Newsletter, lettre: Lettre, tmp_path: Path
) -> None:
    root = newsletter()
    assert lettre("publish", str(root / "bulletins/2025-06-13"), repo=root).exit_code == 0
    victim = tmp_path / "victim.pdf"
    victim.write_bytes(b"%PDF the user's")
    record = json.loads((root / PUBLISHED).read_text())
    record["files"]["../../victim.pdf"] = hashlib.sha256(victim.read_bytes()).hexdigest()
    (root / PUBLISHED).write_text(json.dumps(record))
    issue = root / ISSUE
    issue.write_text(issue.read_text().replace("Un chapô.", "Un chapô corrigé."))
    result = lettre("build", str(root / "bulletins/2025-06-13"), "--republish", "--reason", "x",
                    repo=root)  # fmt: skip
    assert result.exit_code == 1 and "'../../victim.pdf' leaves its folder" in result.stderr
    assert victim.read_bytes() == b"%PDF the user's"
    assert not (tmp_path / "victim-v1.pdf").exists()


def test_a_damaged_marker_is_a_clear_error(newsletter: Newsletter, lettre: Lettre) -> None:
    root = newsletter()
    assert lettre("build", repo=root).exit_code == 0
    (root / "dist" / MARKER).write_text('{"written": {"../../x": "y"}}')
    for command in ("build", "archive"):
        result = lettre(command, repo=root)
        assert result.exit_code == 1 and f"{root / 'dist' / MARKER}: damaged" in result.stderr


def test_a_file_linked_from_elsewhere_in_the_repository_is_watched(
    newsletter: Newsletter, lettre: Lettre
) -> None:
    root = newsletter()
    photo = root / "bulletins/2025-06-13/images/photo.jpg"
    shared = root / "photos/photo.jpg"
    shared.parent.mkdir()
    shared.write_bytes(photo.read_bytes())
    photo.unlink()
    photo.symlink_to(shared)
    assert lettre("build", repo=root).exit_code == 0
    stamp = json.loads((root / "dist/2025-06-13" / STAMP).read_text())
    assert "repo/photos/photo.jpg" in stamp["inputs"]
    assert lettre("build", repo=root).stdout.endswith("0 built, 1 unchanged, 0 failed.\n")
    shared.write_bytes(shared.read_bytes() + b"\0")
    assert lettre("build", repo=root).stdout.endswith("1 built, 0 unchanged, 0 failed.\n")
