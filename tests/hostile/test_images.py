"""Images that cost minutes to decode, carry metadata, have awkward names, or poison the cache;
SVG logos that multiply their drawing work: refused, stripped, renamed or rebuilt."""

from __future__ import annotations

import base64
import email
import email.policy
import html
import io
import json
import os
import re
import resource
import signal
import struct
import time
import zlib
from email.message import EmailMessage
from pathlib import Path

import pikepdf
import pytest
from PIL import Image, ImageCms
from PIL.PngImagePlugin import PngInfo

from lettre import images, pdf
from lettre.images import ImageProblem, each_within_time, inspect, safe_stem
from lettre.load import check
from lettre.repo import Repository
from tests.conftest import ISSUE, MINIMAL, Lettre, Newsletter

PHOTO = "bulletins/2025-06-13/images/photo.jpg"
OUT = "dist/2025-06-13"
STEM = "lettre-de-test-2025-06-13"
SECRETS = (b"SECRET-COM", b"SECRET-EXIF", b"SECRET-XMP", b"SECRET-TEXT", b"SECRET-SVG")


# --- structure of image files, read from their bytes --------------------------------------


def jpeg_markers(data: bytes) -> list[int]:
    """Every marker of a JPEG, in order (entropy-coded data skipped)."""
    assert data[:2] == b"\xff\xd8"
    markers, position = [], 2
    while position < len(data):
        marker = data[position + 1]
        markers.append(marker)
        if marker == 0xD9:
            return markers
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        position += 2 + length
        while marker == 0xDA:
            position = data.index(b"\xff", position)
            if data[position + 1] not in (0x00, 0xFF) and not 0xD0 <= data[position + 1] <= 0xD7:
                break
            position += 1
    return markers


def png_chunks(data: bytes) -> list[bytes]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, position = [], 8
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        chunks.append(kind)
        position += 12 + length
    return chunks


def assert_pixels_only(data: bytes) -> None:
    """No comment, text, profile, EXIF or XMP: only what draws the pixels."""
    if data.startswith(b"\xff\xd8"):
        kept = {m for m in jpeg_markers(data) if m == 0xFE or 0xE1 <= m <= 0xEF}
        assert not kept, f"JPEG metadata segments kept: {sorted(hex(m) for m in kept)}"
    else:
        assert set(png_chunks(data)) <= {b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND"}
    assert not any(secret in data for secret in SECRETS)


# --- hostile and metadata-laden sources ---------------------------------------------------


def progressive_jpeg(scans_added: int, size: tuple[int, int] = (1200, 900)) -> bytes:
    """A progressive JPEG whose last scan is repeated: each copy makes the decoder visit
    every block again (a flat picture keeps each copy a few bytes)."""
    buffer = io.BytesIO()
    Image.new("RGB", size, (120, 130, 140)).save(buffer, "JPEG", progressive=True)
    data = buffer.getvalue()
    start = data.rindex(b"\xff\xda")
    end = data.rindex(b"\xff\xd9")
    return data[:end] + data[start:end] * scans_added + data[end:]


def png_with_text(megabytes: float) -> bytes:
    info = PngInfo()
    info.add_text("Comment", "x" * int(megabytes * 1024 * 1024), zip=True)
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), "white").save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue()


def png_with_huge_profile() -> bytes:
    """An iCCP chunk of a few kilobytes that inflates to 3 MB."""
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), "white").save(buffer, "PNG")
    data = buffer.getvalue()
    body = b"icc\x00\x00" + zlib.compress(bytes(3 * 1024 * 1024))
    chunk = (
        struct.pack(">I", len(body))
        + b"iCCP"
        + body
        + struct.pack(">I", zlib.crc32(b"iCCP" + body))
    )
    return data[:33] + chunk + data[33:]  # after IHDR


def animation(kind: str, frames: int) -> bytes:
    pictures = [Image.new("RGB", (700, 20), (i % 256, 0, 0)) for i in range(frames)]
    buffer = io.BytesIO()
    pictures[0].save(buffer, kind, save_all=True, append_images=pictures[1:], lossless=True)
    return buffer.getvalue()


