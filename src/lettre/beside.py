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

Such a block is moved below the floats only once laid out, where it was in the flow: it was
given the room from there to the page's foot, and moved down with it. A table after a chapô
beside A5's inset portrait (a float inside the text) was laid out whole in room it did not
have, found past the page's foot once moved, and sent whole to the next page: the page
before, and the one after, half empty. `install` also has such a block, once moved down,
laid out again with the room it has where it was moved to, so that a long table breaks
between its rows there (print.css's rules).
"""

from __future__ import annotations

from typing import Any

TOLERANCE = 0.01
"""Px: far below what a page shows (a 2400-dpi dot is 0.04 px), far above a rounding's."""

MENDED = True
"""The mend applied (the tests turn it off to see WeasyPrint's own placing)."""


def install() -> None:
    """The mends, in this process (once; every render from then on)."""
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
            found: tuple[float, float, float] = original(context, box, containing_block, outer)
        finally:
            box.width = width
        if not outer:  # (block_box_layout's: the block is then moved there)
            box.lettre_lowered = found[1] - box.position_y
        return found

    avoid_collisions.lettre = True  # type: ignore[attr-defined]
    block.avoid_collisions = avoid_collisions
    block.block_box_layout = _laid_out_where_lowered(block, block.block_box_layout)


def _laid_out_where_lowered(block: Any, original: Any) -> Any:
    """WeasyPrint's block_box_layout, which lays a block that its floats moved down (see the
    module's doc) out again with the room it has there, when it broke or ends past the page's
    foot: from the same place and margins as the first time (WeasyPrint moved the box down
    by its collapsed margin, and added to the margins adjoining it), with what the first
    layout placed taken back (as lettre.breaks does)."""

    def block_box_layout(
        context: Any,
        box: Any,
        bottom_space: float,
        skip_stack: Any,
        containing_block: Any,
        page_is_empty: bool,
        absolute_boxes: list[Any],
        fixed_boxes: list[Any],
        adjoining_margins: list[float] | None,
        *rest: Any,
    ) -> Any:
        def lay_out(room: float) -> Any:
            return original(
                context, box, room, skip_stack, containing_block, page_is_empty,
                absolute_boxes, fixed_boxes, adjoining_margins, *rest,
            )  # fmt: skip

        if not (box.is_table_wrapper or box.establishes_formatting_context()):
            return lay_out(bottom_space)  # (WeasyPrint moves no other block below floats)
        place, margins = (box.position_x, box.position_y), list(adjoining_margins or [])
        fitted = context.__dict__.get("lettre_fitted")
        result = lay_out(bottom_space)
        laid = result[0]
        lowered = getattr(laid, "lettre_lowered", 0.0)
        if not MENDED or lowered <= TOLERANCE:
            return result
        foot = laid.position_y + laid.margin_height() - laid.margin_bottom
        if result[1] is None and not context.overflows_page(bottom_space, foot):
            return result  # whole, and within the page where it was moved
        block.remove_placeholders(context, [laid], absolute_boxes, fixed_boxes)
        box.position_x, box.position_y = place
        if adjoining_margins is not None:
            adjoining_margins[:] = margins
        context.__dict__.pop("lettre_fitted", None)
        if fitted is not None:
            context.lettre_fitted = fitted
        return lay_out(bottom_space + lowered)

    return block_box_layout
