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
    """WeasyPrint's own layout inside the block (lettre.speedups taken out)."""
    import weasyprint.layout.inline as inline
    import weasyprint.layout.preferred as preferred

    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(inline, "inline_min_content_width", preferred.inline_min_content_width)
        monkeypatch.setattr(speedups, "install", lambda: None)
        yield


def _floats() -> Any:
    from weasyprint import HTML

    return HTML(string=FLOATS).render()


def test_lines_among_floats_are_where_weasyprint_puts_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import weasyprint.layout.inline as inline
    import weasyprint.layout.preferred as preferred

    measured: list[int] = []
    original = preferred.inline_min_content_width

    def counted(*args: Any, **kwargs: Any) -> Any:
        measured.append(1)
        return original(*args, **kwargs)

    with monkeypatch.context() as own:
        own.setattr(inline, "inline_min_content_width", counted)
        expected, weasyprint_measures = _boxes(_floats()), len(measured)
        speedups.install()  # over the counting one
        measured.clear()
        found = _boxes(_floats())
    assert len(expected) > 150 and expected[-1][3] > 0  # (on its third page)
    assert found == expected
    # what it saves: the lines below and above every float are not measured
    assert 0 < len(measured) < weasyprint_measures / 2, (len(measured), weasyprint_measures)


@pytest.mark.parametrize("issue", ["example", "mixed"])
def test_a_print_edition_is_where_weasyprint_puts_it(issue: str, tmp_path: Path) -> None:
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    root = PROJECT if issue == "example" else make_mixed(tmp_path / "newsletter", MINIMAL)
    with tempfile.TemporaryDirectory() as cache:
        html, css, resources = _inputs(root, root / "bulletins/2025-06-13", Path(cache))
    fetcher = pdf._fetcher(resources)

    def layout() -> list[tuple[Any, ...]]:
        fonts = FontConfiguration()
        options = {"stylesheets": [CSS(string=css, url_fetcher=fetcher, font_config=fonts)]}
        return _boxes(pdf.layout(html, fetcher, fonts, options))

    faster = layout()
    with weasyprint_own():
        own = layout()
    assert faster == own
    assert sum(1 for box in own if box[0] == "LineBox") > 200
