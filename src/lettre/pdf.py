"""The print edition: Jinja → HTML/CSS → WeasyPrint → an archival PDF/A-3a.

WeasyPrint reads nothing by itself: every image and font reaches it through lettre's URL
fetcher, which answers only the `lettre:` URLs lettre prepared and refuses anything else
(another local file, the network) by stopping the build.
"""

from __future__ import annotations

import hashlib
import logging
import re
import shutil
import tempfile
import types
import zlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path
from typing import Any, NamedTuple, TypedDict
from zoneinfo import ZoneInfo

from jinja2.sandbox import SandboxedEnvironment

from lettre import __version__, beside, breaks, hyphenation, paging, speedups
from lettre.errors import LettreError
from lettre.fitting import CUT, NARROWEST_PX
from lettre.hyphenation import spaces_inside
from lettre.images import Variant
from lettre.laidout import INSET_GUTTER_MM, INSET_MM, PX_PER_MM
from lettre.messages import _, quoted
from lettre.model import Colors, Issue, LoadedIssue, Publication
from lettre.templates import render
from lettre.theme import theme

log = logging.getLogger(__name__)

FONTS = (
    "Inter-Regular.otf",
    "Inter-Italic.otf",
    "Inter-SemiBold.otf",
    "Inter-Bold.otf",
    "Inter-BoldItalic.otf",
)


class PrintContext(TypedDict):
    """What print.html.j2 receives (print.css receives `theme`, `paper`, `marks`, `labels`)."""

    publication: Publication
    issue: Issue
    number: int
    title: str
    logo: str | None
    """The logo's lettre: URL, or None."""
    image_url: Any
    """src → the lettre: URL of the image prepared for print."""
    image_shape: Any
    """src → "panorama" (it spans the page), "wide" (a landscape photo: the main column, its
    caption beside it) or "narrow" (portrait, square: the side column, beside the text)."""
    headline_frame: Any
    """(src, lead) → an À la une photo's frame (HeadlineFrame)."""
    side_frame: Any
    """src → a side column's photo's inline style ("": print.css's frame)."""
    article_ids: dict[str, str]
    """An article's url → its id in the document, so that an À la une item that links to
    the same page says where the article is printed ("→ p. 3")."""
    keywords: list[str]
    """Every article's tags, once each, in order."""
    timestamp: str
    """The issue's date at 08:00, Paris time: the PDF's fixed creation date."""
    version: str


def moment(loaded: LoadedIssue) -> datetime:
    """The issue's date at 08:00, Paris time: the PDF's fixed creation date."""
    day = loaded.issue.date
    return datetime(day.year, day.month, day.day, 8, tzinfo=ZoneInfo("Europe/Paris"))


def timestamp(loaded: LoadedIssue) -> str:
    return moment(loaded).isoformat()


def keywords(issue: Issue) -> list[str]:
    return list(dict.fromkeys(tag for article in issue.articles() for tag in article.tags))


def render_html(
    env: SandboxedEnvironment, loaded: LoadedIssue, variants: Mapping[str, Variant]
) -> str:
    logo = variants.get("")
    context = PrintContext(
        publication=loaded.publication,
        issue=loaded.issue,
        number=loaded.number,
        title=loaded.title,
        logo=_url(logo) if logo else None,
        image_url=lambda src: _url(variants[src]),
        image_shape=lambda src: _shape(variants[src]),
        side_frame=lambda src: side_frame(variants[src]),
        headline_frame=lambda src, lead: headline_frame(
            variants[src], lead=lead, paper=loaded.publication.paper
        ),
        article_ids=article_ids(loaded.issue),
        keywords=keywords(loaded.issue),
        timestamp=timestamp(loaded),
        version=__version__,
    )
    return spaces_inside(render(env, "print.html.j2", context))


def render_css(env: SandboxedEnvironment, loaded: LoadedIssue, *, marks: bool) -> str:
    return stylesheet(env, loaded.publication.colors, loaded.publication.paper, marks=marks)


