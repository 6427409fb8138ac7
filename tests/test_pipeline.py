"""Building many issues: incremental, parallel, locked; publishing, verifying, the archive."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from lettre import output, pipeline
from lettre.output import MARKER
from lettre.pipeline import LOCK
from lettre.stamps import STAMP
from lettre.workers import SCRATCH
from tests.conftest import DAYS, ISSUE, Lettre, Newsletter, copies_of


def year(newsletter: Newsletter) -> Path:
    """The minimal newsletter with three issues."""
    return copies_of(newsletter())


def statuses(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("bulletins/")]


def test_an_unchanged_issue_is_not_built_again(newsletter: Newsletter, lettre: Lettre) -> None:
    root = year(newsletter)
    first = lettre("build", repo=root)
    assert first.exit_code == 0 and first.stdout.endswith("3 built, 0 unchanged, 0 failed.\n")
    pdf = root / "dist/2025-06-13/lettre-de-test-2025-06-13.pdf"
    before = pdf.stat().st_mtime_ns
    again = lettre("build", repo=root)
    assert again.stdout.endswith("0 built, 3 unchanged, 0 failed.\n")
    assert pdf.stat().st_mtime_ns == before

    photo = root / "bulletins/2025-06-06/images/photo.jpg"
    photo.write_bytes(photo.read_bytes() + b"\0")  # the same picture, other bytes
    assert lettre("build", repo=root).stdout.endswith("1 built, 2 unchanged, 0 failed.\n")

    (root / "templates/email").mkdir(parents=True)
    (root / "templates/email/footer.mjml.j2").write_text(
        "<mj-section><mj-column><mj-text>Autre pied</mj-text></mj-column></mj-section>"
    )
    assert lettre("build", repo=root).stdout.endswith("3 built, 0 unchanged, 0 failed.\n")
    assert lettre("build", "--force", repo=root).stdout.endswith(
        "3 built, 0 unchanged, 0 failed.\n"
    )
    (root / "dist/2025-05-30/lettre-de-test-2025-05-30.txt").unlink()  # an output lost
    assert lettre("build", repo=root).stdout.endswith("1 built, 2 unchanged, 0 failed.\n")


def test_issues_are_numbered_once_for_the_whole_build(
    newsletter: Newsletter, lettre: Lettre, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The build reads every issue's number once and gives them to its workers (and to the
    work done ahead): a worker that read them again would read every issue.yaml for each
    issue built, quadratic in the archive. The numbers are still each issue's: its
    errors about a number twice still name the other issue."""
    from lettre.repo import Repository

    root = year(newsletter)
    issue = root / "bulletins/2025-06-06/issue.yaml"
    issue.write_text(issue.read_text().replace("date:", "number: 1\ndate:", 1))
    calls = tmp_path / "calls"
    reading = Repository.numbers

    def numbers(self: Repository) -> dict[str, int]:
        with calls.open("a") as told:  # from whichever process reads them
            told.write(f"{os.getpid()}\n")
        return reading(self)

    monkeypatch.setattr(Repository, "numbers", numbers)
    result = lettre("build", repo=root)
    assert calls.read_text().splitlines() == [str(os.getpid())]  # the build's, and only once
    told = result.stdout + result.stderr
    assert "1 built, 0 unchanged, 2 failed." in told
    for issue, other in (("2025-05-30", "2025-06-06"), ("2025-06-06", "2025-05-30")):
        where = f"bulletins/{issue}/issue.yaml:1:"
        assert f"n° 1 is also the number of bulletins/{other}" in told.split(where)[1], told


