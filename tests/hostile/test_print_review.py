"""A second review of the print edition laid out page by page (issue 12), after
lettre.paging._unfloat_broken and lettre.pdf.headline_frame.

- A side column taller than a page (a photo with a 40-line caption): the side column is
  one atomic box (print.html.j2's `.side .keep`, "never split between two pages"), so
  WeasyPrint never breaks it and paging._unfloat_broken, which looks only at floats
  WeasyPrint broke (context.broken_out_of_flow), never sees it. It runs past the page's
  bottom: the last lines of the caption are lost (cut at the page's edge) and the rest are
  printed over the page number; the article's title is left alone on the page before. On A5
  (no side column: the side content before the text) the same, cut even earlier.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.conftest import Lettre
from tests.hostile.test_paging import _articles, _build, _photo, _plain, _repo, _title_pages

CAPTION = " ".join(f"Ligne {k} de la légende très longue, qui continue encore." for k in range(40))
"""A caption of about 40 lines in the side column: taller than any page."""


@pytest.mark.parametrize("paper", ["A4", "A5", "letter"])
def test_a_side_column_taller_than_a_page_is_printed_whole_inside_the_page(
    lettre: Lettre, tmp_path: Path, paper: str
) -> None:
    """Every line of a 40-line caption printed once, none over the page number, and the
    article's title on the page where its chapô starts (not alone on the page before)."""
    articles, photos = _articles(6, "court")
    articles[1]["image"]["caption"] = CAPTION
    repo = _repo(tmp_path / "newsletter", articles, photos)
    publication = repo / "publication.yaml"
    publication.write_text(publication.read_text(encoding="utf-8") + f"paper: {paper}\n")
    _, lines = _build(lettre, repo, tmp_path / "dist")
    text = re.sub(r"\s+", " ", _plain(" ".join(line.text for line in lines)))
    lost = [k for k in range(40) if text.count(f"Ligne {k} de la") != 1]
    assert not lost, f"caption lines not printed once: {lost}"
    for folio in (line for line in lines if re.fullmatch(r"page \d+ / \d+", line.text)):
        over = [
            line.text
            for line in lines
            if line is not folio
            and line.page == folio.page
            and min(line.right, folio.right) - max(line.x, folio.x) > 1
            and min(line.bottom, folio.bottom) - max(line.y, folio.y) > 1
        ]
        assert not over, (folio.page, over)
    title = _title_pages(lines, articles[1]["title"])
    chapo = [line.page for line in lines if "Un chapô court." in _plain(line.text)]
    assert len(title) == 1 and title[0] == chapo[1], (title, chapo)


SHAPE_OF_LEAD = {"portrait": (700, 1000), "square": (800, 800), "panorama": (1200, 400)}


@pytest.mark.parametrize("shape", sorted(SHAPE_OF_LEAD))
def test_a5_cover_keeps_a_la_une_below_a_short_sommaire(
    lettre: Lettre, tmp_path: Path, shape: str
) -> None:
    """A5 (the sommaire in the flow, no float): 8 articles and one headline with a photo of
    any shape. The sommaire ends mid-cover; À la une (its heading kept with the lead story,
    break-inside: avoid, the lead photo 50 mm high) went whole to page 2, the cover's lower
    40 % left blank. The cover must show À la une's heading, with its lead story."""
    articles, photos = _articles(8, "pour la une")
    repo = _repo(tmp_path / "newsletter", articles, photos)
    folder = repo / "bulletins/2025-06-13"
    issue = yaml.safe_load((folder / "issue.yaml").read_text(encoding="utf-8"))
    issue["headlines"] = [
        {
            "title": "Titre de une avec quelques mots",
            "summary": "Résumé de la une, deux lignes environ pour voir.",
            "url": articles[3]["url"],
            "image": {"src": "images/lead.jpg", "alt": "La une"},
        }
    ]
    (folder / "issue.yaml").write_text(yaml.safe_dump(issue, allow_unicode=True), "utf-8")
    (folder / "images/lead.jpg").write_bytes(_photo(*SHAPE_OF_LEAD[shape], 7))
    publication = repo / "publication.yaml"
    publication.write_text(publication.read_text(encoding="utf-8") + "paper: A5\n")
    _, lines = _build(lettre, repo, tmp_path / "dist")
    heading = [line.page for line in lines if line.text == "À la une" and line.bottom - line.y > 12]
    lead = [line.page for line in lines if line.text.startswith("Titre de une avec")]
    assert heading == [1] and lead == [1], (heading, lead)
