"""The email edition: Jinja → MJML → HTML, its plain-text part, and the .eml message.

Pure functions: they take the loaded issue and return text or bytes; `build.py` writes.
"""

from __future__ import annotations

import binascii
import hashlib
import io
import re
from collections.abc import Callable, Sequence
from datetime import datetime
from email import policy
from email.generator import BytesGenerator
from email.headerregistry import Address
from email.message import EmailMessage, MIMEPart
from email.utils import format_datetime
from html import escape, unescape
from typing import Any, TypedDict
from zoneinfo import ZoneInfo

from jinja2.sandbox import SandboxedEnvironment
from mjml import mjml2html

from lettre.characters import describe_character, encoded_word, hidden_character
from lettre.errors import LettreError
from lettre.i18n import default_title
from lettre.images import Variant
from lettre.messages import _
from lettre.model import HEADER_URL_BREAKERS, Issue, LoadedIssue, Publication
from lettre.templates import render
from lettre.theme import Theme, theme
from lettre.web import WORDS, Links

GMAIL_CLIP = 102_000
"""Gmail hides what follows the first 102 KB of a message's HTML behind a link."""
WARN_AT = 90_000
ArticleKey = tuple[int, int]
"""(section index, article index), both from 0."""


class EmailContext(TypedDict):
    """What email.mjml.j2 and email.txt.j2 (and their parts under email/) receive."""

    publication: Publication
    issue: Issue
    number: int
    title: str
    own_title: bool
    """Whether the issue has a title of its own (not "<name> du <date>", which would repeat
    what the masthead says)."""
    theme: dict[str, str]
    logo: dict[str, Any] | None
    """{src, width, height} of the logo as shown, or None."""
    logo_dark: dict[str, Any] | None
    """The same for the logo shown in dark mode (logo_dark), or None."""
    image_url: Callable[[str], str]
    """The address of an issue image (by its `src`) in this rendering: relative, cid: or absolute."""
    image_width: Callable[[str, int], int]
    """The whole px width to show an image (by its `src`) in a space `box` px wide: at most
    `box`, and at most outlook.MAX_IMAGE_HEIGHT tall (Outlook sizes images by this number)."""
    view_online: str | None
    """The web version's address, when the publication has a base_url."""
    links: Links
    """The addresses the email links to: the web edition's places, the PDF, the archive."""
    teasers: bool
    """Articles as teasers (photo, title, chapô, link to the web edition), not whole."""
    words: dict[str, str]
    """The words of the links between editions (web.WORDS)."""
    shortened: frozenset[ArticleKey]
    """Articles shown as title, chapô and link only, to keep the email under Gmail's limit."""


def context(
    loaded: LoadedIssue,
    *,
    image_url: Callable[[str], str],
    image_width: Callable[[str, int], int],
    logo: dict[str, Any] | None,
    links: Links,
    logo_dark: dict[str, Any] | None = None,
    shortened: frozenset[ArticleKey] = frozenset(),
) -> EmailContext:
    return EmailContext(
        publication=loaded.publication,
        issue=loaded.issue,
        number=loaded.number,
        title=loaded.title,
        own_title=loaded.title
        != default_title(loaded.publication.name, loaded.issue.date, loaded.publication.language),
        theme=theme(loaded.publication.colors).tokens(),
        logo=logo,
        logo_dark=logo_dark,
        image_url=image_url,
        image_width=image_width,
        view_online=links.web,
        links=links,
        teasers=loaded.publication.email.articles == "teasers" and links.web is not None,
        words=WORDS[loaded.publication.language],
        shortened=shortened,
    )


def render_html(env: SandboxedEnvironment, ctx: EmailContext) -> str:
    """The email's HTML: the MJML template rendered, then compiled by MRML."""
    return compile_mjml(render_mjml(env, ctx))


def render_mjml(env: SandboxedEnvironment, ctx: EmailContext) -> str:
    """The email's MJML, before MRML compiles it."""
    return render(env, "email.mjml.j2", ctx)


def render_text(env: SandboxedEnvironment, ctx: EmailContext) -> str:
    """The plain-text part, from its own template."""
    return render(env, "email.txt.j2", ctx)


def _no_includes(path: str) -> str:
    raise ValueError(_("mj-include is not allowed ({path})").format(path=path))


_MJ_TAG = re.compile(r"<mj-[a-z-]+\b[^>]*>")
"""An MJML start tag: autoescaped, its attributes hold no ">"."""
_SPACES_AS_REFERENCES = str.maketrans({"\u00a0": "&#160;", "\u202f": "&#8239;"})