def stylesheet(env: SandboxedEnvironment, colors: Colors, paper: str, *, marks: bool) -> str:
    """print.css rendered for a publication's colours and paper."""
    tokens = theme(colors).tokens()
    inset = {"width": INSET_MM, "gutter": INSET_GUTTER_MM}
    context = {
        "theme": tokens, "paper": paper, "marks": marks, "inset": inset,
        "side_photo": SIDE_PHOTO_MM,
    }  # fmt: skip
    return render(env, "print.css", context)


WIDE, PANORAMA = 1.25, 2.0
"""Width-to-height ratios: from 2, a photo spans the page; from 1.25, the main column; a
narrower one sits in the side column, beside the text. Each is shown at a size its shape
fills, never a small image centred in white space."""


COVER_COLUMN = {"A4": 115.0, "letter": 120.9, "A5": 110.0}
"""The width (mm) of À la une's column on the cover, beside the sommaire (print.css: the text
block, less 57 mm where there is a side column)."""
STRIP = {True: (1.0, 0.998, 50.0, 56.0), False: (0.484, 1.0, 28.0, 28.0)}
"""À la une's frames (print.css), the lead story's and the others': the share of the column
an item spans, the share of the item its photo spans, the photo's height and the tallest it
may take (mm); on A5, whose cover is short, the lead story's are LEAD_A5."""
LEAD_A5 = (1.0, 0.998, 40.0, 44.0)
BANNER = 0.35
"""An À la une frame cuts at most CUT of a photo's width or height (lettre.fitting's limit),
but BANNER of a landscape photo's height (a banner cut from it, as a lead story shows it)."""


class HeadlineFrame(NamedTuple):
    style: str
    """The photo's inline style: "" for print.css's strip."""
    beside: bool
    """The lead story's photo is narrow enough for its text to go beside it."""
    shorter: str = ""
    """An A5 lead story's landscape photo: the inline style of a frame LEAD_BESIDE of the
    column wide, its text beside it, which lettre.paging gives it when the cover has no room
    for the banner below a long sommaire; "" for any other photo."""


BESIDE = 0.6
"""A lead story's photo at most this share of the column wide has its text beside it."""
LEAD_BESIDE = 0.5
"""The share of the column a lead story's landscape photo takes beside its text, uncut."""


def headline_frame(variant: Variant, *, lead: bool, paper: str) -> HeadlineFrame:
    """An À la une photo's frame: print.css's strip, unless it would cut too much of the
    photo; then a taller frame (the lead's, up to its limit) and, for a portrait or a
    square, a narrower one (the lead story's text beside it), or for a panorama a lower one."""
    item, share, height, tallest = LEAD_A5 if lead and paper == "A5" else STRIP[lead]
    strip = height
    box = COVER_COLUMN[paper] * item
    full = width = box * share
    ratio = variant.width / max(1, variant.height)
    cut = BANNER if ratio >= WIDE else CUT  # of its height
    shorter = ""
    if lead and ratio >= WIDE and paper == "A5":  # uncut, LEAD_BESIDE of the column wide
        # (A4's and letter's sommaire floats beside À la une: the lead's banner always fits)
        shorter = f"width: {100 * LEAD_BESIDE:.1f}%; height: {box * LEAD_BESIDE / ratio:.1f}mm;"
    if width / height > ratio / (1 - cut):  # its height cut too much
        height = min(tallest, width * (1 - cut) / ratio)
        width = min(width, height * ratio / (1 - cut))
    elif width / height < ratio * (1 - CUT):  # its width cut too much
        height = width / (ratio * (1 - CUT))
    else:
        return HeadlineFrame("", beside=False, shorter=shorter)
    narrower = f"width: {100 * width / box:.1f}%; " if width < full else ""
    # a lower thumbnail (a panorama) stands on the strip's foot, so that the titles of a row
    # of À la une line up whatever their photos' shapes
    lower = f" margin-top: {strip - height:.1f}mm;" if not lead and height < strip else ""
    beside = lead and width <= BESIDE * box
    return HeadlineFrame(
        f"{narrower}height: {height:.1f}mm;{lower}", beside, "" if beside else shorter
    )


