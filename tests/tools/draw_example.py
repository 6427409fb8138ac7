"""Draw the example issue's photos and the logo with Pillow: nothing is downloaded.

    python tests/tools/draw_example.py      # rewrites bulletins/2025-06-13/images/*.jpg, assets/logo.png, assets/logo-dark.png

The scenes are simple on purpose (gradients, silhouettes); they stand in for a cell's photos
with the sizes and formats real ones have.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

ROOT = Path(__file__).resolve().parents[2]
IMAGES = ROOT / "bulletins" / "2025-06-13" / "images"
SIZE = (1600, 1000)
RGB = tuple[int, int, int]


def gradient(size: tuple[int, int], top: RGB, bottom: RGB) -> Image.Image:
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    for y in range(size[1]):
        t = y / (size[1] - 1)
        draw.line(
            [(0, y), (size[0], y)],
            fill=tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)),
        )
    return image


def ship(rng: random.Random) -> Image.Image:
    image = gradient(SIZE, (250, 180, 120), (120, 150, 190))
    draw = ImageDraw.Draw(image)
    draw.ellipse([1120, 380, 1260, 520], fill=(255, 226, 170))
    sea = gradient((SIZE[0], 420), (70, 100, 140), (20, 40, 70))
    image.paste(sea, (0, 580))
    for _ in range(260):
        x, y = rng.randrange(0, 1600), rng.randrange(600, 1000)
        draw.line([(x, y), (x + rng.randrange(20, 90), y)], fill=(150, 170, 200), width=2)
    hull = [(260, 560), (1300, 560), (1240, 640), (330, 640)]
    draw.polygon(hull, fill=(62, 68, 78))
    draw.rectangle([820, 440, 960, 560], fill=(74, 80, 92))
    draw.rectangle([860, 380, 900, 440], fill=(74, 80, 92))
    draw.line([(880, 300), (880, 380)], fill=(74, 80, 92), width=6)
    for x in range(420, 780, 90):
        draw.rectangle([x, 530, x + 50, 560], fill=(90, 96, 108))
    return image.filter(ImageFilter.GaussianBlur(1.2))


def mountains(rng: random.Random) -> Image.Image:
    image = gradient(SIZE, (150, 190, 235), (225, 235, 245))
    draw = ImageDraw.Draw(image)
    for layer, (shade, base) in enumerate([((120, 130, 150), 620), ((80, 95, 110), 760)]):
        points = [(0, SIZE[1])]
        for x in range(0, SIZE[0] + 100, 100):
            peak = base - rng.randrange(120, 360) + layer * 40
            points.append((x, peak))
        points.append((SIZE[0], SIZE[1]))
        draw.polygon(points, fill=shade)
        if layer == 0:
            for x, y in points[1:-1]:
                draw.polygon([(x - 40, y + 60), (x, y), (x + 40, y + 60)], fill=(245, 248, 252))
    draw.rectangle([0, 860, SIZE[0], SIZE[1]], fill=(60, 90, 60))
    for _ in range(40):
        x = rng.randrange(0, SIZE[0])
        draw.polygon([(x, 760), (x - 30, 880), (x + 30, 880)], fill=(30, 60, 40))
    for i in range(7):
        x = 520 + i * 70
        draw.ellipse([x, 800, x + 18, 818], fill=(40, 45, 40))
        draw.rectangle([x + 2, 818, x + 16, 862], fill=(70, 85, 60))
    return image.filter(ImageFilter.GaussianBlur(1))


def jets(rng: random.Random) -> Image.Image:
    image = gradient(SIZE, (40, 100, 190), (160, 200, 240))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randrange(-100, 1600), rng.randrange(500, 950)
        for k in range(6):
            r = rng.randrange(50, 120)
            draw.ellipse(
                [x + k * 60 - r, y - r // 2, x + k * 60 + r, y + r // 2], fill=(240, 244, 250)
            )
    smoke = [(0, 85, 164), (245, 245, 245), (239, 65, 53)]
    for i, colour in enumerate(smoke):
        x0, y0 = 1180 + i * 0, 260 + i * 90
        draw.line([(0, y0 + 260), (x0, y0)], fill=colour, width=36)
        draw.polygon(
            [(x0 - 20, y0 - 30), (x0 + 110, y0 - 8), (x0 - 20, y0 + 30)], fill=(70, 75, 85)
        )
    return image.filter(ImageFilter.GaussianBlur(1.5))


def track(rng: random.Random) -> Image.Image:
    image = gradient(SIZE, (120, 170, 220), (200, 220, 240))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 260, SIZE[0], 420], fill=(70, 80, 95))
    for _ in range(900):
        x, y = rng.randrange(0, 1600), rng.randrange(270, 410)
        draw.point((x, y), fill=rng.choice([(200, 60, 60), (230, 230, 230), (40, 90, 160)]))
    draw.polygon([(0, 1000), (0, 420), (1600, 420), (1600, 1000)], fill=(176, 72, 52))
    for lane in range(9):
        y = 440 + lane * 62
        draw.line([(0, y), (1600, y)], fill=(245, 240, 235), width=5)
    for i in range(4):
        x, y = 300 + i * 260, 520 + i * 62
        draw.ellipse([x, y - 120, x + 36, y - 84], fill=(90, 60, 40))
        draw.rectangle(
            [x + 4, y - 84, x + 32, y - 30],
            fill=[(0, 85, 164), (230, 230, 230), (200, 40, 40), (20, 20, 20)][i],
        )
        draw.line([(x + 18, y - 30), (x - 10, y + 10)], fill=(90, 60, 40), width=10)
        draw.line([(x + 18, y - 30), (x + 46, y + 8)], fill=(90, 60, 40), width=10)
    return image.filter(ImageFilter.GaussianBlur(1))


def ceremony(rng: random.Random) -> Image.Image:
    image = gradient(SIZE, (180, 205, 235), (235, 240, 245))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 560, SIZE[0], SIZE[1]], fill=(190, 180, 160))
    draw.rectangle([200, 240, 1400, 560], fill=(215, 205, 185))
    for x in range(240, 1400, 120):
        draw.rectangle([x, 300, x + 50, 520], fill=(150, 170, 195))
    for i, x in enumerate((360, 800, 1240)):
        draw.line([(x, 120), (x, 600)], fill=(120, 120, 120), width=8)
        wave = [(x + 4 + k * 8, 130 + int(10 * math.sin(k / 3 + i))) for k in range(30)]
        for j, colour in enumerate([(0, 85, 164), (250, 250, 250), (239, 65, 53)]):
            top = [(px, py) for px, py in wave[j * 10 : j * 10 + 11]]
            draw.polygon([*top, *[(px, py + 150) for px, py in reversed(top)]], fill=colour)
    for row in range(3):
        for col in range(22):
            x, y = 160 + col * 58 + row * 12, 680 + row * 90
            draw.ellipse([x, y - 40, x + 24, y - 16], fill=(30, 40, 70))
            draw.rectangle([x, y - 16, x + 24, y + 40], fill=(30, 45, 80))
    return image.filter(ImageFilter.GaussianBlur(1))


def screens(rng: random.Random) -> Image.Image:
    image = gradient(SIZE, (10, 18, 35), (25, 35, 60))
    draw = ImageDraw.Draw(image)
    for i in range(3):
        x = 140 + i * 470
        draw.rectangle([x, 200, x + 420, 480], fill=(15, 40, 70), outline=(90, 140, 200), width=6)
        for k in range(14):
            length = rng.randrange(80, 380)
            draw.line(
                [(x + 20, 220 + k * 18), (x + 20 + length, 220 + k * 18)],
                fill=(80, 220, 180),
                width=4,
            )
        draw.rectangle([x + 190, 480, x + 230, 560], fill=(40, 50, 70))
    draw.rectangle([0, 620, SIZE[0], SIZE[1]], fill=(45, 40, 38))
    for i in range(3):
        x = 300 + i * 470
        draw.ellipse([x - 60, 540, x + 60, 660], fill=(20, 22, 30))
        draw.rectangle([x - 90, 640, x + 90, 900], fill=(35, 50, 60))
    return image.filter(ImageFilter.GaussianBlur(0.8))


PHOTOS: dict[str, Callable[[random.Random], Image.Image]] = {
    "porte-helicopteres.jpg": ship,
    "exercice-montagne.jpg": mountains,
    "patrouille.jpg": jets,
    "athletisme.jpg": track,
    "ceremonie.jpg": ceremony,
    "cyberdefense.jpg": screens,
}


def logo() -> Image.Image:
    image = Image.new("RGBA", (480, 160), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle([0, 0, 160, 160], radius=18, fill=(0, 38, 84))
    for i, colour in enumerate([(0, 85, 164), (255, 255, 255), (206, 14, 45)]):
        draw.rectangle([28 + i * 35, 28, 28 + (i + 1) * 35, 132], fill=colour)
    draw.rectangle([200, 52, 470, 64], fill=(0, 38, 84))
    draw.rectangle([200, 96, 400, 108], fill=(206, 14, 45))
    return image


def logo_dark() -> Image.Image:
    """The logo for dark backgrounds: its navy parts drawn light (publication.yaml: logo_dark)."""
    image = Image.new("RGBA", (480, 160), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle([0, 0, 160, 160], radius=18, fill=(230, 233, 238))
    for i, colour in enumerate([(0, 85, 164), (255, 255, 255), (206, 14, 45)]):
        draw.rectangle([28 + i * 35, 28, 28 + (i + 1) * 35, 132], fill=colour)
    draw.rectangle([200, 52, 470, 64], fill=(230, 233, 238))
    draw.rectangle([200, 96, 400, 108], fill=(255, 107, 125))
    return image


def main() -> None:
    IMAGES.mkdir(parents=True, exist_ok=True)
    for number, (name, scene) in enumerate(PHOTOS.items()):
        scene(random.Random(number)).save(IMAGES / name, "JPEG", quality=84, optimize=True)
    logo().save(ROOT / "assets" / "logo.png", optimize=True)
    logo_dark().save(ROOT / "assets" / "logo-dark.png", optimize=True)


if __name__ == "__main__":
    main()
