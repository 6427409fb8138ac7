"""lettre.speedups: WeasyPrint's layout made cheaper, the same pages to the point: every box
of every page where WeasyPrint's own layout puts it, on documents whose lines run beside,
below and above floats that narrow them, and on real print editions."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lettre import pdf, speedups
from tests.bench_print import _inputs
from tests.conftest import MINIMAL, PROJECT
from tests.tools.mixed_issue import make as make_mixed

FONT = PROJECT / "src/lettre/fonts/Inter-Regular.otf"
WORDS = (
    "Les unités engagées ont conduit des missions de reconnaissance et de soutien en liaison "
    "étroite avec les partenaires locaux, l’approvisionnement des établissements "
    "départementaux et interministériels étant assuré sans interruption. "
)
FLOATS = f"""<html lang="fr"><style>
@font-face {{ font-family: I; src: url({FONT.as_uri()}) }}
@page {{ size: 120mm 160mm; margin: 10mm }}
body {{ font: 9.5pt/1.4 I; hyphens: auto; text-align: justify }}
.l {{ float: left; width: 70mm; height: 18mm; margin: 0 3mm 1mm 0; background: #ccc }}
.r {{ float: right; width: 30mm; height: 40mm; margin: 0 0 1mm 3mm; background: #ccc }}
.out {{ float: right; width: 30mm; height: 30mm; margin: 0 -34mm 0 4mm; background: #ccc }}
.wide {{ float: left; width: 88mm; height: 12mm; background: #ccc }}
.whole {{ hyphens: manual }}
.tall {{ font-size: 16pt }}
</style><body>
<div class="wide"></div><p class="whole">Anticonstitutionnellement {WORDS * 3}</p>
<div class="l"></div><p>Interministériellement {WORDS}</p>
<p>{WORDS * 2}</p>
<div class="r"></div><p>{WORDS} <span class="tall">reconnaissances</span> {WORDS}</p>
<div class="l"></div><div class="r"></div><p>Anticonstitutionnellement {WORDS}</p>
<div class="out"></div><p>{WORDS * 3}</p>
<p>{WORDS * 4}</p>
</body></html>"""
"""Lines beside floats that leave room for them, floats that leave too little for a line's
first word (it goes below), a float in the margin, a taller line, many lines below every
float, on several pages."""


def _boxes(document: Any) -> list[tuple[Any, ...]]:
    """Every box of every page: its kind, tag, place, size and text."""
    return [
        (
            type(box).__name__,
            getattr(box, "element_tag", ""),
            *(round(float(getattr(box, key) or 0), 3) for key in ("position_x", "position_y")),
            *(round(float(getattr(box, key) or 0), 3) for key in ("width", "height")),
            getattr(box, "text", None),
        )
        for page in document.pages
        for box in page._page_box.descendants()
    ]


@contextlib.contextmanager
def weasyprint_own() -> Iterator[None]:
    """WeasyPrint's own layout inside the block (lettre.speedups installed, but off)."""
    speedups.install()
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(speedups, "REMEMBER", False)
        monkeypatch.setattr(speedups, "UNMEASURED", False)
        yield


def _floats() -> Any:
    from weasyprint import HTML

    return HTML(string=FLOATS).render()


def test_lines_among_floats_are_where_weasyprint_puts_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import weasyprint.layout.preferred as preferred

    measured: list[int] = []
    original = preferred.inline_min_content_width

    def counted(*args: Any, **kwargs: Any) -> Any:
        measured.append(1)
        return original(*args, **kwargs)

    speedups.install()
    monkeypatch.setattr(preferred, "inline_min_content_width", counted)  # what it measures with
    with weasyprint_own():
        expected = _boxes(_floats())
    weasyprint_measures = len(measured)
    measured.clear()
    found = _boxes(_floats())
    assert len(expected) > 150 and expected[-1][3] > 0  # (on its third page)
    assert found == expected
    # what it saves: the lines below and above every float are not measured
    assert 0 < len(measured) < weasyprint_measures / 2, (len(measured), weasyprint_measures)


def _print_layout(root: Path) -> Any:
    """The print edition of `root`'s issue of 2025-06-13, laid out (lettre.pdf.layout)."""
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    with tempfile.TemporaryDirectory() as cache:
        html, css, resources = _inputs(root, root / "bulletins/2025-06-13", Path(cache))
    fetcher = pdf._fetcher(resources)
    fonts = FontConfiguration()
    options = {"stylesheets": [CSS(string=css, url_fetcher=fetcher, font_config=fonts)]}
    return pdf.layout(html, fetcher, fonts, options)


@pytest.mark.parametrize("issue", ["example", "mixed"])
def test_a_print_edition_is_where_weasyprint_puts_it(issue: str, tmp_path: Path) -> None:
    root = PROJECT if issue == "example" else make_mixed(tmp_path / "newsletter", MINIMAL)
    faster = _boxes(_print_layout(root))
    with weasyprint_own():
        own = _boxes(_print_layout(root))
    assert faster == own
    assert sum(1 for box in own if box[0] == "LineBox") > 200


def test_a_page_laid_out_again_splits_no_line_again(tmp_path: Path) -> None:
    """The fitting lays the pages around each photo frame out again, and the cover once
    more for its page numbers: the lines they hold are split once in a render, not again
    (counted in Pango line layouts), and the pages are the same (the test above)."""
    import weasyprint.layout.page as page
    from weasyprint.text.line_break import Layout

    root = make_mixed(tmp_path / "newsletter", MINIMAL)
    layouts, makes = [], []
    get_first_line, remake_page = Layout.get_first_line, page.remake_page

    def counted(self: Any) -> Any:
        layouts.append(1)
        return get_first_line(self)

    def made(*args: Any, **kwargs: Any) -> Any:
        makes.append(1)
        return remake_page(*args, **kwargs)

    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(Layout, "get_first_line", counted)
        monkeypatch.setattr(page, "remake_page", made)
        monkeypatch.setattr(speedups, "REMEMBER", False)  # (lines beside no float unmeasured)
        pages = len(_print_layout(root).pages)
        monkeypatch.setattr(speedups, "REMEMBER", True)
        weasyprint_layouts = len(layouts)
        layouts.clear()
        assert len(_print_layout(root).pages) == pages
    assert len(makes) >= 2 * pages + 4, (len(makes), pages)  # pages laid out again, twice
    assert len(layouts) < 0.8 * weasyprint_layouts, (len(layouts), weasyprint_layouts)
