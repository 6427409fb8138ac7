"""Image checks: what is refused before anything renders it."""

from __future__ import annotations

import io
import struct
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageCms, ImageOps

from lettre import image_bounds, image_cache, image_pixels, images
from lettre.images import EMAIL, PRINT, ImageProblem, inspect, variant, variants
from lettre.model import ImageInfo

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


# --- variants: one decoding, kept when already fit, pixels only -----------------------------


def photo(size: tuple[int, int], mode: str = "RGB") -> Image.Image:
    """A picture with detail and smooth areas, as a photo has (noise alone compresses badly)."""
    gradient = Image.linear_gradient("L").resize(size)
    noise = Image.effect_noise((size[0] // 4, size[1] // 4), 40).resize(
        size, Image.Resampling.BICUBIC
    )
    picture = Image.merge("RGB", (gradient, noise, gradient.transpose(Image.Transpose.ROTATE_180)))
    return picture.convert(mode)


def jpeg(picture: Image.Image, **options: object) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", **options)
    return buffer.getvalue()


def info_of(tmp_path: Path, data: bytes, name: str = "photo.jpg") -> ImageInfo:
    path = tmp_path / name
    path.write_bytes(data)
    return inspect(path)


def markers(data: bytes) -> list[int]:
    return [marker for marker, _, _ in image_bounds.jpeg_segments(data)]


def decoded(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data)) as image:
        return image.convert("RGB")


def difference(a: Image.Image, b: Image.Image) -> float:
    """Mean absolute difference per channel, 0–255."""
    histogram = ImageChops.difference(a, b).histogram()
    return sum((i % 256) * n for i, n in enumerate(histogram)) / (a.width * a.height * 3)


@pytest.mark.parametrize("progressive", [False, True])
def test_a_jpeg_already_within_size_and_quality_is_kept_byte_for_byte(
    tmp_path: Path, progressive: bool
) -> None:
    source = jpeg(photo((1000, 600)), quality=75, progressive=progressive)
    info = info_of(tmp_path, source)
    for spec in (EMAIL, PRINT):
        made = variant(info, spec, tmp_path / "cache")
        assert made.data == source, spec.name
        assert (made.width, made.height) == (1000, 600)


def test_a_jpeg_with_metadata_is_stripped_without_encoding_it_again(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x010E] = "SECRET-EXIF"
    exif.get_ifd(0x8825)[2] = (48.0, 51.0, 24.0)  # GPS latitude
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    source = jpeg(photo((900, 600)), quality=70, exif=exif, icc_profile=icc,
                  comment=b"SECRET-COM", xmp=b"<x>SECRET-XMP</x>")  # fmt: skip
    assert {0xE1, 0xE2, 0xFE} <= set(markers(source))
    made = variant(info_of(tmp_path, source), EMAIL)
    assert not {m for m in markers(made.data) if m == 0xFE or 0xE1 <= m <= 0xEF}
    assert b"SECRET" not in made.data
    assert len(made.data) < len(source)
    # the same compressed picture: every byte of the output is the source's, pixels identical
    assert made.data[-200:] in source and made.data[2:20] in source
    assert decoded(made.data).tobytes() == decoded(source).tobytes()


@pytest.mark.parametrize(
    ("why", "source"),
    [
        ("quality above the target", lambda: jpeg(photo((1000, 600)), quality=92)),
        ("larger than the print box", lambda: jpeg(photo((1600, 1000)), quality=70)),
        ("CMYK", lambda: jpeg(photo((1000, 600), "CMYK"), quality=70)),
        ("grey", lambda: jpeg(photo((1000, 600), "L"), quality=70)),
        ("turned by EXIF", lambda: jpeg(photo((700, 700)), quality=70, exif=turned_exif())),
        ("a colour profile that is not sRGB", lambda: jpeg(
            photo((1000, 600)), quality=70,
            icc_profile=ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes())),
    ],
)  # fmt: skip
def test_a_jpeg_that_cannot_be_kept_is_encoded_again_pixels_only(
    tmp_path: Path, why: str, source: Callable[[], bytes]
) -> None:
    data = source()
    made = variant(info_of(tmp_path, data), PRINT)
    assert made.data != data
    assert 0xC0 in markers(made.data)  # encoded by lettre: baseline, for print (see PRINT)
    assert not {m for m in markers(made.data) if m == 0xFE or 0xE1 <= m <= 0xEF}
    assert Image.open(io.BytesIO(made.data)).mode == "RGB"  # 8-bit sRGB colour
    assert image_pixels.jpeg_quality(Image.open(io.BytesIO(made.data))) == PRINT.quality


