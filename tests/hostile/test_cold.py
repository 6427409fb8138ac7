"""A cold build (a fresh process) makes its photos ready while the engines are imported
(pipeline._images_ahead): that work done ahead never holds the build, never outlives it, and
a photo it meets that must be refused is refused by the worker, as without it."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import PROJECT, Lettre, Newsletter

PHOTO = "bulletins/2025-06-13/images/photo.jpg"

STUCK = """
import os, sys, time
from lettre import pipeline
from lettre.cli import cli
def stuck(todo, publication):  # the work ahead never ends (a photo decoded for ever)
    time.sleep(3600)
pipeline._make_images = stuck
try:
    cli(["--repo", sys.argv[1], "build", "--out", sys.argv[2]])
except SystemExit as end:
    code = end.code
try:
    os.waitpid(-1, os.WNOHANG)
    print("a process of the build is left")
except ChildProcessError:
    print("no process left")
sys.exit(code)
"""


def _built_by(script: str, root: Path, out: Path) -> str:
    """What `script` printed, building `root` into `out` in a fresh interpreter, once it
    ended with its issue built."""
    run = subprocess.run(
        [sys.executable, "-c", script, str(root), str(out)],
        capture_output=True, text=True, cwd=PROJECT, timeout=600, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "1 built" in run.stdout
    return run.stdout


def test_work_ahead_that_never_ends_neither_holds_the_build_nor_outlives_it(
    newsletter: Newsletter, tmp_path: Path
) -> None:
    root, out = newsletter(), tmp_path / "dist"
    said = _built_by(STUCK, root, out)
    assert said.splitlines()[-1] == "no process left"
    assert not list(out.glob(".lettre-work-*"))  # its temporary folder removed
    assert list((out / "2025-06-13").glob("*.pdf"))


STOPPED_AHEAD = """
import os, sys, time
from pathlib import Path
from lettre import image_cache, images, output, pipeline
from lettre.cli import cli
started = Path(sys.argv[2] + "-started")
def stuck(*args, **options):  # what the work ahead is doing when it is stopped
    started.write_text(str(os.getpid()))
    time.sleep(3600)
{stuck}
making = pipeline._make_images
def make(todo, publication):  # in the work ahead only
    {patch}
    making(todo, publication)
pipeline._make_images = make
warming = pipeline.warm_engines
def warm(*args):  # the engines imported once the work ahead is stuck
    while not started.exists() or not started.read_text():
        time.sleep(0.05)
    warming(*args)
pipeline.warm_engines = warm
try:
    cli(["--repo", sys.argv[1], "build", "--out", sys.argv[2]])
except SystemExit as end:
    code = end.code
"""
"""A build whose work ahead is stopped while it is stuck in `{patch}`, the function
`stuck` (or one that `{stuck}` defines)."""

DECODING_FOR_EVER = (
    STOPPED_AHEAD.format(
        stuck="", patch="images._decode = stuck  # a check's decoding that never ends"
    )
    + """
def alive(pid):
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
decoding, deadline = int(started.read_text()), time.monotonic() + 60
while alive(decoding) and time.monotonic() < deadline:
    time.sleep(0.05)
print("still decoding" if alive(decoding) else "decoding ended")
sys.exit(code)
"""
)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_a_decoding_ahead_ends_with_the_work_ahead(newsletter: Newsletter, tmp_path: Path) -> None:
    """A photo's check forks a child that decodes it (images.each_within_time); when the work
    ahead is stopped, that child dies with it (workers.die_with), instead of decoding on
    after the build (up to a minute)."""
    root, out = newsletter(), tmp_path / "dist"
    said = tmp_path / "said.txt"  # not a pipe: a child left behind would hold it open
    with said.open("w") as output:
        run = subprocess.run(
            [sys.executable, "-c", DECODING_FOR_EVER, str(root), str(out)],
            stdout=output, stderr=subprocess.STDOUT, cwd=PROJECT, timeout=600, check=False,
        )  # fmt: skip
    assert run.returncode == 0, said.read_text()
    assert "1 built" in said.read_text()
    assert said.read_text().splitlines()[-1] == "decoding ended"


KILLED_WRITING = (
    STOPPED_AHEAD.format(
        stuck="""
def write(path, data, **options):  # a temporary written, not yet renamed
    output._temporary(path, data)
    stuck()""",
        patch="image_cache.write_atomic = write",
    )
    + "sys.exit(code)\n"
)


def test_the_work_ahead_stopped_while_it_writes_leaves_no_temporary_in_the_cache(
    newsletter: Newsletter, tmp_path: Path
) -> None:
    """Killed mid-write (output.write_atomic: a temporary beside the file, then a rename),
    the work ahead would leave its temporary in out/.cache until the next build: the build
    removes it once the work ahead is stopped, before any worker starts (the same output
    folder, file for file, however soon the work ahead was stopped)."""
    root, out = newsletter(), tmp_path / "dist"
    _built_by(KILLED_WRITING, root, out)
    assert list((out / ".cache").rglob("*.jpg"))  # the worker made the photos itself
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]


def truncated() -> bytes:
    buffer = io.BytesIO()
    Image.effect_noise((900, 600), 60).convert("RGB").save(buffer, "JPEG", quality=90)
    return buffer.getvalue()[:20_000]


def bomb() -> bytes:
    buffer = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("photo", "said"),
    [
        (truncated, "damaged or incomplete image"),
        (bomb, "decompression bomb"),
        (lambda: b"GIF89a" + b"\x00" * 200, "not an image lettre can read"),
        (lambda: b"\xff\xd8\xff\xe0" + b"\xff" * 5000, "damaged or incomplete image"),
    ],
    ids=["truncated", "bomb", "not an image", "markers only"],
)
def test_a_photo_refused_in_a_cold_build_is_told_as_in_a_warm_one(
    newsletter: Newsletter, lettre: Lettre, tmp_path: Path, photo: object, said: str
) -> None:
    """The work ahead meets the photo first: it records nothing for it, and the worker checks
    it again and refuses it with the same message as a build without that work."""
    assert callable(photo)
    root = newsletter({PHOTO: photo()})
    cold = subprocess.run(
        [sys.executable, "-m", "lettre", "--repo", str(root), "build", "--out", str(tmp_path / "cold")],
        capture_output=True, text=True, cwd=PROJECT, timeout=600, check=False,
    )  # fmt: skip
    warm = lettre("build", "--out", tmp_path / "warm", repo=root)
    assert cold.returncode == warm.exit_code == 1
    refusal = [line for line in cold.stderr.splitlines() if "issue.yaml:13:16:" in line]
    assert len(refusal) == 1 and said in refusal[0]  # image.src, at its line and column
    assert refusal == [line for line in warm.stderr.splitlines() if "issue.yaml:13:16:" in line]
    assert not (tmp_path / "cold" / ".cache" / "images").exists()  # nothing made of it
