"""The email as Outlook on Windows lays it out: by the widths written in the HTML.

Outlook's Word engine ignores CSS widths: it draws each column at the width of MRML's
`<!--[if mso]>` cell and each image at its `width` attribute. These tests read the compiled
HTML as Outlook does (conditional comments opened), with a parser of their own, independent
of `lettre.outlook`: every image's `width` is a whole number no wider than the space its cell
leaves, every row of columns fits its section, nothing is taller than 360 px.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image

from lettre.mail import compile_mjml
from lettre.outlook import fit, problems
from tests.conftest import PROJECT, Lettre, Newsletter

VOID = {"img", "br", "meta", "link", "hr", "input", "col", "area", "base", "source", "wbr"}


@dataclass
class Cell:
    tag: str
    width: float | None
    """The width this element sets for what it holds (Outlook's reading), or None."""
    padding: float
    """Its horizontal padding, left + right."""
    columns: list[float] = field(default_factory=list)
    """For a row (tr): the widths of its cells."""


def _padding(style: str) -> float:
    found = re.search(r"(?:^|;)\s*padding:([^;]+)", style)
    values = [
        float(v[:-2]) if v.endswith("px") else 0.0
        for v in (found.group(1).split() if found else [])
    ]
    if not values:
        return 0.0
    right = values[1] if len(values) > 1 else values[0]
    left = values[3] if len(values) > 3 else right
    return left + right


def _width(tag: str, attrs: dict[str, str]) -> float | None:
    """The width an element sets: the 600-px body table, or a column's Outlook cell (not the
    cell MRML wraps an image in, which takes the image's own width)."""
    style = attrs.get("style", "")
    found = re.search(r"(?:^|;)\s*width:([0-9.]+)px", style)
    if found and tag == "td" and "vertical-align" in style:
        return float(found.group(1))
    if tag == "table" and attrs.get("width", "").isdigit():
        return float(attrs["width"])
    return None


class OutlookView(HTMLParser):
    """The compiled HTML with MRML's Outlook-only markup opened, as the Word engine reads it."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[Cell] = []
        self.images: list[tuple[dict[str, str], float]] = []
        """Each image's attributes and the space its cells leave it."""
        self.overflows: list[str] = []
        hidden = re.sub(r"<!--\[if !mso\]>.*?<!\[endif\]-->", "", html, flags=re.S)
        self.feed(re.sub(r"<!--\[if [^\]]*mso[^\]]*\]>|<!\[endif\]-->", "", hidden))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def space(self) -> float:
        """The width left inside the innermost element that sets one."""
        padding = 0.0
        for cell in reversed(self.stack):
            if cell.width is not None:
                return cell.width - padding
            padding += cell.padding
        return 600.0 - padding

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = {k: v or "" for k, v in attrs_list}
        if tag == "img":
            self.images.append((attrs, self.space()))
            return
        if tag in VOID:
            return
        width = _width(tag, attrs)
        if tag == "td" and width is not None:
            row = next((c for c in reversed(self.stack) if c.tag == "tr"), None)
            if row is not None:
                row.columns.append(width)
        if width is not None and tag in ("td", "table") and width > self.space() + 1:
            self.overflows.append(
                f"<{tag} {attrs.get('style', '')}> is {width} px in {self.space()}"
            )
        self.stack.append(Cell(tag, width, _padding(attrs.get("style", ""))))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            cell = self.stack.pop()
            if cell.tag == "tr" and sum(cell.columns) > self.space() + 1:
                self.overflows.append(f"a row of columns {cell.columns} in {self.space()} px")
            if cell.tag == tag:
                break


def _jpeg(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (90, 120, 150)).save(buffer, "JPEG", quality=70)
    return buffer.getvalue()


def _png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (0, 38, 84)).save(buffer, "PNG")
    return buffer.getvalue()


SHAPES = {
    "portrait": (900, 1400),
    "square": (1200, 1200),
    "panorama": (3000, 800),
    "small": (640, 480),
}
ISSUE_YAML = """\
date: 2025-06-13
headlines:
{headlines}
sections:
  - title: Photos
    articles:
{articles}
"""


def _shapes_issue(newsletter: Newsletter, logo: tuple[int, int]) -> Path:
    headlines = "".join(
        f"  - title: Brève {name}\n    summary: Un résumé.\n    url: https://example.org/{name}\n"
        f"    image: {{src: images/{name}.jpg, alt: Une photo {name}}}\n"
        for name in SHAPES
    )
    articles = "".join(
        f"      - title: Article {name}\n        summary: Un chapô.\n"
        f"        image: {{src: images/{name}.jpg, alt: Une photo {name}}}\n"
        for name in SHAPES
    )
    files: dict[str, str | bytes | None] = {
        f"bulletins/2025-06-13/images/{name}.jpg": _jpeg(*size) for name, size in SHAPES.items()
    }
    files["bulletins/2025-06-13/issue.yaml"] = ISSUE_YAML.format(
        headlines=headlines, articles=articles
    )
    files["logo.png"] = _png(*logo)
    files["publication.yaml"] = (
        "name: Lettre de test\norganization: Cellule de test\nlogo: logo.png\n"
        "sender: {name: Cellule de test, email: test@example.org}\n"
    )
    return newsletter(files)


def _html(lettre: Lettre, repo: Path, out: Path) -> str:
    result = lettre("build", "--out", str(out), "--images", "cid", repo=repo)
    assert result.exit_code == 0, result.output
    assert "Outlook" not in result.output, (
        result.output
    )  # no layout warning for the shipped templates
    return next((out / "2025-06-13").glob("*-email.html")).read_text()


