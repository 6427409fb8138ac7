"""Make the broken images of tests/data/invalid/images-bad (committed; run again to remake).

python tests/tools/make_bad_images.py
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

FOLDER = Path(__file__).resolve().parents[1] / "data/invalid/images-bad/bulletins/2025-06-13/images"


def main() -> None:
    FOLDER.mkdir(parents=True, exist_ok=True)
    # 10,000 × 10,000 pixels in about 12 KB: a decompression bomb
    Image.new("1", (10_000, 10_000)).save(FOLDER / "bombe.png", optimize=True)
    Image.new("P", (700, 400)).save(FOLDER / "anime.gif")
    photo = io.BytesIO()
    Image.effect_noise((480, 320), 60).convert("RGB").save(photo, "JPEG", quality=80)
    (FOLDER / "tronquee.jpg").write_bytes(photo.getvalue()[: len(photo.getvalue()) // 2])
    (FOLDER / "texte.jpg").write_text("Ceci est un fichier texte, pas une photo.\n")
    (FOLDER / "balayages.jpg").write_bytes(repeated_scans(3000))


def repeated_scans(copies: int) -> bytes:
    """A progressive JPEG of a few kilobytes whose last scan is repeated `copies` times: each
    copy makes the decoder visit every block again (minutes of work for 3,000 copies)."""
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 900), (120, 130, 140)).save(buffer, "JPEG", progressive=True)
    data = buffer.getvalue()
    start, end = data.rindex(b"\xff\xda"), data.rindex(b"\xff\xd9")
    return data[:end] + data[start:end] * copies + data[end:]


if __name__ == "__main__":
    main()