def turned_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = 6  # shown turned a quarter clockwise
    return exif


def test_a_photo_turned_by_exif_comes_out_upright_at_the_size_shown(tmp_path: Path) -> None:
    picture = photo((1600, 1000))
    picture.paste((255, 0, 0), (0, 0, 200, 200))  # red in the stored top-left corner
    made = variant(info_of(tmp_path, jpeg(picture, quality=90, exif=turned_exif())), EMAIL)
    upright = decoded(made.data)
    assert upright.size == (1000, 1600)  # upright, within the email's 1200 px of width
    red, _, _ = upright.getpixel((upright.width - 20, 20))  # now the top-right corner
    assert red > 200
    reference = ImageOps.exif_transpose(
        Image.open(io.BytesIO(jpeg(picture, quality=90, exif=turned_exif())))
    )
    # encoding this picture again costs ~4 levels; turned the wrong way it would differ by ~40
    assert difference(upright, reference.convert("RGB")) < 6


@pytest.mark.parametrize(
    ("mode", "expected"),
    [("I;16", "RGB"), ("P", "RGB"), ("LA", "RGBA"), ("RGBA", "RGBA"), ("1", "RGB")],
)
def test_unusual_modes_become_8_bit_srgb(tmp_path: Path, mode: str, expected: str) -> None:
    picture = photo((2400, 1500)).convert("RGBA" if "A" in mode else "RGB")
    source = picture.convert("I;16") if mode == "I;16" else picture.convert(mode)
    buffer = io.BytesIO()
    source.save(buffer, "PNG")
    made = variant(info_of(tmp_path, buffer.getvalue(), "picture.png"), PRINT)
    with Image.open(io.BytesIO(made.data)) as result:
        assert result.mode == expected
        assert result.size == (1418, 886)


