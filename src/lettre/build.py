"""Building one issue's editions: the table of contents of lettre's work.

Each edition is a function from the loaded issue to its files and warnings (EDITIONS):
  print: images for print → print HTML + CSS → PDF/A
  web:   images for the screen → the web page (every article whole)
  email: images for the screen → email HTML (within Gmail's budget) → text part → .eml
then every file written atomically (`pipeline.py` decides which issues to build). Every
file's name and address comes from `names.py`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2.sandbox import SandboxedEnvironment

from lettre import mail, outlook, pdf, web
from lettre.codes import coded
from lettre.errors import LettreError
from lettre.images import EMAIL as EMAIL_IMAGES
from lettre.images import (
    PRINT,
    Variant,
    email_variant,
    read_once,
    svg_variant,
    variant,
    variant_cache,
)
from lettre.images import variants as images_for
from lettre.messages import _, quoted
from lettre.model import LoadedIssue
from lettre.names import Names, names
from lettre.options import EMAIL as EMAIL  # re-exported: callers found them here
from lettre.options import PRINT_EDITION as PRINT_EDITION
from lettre.options import WEB as WEB
from lettre.options import ImageMode as ImageMode
from lettre.options import Options as Options
from lettre.output import inside, write_together
from lettre.repo import Repository
from lettre.stamps import STAMP
from lettre.templates import environment
from lettre.theme import theme

log = logging.getLogger(__name__)

LOGO_HEIGHT, LOGO_MAX_WIDTH = 56, 160
"""The logo is at most 56 px high and 160 px wide: its column on the plate is 30 % of 536 px."""


@dataclass
class Editions:
    """Every file of an issue's output folder, by its name there, and the warnings."""

    files: dict[str, bytes] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Setting:
    """What an edition is given beside the issue."""

    repo: Repository
    out: Path
    """The output folder: its image cache (out/.cache/images)."""
    options: Options
    names: Names
    made: Mapping[str, bytes]
    """The files the editions before it made (the email and the web page give the PDF's
    size)."""


Edition = Callable[[LoadedIssue, Setting], Editions]
"""An edition: the loaded issue → its files (name → bytes) and its warnings."""


def make_editions(loaded: LoadedIssue, repo: Repository, out: Path, options: Options) -> Editions:
    """The editions `options` names, in memory (images are cached in out/)."""
    unknown = sorted(set(options.editions) - set(EDITIONS))
    if unknown:
        raise LettreError(
            _("no edition named {names}; the editions are {known}").format(
                names=", ".join(unknown), known=", ".join(EDITIONS)
            )
        )
    made = Editions()
    with read_once():  # every edition shows the same pictures
        for name, edition in EDITIONS.items():
            if options.builds(name):
                setting = Setting(repo, out, options, names(loaded), dict(made.files))
                one = edition(loaded, setting)
                made.files |= one.files
                made.warnings += one.warnings
    return made


def write_editions(
    folder: Path, editions: Editions, previous: set[str] | None = None, stamp: bytes = b""
) -> None:
    """Write every file and the `stamp` together (all or none: see output.write_together),
    then remove the files of the `previous` build (the names its stamp lists) that this one
    no longer makes: lettre deletes only what it wrote, and only inside `folder`."""
    files = dict(editions.files)
    if stamp:
        files[STAMP] = stamp  # last: renamed once every output is in place
    write_together(folder, files)
    for name in sorted((previous or set()) - set(editions.files)):
        if name.startswith("images/"):  # kept versions (-v1) are never in a stamp
            log.debug("removing stale %s", name)
            try:
                inside(folder, name).unlink(missing_ok=True)
            except OSError as error:
                message = _("cannot remove {path}: {reason}")
                raise LettreError(
                    message.format(path=folder / name, reason=error.strerror)
                ) from None


