"""A newsletter issue unlike the example, for the print layout tests: long and short
articles, portrait, square, landscape and panoramic photos, tables, a long editorial."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from PIL import Image, ImageDraw

LOREM = (
    "Les unités engagées ont conduit {n} missions de reconnaissance et de soutien, en liaison "
    "étroite avec les partenaires locaux. Chaque rotation a permis de vérifier les procédures, "
    "d'entraîner les équipes à la relève de nuit et de consolider la logistique sur des "
    "distances souvent supérieures à 300 kilomètres. Les retours d'expérience nourrissent déjà "
    "la préparation des prochains détachements."
)


def _photo(width: int, height: int, hue: int) -> bytes:
    image = Image.new("RGB", (width, height), (40 + hue % 150, 90, 140 + hue % 100))
    draw = ImageDraw.Draw(image)
    for k in range(0, width, max(1, width // 12)):
        draw.line([(k, 0), (width - k, height)], fill=(230, 220, 200), width=max(2, width // 150))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


PHOTOS = {
    "portrait": (1400, 2000),
    "carre": (1600, 1600),
    "paysage": (2400, 1600),
    "panorama": (3000, 1000),
    "portrait2": (1200, 1800),
}


def _body(paragraphs: int, seed: int) -> str:
    return "\n\n".join(LOREM.format(n=seed * 10 + p) for p in range(paragraphs))


def _table(rows: int) -> str:
    lines = ["| Unité | Lieu | Effectif |", "|---|---|---|"]
    lines += [f"| {k}e régiment | Secteur {k} | {100 + 7 * k} |" for k in range(1, rows + 1)]
    return "\n".join(lines)


def _image(name: str, alt: str) -> str:
    return (
        f"        image:\n          src: images/{name}.jpg\n          alt: {alt}\n"
        f"          caption: Photo {name}, prise lors de la mission.\n          credit: © Armée\n"
    )


def _article(title: str, summary: str, body: str | None, url: str | None, image: str | None) -> str:
    text = f"      - title: {title}\n        summary: {summary}\n"
    if body:
        text += "        body: |\n" + "".join(f"          {line}\n" for line in body.splitlines())
    if url:
        text += f"        url: https://example.org/{url}\n"
    if image:
        text += _image(image, f"Une photo {image}")
    return text


def issue_yaml() -> str:
    articles_a = [
        _article(
            "Un long récit au Sahel",
            "Six semaines de mission racontées par l'équipage.",
            _body(12, 1),
            "sahel",
            "portrait",
        ),
        _article(
            "Brève, nouvelle recrue", "Un court article, une photo carrée.", None, None, "carre"
        ),
        _article(
            "Le pont flottant",
            "Un exercice de franchissement filmé d'en haut.",
            _body(2, 2) + "\n\n" + _table(4),
            "pont",
            "panorama",
        ),
    ]
    articles_b = [
        _article(
            "Note de service", "Un article sans photo ni corps, juste un chapô.", None, "note", None
        ),
        _article(
            "Grand format en montagne",
            "Une semaine en altitude.",
            _body(8, 3),
            "montagne",
            "paysage",
        ),
        _article(
            "Le bilan en chiffres",
            "Les effectifs de chaque unité.",
            "Le tableau ci-dessous détaille les effectifs.\n\n" + _table(10),
            None,
            None,
        ),
        _article("Portrait d'un chef", "Un entretien.", _body(5, 4), "chef", "portrait2"),
    ]
    headlines = "".join(
        f"  - title: {title}\n    summary: {summary}\n    url: https://example.org/{url}\n"
        for title, summary, url in [
            ("Le récit du Sahel", "Six semaines racontées.", "sahel"),
            ("En montagne", "Une semaine en altitude.", "montagne"),
            ("Une annonce", "Sur le site de l'organisation.", "annonce"),
            ("Le pont flottant", "Un exercice de franchissement.", "pont"),
        ]
    )
    editorial = "".join(f"    {line}\n" for line in _body(3, 9).splitlines())
    return (
        "date: 2025-06-13\ntitle: Un numéro composite\n"
        f"editorial:\n  title: Tenir\n  author: Le chef de la cellule\n  body: |\n{editorial}"
        f"headlines:\n{headlines}"
        "sections:\n"
        f"  - title: Opérations\n    articles:\n{''.join(articles_a)}"
        f"  - title: Vie des unités\n    articles:\n{''.join(articles_b)}"
    )


def make(root: Path, minimal: Path) -> Path:
    """A newsletter repository at `root` (a copy of `minimal`) holding the mixed issue."""
    shutil.copytree(minimal, root)
    folder = root / "bulletins/2025-06-13"
    (folder / "issue.yaml").write_text(issue_yaml(), encoding="utf-8")
    for hue, (name, size) in enumerate(PHOTOS.items()):
        (folder / "images" / f"{name}.jpg").write_bytes(_photo(*size, hue * 40))
    return root
