"""Full pages for the print edition: the openings that a layout pushed to the next page,
fitted into the space they left, by giving their photo a smaller frame.

WeasyPrint cannot scale an image to the space left on a page by itself. So lettre reads
each page as soon as it is laid out (lettre.paging): where the page before it is empty at
its foot because this page opens with the next article's opening (its title, photo, side
column, chapô and first lines, kept together) that did not fit, `decide` gives that photo
a frame as much shorter as needed — within limits —, and the pages from the changed one
are laid out again; a frame that leaves those pages no fuller is taken back.

The frames, most preferred first (each photo keeps the width of its column as long as it
can: never a small image centred in white space; and no frame cuts more than CUT of either
dimension of the photo, so that a reader still sees what was photographed):
1. the photo cropped to a shorter frame (`object-fit: cover`);
2. a panorama in the main column instead of across the page, cropped likewise;
3. a landscape photo in the side column, beside the text;
4. a photo of the side column (or a landscape photo moved there), cropped and then scaled
   down to SCALE_LIMIT of the column's width (and no narrower than NARROWEST_PX).
The columns' widths are read from the laid-out boxes, whatever the paper. A5 has no room
for a side column beside its text: its side column floats inside the text, narrower
(laidout.INSET_MM), where frames 3 and 4 put a photo as they do on A4; a panorama, with no
side column to leave room for, keeps to frame 1 there.

A brief beside a portrait much taller than its text (a title and a chapô: the main column
empty under them for most of the photo's height) has its photo given a smaller frame, within
the same limits (`snug`), tried before any other frame, and kept only when what follows
then fills the space, or the page's gaps can take it (`badness_with_holes`).

When the opening cannot come back, a photo of the page it left (else of the full page
before that one, whose text then flows over) takes a taller frame to fill the space
(_grow). When what was pushed has no photo of its own (a text-only opening, the last one
taking the colophon along), or is an article's last paragraph of one or two lines carried
alone to the next page (_lone), the photo above it on the page before gets a tighter frame
(_tighter).

Last, a page that no frame fills (its text followed by an opening that no frame brings back,
a short article kept whole, a table kept with its lines) is justified vertically, as a
typesetter does: the space at its foot is shared out between its paragraphs and, three
times as much, between its articles (`feathering`), each gap within a limit, so that the
page's text reaches its foot rather than stop a fifth of the way up.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from lettre import laidout
from lettre.laidout import PX_PER_MM

log = logging.getLogger(__name__)

MIN_PX = 22 * PX_PER_MM
"""The shortest frame a photo of the side column is given, in CSS px."""
CUT = 0.25
"""A frame cuts at most this share of the photo's width or height (`object-fit: cover`)."""
SCALE_LIMIT = 0.55
"""A photo of the side column may be scaled down to this share of the column's width…"""
NARROWEST_PX = 28 * PX_PER_MM
"""…and never narrower than this (A4's 51-mm side column at SCALE_LIMIT; A5's is narrower):
never a thumbnail."""
FULL = 0.15
"""A page is full when no more than this share of its text area is empty at its foot."""
EMPTY = 0.10
"""A page whose foot is this much empty (of its text area) is worth another layout."""
LINES_AFTER = 48.0
"""Room for the two first lines of the body that must follow the opening (orphans: 2; 9.5 pt
at 1.45, after a paragraph's 2.2 mm), px."""
TRAILING = 8 * PX_PER_MM
"""The space under the last line of a page before the next box may start: an article's
padding and margin (3 + 5 mm), an editorial's (3.5 + 4 mm)."""
GROWN_PX = 100 * PX_PER_MM
"""A photo of the main column or across the page may take a taller frame (its sides cut, up
to CUT) to fill the space an opening that cannot come back leaves, but no taller than this."""
SLACK = 8.0
"""Px more than measured, for the rounding of a layout."""
LONE = 0.05
"""What an article's last paragraph of one or two lines, carried alone to the top of a page,
weighs against a page's empty share (_score)."""
TRIES = 2
"""At most this many frames are tried for one article's photo."""
SNUG = 10 * PX_PER_MM
"""A side column that ends this much below its article's text (a brief: its title, its chapô
beside a portrait) leaves a hole beside it that `snug` closes."""
PARAGRAPH_GAP = 4 * PX_PER_MM
"""At most this much more space between two paragraphs of a page justified vertically."""
PART_GAP = 12 * PX_PER_MM
"""At most this much more space between two articles (or an article and the next section's
title, or the cover's parts: À la une and the sommaire, the editorial) of a page justified
vertically."""
PART_WEIGHT = 3.0
"""A gap between articles takes this many times a paragraph gap's share of the space."""
LEADING = 0.06
"""A paragraph's lines may be spaced out by this share of their height at most, on a page
whose gaps are all at their limits."""
SPACED = ("p", "ul", "ol", "blockquote")
"""The blocks of an article's body (or of the editorial) that the space between paragraphs
follows."""


