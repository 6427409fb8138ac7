"""WeasyPrint's layout made cheaper where lettre's print edition pays for work whose result
goes unused: the same pages, the same bytes (tests/test_speedups.py compares them with
WeasyPrint's own).

- A line laid out while a float is anywhere on the page (the print edition's side columns,
  its photos' frames) first measures its min-content width, to know whether it fits beside
  the floats at its height; WeasyPrint does so for every line of the page, even far below
  or above every float, where the width is then never read (it matters only beside a float
  that narrows the line). Measuring lays the line's first words out once more: 40 % of the
  line splits of the benchmark's pages (counted). A line beside no float is given no width
  instead.
"""

from __future__ import annotations

from typing import Any


def install() -> None:
    """Installs the speed-ups (once per process)."""
    import weasyprint.layout.inline as inline
    from weasyprint.text.line_break import strut

    measure = inline.inline_min_content_width
    if getattr(measure, "lettre", False):
        return

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
        if first_line and type(box).__name__ == "LineBox" and box.style["direction"] == "ltr":
            top = box.position_y
            bottom = top + strut(box.style)[0]
            if not any(
                shape.position_y < bottom + 1 and shape.position_y + shape.margin_height() > top - 1
                for shape in context.excluded_shapes
            ):
                return 0
        return measure(context, box, outer, skip_stack, first_line, is_line_start)

    inline_min_content_width.lettre = True  # type: ignore[attr-defined]
    inline.inline_min_content_width = inline_min_content_width
