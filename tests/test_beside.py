"""lettre.beside: a table that fits beside an article's side column is set there, not below
the whole side column (WeasyPrint found it a rounding too wide for its own column)."""

from __future__ import annotations

import pytest

from lettre import beside
from tests.conftest import PROJECT

FONT = PROJECT / "src/lettre/fonts/Inter-Regular.otf"
PAGE = """<html lang="fr"><style>
@font-face {{ font-family: I; src: url({font}) }}
@page {{ size: A4; margin: 18mm 16mm 20mm 22mm }}
body {{ margin: 0; font: 9.5pt/1.45 I }}
.text {{ margin-right: 57mm }}
.side {{ float: right; width: 51mm; margin: 0 -57mm 2mm 6mm }}
table {{ width: {width} }}
</style><body><article><div class="text"><aside class="side"><div style="height: 80mm">
</div></aside><p>Un chapô de quelques mots</p></div><div class="text body"><p>{text}</p>
<table><thead><tr><th>Unité</th><th>Effectif</th></tr></thead><tbody><tr><td>1er régiment
</td><td>107</td></tr></tbody></table><p>La suite.</p></div></article>"""
"""An article as print.html.j2 writes it, on print.css's A4 page and grid: a side column 80 mm
tall that floats in the main column's right margin (it takes none of the main column's
room), a paragraph, then a table as wide as the main column."""
TEXT = "Les unités engagées ont conduit des missions de reconnaissance et de soutien. " * 3


def _table_and_side(width: str, *, mended: bool) -> tuple[float, float, float]:
    """Where the table starts, where the side column ends, where the paragraph before the
    table ends (px)."""
    from weasyprint import HTML

    beside.install()
    was, beside.MENDED = beside.MENDED, mended
    try:
        html = PAGE.format(font=FONT.as_uri(), width=width, text=TEXT)
        page = HTML(string=html).render().pages[0]._page_box
    finally:
        beside.MENDED = was
    boxes = list(page.descendants())
    table = next(b for b in boxes if type(b).__name__ == "TableBox")
    side = next(b for b in boxes if getattr(b, "element_tag", "") == "aside")
    paragraphs = [b for b in boxes if type(b).__name__ == "BlockBox" and b.element_tag == "p"]
    paragraph = paragraphs[1]  # the body's first (the chapô's is the first)
    return (
        float(table.position_y),
        float(side.position_y + side.margin_height()),
        float(paragraph.position_y + paragraph.margin_height()),
    )


def test_a_table_as_wide_as_its_column_is_set_beside_the_side_column() -> None:
    table, side, paragraph = _table_and_side("100%", mended=True)
    assert table < side, "the table went below the side column"
    assert table == pytest.approx(paragraph, abs=1), "the table does not follow its paragraph"


def test_weasyprint_alone_sets_it_below_the_side_column() -> None:
    """What the mend is for: should a WeasyPrint release place the table beside the side
    column by itself, this fails, and lettre.beside can go."""
    table, side, _paragraph = _table_and_side("100%", mended=False)
    assert table >= side


INSET = """<html lang="fr"><style>
@font-face {{ font-family: I; src: url({font}) }}
@page {{ size: A5; margin: 18mm 22mm 20mm 16mm }}
body {{ margin: 0; font: 9.5pt/1.45 I }}
.side {{ float: right; width: 44mm; height: 80mm; margin: 0 0 2mm 5mm }}
{rules}
</style><body><div style="height: {spacer}mm"></div><article><div class="text"><aside
class="side"></aside><p>Un chapô de quelques mots.</p></div><div class="body"><table><thead>
<tr><th>Unité</th><th>Effectif</th></tr></thead><tbody>{rows}</tbody></table></div></article>"""
"""A5's article as print.html.j2 writes it: its side column floats inside the text (a
portrait, 80 mm tall), beside the chapô; the body opens with a table of twelve rows, with
print.css's table rules, too wide to sit beside the side column."""


def _rows_on_each_page(spacer: int, *, mended: bool) -> list[int]:
    from weasyprint import HTML

    from tests.test_print_layout import _table_rules

    beside.install()
    was, beside.MENDED = beside.MENDED, mended
    try:
        rows = "".join(f"<tr><td>{k}e régiment</td><td>{100 + k}</td></tr>" for k in range(12))
        html = INSET.format(font=FONT.as_uri(), rules=_table_rules(), spacer=spacer, rows=rows)
        pages = HTML(string=html).render().pages
    finally:
        beside.MENDED = was
    return [
        sum(
            sum(type(row).__name__ == "TableRowBox" for row in group.children)
            for group in page._page_box.descendants()
            if type(group).__name__ == "TableRowGroupBox" and group.element_tag == "tbody"
        )
        for page in pages
    ]


@pytest.mark.parametrize("spacer", [40, 50, 60])
def test_a_table_below_a_float_breaks_with_the_room_it_has_there(spacer: int) -> None:
    """A table that WeasyPrint moves below a float once laid out (A5's inset portrait beside
    the chapô) was laid out in the room from where it was in the flow, whole, then found past
    the page's foot once moved and sent whole to the next page (the page before it, and the
    one after, half empty). Laid out again where it was moved, it breaks between its rows,
    three at least on each page."""
    rows = _rows_on_each_page(spacer, mended=True)
    assert sum(rows) == 12 and len(rows) == 2 and min(rows) >= 3, rows  # broken there


def test_weasyprint_alone_sends_the_table_whole_to_the_next_page() -> None:
    """What the mend is for (fails the day a WeasyPrint release breaks the table there)."""
    assert _rows_on_each_page(40, mended=False) == [0, 12]
