"""Images: checked before anything renders them (type, size, integrity, bombs), then made\nready for each edition (resized, recompressed, stripped of metadata, cached)."""

from __future__ import annotations

import hashlib
import io
import re
import warnings
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from lettre.model import ImageInfo
from lettre.output import write_atomic

PHOTO_FORMATS = ("JPEG", "PNG", "WEBP")
MAX_BYTES = 30 * 1024 * 1024
MAX_PIXELS = 50_000_000
"""Beyond this a photo is a decompression bomb, not a picture: 50 Mpx is 8,660 px square."""
MAX_SVG_BYTES = 1024 * 1024
MAX_FRAMES = 200


class ImageProblem(Exception):
    """An image lettre refuses; the message says why and what to do."""


def inspect(path: Path, *, allow_svg: bool = False) -> ImageInfo:
    """The format and size of the image at `path`, after checking it decodes in full."""
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise ImageProblem(f"{size // 1_000_000} MB is too large for an image; keep under 30 MB")
    if allow_svg and path.suffix.lower() == ".svg":
        return _inspect_svg(path)
    return _inspect_bitmap(path, "JPEG, PNG, WebP or SVG" if allow_svg else "JPEG, PNG or WebP")


def _inspect_bitmap(path: Path, wanted: str) -> ImageInfo:
    # WeasyPrint sets this to True for the whole process when it is imported: a truncated
    # photo must still be refused here, so it is set for this check alone.
    tolerant, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
    try:
        return _decode(path, wanted)
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = tolerant


def _decode(path: Path, wanted: str) -> ImageInfo:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(path) as image:
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise ImageProblem(
                        f"{width} × {height} pixels is too many for a photo (a decompression bomb?);"
                        " resize it under 50 megapixels"
                    )
                if width * height * getattr(image, "n_frames", 1) > 4 * MAX_PIXELS:
                    raise ImageProblem(
                        "an animation with too many pixels in all; use a still photo"
                    )
                if image.format not in PHOTO_FORMATS:
                    raise ImageProblem(f"{image.format} images are not supported; use {wanted}")
                if image.format == "JPEG":
                    image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
                for frame in range(min(getattr(image, "n_frames", 1), MAX_FRAMES)):
                    image.seek(frame)  # an animation is decoded whole: every frame
                    image.load()
                return ImageInfo(path, image.format, width, height)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageProblem(
                "too many pixels for a photo (a decompression bomb?); resize it under 50 megapixels"
            ) from None
        except UnidentifiedImageError:
            raise ImageProblem(f"not an image lettre can read; use {wanted}") from None
        except (OSError, SyntaxError, ValueError) as error:
            raise ImageProblem(f"damaged or incomplete image ({error}); export it again") from None


SVG_NAMESPACE = "http://www.w3.org/2000/svg"
_SVG_REFUSED_TEXT = re.compile(
    r"<!DOCTYPE|<!ENTITY|<\?xml-stylesheet|@import|javascript|url\(\s*['\"]?(?!#)",
    re.IGNORECASE,
)
_SVG_REFUSED_ELEMENTS = {
    "script", "foreignObject", "iframe", "set", "animate", "animateMotion",
    "animateTransform", "handler", "listener",
}  # fmt: skip


def _inspect_svg(path: Path) -> ImageInfo:
    """An SVG logo: plain shapes only, nothing it could fetch or run."""
    data = path.read_bytes()
    if len(data) > MAX_SVG_BYTES:
        raise ImageProblem("SVG over 1 MB; simplify it or export a PNG")
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise ImageProblem("SVG not saved as UTF-8; export it again as UTF-8") from None
    refused = _SVG_REFUSED_TEXT.search(text)
    if refused:
        raise ImageProblem(
            f"SVG with {refused.group(0)[:20]!r} is refused: a logo needs only shapes"
        )
    try:
        root = ET.fromstring(text)
    except ET.ParseError as error:
        raise ImageProblem(f"not a valid SVG file ({error})") from None
    if root.tag != f"{{{SVG_NAMESPACE}}}svg":
        raise ImageProblem("not an SVG file: its root element is not <svg>")
    for element in root.iter():
        _check_svg_element(element)
    width, height = _svg_size(root)
    return ImageInfo(path, "SVG", width, height)


