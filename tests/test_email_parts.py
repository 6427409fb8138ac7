"""Smaller pieces of the email edition: images for email, headers, colours."""

from __future__ import annotations

import base64
import io
from email import policy
from email.generator import BytesGenerator
from email.message import MIMEPart
from pathlib import Path

import pytest
from PIL import Image

from lettre import images, mail
from lettre.errors import LettreError
from lettre.load import check
from lettre.mail import base64_lines, build_message, compile_mjml
from lettre.model import Colors, ImageInfo
from lettre.repo import Repository
from lettre.theme import contrast, theme
from tests.conftest import Lettre, Newsletter


def photo_with_gps(path: Path, size: tuple[int, int]) -> ImageInfo:
    exif = Image.Exif()
    exif[0x010F] = "Appareil de test"  # Make
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0)}  # GPSInfo
    Image.new("RGB", size, (120, 140, 160)).save(path, "JPEG", exif=exif)
    with Image.open(path) as check_exif:
        assert check_exif.getexif()
    return ImageInfo(path, "JPEG", *size)


def test_email_variant_is_resized_and_stripped(tmp_path: Path) -> None:
    variant = images.email_variant(photo_with_gps(tmp_path / "a.jpg", (2400, 1600)))
    (tmp_path / variant.name).write_bytes(variant.data)
    with Image.open(tmp_path / variant.name) as image:
        assert image.size == (1200, 800) == (variant.width, variant.height)
        assert not image.getexif()


def test_small_images_are_not_enlarged(tmp_path: Path) -> None:
    variant = images.email_variant(photo_with_gps(tmp_path / "a.jpg", (700, 400)))
    assert (variant.width, variant.height) == (700, 400)


def test_variants_are_cached_by_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    info = photo_with_gps(tmp_path / "a.jpg", (1600, 900))
    first = images.email_variant(info, tmp_path / "cache")
    calls: list[object] = []

    class Remade(Exception):
        """Raised by the stub alone: no other failure can pass for it."""

    def stub(*args: object) -> None:
        calls.append(args)
        raise Remade

    monkeypatch.setattr(images, "_make_variant", stub)
    again = images.email_variant(info, tmp_path / "cache")
    assert calls == [] and again == first
    Image.new("RGB", (1600, 900), (1, 2, 3)).save(info.path, "JPEG")  # new content, new key
    with pytest.raises(Remade):
        images.email_variant(info, tmp_path / "cache")  # the stub was called: not cached
    assert len(calls) == 1


def test_a_header_value_with_a_line_break_is_refused(newsletter: Newsletter) -> None:
    [loaded] = check(Repository(newsletter())).issues
    hostile = loaded.issue.model_copy(update={"title": "Bonjour\r\nBcc: x@example.org"})
    tampered = type(loaded)(
        loaded.publication, hostile, loaded.folder, loaded.sources, loaded.images
    )
    with pytest.raises(LettreError, match="header Subject: a line break or control character"):
        build_message(tampered, "<p>x</p>", "x", [])


def test_a_title_with_a_line_break_never_gets_past_check(
    newsletter: Newsletter, lettre: Lettre
) -> None:
    text = 'date: 2025-06-13\ntitle: "Bonjour\\r\\nBcc: x@example.org"\n'
    root = newsletter({"bulletins/2025-06-13/issue.yaml": text + "headlines: []\n"})
    result = lettre("check", repo=root)
    assert (
        "bulletins/2025-06-13/issue.yaml:2:8: title: must be on one line: remove the line break"
        in result.stderr
    )


def test_contrast_ratios() -> None:
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#002654", "#ffffff"), 1) == 14.9  # checked by hand
    assert contrast("#ffcc00", "#ffffff") < 4.5


