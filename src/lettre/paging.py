"""The print edition laid out page by page, its photos framed as it goes (lettre.fitting).

WeasyPrint lays a document out one page at a time, each from where the page before it
stopped (its `page_maker`), and can lay a page out again on its own (`remake_page`: how it
fills in a page number known only later). lettre takes over the first making of the pages:
after each page, lettre.fitting reads it with the page before; when a photo's frame would
make that page fuller, the frame is written into the photo's box (its computed style) and
the pages are laid out again from the first one it changes. The pages before it are kept:
what was measured of them stays true. So the fitting costs a few pages laid out twice,
not whole layouts of the document, and each frame is chosen on the pages as they will be.

Two things WeasyPrint gets wrong are mended the same way, page by page: a float that goes
on past its page (a sommaire longer than the cover), beside whose continuation WeasyPrint
prints text twice, is laid out in the flow instead (`_unfloat_broken`); a side column
taller than a page, one atomic block so that it never splits, which WeasyPrint cuts at the
page's foot, is laid out in the main column instead (`_Tree.unwrap_tall`). A cover with
no room for the lead story's banner is laid out again with its photo beside its text
(`_Fitter._cover`).

Everything else is WeasyPrint's own: the pages whose page numbers changed are laid out
again by its loop, which follows; margin boxes, string sets and bookmarks after it.
"""

from __future__ import annotations

import contextlib
import contextvars
import copy
import logging
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from math import inf
from typing import Any

from lettre import laidout
from lettre.fitting import (
    TRIES,
    Decision,
    Frame,
    badness,
    badness_with_holes,
    decide,
    feathering,
    snug,
)
from lettre.laidout import INSET_GUTTER_MM, INSET_MM, PX_PER_MM

log = logging.getLogger(__name__)

MOVABLE = '.side [data-lettre="moved"], .headline [data-lettre="moved"] { display: block; }'
"""The stylesheet that gives print.html.j2's copy of a landscape photo in the side column a
box, which lettre.paging takes out of the tree until a frame moves the photo there; and its
copy of a landscape lead photo in a frame beside the lead's text, likewise until the cover
has no room for the banner (`_Fitter._cover`)."""

FEATHERED = True
"""Pages that no frame fills justified vertically (the tests turn it off to compare)."""

_ACTIVE: contextvars.ContextVar[_Fitter | None] = contextvars.ContextVar("fitter", default=None)


@contextlib.contextmanager
def fitting() -> Iterator[None]:
    """WeasyPrint's renders inside this block are laid out page by page with lettre.fitting
    (their stylesheets must include MOVABLE)."""
    _install()
    token = _ACTIVE.set(_Fitter())
    try:
        yield
    finally:
        _ACTIVE.reset(token)


def _install() -> None:
    """lettre's first making of the pages in place of WeasyPrint's (once per process; any
    other render goes on to WeasyPrint's own)."""
    import weasyprint.layout as layout

    if getattr(layout.make_all_pages, "lettre", False):
        return
    original = layout.make_all_pages

    def make_all_pages(context: Any, root_box: Any, html: Any, pages: list[Any]) -> Any:
        fitter = _ACTIVE.get()
        if fitter is None or pages or fitter.used:
            return original(context, root_box, html, pages)
        return iter(fitter.paginate(context, root_box, html))

    make_all_pages.lettre = True  # type: ignore[attr-defined]
    layout.make_all_pages = make_all_pages


@dataclass
class _Photo:
    """An article's photo in the box tree (what lettre.fitting frames)."""

    image: Any
    figure: Any
    """The figure box, in the opening (or in the side column, a portrait)."""
    moved: Any = None
    """print.html.j2's copy of a landscape photo in the side column: (its box, its parent
    box, its place among the parent's children), out of the tree until the photo moves."""
    moved_image: Any = None
    place: tuple[Any, int] | None = None
    """The figure's parent box and its place there (a landscape photo, which may move)."""
    aside: Any = None
    """The side column that the photo moves to (a landscape photo's)."""


