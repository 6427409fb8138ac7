"""The email as Outlook on Windows lays it out: by the widths written in the HTML.

Outlook's Word engine ignores CSS widths and media queries; it sizes each column by the width
MRML writes in its `<!--[if mso]>` tables and each image by its `width` attribute. So those
numbers must be right, and this module computes what they should be from the MJML itself
(the MJML box model: body, section padding and borders, column width and padding, image
padding), then compares them with what MRML wrote. A template override that breaks the
layout gets a warning from `lettre build`, not a surprise in the general's inbox.

(MRML, for instance, leaves out of its width computation a padding written with a unitless
`0` — `padding="20px 32px 0"` — so the shipped templates always write `0px`.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser

MAX_IMAGE_HEIGHT = 360
"""No image of the email is shown taller than this on the 600-px layout (a portrait photo
would otherwise fill a whole screen)."""


@dataclass
class _Node:
    tag: str
    attrs: dict[str, str]
    line: int
    children: list[_Node] = field(default_factory=list)


@dataclass(frozen=True)
class Box:
    """One column or image of the email, and the width it must be given."""

    kind: str
    """"column" or "image"."""
    line: int
    """Its line in the rendered MJML."""
    width: float
    """The width the MJML box model gives it, in px."""
    src: str = ""
    """An image's address (what pairs it with its <img> in the HTML)."""


class _Tree(HTMLParser):
    """The mj-* elements of an MJML document, as a tree (the HTML inside mj-text is skipped)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("root", {}, 0)
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag.startswith("mj-") or tag == "mjml":
            node = _Node(tag, {k: v or "" for k, v in attrs}, self.getpos()[0])
            self.stack[-1].children.append(node)
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if (tag.startswith("mj-") or tag == "mjml") and len(self.stack) > 1:
            while len(self.stack) > 1 and self.stack.pop().tag != tag:
                pass


def _find(node: _Node, tag: str) -> _Node | None:
    for child in node.children:
        if child.tag == tag:
            return child
        found = _find(child, tag)
        if found:
            return found
    return None


def _px(value: str) -> float | None:
    """ "12px" or "0" → 12 or 0; anything else (%, em, auto) → None."""
    match = re.fullmatch(r"\s*(-?[0-9.]+)(px)?\s*", value)
    return float(match.group(1)) if match else None


def _sides(padding: str) -> tuple[float, float]:
    """The left and right of a CSS padding shorthand, in px."""
    values = [_px(v) or 0.0 for v in padding.split()] or [0.0]
    right = values[1] if len(values) > 1 else values[0]
    left = values[3] if len(values) > 3 else right
    return left, right


def _border(value: str) -> float:
    match = re.match(r"\s*([0-9.]+)px", value or "")
    return float(match.group(1)) if match else 0.0


class _Layout:
    def __init__(self, tree: _Node) -> None:
        self.defaults: dict[str, dict[str, str]] = {}
        head = _find(tree, "mj-attributes")
        for node in head.children if head else []:
            self.defaults[node.tag] = node.attrs
        self.boxes: list[Box] = []

    def attr(self, node: _Node, name: str, default: str = "") -> str:
        for source in (
            node.attrs,
            self.defaults.get(node.tag, {}),
            self.defaults.get("mj-all", {}),
        ):
            if name in source:
                return source[name]
        return default

    def inner(self, node: _Node, width: float) -> float:
        """`width` less the node's horizontal padding and borders."""
        left, right = _sides(self.attr(node, "padding", "0"))
        for side, value in (("left", left), ("right", right)):
            value = _px(self.attr(node, f"padding-{side}", "")) or value
            width -= value + _border(self.attr(node, f"border-{side}") or self.attr(node, "border"))
        return width

    def body(self, node: _Node) -> None:
        width = _px(self.attr(node, "width", "600px")) or 600.0
        for child in node.children:
            if child.tag in ("mj-section", "mj-wrapper"):
                self.section(child, width)

    def section(self, node: _Node, width: float) -> None:
        box = self.inner(node, width)
        if node.tag == "mj-wrapper":
            for child in node.children:
                self.section(child, box)
            return
        columns = [c for c in node.children if c.tag in ("mj-column", "mj-group")]
        for column in columns:
            given = self.attr(column, "width")
            share = box / len(columns)
            if given.endswith("%"):
                outer = box * (_px(given[:-1]) or 100) / 100
            else:
                outer = _px(given) or share
            self.boxes.append(Box("column", column.line, outer))
            inside = self.inner(column, outer)
            for child in column.children:
                if child.tag == "mj-image":
                    self.image(child, inside)

    def image(self, node: _Node, width: float) -> None:
        box = self.inner(node, width)
        asked = _px(self.attr(node, "width"))
        width = min(asked, box) if asked else box
        self.boxes.append(Box("image", node.line, width, self.attr(node, "src")))


