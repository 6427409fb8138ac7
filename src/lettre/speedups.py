"""WeasyPrint's layout made cheaper where lettre's print edition pays for work whose result
it already has, or never reads: the same pages, the same bytes (tests/test_speedups.py
compares them with WeasyPrint's own).

- A line's split is remembered for the rest of the render. The print edition lays pages
  out again: the two around each photo frame the fitting gives (lettre.paging), the cover
  for its page numbers. WeasyPrint then splits the same text, in the same style, at the same
  width into the same line, each time laying it out with Pango again (most of a page's
  cost). A split depends on nothing else in a render (the text, its style, the width, the
  justification, whether the line starts, whether a min-content width is measured): those
  are the key, the text by a 128-bit BLAKE2 digest so that a long paragraph's lines do not
  each keep the rest of it. lettre.hyphenation splits its lines through it (`remembered`),
  with the style it chose for the line. About 20 % of the benchmark's print layout.
- A line laid out while a float is anywhere on the page (the print edition's side columns,
  its photos' frames) first measures its min-content width, to know whether it fits beside
  the floats at its height; WeasyPrint does so for every line of the page, even far below
  or above every float, where the width is then never read (it matters only beside a float
  that narrows the line). Measuring lays the line's first words out once more: 40 % of the
  line splits of the benchmark's pages (counted). A line beside no float is given no width
  instead.
"""

from __future__ import annotations

import copy
import hashlib
from typing import Any

REMEMBER = True
"""Splits remembered (the tests turn it off to compare with WeasyPrint's own)."""
UNMEASURED = True
"""Lines beside no float left unmeasured (likewise)."""


def install() -> None:
    """Has WeasyPrint leave a line beside no float unmeasured (once per process; the splits
    are remembered where lettre.hyphenation.install splits them)."""
    import weasyprint.layout.inline as inline

    if not getattr(inline.inline_min_content_width, "lettre", False):
        inline.inline_min_content_width = _unmeasured()


def remembered(split: Any) -> Any:
    """WeasyPrint's split_first_line, each split remembered for the rest of the render."""

    def split_first_line(
        text: str,
        style: Any,
        context: Any,
        max_width: Any,
        justification_spacing: Any,
        is_line_start: bool = True,
        minimum: bool = False,
    ) -> Any:
        arguments = (max_width, justification_spacing, is_line_start, minimum)
        if not REMEMBER:
            return split(text, style, context, *arguments)
        splits = context.__dict__.setdefault("lettre_splits", {})
        digest = hashlib.blake2b(text.encode(), digest_size=16).digest()
        key = (digest, len(text), id(style), *arguments)
        found = splits.get(key)
        if found is not None and found[0] is style:  # (the style kept: its id not reused)
            layout, *metrics = found[1]
            return (copy.copy(layout), *metrics)
        layout, *metrics = split(text, style, context, *arguments)
        # the layout is handed over inactive (text and spacing only, no Pango object: see
        # first_line_metrics); each caller is given its own copy of it
        splits[key] = (style, (copy.copy(layout), *metrics))
        return (layout, *metrics)

    return split_first_line


def _unmeasured() -> Any:
    """WeasyPrint's inline_min_content_width, which gives a line beside no float no width."""
    import weasyprint.layout.preferred as preferred
    from weasyprint.text.line_break import strut

    def inline_min_content_width(
        context: Any,
        box: Any,
        outer: bool = True,
        skip_stack: Any = None,
        first_line: bool = False,
        is_line_start: bool = False,
    ) -> Any:
        # get_next_linebox's call (its line box placed at its height, among floats): the
        # width is read only where a float collides with the line's strut (the test of
        # float.py's avoid_collisions, a pixel wider), and by a right-to-left line
        line = first_line and type(box).__name__ == "LineBox"
        if UNMEASURED and line and box.style["direction"] == "ltr":
            top = box.position_y
            bottom = top + strut(box.style)[0]
            if not any(
                shape.position_y < bottom + 1 and shape.position_y + shape.margin_height() > top - 1
                for shape in context.excluded_shapes
            ):
                return 0
        measure = preferred.inline_min_content_width
        return measure(context, box, outer, skip_stack, first_line, is_line_start)

    inline_min_content_width.lettre = True  # type: ignore[attr-defined]
    return inline_min_content_width