def bomb() -> bytes:
    buffer = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def with_metadata(kind: str, size: tuple[int, int] = (800, 600), alpha: bool = False) -> bytes:
    picture = Image.effect_noise(size, 50).convert("RGBA" if alpha else "RGB")
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    exif = Image.Exif()
    exif[0x010E] = "SECRET-EXIF"
    buffer = io.BytesIO()
    if kind == "PNG":
        info = PngInfo()
        info.add_text("Comment", "SECRET-TEXT")
        info.add_text("Author", "SECRET-TEXT", zip=True)
        info.add_itxt("XML:com.adobe.xmp", "<x>SECRET-XMP</x>")
        picture.save(buffer, "PNG", pnginfo=info, exif=exif, icc_profile=icc)
    else:
        extra = {"comment": b"SECRET-COM"} if kind == "JPEG" else {}
        picture.save(buffer, kind, exif=exif, icc_profile=icc, xmp=b"<x>SECRET-XMP</x>", **extra)
    data = buffer.getvalue()
    assert sum(secret in data for secret in SECRETS) >= 2  # the source does carry them
    return data


def with_logo(root: Path, name: str, data: bytes | str) -> Path:
    path = root / "assets" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data)
    else:
        path.write_bytes(data)
    publication = root / "publication.yaml"
    publication.write_text(publication.read_text() + f"logo: assets/{name}\n")
    return path


def with_photos(root: Path, names: dict[str, bytes]) -> None:
    """The issue's one article becomes one article per photo, named as given."""
    articles = "".join(
        f"      - title: Article {n}\n        summary: Un chapô.\n        body: Texte.\n"
        f"        image:\n          src: {_yaml('images/' + name)}\n          alt: Photo {n}\n"
        for n, name in enumerate(names)
    )
    text = (MINIMAL / ISSUE).read_text()
    (root / ISSUE).write_text(text[: text.index("      - title: Un article")] + articles)
    for name, data in names.items():
        (root / "bulletins/2025-06-13/images" / name).write_bytes(data)


