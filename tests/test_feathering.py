"""Vertical justification (lettre.fitting's `feathering`, applied by lettre.paging): a page
that no photo frame fills has its gaps widened, within limits, until its text reaches the
foot; nothing moves to another page. Measured on issues drawn at random (nobody tuned the
layout to them), from the laid-out pages and from the built PDF as a reader sees it."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lettre import fitting, laidout, paging, pdf
from lettre.laidout import PX_PER_MM
from tests.bench_print import _inputs
from tests.conftest import MINIMAL
from tests.tools.mixed_issue import RANDOM
from tests.tools.mixed_issue import make as make_mixed


def test_the_space_is_shared_by_weight_each_gap_within_its_limit() -> None:
    a, b, c = object(), object(), object()
    # by weight: 1, 1 and 3 of 50
    shares = dict(fitting._shared([(a, 1, 100), (b, 1, 100), (c, 3, 100)], 50.0))
    assert shares == pytest.approx({a: 10.0, b: 10.0, c: 30.0})
    # c at its limit (5): the rest goes to a and b alike
    shares = dict(fitting._shared([(a, 1, 100), (b, 1, 100), (c, 3, 5)], 50.0))
    assert shares == pytest.approx({a: 22.5, b: 22.5, c: 5.0})
    # every gap at its limit: the space is not all used
    shares = dict(fitting._shared([(a, 1, 4), (b, 1, 4)], 50.0))
    assert shares == pytest.approx({a: 4.0, b: 4.0})
    assert fitting._shared([], 50.0) == []


@contextlib.contextmanager
def feathered(on: bool) -> Iterator[None]:
    was, paging.FEATHERED = paging.FEATHERED, on
    try:
        yield
    finally:
        paging.FEATHERED = was


def laid_out(repo: Path) -> list[Any]:
    """The print edition of the drawn issue at `repo`, laid out as the build does."""
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    with tempfile.TemporaryDirectory() as cache:
        html, css, resources = _inputs(repo, repo / "bulletins/2025-06-13", Path(cache))
    fetcher = pdf._fetcher(resources)
    fonts = FontConfiguration()
    sheets = {"stylesheets": [CSS(string=css, url_fetcher=fetcher, font_config=fonts)]}
    return [page._page_box for page in pdf.layout(html, fetcher, fonts, sheets).pages]


def lines(page: Any) -> list[str]:
    return [b.text for b in page.descendants() if type(b).__name__ == "TextBox"]


def limit(box: Any, name: str = "margin_bottom") -> float:
    """The most a gap after `box` may widen (an article's: by each of its margin and
    padding), or its lines (`name` "line_height": all of them together)."""
    if name == "line_height":
        lines = [b for b in box.children if type(b).__name__ == "LineBox"]
        return fitting.LEADING * sum(float(line.height) for line in lines)
    if laidout.tag(box) == "article":
        return fitting.PART_GAP / 2
    if {"masthead", "cover", "contents", "headlines", "editorial"} & set(laidout.classes(box)):
        return fitting.PART_GAP  # the cover's parts (the sommaire, À la une), the editorial
    return fitting.PARAGRAPH_GAP


DRAWN = [RANDOM + 4, RANDOM + 16]
"""Issues drawn at random whose pages, without it, stop 13 to 20 % short of their foot."""


@pytest.mark.parametrize("variant", DRAWN)
def test_a_page_no_frame_fills_is_justified_and_keeps_its_lines(
    variant: int, tmp_path: Path
) -> None:
    repo = make_mixed(tmp_path / "newsletter", MINIMAL, variant=variant)
    with feathered(False):
        plain = laid_out(repo)
    with feathered(True):
        justified = laid_out(repo)
    assert len(justified) == len(plain)
    widened = 0
    for previous, before, after in zip([None, *plain], plain[:-1], justified[:-1], strict=False):
        # the same lines on the same page, whatever the gaps
        assert lines(after) == lines(before)
        plan = fitting.feathering(before, previous)
        if plan:
            widened += 1
            # its text brought down to the foot, as far as the gaps' limits allow, by as
            # much as planned (each margin, padding and line height taking effect)
            assert laidout.foot(after) < laidout.foot(before) - 10 * PX_PER_MM
            planned = sum(more for _box, _name, more, _value in plan)
            assert laidout.foot(after) == pytest.approx(laidout.foot(before) - planned, abs=4)
            at_limits = all(
                more == pytest.approx(limit(box, name)) for box, name, more, _value in plan
            )
            assert laidout.empty(after) <= fitting.FULL or at_limits
        else:  # full, or no gap to widen: as it was
            assert laidout.foot(after) == pytest.approx(laidout.foot(before))
    assert widened


def test_the_gaps_stay_within_their_limits(tmp_path: Path) -> None:
    # (the drawn issue whose pages widen every kind of gap, the cover's parts among them)
    repo = make_mixed(tmp_path / "newsletter", MINIMAL, variant=DRAWN[0])
    with feathered(False):
        plain = laid_out(repo)
    planned = [
        gap
        for before, page in zip([None, *plain], plain[:-1], strict=False)
        for gap in fitting.feathering(page, before)
    ]
    assert planned
    assert {name for _box, name, _more, _value in planned} == {
        "margin_bottom",  # after a paragraph, an article (and its rule), the cover's parts
        "padding_bottom",  # above an article's rule
        "padding_top",  # between an article's chapô and its body
        "line_height",  # a paragraph's lines
    }
    for box, name, more, value in planned:
        assert 0 < more <= limit(box, name) + 1e-6, (laidout.tag(box), name, more)
        if name == "line_height":  # a paragraph's lines, spread by LEADING at most
            assert laidout.tag(box) == "p"
            assert value <= box.style["line_height"] * (1 + fitting.LEADING) + 1e-9
        elif name == "padding_top":  # after an article's chapô
            assert "body" in laidout.classes(box)
        elif limit(box) == fitting.PARAGRAPH_GAP:
            assert name == "margin_bottom" and laidout.tag(box) in fitting.SPACED
