"""Newsletter issues unlike the example, for the print layout tests: long and short
articles, portrait, square, landscape and panoramic photos, tables, a long editorial; three
variants, so that the layout is not tuned to one sample."""

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


WORDS = (
    "Les administrateurs interministériels réorganisèrent méthodiquement l'approvisionnement "
    "des porte-avions stationnés en Méditerranée, pendant que les établissements "
    "d'enseignement de Saint-Cyr et de Clermont-Ferrand expérimentaient "
    "d'innombrables programmes pluridisciplinaires. Sur les Champs-Élysées, les "
    "représentants départementaux inaugurèrent solennellement l'exposition "
    "commémorative consacrée aux télécommunications intercontinentales, aux "
    "sous-mariniers d'Indochine et aux infrastructures hydroélectriques de Montpellier. "
)
"""Long words, compounds and proper nouns: a paragraph that hyphenates often."""


def _words(paragraphs: int) -> str:
    return "\n\n".join(WORDS * 3 for _ in range(paragraphs))


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


Article = tuple[str, str, str | None, str | None, str | None]
"""title, summary, body, url, photo"""

VARIANTS: dict[int, list[tuple[str, list[Article]]]] = {
    1: [
        (
            "Opérations",
            [
                (
                    "Un long récit au Sahel",
                    "Six semaines de mission racontées par l'équipage.",
                    _body(12, 1),
                    "sahel",
                    "portrait",
                ),
                (
                    "Brève, nouvelle recrue",
                    "Un court article, une photo carrée.",
                    None,
                    None,
                    "carre",
                ),
                (
                    "Le pont flottant",
                    "Un exercice de franchissement filmé d'en haut.",
                    _body(2, 2) + "\n\n" + _table(4),
                    "pont",
                    "panorama",
                ),
            ],
        ),
        (
            "Vie des unités",
            [
                (
                    "Note de service",
                    "Un article sans photo ni corps, juste un chapô.",
                    None,
                    "note",
                    None,
                ),
                (
                    "Grand format en montagne",
                    "Une semaine en altitude.",
                    _body(8, 3),
                    "montagne",
                    "paysage",
                ),
                (
                    "Le bilan en chiffres",
                    "Les effectifs de chaque unité.",
                    "Le tableau ci-dessous détaille les effectifs.\n\n" + _table(10),
                    None,
                    None,
                ),
                ("Portrait d'un chef", "Un entretien.", _body(5, 4), "chef", "portrait2"),
            ],
        ),
    ],
    # the shapes swapped: a panorama and a landscape photo first, portraits in short articles
    2: [
        (
            "Opérations",
            [
                (
                    "Le pont flottant",
                    "Un exercice de franchissement filmé d'en haut.",
                    _body(6, 5),
                    "pont",
                    "panorama",
                ),
                ("Portrait d'un chef", "Un entretien.", _body(1, 6), "chef", "portrait"),
                (
                    "Grand format en montagne",
                    "Une semaine en altitude.",
                    _body(4, 7),
                    "montagne",
                    "paysage",
                ),
            ],
        ),
        (
            "Vie des unités",
            [
                ("Le bilan en chiffres", "Les effectifs de chaque unité.", _table(6), None, None),
                (
                    "Un long récit au Sahel",
                    "Six semaines de mission.",
                    _body(9, 8),
                    "sahel",
                    "carre",
                ),
                ("Brève, nouvelle recrue", "Une photo en hauteur.", _body(1, 9), None, "portrait2"),
                ("Note de service", "Un chapô seul.", None, "note", None),
            ],
        ),
    ],
    # three sections, many short articles, a long one with a table in its middle
    3: [
        (
            "Brèves",
            [
                (f"Brève numéro {k}", "Un court article.", _body(1, 10 + k), f"breve-{k}", photo)
                for k, photo in enumerate(["carre", None, "paysage", None, "portrait2"], 1)
            ],
        ),
        (
            "Dossier",
            [
                (
                    "Un long récit au Sahel",
                    "Six semaines de mission racontées par l'équipage.",
                    _body(4, 20) + "\n\n" + _table(5) + "\n\n" + _body(6, 21),
                    "sahel",
                    "panorama",
                ),
            ],
        ),
        (
            "Portraits",
            [
                ("Portrait d'un chef", "Un entretien.", _body(3, 30), "chef", "portrait"),
                (
                    "Grand format en montagne",
                    "Une semaine en altitude.",
                    _body(2, 31),
                    "montagne",
                    "paysage",
                ),
            ],
        ),
    ],
    # hyphenation: long words, compounds and proper nouns, in the main column and a table
    4: [
        (
            "Vocabulaire",
            [
                (
                    "Les mots longs",
                    "Un article qui se coupe souvent.",
                    _words(4),
                    "mots",
                    "portrait",
                ),
                ("Encore des mots", "Sans photo.", _words(3), None, None),
            ],
        ),
    ],
}
"""Each variant: its sections and articles (different lengths and photo shapes)."""


