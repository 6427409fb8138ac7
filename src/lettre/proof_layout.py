"""Where things land in the print edition, read from WeasyPrint's own layout.

The proof lays the print edition out as the build does (the same HTML, CSS, print images,
fonts, and the same further layouts: pdf.layout) and reads the result: the page of
each anchor (`article-S-A`, `rubrique-S`, `a-la-une`, `editorial`), the page of each
headline, and the size each image is printed at, in CSS px (96 to the inch). No PDF parser
is needed, and the numbers are the layout's, not a guess from the page count.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from typing import Any

from lettre import pdf
from lettre.build import print_sources
from lettre.images import Variant
from lettre.model import LoadedIssue
from lettre.repo import Repository

CSS_PX_PER_INCH = 96
_OPTIONS: dict[str, Any] = {"pdf_variant": "pdf/a-3a", "pdf_tags": True}
"""The build's rendering options that could touch the layout (pdf.render_pdf)."""


@dataclass(frozen=True)
class Printed:
    page: int
    """1-based."""
    ppi: int
    """The image's pixels per inch at the size it is printed."""


@dataclass
class Layout:
    pages: int = 0
    anchors: dict[str, int] = field(default_factory=dict)
    """Anchor (an element's id) → its 1-based page."""
    headlines: dict[int, int] = field(default_factory=dict)
    """Headline number (from 1) → its page."""
    images: dict[str, Printed] = field(default_factory=dict)
    """Image src → where and how sharp it is printed (the softest, if printed twice)."""


def print_layout(loaded: LoadedIssue, repo: Repository, out: Any) -> Layout:
    """The print edition of `loaded`, laid out, and what the proof reads from it."""
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    html, css, variants = print_sources(loaded, repo, out, marks=False)
    fetcher = pdf._fetcher(pdf.resources(variants))
    fonts = FontConfiguration()
    try:
        sheets = [CSS(string=css, url_fetcher=fetcher, font_config=fonts)]
        document = pdf.layout(html, fetcher, fonts, {**_OPTIONS, "stylesheets": sheets})
        return _read(document, {pdf._url(v): src for src, v in variants.items()}, variants)
    finally:
        if getattr(fonts, "_folder", None):
            shutil.rmtree(fonts._folder, ignore_errors=True)


def _read(document: Any, sources: dict[str, str], variants: dict[str, Variant]) -> Layout:
    layout = Layout(pages=len(document.pages))
    seen: set[int] = set()  # a headline that breaks across two pages counts once
    for number, page in enumerate(document.pages, 1):
        for anchor in page.anchors:
            layout.anchors.setdefault(anchor, number)
        for box in page._page_box.descendants():
            element = getattr(box, "element", None)
            if element is None:
                continue
            if _is_headline(element) and id(element) not in seen:
                seen.add(id(element))
                layout.headlines[len(seen)] = number
            src = sources.get(element.get("src", "")) if element.tag == "img" else None
            if src and hasattr(box, "replacement") and getattr(box, "width", None):
                ppi = round(variants[src].width * CSS_PX_PER_INCH / box.width)
                known = layout.images.get(src)
                if known is None or ppi < known.ppi:
                    layout.images[src] = Printed(number, ppi)
    return layout


def _is_headline(element: Any) -> bool:
    return element.tag == "div" and "headline" in (element.get("class") or "").split()