def _yaml(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# --- 1. decoding work is bounded, in every command ----------------------------------------

SLOW_IMAGES = {
    "JPEG with 3,000 repeated scans": (lambda: progressive_jpeg(3000), "more than 64 scans"),
    "JPEG with 65 scans": (lambda: progressive_jpeg(55), "more than 64 scans"),
    "PNG with 3 MB of zTXt": (lambda: png_with_text(3), "more than 2 MB of metadata"),
    "PNG with a 3 MB iCCP": (png_with_huge_profile, "more than 2 MB of metadata"),
    "APNG of 300 frames": (lambda: animation("PNG", 300), "more than 200 animation frames"),
    "WebP of 300 frames": (lambda: animation("WEBP", 300), "more than 200 animation frames"),
}


@pytest.mark.parametrize("name", sorted(SLOW_IMAGES))
def test_images_too_costly_to_decode_are_refused_by_check_and_build(
    newsletter: Newsletter, lettre: Lettre, name: str
) -> None:
    make, message = SLOW_IMAGES[name]
    data = make()
    assert len(data) < images.MAX_BYTES
    root = newsletter({PHOTO: data})
    started = time.monotonic()
    for command in ("check", "build"):
        result = lettre(command, repo=root)
        assert result.exit_code == 1, result.output
        assert (
            "bulletins/2025-06-13/issue.yaml:13:16: Section 1 “Opérations”, 1st article “Un article” › image › src: "
            f"{message}" in result.stderr
        )
        assert "Traceback" not in result.output
    # refused from its structure, before any decoding: far under the minutes decoding takes
    assert time.monotonic() - started < 60
    assert not (root / OUT).exists()


@pytest.mark.parametrize("name", ["JPEG with 3,000 repeated scans", "PNG with 3 MB of zTXt"])
def test_a_costly_logo_is_refused_for_every_command(
    newsletter: Newsletter, lettre: Lettre, name: str
) -> None:
    root = newsletter()
    with_logo(root, "logo.png", SLOW_IMAGES[name][0]())
    for command in ("check", "build", "send", "publish"):
        arguments = [str(root / "bulletins/2025-06-13")] if command in ("send", "publish") else []
        result = lettre(command, *arguments, repo=root)
        assert result.exit_code != 0, (command, result.output)
        assert "publication.yaml:6:7: logo: " in result.stderr + result.stdout, command
        assert "Traceback" not in result.output
    assert not (root / OUT).exists()


def test_ordinary_progressive_and_animated_images_pass(tmp_path: Path) -> None:
    for name, data in {
        "a.jpg": progressive_jpeg(0),
        "b.png": animation("PNG", 20),
        "c.webp": animation("WEBP", 20),
        "d.jpg": with_metadata("JPEG"),
    }.items():
        (tmp_path / name).write_bytes(data)
        assert inspect(tmp_path / name).width in (700, 800, 1200)


def test_decoding_is_stopped_after_its_time_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever the format, the decoding runs in a child that is killed at the limit."""

    def forever(data: bytes, wanted: str) -> str:
        time.sleep(3600)
        return ""

    monkeypatch.setattr(images, "_decode", forever)
    monkeypatch.setattr(images, "DECODE_SECONDS", 1.0)
    (tmp_path / "a.jpg").write_bytes(progressive_jpeg(0))
    started = time.monotonic()
    with pytest.raises(ImageProblem, match=r"decoding it took over 1 s \(a hostile file\?\)"):
        inspect(tmp_path / "a.jpg")
    assert time.monotonic() - started < 30  # the hour of sleep was cut short


def test_a_decoder_that_fails_or_crashes_is_a_clear_refusal() -> None:
    def fail() -> str:
        raise MemoryError

    def crash() -> str:  # as a segmentation fault would, without faulthandler's report
        os.kill(os.getpid(), signal.SIGKILL)
        return ""

    assert "could not be decoded (MemoryError)" in each_within_time([fail], 30)[0]
    assert (
        "the decoder crashed on it (signal 9); export it again"
        in (each_within_time([crash], 30)[0])
    )


def test_an_issues_photos_are_decoded_in_one_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fork for all the photos a check decodes, not one for each (a fork of a build's
    worker costs several milliseconds); each photo still gets its own answer."""
    forks: list[int] = []
    real_fork = os.fork

    def counting() -> int:
        forks.append(1)  # in the parent: its child never forks
        return real_fork()

    monkeypatch.setattr(os, "fork", counting)
    paths = []
    for n, data in enumerate([progressive_jpeg(0), with_metadata("PNG"), animation("WEBP", 3)]):
        paths.append(tmp_path / f"{n}.img")
        paths[-1].write_bytes(data)
    (tmp_path / "bad.jpg").write_bytes(progressive_jpeg(0)[:-4000])  # truncated
    found = images.inspect_files([*paths, tmp_path / "bad.jpg"])
    assert [(f.format, f.width) for f in found[:3]] == [("JPEG", 1200), ("PNG", 800), ("WEBP", 700)]
    assert isinstance(found[3], ImageProblem) and "damaged or incomplete" in str(found[3])
    assert len(forks) == 1


def test_in_one_child_each_decoding_has_its_own_limits_and_its_own_refusal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A decoding that crashes, fails or runs over is refused alone: a new child goes on with
    the next ones, and each is given its whole time, whatever the one before it used."""
    monkeypatch.setattr(images, "DECODE_CPU_BASE", 1.0)

    def ok() -> str:
        return '["ok"]'

    def crash() -> str:
        os.kill(os.getpid(), signal.SIGKILL)
        return ""

    def fail() -> str:
        raise MemoryError

    def forever() -> str:
        time.sleep(3600)
        return ""

    def frugal() -> str:  # a tiny picture: 1 s of processor time for it
        images.limit_processor_time(16)
        return '["ok"]'

    def busy() -> str:  # 3.5 s of processor time: past the frugal one's limit, within its own
        while time.process_time() < 3.5:
            pass
        return '["ok"]'

    answers = images.each_within_time([ok, crash, ok, fail, frugal, busy, ok], 60)
    assert answers[0] == answers[2] == answers[4] == answers[5] == answers[6] == '["ok"]'
    assert "the decoder crashed on it (signal 9)" in answers[1]
    assert "could not be decoded (MemoryError)" in answers[3]
    assert len(answers) == 7
    answers = images.each_within_time([ok, forever, ok], 1)  # 1 s by the clock each
    assert answers[0] == answers[2] == '["ok"]' and "decoding it took over 1 s" in answers[1]


def test_a_child_makes_way_before_its_hard_limit_would_cut_a_work_short() -> None:
    """The decoding child inherits the worker's hard limit of processor time, and its works
    add up to it: before a work that the limit could no longer give its whole time, a new
    child takes over, so that no photo is refused for the photos checked before it. (In a
    process of its own: a hard limit is never raised again.)"""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover (the child)
        try:
            resource.setrlimit(resource.RLIMIT_CPU, (6, 6))

            def half_a_second() -> str:
                start = time.process_time()
                while time.process_time() - start < 0.5:
                    pass
                return '["ok"]'

            answers = images.each_within_time([half_a_second] * 14, 3)  # 7 s in all
            os.write(write, json.dumps(answers).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as told:
        answers = json.loads(told.read() or b"[]")
    os.waitpid(pid, 0)
    assert answers == ['["ok"]'] * 14, answers


# --- 2. no metadata reaches any output ----------------------------------------------------


def _stream(stream: pikepdf.Stream) -> bytes:
    try:
        return stream.read_bytes()
    except pikepdf.PdfError:  # a filter pikepdf does not decode (fonts): as stored
        return stream.read_raw_bytes()


def _outputs(root: Path) -> dict[str, bytes]:
    """Every image lettre wrote: images/, the cache (email and print variants), the .eml's
    parts, the PDF's image streams."""
    found = {p.name: p.read_bytes() for p in (root / OUT / "images").iterdir()}
    found |= {f"cache {p.name}": p.read_bytes() for p in _cache(root)}
    message = email.message_from_bytes(
        (root / OUT / f"{STEM}.eml").read_bytes(), policy=email.policy.default
    )
    assert isinstance(message, EmailMessage)
    for n, part in enumerate(message.walk()):
        if part.get_content_maintype() == "image":
            found[f"eml part {n}"] = part.get_payload(decode=True)
    with pikepdf.open(root / OUT / f"{STEM}.pdf") as document:
        for n, obj in enumerate(document.objects):
            if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Image":
                assert "/Metadata" not in obj
                if obj.get("/Filter") == "/DCTDecode":
                    found[f"pdf image {n}"] = obj.read_raw_bytes()
                else:  # decoded pixels: the secrets must not be in them either
                    assert not any(s in _stream(obj) for s in SECRETS)
    return found


@pytest.mark.parametrize("kind", ["JPEG", "PNG", "WEBP"])
def test_no_metadata_reaches_the_email_the_web_version_or_the_pdf(
    newsletter: Newsletter, lettre: Lettre, kind: str
) -> None:
    root = newsletter()
    with_photos(
        root,
        {"photo.jpg": with_metadata(kind), "transparente.png": with_metadata("PNG", alpha=True)},
    )
    with_logo(root, f"logo.{kind.lower()}", with_metadata(kind, (340, 112)))
    result = lettre("build", repo=root)
    assert result.exit_code == 0, result.output
    found = _outputs(root)
    assert sum(name.startswith("pdf image") for name in found) >= 2
    assert sum(name.startswith("eml part") for name in found) == 3  # two photos and the logo
    for name, data in found.items():
        try:
            assert_pixels_only(data)
        except AssertionError as error:
            raise AssertionError(f"{name}: {error}") from None


def test_the_print_edition_of_an_svg_logo_carries_no_metadata(
    newsletter: Newsletter, lettre: Lettre
) -> None:
    root = newsletter()
    with_logo(
        root,
        "logo.svg",
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40"><!-- SECRET-SVG -->'
        "<metadata>SECRET-SVG</metadata><title>SECRET-SVG</title>"
        '<rect width="40" height="40" fill="#002654"/></svg>',
    )
    result = lettre("build", repo=root)
    assert result.exit_code == 0, result.output
    with pikepdf.open(root / OUT / f"{STEM}.pdf") as document:
        for obj in document.objects:
            if isinstance(obj, pikepdf.Stream):
                assert b"SECRET-SVG" not in _stream(obj)


def test_the_svg_logo_given_to_the_print_edition_is_stripped_of_metadata(tmp_path: Path) -> None:
    path = tmp_path / "Logo officiel.svg"
    path.write_text(
        '<?xml version="1.0"?><!-- SECRET-SVG --><svg xmlns="http://www.w3.org/2000/svg" '
        'xmlns:x="http://www.w3.org/1999/xlink" xmlns:i="http://www.inkscape.org/namespaces/inkscape" '
        'viewBox="0 0 40 40"><metadata><rdf>SECRET-SVG</rdf></metadata><title>SECRET-SVG</title>'
        '<desc>SECRET-SVG</desc><defs><rect id="r" i:label="SECRET-SVG" width="40" height="40"/>'
        '</defs><use x:href="#r" fill="#002654"/><image width="4" height="4" href="data:image/jpeg;base64,'
        + base64.b64encode(with_metadata("JPEG", (40, 40))).decode()
        + '"/></svg>'
    )
    logo = images.svg_variant(inspect(path, allow_svg=True))
    assert b"SECRET-SVG" not in logo.data and b"<!--" not in logo.data
    [embedded] = re.findall(rb"base64,([^\"]+)", logo.data)
    assert_pixels_only(base64.b64decode(embedded))
    assert re.fullmatch(r"logo-officiel-[0-9a-f]{10}\.svg", logo.name)
    assert b'<use fill="#002654" xlink:href="#r" />' in logo.data  # the drawing is kept
    (tmp_path / "clean.svg").write_bytes(logo.data)
    assert inspect(tmp_path / "clean.svg", allow_svg=True).width == 40


# --- 3. any file name gives a safe output name -------------------------------------------

AWKWARD_NAMES = [
    "défilé du 14 juillet.jpg",
    "photo #1.jpg",
    "quoi ?.jpg",
    "100% bio.jpg",
    "d%C3%A9fil%C3%A9.jpg",
    'l\'"arrivée".jpg',
    "Tom & Jerry.jpg",
    "fête 🎉.jpg",
    "🎉.jpg",
    "<b>.jpg",
    "CAPITALES.JPEG",
]


def test_photos_with_awkward_names_build_and_link_to_safe_names(
    newsletter: Newsletter, lettre: Lettre
) -> None:
    root = newsletter()
    sources = {name: with_metadata("JPEG", (700 + n, 400)) for n, name in enumerate(AWKWARD_NAMES)}
    with_photos(root, sources)
    assert lettre("check", repo=root).exit_code == 0
    result = lettre("build", repo=root)
    assert result.exit_code == 0, result.output
    written = {p.name for p in (root / OUT / "images").iterdir()}
    assert len(written) == len(AWKWARD_NAMES)
    assert all(re.fullmatch(r"[a-z0-9-]+-[0-9a-f]{10}\.jpg", name) for name in written), written
    web = (root / OUT / f"{STEM}-email.html").read_text()
    linked = set(re.findall(r'src="images/([^"]+)"', web))
    assert linked == written
    assert "defile-du-14-juillet-" in " ".join(written)
    with pikepdf.open(root / OUT / f"{STEM}.pdf") as document:
        shown = sum(
            isinstance(o, pikepdf.Stream) and o.get("/Subtype") == "/Image"
            for o in document.objects
        )
    assert shown >= len(AWKWARD_NAMES)


def test_two_photos_whose_safe_names_collide_stay_apart(
    newsletter: Newsletter, lettre: Lettre
) -> None:
    root = newsletter()
    with_photos(
        root,
        {
            "défilé.jpg": with_metadata("JPEG", (700, 400)),
            "defile.jpg": with_metadata("JPEG", (710, 400)),
            "DÉFILÉ.jpg": with_metadata("JPEG", (720, 400)),
        },
    )
    result = lettre("build", repo=root)
    assert result.exit_code == 0, result.output
    written = sorted((root / OUT / "images").iterdir())
    assert len(written) == 3
    assert {Image.open(p).size[0] for p in written} == {700, 710, 720}


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("défilé du 14 juillet.jpg", "defile-du-14-juillet"),
        ("Œuvre  n°5.png", "oeuvre-n5"),
        ("..jpg", "jpg"),
        (".hidden", "hidden"),
        ("a" * 300 + ".jpg", "a" * 60),
        ("../../etc/passwd", "passwd"),
        ("🎉", "image"),
    ],
)
def test_safe_stem(name: str, stem: str) -> None:
    assert safe_stem(name) == stem