SIDE_MM, SIDE_PHOTO_MM = 51.0, 64.0
"""The side column's width (print.css: A4's and letter's; A5's, INSET_MM, is narrower) and
the tallest frame of a photo there (print.css is given it)."""


def side_frame(variant: Variant) -> str:
    """A side column's photo's inline style: "" for print.css's frame (the column's width, at
    most SIDE_PHOTO_MM high); for a photo so tall (a phone's 9:16, a 1:3 strip) that the
    frame would cut more than CUT of its height, a narrower one that cuts CUT, and never
    narrower than lettre.fitting's narrowest (a taller frame then)."""
    ratio = variant.width / max(1, variant.height)
    narrowest = NARROWEST_PX / PX_PER_MM
    width = max(SIDE_PHOTO_MM * ratio / (1 - CUT), narrowest)
    if width >= SIDE_MM:  # as wide as any side column: print.css's frame cuts CUT at most
        return ""
    height = max(SIDE_PHOTO_MM, width * (1 - CUT) / ratio)
    return f"max-width: {width:.1f}mm; max-height: {height:.1f}mm;"


def _shape(variant: Variant) -> str:
    ratio = variant.width / max(1, variant.height)
    return "panorama" if ratio >= PANORAMA else "wide" if ratio >= WIDE else "narrow"


def article_ids(issue: Issue) -> dict[str, str]:
    """Each article url → the id of the first article with it (`article-S-A`, from 1)."""
    found: dict[str, str] = {}
    for s, section in enumerate(issue.sections, 1):
        for a, article in enumerate(section.articles, 1):
            if article.url:
                found.setdefault(article.url, f"article-{s}-{a}")
    return found


def _url(variant: Variant) -> str:
    return f"lettre:image/{variant.name}"


def resources(variants: Mapping[str, Variant]) -> dict[str, tuple[bytes, str]]:
    """Every URL the print edition may fetch, with its bytes and type."""
    found = {_url(v): (v.data, f"image/{v.subtype}") for v in variants.values()}
    fonts = files("lettre") / "fonts"
    for name in FONTS:
        found[f"lettre:font/{name}"] = (fonts.joinpath(name).read_bytes(), "font/otf")
    return found


SOURCE_TYPES = {".yaml": "application/yaml", ".yml": "application/yaml", ".md": "text/markdown"}
"""The MIME type of each kind of source attached to the archival copy (set here, not guessed
from the machine's mime.types: the same bytes on every machine)."""


def render_pdf(
    html: str,
    css: str,
    loaded: LoadedIssue,
    allowed: Mapping[str, tuple[bytes, str]],
    *,
    publication_file: Path | None = None,
) -> bytes:
    """The archival PDF/A-3a, with every source of the issue attached (publication.yaml,
    issue.yaml, its Markdown); the same bytes for the same input.

    (PDF/X-4 would suit the print shop's copy, but it needs a CMYK output intent, an ICC
    profile lettre can neither ship nor fetch: WeasyPrint writes PDF/X-4 without one, which
    a preflight refuses. The print shop's copy is this PDF with bleed and crop marks.)
    """
    from weasyprint import Attachment  # imported here: the slowest import of lettre
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import FatalURLFetchingError

    sources = {
        _source_name(path, loaded.folder): path
        for path in ([publication_file] if publication_file else []) + list(loaded.sources)
    }
    attached = {
        f"lettre:source/{name}": (path.read_bytes(), SOURCE_TYPES.get(path.suffix, "text/plain"))
        for name, path in sources.items()
    }
    fetcher = _fetcher({**allowed, **attached})
    # (not when the HTML declares fonts of its own, an override's: WeasyPrint would write
    # them into the shared folder, and the next worker, finding them there, not load them)
    shared = _SHARED.get(css) if "@font-face" not in html else None
    fonts = shared[0] if shared else FontConfiguration()  # without it, no @font-face rule
    stamp = moment(loaded).astimezone(UTC)
    identifier = hashlib.sha256(html.encode() + css.encode()).hexdigest()[:32].encode()
    attachments = [
        Attachment(
            url=f"lettre:source/{name}",
            url_fetcher=fetcher,
            name=name,
            description="Source of this issue",
            relationship="Source",
            created=stamp,
            modified=stamp,
        )
        for name in sources
    ]
    options = _archival(shared[1] if shared else css, fetcher, fonts, attachments, identifier)
    _compress_at(ZLIB_LEVEL)
    try:
        document = layout(html, fetcher, fonts, options)
        _add_xmp(document.metadata, loaded)
        return bytes(document.write_pdf(**options))
    except FatalURLFetchingError as error:
        refused = str(error.__cause__ or error)
        message = _("print edition{where}: {reason}")
        raise LettreError(message.format(where=_where(html, refused), reason=refused)) from None
    finally:
        if not shared:
            _remove_fonts(fonts)