def boxes(mjml: str) -> list[Box]:
    """Every column and image of the MJML document, in order, with the width it must get."""
    parser = _Tree()
    parser.feed(mjml)
    parser.close()
    layout = _Layout(parser.root)
    body = _find(parser.root, "mj-body")
    if body:
        layout.body(body)
    return layout.boxes


_OUTLOOK_COLUMN = re.compile(
    r'<!--\[if mso \| IE\]><td(?: class="[^"]*")? style="vertical-align:[a-z]+;width:([0-9.]+)px;">'
)
_IMG = re.compile(r"<img\b[^>]*>")
_WIDTH = re.compile(r'\swidth="([^"]*)"')
_SRC = re.compile(r'\ssrc="([^"]*)"')


@dataclass(frozen=True)
class Written:
    """What MRML wrote for Outlook: each column's width and each image's width attribute."""

    columns: list[str]
    images: list[tuple[str, str]]
    """Each <img>'s (src, width): the address unescaped, the width as MRML wrote it."""


def written(html: str) -> Written:
    """The widths in the compiled HTML, in document order.

    Columns are read from MRML's Outlook tables (its own markup: author text is escaped and
    cannot contain a `<td`); images from their `src` and `width` attributes.
    """
    images = []
    for tag in _IMG.findall(html):
        src, width = _SRC.search(tag), _WIDTH.search(tag)
        images.append((unescape(src.group(1)) if src else "", width.group(1) if width else ""))
    return Written(_OUTLOOK_COLUMN.findall(html), images)


def problems(mjml: str, html: str) -> list[str]:
    """Where Outlook would lay the email out wider than the MJML says, told to a template author."""
    expected = boxes(mjml)
    got = written(html)
    found = []
    columns = [b for b in expected if b.kind == "column"]
    images = [b for b in expected if b.kind == "image"]
    for box, value in zip(columns, got.columns, strict=False):
        if abs(float(value) - box.width) > 1:
            found.append(
                f"email template, MJML line {box.line}: Outlook would draw this column "
                f"{float(value):g} px wide instead of {box.width:g} px; write every padding "
                "with units (0px, not 0)"
            )
    # each mj-image with the next <img> of the same src: an <img> written in an mj-raw or an
    # mj-text (the dark logo) has no box of its own, and must not shift the pairs after it
    remaining = list(got.images)
    for box in images:
        at = next((i for i, (src, _) in enumerate(remaining) if src == box.src), None)
        if at is None:
            continue
        value = remaining[at][1]
        del remaining[: at + 1]
        if not value.isdigit() or int(value) > box.width + 0.001:
            found.append(
                f"email template, MJML line {box.line}: Outlook would show this image "
                f'width="{value}" in a {int(box.width)}-px space; give it a whole number of px no '
                "wider than its column (less its padding), with units on every padding"
            )
    return found


def fit(
    width: int, height: int, box: int, max_height: int = MAX_IMAGE_HEIGHT, *, exact: bool = False
) -> tuple[int, int]:
    """Whole px (width, height) to show a `width` × `height` image within `box` × `max_height`.

    As large as fits, never larger than the image's own pixels. With `exact` (an image whose
    height is written too, like the logo), a width a few px smaller is preferred when it gives
    a whole height, so the image keeps its aspect ratio to the pixel (3:1 → 159 × 53).
    """
    if width <= 0 or height <= 0:
        return max(1, min(box, width)), max(1, min(max_height, height))
    largest = max(1, min(box, width, int(max_height * width / height)))
    for candidate in range(largest, max(0, largest - 4), -1) if exact else ():
        if candidate * height % width == 0:
            return candidate, candidate * height // width
    return largest, max(1, round(largest * height / width))