def _check_svg_element(element: ET.Element) -> None:
    namespace, name = (
        element.tag[1:].split("}", 1) if element.tag.startswith("{") else ("", element.tag)
    )
    if namespace != SVG_NAMESPACE or name in _SVG_REFUSED_ELEMENTS:
        raise ImageProblem(f"SVG with <{name}> is refused: a logo needs only shapes")
    for attribute, value in element.attrib.items():
        local = _local(attribute)
        if local.lower().startswith("on"):
            raise ImageProblem(f"SVG with an event handler ({local}) is refused")
        if local == "href" and not re.match(r"#|data:image/(png|jpeg|webp);", value):
            raise ImageProblem(f"SVG refers to another file ({value[:60]}); embed it")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _svg_size(root: ET.Element) -> tuple[int, int]:
    box = root.get("viewBox", "").replace(",", " ").split()
    try:
        if len(box) == 4:
            return round(float(box[2])), round(float(box[3]))
        return round(float(root.get("width", "0"))), round(float(root.get("height", "0")))
    except (ValueError, OverflowError):  # "100%", "inf", "1e400"
        return 0, 0


@dataclass(frozen=True)
class Spec:
    """How images are made ready for one edition."""

    name: str
    max_width: int
    max_height: int
    quality: int

    @property
    def key(self) -> bytes:
        """Part of the cache key: a change here makes new variants."""
        return f"{self.name}-v2-{self.max_width}-{self.max_height}-{self.quality}".encode()


EMAIL = Spec("email", 1200, 4000, 80)
"""Photos are shown 600 px wide: twice that stays sharp on high-density screens."""
PRINT = Spec("print", 2000, 886, 82)
"""300 dpi at the printed size: at most the 170 mm of the text block, at most 75 mm high
(print.css's figure limit)."""


@dataclass(frozen=True)
class Variant:
    name: str
    """File name in the output's images/ folder."""
    data: bytes
    width: int
    height: int

    @property
    def subtype(self) -> str:
        return {".png": "png", ".svg": "svg+xml"}.get(Path(self.name).suffix, "jpeg")


def variant(info: ImageInfo, spec: Spec, cache: Path | None = None) -> Variant:
    """The image resized for `spec`, recompressed, without metadata; cached by content hash."""
    source = info.path.read_bytes()
    digest = hashlib.sha256(source + spec.key).hexdigest()
    stem = f"{info.path.stem}-{digest[:10]}"
    if cache is not None:
        for cached in cache.glob(f"{digest}.*"):
            with Image.open(cached) as image:
                return Variant(f"{stem}{cached.suffix}", cached.read_bytes(), *image.size)
    made = _make_variant(info, stem, spec)
    if cache is not None:
        write_atomic(cache / f"{digest}{Path(made.name).suffix}", made.data)
    return made


def email_variant(info: ImageInfo, cache: Path | None = None) -> Variant:
    return variant(info, EMAIL, cache)


def _make_variant(info: ImageInfo, stem: str, spec: Spec) -> Variant:
    with Image.open(info.path) as opened:
        # thumbnail() lets the JPEG decoder scale down first (draft), then finishes with
        # Lanczos: several times faster on large photos, the same quality at the final size.
        # A photo turned by its EXIF orientation is turned first (which decodes it whole).
        upright = (
            opened if opened.getexif().get(0x0112, 1) == 1 else ImageOps.exif_transpose(opened)
        )
        upright.thumbnail(
            (spec.max_width, spec.max_height), Image.Resampling.LANCZOS, reducing_gap=3.0
        )
        return _encode(upright, stem, spec)


def _encode(image: Image.Image, stem: str, spec: Spec) -> Variant:
    """Recompressed without metadata: nothing but the pixels is passed on."""
    buffer = io.BytesIO()
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        image.save(buffer, "PNG", optimize=True)
        name = f"{stem}.png"
    else:
        rgb = image.convert("RGB")
        rgb.save(buffer, "JPEG", quality=spec.quality, progressive=True, optimize=True)
        name = f"{stem}.jpg"
    return Variant(name, buffer.getvalue(), image.width, image.height)
