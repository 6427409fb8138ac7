"""The same input gives the same bytes: across processes, hash seeds, clocks and time zones.

tests/test_pipeline.py and tests/test_pdf.py compare builds made in one interpreter, on one
day, with one hash seed: a PDF whose keywords follow a set's order, or an `.eml` with a
header taken from the clock, would pass there. Here each build is a fresh `lettre` process
under libfaketime (Debian's `faketime`: it shifts the clock every library reads, C code
included, and the processes lettre forks), with its own PYTHONHASHSEED and TZ, and every
file of the output is compared byte for byte: the email, the text part, the `.eml`,
images/, both PDFs, the archive and lettre's own records.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lettre.build import EDITIONS
from lettre.names import Names
from tests.conftest import PROJECT

FAKETIME = shutil.which("faketime")
WORLDS = [
    {"clock": "2031-02-03 04:05:06", "PYTHONHASHSEED": "1", "TZ": "UTC"},
    {"clock": "2019-07-08 21:22:23", "PYTHONHASHSEED": "4242", "TZ": "Pacific/Auckland"},
]


def run(world: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """`args` in a fresh process whose clock, hash seed and time zone are those of `world`."""
    assert FAKETIME, "faketime is not installed: apt-get install faketime (see .ci/system-packages)"
    env = {**os.environ, "PYTHONHASHSEED": world["PYTHONHASHSEED"], "TZ": world["TZ"]}
    env.pop("FAKETIME", None)
    return subprocess.run(
        [FAKETIME, world["clock"], *args], env=env, capture_output=True, text=True, check=False
    )


def lettre(world: dict[str, str], *args: str) -> None:
    result = run(world, sys.executable, "-m", "lettre", *args)
    assert result.returncode == 0, result.stderr


def files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_the_worlds_really_differ() -> None:
    """Without this the comparison below could pass for want of a shifted clock or seed."""
    probe = (
        "import time, datetime; print(int(time.time() // 86400), datetime.date.today(), "
        "time.strftime('%z'), list({'un', 'deux', 'trois', 'quatre', 'cinq', 'six'}))"
    )
    seen = [run(world, sys.executable, "-c", probe).stdout for world in WORLDS]
    assert "2031-02-03" in seen[0] and "2019-07-0" in seen[1], seen
    first, second = (line.split(" ", 4) for line in seen)
    assert all(a != b for a, b in zip(first, second, strict=True)), seen


@pytest.fixture(scope="module")
def two_worlds(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, bytes]]:
    """The example built (and archived) once in each world: every file of each output."""
    tmp_path = tmp_path_factory.mktemp("worlds")
    root = tmp_path / "newsletter"
    for name in ("publication.yaml", "bulletins", "assets"):
        source = PROJECT / name
        if source.is_dir():
            shutil.copytree(source, root / name)
        else:
            root.mkdir(exist_ok=True)
            shutil.copy2(source, root / name)
    outputs = []
    for number, world in enumerate(WORLDS):
        out = tmp_path / f"dist-{number}"
        lettre(world, "--repo", str(root), "build", "--out", str(out), "--print-marks")
        lettre(world, "--repo", str(root), "archive", "--out", str(out))
        outputs.append(files(out))
    return outputs


def test_two_processes_two_seeds_two_clocks_give_the_same_bytes(
    two_worlds: list[dict[str, bytes]],
) -> None:
    first, second = two_worlds
    names = sorted(first)
    assert any(name.endswith(".pdf") for name in names)
    assert any("/images/" in name for name in names)
    assert any(name.endswith(".eml") for name in names)
    assert "feed.xml" in names and "manifest.json" in names
    assert names == sorted(second)
    differing = [n for n in names if first[n] != second[n]]
    assert differing == [], "differ: " + ", ".join(differing)


EXAMPLE = Names("lettre-2025-06-13", "2025-06-13")
EDITION_FILES = {
    "email": [EXAMPLE.email, EXAMPLE.text, EXAMPLE.eml],
    "web": [EXAMPLE.web],
    "print": [EXAMPLE.pdf, EXAMPLE.printer_pdf],
}
"""The files of each edition of the list (build.EDITIONS): a new edition must be named here."""


def test_every_edition_of_the_list_is_compared() -> None:
    assert set(EDITION_FILES) == set(EDITIONS)


@pytest.mark.parametrize("edition", sorted(EDITIONS))
def test_each_edition_gives_the_same_bytes_in_both_worlds(
    two_worlds: list[dict[str, bytes]], edition: str
) -> None:
    first, second = two_worlds
    for name in EDITION_FILES[edition]:
        path = f"2025-06-13/{name}"
        assert path in first and path in second, path
        assert first[path] == second[path], path


@pytest.mark.parametrize("images", ["cid", "hosted"])
def test_both_image_modes_give_the_same_bytes(tmp_path: Path, images: str) -> None:
    root = tmp_path / "newsletter"
    shutil.copytree(PROJECT / "tests/data/valid/minimal", root)
    publication = root / "publication.yaml"
    if images == "hosted":
        publication.write_text(
            publication.read_text() + "base_url: https://lettre.example.org/\n", encoding="utf-8"
        )
    outputs = []
    for number, world in enumerate(WORLDS):
        out = tmp_path / f"dist-{number}"
        lettre(world, "--repo", str(root), "build", "--out", str(out), "--images", images)
        outputs.append(files(out))
    assert sorted(outputs[0]) == sorted(outputs[1])
    differing = [n for n in outputs[0] if outputs[0][n] != outputs[1][n]]
    assert differing == [], "differ: " + ", ".join(differing)
