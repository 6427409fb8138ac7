"""The newsletter as data: the contract of publication.yaml and issue.yaml.

These models are at once the validation of authors' files, the JSON Schema that editors
complete against (`lettre schema`; field docstrings become descriptions), and the immutable
data every renderer reads. No I/O here.

Every scalar reaches these models as the text the author typed (see `yamlfile`): pydantic
coerces numbers and dates, so `no` stays "no" and `1.10` is never 1.1. Plain-text fields are
typeset (`typography`) during validation when the context gives a language.
"""

from __future__ import annotations

import difflib
import os
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Annotated, Any, Literal
from urllib.parse import quote, urlsplit

# lettre's models use no pydantic plugin: not looking for one spares every start a scan of
# every installed package's entry points (10 ms), unless the environment says otherwise
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

from pydantic import (  # after the setting above: read when a model is made
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    model_validator,
)
from pydantic_core import PydanticCustomError

from lettre.characters import describe_character, encoded_word, hidden_character
from lettre.codes import CODES, NEVER_ACCEPTED
from lettre.messages import _, alternatives
from lettre.typography import typeset

_CONTROL = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200b\ufeff]"
)
"""Control characters, and the invisible ones that reorder or hide text (bidi overrides)."""
_LINE_BREAK = re.compile(r"[\r\n]")


def _fail(kind: str, message: str, **context: Any) -> PydanticCustomError:
    """The message is marked for the catalogue by its place (`pybabel extract -k _fail:2`)."""
    return PydanticCustomError(kind, _(message), context)


def _control(char: str) -> PydanticCustomError:
    return _fail(
        "control_character",
        "contains {char}, a control or invisible character: delete it",
        char=describe_character(char),
    )


def _one_line(value: Any) -> Any:
    if isinstance(value, str):
        value = value.replace("\t", " ")  # a tab is a space in one line of text
        if _LINE_BREAK.search(value.strip()):
            raise _fail("line_break", "must be on one line: remove the line break")
        if found := _CONTROL.search(value):
            raise _control(found.group())
        return value.strip()
    return value


def _header_line(value: Any) -> Any:
    """One line that becomes a mail header (Subject, From): nothing hidden in it either."""
    value = _one_line(value)
    if isinstance(value, str) and (char := hidden_character(value)):
        raise _fail(
            "hidden_character",
            "contains {char}, an invisible character that can disguise a subject or a sender "
            "in mail programs; delete it",
            char=describe_character(char),
        )
    if isinstance(value, str) and (word := encoded_word(value)):
        raise _fail(
            "encoded_word",
            "contains '{word}', which mail programs decode (RFC 2047) and show as other text; "
            "type the text itself",
            word=word[:40],
        )
    return value


def _folded(value: Any) -> Any:
    if isinstance(value, str):
        if found := _CONTROL.search(value.replace("\n", " ").replace("\t", " ").replace("\r", " ")):
            raise _control(found.group())
        return " ".join(value.split())
    return value


def _markdown_source(value: Any) -> Any:
    if isinstance(value, str):
        if found := _CONTROL.search(value.replace("\n", " ").replace("\t", " ").replace("\r", " ")):
            raise _control(found.group())
        return value.replace("\r\n", "\n").strip("\n")
    return value


def _typeset(value: str, info: ValidationInfo) -> str:
    language = (info.context or {}).get("language")
    return typeset(value, language) if language else value


def _iso_date(value: Any) -> Any:
    if isinstance(value, str) and not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value.strip()):
        raise _fail("iso_date", "'{value}' is not a date; write it as YYYY-MM-DD", value=value)
    return value


def _url(value: str, schemes: tuple[str, ...]) -> str:
    parts = urlsplit(value)
    try:
        port_ok = parts.port is None or parts.port > 0
    except ValueError:  # a port that is not a number, or over 65535
        port_ok = False
    if (
        parts.scheme.lower() not in schemes
        or re.search(r"\s", value)
        or _CONTROL.search(value)
        or (parts.scheme.lower() != "mailto" and not parts.hostname)
        or (parts.scheme.lower() == "mailto" and "@" not in parts.path)
        or not port_ok
    ):
        wanted = alternatives([f"{s}:" for s in schemes])
        raise _fail(
            "url",
            "'{value}' is not a valid link; it must start with {wanted}",
            value=value,
            wanted=wanted,
        )
    return value


def _web_url(value: str) -> str:
    return _url(value, ("http", "https"))


def _link_url(value: str) -> str:
    return _url(value, ("http", "https", "mailto"))