def email_edition(loaded: LoadedIssue, setting: Setting) -> Editions:
    """The email's HTML, text and .eml, and its images; with the warnings to give."""
    variants = _variants(loaded, cache_folder(setting.out))
    named = setting.names
    links = web.links(loaded, named, setting.made)
    html_env, text_env = _environments(loaded, setting.repo)
    last_mjml = [""]

    def render(url: Callable[[Variant], str], shortened: frozenset[mail.ArticleKey]) -> str:
        ctx = _context(loaded, variants, url, links, shortened)
        last_mjml[0] = mail.render_mjml(html_env, ctx)
        return mail.compile_mjml(last_mjml[0])

    mode = setting.options.image_mode(loaded)
    mail_url = _hosted_url(named) if mode is ImageMode.HOSTED else _cid_url
    mail_html, shortened = mail.fit_to_budget(lambda s: render(mail_url, s), loaded.issue)
    layout = outlook.problems(last_mjml[0], mail_html)
    shown_html = render(_relative_url, shortened)
    text_ctx = _context(loaded, variants, _relative_url, links, shortened)
    text = mail.render_text(text_env, text_ctx)
    inline = [(_cid(v), v) for v in variants.values()] if mode is ImageMode.CID else []
    files = {
        named.email: shown_html.encode(),
        named.text: text.encode(),
        named.eml: mail.build_message(loaded, mail_html, text, inline),
    }
    files |= {named.image(v.name): v.data for v in variants.values()}
    layout = [coded("outlook-width", warning) for warning in layout]
    return Editions(files, layout + _budget_warnings(loaded, mail_html, shortened))


def web_edition(loaded: LoadedIssue, setting: Setting) -> Editions:
    """The web page: every article whole, for a browser from 320 to 1440 px."""
    variants = _variants(loaded, cache_folder(setting.out))
    named = setting.names
    env = environment(setting.repo.root / "templates", loaded.publication.language)
    first = next((i.src for i in loaded.issue.images() if i.src in variants), None)
    pictures = web.Pictures(
        url=lambda src: _relative_url(variants[src]),
        pixels=lambda src: (variants[src].width, variants[src].height),
        logo=_logo(variants.get(""), _relative_url),
        logo_dark=_logo(variants.get(DARK_LOGO), _relative_url),
        share=named.image_url(variants[first].name) if first else None,
    )
    page = web.render_web(env, loaded, named, setting.made, pictures)
    files = {named.web: page.encode()}
    files |= {named.image(v.name): v.data for v in variants.values()}
    return Editions(files)


def print_edition(loaded: LoadedIssue, setting: Setting) -> Editions:
    """The PDF/A, and the printer's copy (crop marks, bleed) when the options ask for it."""
    files = {setting.names.pdf: _print_edition(loaded, setting.repo, setting.out, marks=False)}
    if setting.options.print_marks:
        pdf_marks = _print_edition(loaded, setting.repo, setting.out, marks=True)
        files[setting.names.printer_pdf] = pdf_marks
    return Editions(files)


EDITIONS: dict[str, Edition] = {
    PRINT_EDITION: print_edition,
    WEB: web_edition,
    EMAIL: email_edition,
}
"""Every edition, in the order they are made: the print edition first, since the web page
and the email give the PDF's size."""


def _print_edition(loaded: LoadedIssue, repo: Repository, out: Path, *, marks: bool) -> bytes:
    html, css, variants = print_sources(loaded, repo, out, marks=marks)
    return pdf.render_pdf(
        html, css, loaded, pdf.resources(variants),
        publication_file=repo.publication_file,
    )  # fmt: skip


def print_sources(
    loaded: LoadedIssue, repo: Repository, out: Path, *, marks: bool
) -> tuple[str, str, dict[str, Variant]]:
    """The print edition's HTML, CSS and images (by src; the logo under ""): what the PDF is
    laid out from, by the build and by the proof alike."""
    cache = cache_folder(out)
    variants = images_for(loaded.images, PRINT, cache)
    if loaded.logo and loaded.logo.format == "SVG":  # checked: shapes only; print keeps it vector
        variants[""] = svg_variant(loaded.logo)
    elif loaded.logo:
        variants[""] = variant(loaded.logo, PRINT, cache)
    language, overrides = loaded.publication.language, repo.root / "templates"
    html = pdf.render_html(environment(overrides, language), loaded, variants)
    css = pdf.render_css(environment(overrides, language, html=False), loaded, marks=marks)
    return html, css, variants


