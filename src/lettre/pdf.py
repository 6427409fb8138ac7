"""The print edition: Jinja → HTML/CSS → WeasyPrint → an archival PDF/A-3b.

WeasyPrint reads nothing by itself: every image and font reaches it through lettre's URL
fetcher, which answers only the `lettre:` URLs lettre prepared and refuses anything else
(another local file, the network) by stopping the build.
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import types
from collections.abc import Mapping
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path
from typing import Any, TypedDict
from zoneinfo import ZoneInfo

from jinja2.sandbox import SandboxedEnvironment

from lettre import __version__
from lettre.errors import LettreError
from lettre.images import Variant
from lettre.model import Issue, LoadedIssue, Publication
from lettre.theme import theme

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
        keywords=keywords(loaded.issue),
        timestamp=timestamp(loaded),
        version=__version__,
    )
    return env.get_template("print.html.j2").render(**context)


def render_css(env: SandboxedEnvironment, loaded: LoadedIssue, *, marks: bool) -> str:
    return env.get_template("print.css").render(
        theme=theme(loaded.publication.colors).tokens(), paper=loaded.publication.paper, marks=marks
    )


def _url(variant: Variant) -> str:
    return f"lettre:image/{variant.name}"


def resources(variants: Mapping[str, Variant]) -> dict[str, tuple[bytes, str]]:
    """Every URL the print edition may fetch, with its bytes and type."""
    found = {_url(v): (v.data, f"image/{v.subtype}") for v in variants.values()}
    fonts = files("lettre") / "fonts"
    for name in FONTS:
        found[f"lettre:font/{name}"] = (fonts.joinpath(name).read_bytes(), "font/otf")
    return found


def render_pdf(
    html: str, css: str, loaded: LoadedIssue, allowed: Mapping[str, tuple[bytes, str]]
) -> bytes:
    """The PDF/A-3b, with the issue's sources attached; the same bytes for the same input."""
    from weasyprint import CSS, HTML, Attachment  # imported here: the slowest import of lettre
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import FatalURLFetchingError

    fetcher = _fetcher(allowed)
    fonts = FontConfiguration()  # without it, @font-face rules are ignored
    stamp = moment(loaded).astimezone(UTC)
    identifier = hashlib.sha256(html.encode() + css.encode()).hexdigest()[:32].encode()
    attachments = [
        Attachment(
            file_obj=io.BytesIO(path.read_bytes()),
            name=_source_name(path, loaded.folder),
            description="Source of this issue",
            relationship="Source",
            created=stamp,
            modified=stamp,
        )
        for path in loaded.sources
    ]
    options: dict[str, Any] = {
        "pdf_variant": "pdf/a-3b",
        "pdf_identifier": identifier,
        "pdf_tags": True,
        "attachments": attachments,
        "custom_metadata": False,
        "stylesheets": [CSS(string=css, url_fetcher=fetcher, font_config=fonts)],
    }
    try:
        source = HTML(string=html, base_url="lettre:/", url_fetcher=fetcher)
        document = source.render(font_config=fonts, **options)
        _add_xmp(document.metadata, loaded)
        return bytes(document.write_pdf(**options))
    except FatalURLFetchingError as error:
        refused = str(error.__cause__ or error)
        raise LettreError(f"print edition{_where(html, refused)}: {refused}") from None
    finally:  # WeasyPrint removes the fonts' temporary folder only when garbage-collected
        if getattr(fonts, "_folder", None):
            shutil.rmtree(fonts._folder, ignore_errors=True)


def _where(html: str, message: str) -> str:
    """ " (in « Title »)": the heading above the first place the refused URL appears."""
    url = re.search(r"read (.+?): the print edition", message)
    position = html.find(url.group(1)) if url else -1
    headings = re.findall(r"<h[23][^>]*>(.*?)</h[23]>", html[:position] if position >= 0 else "")
    return f" (in « {re.sub('<[^>]+>', '', headings[-1])} »)" if headings else ""


def _source_name(path: Path, folder: Path) -> str:
    try:
        return path.relative_to(folder).as_posix()
    except ValueError:
        return path.name


def _fetcher(allowed: Mapping[str, tuple[bytes, str]]) -> Any:
    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

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
