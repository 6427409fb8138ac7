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


def _jpeg(data: bytes) -> None:
    scans = metadata = segments = 0
    position = 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            return  # broken: Pillow reports it
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte before a marker
            position += 1
            continue
        if marker == 0xD9:  # end of image
            return
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:  # markers without a length
            position += 2
            continue
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        segments += 1
        if marker == 0xFE or 0xE0 <= marker <= 0xEF:  # comments and APPn (EXIF, XMP, ICC…)
            metadata += length
        _bound(segments, MAX_CHUNKS, N_("segments"), N_("export it again"))
        _bound(metadata, MAX_METADATA_BYTES, METADATA, N_("export it without metadata"))
        position += 2 + length
        if marker == 0xDA:  # start of scan: skip its entropy-coded data
            scans += 1
            _bound(scans, MAX_SCANS, N_("scans"), N_("export it again as a baseline JPEG"))
            position = _after_entropy_data(data, position)


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


_PNG_IMAGE_CHUNKS = {b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"acTL", b"fcTL", b"fdAT"}


def _png(data: bytes) -> None:
    frames = metadata = chunks = 0
    position = 8
    while position + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        chunks += 1
        if kind == b"fcTL":
            frames += 1
        elif kind not in _PNG_IMAGE_CHUNKS:  # tEXt, zTXt, iTXt, iCCP, eXIf…
            chunk = data[position + 8 : position + 8 + length]
            metadata += _inflated(kind, chunk, MAX_METADATA_BYTES - metadata + 1) or length
        _bound(chunks, MAX_CHUNKS, N_("chunks"), N_("export it again"))
        _bound(frames, MAX_FRAMES, N_("animation frames"), N_("use a still photo"))
        _bound(metadata, MAX_METADATA_BYTES, METADATA, N_("export it without metadata"))
        if kind == b"IEND":
            return
        position += 12 + length


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


def _webp(data: bytes) -> None:
    frames = metadata = chunks = 0
    position = 12
    while position + 8 <= len(data):
        kind, length = struct.unpack("<4sI", data[position : position + 8])
        chunks += 1
        if kind == b"ANMF":
            frames += 1
        elif kind in (b"EXIF", b"XMP ", b"ICCP"):
            metadata += length
        _bound(chunks, MAX_CHUNKS, N_("chunks"), N_("export it again"))
        _bound(frames, MAX_FRAMES, N_("animation frames"), N_("use a still photo"))
        _bound(metadata, MAX_METADATA_BYTES, METADATA, N_("export it without metadata"))
        position += 8 + length + (length & 1)


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
