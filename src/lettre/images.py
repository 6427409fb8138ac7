"""Images: checked before anything renders them (type, size, integrity, bombs), then made
ready for each edition (resized, recompressed, stripped of metadata, cached)."""

from __future__ import annotations

import base64
import binascii
import contextlib
import functools
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
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageFile, UnidentifiedImageError

from lettre import image_bounds, image_cache, image_pixels, svg, workers
from lettre.errors import LettreError
from lettre.image_pixels import Spec
from lettre.messages import _
from lettre.model import ImageInfo

PHOTO_FORMATS = ("JPEG", "PNG", "WEBP")
MAX_BYTES = 30 * 1024 * 1024
MAX_PIXELS = 50_000_000
"""Beyond this a photo is a decompression bomb, not a picture: 50 Mpx is 8,660 px square."""
MAX_FRAMES = image_bounds.MAX_FRAMES

log = logging.getLogger(__name__)


class ImageProblem(Exception):
    """An image lettre refuses; the message says why and what to do."""


DECODE_SECONDS = 60.0
"""The longest one image's full decoding may last, in a child process, by the clock."""
DECODE_CPU_BASE = 5.0
PIXELS_PER_CPU_SECOND = 5_000_000
"""Once its size is read, a decoding may use 5 s of processor time, and 1 s more for each
5 Mpx in all its frames (a 50 Mpx photo decodes in about 2 s): a file that needs far more than
its size explains is stopped then, not after a minute. Processor time, not the clock: a busy
machine makes a check slower, never a refusal."""


def inspect(path: Path, *, allow_svg: bool = False) -> ImageInfo:
    """The format and size of the image at `path`, after checking it decodes in full, within
    bounds on its size, its structure and the time decoding it takes."""
    found = inspect_files([path], allow_svg=allow_svg)[0]
    if isinstance(found, ImageProblem):
        raise found
    return found