@dataclass(frozen=True)
class Opening:
    """An article's opening pushed to the top of a page, and the space the page before left."""

    ident: str
    needed: float
    """How much shorter (px) the opening must be to fit the space left."""
    image: Any
    """The opening's image box (WeasyPrint's), or None."""
    shape: str
    """The photo's place: "panorama", "wide" or "narrow" (print.html.j2)."""
    side_room: float = 0.0
    """For a landscape photo: the tallest it may be in the side column, beside the text,
    for the opening to fit (px; 0 when the text alone does not fit)."""
    width: float = 0.0
    """The opening's width (px): the main column's and the side column's, with the gutter."""
    main: float = 0.0
    """The main column's width (px), as laid out."""
    side: float = 0.0
    """The side column's width (px), as laid out; 0 without one (A5)."""


@dataclass(frozen=True)
class Frame:
    """A photo's new frame (CSS px), given by lettre.paging to its image box."""

    height: float
    width: float | None = None
    """Narrower than its column: a photo of the side column, scaled down."""
    moved: bool = False
    """A landscape photo moved into the side column (print.html.j2's copy of it there)."""
    gutter: float | None = None
    """A panorama narrowed to the main column: its figure's right margin."""


Decision = tuple[str, Frame, int]
"""An article id, its photo's new frame, and the index of the first page it changes."""


def decide(
    pages: list[Any], framed: dict[str, Frame], short: dict[str, float] | None = None
) -> Decision | None:
    """The frame that mends the foot of the page before the last of `pages` (just laid
    out): an opening pushed from it brought back, its space filled, or an article's lone
    last lines brought back to it; None when it needs none, or none helps. `framed`: the
    frames given so far (an article given one is not chosen again to grow or tighten);
    `short`: how much more (px) an article's opening needs than measured, once a frame
    measured for it moved nothing (lettre.paging)."""
    k = len(pages) - 1
    if k < 1:
        return None
    before, page = pages[k - 1], pages[k]
    lone = _lone(before, page)
    if lone:  # an article's last lines alone atop the page: a tighter photo above them
        found = _tighter(before, lone, framed)
        return (*found, k - 1) if found else None
    if laidout.empty(before) < EMPTY:
        return None
    opening = _pushed(before, page, short or {})
    if opening is not None and opening.image is not None:
        frame = _frame(opening)
        if frame is not None:
            moved = opening.ident in framed and framed[opening.ident].moved
            return (
                opening.ident,
                (Frame(frame.height, frame.width, True) if moved else frame),
                k - 1,
            )
    if opening is not None and opening.image is None:  # an opening without a photo (the
        # last one takes the colophon along): a tighter frame for a photo above it
        found = _tighter(before, opening.needed, framed)
        if found:
            return (*found, k - 1)
    # the opening cannot come back: a photo of this page fills the space, else one of the
    # full page before it, its text then flowing over onto this page
    space = _space(before)
    grown = _grow(before, framed, space)
    if grown:
        return (*grown, k - 1)
    if k >= 2 and laidout.empty(pages[k - 2]) < EMPTY:
        grown = _grow(pages[k - 2], framed, space, full=True)
        if grown:
            return (*grown, k - 2)
    return None


