"""A cold build (a fresh process): the photos are made ready while the engines are imported.

Each test runs lettre in a fresh interpreter (where WeasyPrint is not imported yet), since
that is the case it is about; pytest's own process has imported everything long ago.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lettre import workers
from tests.conftest import ISSUE, PROJECT, Newsletter

FOLDER = "bulletins/2025-06-13"
EDITIONS = (".pdf", ".html", ".txt", ".eml", ".jpg", ".png")

BUILD = """
import json, sys, time
from pathlib import Path

import pytest
from lettre import images, pipeline
from lettre.options import Options
from lettre.repo import Repository
root, out, seen, how = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
if how == "warm":
    import weasyprint  # the engines imported already (the preview's process)
import jinja2
compiling, calls = jinja2.Environment.compile, []
def compile(*args, **kwargs):  # in this process and the worker: the templates they compile
    calls.append("compile")
    return compiling(*args, **kwargs)
jinja2.Environment.compile = compile
warming = pipeline.warm_engines
def warm(*args):  # as on an idle machine: the work ahead is done before the engines are imported
    deadline = time.monotonic() + 120
    while how == "cold" and len(list(out.glob(".cache/images/*"))) < 2:
        assert time.monotonic() < deadline, "the photo was never made ahead"
        time.sleep(0.05)
    warming(*args)
pipeline.warm_engines = warm
building = pipeline.run
def run(job):  # in the worker: which image work it does itself
    for name in ("each_within_time", "_make_variant"):
        def spy(*args, real=getattr(images, name), name=name):
            calls.append(name)
            return real(*args)
        setattr(images, name, spy)
    outcome = building(job)
    seen.write_text(json.dumps(calls))
    return outcome
pipeline.run = run
[outcome] = pipeline.build_all(Repository(root), [root / "{folder}"], out, Options())
print(json.dumps([outcome.status, outcome.error, [str(p) for p in outcome.problems]]))
"""


def build(root: Path, out: Path, how: str) -> tuple[list[object], list[str]]:
    """The outcome of a build in a fresh process ("cold", or "warm": WeasyPrint imported
    first), and the image work its worker did itself."""
    seen = out.parent / f"{out.name}-seen.json"
    run = subprocess.run(
        [sys.executable, "-c", BUILD.format(folder=FOLDER), str(root), str(out), str(seen), how],
        capture_output=True, text=True, cwd=PROJECT, timeout=300, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.splitlines()[-1]), json.loads(seen.read_text())


def editions(out: Path) -> dict[str, bytes]:
    folder = out / "2025-06-13"
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.suffix in EDITIONS
    }


def test_a_cold_build_finds_its_templates_compiled_its_photo_made_and_the_same_bytes(
    newsletter: Newsletter, tmp_path: Path
) -> None:
    """Done ahead (pipeline._work_ahead), the templates are compiled neither by the build
    nor by the worker, the photo neither checked nor made again by the worker; the editions
    are byte for byte those of a build that did all that itself."""
    root = newsletter()
    cold, done_cold = build(root, tmp_path / "cold", "cold")
    warm, done_warm = build(root, tmp_path / "warm", "warm")
    assert cold == warm == ["built", None, []]
    assert done_cold == []
    # seen: the photo checked by the warm worker, and made by the child that decoded it for
    # its check (images.made_when_checked)
    assert sorted(set(done_warm)) == ["compile", "each_within_time"]
    made = editions(tmp_path / "cold")
    assert any(name.startswith("images/photo-") for name in made)
    assert made == editions(tmp_path / "warm")


@pytest.mark.parametrize(
    ("arguments", "files", "status", "said"),
    [
        (["build"], {}, 0, ("1 built, 0 unchanged, 0 failed.", "")),
        (["build"], {ISSUE: "date: 2025-06-13\nsections: 3\n"}, 1, ("0 built", "sections")),
        (["build", "--jobs", "0"], {}, 2, ("", "--jobs")),
        (["--version"], {}, 0, ("lettre, version", "")),
    ],
    ids=["built", "bad content", "bad usage", "version"],
)
def test_the_command_ends_at_once_with_its_whole_report_and_its_status(
    newsletter: Newsletter,
    tmp_path: Path,
    arguments: list[str],
    files: dict[str, str],
    status: int,
    said: tuple[str, str],
) -> None:
    """`lettre` leaves without the interpreter's teardown (cli._leave): what it printed on
    stdout and stderr (pipes: buffered) still comes out whole, and its exit status is kept."""
    root = newsletter(files)
    command = [sys.executable, "-m", "lettre", "--repo", str(root), *arguments]
    if arguments[0] == "build":
        command += ["--out", str(tmp_path / "dist")]
    run = subprocess.run(
        command, capture_output=True, text=True, cwd=PROJECT, timeout=300, check=False
    )
    assert run.returncode == status, run.stderr
    assert said[0] in run.stdout + run.stderr
    assert said[1] in run.stderr
    assert "Traceback" not in run.stderr


FAULTS = """
import resource, sys, tempfile
from pathlib import Path
from lettre import pipeline
from lettre.options import Options
from lettre.repo import Repository
if sys.argv[1] == "default":
    pipeline.keep_freed_memory = lambda: None