def _archival(
    css: Any, fetcher: Any, fonts: Any, attachments: list[Any], identifier: bytes
) -> dict[str, Any]:
    """WeasyPrint's options for the archival copy: PDF/A-3a, tagged, `attachments` added;
    `css`: print.css's text, or that text parsed already (`share`)."""
    from weasyprint import CSS

    sheet = CSS(string=css, url_fetcher=fetcher, font_config=fonts) if isinstance(css, str) else css
    return {
        "pdf_variant": "pdf/a-3a",
        "pdf_identifier": identifier,
        "pdf_tags": True,
        "attachments": attachments,
        "custom_metadata": False,
        "stylesheets": [sheet],
    }


_SHARED: dict[str, tuple[Any, Any]] = {}
"""print.css's texts parsed (`share`), by their text: the FontConfiguration that holds the
fonts their @font-face rules load, and the parsed stylesheet."""


def share(css: str, folder: Path) -> None:
    """`css` (print.css, rendered) parsed once, its fonts loaded into `folder` (the caller
    removes it, after `unshare`): every print edition of this process, and of the workers
    forked from it after, whose CSS is this text is laid out with them, instead of parsing
    it again into a new font map that each font's first use then fills: about 20 ms an
    issue in a forked worker; the same bytes (WeasyPrint keeps what a document embeds of
    each font with the document, not with the font map)."""
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    if css in _SHARED:
        return
    fonts = FontConfiguration()
    # where WeasyPrint writes the fonts for fontconfig (its own temporary folder otherwise,
    # made on the first @font-face rule)
    fonts._folder = Path(tempfile.mkdtemp(prefix="fonts-", dir=folder))
    sheet = CSS(string=css, url_fetcher=_fetcher(resources({})), font_config=fonts)
    _SHARED[css] = (fonts, sheet)


def unshare() -> None:
    """The parsed print.css of `share` dropped, its fonts removed."""
    for fonts, _sheet in _SHARED.values():
        _remove_fonts(fonts)
    _SHARED.clear()


ZLIB_LEVEL = 6
"""The compression of the PDF's streams: zlib's own default. pydyf, WeasyPrint's writer,
asks for 9, the slowest: on the benchmark's issue, 6 makes the PDF 0.2 % larger and its
writing 15 % quicker (25 ms an issue, measured)."""


class _Zlib(types.ModuleType):
    """zlib as pydyf sees it: its streams compressed at `level`, whatever pydyf asks."""

    def __init__(self, level: int) -> None:
        super().__init__("zlib")
        self.level = level

    def __getattr__(self, name: str) -> Any:
        return getattr(zlib, name)

    def compressobj(self, level: int = -1, *args: Any, **kwargs: Any) -> Any:
        return zlib.compressobj(self.level, *args, **kwargs)


def _compress_at(level: int) -> None:
    """pydyf's streams compressed at zlib's `level` from now on, in this process."""
    import pydyf

    if getattr(pydyf.zlib, "level", None) != level:
        pydyf.zlib = _Zlib(level)


def _remove_fonts(fonts: Any) -> None:
    """The fonts' temporary folder removed: WeasyPrint does it only when garbage-collected."""
    if getattr(fonts, "_folder", None):
        shutil.rmtree(fonts._folder, ignore_errors=True)