def snug(page: Any, framed: dict[str, Frame]) -> tuple[str, Frame] | None:
    """The photo of a side column that ends more than SNUG below its article's text on
    `page` (a brief: a title and a chapô beside a portrait, the main column empty under them
    for most of the photo's height), given a frame as much shorter as closes the hole, as
    far as _frame's limits allow: (article id, its frame), the lowest first; None when no
    article of the page leaves such a hole. `framed`: the articles not to frame again."""
    for article, box, image, hole in _holes(page):
        if article in framed:
            continue
        width, main, column = laidout.columns(box)
        # the shortest frame _frame allows: scaled down to its narrowest, then cropped
        narrowest = _narrowest(column) * (1 - CUT) / laidout.ratio(image)
        needed = min(hole, float(image.height) - max(narrowest, MIN_PX)) - SLACK
        if needed < SNUG / 2:
            continue  # too little to gain
        rule = _frame(Opening(article, needed, image, "narrow", 0.0, width, main, column))
        if rule is not None:
            return article, rule
    return None


def _holes(page: Any) -> Iterator[tuple[str, Any, Any, float]]:
    """The articles of `page` whose side column, with a photo, ends more than SNUG below
    their text, the lowest first: (article id, its opening's box, the photo's image box, by
    how much it ends below, px)."""
    for article, box, figure, image in laidout.openings(page):
        if figure is None or image is None:
            continue
        side = laidout.side_column(box)
        if side is None or side.style["float"] == "none" or not laidout.inside(figure, side):
            continue  # no photo in a side column beside the text
        lines = [
            laidout.bottom(b)
            for b in laidout.in_flow(laidout.article_box(page, article))
            if type(b).__name__ in ("LineBox", "TableBox")
        ]
        hole = laidout.bottom(side) - max(lines, default=laidout.bottom(side))
        if hole > SNUG:
            yield article, box, image, hole


def badness(pages: list[Any]) -> tuple[float, float]:
    """How far `pages` (but the last, which only says whether its first lines are an
    article's lone last ones) fall short of full: the share by which each is emptier than
    FULL, LONE for each page before lone last lines; then their empty shares."""
    empty = [laidout.empty(page) for page in pages[:-1]]
    return sum(max(0.0, e - FULL) for e in empty) + _lones(pages), sum(empty)


def badness_with_holes(pages: list[Any]) -> tuple[float, float]:
    """`badness` as a page will read once justified vertically (`feathering` shares out
    what it can of its foot), with the holes beside side columns (see `snug`) counted with
    the empty shares: a brief's hole is worth closing when what follows fills the space it
    leaves, or the page's gaps can take it, not when that space only moves to the foot. A
    page falls short past EMPTY here, not FULL: what feathering will do is foreseen, not
    measured (a page 14 % empty by its boxes reads 16 % empty, see `feathering`)."""
    shortfall, empty = 0.0, 0.0
    for index, page in enumerate(pages[:-1]):
        height = max(1.0, float(page.height))
        spread = sum(
            more
            for _box, _name, more, _value in feathering(page, pages[index - 1] if index else None)
        )
        share = max(0.0, laidout.empty(page) - spread / height)
        holes = sum(hole for *_, hole in _holes(page)) / height
        shortfall, empty = shortfall + max(0.0, share - EMPTY), empty + share + holes
    return shortfall + _lones(pages), empty


def _lones(pages: list[Any]) -> float:
    """LONE for each of `pages` followed by an article's lone last lines (see `_lone`)."""
    return sum(LONE for before, page in itertools.pairwise(pages) if _lone(before, page))


Spacing = tuple[Any, str, float, Any]
"""A block of a page justified vertically, the property of its style that changes (its
bottom margin or padding, its line height: lettre.paging gives it to the block's every box),
by how much its height grows (px), and the property's new value."""


