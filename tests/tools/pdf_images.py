"""Where a PDF draws its images, read from its content streams as a viewer does: the
transformation (`cm`) and clipping rectangles (`re` … `W n`) in force at each `Do`, inside
forms too. Used by the print layout tests (where a photo shows, how much of it is cut) and
by the proof's (at what resolution it is printed)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pikepdf

Matrix = tuple[float, float, float, float, float, float]
Rect = tuple[float, float, float, float]
"""(left, bottom, right, top), in pt from the page's bottom left."""
IDENTITY: Matrix = (1, 0, 0, 1, 0, 0)


@dataclass(frozen=True)
class Placed:
    xobject: Any
    """The image's XObject."""
    matrix: Matrix
    """The transformation in force when it is drawn."""
    whole: Rect
    """Where the whole image is drawn: its unit square through `matrix`."""
    shown: Rect
    """What of it shows: `whole` within the clipping rectangles in force (a photo cropped by
    object-fit is drawn larger, then clipped)."""


def times(m: Matrix, n: Matrix) -> Matrix:
    """The PDF matrix m × n (m applied first)."""
    a, b, c, d, e, f = m
    p, q, r, s, t, u = n
    return (a * p + b * r, a * q + b * s, c * p + d * r, c * q + d * s,
            e * p + f * r + t, e * q + f * s + u)  # fmt: skip


def bounds(m: Matrix, x0: float, y0: float, x1: float, y1: float) -> Rect:
    """The rectangle (x0, y0)–(x1, y1) through `m`: its bounding box."""
    points = [(x * m[0] + y * m[2] + m[4], x * m[1] + y * m[3] + m[5])
              for x in (x0, x1) for y in (y0, y1)]  # fmt: skip
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def _within(rect: Rect, clip: Rect | None) -> Rect:
    if clip is None:
        return rect
    return (
        max(rect[0], clip[0]),
        max(rect[1], clip[1]),
        min(rect[2], clip[2]),
        min(rect[3], clip[3]),
    )


def placed_images(page: Any) -> list[Placed]:
    """Each image a PDF page draws, in drawing order."""
    return _placed(page.obj if hasattr(page, "obj") else page, IDENTITY, None)


def _placed(holder: Any, start: Matrix, clip: Rect | None) -> list[Placed]:
    state: tuple[Matrix, Rect | None] = (start, clip)
    stack: list[tuple[Matrix, Rect | None]] = []
    rects: list[Rect] = []
    found: list[Placed] = []
    resources = holder.get("/Resources", {})
    xobjects = resources.get("/XObject", {}) if resources else {}
    for operands, operator in pikepdf.parse_content_stream(holder):
        op = str(operator)
        if op == "q":
            stack.append(state)
        elif op == "Q":
            state = stack.pop()
        elif op == "cm":
            m = tuple(float(x) for x in operands)
            state = (times(m, state[0]), state[1])  # type: ignore[arg-type]
        elif op == "re":
            x, y, w, h = (float(v) for v in operands)
            rects.append(bounds(state[0], x, y, x + w, y + h))
        elif op in ("W", "W*") and rects:
            state = (state[0], _within(rects[-1], state[1]))
        elif op == "n":
            rects = []
        elif op == "Do":
            xobject = xobjects[operands[0]]
            if xobject.Subtype == "/Image":
                whole = bounds(state[0], 0, 0, 1, 1)
                found.append(Placed(xobject, state[0], whole, _within(whole, state[1])))
            elif xobject.Subtype == "/Form":
                form = tuple(float(x) for x in xobject.get("/Matrix", IDENTITY))
                found += _placed(xobject, times(form, state[0]), state[1])  # type: ignore[arg-type]
    return found
