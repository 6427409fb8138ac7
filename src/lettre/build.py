"""Building one issue's editions: the table of contents of lettre's work.

images for email → email HTML (within Gmail's budget) → text part → .eml
images for print → print HTML + CSS → PDF/A
then every file written atomically (`pipeline.py` decides which issues to build)
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from jinja2.sandbox import SandboxedEnvironment

from lettre import mail, outlook, pdf
from lettre.errors import LettreError
from lettre.images import PRINT, Variant, email_variant, svg_variant, variant
from lettre.messages import _, quoted
from lettre.model import LoadedIssue
from lettre.output import inside, write_together
from lettre.repo import Repository
from lettre.stamps import STAMP
from lettre.templates import environment
from lettre.theme import theme

log = logging.getLogger(__name__)

LOGO_HEIGHT, LOGO_MAX_WIDTH = 56, 160
"""The logo is at most 56 px high and 160 px wide: its column on the plate is 30 % of 536 px."""


class ImageMode(Enum):
    CID = "cid"
    """Images travel inside the message, referenced by Content-ID (intranets, Outlook)."""
    HOSTED = "hosted"
    """Images are referenced by URL under base_url, and written next to the HTML for upload."""


@dataclass(frozen=True)
class Options:
    """How to build: the same options give the same bytes."""

    mode: ImageMode | None = None
    """None: cid without base_url, hosted with it."""
    print_marks: bool = False
    print_edition: bool = True
    """False for the preview's first, fast pass: the email alone."""

    def image_mode(self, loaded: LoadedIssue) -> ImageMode:
        if self.mode:
            return self.mode
        return ImageMode.HOSTED if loaded.publication.base_url else ImageMode.CID

    def as_dict(self) -> dict[str, str | bool | None]:
        return {
            "mode": self.mode.value if self.mode else None,
            "print_marks": self.print_marks,
            "print_edition": self.print_edition,
        }


@dataclass
class Editions:
    """Every file of an issue's output folder, by its name there, and the warnings."""

    files: dict[str, bytes] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def file_stem(loaded: LoadedIssue) -> str:
    return f"{loaded.publication.file_slug}-{loaded.issue.date.isoformat()}"


def make_editions(loaded: LoadedIssue, repo: Repository, out: Path, options: Options) -> Editions:
    """The email and print editions of one issue, in memory (images are cached in out/)."""
    stem = file_stem(loaded)
    files, warnings = _email_edition(loaded, repo, out, options.image_mode(loaded))
    if options.print_edition:
        files[f"{stem}.pdf"] = _print_edition(loaded, repo, out, marks=False)
    if options.print_edition and options.print_marks:
        files[f"{stem}-imprimeur.pdf"] = _print_edition(loaded, repo, out, marks=True)
    return Editions(files, warnings)


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


def _email_edition(
    loaded: LoadedIssue, repo: Repository, out: Path, mode: ImageMode
) -> tuple[dict[str, bytes], list[str]]:
    """The email's HTML, text and .eml, and its images; with the warnings to give."""
    variants = _variants(loaded, cache_folder(out))
    stem = file_stem(loaded)
    base = loaded.publication.base_url
    view_online = f"{base.rstrip('/')}/{loaded.issue.date}/{stem}.html" if base else None
    html_env, text_env = _environments(loaded, repo)
    last_mjml = [""]

    def render(url: Callable[[Variant], str], shortened: frozenset[mail.ArticleKey]) -> str:
        ctx = _context(loaded, variants, url, view_online, shortened)
        last_mjml[0] = mail.render_mjml(html_env, ctx)
        return mail.compile_mjml(last_mjml[0])

    mail_url = _hosted_url(loaded, base) if mode is ImageMode.HOSTED else _cid_url
    mail_html, shortened = mail.fit_to_budget(lambda s: render(mail_url, s), loaded.issue)
    layout = outlook.problems(last_mjml[0], mail_html)
    web_html = render(_relative_url, shortened)
    text_ctx = _context(loaded, variants, _relative_url, view_online, shortened)
    text = mail.render_text(text_env, text_ctx)
    inline = [(_cid(v), v) for v in variants.values()] if mode is ImageMode.CID else []
    files = {
        f"{stem}.html": web_html.encode(),
        f"{stem}.txt": text.encode(),
        f"{stem}.eml": mail.build_message(loaded, mail_html, text, inline),
    }
    files |= {f"images/{v.name}": v.data for v in variants.values()}
    return files, layout + _budget_warnings(loaded, mail_html, shortened)