def compile_mjml(source: str) -> str:
    """The HTML MRML compiles from `source`, its title put back as lettre escaped it.

    MRML writes the <mj-title> twice: in <title> as it is, and in the wrapper's aria-label
    Rust-escaped (a no-break space becomes backslash-u-{a0}, which a screen reader would
    spell out, and a quote a backslash and a quote, which ends the attribute). So MRML is
    given a stand-in title of letters and digits, which it writes as they are, and the title,
    HTML-escaped once more, replaces the stand-in at those two places only: no pass runs over
    the rest of the HTML, where author text is.
    """
    source = _STYLE.sub(lambda m: m.group(1) + _compact_css(m.group(2)) + m.group(3), source)
    found = _TITLE.search(source)
    stand_in = ""
    if found:
        stand_in = (
            "lettretitle" + hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()
        )
        source = source[: found.start(1)] + stand_in + source[found.end(1) :]
    # MRML writes a no-break space inside an mj- tag's attribute (an image's alt) as the
    # letters \u{a0}, which a screen reader spells out: there, given as a character
    # reference, it stays one (elsewhere the character itself, the lighter)
    source = _MJ_TAG.sub(lambda m: m.group(0).translate(_SPACES_AS_REFERENCES), source)
    try:
        html = mjml2html(source, disable_comments=True, include_loader=_no_includes)
    except ValueError as error:
        message = _("the email's MJML does not compile: {error}").format(error=error)
        raise LettreError(message) from None
    if not found:
        return html
    # the stand-in holds a digest of the whole source, author text included: no author can
    # type it, so each occurrence is one MRML wrote for the title
    title = escape(unescape(found.group(1)).strip(), quote=True)
    return html.replace(stand_in, title)


_TITLE = re.compile(r"<mj-title>(.*?)</mj-title>", re.DOTALL)
_STYLE = re.compile(r"(<mj-style\b[^>]*>)(.*?)(</mj-style>)", re.DOTALL)
_CSS_SPACE = re.compile(
    r"""(?P<kept>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\([^()]*\))"""
    r"|\s*(?P<mark>[{};,>])\s*"
    r"|(?P<colon>:)\s+"  # a space before a colon may be a descendant combinator: kept
    r"|(?P<bang>\s+(?=!))"
    r"|\s+"
)


def _compact_css(css: str) -> str:
    """`css` without the spaces it does not need: MRML writes an mj-style as it is, and its
    indentation would weigh in every message. Quoted strings and what is between parentheses
    (a media feature, a gradient's colours) are kept as they are."""

    def keep(match: re.Match[str]) -> str:
        if match["kept"] is not None:
            return match["kept"]
        if match["mark"] is not None:
            return match["mark"]
        if match["colon"] is not None:
            return ":"
        return "" if match["bang"] is not None else " "

    return _CSS_SPACE.sub(keep, css).replace(";}", "}").strip()


def fit_to_budget(
    render: Callable[[frozenset[ArticleKey]], str], issue: Issue
) -> tuple[str, frozenset[ArticleKey]]:
    """Shorten the lowest articles that have a link until the email is under WARN_AT bytes.

    Only articles with a url are shortened (their text stays one click away); the print
    edition always keeps the full text.
    """
    candidates = [
        (s, a)
        for s, section in enumerate(issue.sections)
        for a, article in enumerate(section.articles)
        if article.url and (article.body or article.image)
    ]
    shortened: frozenset[ArticleKey] = frozenset()
    html = render(shortened)
    while len(html.encode()) >= WARN_AT and candidates:
        shortened |= {candidates.pop()}
        html = render(shortened)
    return html, shortened


def email_styles(tokens: Theme) -> dict[str, str]:
    """Inline styles for the HTML made from Markdown: many mail programs ignore <style>.

    Written without spaces: they repeat on every paragraph, and the weight counts.
    """
    cell = f"padding:6px 8px;border-bottom:1px solid {tokens.separator};text-align:left"
    return {
        "p": "margin:0 0 12px",
        "ul": "margin:0 0 12px;padding-left:22px",
        "ol": "margin:0 0 12px;padding-left:22px",
        "li": "margin:0 0 4px",
        "h4": f"margin:18px 0 6px;font-size:17px;color:{tokens.heading}",
        "h5": f"margin:16px 0 6px;font-size:16px;color:{tokens.heading}",
        "h6": f"margin:14px 0 6px;font-size:15px;color:{tokens.heading}",
        "a": f"color:{tokens.link}",
        "table": "border-collapse:collapse;width:100%;margin:0 0 14px;font-size:14px;line-height:1.4",
        "th": f"{cell};border-bottom:2px solid {tokens.separator};font-weight:bold",
        "td": cell,
        "blockquote": f"margin:0 0 12px;padding-left:12px;border-left:3px solid {tokens.rule}",
        "code": f"font-family:Consolas,Menlo,monospace;font-size:14px;background:{tokens.tint}",
        "pre": f"margin:0 0 12px;padding:8px;white-space:pre-wrap;background:{tokens.tint}",
    }


# --- the .eml -------------------------------------------------------------------------------


def _checked(name: str, value: str) -> str:
    """A header's text, refused again here whatever the model let through."""
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        message = _("header {name}: a line break or control character in {value}")
        raise LettreError(message.format(name=name, value=repr(value)))
    if char := hidden_character(value):
        message = _("header {name}: the invisible character {character}")
        raise LettreError(message.format(name=name, character=describe_character(char)))
    if word := encoded_word(value):
        message = _("header {name}: {word} would be decoded into other text")
        raise LettreError(message.format(name=name, word=repr(word[:40])))
    return value