def feathering(page: Any, before: Any = None, share: float = 1.0) -> list[Spacing]:
    """For a page emptier than EMPTY at its foot (not the last: the caller knows), once no
    frame fills it: the blocks of the page whose bottom margin (or padding) grows, and by
    how much (px), so that its text reaches the foot. EMPTY, not FULL: what a reader sees as
    the foot (the ink of a pale caption's last line, a photo's edge) ends above the boxes
    that lettre measures.

    Each gap takes its weight's share of the space within its limit, as a typesetter's
    vertical justification does: a paragraph gap (and the one between an article's chapô
    and its body) 1, within PARAGRAPH_GAP; an article gap (half above the rule under it,
    half below), and the gaps between the cover's parts (after the masthead, between the
    sommaire and À la une, after them) and after the editorial, PART_WEIGHT, within
    PART_GAP. A page with too few gaps then spaces out the
    lines of its paragraphs (those wholly on it) by LEADING of their height at most, and is
    filled as far as that goes.

    Only gaps between two blocks of the page grow, so that nothing moves on another page,
    and only gaps that move something (not inside an article whose side column ends well
    below its text); not after a box whose decoration is cloned on each page it spans (the
    editorial's) when it started on `before` (the page before it): its part there keeps
    the wider margin too, and WeasyPrint may lay that page out again once the pages after
    it are made (the cover, for its page numbers). `share`: the share of the space at the
    foot to fill (lettre.paging tries less when filling it all moved the page's end).
    Empty when the page is full, or has no gap."""
    if laidout.empty(page) <= EMPTY:
        return []
    started = {id(box.element) for box in (before.descendants() if before is not None else ())}
    hidden = {id(b) for a in _beside_taller(page) for b in a.descendants() if b is not a}
    gaps: list[tuple[Any, float, float]] = []
    paragraphs = []
    margins: dict[int, float] = {}
    tops: dict[int, float] = {}
    for box in page.descendants():
        children = [
            child
            for child in getattr(box, "children", [])
            if getattr(child, "element", None) is not None
            and type(child).__name__ in ("BlockBox", "TableBox")
            and child.style["float"] == "none"
            and child.style["position"] == "static"
        ]
        spaced = {"body", "editorial"} & set(laidout.classes(box))
        for above, below in itertools.pairwise(children):
            gap: tuple[Any, float, float]
            last = _last_article(above)
            if last is not None:
                gap = (last, PART_WEIGHT, PART_GAP)
            elif {"masthead", "cover", "editorial"} & set(laidout.classes(above)) or (
                "cover" in laidout.classes(box) and not laidout.tag(below).endswith("::after")
            ):  # page 1's parts: the masthead, the sommaire and À la une (not the box after
                # them that clears a floated sommaire: its clearance would take the gap),
                # the editorial
                gap = (above, PART_WEIGHT, PART_GAP)
            elif spaced and laidout.tag(above) in SPACED:
                gap = (above, 1.0, PARAGRAPH_GAP)
            elif "opening" in laidout.classes(above) and "body" in laidout.classes(below):
                # after an article's chapô: the body's top padding, which collapses with
                # nothing (the chapô's margin does, with the opening's)
                gap, tops[id(below)] = (below, 1.0, PARAGRAPH_GAP), float(below.padding_top)
            else:
                continue
            if id(gap[0]) in hidden:
                continue  # its article's end is its side column's: it would move nothing
            cloned = gap[0].style["box_decoration_break"] == "clone"
            if not (cloned and id(gap[0].element) in started):
                gaps.append(gap)
                # the margin it widens: the larger of the two that collapse into the gap
                margins[id(gap[0])] = max(float(gap[0].margin_bottom), float(below.margin_top))
            if laidout.tag(above) == "p" and gap[1] == 1.0 and id(above.element) not in started:
                paragraphs.append(above)  # whole on the page (a block follows it there)
    space = (laidout.foot(page) - 2 * SLACK) * share
    grown: list[Spacing] = []
    for box, extra in _shared(gaps, space):
        space -= extra
        if id(box) in tops:
            grown.append((box, "padding_top", extra, _px(tops[id(box)] + extra)))
            continue
        names = ("padding_bottom", "margin_bottom") if laidout.tag(box) == "article" else ()
        for name, part in [(n, extra / 2) for n in names] or [("margin_bottom", extra)]:
            base = margins[id(box)] if name == "margin_bottom" else float(box.padding_bottom)
            grown.append((box, name, part, _px(base + part)))
    return grown + _leading(paragraphs, space)


