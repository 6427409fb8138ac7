"""SVG logos: plain shapes only, nothing they could fetch or run, nothing that multiplies.

A logo is a few dozen shapes. What the checks refuse is what makes an SVG reach outside
(files, the network, scripts) or cost far more to draw than its size says: `<use>` and
`url(#…)` references that fan out (a billion laughs made of references), patterns inside
patterns, filters, deep nesting, and absurd sizes.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator

from lettre.messages import _

NAMESPACE = "http://www.w3.org/2000/svg"
XLINK = "http://www.w3.org/1999/xlink"
XML = "http://www.w3.org/XML/1998/namespace"
MAX_BYTES = 1024 * 1024
MAX_DEPTH = 32
"""Elements inside elements, references followed included."""
MAX_DRAWN = 10_000
"""Elements drawn once every reference is followed: a logo draws a few hundred."""
MAX_SIZE = 100_000
"""Width, height and viewBox, in user units: 100,000 is already 35 m at 72 dpi."""

_REFUSED_TEXT = re.compile(
    r"<!DOCTYPE|<!ENTITY|<\?xml-stylesheet|@import|javascript|url\(\s*['\"]?(?!#)",
    re.IGNORECASE,
)
_REFUSED_ELEMENTS = {
    "script", "foreignObject", "iframe", "set", "animate", "animateMotion",
    "animateTransform", "handler", "listener", "filter", "marker", "pattern",
}  # fmt: skip
"""Scripts, animation, and what multiplies the drawing work past any bound a check could
compute (filters, markers on every vertex, patterns tiling patterns)."""
_METADATA = {"metadata", "title", "desc"}
_REFERENCE = re.compile(r"url\(\s*['\"]?#([^'\")\s]+)")
_EMBEDDED = re.compile(r"data:image/(?:png|jpeg|webp);base64,([A-Za-z0-9+/=\s]*)$")


class SvgProblem(Exception):
    """An SVG lettre refuses; the message says why and what to do."""


def parse(data: bytes) -> ET.Element:
    """The checked SVG's root element, or SvgProblem saying what is wrong."""
    if len(data) > MAX_BYTES:
        raise SvgProblem(_("SVG over 1 MB; simplify it or export a PNG"))
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise SvgProblem(_("SVG not saved as UTF-8; export it again as UTF-8")) from None
    refused = _REFUSED_TEXT.search(text)
    if refused:
        message = _("SVG with {text} is refused: a logo needs only shapes")
        raise SvgProblem(message.format(text=repr(refused.group(0)[:20])))
    try:
        root = ET.fromstring(text)
    except ET.ParseError as error:
        raise SvgProblem(_("not a valid SVG file ({error})").format(error=error)) from None
    if root.tag != f"{{{NAMESPACE}}}svg":
        raise SvgProblem(_("not an SVG file: its root element is not <svg>"))
    for element in root.iter():
        _check_element(element)
    _check_drawing_work(root)
    return root


def size(root: ET.Element) -> tuple[int, int]:
    """The logo's width and height in user units (0, 0 when they are not numbers)."""
    box = root.get("viewBox", "").replace(",", " ").split()
    numbers = [_number(value) for value in box] if len(box) == 4 else []
    width, height = _number(root.get("width", "")), _number(root.get("height", ""))
    for value in [*numbers, width, height]:
        if value is not None and not (math.isfinite(value) and abs(value) <= MAX_SIZE):
            raise SvgProblem(
                _(
                    "SVG size {size} is absurd (width, height or viewBox over {limit}); "
                    "export it again at its real size"
                ).format(size=f"{value:g}", limit=f"{MAX_SIZE:,}")
            )
    if numbers and numbers[2] is not None and numbers[3] is not None:
        return round(numbers[2]), round(numbers[3])
    return round(width or 0), round(height or 0)


def embedded_images(root: ET.Element) -> Iterator[tuple[ET.Element, str, str]]:
    """Each bitmap embedded in a data: URL (checked like photos): its element, the attribute
    that holds it, and its base64 text."""
    for element in root.iter():
        for attribute, value in element.attrib.items():
            if _local(attribute) == "href" and value.startswith("data:"):
                yield element, attribute, _EMBEDDED.match(value).group(1)  # type: ignore[union-attr]