def _checked_link(name: str, value: str) -> str:
    """A link that goes between < and > in a header: nothing in it may end it."""
    _checked(name, value)
    if found := HEADER_URL_BREAKERS.search(value):
        message = _("header {name}: {character} in the link {value}")
        raise LettreError(
            message.format(name=name, character=repr(found.group()), value=repr(value))
        )
    return value


def _set_body(
    message: EmailMessage, html: str, text: str, inline: Sequence[tuple[str, Variant]]
) -> None:
    """text/plain and text/html as alternatives; the images, if any, related to the HTML
    alone (inline, by Content-ID, without a file name that would list them as attachments)."""
    alternative = MIMEPart(policy=policy.SMTP)
    alternative.set_content(text, subtype="plain", cte="quoted-printable")
    if not inline:
        alternative.add_alternative(html, subtype="html", cte="quoted-printable")
    else:
        related = MIMEPart(policy=policy.SMTP)
        related.set_content(html, subtype="html", cte="quoted-printable")
        related.make_related()
        related.set_param("type", "text/html")
        for cid, variant in inline:
            image = MIMEPart(policy=policy.SMTP)
            # the headers as set_content writes them; the body in base64 lines of our own
            image.set_content(b"", "image", variant.subtype, cid=f"<{cid}>", disposition="inline")
            image.set_payload(base64_lines(variant.data))
            related.attach(image)
        alternative.make_alternative()
        alternative.attach(related)
    message.set_payload(alternative.get_payload())
    message["Content-Type"] = alternative["Content-Type"]


def build_message(
    loaded: LoadedIssue, html: str, text: str, inline: Sequence[tuple[str, Variant]]
) -> bytes:
    """The RFC 5322 message, same bytes for the same input.

    `inline` pairs each Content-ID with its image: with any, the message is
    multipart/alternative(text/plain, multipart/related(text/html, images…)), the tree every
    mail program reads as one message with pictures, not as attachments.
    """
    publication = loaded.publication
    digest = hashlib.sha256(
        b"\0".join([html.encode(), text.encode(), *(v.data for _cid, v in inline)])
    ).hexdigest()
    message = EmailMessage(policy=policy.SMTP)
    sender = Address(_checked("From", publication.sender.name), addr_spec=publication.sender.email)
    domain = publication.sender.email.rsplit("@", 1)[1]
    message["Subject"] = _checked("Subject", loaded.title)
    message["From"] = sender
    message["To"] = sender
    if publication.reply_to:
        message["Reply-To"] = _checked("Reply-To", publication.reply_to)
    sent = datetime(*loaded.issue.date.timetuple()[:3], 8, 0, tzinfo=ZoneInfo("Europe/Paris"))
    message["Date"] = format_datetime(sent)
    message["Message-ID"] = f"<{digest[:32]}@{domain}>"
    if publication.unsubscribe:
        message["List-Unsubscribe"] = (
            f"<{_checked_link('List-Unsubscribe', publication.unsubscribe)}>"
        )
        if publication.unsubscribe.startswith("https:"):
            message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    # RFC 2919: what mail programs file and filter the letter by, the same every week
    message["List-Id"] = (
        f"{_checked('List-Id', publication.name)} <{publication.file_slug}.{domain}>"
    )
    message["MIME-Version"] = "1.0"
    _set_body(message, html, text, inline)
    for number, part in enumerate(message.walk()):
        if part.is_multipart():
            part.set_boundary(f"=_lettre_{number}_{digest[32:56]}")
    written = io.BytesIO()
    _Generator(written, mangle_from_=False, policy=message.policy).flatten(message)
    return written.getvalue()


BASE64_LINE = 76
"""The length of a line of base64 in a message: 57 bytes encoded, as the email package and
RFC 2045 write them."""


def base64_lines(data: bytes) -> str:
    """`data` in base64, in lines of BASE64_LINE characters: what the email package's own
    encoder writes (which encodes each line's 57 bytes by a call of its own, in Python)."""
    if not data:
        return ""
    encoded = binascii.b2a_base64(data, newline=False).decode("ascii")
    lines = [encoded[i : i + BASE64_LINE] for i in range(0, len(encoded), BASE64_LINE)]
    return "\n".join(lines) + "\n"


class _Generator(BytesGenerator):
    """The email package's writer of messages, but for the lines of a body: written at
    once, not one call (and one encoding) a line. The same bytes (tests/test_email_parts.py)."""

    def _write_lines(self, lines: str) -> None:
        if "\r" not in lines:  # each "\n" made the policy's line ending, the rest as it is
            self.write(lines.replace("\n", self._NL))  # type: ignore[attr-defined]
            return
        parts = _LINE_ENDS.split(lines)
        if len(parts) > 1:
            self.write(self._NL.join(parts[:-1]) + self._NL)  # type: ignore[attr-defined]
        if parts[-1]:
            self.write(parts[-1])


_LINE_ENDS = re.compile(r"\r\n|\r|\n")
"""What the email package's writer takes for the end of a line (email.generator.NLCRE)."""
