"""Images: checked before anything renders them (type, size, integrity, bombs), then made
ready for each edition (resized, recompressed, stripped of metadata, cached)."""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import io
import json
import logging
import math
import os
import re
import resource
import select
import signal
import struct
import time
import unicodedata
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageCms, ImageFile, ImageOps, UnidentifiedImageError

from lettre import image_bounds, svg
from lettre.messages import _
from lettre.model import ImageInfo
from lettre.output import write_atomic

PHOTO_FORMATS = ("JPEG", "PNG", "WEBP")
MAX_BYTES = 30 * 1024 * 1024
MAX_PIXELS = 50_000_000
"""Beyond this a photo is a decompression bomb, not a picture: 50 Mpx is 8,660 px square."""
MAX_FRAMES = image_bounds.MAX_FRAMES

log = logging.getLogger(__name__)


class ImageProblem(Exception):
    """An image lettre refuses; the message says why and what to do."""


DECODE_SECONDS = 60.0
"""One image's full decoding, in a child process: a 50 Mpx photo takes a few seconds."""


def inspect(path: Path, *, allow_svg: bool = False) -> ImageInfo:
    """The format and size of the image at `path`, after checking it decodes in full, within
    bounds on its size, its structure and the time decoding it takes."""
    size = path.stat().st_size
    if size > MAX_BYTES:
        message = _("{size} MB is too large for an image; keep under 30 MB")
        raise ImageProblem(message.format(size=size // 1_000_000))
    if allow_svg and path.suffix.lower() == ".svg":
        return _inspect_svg(path)
    wanted = _("JPEG, PNG, WebP or SVG") if allow_svg else _("JPEG, PNG or WebP")
    image_format, width, height = inspect_bytes(path.read_bytes(), wanted)
    return ImageInfo(path, image_format, width, height)


def inspect_bytes(data: bytes, wanted: str = "JPEG, PNG or WebP") -> tuple[str, int, int]:
    """Format, width and height of a bitmap, decoded in full in a child process."""
    try:
        image_bounds.check_structure(data)
    except image_bounds.TooMuchWork as error:
        raise ImageProblem(str(error)) from None
    Image.init()  # every plugin imported here, once, not in each child
    answer = within_time(lambda: _decode(data, wanted), DECODE_SECONDS)
    kind, *values = json.loads(answer)
    if kind != "ok":
        raise ImageProblem(values[0])
    return values[0], values[1], values[2]


def within_time(work: Callable[[], str], seconds: float) -> str:
    """work()'s answer, computed in a forked child stopped after `seconds`.

    Decoding runs in C code that Python cannot interrupt; a child can be killed. Its CPU time
    is also limited, in case the parent itself is stopped.
    """
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(read)
        try:
            _soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
            limit = math.ceil(seconds) + 1
            limit = limit if hard == resource.RLIM_INFINITY else min(limit, hard)
            resource.setrlimit(resource.RLIMIT_CPU, (limit, hard))
            answer = work()
        except BaseException as error:  # told to the parent, which reports it
            message = _("could not be decoded ({error})").format(error=type(error).__name__)
            answer = json.dumps(["failed", message])
        try:
            os.write(write, answer.encode())
        finally:
            os._exit(0)
    os.close(write)
    try:
        told = _answer(read, seconds)
    finally:
        os.close(read)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)  # done, or over its time, or Ctrl-C in the parent
        _pid, status = os.waitpid(pid, 0)
    if told is None:
        return json.dumps(
            [
                "failed",
                _("decoding it took over {seconds} s (a hostile file?); export it again").format(
                    seconds=f"{seconds:.0f}"
                ),
            ]
        )
    if not told:
        return json.dumps(
            [
                "failed",
                _("the decoder crashed on it ({ending}); export it again").format(
                    ending=_ending(status)
                ),
            ]
        )
    return told


def _answer(read: int, seconds: float) -> str | None:
    """What the child wrote before it ended, or None when it is still at work at the limit."""
    deadline, chunks = time.monotonic() + seconds, list[bytes]()
    while True:
        ready, _writable, _failed = select.select(
            [read], [], [], max(0.0, deadline - time.monotonic())
        )
        if not ready:
            return None
        chunk = os.read(read, 65536)
        if not chunk:
            return b"".join(chunks).decode()
        chunks.append(chunk)


def _ending(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {os.WTERMSIG(status)}"
    return f"exit {os.waitstatus_to_exitcode(status)}"


def _decode(data: bytes, wanted: str) -> str:
    """In the child: ["ok", format, width, height] or ["failed", message], as JSON."""
    # WeasyPrint sets this to True for the whole process when it is imported: a truncated
    # photo must still be refused here (in a child, so the parent keeps its setting).
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        return json.dumps(["ok", *_decoded_size(data, wanted)])
    except ImageProblem as problem:
        return json.dumps(["failed", str(problem)])


def _decoded_size(data: bytes, wanted: str) -> tuple[str, int, int]:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise ImageProblem(
                        _(
                            "{width} × {height} pixels is too many for a photo "
                            "(a decompression bomb?); resize it under 50 megapixels"
                        ).format(width=width, height=height)
                    )
                if width * height * getattr(image, "n_frames", 1) > 4 * MAX_PIXELS:
                    raise ImageProblem(
                        _("an animation with too many pixels in all; use a still photo")
                    )
                if image.format not in PHOTO_FORMATS:
                    message = _("{format} images are not supported; use {wanted}")
                    raise ImageProblem(message.format(format=image.format, wanted=wanted))
                if image.format == "JPEG":
                    image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
                for frame in range(min(getattr(image, "n_frames", 1), MAX_FRAMES)):
                    image.seek(frame)  # an animation is decoded whole: every frame
                    image.load()
                return str(image.format), width, height
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageProblem(
                _(
                    "too many pixels for a photo (a decompression bomb?); "
                    "resize it under 50 megapixels"
                )
            ) from None
        except UnidentifiedImageError:
            message = _("not an image lettre can read; use {wanted}").format(wanted=wanted)
            raise ImageProblem(message) from None
        except (OSError, SyntaxError, ValueError, struct.error) as error:
            message = _("damaged or incomplete image ({error}); export it again")
            raise ImageProblem(message.format(error=error)) from None


def _inspect_svg(path: Path) -> ImageInfo:
    """An SVG logo: plain shapes only, nothing it could fetch or run, nothing that multiplies;
    the bitmaps it embeds are checked like photos."""
    try:
        root = svg.parse(path.read_bytes())
        width, height = svg.size(root)
        for _start, _end, encoded in svg.embedded_images(root):
            inspect_bytes(base64.b64decode(encoded), _("JPEG, PNG or WebP"))
    except svg.SvgProblem as error:
        raise ImageProblem(str(error)) from None
    except binascii.Error:
        raise ImageProblem(_("SVG with a damaged embedded image; export it again")) from None
    except ImageProblem as error:
        message = _("SVG with an embedded image that is refused: {reason}")
        raise ImageProblem(message.format(reason=error)) from None
    return ImageInfo(path, "SVG", width, height)


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
        return f"{self.name}-v3-{self.max_width}-{self.max_height}-{self.quality}".encode()


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
    key = hashlib.sha256(source + spec.key).hexdigest()
    stem = f"{safe_stem(info.path.name)}-{key[:10]}"
    found = _cached(cache, key) if cache is not None else None
    if found:
        suffix, data, width, height = found
        return Variant(f"{stem}{suffix}", data, width, height)
    made = _make_variant(source, stem, spec)
    if cache is not None:
        suffix = Path(made.name).suffix
        entry = f"{key}-{_sha256(made.data)}-{made.width}x{made.height}{suffix}"
        write_atomic(cache / entry, made.data)
    return made


def email_variant(info: ImageInfo, cache: Path | None = None) -> Variant:
    return variant(info, EMAIL, cache)


def svg_variant(info: ImageInfo) -> Variant:
    """The checked SVG logo as the print edition embeds it: vector, without its metadata."""
    source = info.path.read_bytes()
    try:
        root = svg.parse(source)
    except svg.SvgProblem as error:  # changed since it was checked
        raise ImageProblem(str(error)) from None
    for element, attribute, encoded in svg.embedded_images(root):
        with Image.open(io.BytesIO(base64.b64decode(encoded))) as embedded:
            clean = _encode(_pixels_only(embedded), "", PRINT)
        data_url = f"data:image/{clean.subtype};base64,{base64.b64encode(clean.data).decode()}"
        element.set(attribute, data_url)
    data = svg.cleaned(root)
    name = f"{safe_stem(info.path.name)}-{_sha256(source)[:10]}.svg"
    return Variant(name, data, info.width, info.height)


_NOT_DECOMPOSED = str.maketrans(
    {"Œ": "OE", "œ": "oe", "Æ": "AE", "æ": "ae", "ß": "ss", "Ø": "O", "ø": "o", "Ł": "L", "ł": "l"}
)
"""Letters that Unicode does not decompose into an ASCII letter and an accent."""


def safe_stem(file_name: str) -> str:
    """The stem of an output image's name: lower-case ASCII letters, digits and dashes only.

    The one place output image names are made: they go into URLs (web version, hosted
    images), Content-IDs and the PDF's lettre: URLs, where spaces, accents, #, ?, % or
    quotes would need escaping each their own way. "Défilé du 14 juillet.jpg" gives
    "defile-du-14-juillet"; the content hash after it keeps two photos apart.
    """
    name = file_name.rsplit("/", 1)[-1]
    stem = name.rsplit(".", 1)[0] if "." in name.lstrip(".") else name
    spelled = stem.translate(_NOT_DECOMPOSED)
    letters = unicodedata.normalize("NFKD", spelled).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", letters.lower()).strip("-")
    return slug[:60].rstrip("-") or "image"


_CACHE_ENTRY = re.compile(
    r"[0-9a-f]{64}-(?P<sha>[0-9a-f]{64})-(?P<w>\d{1,5})x(?P<h>\d{1,5})(?P<suffix>\.jpg|\.png)"
)


def _cached(cache: Path, key: str) -> tuple[str, bytes, int, int] | None:
    """The cache entry made for `key`, if its bytes are those its name vouches for.

    An entry's name carries the SHA-256 of its bytes: a truncated or damaged entry is
    removed (the cache is lettre's own) and made again, never sent.
    """
    for entry in sorted(cache.glob(f"{key}-*")):
        parsed = _CACHE_ENTRY.fullmatch(entry.name)
        try:
            good = (
                parsed is not None
                and entry.is_file()
                and not entry.is_symlink()
                and entry.stat().st_size <= MAX_BYTES
            )
            data = entry.read_bytes() if good else b""
        except OSError:
            good = False
        if parsed and good and _sha256(data) == parsed["sha"]:
            return parsed["suffix"], data, int(parsed["w"]), int(parsed["h"])
        log.info("cache entry %s is damaged; making it again", entry.name)
        with contextlib.suppress(OSError):  # a folder there: left, and not used
            entry.unlink(missing_ok=True)
    return None


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _make_variant(source: bytes, stem: str, spec: Spec) -> Variant:
    with Image.open(io.BytesIO(source)) as opened:
        # thumbnail() lets the JPEG decoder scale down first (draft), then finishes with
        # Lanczos: several times faster on large photos, the same quality at the final size.
        # A photo turned by its EXIF orientation is turned first (which decodes it whole).
        upright = (
            opened if opened.getexif().get(0x0112, 1) == 1 else ImageOps.exif_transpose(opened)
        )
        upright.thumbnail(
            (spec.max_width, spec.max_height), Image.Resampling.LANCZOS, reducing_gap=3.0
        )
        return _encode(_pixels_only(upright), stem, spec)


def _pixels_only(image: Image.Image) -> Image.Image:
    """The picture in sRGB, in a new image that carries nothing else: no comment, text,
    colour profile, EXIF or XMP can reach the output (Pillow's savers write back some of
    what `info` holds, the JPEG comment and the colour profile among them)."""
    alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    mode = "RGBA" if alpha else "RGB"
    converted = _to_srgb(image, mode)
    return Image.frombytes(mode, converted.size, converted.tobytes())


def _to_srgb(image: Image.Image, mode: str) -> Image.Image:
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
    return image.convert(mode)


def _encode(image: Image.Image, stem: str, spec: Spec) -> Variant:
    """Recompressed without metadata: nothing but the pixels is passed on."""
    buffer = io.BytesIO()
    if image.mode == "RGBA":
        image.save(buffer, "PNG", optimize=True)
        name = f"{stem}.png"
    else:
        image.save(buffer, "JPEG", quality=spec.quality, progressive=True, optimize=True)
        name = f"{stem}.jpg"
    return Variant(name, buffer.getvalue(), image.width, image.height)