def cleaned(root: ET.Element) -> bytes:
    """The SVG without its metadata (<metadata>, <title>, <desc>, comments), as UTF-8."""
    for parent in list(root.iter()):
        for child in list(parent):
            if _local(child.tag) in _METADATA:
                parent.remove(child)
    # names written out by hand: ElementTree would invent ns0: prefixes (every element is
    # in the SVG namespace: parse() checked); editors' own attributes (inkscape:…) go
    for element in root.iter():
        element.tag = _local(element.tag)
        for attribute in [a for a in element.attrib if a.startswith("{")]:
            value = element.attrib.pop(attribute)
            prefix = {XLINK: "xlink", XML: "xml"}.get(attribute[1:].split("}")[0])
            if prefix:
                element.set(f"{prefix}:{_local(attribute)}", value)
    root.set("xmlns", NAMESPACE)
    root.set("xmlns:xlink", XLINK)
    data: bytes = ET.tostring(root, encoding="utf-8")
    return data


def _number(text: str) -> float | None:
    match = re.fullmatch(r"\s*([-+0-9.eE]+|inf|nan)\s*(px|pt|pc|mm|cm|in)?\s*", text, re.I)
    if not match:
        return None  # "100%", "auto": no size of its own
    try:
        return float(match.group(1))
    except ValueError:
        return None


def _check_element(element: ET.Element) -> None:
    tag = element.tag if isinstance(element.tag, str) else ""
    namespace, name = tag[1:].split("}", 1) if tag.startswith("{") else ("", tag)
    if namespace != NAMESPACE or name in _REFUSED_ELEMENTS or name.startswith("fe"):
        message = _("SVG with <{element}> is refused: a logo needs only shapes")
        raise SvgProblem(message.format(element=name))
    for attribute, value in element.attrib.items():
        local = _local(attribute)
        if local.lower().startswith("on"):
            raise SvgProblem(_("SVG with an event handler ({name}) is refused").format(name=local))
        if local == "href" and not (value.startswith("#") or _EMBEDDED.match(value)):
            raise SvgProblem(
                _("SVG refers to another file ({file}); embed it").format(file=value[:60])
            )
    if name == "style" and "url(" in (element.text or ""):
        # a rule applies to every element it selects: its references cannot be counted
        raise SvgProblem(
            _("SVG style sheet with url(…) is refused; set fill or clip-path on the shapes")
        )


def _check_drawing_work(root: ET.Element) -> None:
    """Refuse an SVG whose references, followed, draw too much or go too deep."""
    by_id = {element.get("id"): element for element in root.iter() if element.get("id")}
    drawn: dict[int, int] = {}

    def count(element: ET.Element, depth: int, following: tuple[int, ...]) -> int:
        if depth > MAX_DEPTH:
            raise SvgProblem(
                _(
                    "SVG nested more than {count} levels deep (references followed); "
                    "flatten the logo"
                ).format(count=MAX_DEPTH)
            )
        key = id(element)
        if key in following:
            raise SvgProblem(_("SVG whose references loop back on themselves; flatten the logo"))
        if key not in drawn:
            inner = (*following, key)
            total = 1 + sum(count(child, depth + 1, inner) for child in element)
            total += sum(count(t, depth + 1, inner) for t in _references(element, by_id))
            if total > MAX_DRAWN:
                raise SvgProblem(
                    _(
                        "SVG that draws over {count} elements once its <use> and url(#…) "
                        "references are followed (a billion laughs?); flatten the logo"
                    ).format(count=f"{MAX_DRAWN:,}")
                )
            drawn[key] = total
        return drawn[key]

    count(root, 0, ())


def _references(element: ET.Element, by_id: dict[str | None, ET.Element]) -> Iterator[ET.Element]:
    for attribute, value in element.attrib.items():
        names = (
            [value[1:]] if _local(attribute) == "href" and value.startswith("#") else []
        ) + _REFERENCE.findall(value)
        for name in names:
            if name in by_id:
                yield by_id[name]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]