class _Tree:
    """The photos of a document's box tree, by article id, and their frames."""

    def __init__(self, root: Any) -> None:
        self.photos: dict[str, _Photo] = {}
        self.original: dict[int, dict[str, Any]] = {}
        self.sides: dict[Any, tuple[Any, Any, Any, str | None]] = {}
        """An article's side column (its box, the box it is in, its one atomic block, the
        article's id), by that block's element."""
        self._aside: tuple[Any, Any] = (None, None)
        self.lead: tuple[Any, Any, Any] | None = None
        """The lead story's box, its photo's banner and print.html.j2's copy of the photo in
        a frame beside the text (out of the tree until `shorter_lead`)."""
        self._walk(root, None, side=False)

    def _walk(self, box: Any, article: str | None, *, side: bool) -> None:
        for index, child in enumerate(list(getattr(box, "children", []))):
            element = getattr(child, "element", None)
            tag = getattr(child, "element_tag", "")
            classes = (element.get("class") or "").split() if element is not None else []
            if tag == "article" and element is not None:
                self._walk(child, element.get("id"), side=False)
                continue
            if side and "keep" in classes:  # (its aside is `box`'s parent: a line between)
                self.sides[element] = (*self._aside, child, article)
            if tag == "aside" and "side" in classes and type(child).__name__ == "BlockBox":
                self._aside = (child, box)  # (not its line, which has its element too)
            moved = element is not None and element.get("data-lettre") == "moved"
            if moved and article is None and "lead" in laidout.classes(box):
                box.children = [c for c in box.children if c is not child]
                # (a banner laid out inline, by an override's print.css: no swap)
                banner = next((c for c in box.children if laidout.tag(c) == "img"), None)
                self.lead = (box, banner, child) if banner is not None else None
                continue
            if article and side and moved:  # out of the tree
                # until a frame moves it (print.html.j2's copy: a template's own markup stays)
                box.children = [c for c in box.children if c is not child]
                photo = self.photos.get(article)
                image = _first(child, "img")
                if photo is not None and image is not None:
                    photo.moved, photo.moved_image = (child, box, index), image
                    photo.aside = self._aside[0]
                    self._keep(image)
                continue
            if article and tag == "figure" and article not in self.photos:
                image = _first(child, "img")
                if image is not None:
                    place = (box, index) if "wide" in classes else None
                    self.photos[article] = _Photo(image, child, place=place)
                    self._keep(image)
                    self._keep(child)
            self._walk(child, article, side=side or "side" in classes)

    def _keep(self, box: Any) -> None:
        style = box.style
        keys = ("height", "max_height", "width", "margin_right")
        self.original[id(style)] = {key: style[key] for key in keys}

    def frame(self, article: str, frame: Frame | None) -> None:
        """Gives the photo of `article` its frame (None: the one the stylesheet gives it)."""
        from weasyprint.css.properties import Dimension

        photo = self.photos[article]
        for box in (photo.image, photo.figure, photo.moved_image):
            if box is not None:
                box.style.update(self.original[id(box.style)])
        self._move(photo, bool(frame and frame.moved))
        if frame is None:
            return
        image = photo.moved_image if frame.moved else photo.image
        image.style["height"] = Dimension(frame.height, "px")
        image.style["max_height"] = Dimension(inf, "px")
        if frame.width is not None:
            image.style["width"] = Dimension(frame.width, "px")
        if frame.gutter is not None:
            photo.figure.style["margin_right"] = Dimension(frame.gutter, "px")

    def shorter_lead(self, shorter: bool) -> None:
        """The lead story's photo in its frame beside the text, or back in its banner."""
        assert self.lead is not None
        lead, banner, beside = self.lead
        rest = [c for c in lead.children if c is not banner and c is not beside]
        lead.children = [beside if shorter else banner, *rest]

    def takes(self, article: str, frame: Frame) -> bool:
        """Whether the photo of `article` can be given `frame`: a template without the side
        column's copy of a landscape photo (an override of an older lettre's) cannot have
        it moved there."""
        photo = self.photos.get(article)
        return photo is not None and (not frame.moved or photo.moved_image is not None)

    def unwrap_tall(self, page: Any) -> list[str | None]:
        """Whether a side column overflows `page`, now laid out in the flow after the
        chapô, free to break across pages (its atomic block, which kept it whole, opened),
        so that the page is made again: a side column taller than a page (a caption of
        forty lines) was cut at its foot, its article's title left alone on the page
        before."""
        foot = page.content_box_y() + page.height + 1
        tall = [
            self.sides.pop(box.element)
            for box in page.descendants()
            if "keep" in laidout.classes(box)
            and box.element in self.sides
            and box.position_y + box.margin_height() > foot
        ]
        for aside, parent, keep, _article in tall:
            aside.children = list(keep.children)
            parent.children = [c for c in parent.children if c is not aside] + [aside]
            for box in aside.descendants():
                box.style["break_inside"] = box.style["break_before"] = "auto"
            _in_flow(aside)
        return [article for *_boxes, article in tall]

    def _move(self, photo: _Photo, moved: bool) -> None:
        """The landscape photo in the side column (its copy there in the tree, the figure
        out of the opening), or back."""
        if photo.moved is None or photo.place is None:
            return
        box, parent, index = photo.moved
        opening, place = photo.place
        children = [c for c in parent.children if c is not box]
        figures = [c for c in opening.children if c is not photo.figure]
        if moved:
            children.insert(min(index, len(children)), box)
        else:
            figures.insert(min(place, len(figures)), photo.figure)
        parent.children, opening.children = children, figures
        _inset(photo.aside, moved)