def _assert_outlook_fits(html: str) -> OutlookView:
    view = OutlookView(html)
    assert view.images, "no image found"
    for attrs, space in view.images:
        width = attrs.get("width", "")
        assert width.isdigit(), f"{attrs.get('src')}: width={width!r} is not a whole number of px"
        assert int(width) <= space + 0.001, f"{attrs.get('src')}: width {width} in {space} px"
    assert not view.overflows
    return view


@pytest.mark.parametrize("logo", [(600, 200), (400, 400), (200, 600), (1000, 333)])
def test_every_image_and_column_fits_as_outlook_draws_it(
    lettre: Lettre, newsletter: Newsletter, tmp_path: Path, logo: tuple[int, int]
) -> None:
    html = _html(lettre, _shapes_issue(newsletter, logo), tmp_path / "dist")
    view = _assert_outlook_fits(html)
    # the logo keeps its aspect ratio to the pixel, and its height limit
    attrs = next(a for a, _ in view.images if "logo" in a["src"])
    width, height = int(attrs["width"]), int(attrs["height"])
    assert height <= 56 and width <= 160
    assert height == round(width * logo[1] / logo[0])


def test_the_example_fits_as_outlook_draws_it(lettre: Lettre, tmp_path: Path) -> None:
    _assert_outlook_fits(_html(lettre, PROJECT, tmp_path / "dist"))


def test_photos_are_at_most_360_px_high_and_centred(
    lettre: Lettre, newsletter: Newsletter, tmp_path: Path, browser: object
) -> None:
    out = tmp_path / "dist"
    _html(lettre, _shapes_issue(newsletter, (600, 200)), out)
    page = browser.new_page(viewport={"width": 600, "height": 900})  # type: ignore[attr-defined]
    page.goto(next((out / "2025-06-13").glob("*-email.html")).as_uri())
    boxes = page.eval_on_selector_all(
        "img",
        """imgs => imgs.map(i => {
            // the space the image's cell leaves it: the cell less its padding
            const r = i.getBoundingClientRect(), td = i.closest('table').parentElement;
            const cell = td.getBoundingClientRect(), pad = getComputedStyle(td);
            return {src: i.getAttribute('src'), width: r.width, height: r.height,
                    attr: Number(i.getAttribute('width')),
                    left: r.left - cell.left - parseFloat(pad.paddingLeft),
                    right: cell.right - r.right - parseFloat(pad.paddingRight)};
        })""",
    )
    page.close()
    assert len(boxes) == 1 + 2 * len(SHAPES)
    for box in boxes:
        assert box["height"] <= 360.5, box
        assert abs(box["width"] - box["attr"]) <= 0.5, box  # the attribute is what is shown
        if "logo" not in box["src"] and box["width"] < 500:
            assert abs(box["left"] - box["right"]) <= 1, box  # a narrow photo is centred


def test_a_template_override_that_breaks_the_layout_is_a_warning(
    lettre: Lettre, newsletter: Newsletter, tmp_path: Path
) -> None:
    shipped = (PROJECT / "src/lettre/templates/email/section.mjml.j2").read_text()
    # the template as it was: no width, and a unitless 0 that MRML drops
    broken = shipped.replace('width="{{ image_width(article.image.src, 536) }}px"', "").replace(
        'padding="20px 32px 0px"', 'padding="20px 32px 0"'
    )
    assert broken != shipped
    repo = _shapes_issue(newsletter, (600, 200))
    (repo / "templates/email").mkdir(parents=True)
    (repo / "templates/email/section.mjml.j2").write_text(broken)
    result = lettre("build", "--out", str(tmp_path / "dist"), repo=repo)
    assert result.exit_code == 0
    assert "warning: email template, MJML line" in result.output
    assert "Outlook would show this image" in result.output


@pytest.mark.parametrize(
    ("size", "box", "limit", "exact", "expected"),
    [
        ((600, 200), 160, 56, True, (159, 53)),  # 3:1, to the pixel
        ((1000, 333), 160, 56, True, (160, 53)),  # no exact width near: the nearest height
        ((400, 400), 160, 56, True, (56, 56)),
        ((1200, 800), 536, 360, False, (536, 357)),  # a 3:2 photo takes the whole width
        ((900, 1400), 536, 360, False, (231, 359)),  # a portrait one, 360 px high at most
        ((300, 200), 536, 360, False, (300, 200)),  # never wider than its own pixels
    ],
)
def test_fit(
    size: tuple[int, int], box: int, limit: int, exact: bool, expected: tuple[int, int]
) -> None:
    assert fit(*size, box, limit, exact=exact) == expected


def test_an_img_of_its_own_does_not_hide_the_images_after_it() -> None:
    """An <img> that no mj-image wrote (the dark logo, in an mj-raw) is not paired with the
    mj-image that follows it: each mj-image is checked against its own <img>."""
    mjml = """<mjml><mj-body width="600px"><mj-section padding="0px"><mj-column>
<mj-raw><img src="dark.png" width="100" alt=""></mj-raw>
<mj-image src="a.png" width="300px" padding="0px" alt="" />
<mj-image src="b.png" padding="0 32px" alt="" />
</mj-column></mj-section></mj-body></mjml>"""
    found = problems(mjml, compile_mjml(mjml))
    # MRML leaves the unitless 0 out: b is written 600 px wide in its 536-px space
    assert found == [
        'email template, MJML line 4: Outlook would show this image width="600" in a 536-px '
        "space; give it a whole number of px no wider than its column (less its padding), with "
        "units on every padding"
    ]
    fixed = mjml.replace('"0 32px"', '"0px 32px"')
    assert problems(fixed, compile_mjml(fixed)) == []