root = Path(sys.argv[2])
with tempfile.TemporaryDirectory() as out:
    pipeline.warm_engines()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_minflt
    pipeline.build_all(Repository(root), [root / sys.argv[3]], Path(out), Options(), jobs=1)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_minflt - before)
"""


@pytest.mark.skipif(not workers._glibc(), reason="glibc's malloc only (workers.keep_freed_memory)")
def test_a_worker_reuses_the_memory_it_freed_instead_of_faulting_new_pages_in() -> None:
    """The example issue built by a worker forked from a warmed process: with glibc's malloc
    keeping freed memory (workers.keep_freed_memory), its page faults (each a zeroed page
    from the kernel) fall by a third (64,000 to 42,000 here, glibc 2.36, transparent huge
    pages as Debian sets them, no GLIBC_TUNABLES); a count, not a time."""

    def faults(how: str) -> int:
        command = [sys.executable, "-c", FAULTS, how, str(PROJECT), FOLDER]
        return int(subprocess.run(command, check=True, capture_output=True, text=True).stdout)

    assert faults("tuned") < 0.8 * faults("default")


COLLECTIONS = """
import gc, json, sys, tempfile
from pathlib import Path
from lettre import pipeline, workers
from lettre.options import Options
from lettre.repo import Repository
if sys.argv[1] == "default":
    workers.collect_seldom = lambda: None
building = pipeline.run
def run(job):  # in the worker: the collections its build made
    before = [generation["collections"] for generation in gc.get_stats()]
    outcome = building(job)
    after = [generation["collections"] for generation in gc.get_stats()]
    Path(sys.argv[4]).write_text(json.dumps([a - b for a, b in zip(after, before)]))
    return outcome
pipeline.run = run
root = Path(sys.argv[2])
with tempfile.TemporaryDirectory() as out:
    pipeline.warm_engines()
    pipeline.build_all(Repository(root), [root / sys.argv[3]], Path(out), Options(), jobs=1)
"""


def test_a_worker_collects_its_garbage_seldom(tmp_path: Path) -> None:
    """The example issue built by a worker: Python's cyclic garbage collector looks at the
    young objects a few times instead of a hundred, and never at all of them
    (workers.collect_seldom); a count, not a time."""

    def collections(how: str) -> list[int]:
        told = tmp_path / f"{how}.json"
        command = [sys.executable, "-c", COLLECTIONS, how, str(PROJECT), FOLDER, str(told)]
        subprocess.run(command, check=True, capture_output=True, text=True, cwd=PROJECT)
        return list(json.loads(told.read_text()))

    young, _middle, full = collections("seldom")
    assert young <= 10 and full == 0, (young, full)
    default_young, _middle, _full = collections("default")
    assert default_young >= 5 * max(young, 1), (default_young, young)


def test_lettre_s_models_are_made_without_looking_for_pydantic_plugins() -> None:
    """Looking for plugins reads the entry points of every installed package (10 ms a
    start): lettre's models use none, so pydantic never looks (its plugin cache stays
    unfilled), unless the environment asks for plugins."""
    probe = "import lettre.load; from pydantic.plugin import _loader; print(_loader._plugins)"
    env = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env)
    assert run.stdout.strip() == "None", run.stderr
    env["PYDANTIC_DISABLE_PLUGINS"] = "some-plugin"
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env)
    assert run.stdout.strip() != "None", run.stderr