def _inset(aside: Any, floated: bool) -> None:
    """A5's side column of a landscape photo (a block before the text, without room beside
    it), floated inside the text with the photo moved there, as print.css floats a
    portrait's (laidout.INSET_MM); back to a block without it. A side column that floats
    already (A4's, letter's) is left as it is."""
    from weasyprint.css.properties import Dimension

    if aside is None:
        return
    original = getattr(aside, "lettre_block", None)
    if floated and original is None and aside.style["float"] == "none":
        # a style of its own (WeasyPrint may share one between elements: see _feather)
        aside.lettre_block, aside.style = aside.style, aside.style.copy()
        aside.style["float"] = "right"
        aside.style["width"] = Dimension(INSET_MM * PX_PER_MM, "px")
        aside.style["margin_left"] = Dimension(INSET_GUTTER_MM * PX_PER_MM, "px")
    elif not floated and original is not None:
        aside.style, aside.lettre_block = original, None


SHORT = 8 * PX_PER_MM
"""How much more (px) than lettre.fitting measured an opening is asked to gain, when a frame
measured for it moved nothing."""

LESS = 0.7
"""The share of the space at a page's foot that feathering tries to fill the second time,
when filling all of it moved the page's end (see _Fitter._feather)."""


def _spaced(plan: list[Any], sources: dict[int, Any]) -> dict[int, tuple[Any, Any]]:
    """A page's gaps widened as `plan` says (lettre.fitting.feathering), in the document's
    box tree (`sources`: its boxes by element), each element given a style of its own
    (WeasyPrint shares one between the elements whose cascade is the same: every paragraph,
    every article): the boxes changed, with the style each had, by id."""
    original: dict[int, tuple[Any, Any]] = {}
    for box, name, _more, value in plan:
        source = sources.get(id(box.element))
        if source is None:
            continue
        # a line height is read by every box of the paragraph (its lines, its words), each
        # of which keeps the style it was built with
        for changed in source.descendants() if name == "line_height" else [source]:
            if id(changed) not in original:
                original[id(changed)] = changed, changed.style
                changed.style = changed.style.copy()
            changed.style[name] = value
    return original