def layout(html: str, fetcher: Any, fonts: Any, options: dict[str, Any]) -> Any:
    """WeasyPrint's laid-out document (`options` as for render: its stylesheets, PDF/A…),
    laid out page by page with the photo frames that keep openings on their page
    (lettre.paging, lettre.fitting), and no more than two hyphenated lines in a row."""
    from weasyprint import CSS, HTML

    hyphenation.install()  # as a proof-reader accepts, decided line by line
    speedups.install()
    breaks.install()  # a block broken inside where only its trailing margin overflowed
    beside.install()  # a table beside a float it fits beside, not below it
    sheets = [*options["stylesheets"], CSS(string=paging.MOVABLE)]
    with paging.fitting():
        document = HTML(string=html, base_url="lettre:/", url_fetcher=fetcher)
        return document.render(font_config=fonts, **{**options, "stylesheets": sheets})


WARM_TEXT = (
    "Les unités engagées ont conduit des missions de reconnaissance et de soutien, en "
    "liaison étroite avec les partenaires locaux : l’approvisionnement des établissements "
    "départementaux, la relève de nuit, 300 kilomètres. "
) * 3
WARM_HTML = f"""<!doctype html><html lang="fr"><head><title>lettre</title></head><body>
<div class="running-head">Lettre</div><nav class="contents"><a href="#a">Article</a></nav>
<section class="rubrique"><h2 class="section-title">Rubrique</h2><article id="a" class="wide">
<div class="opening"><h3>Un titre <em>pour</em> voir</h3><figure class="wide">
<img src="lettre:image/warm.jpg" alt="Photo"><figcaption>Légende</figcaption></figure>
<div class="text"><aside class="side"><div class="keep"><p class="meta">1 janv.<br>Auteur</p>
<img src="lettre:image/warm.png" alt="Logo"><p class="reference"><a href="#a">p.</a></p></div>
</aside><p class="chapo"><strong>{WARM_TEXT}</strong></p></div></div><div class="text body">
<p>{WARM_TEXT}</p><ul><li><em>un</em></li><li><strong><em>deux</em></strong></li></ul>
<table><thead><tr><th>Étape</th></tr></thead><tbody><tr><td>Toulon</td></tr></tbody></table>
</div></article></section></body></html>"""
"""What `warm` lays out: the print edition's kinds of boxes (floats, a photo and a PNG, a
table, a list, every face of the font, French text to hyphenate)."""


def warm(shared: Sequence[str] = (), folder: Path | None = None) -> None:
    """Lay a small print edition out and write it, in the process the workers are forked
    from, so that what WeasyPrint, Pango, HarfBuzz, pyphen, Pillow and Babel make on their
    first use (cffi's parsed C types above all: 0.1 s) is made once, not again in each
    worker. Worth it when a process forks several: a year, the preview. `shared`: the
    print.css texts the workers will render, parsed once here (`share`, their fonts in
    `folder`), the first one laid out, so that its font map is filled once too. Only a
    saving: should it fail, the workers make it all themselves, as they would have (said
    under --debug)."""
    try:
        _warm(list(shared), folder)
    except Exception:
        log.debug("the engines were not warmed", exc_info=True)


