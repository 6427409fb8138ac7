"""The print edition, opened and read as a reader and an archivist would."""

from __future__ import annotations

import re
import shutil
import subprocess
import zlib
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner
from PIL import Image, ImageChops

from lettre.errors import LettreError
from lettre.load import check
from lettre.pdf import render_pdf
from lettre.repo import Repository
from tests.conftest import ISSUE, PROJECT, Lettre, Newsletter

SNAPSHOTS = Path(__file__).parent / "snapshots"


@dataclass
class Print:
    path: Path
    folder: Path

    def text(self, first: int | None = None, last: int | None = None) -> str:
        pages = ["-f", str(first), "-l", str(last or first)] if first else []
        run = subprocess.run(
            ["pdftotext", *pages, str(self.path), "-"], capture_output=True, text=True, check=True
        )
        return run.stdout

    def pages(self) -> list[str]:
        return self.text().split("\f")[:-1]


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Print:
    out = tmp_path_factory.mktemp("dist")
    result = Lettre(CliRunner())("build", "--print-marks", "--out", str(out), repo=PROJECT)
    assert result.exit_code == 0, result.output
    folder = out / "2025-06-13"
    return Print(folder / "lettre-2025-06-13.pdf", folder)


@pytest.fixture(scope="module")
def loaded():  # type: ignore[no-untyped-def]
    [issue] = check(Repository(PROJECT)).issues
    return issue


def flat(text: str) -> str:
    """Text as read: hyphenated line ends joined, white space folded."""
    return " ".join(re.sub(r"‐\n", "", text).split()).replace("\u202f", " ").replace("\u00a0", " ")


def test_pdfa_identification_intent_id_and_no_active_content(example: Print) -> None:
    with pikepdf.open(example.path) as pdf:
        meta = str(pdf.open_metadata())
        assert 'pdfaid:part="3"' in meta and 'pdfaid:conformance="A"' in meta
        [intent] = pdf.Root.OutputIntents
        assert "sRGB" in str(intent.OutputConditionIdentifier)
        assert len(pdf.trailer.ID) == 2
        assert not pdf.is_encrypted
        assert "/JavaScript" not in pdf.Root.get("/Names", {}) and "/OpenAction" not in pdf.Root
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary):
                assert "/JS" not in obj and obj.get("/S") != "/JavaScript"


def test_every_font_is_embedded_and_is_the_shipped_one(example: Print) -> None:
    run = subprocess.run(
        ["pdffonts", str(example.path)], capture_output=True, text=True, check=True
    )
    rows = run.stdout.splitlines()[2:]
    assert rows and all(" yes yes " in row for row in rows)
    assert all("Inter" in row.split()[0] for row in rows)


def test_metadata(example: Print) -> None:
    with pikepdf.open(example.path) as pdf:
        assert str(pdf.Root.Lang) == "fr"
        meta = pdf.open_metadata()
        assert meta["dc:title"] == "Lettre hebdomadaire n°\u00a024\u00a0: cap sur l’été"
        assert (
            meta["dc:description"]
            == "Lettre hebdomadaire de communication, n° 24, vendredi 13 juin 2025"
        )
        assert meta["dc:creator"] == ["État-major des armées"]
        assert meta["dc:language"] == {"fr"}
        assert meta["dc:publisher"] == {"État-major des armées"}
        assert meta["xmp:CreateDate"] == "2025-06-13T08:00:00+02:00"
        assert "marine" in meta["pdf:Keywords"] and "athlétisme" in meta["pdf:Keywords"]


def outline(path: Path) -> list[tuple[int, str, int]]:
    """(level, title, page from 1) of every bookmark."""
    found = []
    with pikepdf.open(path) as pdf:
        pages = {page.objgen: number for number, page in enumerate(pdf.pages, 1)}

        def walk(items: list[pikepdf.OutlineItem], level: int) -> None:
            for item in items:
                destination = item.destination or item.action.D  # type: ignore[union-attr]
                found.append((level, item.title, pages[destination[0].objgen]))
                walk(item.children, level + 1)

        with pdf.open_outline() as tree:
            walk(tree.root, 1)
    return found