HEADER_URL_BREAKERS = re.compile(r"[<>,\"'\\\s]")
"""What would end a link inside a header's <…> or start another one (List-Unsubscribe)."""


def _unsubscribe_url(value: str) -> str:
    if found := HEADER_URL_BREAKERS.search(value):
        raise _fail(
            "header_url",
            "'{value}' holds {char}, which would end the link in the List-Unsubscribe header; "
            "write it percent-encoded ({code})",
            value=value,
            char=repr(found.group()),
            code=quote(found.group()),
        )
    return _url(value, ("https", "mailto"))


_EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+"
)


def is_email(value: str) -> bool:
    """A plain address (name@example.org), nothing around it."""
    return bool(_EMAIL.fullmatch(value))


def _email(value: str) -> str:
    if not is_email(value):
        raise _fail("email", "'{value}' is not an e-mail address (name@example.org)", value=value)
    return value


def _relative_path(value: str) -> str:
    if not value.strip():
        raise _fail("empty_path", "empty: give the path of a file")
    if found := _CONTROL.search(value):
        raise _control(found.group())
    if re.search(r"[\r\n\t]", value):
        raise _fail(
            "path_break",
            "the file name holds a line break or a tab; rename the file without it",
        )
    if "://" in value or value.startswith(("data:", "mailto:")):
        raise _fail(
            "path_is_url",
            "'{value}' is a URL; give the path of a file in the repository",
            value=value,
        )
    path = PurePosixPath(value.replace("\\", "/"))
    if path.is_absolute() or re.match(r"[A-Za-z]:", value):
        raise _fail(
            "absolute_path",
            "'{value}' is an absolute path; give a path relative to the folder",
            value=value,
        )
    if ".." in path.parts:
        raise _fail(
            "parent_path", "'{value}' goes up with '..'; keep files inside the folder", value=value
        )
    return path.as_posix()


def _color(value: str) -> str:
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", value):
        raise _fail(
            "color", "'{value}' is not a colour; write it as #rrggbb, e.g. #002654", value=value
        )
    return value.lower()


Line = Annotated[str, BeforeValidator(_one_line), Field(min_length=1), AfterValidator(_typeset)]
"""One line of plain text (a title, a name), typeset."""
HeaderLine = Annotated[
    str, BeforeValidator(_header_line), Field(min_length=1), AfterValidator(_typeset)
]
"""One line of plain text that becomes (part of) a mail header: the subject, the sender."""
Text = Annotated[str, BeforeValidator(_folded), Field(min_length=1), AfterValidator(_typeset)]
"""Plain text whose line breaks are folded into spaces (a teaser, a caption), typeset."""
Markdown = Annotated[str, BeforeValidator(_markdown_source), Field(min_length=1)]
"""Markdown source: CommonMark and tables, no raw HTML; typeset when rendered."""
IsoDate = Annotated[date, BeforeValidator(_iso_date)]
WebUrl = Annotated[str, AfterValidator(_web_url)]
LinkUrl = Annotated[str, AfterValidator(_link_url)]
Email = Annotated[str, BeforeValidator(_one_line), AfterValidator(_email)]
RelativePath = Annotated[str, AfterValidator(_relative_path)]
Color = Annotated[str, AfterValidator(_color)]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=60)]

SocialNetwork = Literal[
    "linkedin", "x", "facebook", "instagram", "youtube", "mastodon", "bluesky", "threads", "website"
]


def _warning_code(value: str) -> str:
    if value in CODES and value not in NEVER_ACCEPTED:
        return value
    shown = value if value.isascii() and value.isprintable() else ascii(value)[1:-1]
    shown = shown if len(shown) <= 60 else shown[:59] + "…"  # echoed: inert and short
    if value in NEVER_ACCEPTED:
        message = _(
            "'{code}' cannot be accepted: nobody means to send it; "
            "replace the placeholder text or the example address"
        )
        raise _fail("code_not_acceptable", message, code=shown)
    close = difflib.get_close_matches(value.lower().strip(), list(CODES), n=1, cutoff=0.6)
    if close:
        message = _("unknown warning code '{code}'; did you mean '{close}'?")
        raise _fail("unknown_code", message, code=shown, close=close[0])
    message = _(
        "unknown warning code '{code}'; copy it from the end of the warning's line, "
        "where it stands in brackets"
    )
    raise _fail("unknown_code", message, code=shown)


WarningCode = Annotated[str, AfterValidator(_warning_code)]
Accept = tuple[WarningCode, ...]
"""Warnings accepted where they stand: `accept: [date-after-issue]` (see lettre.decisions)."""