def _leading(paragraphs: list[Any], space: float) -> list[Spacing]:
    """`space` (px) shared out between the lines of `paragraphs`, each line spaced out by
    LEADING of its height at most (a paragraph whose line height is a number, as print.css
    gives it)."""
    lines = {id(p): [b for b in p.children if type(b).__name__ == "LineBox"] for p in paragraphs}
    count = sum(len(found) for found in lines.values())
    spread: list[Spacing] = []
    for paragraph in paragraphs if space > 0 and count else []:
        found, value = lines[id(paragraph)], paragraph.style["line_height"]
        if found and isinstance(value, (int, float)):
            height = float(found[0].height)
            more = min(space / count, LEADING * height)
            spread.append(
                (paragraph, "line_height", more * len(found), value * (1 + more / height))
            )
    return spread


def _px(value: float) -> Any:
    from weasyprint.css.properties import Dimension

    return Dimension(value, "px")


def _beside_taller(page: Any) -> list[Any]:
    """The articles of `page` whose side column ends below their text by more than a
    paragraph gap's limit: the gaps inside their text would move nothing below them (the
    side column's foot is the article's)."""
    found = []
    for article in page.descendants():
        if laidout.tag(article) != "article":
            continue
        inner = list(article.descendants())
        sides = [laidout.bottom(b) for b in inner if "side" in laidout.classes(b)]
        texts = [laidout.bottom(b) for b in inner if "body" in laidout.classes(b)]
        if sides and max(sides) > max(texts, default=0.0) + PARAGRAPH_GAP:
            found.append(article)
    return found


def _last_article(box: Any) -> Any:
    """`box` if it is an article, or the last article of `box` if it is a section (the gap
    after it is the one between the two sections); else None."""
    if laidout.tag(box) == "article":
        return box
    if laidout.tag(box) == "section" and "rubrique" in laidout.classes(box):
        articles = [c for c in box.children if laidout.tag(c) == "article"]
        return articles[-1] if articles and box.children[-1] is articles[-1] else None
    return None


def _shared(gaps: list[tuple[Any, float, float]], space: float) -> list[tuple[Any, float]]:
    """`space` (px) shared out between `gaps` (box, weight, limit) by weight, each gap within
    its limit (what a gap at its limit cannot take goes to the others)."""
    shares: dict[int, float] = {}
    left = list(gaps)
    while left and space > 0:
        unit = space / sum(weight for _box, weight, _limit in left)
        full = [(box, limit) for box, weight, limit in left if weight * unit >= limit]
        if not full:
            shares.update((id(box), weight * unit) for box, weight, _limit in left)
            break
        for box, limit in full:
            shares[id(box)] = limit
            space -= limit
        left = [gap for gap in left if id(gap[0]) not in shares]
    return [(box, shares[id(box)]) for box, _weight, _limit in gaps if shares.get(id(box), 0) > 0]


def _frame(opening: Opening) -> Frame | None:
    """The first of the frames (see the module's doc) that gains the height needed: the
    photo's new frame is `target` high, each frame within its limits."""
    image = opening.image
    ratio = laidout.ratio(image)
    target = float(image.height) - opening.needed
    if target >= (1 - CUT) * float(image.width) / ratio:
        return Frame(target)
    if opening.side and opening.shape == "panorama" and target >= (1 - CUT) * opening.main / ratio:
        gutter = opening.width - opening.main
        return Frame(min(target, opening.main / ratio), gutter=gutter)
    if not opening.side or opening.shape not in ("wide", "narrow"):
        return None  # no side column, or a panorama: too low a frame in it
    # in the side column (where a landscape photo moves, beside the text): cropped, then
    # scaled down, as wide as a frame `target` high may be within CUT
    if opening.shape == "wide":
        target = min(opening.side / ratio, opening.side_room)
    width = min(opening.side, target * ratio / (1 - CUT))
    if width < _narrowest(opening.side) or target < MIN_PX:
        return None  # a thumbnail: better the opening on the next page, a photo grown here
    # (a landscape photo: the copy of it that print.html.j2 keeps hidden in the side column)
    return Frame(target, width, moved=opening.shape == "wide")