def _lay_out(index: int, context: Any, root_box: Any, html: Any) -> tuple[Any, Any]:
    """Page `index` laid out by WeasyPrint (remake_page), its remake state cleared first:
    (the page, where the next one starts)."""
    from weasyprint.layout.page import remake_page

    state = context.page_maker[index][-1]
    state.update(content_changed=False, pages_wanted=False, anchors=[], content_lookups=[])
    return remake_page(index, context, root_box, html)  # type: ignore[no-any-return]


def _first_page(made: list[Any], articles: list[str | None]) -> int:
    """The first of `made` that holds a box of one of `articles` (by id)."""
    for index, page in enumerate(made):
        boxes = page.descendants()
        if any(laidout.tag(b) == "article" and b.element.get("id") in articles for b in boxes):
            return index
    return len(made) - 1


def starts(context: Any) -> list[Any]:
    """Where in the document each page made so far starts (WeasyPrint's resume_at)."""
    return [item[0] for item in context.page_maker]


def _unfloat_broken(context: Any, root_box: Any) -> bool:
    """Whether a float went on past the page just made (a sommaire longer than the cover, an
    À la une item taller than a page: its row, kept whole, could not be), now laid out in the
    flow instead, so that the page is made again: WeasyPrint splits a float at a page's foot
    whatever its `break-inside`, and lays text beside its continuation, on the next page,
    that then shows again on the page after it (an article printed twice). In the flow, an À
    la une item keeps its width (its photo's frame is a share of it); anything else takes the
    whole width of its container. (A side column never goes on: it is one atomic block, see
    `_Tree.unwrap_tall`.)"""
    broken = [item[0] for item in context.broken_out_of_flow.values() if item[0].is_floated()]
    sources = _sources(root_box) if broken else {}
    for box in broken:
        source = sources.get(id(box.element), box)  # (the document's box, laid out again)
        _in_flow(source, whole="headline" not in laidout.classes(source))
    return bool(broken)


def _in_flow(box: Any, *, whole: bool = True) -> None:
    """A floated box laid out in the flow instead, the whole width of its container (or its
    own, not `whole`). It is given a style of its own: WeasyPrint shares one between the
    elements whose cascade is the same (every À la une item), which would all leave their
    floats."""
    from weasyprint.css.properties import Dimension

    box.style = box.style.copy()
    box.style["float"] = "none"
    if whole:
        box.style["width"] = "auto"
        box.style["margin_left"] = box.style["margin_right"] = Dimension(0, "px")


def _look_up_again(context: Any) -> None:
    """Has WeasyPrint's loop lay out again, once, every page that shows a page number looked
    up elsewhere (the sommaire's, "→ p. N"), now that the pages are final: WeasyPrint does so
    only for a page whose own counters changed since it was laid out, which a page laid out
    again by the fitting (before the pages it refers to were) may not have seen. Each
    number's text is made now, from the final pages, and marked as seen with the values
    the page will have then: WeasyPrint would otherwise make it while laying the page out,
    find it "changed" (the page count was not known the time before) and lay the page out a
    third time, the same. Every page's count of pages is set as WeasyPrint's loop will set
    it, so that a page justified vertically next (lettre.fitting.feathering), laid out with
    its numbers, is found unchanged by that loop and not laid out again."""
    pages = len(context.page_maker)
    for _resume_at, _next, _type, state, _remake in context.page_maker:
        state[1]["pages"] = [pages - 1]
    for item in context.target_collector.counter_lookup_items.values():
        index = item.page_maker_index
        if index is not None and index + 1 < pages:
            values = copy.deepcopy(context.page_maker[index + 1][3][1])  # the page's counters
            values["pages"] = [pages - 1]  # as WeasyPrint's loop sets them, before it starts
            item.parse_again(values)
            item.cached_page_counter_values, item.pending = values, False
            context.page_maker[index][-1]["content_changed"] = True


def _sources(root_box: Any) -> dict[int, Any]:
    """The block boxes of the document's box tree (before layout: the pages' boxes are
    copies of them), by their element's id."""
    found: dict[int, Any] = {}
    for box in root_box.descendants():
        element = getattr(box, "element", None)
        if element is not None and type(box).__name__ == "BlockBox":
            found.setdefault(id(element), box)
    return found