def test_a_light_primary_colour_is_a_warning_and_falls_back_to_ink(
    newsletter: Newsletter, lettre: Lettre
) -> None:
    publication = Path(newsletter() / "publication.yaml")
    publication.write_text(publication.read_text() + 'colors: {primary: "#ffcc00"}\n')
    result = lettre("check", repo=publication.parent)
    assert result.exit_code == 0
    assert (
        "publication.yaml:6:19: warning: colors › primary: white text on it has a contrast of 1.5:1"
        in result.stderr
    )
    tokens = theme(Colors(primary="#ffcc00"))
    assert tokens.heading == "#1f2933" and tokens.on_primary == "#1f2933"


def test_https_unsubscribe_gets_one_click_post(newsletter: Newsletter) -> None:
    root = newsletter()
    publication = root / "publication.yaml"
    publication.write_text(
        publication.read_text() + "unsubscribe: https://example.org/desinscription\n"
    )
    [loaded] = check(Repository(root)).issues
    message = build_message(loaded, "<p>x</p>", "x", []).decode()
    assert "List-Unsubscribe: <https://example.org/desinscription>" in message
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in message


def test_the_styles_go_out_without_their_indentation() -> None:
    """MRML writes an mj-style as it is: lettre drops the spaces CSS does not need (they
    weighed 1 KB in every message), and keeps quoted strings, what is between parentheses
    and a space that makes a descendant (`.e :first-child`) as they are."""
    html = compile_mjml(
        "<mjml><mj-head><mj-style>\n  .a > b ,  .c {\n    content: 'x  ,  y' ;\n"
        "    color: red !important;\n  }\n  @media (max-width: 479px) { .d td { top: 0; } }\n"
        "  .e :first-child, .f a:hover { background: linear-gradient(#fff, #000); }\n"
        "</mj-style></mj-head><mj-body></mj-body></mjml>"
    )
    assert ".a>b,.c{content:'x  ,  y';color:red!important}" in html
    assert "@media (max-width: 479px){.d td{top:0}}" in html
    assert ".e :first-child,.f a:hover{background:linear-gradient(#fff, #000)}" in html


@pytest.mark.parametrize("size", [0, 1, 56, 57, 58, 114, 5000])
def test_base64_lines_are_the_email_packages(size: int) -> None:
    data = bytes(range(256)) * (size // 256 + 1)
    assert base64_lines(data[:size]) == base64.encodebytes(data[:size]).decode("ascii")


def test_the_eml_is_written_byte_for_byte_as_the_email_package_writes_it(
    newsletter: Newsletter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """lettre writes a message's bodies (base64 of its photos, lines of its parts) faster
    than the email package, to the same bytes: each line ending, each wrapped line."""
    [loaded] = check(Repository(newsletter())).issues
    html = "<p>Opérations « en cours » =\u00a0fin</p>\r\n" + "<td>" + "x" * 300 + "</td>\n" * 50
    text = "Première ligne\n\nUne ligne très longue " + "mot " * 60 + "\r\nFin\r"
    inline = [
        (f"photo{n}@lettre", images.Variant(f"p{n}.jpg", bytes(range(256)) * n + b"\xff", 1, 1))
        for n in (1, 3, 40)
    ]
    written = build_message(loaded, html, text, inline)
    monkeypatch.setattr(mail, "_Generator", BytesGenerator)
    monkeypatch.setattr(mail, "base64_lines", lambda data: base64.encodebytes(data).decode())
    assert written == build_message(loaded, html, text, inline)
    assert written.count(b"\r\n") > 100 and b"\n" not in written.replace(b"\r\n", b"")


@pytest.mark.parametrize("body", ["a\r\nb\rc\nd", "a\nb\n", "\r", "\n\n", "x", "a\r\n\r\n"])
def test_any_line_ending_of_a_body_is_written_as_the_email_package_writes_it(body: str) -> None:
    part = MIMEPart(policy=policy.SMTP)
    part["Content-Type"] = "text/plain"
    part.set_payload(body)
    ours, theirs = io.BytesIO(), io.BytesIO()
    mail._Generator(ours, policy=policy.SMTP).flatten(part)
    BytesGenerator(theirs, policy=policy.SMTP).flatten(part)
    assert ours.getvalue() == theirs.getvalue()