def test_outline_has_a_la_une_the_editorial_each_section_and_each_article(
    example: Print, loaded
) -> None:  # type: ignore[no-untyped-def]
    titles = [(level, title) for level, title, _ in outline(example.path)]
    expected = [(1, loaded.title), (1, "À la une"), (1, "Tenir dans la durée")]
    for section in loaded.issue.sections:
        expected += [(1, section.title), *((2, article.title) for article in section.articles)]
    assert titles == expected


def contents(page_one: str) -> dict[str, int]:
    """The sommaire as printed: entry → page number."""
    block = page_one.split("Sommaire", 1)[1].split("À la une\n11 juin", 1)[0]
    entries, pending = {}, ""
    for line in block.splitlines():
        pending = f"{pending} {line}".strip()
        match = re.fullmatch(r"(.+?)\s*\.{3,}\s*(\d+)", pending)
        if match:
            entries[flat(match.group(1))] = int(match.group(2))
            pending = ""
        elif not line.strip():
            pending = ""
    return entries


def test_sommaire_page_numbers_are_where_the_headings_fall(example: Print) -> None:
    printed = contents(example.text(1))
    real = {flat(title): page for _, title, page in outline(example.path)}
    real["Éditorial"] = real.pop("Tenir dans la durée")
    assert len(printed) == 13  # À la une, the editorial, 3 sections, 8 articles
    assert printed == {title: real[title] for title in printed}
    for title, page in printed.items():
        heading = "Tenir dans la durée" if title == "Éditorial" else flat(title)
        assert heading in flat(example.text(page)), (title, page)


def test_running_header_from_page_two_and_page_numbers(example: Print) -> None:
    pages = example.pages()
    header = "Lettre hebdomadaire de communication · n° 24 · 13 juin 2025"
    assert not flat(pages[0]).startswith(header)
    for number, text in enumerate(pages, 1):
        if number > 1:
            assert flat(text).startswith(header)
        assert f"page {number} / {len(pages)}" in text


def test_the_colophon_ends_the_last_page(example: Print) -> None:
    last = flat(example.pages()[-1])
    assert "Lettre éditée par la cellule communication" in last
    assert last.index("Un nageur de combat") < last.index("Lettre éditée par")


def test_french_hyphenation_is_on(example: Print) -> None:
    assert re.search(r"\w‐\n\w", example.text()), "no word hyphenated at a line end"


def test_every_headline_and_article_is_in_the_pdf_and_the_email(example: Print, loaded) -> None:  # type: ignore[no-untyped-def]
    text = flat(example.text())
    html = (example.folder / "lettre-2025-06-13-email.html").read_text()
    titles = [h.title for h in loaded.issue.headlines] + [a.title for a in loaded.issue.articles()]
    for title in titles:
        assert flat(title) in text
        assert title in html.replace("&#39;", "'")


def test_sources_are_attached_as_associated_files(example: Print) -> None:
    with pikepdf.open(example.path) as pdf:
        attached = {name: spec for name, spec in pdf.attachments.items()}
        assert sorted(attached) == [
            "articles/patrouille-de-france.md",
            "issue.yaml",
            "publication.yaml",
        ]
        types = {".md": "/text#2fmarkdown", ".yaml": "/application#2fyaml"}
        for name, spec in attached.items():
            assert spec.obj.AFRelationship == "/Source"
            source = PROJECT / ("" if name == "publication.yaml" else "bulletins/2025-06-13") / name
            assert spec.get_file().read_bytes() == source.read_bytes()
            assert spec.obj.EF.F.Subtype.unparse().decode() == types[Path(name).suffix]
        assert {str(f.UF) for f in pdf.Root.AF} == set(attached)