def _first(box: Any, tag: str) -> Any:
    return next((b for b in box.descendants() if getattr(b, "element_tag", "") == tag), None)


@dataclass
class _Trial:
    """A frame given, to be judged once the pages it changed are laid out again."""

    article: str
    before: Frame | None
    first: int
    last: int
    """The page whose making led to the frame: once made again, the trial is judged."""
    badness: tuple[float, float]
    judge: Callable[[list[Any]], tuple[float, float]]
    """What judges the trial (`badness`; for a brief's smaller frame, `badness_with_holes`)."""
    then: _Trial | None = None
    """The brief's smaller frame this one was given on top of (judged together, against
    the pages before either)."""


class _Fitter:
    """lettre.fitting applied to one render, page by page."""

    def __init__(self) -> None:
        self.used = False
        self.framed: dict[str, Frame] = {}
        self.tries: Counter[str] = Counter()
        self.refused: set[str] = set()
        self.loose: set[str] = set()
        """The briefs whose hole closed left their pages no fuller (see fitting.snug)."""
        self.trial: _Trial | None = None
        self.short: dict[str, float] = {}
        """How much more an article's opening needs than lettre.fitting measured: a frame
        that moved nothing is tried once more, asking SHORT more (see `_again`)."""
        self.remade = 0
        self.lead: str | None = None
        """The lead story's frame on the cover: None until the cover is made, "shorter"
        while its photo is tried beside the text, "done" (see `_cover`)."""

    def paginate(self, context: Any, root_box: Any, html: Any) -> list[Any]:
        """WeasyPrint's make_all_pages, but for the pages laid out again after a frame."""
        self.used = True
        tree = _Tree(root_box)
        made: list[Any] = []
        kept: dict[int, tuple[dict[Any, Any], list[Any]]] = {}
        context.rendered_notes = []
        index = 0
        while True:
            kept[index] = (dict(context.broken_out_of_flow), list(context.reported_footnotes))
            page, resume_at = _lay_out(index, context, root_box, html)
            del made[index:]
            made.append(page)
            back = index if _unfloat_broken(context, root_box) else None
            if back is None and index == 0:
                back = self._cover(page, tree)
            if back is None and (opened := tree.unwrap_tall(page)):  # from the page where
                back = _first_page(made, opened)  # its article starts
            back = back if back is not None else self._after(made, tree, starts(context))
            if back is not None:
                self.remade += index - back + 1
                outside, footnotes = kept[back]
                context.broken_out_of_flow = dict(outside)
                context.reported_footnotes = list(footnotes)
                index = back
                continue
            index += 1
            if resume_at is None and not context.reported_footnotes:
                context.page_maker = context.page_maker[: index + 1]
                # the page numbers looked up are final now: a page justified vertically
                # below is laid out with them, not once more by WeasyPrint's loop (the cover)
                _look_up_again(context)
                if FEATHERED:
                    self._feather(made, kept, context, root_box, html)
                context.broken_out_of_flow.clear()
                context.reported_footnotes.clear()
                log.debug(
                    "fitting: %d frames, %d pages laid out again", len(self.framed), self.remade
                )
                return made

    def _cover(self, page: Any, tree: _Tree) -> int | None:
        """0 (the cover to lay out again) with the lead story's photo beside its text, when
        its banner left the lead no room there (A5's cover below a long sommaire: the lead
        went to page 2, and the cover stayed 30 to 50 % empty); with the banner back, when
        that did not bring it either. None: the cover stands."""
        if tree.lead is None or self.lead == "done":
            return None
        lead = tree.lead[0].element
        here = any(getattr(box, "element", None) is lead for box in page.descendants())
        if self.lead is None and not here:
            self.lead = "shorter"
            tree.shorter_lead(True)
            return 0
        self.lead = "done"
        if here:
            return None
        tree.shorter_lead(False)
        return 0

    def _feather(
        self,
        made: list[Any],
        kept: dict[int, tuple[dict[Any, Any], list[Any]]],
        context: Any,
        root_box: Any,
        html: Any,
    ) -> None:
        """Each page but the last that no frame filled, justified vertically (lettre.fitting's
        `feathering`): laid out again, its gaps wider, in place; taken back if it then ends
        elsewhere (a line more or less), which the pages after it would have to follow; then
        tried once more with LESS of the space at its foot (what the page's last box keeps
        below its last line, an editorial's padding, is foreseen short), before it is left
        as it was."""
        sources: dict[int, Any] = {}
        for index in range(len(made) - 1):
            before = made[index - 1] if index else None
            plan = feathering(made[index], before)
            if not plan:
                continue
            sources = sources or _sources(root_box)
            after = context.page_maker[index + 1]
            attempt = "taken back"
            for less in (False, True):
                tried = feathering(made[index], before, LESS) if less else plan
                original = _spaced(tried, sources)
                page, resume_at = self._remake(index, kept, context, root_box, html)
                if same := self._ends_alike(index, resume_at, after, kept, context):
                    attempt = "feathered less" if less else "feathered"
                    break
                for source, style in original.values():
                    source.style = style
            else:
                page, resume_at = self._remake(index, kept, context, root_box, html)
                same = self._ends_alike(index, resume_at, after, kept, context)
            made[index] = page
            if same:  # the pages after it stand as they are
                context.page_maker[index + 1] = after
            # else (taken back, it ends elsewhere all the same: its page numbers, final now,
            # are wider than the first time's) WeasyPrint's loop lays out again the pages
            # after it, as remake_page has marked them
            log.debug("feathering: page %d, %d gaps (%s)", index + 1, len(plan), attempt)

    @staticmethod
    def _ends_alike(
        index: int,
        resume_at: Any,
        after: Any,
        kept: dict[int, tuple[dict[Any, Any], list[Any]]],
        context: Any,
    ) -> bool:
        """Whether page `index`, laid out again, ends where it did (`after`: what its
        first layout left for the next page), its floats carried over alike."""
        carried = context.broken_out_of_flow.keys()
        return bool(resume_at == after[0] and carried == kept[index + 1][0].keys())

    def _remake(
        self,
        index: int,
        kept: dict[int, tuple[dict[Any, Any], list[Any]]],
        context: Any,
        root_box: Any,
        html: Any,
    ) -> tuple[Any, Any]:
        """Page `index` laid out again, from the state it was first laid out in."""
        outside, footnotes = kept[index]
        context.broken_out_of_flow = dict(outside)
        context.reported_footnotes = list(footnotes)
        self.remade += 1
        return _lay_out(index, context, root_box, html)

    def _after(self, made: list[Any], tree: _Tree, starts: list[Any]) -> int | None:
        """The page to lay out again from, once the last of `made` is laid out: a frame was
        given, or taken back; None to go on. `starts`: where in the document each page
        starts (WeasyPrint's resume_at)."""
        last = len(made) - 1
        trial = self.trial
        if trial is not None:
            if last < trial.last:
                return None  # the changed pages, laid out again: judged once all are
            self.trial = None
            judged = trial.judge(made[trial.first :])
            if judged >= trial.badness:  # no fuller
                again = self._again(made, tree, starts, trial, judged)
                if again is not None:
                    return again
                chained = None
                if trial.judge is badness_with_holes and trial.then is None:
                    # a brief's smaller photo freed space that what follows does not take
                    # by itself: a frame for what follows too, the two judged together
                    chained = self._decision(made, tree, starts)
                if chained is not None and chained[2] == trial.first:
                    return self._on_top(tree, chained, last, trial, badness_with_holes, trial)
                self._take_back(tree, trial)
                return trial.first
        if last >= 1:  # a brief's hole on the page before, closed if what follows fills it
            skip = dict.fromkeys(self.refused | self.loose, Frame(0))
            closed = snug(made[last - 1], {**self.framed, **skip})
            if closed is not None and tree.takes(*closed):
                return self._try(tree, made, *closed, last - 1, badness_with_holes)
        found = self._decision(made, tree, starts)
        if found is None:
            return None
        article, frame, first = found
        self.tries[article] += 1
        return self._try(tree, made, article, frame, first, badness)

    def _again(
        self,
        made: list[Any],
        tree: _Tree,
        starts: list[Any],
        trial: _Trial,
        judged: tuple[float, float],
    ) -> int | None:
        """A frame that moved nothing (its pages judged as they were: the opening it was
        measured for did not come back, lettre.fitting's measure of it fell short, by an
        atomic side column's line or a margin) tried once more from where it is, asking
        SHORT more of the photo: the page to lay out again from, or None."""
        if trial.judge is not badness or trial.then is not None or judged != trial.badness:
            return None
        self.short[trial.article] = SHORT  # (an article's frames are TRIES at most)
        found = self._decision(made, tree, starts)
        if found is None or found[0] != trial.article or found[2] != trial.first:
            return None
        return self._on_top(tree, found, len(made) - 1, trial, badness)

    def _on_top(
        self,
        tree: _Tree,
        decision: Decision,
        last: int,
        trial: _Trial,
        judge: Callable[[list[Any]], tuple[float, float]],
        then: _Trial | None = None,
    ) -> int:
        """`decision`'s frame given on top of `trial`'s, which was judged no fuller (a frame
        for what follows a brief's smaller photo, or the same photo asked for more), judged
        by `judge` against the pages before `trial`: the page to lay out again from."""
        article, frame, first = decision
        self.tries[article] += 1
        before = trial.before if article == trial.article else self.framed.get(article)
        self.trial = _Trial(article, before, first, last, trial.badness, judge, then)
        self._give(tree, article, frame)
        return first

    def _decision(self, made: list[Any], tree: _Tree, starts: list[Any]) -> Decision | None:
        """lettre.fitting's `decide`, for a photo that may still take a frame: (article id,
        its frame, the first page it changes), or None."""
        skip = {article: Frame(0) for article in self.refused}
        found = decide(made, {**self.framed, **skip}, self.short)
        if found is None:
            return None
        article, frame, first = found
        while first and starts[first - 1] == starts[first]:  # a page before it that holds no
            first -= 1  # text, only a float's end (a long sommaire's): the frame may change it
        if (
            article in self.refused
            or self.tries[article] >= TRIES
            or not tree.takes(article, frame)
        ):
            return None
        return article, frame, first

    def _take_back(self, tree: _Tree, trial: _Trial) -> None:
        """A trial's frame taken back, and the brief's smaller photo it was tried with (see
        `_after`): a frame is not tried again, a brief's photo keeps its size from then on
        (the frame tried with it may be tried again alone)."""
        self._give(tree, trial.article, trial.before)
        if trial.then is not None:
            self._give(tree, trial.then.article, trial.then.before)
            self.loose.add(trial.then.article)
        elif trial.judge is badness_with_holes:
            self.loose.add(trial.article)
        else:
            self.refused.add(trial.article)

    def _try(
        self,
        tree: _Tree,
        made: list[Any],
        article: str,
        frame: Frame,
        first: int,
        judge: Callable[[list[Any]], tuple[float, float]],
    ) -> int:
        """`frame` given to the photo of `article`, on trial: the pages from `first` to the
        last of `made` laid out again, then judged by `judge`; returns `first`."""
        last = len(made) - 1
        self.trial = _Trial(
            article, self.framed.get(article), first, last, judge(made[first:]), judge
        )
        self._give(tree, article, frame)
        return first

    def _give(self, tree: _Tree, article: str, frame: Frame | None) -> None:
        if frame is None:
            self.framed.pop(article, None)
        else:
            self.framed[article] = frame
        tree.frame(article, frame)