class Strict(BaseModel):
    """Immutable, and an unknown key is an error (a typo must not drop content silently)."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


# --- publication.yaml ---------------------------------------------------------------------


class Sender(Strict):
    name: HeaderLine
    """Name shown in the From header, e.g. "Cellule communication"."""
    email: Email
    """Address the issue is sent from."""


class Colors(Strict):
    primary: Color = "#002654"
    """Main colour (masthead, headings, buttons), #rrggbb."""
    accent: Color = "#ce0e2d"
    """Accent colour (rules, highlights), #rrggbb."""


class Social(Strict):
    network: SocialNetwork
    """Which network the link points to."""
    url: WebUrl
    """The organisation's page on that network (https://…)."""


def _plain(value: Any) -> Any:
    return "plain" if value == "none" else value  # "none": the older spelling of "plain"


class Smtp(Strict):
    """The organisation's mail server, for `lettre send` (its options win over these)."""

    host: Annotated[str, Field(pattern=r"^[A-Za-z0-9.-]+$", max_length=253)]
    """The server's name, e.g. smtp.example.org."""
    port: int | None = Field(default=None, ge=1, le=65535)
    """Default: 587 with STARTTLS, 465 with SSL, 25 without."""
    security: Annotated[Literal["starttls", "ssl", "plain"], BeforeValidator(_plain)] = "starttls"
    """How the connection is encrypted: starttls (the default, port 587), ssl (from the start,
    port 465), or plain: no encryption, only for a relay on the local network (port 25)."""
    user: Line | None = None
    """The login, when the server asks for one; the password is never written in a file."""
    recipients: tuple[Email, ...] = ()
    """Default recipients: typically the list address of the organisation's list server."""


class EmailSettings(Strict):
    """How the email edition is made."""

    articles: Literal["full", "teasers"] = "full"
    """`full`: every article whole in the email (an intranet without base_url); `teasers`:
    each article as its photo, title, chapô and a link to its place in the web edition
    (needs base_url)."""


class Publication(Strict):
    """publication.yaml, at the root of a newsletter repository."""

    name: HeaderLine
    """Name of the newsletter, e.g. "Lettre hebdomadaire de communication"."""
    organization: Line
    """Who publishes it, e.g. "État-major des armées"."""
    language: Literal["fr", "en"] = "fr"
    """Language of the content: typography, dates and the labels of the editions."""
    slug: Slug | None = None
    """Prefix of output file names (lowercase letters, digits, dashes); default: from the name."""
    base_url: WebUrl | None = None
    """Where web versions and images are published (https://…)."""
    sender: Sender
    """Who the email comes from."""
    reply_to: Email | None = None
    """Address replies go to, when not the sender's."""
    unsubscribe: Annotated[str, AfterValidator(_unsubscribe_url)] | None = None
    """Unsubscribe link: https://… or mailto:…."""
    logo: RelativePath | None = None
    """Logo file, relative to publication.yaml: PNG, JPEG or SVG."""
    logo_dark: RelativePath | None = None
    """The logo for dark backgrounds (light on dark), shown by mail programs in dark mode;
    without it the logo keeps a light plate behind it."""
    email: EmailSettings = EmailSettings()
    """How the email edition is made: `articles: full` (default) or `teasers`."""
    colors: Colors = Colors()
    """Theme colours, shared by the email and the print edition."""
    paper: Literal["A4", "A5", "letter"] = "A4"
    """Paper size of the print edition."""
    footer: Markdown | None = None
    """Legal notice and contacts, in Markdown, at the end of every edition."""
    social: tuple[Social, ...] = ()
    """Links to the organisation's social networks."""
    smtp: Smtp | None = None
    """The mail server `lettre send` uses."""
    accept: Accept = ()
    """Warnings every issue accepts, by their code, e.g. [unsubscribe-mailto-only]."""
    approval: Literal["required", "optional"] = "optional"
    """`required`: send and publish refuse an issue nobody approved (`lettre approve`), or
    whose outputs changed since."""

    @property
    def file_slug(self) -> str:
        """The slug, or one made from the name: "Lettre de l'EMA" → "lettre-de-l-ema"."""
        if self.slug:
            return self.slug
        spaced = re.sub("[’'‘]", " ", self.name)  # typeset or not, an apostrophe parts words
        ascii_name = unicodedata.normalize("NFKD", spaced).encode("ascii", "ignore").decode()
        return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60] or "lettre"


# --- issue.yaml ---------------------------------------------------------------------------


