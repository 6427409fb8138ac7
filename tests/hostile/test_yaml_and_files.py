"""Hostile YAML and files: refused with their place, never run, never a crash or a hang."""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import pytest

from lettre.load import check
from lettre.repo import Repository
from tests.conftest import ISSUE, PROJECT, Lettre, Newsletter

MINIMAL = (PROJECT / "tests/data/valid/minimal" / ISSUE).read_text()

TAGS = [
    "!!python/object/apply:os.system ['touch {canary}']",
    "!!python/object/new:os.system ['touch {canary}']",
    "!!python/name:os.system",
    "!!python/module:os",
    "!<tag:yaml.org,2002:python/object/apply:os.system> ['touch {canary}']",
    "!custom 12",
]


@pytest.mark.parametrize("tag", TAGS)
def test_code_execution_tags_are_refused_and_nothing_runs(
    newsletter: Newsletter, tmp_path: Path, tag: str
) -> None:
    canary = tmp_path / "ran"
    root = newsletter(
        {ISSUE: MINIMAL.replace("title: Une nouvelle", "title: " + tag.format(canary=canary))}
    )
    [problem] = check(Repository(root)).problems
    assert problem.line == 3 and "YAML tags" in problem.message
    assert not canary.exists()


def test_billion_laughs_is_refused_at_once_without_memory_growth(newsletter: Newsletter) -> None:
    laughs = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n'
    assert len(laughs.encode()) <= 342
    root = newsletter({ISSUE: laughs})
    tracemalloc.start()
    started = time.perf_counter()
    problems = check(Repository(root)).problems
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert [str(p) for p in problems] == [
        "bulletins/2025-06-13/issue.yaml:1:4: YAML anchors (&a) are not allowed; write the value out in full"
    ]
    assert elapsed < 1 and peak < 20_000_000


def test_duplicate_keys_name_both_lines(newsletter: Newsletter) -> None:
    root = newsletter({ISSUE: MINIMAL + "date: 2025-06-14\n"})
    [problem] = check(Repository(root)).problems
    assert (
        str(problem)
        == "bulletins/2025-06-13/issue.yaml:15:1: duplicate key 'date' (first given at line 1); keep only one"
    )


@pytest.mark.parametrize(
    "typed", ["no", "on", "off", "yes", "1.10", "012", "12:30", "1e3", "null_", "~x"]
)
def test_implicit_typing_never_changes_a_title(newsletter: Newsletter, typed: str) -> None:
    root = newsletter({ISSUE: MINIMAL.replace("title: Un article", f"title: {typed}")})
    [loaded] = check(Repository(root)).issues
    assert loaded.issue.sections[0].articles[0].title == typed


@pytest.mark.parametrize(("text", "message"), [
    ("a: " + "[" * 30_000 + "]" * 30_000 + "\n", "nested more than 40 levels deep"),
    ("a:\n" + "".join(" " * (2 * i) + f"- k{i}:\n" for i in range(1, 60)), "nested more than 40 levels deep"),
    ("title: " + "x" * 3_000_000 + "\n", "too large for an issue file"),
])  # fmt: skip
def test_deep_or_huge_files_are_clear_errors(
    newsletter: Newsletter, lettre: Lettre, text: str, message: str
) -> None:
    root = newsletter({ISSUE: text})
    result = lettre("check", repo=root)
    assert result.exit_code == 1 and message in result.stderr and "Traceback" not in result.output


@pytest.mark.parametrize(("data", "expected"), [
    (b"\xef\xbb\xbf" + MINIMAL.encode(), None),
    (MINIMAL.replace("\n", "\r\n").encode(), None),
    (MINIMAL.encode().replace("Un résumé".encode(), b"Un r\xe9sum\xe9"), "issue.yaml:4:18: invalid UTF-8 (byte e9)"),
    (MINIMAL.replace("  - title: Une nouvelle", "\t- title: Une nouvelle").encode(), "a tab character; indent with spaces"),
])  # fmt: skip
def test_encodings_and_line_endings(
    newsletter: Newsletter, lettre: Lettre, data: bytes, expected: str | None
) -> None:
    root = newsletter({ISSUE: data})
    result = lettre("check", repo=root)
    if expected is None:
        assert result.exit_code == 0 and result.stderr == ""
    else:
        assert result.exit_code == 1 and expected in result.stderr


@pytest.mark.parametrize(
    "src",
    [
        "/etc/passwd",
        "../../publication.yaml",
        "images/../../../etc/hostname",
        "/dev/zero",
        "C:\\\\photo.jpg",
        "file:///etc/passwd",
    ],
)
def test_paths_out_of_the_repository_are_refused(newsletter: Newsletter, src: str) -> None:
    root = newsletter({ISSUE: MINIMAL.replace("src: images/photo.jpg", f"src: '{src}'")})
    [problem] = check(Repository(root)).problems
    assert problem.field == "sections[0].articles[0].image.src" and problem.is_error


@pytest.mark.parametrize("target", ["/dev/zero", "/etc/hostname", "loop"])
def test_links_out_of_the_repository_are_refused_before_opening(
    newsletter: Newsletter, target: str
) -> None:
    root = newsletter()
    photo = root / "bulletins/2025-06-13/images/photo.jpg"
    photo.unlink()
    photo.symlink_to(photo if target == "loop" else target)
    [problem] = check(Repository(root)).problems
    assert problem.field == "sections[0].articles[0].image.src"
    assert "outside the newsletter repository" in problem.message or "loop" in problem.message


def test_include_through_a_link_to_a_device_is_refused(newsletter: Newsletter) -> None:
    root = newsletter(
        {
            ISSUE: MINIMAL.replace(
                "      - title: Un article",
                "      - include: articles/a.md\n      - title: Un article",
            )
        }
    )
    (root / "bulletins/2025-06-13/articles").mkdir()
    (root / "bulletins/2025-06-13/articles/a.md").symlink_to("/dev/zero")
    [problem] = check(Repository(root)).problems
    assert problem.field == "sections[0].articles[0].include" and "outside" in problem.message
