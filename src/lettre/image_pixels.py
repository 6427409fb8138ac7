"""Making a checked photo ready for the editions, as cheaply as its quality allows.

One decoding serves every edition. A JPEG is decoded at the smallest scale its decoder offers
(`draft`: 1/2, 1/4, 1/8) that still gives every edition the pixels it needs: the email its
whole box, the print edition `Spec.enough` of its box (250 ppi of the 300 its box holds, at
the largest size it is printed). The pixels are then turned upright and brought to sRGB, and
each edition's are resized down to its box only when they are larger than it, never up: the
largest edition's from the decoded pixels, the email's from the print's when those are large
enough. An edition that borrows (the email) takes another's JPEG of the same pixels at a
quality at least its own (the print's) instead of encoding them again. So a 2400 × 1600
photo is decoded at half size, 1200 × 800 (271 ppi printed 75 mm high), and goes to both
editions as one JPEG, without any resampling; a 6000 × 4000 one is decoded at a quarter,
1500 × 1000, and resized to 1329 × 886 for print, then to 1200 × 800 for the email, each
encoded its own way.
A JPEG already within an edition's size and quality is not encoded again: its compressed data
is kept as it is, only its metadata left out (byte for byte the source when it has none).
Every output carries the pixels and nothing else: no comment, text, colour profile, EXIF (GPS
position, thumbnail) or XMP.
"""

from __future__ import annotations

import io
import logging
import struct
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageOps

from lettre import image_bounds

log = logging.getLogger(__name__)

REDUCING_GAP = 2.0
"""A resize reduces by whole factors down to twice the final size, then resamples with
Lanczos: Pillow's measure for results indistinguishable from a full Lanczos (it matters for
the bitmaps `draft` does not reduce: PNG, WebP)."""
ORIENTATION = 0x0112
_TURNED = (5, 6, 7, 8)
"""EXIF orientations that swap width and height."""


@dataclass(frozen=True)
class Spec:
    """How images are made ready for one edition."""

    name: str
    max_width: int
    max_height: int
    quality: int
    enough: float = 1.0
    """The share of the box, on each side, that is enough pixels: a JPEG is decoded at the
    smallest scale that gives at least this share of the size the box fits it to, and its
    pixels are resized down to the box only when they are larger than it."""
    progressive: bool = True
    """A progressive JPEG (smaller, shown coarse first while it downloads), or a baseline one
    (quicker to encode and to decode: what a PDF viewer or a printer does with it)."""
    borrows: bool = False
    """Takes another edition's JPEG when that one has the same pixels at a quality at least
    its own, instead of encoding them again its own way."""

    @property
    def key(self) -> bytes:
        """Part of the cache key: a change here (or in how variants are made) makes new ones."""
        scan = "progressive" if self.progressive else "baseline"
        return (
            f"{self.name}-v6-{self.max_width}-{self.max_height}-{self.quality}"
            f"-{self.enough:.6f}-{scan}{'-borrows' if self.borrows else ''}"
        ).encode()

    def fitted(self, size: tuple[int, int]) -> tuple[int, int]:
        """`size` scaled down (never up) to fit within this edition's box, proportions kept."""
        width, height = size
        if width <= self.max_width and height <= self.max_height:
            return size
        scale = min(self.max_width / width, self.max_height / height)
        return max(1, round(width * scale)), max(1, round(height * scale))

    def needed(self, size: tuple[int, int]) -> tuple[int, int]:
        """The fewest pixels this edition accepts for a picture of `size`: `enough` of the
        size its box fits it to, to the whole pixel below (so that a side is never refused for
        a fraction of a pixel the other side has to spare)."""
        width, height = self.fitted(size)
        return max(1, int(width * self.enough + 1e-9)), max(1, int(height * self.enough + 1e-9))


@dataclass(frozen=True)
class Made:
    suffix: str
    data: bytes
    width: int
    height: int


def make(source: bytes, specs: Sequence[Spec]) -> dict[str, Made]:
    """The variant of the image `source` for each of `specs`, by spec name."""
    with Image.open(io.BytesIO(source)) as opened:
        return made_from(opened, source, specs)


def made_from(opened: Image.Image, source: bytes, specs: Sequence[Spec]) -> dict[str, Made]:
    """`make`, from `source` opened (and not loaded yet): decoded at the scale the specs
    need, unless each keeps the JPEG as it is."""
    orientation = _orientation(opened)
    stored = opened.size
    upright = stored[::-1] if orientation in _TURNED else stored
    kept = _kept_as_is(opened, source, orientation)
    made = {
        spec.name: Made(".jpg", kept, *stored)
        for spec in specs
        if kept and spec.fitted(upright) == stored and jpeg_quality(opened) <= spec.quality
    }
    remaining = [spec for spec in specs if spec.name not in made]
    if not remaining:
        return made
    needed = (
        max(spec.needed(upright)[0] for spec in remaining),
        max(spec.needed(upright)[1] for spec in remaining),
    )
    pixels = [_decoded(opened, needed, orientation)]
    sizes = {spec.name: spec.fitted(pixels[0].size) for spec in remaining}
    # the largest first; of the same size, an edition that borrows after the others
    by_area = sorted(remaining, key=lambda s: (-sizes[s.name][0] * sizes[s.name][1], s.borrows))
    for done, spec in enumerate(by_area):
        size = sizes[spec.name]
        base = min(
            (p for p in pixels if p.width >= size[0] and p.height >= size[1]),
            key=lambda p: p.width,
        )
        if base.size != size:
            base = base.resize(size, Image.Resampling.LANCZOS, reducing_gap=REDUCING_GAP)
            pixels.append(base)
        lender = next(
            (
                other
                for other in by_area[:done]
                if spec.borrows and sizes[other.name] == size and other.quality >= spec.quality
            ),
            None,
        )
        made[spec.name] = (
            made[lender.name]
            if lender
            else encode(base, spec.quality, progressive=spec.progressive)
        )
    return made