def test_alt_text_of_every_figure_is_in_the_structure(example: Print, loaded) -> None:  # type: ignore[no-untyped-def]
    alts = set()
    with pikepdf.open(example.path) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and "/Alt" in obj:
                alts.add(str(obj.Alt))
    assert {image.alt for image in loaded.issue.images()} <= alts


def test_size_and_determinism(example: Print, tmp_path: Path) -> None:
    assert example.path.stat().st_size < 2_000_000
    result = Lettre(CliRunner())("build", "--out", str(tmp_path), repo=PROJECT)
    assert result.exit_code == 0
    again = tmp_path / "2025-06-13/lettre-2025-06-13.pdf"
    assert again.read_bytes() == example.path.read_bytes()


def test_the_streams_are_compressed_at_zlib_level_6(example: Print) -> None:
    """pydyf asks zlib for its slowest level (9); lettre.pdf.ZLIB_LEVEL: zlib's default, 6,
    every stream pydyf writes in both copies (a level is told by compressing the stream's
    content again; an image's stream is WeasyPrint's, compressed as it came)."""
    for path in (example.path, next(example.folder.glob("*imprimeur*.pdf"))):
        with pikepdf.open(path) as document:
            streams = [
                o
                for o in document.objects
                if isinstance(o, pikepdf.Stream)
                and o.get("/Filter") == pikepdf.Name.FlateDecode
                and o.get("/Subtype") != pikepdf.Name.Image
            ]
            assert len(streams) > 10
            told = [(zlib.decompress(s.read_raw_bytes()), s.read_raw_bytes()) for s in streams]
        assert all(zlib.compress(data, 6) == raw for data, raw in told)
        assert any(zlib.compress(data, 9) != raw for data, raw in told)


def test_print_marks_variant_has_bleed_and_its_own_file(example: Print) -> None:
    bleed, mark_zone = 10.0, 10 * 72 / 25.4  # BleedBox 10 pt (3.5 mm), marks out to 10 mm
    with (
        pikepdf.open(example.folder / "lettre-2025-06-13-imprimeur.pdf") as marked,
        pikepdf.open(example.path) as plain,
    ):
        page, reference = marked.pages[0], plain.pages[0]
        trim = [float(v) for v in page.TrimBox]
        bleeding = [float(v) for v in page.BleedBox]
        assert round(trim[2] - trim[0], 1) == round(float(reference.MediaBox[2]), 1)
        assert round(trim[0] - bleeding[0], 1) == round(bleed, 1)
        media = [float(v) for v in page.MediaBox]
        assert round(media[2] - media[0], 1) == round(
            float(reference.MediaBox[2]) + 2 * mark_zone, 1
        )


def test_a5_paper(newsletter: Newsletter, lettre: Lettre, tmp_path: Path) -> None:
    root = newsletter()
    (root / "publication.yaml").write_text((root / "publication.yaml").read_text() + "paper: A5\n")
    assert lettre("build", "--out", str(tmp_path / "out"), repo=root).exit_code == 0
    with pikepdf.open(tmp_path / "out/2025-06-13/lettre-de-test-2025-06-13.pdf") as pdf:
        box = [round(float(v)) for v in pdf.pages[0].MediaBox]
        assert box == [0, 0, 420, 595]


@pytest.mark.parametrize(
    "hostile",
    [
        '<img src="file:///etc/passwd">',
        '<a rel="attachment" href="file:///etc/hostname">x</a>',
        '<p style="background: url(file:///etc/passwd)">x</p>',
        '<img src="http://169.254.169.254/latest/meta-data">',
        '<link rel="stylesheet" href="file:///etc/passwd">',
    ],
)
def test_weasyprint_reads_nothing_lettre_did_not_hand_it(loaded, hostile: str) -> None:  # type: ignore[no-untyped-def]
    html = (
        f"<!doctype html><html lang=fr><body><h3>Un article</h3><p>Texte</p>{hostile}</body></html>"
    )
    with pytest.raises(LettreError, match=r"print edition \(in “Un article”\): refused to read"):
        render_pdf(html, "", loaded, {})


