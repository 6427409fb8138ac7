"""A block that WeasyPrint (70) moves below a float it fits beside, mended.

A table may not overlap a float (nor may any block that is its own formatting context, such
as `figure.wide`): WeasyPrint places it beside the floats at its height when it fits there,
else below them. Whether it fits is decided by comparing floating-point widths: the room,
the containing block's right edge minus its left edge, is the containing block's width
give or take its last bit, and a table as wide as its column (`width: 100 %`) can be found a
hundred-trillionth of a pixel too wide for it. So a table that follows a short paragraph
beside an article's side column (which floats in the main column's margin and takes none of
its room) went below the whole side column, leaving the main column empty above it for as
much as half a page.

`install` has WeasyPrint seek the block's place as if it were TOLERANCE narrower; the block
keeps its width.
"""

from __future__ import annotations

from typing import Any

TOLERANCE = 0.01
"""Px: far below what a page shows (a 2400-dpi dot is 0.04 px), far above a rounding's."""

MENDED = True
"""The mend applied (the tests turn it off to see WeasyPrint's own placing)."""


def install() -> None:
    """The mend, in this process (once; every render from then on)."""
    import weasyprint.layout.block as block

    if getattr(block.avoid_collisions, "lettre", False):
        return
    original = block.avoid_collisions

    def avoid_collisions(
        context: Any, box: Any, containing_block: Any, outer: bool = True
    ) -> tuple[float, float, float]:
        width = box.width
        if not MENDED or not isinstance(width, (int, float)):
            return original(context, box, containing_block, outer)  # type: ignore[no-any-return]
        box.width = width - TOLERANCE
        try:
            return original(context, box, containing_block, outer)  # type: ignore[no-any-return]
        finally:
            box.width = width

    avoid_collisions.lettre = True  # type: ignore[attr-defined]
    block.avoid_collisions = avoid_collisions
