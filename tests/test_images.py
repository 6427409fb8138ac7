"""Image checks: what is refused before anything renders it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from lettre.images import ImageProblem, inspect

GOOD_SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 40"><rect width="40" height="40" fill="#002654"/><use href="#a"/></svg>'

HOSTILE_SVG = {
    "doctype": '<!DOCTYPE svg [<!ENTITY a "x">]><svg xmlns="http://www.w3.org/2000/svg"/>',
    "script": '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    "event": '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    "outside href": '<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink"><image x:href="https://evil.example/a.png"/></svg>',
    "css import": '<svg xmlns="http://www.w3.org/2000/svg"><style>@import url(https://evil.example/a.css);</style></svg>',
    "css url": '<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill:url(https://evil.example/p)"/></svg>',
    "stylesheet": '<?xml-stylesheet href="https://evil.example/a.css"?><svg xmlns="http://www.w3.org/2000/svg"/>',
    "set href": '<svg xmlns="http://www.w3.org/2000/svg"><a><set attributeName="href" to="javascript:alert(1)"/></a></svg>',
    "svg in data": '<svg xmlns="http://www.w3.org/2000/svg"><image href="data:image/svg+xml;base64,PHN2Zz4="/></svg>',
    "xhtml": '<svg xmlns="http://www.w3.org/2000/svg" xmlns:h="http://www.w3.org/1999/xhtml"><h:iframe src="https://evil.example"/></svg>',
    "not svg": '<html xmlns="http://www.w3.org/1999/xhtml"/>',
}


def test_a_plain_svg_logo_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "logo.svg"
    path.write_text(GOOD_SVG)
    info = inspect(path, allow_svg=True)
    assert (info.format, info.width, info.height) == ("SVG", 120, 40)


@pytest.mark.parametrize("name", sorted(HOSTILE_SVG))
def test_hostile_svg_is_refused(tmp_path: Path, name: str) -> None:
    path = tmp_path / "logo.svg"
    path.write_text(HOSTILE_SVG[name])
    with pytest.raises(ImageProblem):
        inspect(path, allow_svg=True)


def test_a_utf16_svg_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "logo.svg"
    path.write_bytes(HOSTILE_SVG["doctype"].encode("utf-16"))
    with pytest.raises(ImageProblem, match="UTF-8"):
        inspect(path, allow_svg=True)


@pytest.mark.parametrize(
    "size",
    ['viewBox="0 0 inf 50"', 'width="1e400" height="3"', 'width="nan"', 'viewBox="0 0 1e9 10"',
     'width="200000px" height="1"'],
)  # fmt: skip
def test_absurd_svg_sizes_are_refused(tmp_path: Path, size: str) -> None:
    path = tmp_path / "logo.svg"
    path.write_text(f'<svg xmlns="http://www.w3.org/2000/svg" {size}/>')
    with pytest.raises(ImageProblem, match="is absurd"):
        inspect(path, allow_svg=True)


@pytest.mark.parametrize("size", ['width="100%"', 'width="auto" height="2em"', ""])
def test_svg_sizes_without_a_number_of_their_own_give_zero(tmp_path: Path, size: str) -> None:
    path = tmp_path / "logo.svg"
    path.write_text(f'<svg xmlns="http://www.w3.org/2000/svg" {size}/>')
    assert inspect(path, allow_svg=True).width == 0


def test_a_truncated_animation_is_refused(tmp_path: Path) -> None:
    frames = [Image.effect_noise((300, 200), 80).convert("RGB") for _ in range(4)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "PNG", save_all=True, append_images=frames[1:])
    path = tmp_path / "anim.png"
    path.write_bytes(buffer.getvalue()[: int(len(buffer.getvalue()) * 0.8)])
    with pytest.raises(ImageProblem, match="damaged or incomplete"):
        inspect(path)