def inspect_files(
    paths: Sequence[Path], *, allow_svg: bool = False
) -> list[ImageInfo | ImageProblem]:
    """`inspect` of each of `paths`, or the problem that refuses it, in their order: the
    bitmaps decoded together (see `inspect_all`)."""
    found: dict[int, ImageInfo | ImageProblem] = {}
    batches: list[list[int]] = [[]]
    held = 0
    for n, path in enumerate(paths):
        size = path.stat().st_size
        if size > MAX_BYTES:
            message = _("{size} MB is too large for an image; keep under 30 MB")
            found[n] = ImageProblem(message.format(size=size // 1_000_000))
        elif allow_svg and path.suffix.lower() == ".svg":
            try:
                found[n] = _inspect_svg(path)
            except ImageProblem as problem:
                found[n] = problem
        else:
            if held + size > BATCH_BYTES and batches[-1]:
                batches.append([])
                held = 0
            batches[-1].append(n)
            held += size
    wanted = _("JPEG, PNG, WebP or SVG") if allow_svg else _("JPEG, PNG or WebP")
    for batch in batches:
        datas = [paths[n].read_bytes() for n in batch]
        for n, answer in zip(batch, inspect_all(datas, wanted), strict=True):
            info = answer if isinstance(answer, ImageProblem) else ImageInfo(paths[n], *answer)
            found[n] = info
    return [found[n] for n in range(len(paths))]


BATCH_BYTES = 64 * 1024 * 1024
"""The photos `inspect_files` holds in memory at once, and decodes in one child (an issue's
photos, most often: a batch ends before the photo that would take it past this)."""


def inspect_bytes(data: bytes, wanted: str = "JPEG, PNG or WebP") -> tuple[str, int, int]:
    """Format, width and height of a bitmap, decoded in full in a child process; or what the
    check cache (see `checks_cached_in`) recorded for the same content."""
    found = inspect_all([data], wanted)[0]
    if isinstance(found, ImageProblem):
        raise found
    return found


def inspect_all(
    datas: Sequence[bytes], wanted: str = "JPEG, PNG or WebP"
) -> list[tuple[str, int, int] | ImageProblem]:
    """`inspect_bytes` of each of `datas`, or the problem that refuses it, in their order.
    Those not checked before are decoded in one child, one after the other, each within its
    own limits (see `each_within_time`): a fork for an issue's photos, not one for each."""
    folder = _CHECK_CACHE.get()
    keys = [_check_key(data) for data in datas]
    found: list[tuple[str, int, int] | ImageProblem | None] = [None] * len(datas)
    decoded: list[int] = []
    for n, (data, key) in enumerate(zip(datas, keys, strict=True)):
        if folder is not None and (recalled := _recalled(folder, key)):
            _CHECKED.add(key)
            found[n] = recalled
            continue
        try:
            image_bounds.check_structure(data)
        except image_bounds.TooMuchWork as error:
            found[n] = ImageProblem(str(error))
            continue
        decoded.append(n)
    if decoded:
        _import_decoders()  # here, once, not in the child
        works = [functools.partial(_decode, datas[n], wanted) for n in decoded]
        for n, answer in zip(decoded, each_within_time(works, DECODE_SECONDS), strict=True):
            kind, *values = json.loads(answer)
            if kind != "ok":
                found[n] = ImageProblem(values[0])
                if folder is not None:  # its child, dead now, may have passed it as this
                    image_cache.forget_check(folder, keys[n])  # build gave up waiting
                continue
            if len(_CHECKED) > 100_000:  # a preview open for months
                _CHECKED.clear()
            _CHECKED.add(keys[n])  # (its record written by its decoding child: _PASSED)
            found[n] = (values[0], values[1], values[2])
    return [answer for answer in found if answer is not None]


def _import_decoders() -> None:
    """What each decoding child needs, imported here, once: the decoders of PHOTO_FORMATS
    (and of the few formats Pillow always tries first), and ctypes (workers.die_with). Not
    every plugin of Pillow (Image.init: 20 ms): a child given a file of another format
    imports them itself (Image.open does), to name that format in its refusal."""
    import ctypes  # noqa: F401

    from PIL import WebPImagePlugin  # noqa: F401 (registers WebP)

    Image.preinit()


_CHECK_VERSION = (
    f"lettre image check 1: {PHOTO_FORMATS} {MAX_BYTES} {MAX_PIXELS} {MAX_FRAMES} "
    f"{image_bounds.MAX_SCANS} {image_bounds.MAX_METADATA_BYTES} {image_bounds.MAX_CHUNKS} "
).encode()
"""Part of a check's key: a change of the rules makes every image checked again."""
_CHECK_CACHE: ContextVar[Path | None] = ContextVar("image_check_cache", default=None)


def _check_key(data: bytes) -> str:
    """The check cache's key of an image's bytes (under the rules of this lettre)."""
    return _sha256(_CHECK_VERSION + _sha256(data).encode())


_CHECKED: set[str] = set()
"""The keys of the contents this process checked: `variant` decodes only those."""
_RECORDED = ("format", "width", "height")


def check_cache(out: Path) -> Path:
    """Where the checks of images are recorded for the output folder `out`."""
    return out / ".cache" / "checks"


def variant_cache(out: Path) -> Path:
    """Where the images made ready for each edition are kept for the output folder `out`."""
    return out / ".cache" / "images"


@contextlib.contextmanager
def checks_cached_in(folder: Path) -> Iterator[None]:
    """Within this block, image checks are recorded in `folder` (lettre's own, such as
    dist/.cache/checks) by content hash, and a content checked before is not decoded again.
    A folder that is a link, or that others may write to, is not used."""
    token = _CHECK_CACHE.set(folder if image_cache.usable(folder) else None)
    try:
        yield
    finally:
        _CHECK_CACHE.reset(token)


def _recalled(folder: Path, key: str) -> tuple[str, int, int] | None:
    """A check recorded in `folder` for `key`, if it holds what a passed check gives."""
    found = image_cache.read_check(folder, key)
    if found is None or set(found) != {*_RECORDED, "key"}:
        return None
    image_format, width, height = (found[name] for name in _RECORDED)
    if not (image_format in PHOTO_FORMATS and isinstance(width, int) and isinstance(height, int)):
        return None
    if not (0 < width <= 65_535 and 0 < height <= 65_535 and width * height <= MAX_PIXELS):
        return None
    return str(image_format), width, height


def each_within_time(works: Sequence[Callable[[], str]], seconds: float) -> list[str]:
    """The answer of each of `works`, computed one after the other in a forked child, each
    given `seconds` by the clock and its own processor time. A work that fails, crashes its
    child or runs over gets its refusal; a new child goes on with the next: one work never
    stands for another.

    Decoding runs in C code that Python cannot interrupt; a child can be killed. Its CPU time
    is also limited, in case the parent itself is stopped.
    """
    answers: list[str] = []
    while len(answers) < len(works):
        answers += _in_child(works[len(answers) :], seconds)
    return answers


def _in_child(works: Sequence[Callable[[], str]], seconds: float) -> list[str]:
    """The answers of the first of `works` that one child gives, one line of JSON each: all
    of them, or those before the one that stopped it, and that one's refusal."""
    read, write = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(read)
        try:
            # killed with its parent (a worker stopped, the work ahead ended): it would
            # otherwise decode on for up to a minute (and, the build killed, keep its lock)
            workers.die_with(parent)
            for n, work in enumerate(works):
                if n and not _time_left_for(seconds):
                    break  # a new child for the rest: each work is given its whole time
                _answer_in_child(write, work, seconds)
        finally:
            os._exit(0)
    os.close(write)
    try:
        told = _answers(read, seconds)
    finally:
        os.close(read)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)  # done, or over its time, or Ctrl-C in the parent
        status = os.waitpid(pid, 0)[1]
    answers = [answer for answer in told if answer is not None]
    if len(answers) < len(told) and len(answers) < len(works):  # over its time
        refusal = _("decoding it took over {seconds} s (a hostile file?); export it again")
        return [*answers, json.dumps(["failed", refusal.format(seconds=f"{seconds:.0f}")])]
    if len(answers) == len(works) or (answers and os.WIFEXITED(status) and not status):
        return answers  # all, or those before the child made way for a new one
    if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGXCPU:
        refusal = _(
            "decoding it took more processor time than its size explains (a hostile file?); "
            "export it again"
        )
    else:
        refusal = _("the decoder crashed on it ({ending}); export it again").format(
            ending=_ending(status)
        )
    return [*answers, json.dumps(["failed", refusal])]


def _time_left_for(seconds: float) -> bool:
    """In the child: whether its hard limit of processor time (the worker's, inherited) still
    leaves a work its `seconds`, after what the works before it used."""
    hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return hard == resource.RLIM_INFINITY or usage.ru_utime + usage.ru_stime + seconds + 2 < hard


def _answer_in_child(write: int, work: Callable[[], str], seconds: float) -> None:
    """In the child: `work`'s answer, given processor time from now, written as one line."""
    hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
    usage = resource.getrusage(resource.RUSAGE_SELF)
    limit = math.ceil(usage.ru_utime + usage.ru_stime + seconds) + 1
    limit = limit if hard == resource.RLIM_INFINITY else min(limit, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (limit, hard))
    try:
        answer = work()
    except BaseException as error:  # told to the parent, which reports it
        message = _("could not be decoded ({error})").format(error=type(error).__name__)
        answer = json.dumps(["failed", message])
    line = (answer.replace("\n", " ") + "\n").encode()  # JSON: a newline only in its spaces
    while line:
        line = line[os.write(write, line) :]
    # the photo's variants, made while it was checked: cached once its answer (a pass) is
    # the parent's, so that a photo refused (even one over its time just then) leaves none
    for cache, data, made in _MADE if answer.startswith('["ok"') else []:
        _cache_made(cache, data, made)
    _MADE.clear()
    # and its check recorded, here rather than by the parent once every photo's answer is
    # in: a decoding stopped before the last (the work done ahead, stopped once the engines
    # are imported) leaves the worker the photos it had not reached, not all of them again
    for folder, key, values in _PASSED if answer.startswith('["ok"') else []:
        image_cache.write_check(folder, key, dict(zip(_RECORDED, values, strict=True)))
    _PASSED.clear()


def limit_processor_time(pixels: int) -> None:
    """In the decoding child, once the image's size is read: the processor time its decoding
    may still use (see PIXELS_PER_CPU_SECOND); over it, the system stops the child (SIGXCPU)."""
    seconds = math.ceil(min(DECODE_SECONDS, DECODE_CPU_BASE + pixels / PIXELS_PER_CPU_SECOND))
    soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    limit = math.ceil(usage.ru_utime + usage.ru_stime) + seconds
    if soft == resource.RLIM_INFINITY or limit < soft:
        resource.setrlimit(resource.RLIMIT_CPU, (limit, hard))


def _answers(read: int, seconds: float) -> list[str | None]:
    """The lines the child wrote before it ended, a None after them when it was still at its
    work `seconds` after the last one (or after it started)."""
    deadline, told, rest = time.monotonic() + seconds, list[str | None](), b""
    while True:
        ready, _writable, _failed = select.select(
            [read], [], [], max(0.0, deadline - time.monotonic())
        )
        if not ready:
            return [*told, None]
        chunk = os.read(read, 65536)
        if not chunk:
            return told
        *lines, rest = (rest + chunk).split(b"\n")
        if lines:
            told += [line.decode() for line in lines]
            deadline = time.monotonic() + seconds


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
        found = _decoded_size(data, wanted)
    except ImageProblem as problem:
        _MADE.clear()  # nothing of a refused photo is cached
        return json.dumps(["failed", str(problem)])
    if (folder := _CHECK_CACHE.get()) is not None:
        _PASSED.append((folder, _check_key(data), found))
    return json.dumps(["ok", *found])


_MADE: list[tuple[Path, bytes, dict[str, image_pixels.Made]]] = []
"""In the decoding child: the variants made while the work checked its photo, cached by
`_answer_in_child` once the photo's answer is with the parent (see made_when_checked)."""
_PASSED: list[tuple[Path, str, tuple[str, int, int]]] = []
"""In the decoding child: the check cache, key and result of the photo it passed, recorded by
`_answer_in_child` once its answer is with the parent (see `inspect_all`)."""


@contextlib.contextmanager
def _checked_only() -> Iterator[None]:
    """Within this block, a photo is decoded for its check alone (no variant made): undoes
    `made_when_checked`."""
    token = _MADE_WHEN_CHECKED.set(None)
    try:
        yield
    finally:
        _MADE_WHEN_CHECKED.reset(token)


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
                limit_processor_time(width * height * getattr(image, "n_frames", 1))
                if image.format not in PHOTO_FORMATS:
                    message = _("{format} images are not supported; use {wanted}")
                    raise ImageProblem(message.format(format=image.format, wanted=wanted))
                cache = _MADE_WHEN_CHECKED.get() if image.format == "JPEG" else None
                if cache:  # decoded at the editions' scale, their variants made from it
                    try:
                        _MADE.append((cache, data, image_pixels.made_from(image, data, SPECS)))
                    except Exception:  # the build's own making meets it again and tells
                        # it: here the plain check decides, as `lettre check`'s would
                        with _checked_only():
                            return _decoded_size(data, wanted)
                if image.format == "JPEG":  # at an eighth (a no-op once decoded)
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


@contextlib.contextmanager
def made_when_checked(cache: Path) -> Iterator[None]:
    """Within this block (a build), a JPEG photo checked is decoded once, for its check and
    for the editions: its decoding child, within the check's limits, decodes it at the scale
    the editions need (not an eighth) and makes every edition's variant from those pixels
    into `cache` (the image cache), where `variants` finds them: a JPEG is decoded once,
    not twice. Only where the check cache would be used (see image_cache.usable)."""
    token = _MADE_WHEN_CHECKED.set(cache if image_cache.usable(cache) else None)
    try:
        yield
    finally:
        _MADE_WHEN_CHECKED.reset(token)


_MADE_WHEN_CHECKED: ContextVar[Path | None] = ContextVar("image_made_when_checked", default=None)


def _cache_made(cache: Path, data: bytes, made: Mapping[str, image_pixels.Made]) -> None:
    """In the decoding child: the variants `made` of the photo `data`, checked, cached as
    `variants` would cache them (the same keys, the same bytes). A variant that cannot be
    written is left to the build to make."""
    keys = _variant_keys(_sha256(data), SPECS)
    for name, each in made.items():
        try:
            size = (each.width, each.height)
            image_cache.write_variant(cache, keys[name], each.suffix, each.data, size)
        except (OSError, LettreError) as error:
            log.debug("variant not cached by the check: %s", error)


def _variant_name(path: Path, key: str) -> str:
    """The file name (without its suffix) of the variant of the image at `path` whose cache
    key is `key`."""
    return f"{safe_stem(path.name)}-{key[:10]}"


def _variant_keys(digest: str, specs: Sequence[Spec]) -> dict[str, str]:
    """The cache key of each spec's variant of an image whose bytes hash to `digest`."""
    return {spec.name: _sha256(digest.encode() + spec.key) for spec in specs}


def _inspect_svg(path: Path) -> ImageInfo:
    """An SVG logo: plain shapes only, nothing it could fetch or run, nothing that multiplies;
    the bitmaps it embeds are checked like photos."""
    try:
        root = svg.parse(path.read_bytes())
        width, height = svg.size(root)
        for _element, _attribute, encoded in svg.embedded_images(root):
            with _checked_only():  # nothing uses their variants
                inspect_bytes(base64.b64decode(encoded), _("JPEG, PNG or WebP"))
    except svg.SvgProblem as error:
        raise ImageProblem(str(error)) from None
    except binascii.Error:
        raise ImageProblem(_("SVG with a damaged embedded image; export it again")) from None
    except ImageProblem as error:
        message = _("SVG with an embedded image that is refused: {reason}")
        raise ImageProblem(message.format(reason=error)) from None
    return ImageInfo(path, "SVG", width, height)


EMAIL = Spec("email", 1200, 4000, 80, borrows=True)
"""Photos are shown 600 px wide: twice that stays sharp on high-density screens. Progressive:
smaller, and a slow connection shows the picture coarse at once. But when the print edition
has the same pixels (a 2400 × 1600 photo: 1200 × 800 for both), its baseline JPEG at 82 is
the email's too, encoded once (15 ms a photo; 10 % heavier than the email's own would be)."""
PRINT = Spec("print", 2000, 886, 82, enough=250 / 300, progressive=False)
"""The box is 300 ppi at the largest printed size: at most the 170 mm of the text block, at
most 75 mm high (print.css's figure limit). 250 ppi is enough, the eye sees no difference at
reading distance: a JPEG is decoded at the smallest scale that keeps 250 ppi at that size, and
resized down to the 300-ppi box only when it is larger (a 2400 × 1600 photo is decoded at half
size, 1200 × 800: 271 ppi printed 75 mm high, and not resampled at all). Never enlarged: a
smaller photo is printed with what it has, and the proof warns under 200 ppi (proof.LOW_PPI).
Baseline, not progressive: a PDF holds the JPEG as it is, and a viewer or a printer decodes a
baseline one quicker; progressive would save 5 % of its bytes for twice the encoding time."""
SPECS = (PRINT, EMAIL)
"""Every edition's: made together, from one decoding."""


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
    """The image made ready for `spec` (resized, recompressed or kept, without metadata: see
    image_pixels), cached by content hash. Every edition's variant is made at once, so that
    the next edition finds its own in the cache."""
    return variants({"": info}, spec, cache)[""]


def variants(
    infos: Mapping[str, ImageInfo], spec: Spec, cache: Path | None = None
) -> dict[str, Variant]:
    """`variant` of each image, by the same keys: those not in the cache are made side by
    side, one thread an image up to the machine's cores (Pillow decodes, resizes and encodes
    without holding Python's lock); each image's bytes are the same made alone or together."""
    found: dict[str, Variant] = {}
    wanted: dict[str, tuple[bytes, dict[str, str], str]] = {}
    once = _ONE_READING.get()
    for key, info in infos.items():
        if once is not None and (info.path, spec.name) in once.variants:
            found[key] = once.variants[info.path, spec.name]
            continue
        source, digest = _read(info.path, once)
        keys = _variant_keys(digest, (*SPECS, spec))
        name = _variant_name(info.path, keys[spec.name])
        cached = image_cache.read_variant(cache, keys[spec.name]) if cache is not None else None
        if cached:
            suffix, data, width, height = cached
            found[key] = Variant(f"{name}{suffix}", data, width, height)
        else:
            source = source if source is not None else _read_again(info.path, digest)
            _checked(info, source)  # here, before any thread: a check may fork a decoder
            wanted[key] = (source, keys, name)
    # always every edition's, from the same pixels: the same bytes with or without a cache
    specs = list({s.name: s for s in (*SPECS, spec)}.values())
    sources = [source for source, _keys, _name in wanted.values()]
    if len(sources) > 1:
        with ThreadPoolExecutor(min(len(sources), os.cpu_count() or 1)) as pool:
            made_all = list(pool.map(lambda source: _make_variant(source, specs), sources))
    else:
        made_all = [_make_variant(source, specs) for source in sources]
    for (key, (_source, keys, name)), made in zip(wanted.items(), made_all, strict=True):
        for other, each in made.items():
            if cache is not None:
                size = (each.width, each.height)
                image_cache.write_variant(cache, keys[other], each.suffix, each.data, size)
            if once is not None:  # named as the cache's would be (see above)
                stem = _variant_name(infos[key].path, keys[other])
                made_here = Variant(f"{stem}{each.suffix}", each.data, each.width, each.height)
                once.variants.setdefault((infos[key].path, other), made_here)
        mine = made[spec.name]
        found[key] = Variant(f"{name}{mine.suffix}", mine.data, mine.width, mine.height)
    if once is not None:
        once.variants.update(((infos[key].path, spec.name), found[key]) for key in infos)
    return {key: found[key] for key in infos}


@dataclass
class _Reading:
    """What `read_once` keeps: the hash of each file as first read, each variant given."""

    digests: dict[Path, str] = field(default_factory=dict)
    variants: dict[tuple[Path, str], Variant] = field(default_factory=dict)


_ONE_READING: ContextVar[_Reading | None] = ContextVar("image_one_reading", default=None)


@contextlib.contextmanager
def read_once() -> Iterator[None]:
    """Within this block, each image file is read once, for every edition: what the first
    edition read (its hash, and each variant given, made or found in the cache) serves the
    others. An issue's editions then show the same picture even when its file changes
    during the build (a variant still to make from a file changed meanwhile is an error),
    and no photo is read, hashed and its variant verified three times."""
    token = _ONE_READING.set(_Reading())
    try:
        yield
    finally:
        _ONE_READING.reset(token)


def _read(path: Path, once: _Reading | None) -> tuple[bytes | None, str]:
    """The bytes of the image at `path` and their hash; within `read_once`, after the first
    reading, its hash alone (the bytes are read again only for a variant to make)."""
    if once is not None and path in once.digests:
        return None, once.digests[path]
    source = path.read_bytes()
    digest = _sha256(source)
    if once is not None:
        once.digests[path] = digest
    return source, digest


def _read_again(path: Path, digest: str) -> bytes:
    """The bytes of the image at `path`, read again: those read first (`digest`), or an
    error (an editor saved another photo during the build: the build is made again)."""
    source = path.read_bytes()
    if _sha256(source) != digest:
        message = _("{path}: changed during the build; build again")
        raise LettreError(message.format(path=path))
    return source


def _make_variant(source: bytes, specs: list[Spec]) -> dict[str, image_pixels.Made]:
    """The variants of `source` for `specs`, by spec name (tests stub this to see the cache
    at work)."""
    return image_pixels.make(source, specs)


def _checked(info: ImageInfo, source: bytes) -> None:
    """Only checked bytes are decoded: the file may have changed since the check (an editor
    saving it during the build); it is then checked again, and refused if it must be."""
    if _sha256(_CHECK_VERSION + _sha256(source).encode()) in _CHECKED:
        return
    try:
        inspect_bytes(source)
    except ImageProblem as problem:
        message = _("{path}: changed during the build, and now refused: {problem}")
        raise LettreError(message.format(path=info.path, problem=problem)) from None


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
            clean = image_pixels.encode(image_pixels.srgb(embedded), PRINT.quality)
        subtype = "png" if clean.suffix == ".png" else "jpeg"
        data_url = f"data:image/{subtype};base64,{base64.b64encode(clean.data).decode()}"
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


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