@pytest.fixture
def spied(monkeypatch: pytest.MonkeyPatch) -> tuple[list[tuple[int, int]], list[object]]:
    """The sizes `image_pixels` decodes JPEGs at, and each resize it makes (from, to)."""
    decodings: list[tuple[int, int]] = []
    resized: list[object] = []
    real_decoded, real_resize = image_pixels._decoded, Image.Image.resize

    def spy_decoded(*args: object) -> Image.Image:
        result = real_decoded(*args)  # type: ignore[arg-type]
        decodings.append(result.size)
        return result

    def spy_resize(
        self: Image.Image, size: tuple[int, int], *args: object, **kw: object
    ) -> Image.Image:
        resized.append((self.size, size))
        return real_resize(self, size, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(image_pixels, "_decoded", spy_decoded)
    monkeypatch.setattr(Image.Image, "resize", spy_resize)
    return decodings, resized


@pytest.mark.parametrize(
    ("source", "decoding", "resizes"),
    [
        # half size is 1200 × 800: the email's whole box, 271 ppi printed 75 mm high
        ((2400, 1600), (1200, 800), []),
        # a quarter still holds the email's 1200 × 800 and 250 ppi: resized to 300 ppi
        ((6000, 4000), (1500, 1000), [((1500, 1000), (1329, 886)), ((1329, 886), (1200, 800))]),
        # half is 738 px high, 250 ppi at 75 mm (to the pixel): printed as decoded
        ((2952, 1476), (1476, 738), [((1476, 738), (1200, 600))]),
        # half would be 737 px high, under 250 ppi: decoded whole, resized to 300 ppi
        ((2948, 1474), (2948, 1474), [((2948, 1474), (1772, 886)), ((1772, 886), (1200, 600))]),
        # half would be 900 px wide, short of the email's 1200: decoded whole
        ((1800, 1200), (1800, 1200), [((1800, 1200), (1329, 886)), ((1329, 886), (1200, 800))]),
        # upright: the email's 1200 × 1800 needs every pixel, print's 591 × 886 far fewer
        ((1600, 2400), (1600, 2400), [((1600, 2400), (1200, 1800)), ((1200, 1800), (591, 886))]),
        # smaller than both boxes: never enlarged
        ((800, 500), (800, 500), []),
    ],
)
def test_a_jpeg_is_decoded_once_at_the_smallest_scale_that_gives_250_ppi(
    tmp_path: Path,
    spied: tuple[list[tuple[int, int]], list[object]],
    source: tuple[int, int],
    decoding: tuple[int, int],
    resizes: list[tuple[tuple[int, int], tuple[int, int]]],
) -> None:
    """One decoding (draft) at the smallest scale that leaves the email its whole box and
    print 250 ppi at its largest size (PRINT.enough: 75 mm high, or 170 mm wide), then each
    resized down to its box only when larger, the smaller from the larger: never up."""
    decodings, resized = spied
    info = info_of(tmp_path, jpeg(photo(source), quality=90))  # over 82: never kept as is
    resized.clear()  # those that made the test photo
    made = {spec.name: variant(info, spec, tmp_path / "cache") for spec in (PRINT, EMAIL)}
    assert decodings == [decoding]
    assert resized == resizes
    sizes = {name: (each.width, each.height) for name, each in made.items()}
    assert sizes == {"print": PRINT.fitted(decoding), "email": EMAIL.fitted(decoding)}
    for each in made.values():
        assert decoded(each.data).size == (each.width, each.height)
    width, height = sizes["print"]
    printed_mm = min(170, 75 * width / height)
    ppi = width / (printed_mm / 25.4)
    assert ppi >= 249.9 or sizes["print"] == source  # at its largest size in print


def test_a_2400_photo_goes_to_print_and_email_as_decoded_at_half_size(tmp_path: Path) -> None:
    """No resampling at all: both variants are the draft decoding at half size, encoded once
    as print wants it (the email borrows it: see Spec.borrows)."""
    source = jpeg(photo((2400, 1600)), quality=90)
    info = info_of(tmp_path, source)
    with Image.open(io.BytesIO(source)) as opened:
        opened.draft(None, (1200, 800))
        half = opened.convert("RGB")
    assert half.size == (1200, 800)
    once = image_pixels.encode(half, PRINT.quality, progressive=PRINT.progressive).data
    assert variant(info, PRINT).data == variant(info, EMAIL).data == once
    printed = decoded(variant(info, PRINT).data)
    reference = decoded(source).resize((1200, 800), Image.Resampling.LANCZOS)
    # half-size decoding is a fine reduction: as close to a full Lanczos as encoding it costs
    encoding_alone = difference(decoded(jpeg(reference, quality=PRINT.quality)), reference)
    assert difference(printed, reference) < encoding_alone + 2


def test_the_email_borrows_the_print_jpeg_when_it_has_the_same_pixels(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 2400 × 1600 photo: 1200 × 800 for print and for the email, one encoding (the print's
    baseline JPEG) for both; a 6000 × 4000 one: 1329 × 886 for print (baseline), 1200 × 800
    for the email (its own, progressive), two."""
    encodings: list[tuple[int, int]] = []
    encode = image_pixels.encode

    def counted(image: Image.Image, quality: int, **options: bool) -> image_pixels.Made:
        encodings.append(image.size)
        return encode(image, quality, **options)

    monkeypatch.setattr(image_pixels, "encode", counted)
    for size, made in (((2400, 1600), [(1200, 800)]), ((6000, 4000), [(1329, 886), (1200, 800)])):
        info = info_of(tmp_path, jpeg(photo(size), quality=90))
        encodings.clear()
        printed, mailed = (variant(info, spec, tmp_path / "cache") for spec in (PRINT, EMAIL))
        assert encodings == made
        assert 0xC0 in markers(printed.data)  # SOF0: baseline
        shared = len(made) == 1
        assert (printed.data == mailed.data) == shared
        assert (0xC0 if shared else 0xC2) in markers(mailed.data)  # SOF2: progressive


def test_the_cheaper_way_looks_like_a_full_lanczos_of_the_source(tmp_path: Path) -> None:
    source = jpeg(photo((6000, 4000)), quality=92)
    info = info_of(tmp_path, source)
    full = decoded(source)
    for spec in (PRINT, EMAIL):
        made = decoded(variant(info, spec, tmp_path / "cache").data)
        reference = full.resize(made.size, Image.Resampling.LANCZOS)
        encoding_alone = difference(decoded(jpeg(reference, quality=spec.quality)), reference)
        # measured: draft and the email made from the print add ~1 level to the JPEG's own loss
        assert difference(made, reference) < encoding_alone + 2, spec.name


def test_variants_are_the_same_bytes_with_or_without_the_cache(tmp_path: Path) -> None:
    info = info_of(tmp_path, jpeg(photo((2400, 1600)), quality=88))
    cached = [variant(info, spec, tmp_path / "cache").data for spec in (EMAIL, PRINT)]
    again = [variant(info, spec, tmp_path / "cache").data for spec in (EMAIL, PRINT)]
    alone = [variant(info, spec).data for spec in (EMAIL, PRINT)]
    assert cached == again == alone


def test_an_issues_images_made_side_by_side_are_those_made_one_by_one(tmp_path: Path) -> None:
    infos = {}
    for n, size in enumerate([(2400, 1600), (900, 1200), (3000, 1000), (640, 640)]):
        folder = tmp_path / f"i{n}"
        folder.mkdir()
        infos[f"images/{n}.jpg"] = info_of(folder, jpeg(photo(size), quality=85 + n))
    together = variants(infos, PRINT, tmp_path / "cache")
    assert list(together) == list(infos)  # in the issue's order
    for src, info in infos.items():
        alone = variant(info, PRINT)
        made = together[src]
        assert (made.name, made.data, made.width, made.height) == (
            alone.name,
            alone.data,
            alone.width,
            alone.height,
        ), src
    # the email's, made with them, come from the cache: the same as made alone too
    email = variants(infos, EMAIL, tmp_path / "cache")
    assert [v.data for v in email.values()] == [variant(i, EMAIL).data for i in infos.values()]


@pytest.mark.parametrize("quality", [10, 30, 50, 75, 80, 82, 90, 95, 100])
def test_jpeg_quality_is_read_from_the_tables(quality: int) -> None:
    with Image.open(io.BytesIO(jpeg(photo((64, 64)), quality=quality))) as image:
        assert image_pixels.jpeg_quality(image) == quality


def test_stripping_keeps_only_what_draws_the_picture() -> None:
    source = jpeg(photo((300, 200)), quality=70, comment=b"note")
    assert image_bounds.stripped_jpeg(source + b"trailing data") == image_bounds.stripped_jpeg(
        source
    )
    assert image_bounds.stripped_jpeg(source[:-100]) is None  # truncated: no end of image
    sof = source.index(b"\xff\xc0")
    arithmetic = source[:sof] + b"\xff\xc9" + source[sof + 2 :]
    assert image_bounds.stripped_jpeg(arithmetic) is None
    adobe = source[:2] + b"\xff\xee\x00\x0eAdobe\x00\x64\x00\x00\x00\x00\x00" + source[2:]
    assert image_bounds.stripped_jpeg(adobe) is None
    thumbnail = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x01\x01" + b"\x00\x00\x00"
    with_thumbnail = source[:2] + b"\xff\xe0" + struct.pack(">H", 2 + len(thumbnail)) + thumbnail
    kept = image_bounds.stripped_jpeg(with_thumbnail + source[2:])
    assert kept is not None and thumbnail not in kept


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(lambda: jpeg(photo((2400, 1600)), quality=90), id="2400 px, half its size"),
        pytest.param(lambda: jpeg(photo((900, 1200)), quality=95), id="portrait, encoded again"),
        pytest.param(lambda: jpeg(photo((1000, 600)), quality=75), id="kept as it is"),
        pytest.param(
            lambda: jpeg(
                photo((2400, 1600)), quality=90, dpi=(300, 300), exif=b"Exif\0\0" + b"X" * 16
            ),
            id="a damaged EXIF block",
        ),
    ],
)
def test_a_jpeg_checked_in_a_build_is_made_ready_by_its_check_the_same_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: Callable[[], bytes]
) -> None:
    """In a build (images.made_when_checked), the child that decodes a JPEG for its check
    decodes it at the editions' scale and caches their variants: the build then finds them,
    the same bytes as made by itself, and decodes it no more."""
    (tmp_path / "photo.jpg").write_bytes(source())
    with images.made_when_checked(tmp_path / "cache"):
        info = inspect(tmp_path / "photo.jpg")
    assert len(list((tmp_path / "cache").iterdir())) == 2  # print's and email's

    def never(*args: object) -> None:
        raise AssertionError("decoded again")

    monkeypatch.setattr(images, "_make_variant", never)
    found = [variant(info, spec, tmp_path / "cache") for spec in (PRINT, EMAIL)]
    monkeypatch.undo()
    assert found == [variant(info, spec) for spec in (PRINT, EMAIL)]  # made alone


def _cut_short(data: bytes) -> bytes:
    return data[: len(data) * 2 // 3]


def _broken_scan(data: bytes) -> bytes:
    """Whole, every segment in place, but its scan names a component the frame has not: a
    JPEG kept as it is (its variants are its own bytes) that only a decoding refuses."""
    start = next(s for marker, s, _end in image_bounds.jpeg_segments(data) if marker == 0xDA)
    return data[: start + 5] + b"\x09" + data[start + 6 :]


@pytest.mark.parametrize("size", [(1000, 600), (2400, 1600)], ids=["kept as it is", "made again"])
@pytest.mark.parametrize("damage", [_cut_short, _broken_scan])
def test_a_damaged_jpeg_is_refused_by_a_builds_check_and_nothing_of_it_cached(
    tmp_path: Path, size: tuple[int, int], damage: Callable[[bytes], bytes]
) -> None:
    """A JPEG that its variants keep as it is (within size and quality) is still decoded
    for its check, as one made again is: damaged, it is refused, and no variant is cached."""
    (tmp_path / "photo.jpg").write_bytes(damage(jpeg(photo(size), quality=75)))
    with images.made_when_checked(tmp_path / "cache"), pytest.raises(ImageProblem, match="damaged"):
        inspect(tmp_path / "photo.jpg")
    assert not (tmp_path / "cache").exists()


def test_outside_a_build_a_check_makes_nothing(tmp_path: Path) -> None:
    """`lettre check` decodes at an eighth and caches no variant (see the build's above)."""
    info_of(tmp_path, jpeg(photo((2400, 1600)), quality=90))
    assert list(tmp_path.iterdir()) == [tmp_path / "photo.jpg"]


def test_a_photo_refused_over_its_time_leaves_no_variant_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its variants made, a photo whose check then runs over its time is refused, and the
    variants are not cached: they are written only once the parent has the photo's pass."""
    making = image_pixels.made_from

    def slow(*args: object) -> object:
        made = making(*args)  # type: ignore[arg-type]
        time.sleep(3)  # past the limit below, the variants made
        return made

    monkeypatch.setattr(image_pixels, "made_from", slow)
    monkeypatch.setattr(images, "DECODE_SECONDS", 1.0)
    (tmp_path / "photo.jpg").write_bytes(jpeg(photo((2400, 1600)), quality=90))
    with (
        images.made_when_checked(tmp_path / "cache"),
        pytest.raises(ImageProblem, match="over 1 s"),
    ):
        inspect(tmp_path / "photo.jpg")
    assert not (tmp_path / "cache").exists()


def test_a_photo_passed_is_cached_after_its_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The child tells the parent a photo's pass before it caches the variants: a child that
    runs over its time while caching them (a slow disk) has told the pass already, and the
    photo is not refused with variants of it left behind."""
    writing = image_cache.write_variant

    def slow(*args: object) -> None:
        writing(*args)  # type: ignore[arg-type]
        time.sleep(3)  # past the limit below

    monkeypatch.setattr(image_cache, "write_variant", slow)
    monkeypatch.setattr(images, "DECODE_SECONDS", 1.0)
    (tmp_path / "photo.jpg").write_bytes(jpeg(photo((2400, 1600)), quality=90))
    with images.made_when_checked(tmp_path / "cache"):
        assert inspect(tmp_path / "photo.jpg").width == 2400
    assert list((tmp_path / "cache").iterdir())  # the first written before the child was stopped
