"""A page break WeasyPrint (70) gets wrong, mended: a block whose content ends past the page
only by what follows its last line.

WeasyPrint lays out a block's children one by one, each allowed on the page if its own box
ends above the page's foot; the margin below the last of them is not counted then, a margin
being dropped at a page break. But when the block has a bottom padding or border (an article
and the rule under it), that margin stays inside it, and so does an empty box after it (an
article's `.clear`): the block, all its children placed, now ends a few millimetres past the
page's foot. WeasyPrint then moves the whole block to the next page, where it should have
broken inside it: a section's first article, a table at its foot, left its section's title
alone on an empty page; a last paragraph that fit to the line took its article's opening
along, leaving a fifth of the page empty.

`install` has such a block laid out again with that much less room, so that its children
break inside it as they would have, by WeasyPrint's own rules (orphans, widows, the breaks
to avoid). If nothing inside it can break, it goes to the next page as before.

WeasyPrint's own second layout of a block is left as it is: that of a block whose content
fits but whose bottom padding and border do not, laid out again with room for them, and
kept even if its content then ends a little past that room (its rule drawn a millimetre
into the page's margin, rather than the article moved).
"""

from __future__ import annotations

from typing import Any

AGAIN = 6
"""At most this many layouts more for one block, each with less room than the one before:
the room it lacked, then twice as much more each time (a block whose own last child is
laid out again only once that child lacks room itself: a section whose article ends, its
rule under it, past the page's foot)."""

MENDED = True
"""The mend applied (the tests turn it off to see WeasyPrint's own breaks)."""


def install() -> None:
    """The mend, in this process (once; every render from then on)."""
    import weasyprint.layout.block as block

    if getattr(block.block_level_layout, "lettre", False):
        return
    original = block.block_level_layout

    def block_level_layout(
        context: Any,
        box: Any,
        bottom_space: float,
        skip_stack: Any,
        containing_block: Any,
        page_is_empty: bool = True,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        # the box laid out just before, its content within the page: laid out again now,
        # it is WeasyPrint's second layout for its padding and border (see the module's doc)
        again = context.__dict__.pop("lettre_fitted", None) is box
        place = box.position_x, box.position_y
        result = original(
            context, box, bottom_space, skip_stack, containing_block, page_is_empty,
            *args, **kwargs,
        )  # fmt: skip
        if again or not MENDED or page_is_empty or containing_block.is_monolithic():
            return result  # (WeasyPrint keeps what overflows an empty page: nothing to mend)
        for attempt in range(AGAIN):
            laid, _resume, _next, _margins, collapsing_through, _lines = result
            if laid is None or collapsing_through:
                return result
            bottom = laid.content_box_y() + laid.height
            if not context.overflows_page(bottom_space, bottom):
                context.lettre_fitted = box
                return result
            # as WeasyPrint does before laying a block out again for its border: what the
            # first layout placed (floats, footnotes, absolute boxes) taken back
            absolute = args[0] if args else kwargs.get("absolute_boxes")
            fixed = args[1] if len(args) > 1 else kwargs.get("fixed_boxes")
            block.remove_placeholders(context, [laid], absolute or [], fixed or [])
            box.position_x, box.position_y = place
            bottom_space += (bottom - (context.page_bottom - bottom_space)) * 2**attempt
            result = original(
                context, box, bottom_space, skip_stack, containing_block, page_is_empty,
                *args, **kwargs,
            )  # fmt: skip
        return result

    block_level_layout.lettre = True  # type: ignore[attr-defined]
    block.block_level_layout = block_level_layout
