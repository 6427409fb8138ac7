"""Speed never at the cost of truth: a no-op rebuild that hashes nothing and imports no
engine still sees every change (even a file whose size and time were put back), never
reads through a link out of the repository, and still validates a changed publication.yaml;
and every worker starts with the engines imported."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lettre.stamps import RACY_NS, STAMP, Seen, fingerprint
from tests.conftest import ISSUE, PROJECT, Lettre, Newsletter

FOLDER = "bulletins/2025-06-13"
HEAVY = ("weasyprint", "mjml", "PIL", "jinja2", "pydantic", "babel", "markdown_it", "nh3")


def settle(out: Path) -> None:
    """Date the stamp a minute ahead: every input is then older than its stamp by more than
    the racy window, so only the stat fingerprint decides (no rehash 'just in case')."""
    ahead = time.time_ns() + 60 * 10**9
    for path in (out / "2025-06-13" / STAMP, out / ".cache/publication.json"):
        if path.exists():
            os.utime(path, ns=(ahead, ahead))


def same_size_same_time(path: Path, old: bytes, new: bytes) -> None:
    """Replace `old` by `new` (as long) in `path`, in place, and put its times back."""
    status = path.stat()
    data = path.read_bytes()
    assert len(old) == len(new) and old in data
    with path.open("r+b") as handle:  # the same file (inode), as an editor saving in place
        handle.write(data.replace(old, new, 1))
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (status.st_size, status.st_mtime_ns)


@pytest.mark.parametrize(
    ("name", "old", "new"),
    [
        (ISSUE, b"Une nouvelle", b"Une nouveau!"),
        ("publication.yaml", b"Lettre de test", b"Lettre de tost"),
        (f"{FOLDER}/images/photo.jpg", None, None),
    ],
)
def test_a_change_with_size_and_time_put_back_is_rebuilt(
    newsletter: Newsletter, lettre: Lettre, tmp_path: Path, name: str, old: bytes | None,
    new: bytes | None,
) -> None:  # fmt: skip
    root, out = newsletter(), tmp_path / "dist"
    assert lettre("build", "--out", out, repo=root).exit_code == 0
    settle(out)
    unchanged = lettre("build", "--out", out, repo=root)
    assert unchanged.exit_code == 0 and "0 built, 1 unchanged" in unchanged.output
    path = root / name
    if old is None:  # a byte of the photo's tail (after its image data): still a valid JPEG
        data = path.read_bytes()
        old, new = data[-3:-2], bytes([data[-3] ^ 0x01])
        old, new = data[-3:], new + data[-2:]
    same_size_same_time(path, old, new)
    rebuilt = lettre("build", "--out", out, repo=root)
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "1 built, 0 unchanged" in rebuilt.output


def test_a_template_override_changed_in_place_is_rebuilt(
    newsletter: Newsletter, lettre: Lettre, tmp_path: Path
) -> None:
    root, out = newsletter(), tmp_path / "dist"
    (root / "templates").mkdir()
    shipped = PROJECT / "src/lettre/templates/email.txt.j2"
    (root / "templates/email.txt.j2").write_text(shipped.read_text() + "\n{# aaaa #}\n")
    assert lettre("build", "--out", out, repo=root).exit_code == 0
    settle(out)
    same_size_same_time(root / "templates/email.txt.j2", b"aaaa", b"bbbb")
    assert "1 built" in lettre("build", "--out", out, repo=root).output
    (root / "templates/new.j2").write_text("{# a new file of the override folder #}\n")
    assert "1 built" in lettre("build", "--out", out, repo=root).output


def test_a_file_changed_in_its_stamps_clock_tick_is_hashed_again(tmp_path: Path) -> None:
    """Racy: the stat fingerprint cannot tell a change made in the tick the file was seen
    in; such a file is hashed again, a settled one is not."""
    path = tmp_path / "issue.yaml"
    path.write_text("date: 2025-06-13\n")
    status = path.stat()
    stale = Seen(status.st_size, status.st_mtime_ns, "0" * 64, status.st_ctime_ns, status.st_ino)
    written = time.time_ns()  # the stamp was written now: the file is within its tick
    racy_after = written - RACY_NS
    _, seen = fingerprint({"issue/issue.yaml": path}, {}, {"issue/issue.yaml": stale}, racy_after)
    assert seen["issue/issue.yaml"].sha256 != "0" * 64  # hashed again, the truth found
    later = written + 2 * RACY_NS - RACY_NS  # written long after: the stat is trusted
    _, seen = fingerprint({"issue/issue.yaml": path}, {}, {"issue/issue.yaml": stale}, later)
    assert seen["issue/issue.yaml"] == stale


def test_a_folder_replaced_by_a_link_out_of_the_repository_is_not_read(
    newsletter: Newsletter, lettre: Lettre, tmp_path: Path
) -> None:
    root, out = newsletter(), tmp_path / "dist"
    assert lettre("build", "--out", out, repo=root).exit_code == 0
    settle(out)
    images = root / FOLDER / "images"
    outside = tmp_path / "outside"
    shutil.copytree(images, outside)
    shutil.rmtree(images)
    images.symlink_to(outside, target_is_directory=True)
    result = lettre("build", "--out", out, repo=root)
    assert result.exit_code == 1
    assert f"{ISSUE}:" in result.output and "outside the newsletter repository" in result.output


def test_a_publication_broken_after_a_build_is_still_refused(
    newsletter: Newsletter, lettre: Lettre, tmp_path: Path
) -> None:
    root, out = newsletter(), tmp_path / "dist"
    assert lettre("build", "--out", out, repo=root).exit_code == 0
    settle(out)
    publication = root / "publication.yaml"
    publication.write_text(publication.read_text().replace("name: Lettre", "nme: Lettre"))
    result = lettre("build", "--out", out, repo=root)
    assert result.exit_code == 1
    assert "publication.yaml:1:1: nme: unknown field" in result.output


@pytest.mark.parametrize(
    "cache", ["kept", "{not json", '{"key": [], "notes": [[1, 2]]}', "[]", None], ids=str
)
def test_publication_warnings_are_said_on_a_no_op_and_a_bad_cache_is_ignored(
    newsletter: Newsletter, lettre: Lettre, tmp_path: Path, cache: str | None
) -> None:
    """publication.yaml's warnings are said again on a no-op, word for word (their place,
    "sender › email", and their [code] included), from out/.cache, or from publication.yaml
    when the cache is damaged or a link."""
    root, out = newsletter(), tmp_path / "dist"
    publication = root / "publication.yaml"
    text = publication.read_text().replace("test@lettre.test", "lettre@example.org")
    publication.write_text(text + "unsubscribe: mailto:stop@example.org\n")
    first = lettre("build", "--out", out, repo=root)
    settle(out)
    warnings = [line for line in first.output.splitlines() if "publication.yaml" in line]
    saved = out / ".cache/publication.json"
    assert saved.is_file()
    if cache is None:  # a link where the cache was: never followed
        saved.unlink(missing_ok=True)
        saved.parent.mkdir(exist_ok=True)
        saved.symlink_to(publication)
    elif cache != "kept":
        saved.write_text(cache)
    again = lettre("build", "--out", out, repo=root)
    assert again.exit_code == first.exit_code and "1 unchanged" in again.output
    assert [line for line in again.output.splitlines() if "publication.yaml" in line] == warnings
    assert any("warning: unsubscribe: only a mailto: link" in w for w in warnings), warnings
    assert any(w.endswith("[example-sender]") and " › " in w for w in warnings), warnings
    assert "Traceback" not in again.output and publication.read_text().endswith("org\n")


def test_publication_warnings_are_said_in_the_language_asked_on_a_no_op(
    newsletter: Newsletter, lettre: Lettre, tmp_path: Path
) -> None:
    """The warnings are cached as they were said: in another language the next time, they
    are read again from publication.yaml, in that language."""
    from click.testing import CliRunner

    root, out = newsletter(), tmp_path / "dist"
    publication = root / "publication.yaml"
    publication.write_text(publication.read_text() + "unsubscribe: mailto:stop@example.org\n")
    assert lettre("build", "--out", out, repo=root).exit_code == 0
    settle(out)
    french = Lettre(CliRunner(env={"NO_COLOR": "1", "LC_ALL": "fr_FR.UTF-8"}))
    again = french("build", "--out", out, repo=root)
    assert "inchangés\xa0: 1" in again.output, again.output
    said = [line for line in again.output.splitlines() if "publication.yaml" in line]
    assert said and all("seulement un lien mailto" in line for line in said), said


NO_OP = """
import sys
from lettre.cli import cli
try:
    cli(["--repo", sys.argv[1], "build", "--out", sys.argv[2]])