@pytest.mark.parametrize("name", ["a b é.jpg", "100%.jpg", "d%C3%A9.jpg", "#1 ?.jpg", "🎉 &.jpg"])
def test_the_pdf_fetcher_answers_the_urls_weasyprint_asks_for(name: str) -> None:
    """Whatever the name, WeasyPrint's request (through its real fetching) finds it."""
    from weasyprint import HTML

    photo = (MINIMAL / PHOTO).read_bytes()
    fetcher = pdf._fetcher({f"lettre:image/{name}": (photo, "image/jpeg")})
    asked = []
    fetch = fetcher.fetch
    fetcher.fetch = lambda url, headers=None: asked.append(url) or fetch(url, headers)
    source = f'<img src="lettre:image/{html.escape(name)}">'
    HTML(string=source, base_url="lettre:/", url_fetcher=fetcher).write_pdf()
    assert len(asked) == 1  # asked once, answered (a refusal would raise)


# --- 4. the cache is verified, never trusted by name --------------------------------------


def _cache(root: Path) -> list[Path]:
    return sorted((root / "dist/.cache/images").iterdir())


@pytest.mark.parametrize("damage", ["truncated", "garbage", "emptied", "symlink"])
def test_a_damaged_cache_entry_is_made_again(
    newsletter: Newsletter, lettre: Lettre, damage: str, tmp_path: Path
) -> None:
    root = newsletter()
    assert lettre("build", repo=root).exit_code == 0
    good = {p.name: p.read_bytes() for p in (root / OUT / "images").iterdir()}
    entries = {p.name: p.read_bytes() for p in _cache(root)}
    assert len(entries) == 2  # email and print
    for entry in _cache(root):
        data = entry.read_bytes()
        if damage == "symlink":
            entry.unlink()
            (tmp_path / "outside.jpg").write_bytes(data[: len(data) // 2])
            entry.symlink_to(tmp_path / "outside.jpg")
        else:
            entry.write_bytes(
                {
                    "truncated": data[: len(data) // 2],
                    "garbage": b"\x00garbage" * 99,
                    "emptied": b"",
                }[damage]
            )
    result = lettre("build", "--force", repo=root)
    assert result.exit_code == 0, result.output
    assert {p.name: p.read_bytes() for p in (root / OUT / "images").iterdir()} == good
    assert {p.name: p.read_bytes() for p in _cache(root)} == entries  # rewritten, verified
    assert all(not p.is_symlink() for p in _cache(root))
    assert (tmp_path / "outside.jpg").exists() or damage != "symlink"  # a link's target is left


# --- 5. SVG logos that multiply their drawing work ---------------------------------------

SVG = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink" viewBox="0 0 40 40">{}</svg>'


def laughs(levels: int, fan_out: int, attribute: str = "href") -> str:
    defs = ['<rect id="l0" width="1" height="1"/>']
    for level in range(1, levels + 1):
        uses = "".join(f'<use {attribute}="#l{level - 1}"/>' for _ in range(fan_out))
        defs.append(f'<g id="l{level}">{uses}</g>')
    return SVG.format(f'<defs>{"".join(defs)}</defs><use href="#l{levels}"/>')


def nested(depth: int) -> str:
    return SVG.format("<g>" * depth + "<rect width='1' height='1'/>" + "</g>" * depth)


BAD_SVG = {
    "billion laughs of <use>": (laughs(9, 10), "draws over 10,000 elements"),
    "laughs through xlink:href": (laughs(6, 8, "x:href"), "draws over 10,000 elements"),
    "laughs through clip-path": (
        SVG.format(
            '<clipPath id="c0"><rect width="1" height="1"/></clipPath>'
            + "".join(
                f'<clipPath id="c{n}">' + f'<rect clip-path="url(#c{n - 1})"/>' * 10 + "</clipPath>"
                for n in range(1, 7)
            )
            + '<rect clip-path="url(#c6)"/>'
        ),
        "draws over 10,000 elements",
    ),
    "a <use> loop": (
        SVG.format('<g id="a"><use href="#b"/></g><g id="b"><use href="#a"/></g>'),
        "loop back",
    ),
    "a <use> of itself": (SVG.format('<use id="a" href="#a"/>'), "loop back"),
    "nested 100 deep": (nested(100), "nested more than 32 levels"),
    "a chain of 40 uses": (
        SVG.format(
            "".join(f'<use id="u{n}" href="#u{n + 1}"/>' for n in range(40)) + '<rect id="u40"/>'
        ),
        "nested more than 32 levels",
    ),
    "a filter": (
        SVG.format(
            '<filter id="f"><feGaussianBlur stdDeviation="1e9"/></filter><rect filter="url(#f)"/>'
        ),
        "<filter> is refused",
    ),
    "a filter primitive alone": (
        SVG.format('<feTurbulence numOctaves="1000000"/>'),
        "<feTurbulence> is refused",
    ),
    "patterns of patterns": (
        SVG.format(
            '<pattern id="p" width="0.001" height="0.001"><rect fill="url(#q)"/></pattern>'
            '<pattern id="q" href="#p"/><rect width="1e5" height="1e5" fill="url(#p)"/>'
        ),
        "<pattern> is refused",
    ),
    "markers": (
        SVG.format(
            '<marker id="m"><circle r="1"/></marker><path marker-mid="url(#m)" d="M0 0L1 1"/>'
        ),
        "<marker> is refused",
    ),
    "a style sheet with url()": (
        SVG.format("<style>rect { clip-path: url(#c) }</style>"),
        "style sheet with url",
    ),
    "an enormous width": (
        SVG.replace('viewBox="0 0 40 40"', 'width="1e308" height="1"').format(""),
        "is absurd",
    ),
    "an enormous viewBox": (SVG.replace("0 0 40 40", "0 0 400000000 1").format(""), "is absurd"),
    "an embedded bomb": (
        SVG.format(f'<image href="data:image/png;base64,{base64.b64encode(bomb()).decode()}"/>'),
        "embedded image that is refused: too many pixels",
    ),
    "an embedded costly JPEG": (
        SVG.format(
            f'<image href="data:image/jpeg;base64,{base64.b64encode(progressive_jpeg(3000)).decode()}"/>'
        ),
        "embedded image that is refused: more than 64 scans",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD_SVG))
def test_svg_logos_that_multiply_their_work_are_refused(
    newsletter: Newsletter, lettre: Lettre, name: str
) -> None:
    svg, message = BAD_SVG[name]
    root = newsletter()
    with_logo(root, "logo.svg", svg)
    [problem] = check(Repository(root)).problems
    assert problem.field == "logo" and problem.is_error
    assert message in problem.message
    started = time.monotonic()
    result = lettre("build", repo=root)
    assert result.exit_code == 1 and "publication.yaml:6:7: logo: SVG " in result.stderr
    assert message in result.stderr
    assert time.monotonic() - started < 60
    assert not (root / OUT).exists()


@pytest.mark.parametrize(
    "body",
    [
        laughs(3, 10),  # 1,000 drawn: a logo with reuse
        '<defs><linearGradient id="g"><stop offset="0"/></linearGradient></defs>'
        '<rect fill="url(#g)" width="4" height="4"/><rect style="fill:url(#g)"/>',
        '<symbol id="s"><circle r="2"/></symbol>' + '<use href="#s"/>' * 50,
        "<style>rect { fill: #002654 }</style><rect width='4' height='4'/>",
    ],
)
def test_svg_logos_with_ordinary_reuse_pass(tmp_path: Path, body: str) -> None:
    path = tmp_path / "logo.svg"
    path.write_text(body if body.startswith("<svg") else SVG.format(body))
    assert inspect(path, allow_svg=True).format == "SVG"