def _print_edition(loaded: LoadedIssue, repo: Repository, out: Path, *, marks: bool) -> bytes:
    cache = cache_folder(out)
    variants = {src: variant(info, PRINT, cache) for src, info in loaded.images.items()}
    if loaded.logo and loaded.logo.format == "SVG":  # checked: shapes only; print keeps it vector
        variants[""] = svg_variant(loaded.logo)
    elif loaded.logo:
        variants[""] = variant(loaded.logo, PRINT, cache)
    language, overrides = loaded.publication.language, repo.root / "templates"
    html = pdf.render_html(environment(overrides, language), loaded, variants)
    css = pdf.render_css(environment(overrides, language, html=False), loaded, marks=marks)
    return pdf.render_pdf(
        html, css, loaded, pdf.resources(variants),
        publication_file=repo.publication_file,
    )  # fmt: skip


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
    cache = out / ".cache" / "images"
    for path in (cache.parent, cache):
        if path.is_symlink():
            raise LettreError(
                _("{path} is a symbolic link, not lettre's; remove it").format(path=path)
            )
    return cache


def _variants(loaded: LoadedIssue, cache: Path) -> dict[str, Variant]:
    """Every image of the issue made ready for email, by src ("" for the logo)."""
    variants = {src: email_variant(info, cache) for src, info in loaded.images.items()}
    if loaded.logo and loaded.logo.format != "SVG":
        variants[""] = email_variant(loaded.logo, cache)
    return variants


def _context(
    loaded: LoadedIssue,
    variants: dict[str, Variant],
    url: Callable[[Variant], str],
    view_online: str | None,
    shortened: frozenset[mail.ArticleKey],
) -> mail.EmailContext:
    logo = variants.get("")
    shown = None
    if logo:
        width, height = outlook.fit(
            logo.width, logo.height, LOGO_MAX_WIDTH, LOGO_HEIGHT, exact=True
        )
        shown = {"src": url(logo), "width": width, "height": height}

    def image_width(src: str, box: int) -> int:
        image = variants[src]
        return outlook.fit(image.width, image.height, box)[0]

    return mail.context(
        loaded,
        image_url=lambda src: url(variants[src]),
        image_width=image_width,
        logo=shown,
        view_online=view_online,
        shortened=shortened,
    )


def _cid(variant: Variant) -> str:
    return f"{variant.name}@lettre"


def _cid_url(variant: Variant) -> str:
    return f"cid:{_cid(variant)}"


def _relative_url(variant: Variant) -> str:
    return f"images/{variant.name}"


def _hosted_url(loaded: LoadedIssue, base: str | None) -> Callable[[Variant], str]:
    assert base, "hosted images need base_url (checked by the CLI)"
    return lambda variant: f"{base.rstrip('/')}/{loaded.issue.date}/images/{variant.name}"


def _budget_warnings(
    loaded: LoadedIssue, html: str, shortened: frozenset[mail.ArticleKey]
) -> list[str]:
    warnings = []
    size = len(html.encode())
    if size >= mail.WARN_AT:
        warnings.append(
            _(
                "the email's HTML is {size} bytes; Gmail clips messages over {clip}: "
                "shorten the issue"
            ).format(size=f"{size:,}", clip=f"{mail.GMAIL_CLIP:,}")
        )
    for s, a in sorted(shortened):
        title = loaded.issue.sections[s].articles[a].title
        warnings.append(
            _(
                "{title} is shortened in the email (title, summary and link) to stay under "
                "Gmail's limit; the print edition keeps it in full"
            ).format(title=quoted(title))
        )
    return warnings
