"""lettre.breaks: a block that ends past the page only by the margin after its last child (an
article with a rule under it, a table at its foot) is broken inside, not moved whole to the
next page, its section's title left alone."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from lettre import breaks
from tests.conftest import PROJECT

FONT = PROJECT / "src/lettre/fonts/Inter-Regular.otf"
TEXT = "Les unités engagées ont conduit des missions de reconnaissance et de soutien. " * 2
ROWS = "".join(f"<tr><td>{k}e régiment</td><td>{100 + k}</td></tr>" for k in range(4))
PAGE = """<html lang="fr"><style>
@font-face {{ font-family: I; src: url({font}) }}
@page {{ size: 110mm 150mm; margin: 10mm }}
body {{ font: 9pt/1.4 I; margin: 0 }}
h2 {{ margin: 4mm 0 2mm; break-after: avoid }}
article {{ padding-bottom: 3mm; border-bottom: 0.3mm solid }}
p {{ margin: 0 0 2.2mm }}
table {{ margin: 1mm 0 3mm; break-inside: avoid; break-before: avoid }}
.clear {{ clear: both; break-before: avoid }}
</style><body>
<div style="height: {spacer}mm"></div>
<section><h2>Rubrique</h2><article><div class="body"><p id="first">{text}</p><p>{text}</p>
<p>{text}</p><table>{rows}</table></div><div class="clear"></div></article></section>"""
"""A section's title, then an article as print.html.j2 writes it: three paragraphs and a
table kept with the lines before it, then the box that clears its side column; below a
spacer of the given height."""


@contextlib.contextmanager
def mended(on: bool) -> Iterator[None]:
    breaks.install()
    was, breaks.MENDED = breaks.MENDED, on
    try:
        yield
    finally:
        breaks.MENDED = was


def pages_of_title_and_article(spacer: float) -> tuple[int, int]:
    """The page of the section's title and of the article's first line."""
    from weasyprint import HTML

    html = PAGE.format(font=FONT.as_uri(), spacer=spacer, text=TEXT, rows=ROWS)
    document = HTML(string=html).render()
    found: dict[str, int] = {}
    for number, page in enumerate(document.pages, 1):
        for box in page._page_box.descendants():
            element = getattr(box, "element", None)
            if element is not None and (element.tag == "h2" or element.get("id") == "first"):
                found.setdefault(element.tag, number)
    return found["h2"], found["p"]


SPACERS = [round(0.5 * k, 1) for k in range(4, 180)]
"""Spacer heights (mm), every half millimetre up to 90 mm, so that the article's foot falls
at every place of the next page, and 40 mm at least are left on the first one: room for
the title and a paragraph's first lines."""


def test_an_article_ending_past_the_page_by_its_margin_is_broken_inside() -> None:
    with mended(False):  # WeasyPrint's own: for some spacers, the title and the article
        # moved to the next page, where they fit but for the margin under the table
        moved = [s for s in SPACERS if pages_of_title_and_article(s) != (1, 1)]
    assert moved, "WeasyPrint no longer moves the article: lettre.breaks may go"
    with mended(True):
        for spacer in [*moved, *SPACERS[::9]]:
            assert pages_of_title_and_article(spacer) == (1, 1), spacer


@pytest.mark.parametrize("spacer", [2.0, 40.0, 85.0])
def test_the_mend_changes_no_break_where_the_article_fits_or_breaks_by_itself(
    spacer: float,
) -> None:
    with mended(False):
        before = pages_of_title_and_article(spacer)
    with mended(True):
        assert pages_of_title_and_article(spacer) == before
