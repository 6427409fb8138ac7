"""How much work decoding an image would take, counted from its structure before decoding.

A file can be small and still cost minutes to decode: a progressive JPEG that repeats its
scans thousands of times (each scan visits every block of the picture), a PNG whose text or
colour-profile chunks inflate to megabytes, an APNG or WebP animation with thousands of
frames. Walking the segments or chunks is cheap and exact; what is over a bound is refused
before Pillow sees it.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable, Iterator

from lettre.messages import N_, _

MAX_SCANS = 64
"""A progressive JPEG has about 10 scans (libjpeg's default progression), mozjpeg's
optimised ones a few more; thousands only make the decoder go over every block again."""
MAX_FRAMES = 200
MAX_METADATA_BYTES = 2 * 1024 * 1024
"""Comments, text, colour profile, EXIF and XMP together: a photo carries a few kilobytes."""
MAX_CHUNKS = 20_000


class TooMuchWork(Exception):
    """The image would cost too much to decode; the message says why and what to do."""


def check_structure(data: bytes) -> None:
    """Refuse `data` when its structure promises more decoding work than a photo needs.

    Files that are not JPEG, PNG or WebP, and broken structures, are left to Pillow, which
    says so more precisely.
    """
    if data.startswith(b"\xff\xd8"):
        _jpeg(data)
    elif data.startswith(b"\x89PNG\r\n\x1a\n"):
        _png(data)
    elif data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        _webp(data)


def jpeg_segments(data: bytes) -> Iterator[tuple[int, int, int]]:
    """Each segment of a JPEG as (marker, start, end), from the first after SOI up to and
    including EOI; a scan (SOS) runs to the end of its entropy-coded data. The walk stops
    where the structure is broken: a caller that needs the whole file checks it saw EOI."""
    position = 2
    while position + 2 <= len(data):
        if data[position] != 0xFF:
            return
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte before a marker
            position += 1
            continue
        if _without_length(marker):
            yield marker, position, position + 2
            if marker == 0xD9:
                return
            position += 2
            continue
        if position + 4 > len(data):
            return
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        end = position + 2 + length
        if marker == 0xDA:  # start of scan: its entropy-coded data follows
            end = _after_entropy_data(data, end)
        yield marker, position, end
        position = end


def _without_length(marker: int) -> bool:
    return marker in (0xD9, 0x01) or 0xD0 <= marker <= 0xD7  # end, TEM, restarts


def _jpeg(data: bytes) -> None:
    scans = metadata = segments = 0
    for marker, start, end in jpeg_segments(data):
        if _without_length(marker):
            continue
        segments += 1
        if marker == 0xFE or 0xE0 <= marker <= 0xEF:  # comments and APPn (EXIF, XMP, ICC…)
            metadata += end - start - 2
        _bound(segments, MAX_CHUNKS, N_("segments"), N_("export it again"))
        _bound(metadata, MAX_METADATA_BYTES, METADATA, N_("export it without metadata"))
        if marker == 0xDA:
            scans += 1
            _bound(scans, MAX_SCANS, N_("scans"), N_("export it again as a baseline JPEG"))


def _after_entropy_data(data: bytes, position: int) -> int:
    """The next marker after a scan's data: 0xFF there is stuffed as FF 00, and restart
    markers (FF D0–D7) belong to the scan."""
    while True:
        position = data.find(b"\xff", position)
        if position < 0 or position + 1 >= len(data):
            return len(data)
        following = data[position + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
            position += 1
            continue
        return position


_PLAIN_JPEG = {0xC0, 0xC1, 0xC2, 0xC4, 0xDB, 0xDD, 0xDA, 0xD9}
"""What draws a baseline or progressive JPEG with Huffman coding (frame, tables, restart
interval, scans, end): what every mail program and browser decodes."""


def stripped_jpeg(data: bytes) -> bytes | None:
    """The JPEG without its metadata, its picture untouched (the same compressed data): every
    comment and APPn segment (EXIF with its GPS position and thumbnail, XMP, ICC profile,
    Photoshop's…) is left out, except a bare JFIF header; nothing after its end is kept.

    None when leaving a segment out would change the picture (Adobe's colour transform),
    when the JPEG is not a plain 8-bit Huffman one, or when its structure is broken: it is
    then encoded again.
    """
    kept = [data[:2]]
    for marker, start, end in jpeg_segments(data):
        segment = data[start:end]
        if marker in (0xC0, 0xC1, 0xC2) and segment[4:5] != b"\x08":
            return None  # 12-bit samples
        if marker == 0xE0 and _bare_jfif(segment):
            kept.append(segment)
        elif marker == 0xEE:
            return None  # Adobe: how the colours were transformed
        elif marker in _PLAIN_JPEG:
            kept.append(segment)
            if marker == 0xD9:
                return b"".join(kept)
        elif not (marker == 0xFE or 0xE0 <= marker <= 0xEF):
            return None  # arithmetic coding, lossless, hierarchical, unknown
    return None  # no end of image: truncated


def _bare_jfif(segment: bytes) -> bool:
    """A JFIF header without a thumbnail (which would be a second picture)."""
    return len(segment) == 18 and segment[4:9] == b"JFIF\0" and segment[16:18] == b"\0\0"


_PNG_IMAGE_CHUNKS = {b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"acTL", b"fcTL", b"fdAT"}


def _png(data: bytes) -> None:
    def metadata(kind: bytes, start: int, length: int, room: int) -> int:
        if kind in _PNG_IMAGE_CHUNKS:
            return 0
        chunk = data[start : start + length]  # tEXt, zTXt, iTXt, iCCP, eXIf…
        return _inflated(kind, chunk, room) or length

    _count_chunks(_png_chunks(data), b"fcTL", metadata)


def _png_chunks(data: bytes) -> Iterator[tuple[bytes, int, int]]:
    position = 8
    while position + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        yield kind, position + 8, length
        if kind == b"IEND":
            return
        position += 12 + length


def _webp(data: bytes) -> None:
    def metadata(kind: bytes, start: int, length: int, room: int) -> int:
        return length if kind in (b"EXIF", b"XMP ", b"ICCP") else 0

    _count_chunks(_webp_chunks(data), b"ANMF", metadata)


def _webp_chunks(data: bytes) -> Iterator[tuple[bytes, int, int]]:
    position = 12
    while position + 8 <= len(data):
        kind, length = struct.unpack("<4sI", data[position : position + 8])
        yield kind, position + 8, length
        position += 8 + length + (length & 1)


def _count_chunks(
    chunks: Iterator[tuple[bytes, int, int]],
    frame: bytes,
    metadata_of: Callable[[bytes, int, int, int], int],
) -> None:
    """Bounds on a PNG's or a WebP's chunks: how many, how many frames, how much metadata
    (`metadata_of(kind, start, length, room)`: the bytes a chunk adds, counted up to `room`)."""
    frames = metadata = 0
    for count, (kind, start, length) in enumerate(chunks, 1):
        frames += kind == frame
        metadata += metadata_of(kind, start, length, MAX_METADATA_BYTES - metadata + 1)
        _bound(count, MAX_CHUNKS, N_("chunks"), N_("export it again"))
        _bound(frames, MAX_FRAMES, N_("animation frames"), N_("use a still photo"))
        _bound(metadata, MAX_METADATA_BYTES, METADATA, N_("export it without metadata"))


def _inflated(kind: bytes, chunk: bytes, limit: int) -> int | None:
    """How many bytes a compressed text or profile chunk inflates to (up to `limit`): a few
    kilobytes of zeros can inflate to megabytes."""
    _keyword, _nul, rest = chunk.partition(b"\0")  # after the keyword
    if kind in (b"zTXt", b"iCCP"):
        payload = rest[1:]
    elif kind == b"iTXt" and rest[:1] == b"\1":
        payload = rest[2:].split(b"\0", 2)[-1]
    else:
        return None
    try:
        return len(zlib.decompressobj().decompress(payload, limit))
    except zlib.error:
        return None  # broken: Pillow reports it


def _bound(count: int, limit: int, what: str, fix: str) -> None:
    if count > limit:
        if what == METADATA:
            message = _(
                "more than {limit} MB of metadata (text, colour profile, EXIF, XMP): decoding it "
                "would take too long (a hostile or broken file?); {fix}"
            ).format(limit=limit // (1024 * 1024), fix=_(fix))
        else:
            message = _(
                "more than {limit} {what}: decoding it would take too long "
                "(a hostile or broken file?); {fix}"
            ).format(limit=f"{limit:,}", what=_(what), fix=_(fix))
        raise TooMuchWork(message)


METADATA = "bytes of metadata"
