"""What lettre reads of WeasyPrint's laid-out pages: where a page's content ends, the
articles' openings on it and their boxes (lettre.fitting decides from them).

Every function takes WeasyPrint's boxes as laid out (a page's `_page_box` and what it
holds); positions and sizes are CSS px."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

PX_PER_MM = 96 / 25.4
INSET_MM, INSET_GUTTER_MM = 44.0, 5.0
"""A5's side column, which has no room beside its text: it floats inside the text, this wide,
this far from it (print.css gives it to an article with a portrait or a square photo;
lettre.paging to one whose landscape photo lettre.fitting moves there)."""


def empty(page: Any) -> float:
    """The share of a page's text area left empty at its foot."""
    return foot(page) / max(1.0, float(page.height))


def foot(page: Any) -> float:
    """The height (px) between a page's last line or image and the foot of its text area."""
    return float(page.content_box_y() + page.height - content_bottom(page))


def ratio(image: Any) -> float:
    """An image box's source width-to-height ratio."""
    return max(0.01, float(getattr(image.replacement, "ratio", 1.0) or 1.0))


def columns(opening: Any) -> tuple[float, float, float]:
    """An opening's width, its main column's and its side column's, as laid out (px). On A5
    a landscape photo's side content is a block before the text, until lettre.paging floats
    it inside the text with the photo (INSET_MM); 0 for a panorama's (never moved there)."""
    text = next((b for b in opening.descendants() if "text" in classes(b)), None)
    side = side_column(opening)
    width = float(opening.width)
    main = float(text.width) if text is not None else width
    if side is None:
        return width, main, 0.0
    if side.style["float"] == "none":
        wide = any("wide" in classes(b) for b in opening.descendants() if tag(b) == "figure")
        return width, main, INSET_MM * PX_PER_MM if wide else 0.0
    return width, main, float(side.width)


def side_column(opening: Any) -> Any:
    """The box of an opening's side column (its date, author, link; a portrait), or None."""
    return next((b for b in opening.descendants() if tag(b) == "aside"), None)


def classes(box: Any) -> list[str]:
    element = getattr(box, "element", None)
    return (element.get("class") or "").split() if element is not None else []


def first_block(box: Any, parent: Any) -> tuple[Any, Any] | None:
    """The first box of a page's flow that holds content (a paragraph, a title…), with its
    parent box."""
    for child in getattr(box, "children", []):
        if type(child).__name__ == "MarginBox":
            continue
        element = getattr(child, "element", None)
        if element is not None and element.tag in BLOCKS and child.element_tag == element.tag:
            return child, box
        found = first_block(child, child)
        if found is not None:
            return found
    return None


BLOCKS = ("h2", "h3", "h4", "p", "li", "figure", "table", "img", "blockquote", "pre")


def inside(box: Any, ancestor: Any) -> bool:
    return any(b is box for b in ancestor.descendants())


def article_box(page: Any, ident: str) -> Any:
    """The box of article `ident` on `page`, or None."""
    return next(
        (b for b in page.descendants() if tag(b) == "article" and b.element.get("id") == ident),
        None,
    )


def body_less(page: Any, ident: str) -> bool:
    """Whether article `ident` on `page` has no body: only its opening."""
    article = article_box(page, ident)
    return article is not None and not any("body" in classes(b) for b in article.children)


def openings(page: Any) -> Iterator[tuple[str, Any, Any, Any]]:
    """The articles' openings on `page`, the lowest first: (article id, the opening's box,
    its figure's box, its image's box — None when it has no photo)."""
    articles = [b.element.get("id") for b in page.descendants() if tag(b) == "article"]
    for article in reversed(articles):
        try:
            box = opening_box(page, article)
        except LookupError:
            continue
        figure = next((b for b in box.descendants() if tag(b) == "figure"), None)
        image = next((b for b in box.descendants() if tag(b) == "img"), None)
        yield article, box, figure, image


def opening_box(page: Any, ident: str) -> Any:
    """The box of the opening of article `ident` on `page`."""
    within = False
    for box in page.descendants():
        element = getattr(box, "element", None)
        if element is not None and element.tag == "article":
            within = element.get("id") == ident
        if within and element is not None and "opening" in (element.get("class") or "").split():
            return box
    raise LookupError(ident)


def opening_bottom(page: Any, ident: str) -> tuple[float, float]:
    """Where the opening of article `ident` ends on `page`: its lowest box (a floating photo
    included), and its lowest line of text."""
    box = opening_box(page, ident)
    lines = [b for b in in_flow(box) if type(b).__name__ == "LineBox"]
    return max(map(bottom, [box, *box.descendants()])), max(map(bottom, lines), default=0.0)


def in_flow(box: Any) -> list[Any]:
    """A box's descendants, but for those inside a float (the side column)."""
    found = []
    for child in getattr(box, "children", []):
        if child.style["float"] == "none":
            found += [child, *in_flow(child)]
    return found


def bottom(box: Any) -> float:
    return float(box.position_y + box.margin_height())


def margin_top(box: Any) -> float:
    """A box's top margin as its style gives it (px), before a page top discarded it."""
    value = box.style["margin_top"]
    factor = {"px": 1.0, "mm": PX_PER_MM, "pt": 96 / 72}.get(getattr(value, "unit", "px"), 0.0)
    return float(getattr(value, "value", 0.0)) * factor


def content_bottom(page: Any) -> float:
    """Where the last line or image of a page's flow ends."""
    ends = [
        box.position_y + box.margin_height()
        for box in page.descendants()
        if not getattr(box, "children", None) and getattr(box, "element", None) is not None
    ]
    return float(max(ends, default=page.content_box_y()))


def first_opening(page: Any) -> tuple[str, Any, Any, str] | None:
    """The page's first box, when it is an article's opening (maybe under its section's
    title): (article id, the box — or the section title's, which must move with it —, the
    opening's image, the photo's shape)."""
    article, first = None, None
    for box in page.descendants():
        element = getattr(box, "element", None)
        if element is None or not hasattr(box, "children") or box is page:
            continue
        names = (element.get("class") or "").split()
        if element.tag == "article":
            article = element.get("id")
        elif "opening" in names and article:
            figure = next((b for b in box.descendants() if tag(b) == "figure"), None)
            image = next((b for b in box.descendants() if tag(b) == "img"), None)
            shape = (figure.element.get("class") or "narrow") if figure is not None else ""
            return article, first or box, image, shape
        elif "section-title" in names:
            first = first or box
        elif element.tag in ("h2", "h3", "p", "li", "figure", "table", "img"):
            return None  # something else comes first on this page
    return None


def tag(box: Any) -> str:
    return str(getattr(box, "element_tag", ""))