RANDOM = 100
"""Variants from this number on are drawn at random (`drawn`), from the variant's number."""


def drawn(variant: int) -> list[tuple[str, list[Article]]]:
    """A variant drawn from its number: two to four sections of one to five articles, each
    with or without a photo of any shape, a body of 0 to 12 paragraphs, sometimes a table:
    issues nobody tuned the layout to (tests/test_print_layout.py)."""
    import random

    draw = random.Random(variant)
    sections = []
    number = 0
    for section in range(draw.randint(2, 4)):
        articles: list[Article] = []
        for _ in range(draw.randint(1, 5)):
            number += 1
            photo = draw.choice([*PHOTOS, "paysage", None])
            paragraphs = draw.choice([0, 1, 1, 2, 3, 4, 6, 8, 12])
            body = _body(paragraphs, number) if paragraphs else None
            if body and draw.random() < 0.2:
                body += "\n\n" + _table(draw.randint(3, 8))
            title = f"Article {number} {draw.choice(['court', 'long', 'du jour', 'en bref'])}"
            summary = "Un chapô de " + "quelques mots " * draw.randint(1, 6)
            url = draw.choice([f"a{number}", None])
            articles.append((title, summary.strip(), body, url, photo))
        sections.append((f"Rubrique {section + 1}", articles))
    return sections


HEADLINE_PHOTOS = {4: ("portrait2", "carre", "panorama", "paysage")}
"""À la une's photos, in order, for the variants that have them (every headline then shown,
whatever it links to): the lead story a portrait, the others a square, a panorama and a
landscape photo (the print edition's frames for each shape)."""


def issue_yaml(variant: int = 1) -> str:
    chosen = drawn(variant) if variant >= RANDOM else VARIANTS[variant]
    sections = "".join(
        f"  - title: {title}\n    articles:\n" + "".join(_article(*a) for a in articles)
        for title, articles in chosen
    )
    urls = {a[3] for _, articles in chosen for a in articles}
    photos = iter(HEADLINE_PHOTOS.get(variant, ()))
    headlines = "".join(
        f"  - title: {title}\n    summary: {summary}\n    url: https://example.org/{url}\n"
        + "".join(
            f"    image: {{src: images/{p}.jpg, alt: Une photo {p}}}\n"
            for p in [next(photos, "")]
            if p
        )
        for title, summary, url in [
            ("Le récit du Sahel", "Six semaines racontées.", "sahel"),
            ("En montagne", "Une semaine en altitude.", "montagne"),
            ("Une annonce", "Sur le site de l'organisation.", "annonce"),
            ("Le pont flottant", "Un exercice de franchissement.", "pont"),
        ]
        if url in urls or url == "annonce" or variant in HEADLINE_PHOTOS
    )
    editorial = "".join(f"    {line}\n" for line in _body(3 if variant != 2 else 1, 9).splitlines())
    return (
        "date: 2025-06-13\ntitle: Un numéro composite\n"
        f"editorial:\n  title: Tenir\n  author: Le chef de la cellule\n  body: |\n{editorial}"
        f"headlines:\n{headlines}"
        f"sections:\n{sections}"
    )


def make(
    root: Path,
    minimal: Path,
    variant: int = 1,
    paper: str | None = None,
    photos: dict[str, tuple[int, int]] | None = None,
) -> Path:
    """A newsletter repository at `root` (a copy of `minimal`) holding mixed issue
    `variant` (1 to 4, or RANDOM and above: drawn), printed on `paper` (A4, A5, letter) if
    given; `photos`: sizes (px) in place of PHOTOS' for the photos it names."""
    shutil.copytree(minimal, root)
    folder = root / "bulletins/2025-06-13"
    (folder / "issue.yaml").write_text(issue_yaml(variant), encoding="utf-8")
    if paper:
        publication = root / "publication.yaml"
        text = publication.read_text(encoding="utf-8")
        publication.write_text(f"{text.rstrip()}\npaper: {paper}\n", encoding="utf-8")
    for hue, (name, size) in enumerate({**PHOTOS, **(photos or {})}.items()):
        (folder / "images" / f"{name}.jpg").write_bytes(_photo(*size, hue * 40))
    return root