def _narrowest(side: float) -> float:
    """The narrowest a photo of a side column `side` px wide may be scaled down to (px)."""
    return max(SCALE_LIMIT * side, NARROWEST_PX)


def _tighter(page: Any, needed: float, framed: dict[str, Frame]) -> tuple[str, Frame] | None:
    """The lowest photo of an opening on `page` given a frame `needed` px shorter (within
    _frame's limits), when that brings up what follows it: a photo of the main column, or
    one of the side column that ends the page that much below the text: (article id, its
    frame)."""
    for article, box, figure, image in laidout.openings(page):
        if figure is None or image is None or article in framed:
            return None
        shape = figure.element.get("class") or "narrow"
        side = laidout.side_column(box)
        if shape == "narrow" and side is not None and side.style["float"] != "none":
            text = max(
                (
                    laidout.bottom(b)
                    for b in page.descendants()
                    if laidout.tag(b) == "p"
                    and b.style["float"] == "none"
                    and not laidout.inside(b, side)
                ),
                default=0.0,
            )
            if laidout.bottom(side) - needed < text:
                return None
        rule = _frame(Opening(article, needed, image, shape, 0.0, *laidout.columns(box)))
        return (article, rule) if rule else None
    return None


def _lone(before: Any, page: Any) -> float:
    """The height (px, and SLACK) of an article's last paragraph, of one or two lines, that
    opens `page` alone, parted from what precedes it on `before` (widows act inside a
    paragraph only); 0 when there is none."""
    found = laidout.first_block(page, page)
    if found is None:
        return 0.0
    box, parent = found
    tags = [laidout.tag(b) for b in page.descendants() if b.position_y > box.position_y]
    if "footer" in tags and "article" not in tags:
        return 0.0  # the last article's: the colophon takes its last lines along (print.css)
    element, body = box.element, getattr(parent, "element", None)
    if element.tag != "p" or body is None or "body" not in (body.get("class") or "").split():
        return 0.0
    if list(body)[-1] is not element or any(
        getattr(b, "element", None) is element for b in before.descendants()
    ):
        return 0.0  # not the article's end, or a paragraph's end carried over
    lines = [b for b in box.descendants() if type(b).__name__ == "LineBox"]
    return float(box.margin_height()) + SLACK if len(lines) <= 2 else 0.0


def _space(page: Any) -> float:
    """The height (px) left empty at the foot of a page that another box may take."""
    return laidout.foot(page) - TRAILING - SLACK


def _grow(
    page: Any, framed: dict[str, Frame], space: float, *, full: bool = False
) -> tuple[str, Frame] | None:
    """The frame that gives `space` (px) to a photo of an opening on `page` (the lowest
    first) across the page or in the main column, cropped to a taller frame (its sides cut
    by at most CUT): (article id, its frame), or None. `full`: `page` is full, and the photo's
    opening (with the lines that must follow it) must stay on it, pushing only what
    follows it to the next page."""
    for article, _opening, figure, image in laidout.openings(page):
        # (a photo of the side column is not grown: the main column beside it would stay
        # empty)
        if figure is None or image is None or article in framed:
            continue
        if figure.element.get("class") not in ("wide", "panorama"):
            continue
        # taller, its sides cut by at most CUT
        tallest = float(image.width) / (laidout.ratio(image) * (1 - CUT))
        room = min(tallest, GROWN_PX) - float(image.height)
        grown = min(room, space)
        if full:
            photo, text = laidout.opening_bottom(page, article)
            below = laidout.content_bottom(page) - max(photo, text + LINES_AFTER) - SLACK
            grown = min(grown, below)
        if grown > 4 * PX_PER_MM:
            height = float(image.height) + grown
            return article, Frame(height)
    return None