def _orientation(opened: Image.Image) -> int:
    """The EXIF orientation of the picture; 1 (as stored) when its EXIF block is damaged,
    which the check does not refuse (a decoder ignores it)."""
    try:
        return int(opened.getexif().get(ORIENTATION, 1))
    except (SyntaxError, ValueError, TypeError, OSError, struct.error):
        return 1


def _decoded(opened: Image.Image, needed: tuple[int, int], orientation: int) -> Image.Image:
    """The picture upright and in sRGB, decoded at the smallest scale that still gives at
    least the `needed` size (JPEG only: other decoders ignore draft)."""
    wanted = needed[::-1] if orientation in _TURNED else needed
    opened.draft(None, wanted)
    opened.load()
    upright = opened if orientation == 1 else ImageOps.exif_transpose(opened)
    return srgb(upright)


def srgb(image: Image.Image) -> Image.Image:
    """The picture in sRGB, as RGB or (when it has transparency) RGBA, 8 bits a channel."""
    alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    mode = "RGBA" if alpha else "RGB"
    profile = image.info.get("icc_profile")
    if profile and image.mode in ("RGB", "RGBA", "CMYK", "L"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            converted = ImageCms.profileToProfile(
                image, source, ImageCms.createProfile("sRGB"), outputMode=mode
            )
            if converted is not None:
                return converted
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a damaged profile: the pixels as they are
    return image if image.mode == mode else image.convert(mode)


def encode(image: Image.Image, quality: int, *, progressive: bool = True) -> Made:
    """Compressed from a copy that holds the pixels and nothing else: Pillow's savers write
    back some of what `info` holds (the JPEG comment and the colour profile among them), so
    nothing of the source's may reach them. A baseline JPEG (the print edition's) keeps
    libjpeg's standard Huffman tables: optimised ones make it 2 % smaller, for 2.4 times the
    encoding time (3 ms of a 2400 × 1600 photo's 5). A progressive one (the email's own) has
    optimised tables whatever is asked: libjpeg always makes them for it."""
    bare = image.copy()  # the pixels (and `info`, emptied below), nothing else
    bare.info = {}
    buffer = io.BytesIO()
    if bare.mode == "RGBA":
        bare.save(buffer, "PNG", optimize=True)
        return Made(".png", buffer.getvalue(), *bare.size)
    bare.save(buffer, "JPEG", quality=quality, progressive=progressive, optimize=False)
    return Made(".jpg", buffer.getvalue(), *bare.size)


def _kept_as_is(opened: Image.Image, source: bytes, orientation: int) -> bytes | None:
    """The JPEG's own compressed data without its metadata, when that alone is a good variant:
    a colour photo (YCbCr) already upright, in sRGB (no profile, or one that says sRGB), that
    every mail program decodes (see image_bounds.stripped_jpeg)."""
    if opened.format != "JPEG" or opened.mode != "RGB" or orientation != 1:
        return None
    if "adobe" in opened.info or not _srgb_profile(opened.info.get("icc_profile")):
        return None
    return image_bounds.stripped_jpeg(source)


def _srgb_profile(profile: bytes | None) -> bool:
    if not profile:
        return True
    try:
        described = ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(profile)))
    except (ImageCms.PyCMSError, OSError, ValueError):
        return False
    return described.strip().lower().startswith("srgb")


_IJG_LUMINANCE = (
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
    14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
    18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
)  # fmt: skip
"""The JPEG standard's example luminance table (Annex K), which libjpeg scales by quality."""


def jpeg_quality(image: Image.Image) -> int:
    """The libjpeg quality (1–100) a JPEG was saved at, from its luminance table: exact for
    libjpeg's tables, the nearest finer quality for another encoder's; 100 when unknown."""
    tables = getattr(image, "quantization", None) or {}
    if 0 not in tables:
        return 100
    total = sum(tables[0])
    return next((q for q in range(100, 0, -1) if _TABLE_SUMS[q] >= total), 1)


def _table_sum(quality: int) -> int:
    scale = 5000 // quality if quality < 50 else 200 - 2 * quality
    return sum(min(255, max(1, (base * scale + 50) // 100)) for base in _IJG_LUMINANCE)


_TABLE_SUMS = [0, *(_table_sum(q) for q in range(1, 101))]