def test_the_work_done_ahead_numbers_no_issue_again(
    newsletter: Newsletter, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The photos made ahead (while a cold build imports the engines) load each issue with
    the build's numbers too: the build above imports WeasyPrint in this process, where the
    work ahead is then skipped, so it is called here directly."""
    from lettre import images
    from lettre.options import Options
    from lettre.repo import Repository

    root, out = year(newsletter), tmp_path / "out"
    numbers = Repository(root).numbers()
    read: list[int] = []
    monkeypatch.setattr(Repository, "numbers", lambda self: read.append(1) or numbers)
    jobs = [
        pipeline.Job(root, root / "bulletins" / day, out, Options(), "", {}, None, numbers=numbers)
        for day in DAYS
    ]
    pipeline._make_images(jobs, None)
    assert read == []
    assert list(images.variant_cache(out).iterdir())  # their photo made (the same in each)


def test_a_no_op_rebuild_does_not_import_weasyprint(newsletter: Newsletter, lettre: Lettre) -> None:
    root = year(newsletter)
    assert lettre("build", repo=root).exit_code == 0
    code = (
        "import sys\nfrom lettre.cli import cli\n"
        f"try:\n    cli(['--repo', {str(root)!r}, 'build'])\nexcept SystemExit as end:\n    assert end.code == 0, end.code\n"
        "print('weasyprint' in sys.modules)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.splitlines()[-1] == "False"
    assert "0 built, 3 unchanged" in run.stdout


FIRST_LAYOUT = """
import sys, tempfile
from pathlib import Path
import cffi.api
from lettre.pipeline import warm_engines
warm_engines()
if sys.argv[1] == "warm":
    from lettre.pdf import warm
    warm()
missed, typeof = [], cffi.api.FFI._typeof_locked
def counted(self, cdecl):
    missed.append(cdecl)
    return typeof(self, cdecl)
cffi.api.FFI._typeof_locked = counted
from lettre.build import _print_edition
from lettre.load import load_issue, load_publication
from lettre.repo import Repository
repo = Repository(Path(sys.argv[2]))
loaded = load_issue(repo, repo.bulletins / "2025-06-13", load_publication(repo).value).value
_print_edition(loaded, repo, Path(tempfile.mkdtemp()), marks=False)
print("\\n".join(missed))
"""


def test_the_engines_first_use_is_made_once_before_the_workers_fork(tmp_path: Path) -> None:
    """A worker is forked for each issue: what WeasyPrint makes on its first layout (cffi's
    parsed C types above all) it made again for every issue, unless lettre.pdf.warm made it
    in the process they are forked from (a year, the preview). After it, a worker's print
    edition parses no C type but the arrays sized by its own glyph count. (That a warmed
    build gives the same bytes: test_parallel_builds_give_the_same_bytes, whose --jobs 1
    build of three issues is warmed and --jobs 2 is not.)"""
    from tests.conftest import PROJECT

    def missed(mode: str) -> list[str]:
        command = [sys.executable, "-c", FIRST_LAYOUT, mode, str(PROJECT)]
        run = subprocess.run(command, capture_output=True, text=True, check=True, cwd=tmp_path)
        return [line for line in run.stdout.splitlines() if line]

    sized = r"hb_codepoint_t\[\d+\]"
    assert [t for t in missed("cold") if not re.fullmatch(sized, t)]  # the test sees them
    assert [t for t in missed("warm") if not re.fullmatch(sized, t)] == []


def test_the_engines_are_warmed_when_several_issues_share_a_worker(
    newsletter: Newsletter, lettre: Lettre, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Warming costs about two workers' first layouts: done when more issues than twice the
    workers are built (a year), not for one issue (lettre build bulletins/DATE)."""
    root, warmed = year(newsletter), list[int]()
    monkeypatch.setattr("lettre.pdf.warm", lambda *_shared: warmed.append(1))
    one = root / "bulletins/2025-06-13"
    assert lettre("build", str(one), "--out", str(tmp_path / "a"), repo=root).exit_code == 0
    assert warmed == []
    assert lettre("build", "--jobs", "1", "--out", str(tmp_path / "b"), repo=root).exit_code == 0
    assert warmed == [1]


def test_a_warm_up_that_fails_is_only_a_saving_lost(
    newsletter: Newsletter, lettre: Lettre, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """lettre.pdf.warm only saves the workers some work: should it fail, every issue is
    still built, the same."""
    from lettre import pdf

    def broken(*_shared: object) -> None:
        raise RuntimeError("a warm-up that fails")

    root = year(newsletter)
    monkeypatch.setattr(pdf, "_warm", broken)
    result = lettre("build", "--jobs", "1", "--out", str(tmp_path / "a"), repo=root)
    assert result.exit_code == 0 and "3 built" in result.output, result.output


def test_the_workers_find_print_css_parsed_for_them(
    newsletter: Newsletter, lettre: Lettre, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A warmed build parses print.css once, its fonts loaded, in the process the workers
    are forked from (lettre.pdf.share): the very text each worker renders, the print shop's
    copy's too when asked, so that each finds it by that text. Its fonts' folder goes with
    the build. (The same bytes: test_parallel_builds_give_the_same_bytes, whose --jobs 1
    build shares it and --jobs 2 does not.)"""
    from lettre import pdf
    from lettre.build import print_sources
    from lettre.load import load_issue, load_publication
    from lettre.repo import Repository

    root, shared = year(newsletter), list[list[str]]()
    warm = pdf.warm
    monkeypatch.setattr(pdf, "warm", lambda css, folder: shared.append(css) or warm(css, folder))
    out = tmp_path / "out"
    result = lettre("build", "--jobs", "1", "--print-marks", "--out", str(out), repo=root)
    assert result.exit_code == 0, result.output
    repo = Repository(root)
    loaded = load_issue(repo, repo.bulletins / "2025-06-13", load_publication(repo).value).value
    assert loaded
    rendered = [print_sources(loaded, repo, tmp_path, marks=m)[1] for m in (False, True)]
    assert shared == [rendered]
    assert not list(out.glob(f"{SCRATCH}*")) and not pdf._SHARED


def test_one_failing_issue_does_not_stop_the_others(newsletter: Newsletter, lettre: Lettre) -> None:
    root = year(newsletter)
    broken = root / "bulletins/2025-06-06/issue.yaml"
    broken.write_text(
        broken.read_text().replace("summary: Un résumé court.", "sumary: Un résumé court.")
    )
    result = lettre("build", repo=root)
    assert result.exit_code == 1
    assert (
        "bulletins/2025-06-06/issue.yaml:4:5: Headlines, 1st item “Une nouvelle” › sumary: unknown field; did you mean 'summary'?"
        in result.stderr
    )
    assert "bulletins/2025-06-06: failed: the issue has errors" in result.stderr
    assert result.stderr.endswith("2 built, 0 unchanged, 1 failed. Failed: 2025-06-06.\n")
    assert (root / "dist/2025-06-13/lettre-de-test-2025-06-13.pdf").is_file()
    assert not (root / "dist/2025-06-06").exists()


def test_parallel_builds_give_the_same_bytes(
    newsletter: Newsletter, lettre: Lettre, tmp_path: Path
) -> None:
    root = year(newsletter)
    assert lettre("build", "--jobs", "2", "--out", str(tmp_path / "a"), repo=root).exit_code == 0
    assert lettre("build", "--jobs", "1", "--out", str(tmp_path / "b"), repo=root).exit_code == 0
    for day in DAYS:
        for path in sorted((tmp_path / "a" / day).rglob("*")):
            if path.is_file() and path.name != STAMP:
                assert (
                    path.read_bytes()
                    == (tmp_path / "b" / day / path.relative_to(tmp_path / "a" / day)).read_bytes()
                )


def test_a_second_build_on_the_same_output_is_refused(
    newsletter: Newsletter, lettre: Lettre
) -> None:
    root = newsletter()
    (root / "dist").mkdir()
    with (root / "dist/.lettre.lock").open("a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        held.write("pid 4242")
        held.flush()
        result = lettre("build", repo=root)
    assert result.exit_code == 1
    assert (
        result.stderr
        == f"Error: another lettre build (pid 4242) is writing {root / 'dist'}; wait for it to end\n"
    )
    assert lettre("build", repo=root).exit_code == 0  # released


def test_temporaries_of_an_interrupted_build_are_removed(
    newsletter: Newsletter, lettre: Lettre
) -> None:
    root = newsletter()
    stale = root / "dist/2025-06-13/.lettre-de-test-2025-06-13.pdf.abc123.tmp"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"%PDF-1.7 half")
    assert lettre("build", repo=root).exit_code == 0
    assert not stale.exists()


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="names descriptors by /proc")
def test_outputs_are_forced_to_the_disk_cache_entries_are_not(
    newsletter: Newsletter, lettre: Lettre, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every file of an issue's build is synced before its rename (a power cut leaves it
    whole, or as it was); an entry of out/.cache is not, since its reader verifies it and
    makes it again (image_cache.read_variant, read_check): 18 of an issue of six photos'
    30 syncs, each a wait for the disk. The workers inherit the spy: it logs the files
    synced."""
    synced = tmp_path / "synced"
    fsync = os.fsync

    def logged(descriptor: int) -> None:
        with synced.open("a") as log:
            log.write(f"{Path(f'/proc/self/fd/{descriptor}').readlink()}\n")
        fsync(descriptor)

    monkeypatch.setattr(os, "fsync", logged)
    root = newsletter()
    assert lettre("build", repo=root).exit_code == 0
    names = {Path(line).name.rsplit(".", 2)[0][1:] for line in synced.read_text().splitlines()}
    issue = root / "dist/2025-06-13"
    made = {p.name for p in issue.rglob("*") if p.is_file()}
    assert made and made <= names, made - names
    cache = [p for p in (root / "dist/.cache").rglob("*") if p.is_file()]
    assert any(p.parent.name == "images" for p in cache)
    assert any(p.parent.name == "checks" for p in cache)
    assert not {p.name for p in cache if p.parent.name in ("images", "checks")} & names


def test_the_archive(newsletter: Newsletter, lettre: Lettre) -> None:
    root = year(newsletter)
    assert lettre("build", repo=root).exit_code == 0
    result = lettre("archive", "--drafts", repo=root)  # built, not published: drafts
    assert result.stdout == (
        "dist/index.html\ndist/search.js\ndist/feed.xml\ndist/manifest.json\ndist/SHA256SUMS\n"
    )
    dist = root / "dist"
    check = subprocess.run(
        ["sha256sum", "-c", "SHA256SUMS"], cwd=dist, capture_output=True, text=True
    )
    assert check.returncode == 0 and check.stdout.count(": OK") == 18

    manifest = json.loads((dist / "manifest.json").read_text())
    assert [i["date"] for i in manifest["issues"]] == list(reversed(DAYS))
    assert [i["number"] for i in manifest["issues"]] == [3, 2, 1]
    first = manifest["issues"][0]["files"]
    assert {f["path"] for f in first} >= {
        "2025-06-13/lettre-de-test-2025-06-13.pdf",
        "2025-06-13/lettre-de-test-2025-06-13.eml",
    }

    atom = "{http://www.w3.org/2005/Atom}"
    feed = ET.parse(dist / "feed.xml").getroot()
    assert (
        feed.tag == f"{atom}feed"
        and feed.find(f"{atom}id") is not None
        and feed.find(f"{atom}updated") is not None
    )
    assert feed.findall(f"{atom}entry") == []  # drafts: never in the feed

    index = (dist / "index.html").read_text()
    assert index.index("2025-06-13/lettre-de-test-2025-06-13.html") < index.index(
        "2025-05-30/lettre-de-test-2025-05-30.html"
    )
    assert "<h2>2025</h2>" in index and "Une nouvelle" in index


def test_archive_search_works_offline_in_a_browser(
    newsletter: Newsletter, lettre: Lettre, browser: object
) -> None:
    root = year(newsletter)
    first = root / "bulletins/2025-05-30/issue.yaml"
    first.write_text(
        first.read_text().replace("title: Une nouvelle", "title: Exercice Cimes en montagne")
    )
    lettre("build", repo=root)
    lettre("archive", "--drafts", repo=root)
    for width in (375, 1280):
        page = browser.new_page(viewport={"width": width, "height": 900})  # type: ignore[attr-defined]
        page.goto((root / "dist/index.html").as_uri())
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.fill("#search", "cimes montagne")
        shown = "[...document.querySelectorAll('li.issue')].filter(e => !e.hidden).map(e => e.dataset.date)"
        # the index (search.js) loads on the first search: wait for it, not for a clock
        page.wait_for_function("document.documentElement.dataset.index === 'loaded'")
        assert page.evaluate(shown) == ["2025-05-30"]
        page.fill("#search", "introuvable")
        assert page.is_visible("#none")
        page.close()


def test_publish_guard_republish_and_verify(newsletter: Newsletter, lettre: Lettre) -> None:
    root = newsletter()
    assert lettre("publish", str(root / "bulletins/2025-06-13"), repo=root).exit_code == 0
    record = json.loads((root / "bulletins/2025-06-13/published.json").read_text())
    assert set(record) == {"published", "lettre", "options", "inputs", "files", "warnings"}
    assert (
        record["files"]["lettre-de-test-2025-06-13.pdf"]
        == __import__("hashlib")
        .sha256((root / "dist/2025-06-13/lettre-de-test-2025-06-13.pdf").read_bytes())
        .hexdigest()
    )
    assert (
        lettre("publish", str(root / "bulletins/2025-06-13"), repo=root).exit_code == 1
    )  # once only
    assert lettre("verify", repo=root).stdout.endswith(
        "1 published issue verified: all identical.\n"
    )

    issue = root / ISSUE
    issue.write_text(issue.read_text().replace("Un chapô.", "Un chapô corrigé."))
    pdf = root / "dist/2025-06-13/lettre-de-test-2025-06-13.pdf"
    published_pdf = pdf.read_bytes()
    refused = lettre("build", repo=root)
    assert refused.exit_code == 1
    assert "bulletins/2025-06-13 was published on" in refused.stderr
    assert "(changed since: issue/issue.yaml). Nothing was written." in refused.stderr
    assert pdf.read_bytes() == published_pdf
    verified = lettre("verify", repo=root)
    assert verified.exit_code == 1 and "differs: lettre-de-test-2025-06-13.pdf" in verified.stderr

    assert lettre("build", "--republish", repo=root).exit_code == 2  # a reason is required
    assert (
        lettre("build", "--republish", "--reason", "Chapô corrigé", repo=root).exit_code == 2
    )  # which issue?
    issue_folder = str(root / "bulletins/2025-06-13")
    assert (
        lettre(
            "build", issue_folder, "--republish", "--reason", "Chapô corrigé", repo=root
        ).exit_code
        == 0
    )
    assert (root / "dist/2025-06-13/lettre-de-test-2025-06-13-v1.pdf").read_bytes() == published_pdf
    record = json.loads((root / "bulletins/2025-06-13/published.json").read_text())
    assert record["reason"] == "Chapô corrigé" and record["history"][0]["version"] == 1
    assert lettre("verify", repo=root).exit_code == 0


SLOW_DISK = r"""
import builtins, io, os, signal, sys, time
out, counter, fatal = os.path.realpath(sys.argv[1]), sys.argv[2], int(sys.argv[3])
real_open = io.open


class Slow:  # a slow disk, 4 kB at a time; the fatal-th write into out is cut halfway
    # by kill -9 of the build's process group: the build and every worker at once

    def __init__(self, file):
        self.file = file

    def __getattr__(self, name):
        return getattr(self.file, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.file.close()

    def write(self, data):
        data = bytes(data)
        self.file.write(data[: len(data) // 2])
        self.file.flush()
        if _count() == fatal:
            os.killpg(0, signal.SIGKILL)
        for start in range(len(data) // 2, len(data), 4096):
            self.file.write(data[start : start + 4096])
            self.file.flush()
            time.sleep(0.001)
        return len(data)


def _count():
    handle = os.open(counter, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    os.write(handle, b"w")
    count = os.fstat(handle).st_size
    os.close(handle)
    return count


def slow_open(file, mode="r", *args, **kwargs):
    opened = real_open(file, mode, *args, **kwargs)
    name = os.readlink(f"/proc/self/fd/{opened.fileno()}")
    writing = "b" in mode and ("w" in mode or "x" in mode)
    return Slow(opened) if writing and name.startswith(out + os.sep) else opened


real_fdopen = os.fdopen


def slow_fdopen(descriptor, mode="r", *args, **kwargs):  # output.py writes through it
    opened = real_fdopen(descriptor, mode, *args, **kwargs)
    name = os.readlink(f"/proc/self/fd/{descriptor}")
    writing = "b" in mode and ("w" in mode or "x" in mode)
    return Slow(opened) if writing and name.startswith(out + os.sep) else opened


io.open = builtins.open = slow_open
os.fdopen = slow_fdopen
from lettre.cli import cli
cli(sys.argv[4:], prog_name="lettre")
"""


def test_kill_9_of_the_whole_build_leaves_only_complete_files(
    newsletter: Newsletter, lettre: Lettre, tmp_path: Path
) -> None:
    """Kill the build and all its workers (its process group) in the middle of a write, the
    n-th for varied n, then at random moments: every file left is whole (only temporaries
    are cut), and the next build heals. Fails if output.write_atomic writes in place."""
    root = year(newsletter)
    reference = tmp_path / "reference"
    assert lettre("build", "--out", str(reference), repo=root).exit_code == 0
    complete = {
        p.relative_to(reference): p.read_bytes()
        for p in reference.rglob("*")
        if p.is_file() and p.name != STAMP
    }
    out = tmp_path / "dist"
    rng = random.Random(7)

    def slow_build(fatal: int) -> subprocess.Popen[bytes]:
        counter = tmp_path / f"writes-{fatal}-{rng.random()}"
        return subprocess.Popen(
            [sys.executable, "-c", SLOW_DISK, str(out), str(counter), str(fatal),
             "--repo", str(root), "build", "--force", "--out", str(out), "--jobs", "1" if fatal else "2"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip

    started = time.monotonic()  # how long a whole build takes here, to kill within it
    assert slow_build(-1).wait(timeout=600) == 0
    whole = time.monotonic() - started
    interrupted = 0
    for fatal in (1, 3, 5, 7, 10, 13, 16, 19, 0, 0, 0, 0):
        build = slow_build(fatal)
        if not fatal:
            time.sleep(rng.uniform(0.1, 0.7) * whole)
            os.killpg(build.pid, signal.SIGKILL)
        end = build.wait(timeout=600)
        assert end == -signal.SIGKILL or (not fatal and end == 0), f"write {fatal} never came"
        interrupted += end == -signal.SIGKILL
        _wait_for_the_lock(out)  # the workers, killed with it, may take a moment to be gone
        for path in out.rglob("*"):
            name = path.relative_to(out)  # lettre's own records and temporaries start with '.'
            if path.is_file() and not any(part.startswith(".") for part in name.parts):
                assert path.read_bytes() == complete[name], path
    assert interrupted >= 10  # the 8 fatal writes, and most of the kills from outside
    healed = lettre("build", "--out", str(out), repo=root)
    assert healed.exit_code == 0, healed.output
    assert not list(out.rglob(".*.tmp")) and not list(out.glob(f"{SCRATCH}*"))
    for name, data in complete.items():
        assert (out / name).read_bytes() == data


def test_every_file_is_written_by_a_process_that_holds_the_lock(
    newsletter: Newsletter, lettre: Lettre, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each write into the output folder checks, in the process that makes it, that the lock
    is taken (a fresh open of it cannot take it) and that this process holds it (its own
    descriptor of the lock can). Fails if a worker closes the lock, or a build takes none."""
    root, log = year(newsletter), tmp_path / "writes.jsonl"
    out = root / "dist"

    temporary = output._temporary  # every file lettre writes goes through it

    def holding(path: Path, data: bytes | str, **options: bool) -> Path:
        if out in path.parents:
            lock = out / LOCK
            mine = []
            for fd in Path("/proc/self/fd").iterdir():
                with contextlib.suppress(OSError):
                    if fd.readlink() == lock:
                        mine.append(int(fd.name))
            with lock.open("a+") as probe:
                taken = not _can_lock(probe.fileno())
            held = taken and any(_can_lock(fd) for fd in mine)
            with log.open("a") as record:
                record.write(json.dumps([os.getpid(), str(path), taken, held]) + "\n")
        return temporary(path, data, **options)

    monkeypatch.setattr(output, "_temporary", holding)
    assert lettre("build", "--jobs", "2", repo=root).exit_code == 0
    writes = [json.loads(line) for line in log.read_text().splitlines()]
    # the build itself writes only the output folder's marker (output.mark) and the cache of
    # publication.yaml's warnings, under its lock; every file of an issue is written by its
    # worker, one per issue (and the photos' variants in the cache by the child that decodes
    # them for their check: images.made_when_checked)
    own = {Path(path).name for pid, path, *_ in writes if pid == os.getpid()}
    assert own <= {MARKER, pipeline.NOTES}
    issues = {pid for pid, path, *_ in writes if out / ".cache" not in Path(path).parents}
    assert len(issues - {os.getpid()}) == 3
    assert len(writes) >= 3 * 6
    assert [w for w in writes if not (w[2] and w[3])] == []


def _wait_for_the_lock(out: Path) -> None:
    with (out / LOCK).open("a+") as lock:
        for _ in range(60_000):
            if _can_lock(lock.fileno()):
                return
            time.sleep(0.001)
    raise AssertionError("the lock is still held a minute after the build was killed")


def _can_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def test_an_output_folder_inside_bulletins_is_refused(
    newsletter: Newsletter, lettre: Lettre
) -> None:
    root = newsletter()
    result = lettre("build", "--out", str(root / "bulletins"), repo=root)
    assert result.exit_code == 2 and "cannot be inside bulletins/" in result.stderr
    assert (root / "bulletins/2025-06-13/images/photo.jpg").is_file()


def test_what_else_makes_an_issue_stale(newsletter: Newsletter, lettre: Lettre) -> None:
    root = year(newsletter)
    assert lettre("build", repo=root).exit_code == 0
    first = root / "bulletins/2025-05-30/issue.yaml"
    first.write_text(first.read_text().replace("date: 2025-05-30", "date: 2025-05-30\nnumber: 9"))
    # every later issue takes its number from the first one: all three are rebuilt
    assert lettre("build", repo=root).stdout.endswith("3 built, 0 unchanged, 0 failed.\n")
    (root / "dist/2025-06-06/lettre-de-test-2025-06-06.html").write_text("")
    assert lettre("build", repo=root).stdout.endswith("1 built, 2 unchanged, 0 failed.\n")


def test_the_archive_refuses_issues_built_from_older_sources(
    newsletter: Newsletter, lettre: Lettre
) -> None:
    root = newsletter()
    assert lettre("build", repo=root).exit_code == 0
    (root / ISSUE).write_text(
        (root / ISSUE).read_text().replace("Une nouvelle", "Une autre nouvelle")
    )
    result = lettre("archive", repo=root)
    assert result.exit_code == 1
    assert "built from older sources: bulletins/2025-06-13; run lettre build first" in result.stderr


def test_the_archive_says_what_it_leaves_out(newsletter: Newsletter, lettre: Lettre) -> None:
    root = year(newsletter)
    assert lettre("build", repo=root).exit_code == 0
    shutil.rmtree(root / "bulletins/2025-06-13")  # the last: the others keep their numbers
    result = lettre("archive", repo=root)
    assert result.exit_code == 0, result.output
    gone = "warning: dist/2025-06-13: left out of the archive: its issue folder is gone"
    assert gone in result.stderr