except SystemExit as end:
    assert not end.code, end.code
print(sorted({m.split(".")[0] for m in sys.modules} & set(sys.argv[3].split(","))))
"""


def test_a_no_op_rebuild_imports_no_engine(
    newsletter: Newsletter, lettre: Lettre, tmp_path: Path
) -> None:
    root, out = newsletter(), tmp_path / "dist"
    assert lettre("build", "--out", out, repo=root).exit_code == 0
    settle(out)
    run = subprocess.run(
        [sys.executable, "-c", NO_OP, str(root), str(out), ",".join(HEAVY)],
        capture_output=True, text=True, cwd=PROJECT, timeout=300, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "0 built, 1 unchanged" in run.stdout
    assert run.stdout.splitlines()[-1] == "[]"


WARM = """
import json, sys
from pathlib import Path
from lettre import pipeline
from lettre.options import Options
from lettre.repo import Repository
building = pipeline.run
def run(job):  # in the worker, before anything of the issue
    Path(sys.argv[3]).write_text(json.dumps(sorted(m for m in sys.argv[4].split(",") if m in sys.modules)))
    return building(job)
pipeline.run = run
[outcome] = pipeline.build_all(Repository(Path(sys.argv[1])), [Path(sys.argv[1]) / "bulletins/2025-06-13"], Path(sys.argv[2]), Options())
assert outcome.status == "built", outcome
"""


def test_every_worker_starts_with_the_engines_imported(
    newsletter: Newsletter, tmp_path: Path
) -> None:
    root, seen = newsletter(), tmp_path / "seen.json"
    engines = ("weasyprint", "mjml", "PIL", "jinja2", "pydantic")
    run = subprocess.run(
        [sys.executable, "-c", WARM, str(root), str(tmp_path / "dist"), str(seen), ",".join(engines)],
        capture_output=True, text=True, cwd=PROJECT, timeout=300, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert json.loads(seen.read_text()) == sorted(engines)


@pytest.mark.parametrize(
    "entry",
    [[1, 2, "abc", "ctime", 4], [1, 2, "abc", 3], [1, 2, "abc", 3, True], [1, 2, "abc", 3, 4, 5]],
    ids=str,
)
def test_a_stamp_with_odd_stat_fields_is_damaged_and_named(
    newsletter: Newsletter, lettre: Lettre, tmp_path: Path, entry: list[object]
) -> None:
    root, out = newsletter(), tmp_path / "dist"
    assert lettre("build", "--out", out, repo=root).exit_code == 0
    stamp = out / "2025-06-13" / STAMP
    data = json.loads(stamp.read_text())
    data["inputs"]["issue/issue.yaml"] = entry
    stamp.write_text(json.dumps(data))
    result = lettre("build", "--out", out, repo=root)
    assert result.exit_code == 1
    assert f"{stamp}: damaged (inputs: 'issue/issue.yaml' is not" in result.output
    assert "delete this file and build again" in result.output