def _environments(
    loaded: LoadedIssue, repo: Repository
) -> tuple[SandboxedEnvironment, SandboxedEnvironment]:
    language = loaded.publication.language
    styles = mail.email_styles(theme(loaded.publication.colors))
    overrides = repo.root / "templates"
    return (
        environment(overrides, language, styles=styles),
        environment(overrides, language, html=False),
    )


def cache_folder(out: Path) -> Path:
    """The image cache, out/.cache/images: refused if a link takes it out of `out` (lettre
    would read and write there, outside every folder it was given)."""
    cache = variant_cache(out)
    for path in (cache.parent, cache):
        if path.is_symlink():
            raise LettreError(
                _("{path} is a symbolic link, not lettre's; remove it").format(path=path)
            )
    return cache


DARK_LOGO = "\0dark"
"""The dark logo's key among the variants (no src holds a NUL; the logo's is "")."""


def _variants(loaded: LoadedIssue, cache: Path) -> dict[str, Variant]:
    """Every image of the issue made ready for the screen, by src ("" for the logo)."""
    variants = images_for(loaded.images, EMAIL_IMAGES, cache)
    for key, logo in (("", loaded.logo), (DARK_LOGO, loaded.logo_dark)):
        if logo and logo.format != "SVG":
            variants[key] = email_variant(logo, cache)
    return variants


def _logo(image: Variant | None, url: Callable[[Variant], str]) -> dict[str, Any] | None:
    """The logo as shown: {src, width, height}, its aspect ratio kept to the pixel."""
    if not image:
        return None
    width, height = outlook.fit(image.width, image.height, LOGO_MAX_WIDTH, LOGO_HEIGHT, exact=True)
    return {"src": url(image), "width": width, "height": height}


def _context(
    loaded: LoadedIssue,
    variants: dict[str, Variant],
    url: Callable[[Variant], str],
    links: web.Links,
    shortened: frozenset[mail.ArticleKey],
) -> mail.EmailContext:
    def image_width(src: str, box: int) -> int:
        image = variants[src]
        return outlook.fit(image.width, image.height, box)[0]

    return mail.context(
        loaded,
        image_url=lambda src: url(variants[src]),
        image_width=image_width,
        logo=_logo(variants.get(""), url),
        logo_dark=_logo(variants.get(DARK_LOGO), url),
        links=links,
        shortened=shortened,
    )


def _cid(variant: Variant) -> str:
    return f"{variant.name}@lettre"


def _cid_url(variant: Variant) -> str:
    return f"cid:{_cid(variant)}"


def _relative_url(variant: Variant) -> str:
    return Names.image(variant.name)


def _hosted_url(named: Names) -> Callable[[Variant], str]:
    def url(variant: Variant) -> str:
        address = named.image_url(variant.name)
        assert address, "hosted images need base_url (checked by the CLI)"
        return address

    return url


def _budget_warnings(
    loaded: LoadedIssue, html: str, shortened: frozenset[mail.ArticleKey]
) -> list[str]:
    warnings = []
    size = len(html.encode())
    if size >= mail.WARN_AT:
        message = _(
            "the email's HTML is {size} bytes; Gmail clips messages over {clip}: shorten the issue"
        ).format(size=f"{size:,}", clip=f"{mail.GMAIL_CLIP:,}")
        warnings.append(coded("email-weight", message))
    for s, a in sorted(shortened):
        title = loaded.issue.sections[s].articles[a].title
        message = _(
            "{title} is shortened in the email (title, summary and link) to stay under "
            "Gmail's limit; the print edition keeps it in full"
        ).format(title=quoted(title))
        warnings.append(coded("article-shortened", message))
    return warnings
