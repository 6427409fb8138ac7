"""Images that are bombs or lies, absurd layouts, the network: refused or bounded."""

from __future__ import annotations

import io
import os
import resource
import shutil

import pytest
from PIL import Image

from lettre.load import check
from lettre.repo import Repository
from tests.conftest import ISSUE, MINIMAL, Lettre, Newsletter

PHOTO = "bulletins/2025-06-13/images/photo.jpg"


def png(size: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("1", size).save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def truncated_jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.effect_noise((800, 600), 50).convert("RGB").save(buffer, "JPEG")
    return buffer.getvalue()[:-3000]


BAD_IMAGES = {
    "bomb 10000²": (lambda: png((10_000, 10_000)), "decompression bomb"),
    "bomb 20000²": (lambda: png((20_000, 20_000)), "decompression bomb"),
    "truncated JPEG": (truncated_jpeg, "damaged or incomplete"),
    "text renamed .jpg": (lambda: b"Ceci n'est pas une photo.\n", "not an image lettre can read"),
    "empty file": (lambda: b"", "not an image lettre can read"),
    "SVG as a photo": (
        lambda: b'<svg xmlns="http://www.w3.org/2000/svg"/>',
        "not an image lettre can read",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD_IMAGES))
def test_bad_images_are_refused_before_rendering(
    newsletter: Newsletter, lettre: Lettre, name: str
) -> None:
    make, message = BAD_IMAGES[name]
    data = make()
    if name == "bomb 10000²":
        assert len(data) < 15_000  # a 12 KB file
    root = newsletter({PHOTO: data})
    result = lettre("build", repo=root)
    assert result.exit_code == 1
    assert (
        "bulletins/2025-06-13/issue.yaml:13:16: Section 1 “Opérations”, 1st article “Un article” › image › src: "
        in result.stderr
    )
    assert message in result.stderr
    assert not (root / "dist/2025-06-13").exists()


@pytest.mark.parametrize("svg", [
    '<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg xmlns="http://www.w3.org/2000/svg">&x;</svg>',
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:l="http://www.w3.org/1999/xlink"><image l:href="http://127.0.0.1/x.png"/></svg>',
])  # fmt: skip
def test_svg_logos_with_doctype_or_outside_references_are_refused(
    newsletter: Newsletter, svg: str
) -> None:
    root = newsletter({"assets/logo.svg": svg})
    (root / "publication.yaml").write_text(
        (root / "publication.yaml").read_text() + "logo: assets/logo.svg\n"
    )
    [problem] = check(Repository(root)).problems
    assert problem.field == "logo" and problem.is_error


@pytest.mark.parametrize(
    "url",
    ["http://169.254.169.254/latest/meta-data", "http://127.0.0.1/x.jpg", "//evil.example/x.jpg"],
)
def test_image_urls_are_refused_at_check_time(newsletter: Newsletter, url: str) -> None:
    root = newsletter(
        {ISSUE: (MINIMAL / ISSUE).read_text().replace("src: images/photo.jpg", f"src: '{url}'")}
    )
    [problem] = check(Repository(root)).problems
    assert problem.field == "sections[0].articles[0].image.src" and problem.is_error


def pathological(kind: str) -> str:
    if kind == "nested lists":
        # the deepest lettre renders; deeper is a check error (tests/hostile/test_markup.py)
        return "\n".join("  " * i + "- niveau" for i in range(20))
    if kind == "huge table":
        return "| n | v |\n|---|---|\n" + "".join(f"| {i} | x |\n" for i in range(20_000))
    return "a" * 5000


@pytest.mark.parametrize("kind", ["nested lists", "long word"])
def test_absurd_layouts_render_within_bounds(
    newsletter: Newsletter, lettre: Lettre, kind: str
) -> None:
    body = "".join(f"          {line}\n" for line in pathological(kind).splitlines())
    root = newsletter(
        {
            ISSUE: (MINIMAL / ISSUE)
            .read_text()
            .replace("body: Le texte de l'article.", "body: |\n" + body)
        }
    )
    result = lettre("build", "--timeout", "60", repo=root)
    assert result.exit_code == 0, result.output
    assert (root / "dist/2025-06-13/lettre-de-test-2025-06-13.pdf").stat().st_size > 1000


def test_a_layout_over_the_limits_is_stopped_and_the_others_go_on(
    newsletter: Newsletter, lettre: Lettre, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = newsletter()
    other = root / "bulletins/2025-06-06"
    shutil.copytree(root / "bulletins/2025-06-13", other)
    (other / "issue.yaml").write_text(
        (other / "issue.yaml").read_text().replace("2025-06-13", "2025-06-06")
    )
    body = "".join(f"          {line}\n" for line in pathological("huge table").splitlines())
    (root / ISSUE).write_text(
        (MINIMAL / ISSUE).read_text().replace("body: Le texte de l'article.", "body: |\n" + body)
    )
    ends = []

    def wait4(pid: int, options: int) -> tuple[int, int, resource.struct_rusage]:
        ends.append(real_wait4(pid, options))
        return ends[-1]

    real_wait4 = os.wait4
    monkeypatch.setattr(os, "wait4", wait4)  # each worker's CPU time, as the kernel counted it
    result = lettre("build", "--timeout", "4", repo=root)
    assert result.exit_code == 1
    assert (
        "bulletins/2025-06-13: failed: stopped after 4 s of computing (--timeout): is a table, "
        "a list or a word enormous?\n" in result.stderr
    )
    [stopped] = [usage for _, status, usage in ends if os.WIFSIGNALED(status)]
    # stopped when its CPU time reached 4 s: not before (the kernel's count of it runs a few
    # per cent ahead of getrusage's), and not a second after, however busy the machine
    assert 4 * 0.85 <= stopped.ru_utime + stopped.ru_stime <= 4 + 1
    # the other issue, built beside it, is never stopped on a busy machine: CPU time, not the clock
    assert (root / "dist/2025-06-06/lettre-de-test-2025-06-06.pdf").is_file()
    assert not (root / "dist/2025-06-13/lettre-de-test-2025-06-13.pdf").exists()


def test_memory_over_the_limit_is_a_clear_failure(newsletter: Newsletter, lettre: Lettre) -> None:
    body = "".join(f"          {line}\n" for line in pathological("huge table").splitlines()[:6000])
    root = newsletter(
        {
            ISSUE: (MINIMAL / ISSUE)
            .read_text()
            .replace("body: Le texte de l'article.", "body: |\n" + body)
        }
    )
    result = lettre("build", "--memory", "400", repo=root)
    assert result.exit_code == 1, result.stderr
    assert "bulletins/2025-06-13: failed:" in result.stderr and "memory" in result.stderr
    assert "Traceback" not in result.output