def test_print_css_shared_is_not_parsed_again_and_gives_the_same_bytes(
    loaded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """lettre.pdf.share parses print.css once for the workers forked after it: a print
    edition whose CSS is that text parses none, and is the same PDF; its fonts stay for the
    next until `unshare` removes them."""
    import weasyprint

    from lettre import pdf
    from lettre.build import print_sources

    html, css, variants = print_sources(loaded, Repository(PROJECT), tmp_path, marks=False)
    alone = render_pdf(html, css, loaded, pdf.resources(variants))
    folder = tmp_path / "shared"
    folder.mkdir()
    pdf.share(css, folder)
    parsed = list[str]()
    original = weasyprint.CSS

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        parsed.append(kwargs.get("string", ""))
        return original(*args, **kwargs)

    monkeypatch.setattr(weasyprint, "CSS", counted)
    try:
        shared = render_pdf(html, css, loaded, pdf.resources(variants))
        again = render_pdf(html, css, loaded, pdf.resources(variants))
        assert css not in parsed  # (lettre.paging's own small sheet is parsed each time)
        assert shared == alone == again
        assert any(path.is_file() for path in folder.rglob("*")), "its fonts are gone"
        # an HTML that declares fonts of its own (an override's) is laid out with its own
        font = '<style>@font-face { font-family: "X"; src: url("lettre:font/Inter-SemiBold.otf") }'
        assert "</head>" in html
        own = render_pdf(html.replace("</head>", f"{font}</style></head>", 1), css, loaded,
                         pdf.resources(variants))  # fmt: skip
        assert own and parsed.count(css) == 1
    finally:
        pdf.unshare()
    assert not any(folder.iterdir()) and not pdf._SHARED


BLOCK = 12
"""Pages are compared per square of BLOCK pixels at RESOLUTION: about one digit of body text."""
RESOLUTION = 100
INK = 48
"""A pixel whose grey moved by more than this (of 255) changed: not anti-aliasing noise."""
CHANGED = 3
"""A block with this many changed pixels differs: a digit, a letter, a moved line."""


def render(pdf: Path, number: int, into: Path) -> Path:
    subprocess.run(["pdftoppm", "-r", str(RESOLUTION), "-gray", "-png", "-f", str(number), "-l",
                    str(number), "-singlefile", str(pdf), str(into)], check=True)  # fmt: skip
    return into.with_suffix(".png")


def differing_blocks(page: Path, reference: Path) -> list[tuple[int, int]]:
    """The (x, y) pixel corners of the blocks that differ between two renderings."""
    with Image.open(page) as made, Image.open(reference) as kept:
        assert made.size == kept.size, f"page size {made.size}, reference {kept.size}"
        changed = ImageChops.difference(made.convert("L"), kept.convert("L")).point(
            lambda grey: 1 if grey > INK else 0
        )
    width, height = changed.size
    return [
        (x, y)
        for y in range(0, height, BLOCK)
        for x in range(0, width, BLOCK)
        if changed.crop((x, y, x + BLOCK, y + BLOCK)).histogram()[1] >= CHANGED
    ]


def compare(page: Path, reference: Path, update: bool) -> list[tuple[int, int]]:
    """The blocks that differ; only --update-snapshots writes a reference, never a miss."""
    if update:
        reference.write_bytes(page.read_bytes())
    if not reference.exists():
        pytest.fail(
            f"{reference} is missing: make it with pytest --update-snapshots, look at it, commit it"
        )
    return differing_blocks(page, reference)


@pytest.mark.parametrize("number", [1, 3])
def test_pages_look_as_they_did(
    example: Print, tmp_path: Path, update_snapshots: bool, number: int
) -> None:
    """Page 1 and a section page, rendered by pdftoppm, against tests/snapshots (--update-snapshots)."""
    page = render(example.path, number, tmp_path / "page")
    assert compare(page, SNAPSHOTS / f"print-page-{number}.png", update_snapshots) == []


def test_one_changed_digit_is_seen(lettre: Lettre, tmp_path: Path) -> None:
    """The issue's number 24 → 25 (one digit of the masthead) fails the comparison; the old
    1 % mean let every sommaire number be wrong."""
    root = tmp_path / "newsletter"
    shutil.copytree(PROJECT / "bulletins", root / "bulletins")
    shutil.copytree(PROJECT / "assets", root / "assets")
    shutil.copy(PROJECT / "publication.yaml", root)
    issue = root / "bulletins/2025-06-13/issue.yaml"
    issue.write_text(issue.read_text().replace("number: 24", "number: 25", 1))
    assert lettre("build", "--out", str(tmp_path / "dist"), repo=root).exit_code == 0
    page = render(tmp_path / "dist/2025-06-13/lettre-2025-06-13.pdf", 1, tmp_path / "page")
    blocks = compare(page, SNAPSHOTS / "print-page-1.png", update=False)
    assert 0 < len(blocks) < 40, blocks  # the digit where it is printed, not the whole page


def test_a_missing_reference_fails_and_is_not_made(example: Print, tmp_path: Path) -> None:
    page = render(example.path, 1, tmp_path / "page")
    with pytest.raises(pytest.fail.Exception, match="--update-snapshots"):
        compare(page, tmp_path / "absent.png", update=False)
    assert not (tmp_path / "absent.png").exists()


def test_hostile_markdown_leaves_nothing_in_the_pdf(
    newsletter: Newsletter, lettre: Lettre, tmp_path: Path
) -> None:
    body = 'Un <img src="file:///etc/passwd"> et <a rel="attachment" href="file:///etc/hostname">x</a>.\n'
    text = (
        (PROJECT / "tests/data/valid/minimal" / ISSUE)
        .read_text()
        .replace("body: Le texte de l'article.", f"body: '{body}'")
    )
    root = newsletter({ISSUE: text})
    assert lettre("build", "--out", str(tmp_path / "out"), repo=root).exit_code == 0
    with pikepdf.open(tmp_path / "out/2025-06-13/lettre-de-test-2025-06-13.pdf") as pdf:
        assert sorted(pdf.attachments) == ["issue.yaml", "publication.yaml"]
        for page in pdf.pages:
            for annotation in page.get("/Annots", []):
                uri = str(annotation.get("/A", {}).get("/URI", ""))
                assert not uri.startswith(("file:", "javascript:"))


def test_margins_are_mirrored_for_recto_verso(example: Print) -> None:
    """The inner margin is the wider one: left pages start further left than right pages."""
    run = subprocess.run(
        ["pdftotext", "-f", "2", "-l", "3", "-bbox", str(example.path), "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    lefts = [
        min(float(x) for x in re.findall(r'<word xMin="([\d.]+)"', page))
        for page in run.stdout.split("<page ")[1:]
    ]
    verso, recto = lefts
    assert round(recto - verso) == round((22 - 16) * 72 / 25.4)


def test_an_svg_logo_is_printed(newsletter: Newsletter, lettre: Lettre, tmp_path: Path) -> None:
    root = newsletter(
        {
            "assets/logo.svg": '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40"><rect width="40" height="40" fill="#002654"/></svg>'
        }
    )
    (root / "publication.yaml").write_text(
        (root / "publication.yaml").read_text() + "logo: assets/logo.svg\n"
    )
    result = lettre("build", "--out", str(tmp_path / "out"), repo=root)
    assert result.exit_code == 0 and "most mail programs do not show SVG" in result.stderr
    with pikepdf.open(tmp_path / "out/2025-06-13/lettre-de-test-2025-06-13.pdf") as pdf:
        figures = [
            o
            for o in pdf.objects
            if isinstance(o, pikepdf.Dictionary) and o.get("/Alt") == "Cellule de test"
        ]
        assert figures, "the logo is not in the PDF"