def _pushed(before: Any, page: Any, short: dict[str, float]) -> Opening | None:
    """The opening at the top of `page`, with how much it overflows the foot of `before`
    (and `short`'s more, for its article)."""
    first = laidout.first_opening(page)
    if first is None:
        return None
    ident, box, image, shape = first
    space = laidout.foot(before) - TRAILING - short.get(ident, 0.0)
    photo, text = laidout.opening_bottom(page, ident)
    # the body's first lines go below the text, beside a photo of the side column; at the
    # top of a page the first box lost its top margin, which it gets back on the page before
    bottom = max(photo, text + _after(page, ident))
    colophon = next((b for b in page.descendants() if laidout.tag(b) == "footer"), None)
    all_opening = laidout.body_less(page, ident)
    if colophon is not None and all_opening:  # the last article, all opening:
        bottom = laidout.bottom(colophon)  # the colophon goes with it (print.css)
    elif all_opening:  # it ends on the page, its rule under it (its padding and border),
        # below a photo of the side column taller than its text
        article = laidout.article_box(page, ident)
        bottom = max(bottom, photo + article.padding_bottom + article.border_bottom_width)
    top = box.position_y - laidout.margin_top(box)  # (its section's title's, above it)
    height = bottom - top
    needed = height - space
    if needed <= -SLACK:
        return None  # it would fit: something else pushed it (a widow, a caption)
    needed = max(0.0, float(needed)) + SLACK
    room = _side_room(page, ident, text, top, height - needed)
    return Opening(
        ident, needed, image, shape, room, *laidout.columns(laidout.opening_box(page, ident))
    )


def _side_room(page: Any, ident: str, text: float, top: float, room: float) -> float:
    """How tall a landscape photo may be once moved into the side column (see Opening), for
    what must fit `room` from `top` (the opening's, or its section's title's above it)."""
    opening = laidout.opening_box(page, ident)
    figure = next((b for b in opening.descendants() if laidout.tag(b) == "figure"), None)
    if figure is None or "wide" not in (figure.element.get("class") or ""):
        return 0.0
    caption = next((b for b in figure.descendants() if laidout.tag(b) == "figcaption"), None)
    side = laidout.side_column(opening)
    above = figure.position_y - top
    text_after = text + LINES_AFTER - laidout.bottom(figure)
    if above + text_after > room:
        return 0.0
    beside = (caption.margin_height() if caption else 0) + (side.margin_height() if side else 0)
    return float(room - above - beside - 4 * PX_PER_MM)


def _after(page: Any, ident: str) -> float:
    """The height that must follow the opening on its page: the body's first two lines, or
    its first blocks up to a table among the first two (print.css keeps a table with the
    lines before it, and the opening with what follows)."""
    article = next(
        (
            b
            for b in page.descendants()
            if laidout.tag(b) == "article" and b.element.get("id") == ident
        ),
        None,
    )
    body = next(
        (
            b
            for b in (article.children if article is not None else [])
            if "body" in (b.element.get("class") or "").split()
        ),
        None,
    )
    if body is None:
        return LINES_AFTER
    for block in list(body.children)[:2]:
        table = next((b for b in block.descendants() if laidout.tag(b) == "table"), None)
        if table is not None:
            return float(_kept(block, table) - body.position_y) + LINES_AFTER / 2
    return LINES_AFTER


ROWS_KEPT, ROWS_BREAKING = 3, 6
"""print.css: a table of ROWS_BREAKING rows or more may break between its rows, ROWS_KEPT at
least on either page; a shorter one stays whole."""


def _kept(block: Any, table: Any) -> float:
    """Where what of `block` must stay with the lines before it ends (px): a table's head
    and first ROWS_KEPT rows when it may break, else the whole block."""
    rows = [r for r in table.element.iter("tr") if r.find("td") is not None]
    laid = [b for b in table.descendants() if type(b).__name__ == "TableRowBox"]
    body = [b for b in laid if b.element.find("td") is not None]
    if len(rows) < ROWS_BREAKING or len(body) < ROWS_KEPT:
        return laidout.bottom(block)
    return laidout.bottom(body[ROWS_KEPT - 1])