def _warm(shared: list[str], folder: Path | None) -> None:
    import io

    from PIL import Image
    from weasyprint import Attachment
    from weasyprint.text.fonts import FontConfiguration

    from lettre.i18n import _LOCALES, format_date
    from lettre.templates import environment

    Image.init()  # every plugin: what checking a photo does first
    for language in _LOCALES:  # Babel's calendar data, read on first use
        format_date(datetime(2025, 6, 13).date(), language)
    photo, logo = io.BytesIO(), io.BytesIO()
    Image.new("RGB", (60, 40), (90, 120, 150)).save(photo, "JPEG")
    Image.new("RGBA", (20, 20), (9, 9, 9, 128)).save(logo, "PNG")
    images = {"lettre:image/warm.jpg": (photo.getvalue(), "image/jpeg"),
              "lettre:image/warm.png": (logo.getvalue(), "image/png")}  # fmt: skip
    source = {"lettre:source/issue.yaml": (b"date: 2025-06-13\n", "application/yaml")}
    fetcher = _fetcher({**resources({}), **images, **source})
    sheet: Any
    if shared and folder is not None:
        for css in shared:
            share(css, folder)
        fonts, sheet = _SHARED[shared[0]]
        owned = False
    else:
        fonts = FontConfiguration()
        sheet = stylesheet(environment(None, "fr", html=False), Colors(), "A4", marks=False)
        owned = True  # its fonts removed here
    attachment = Attachment(url="lettre:source/issue.yaml", url_fetcher=fetcher, name="issue.yaml")
    options = _archival(sheet, fetcher, fonts, [attachment], b"0" * 32)
    try:
        layout(spaces_inside(WARM_HTML), fetcher, fonts, options).write_pdf(**options)
    finally:
        if owned:
            _remove_fonts(fonts)


def _where(html: str, message: str) -> str:
    """ " (in « Title »)": the heading above the first place the refused URL appears."""
    url = re.search(r"read (.+?): the print edition", message)
    position = html.find(url.group(1)) if url else -1
    headings = re.findall(r"<h[23][^>]*>(.*?)</h[23]>", html[:position] if position >= 0 else "")
    if not headings:
        return ""
    return " " + _("(in {title})").format(title=quoted(re.sub("<[^>]+>", "", headings[-1])))


def _source_name(path: Path, folder: Path) -> str:
    """A source's name in the PDF: relative to the issue folder (publication.yaml by its name)."""
    try:
        return path.resolve().relative_to(folder).as_posix()
    except ValueError:
        return path.name


def _fetcher(allowed: Mapping[str, tuple[bytes, str]]) -> Any:
    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse, iri_to_uri

    # WeasyPrint asks for URLs as its iri_to_uri wrote them (spaces and accents
    # percent-encoded, a literal % left alone): the same function maps lettre's names to
    # what will be asked. Image names are safe ASCII anyway (images.safe_stem).
    allowed = {**allowed, **{iri_to_uri(url): found for url, found in allowed.items()}}

    class Fetcher(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            if url not in allowed:
                raise FatalURLFetchingError(
                    f"refused to read {url[:120]}: the print edition only uses the issue's "
                    "own images and lettre's fonts"
                )
            data, content_type = allowed[url]
            return URLFetcherResponse(url, body=data, headers={"Content-Type": content_type})

    return Fetcher(allowed_protocols=("lettre",), fail_on_errors=True)


def _add_xmp(metadata: Any, loaded: LoadedIssue) -> None:
    """Add language, publisher, date and identifier to the XMP WeasyPrint writes.

    WeasyPrint writes title, creator, description, keywords and dates; an archivist also
    wants these, in Dublin Core inside the same rdf:RDF (PDF/A allows one).
    """
    original = metadata.generate_rdf_metadata
    publication = loaded.publication
    extra = (
        '<rdf:Description xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" rdf:about="">'
        f"<dc:language><rdf:Bag><rdf:li>{publication.language}</rdf:li></rdf:Bag></dc:language>"
        f"<dc:publisher><rdf:Bag><rdf:li>{_xml(publication.organization)}</rdf:li></rdf:Bag></dc:publisher>"
        f"<dc:date><rdf:Seq><rdf:li>{loaded.issue.date.isoformat()}</rdf:li></rdf:Seq></dc:date>"
        f"<dc:identifier>{_xml(publication.file_slug)}-{loaded.issue.date.isoformat()} n° {loaded.number}</dc:identifier>"
        "</rdf:Description>"
    ).encode()

    def generate(self: Any, *args: Any) -> bytes:
        rdf: bytes = original(*args)
        return rdf.replace(b"</rdf:RDF>", extra + b"</rdf:RDF>")

    metadata.generate_rdf_metadata = types.MethodType(generate, metadata)


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