class Image(Strict):
    src: RelativePath
    """Image file, relative to the issue folder: JPEG, PNG or WebP."""
    alt: Line
    """What the image shows, for readers who cannot see it."""
    credit: Line | None = None
    """Photographer or rights holder, e.g. "© Armée de terre"."""
    caption: Text | None = None
    """Legend printed under the image."""


class Headline(Strict):
    """An item of "À la une"."""

    title: Line
    """Title of the item."""
    summary: Text
    """The teaser: one or two sentences."""
    date: IsoDate | None = None
    """Date of the event or the publication, YYYY-MM-DD."""
    url: WebUrl | None = None
    """Where to read more (http:// or https://)."""
    image: Image | None = None
    """A thumbnail."""
    accept: Accept = ()
    """Warnings accepted for this item, by their code, e.g. [date-after-issue]."""


class Article(Strict):
    """An article of a section; or `include: file.md` with these fields as front matter."""

    title: Line
    """Title of the article."""
    summary: Text | None = None
    """The chapô: the opening paragraph. Summary or body is required."""
    body: Markdown | None = None
    """The text, in Markdown (CommonMark and tables)."""
    date: IsoDate | None = None
    """Date of the event or the publication, YYYY-MM-DD."""
    url: LinkUrl | None = None
    """The full article online (http://, https:// or mailto:)."""
    author: Line | None = None
    """Who wrote it."""
    tags: tuple[Line, ...] = ()
    """Keywords, for the archive's search and the PDF metadata."""
    image: Image | None = None
    """The article's photo."""
    accept: Accept = ()
    """Warnings accepted for this article, by their code, e.g. [image-narrow]."""

    @model_validator(mode="after")
    def _has_text(self) -> Article:
        if self.summary is None and self.body is None:
            raise _fail("no_text", "an article needs a summary or a body")
        return self


class Section(Strict):
    """A rubrique: a titled group of articles."""

    title: Line
    """Title of the section, e.g. "Opérations"."""
    articles: tuple[Article, ...] = Field(min_length=1)
    """The articles, in order: one or more."""
    accept: Accept = ()
    """Warnings accepted for this section and its articles, by their code."""


class Editorial(Strict):
    title: Line | None = None
    """Title of the editorial; default "Éditorial"."""
    author: Line | None = None
    """Who signs it."""
    body: Markdown
    """The text, in Markdown."""
    accept: Accept = ()
    """Warnings accepted for the editorial, by their code."""


class Issue(Strict):
    """bulletins/YYYY-MM-DD/issue.yaml: one issue of the newsletter."""

    date: IsoDate
    """Date of the issue, YYYY-MM-DD; must match the folder's name."""
    number: int | None = Field(default=None, ge=1)
    """Issue number; default: the previous issue's number + 1, or 1."""
    title: HeaderLine | None = None
    """Title (the email's subject); default: "<name> du 13 juin 2025"."""
    preheader: Text | None = None
    """Preview text shown by mail programs after the subject; default: from the headlines."""
    editorial: Editorial | None = None
    """The editorial."""
    headlines: tuple[Headline, ...] = Field(min_length=1)
    """"À la une": one or more items."""
    sections: tuple[Section, ...] = Field(min_length=1)
    """The sections, in order: one or more."""
    accept: Accept = ()
    """Warnings accepted for the whole issue, by their code, e.g. [email-weight]."""

    def articles(self) -> list[Article]:
        return [article for section in self.sections for article in section.articles]

    def images(self) -> list[Image]:
        items: list[Headline | Article] = [*self.headlines, *self.articles()]
        return [item.image for item in items if item.image]


@dataclass(frozen=True)
class ImageInfo:
    path: Path
    format: str
    """Pillow's format name: JPEG, PNG, WEBP or SVG."""
    width: int
    height: int


@dataclass(frozen=True)
class LoadedIssue:
    """An issue ready to render: the validated content with its defaults filled, and its files."""

    publication: Publication
    issue: Issue
    folder: Path
    sources: tuple[Path, ...]
    """issue.yaml and the Markdown files it includes, in order."""
    images: Mapping[str, ImageInfo]
    """Every image of the issue, by its `src`."""
    logo: ImageInfo | None = None
    """The publication's logo, checked."""
    logo_dark: ImageInfo | None = None
    """The publication's logo for dark mode, checked."""

    @property
    def number(self) -> int:
        assert self.issue.number is not None  # filled by the loader
        return self.issue.number

    @property
    def title(self) -> str:
        assert self.issue.title is not None  # filled by the loader
        return self.issue.title
