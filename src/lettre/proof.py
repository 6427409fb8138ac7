"""The "bon à tirer": one report of everything to look at before an issue is sent.

`lettre proof PATH` builds the issue, then writes dist/DATE/<stem>-bat.html (a self-contained
page, in the publication's language) and prints its summary: subject and preheader with
their lengths, the email's weight against Gmail's clip, every image with its alt text,
credit and print resolution, every link (checked over HTTP with `--links`) and those
already sent in the last 8 issues, contrast, the parity of the three editions, the
warnings, and the sommaire's page numbers. What would stop `lettre send` is a blocker: the
command then exits with status 1.

Where things are printed comes from the print edition's own layout (`print_layout`):
the same HTML, CSS, images and fonts laid out by WeasyPrint as the build does it, so an
article's page is the page its anchor lands on in the PDF lettre made (a test holds the two
to the same pages through the PDF's named destinations).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser
from pathlib import Path

from lettre import decisions
from lettre import links as weblinks
from lettre import names as outputs
from lettre.build import Options
from lettre.checks import MAX_PREHEADER, MAX_TITLE
from lettre.errors import LettreError
from lettre.i18n import LABELS
from lettre.load import load_issue, load_publication
from lettre.mail import GMAIL_CLIP
from lettre.messages import _
from lettre.model import LoadedIssue
from lettre.output import write_atomic
from lettre.pipeline import build_all
from lettre.proof_layout import Layout, print_layout
from lettre.repo import Repository, is_issue_name
from lettre.templates import environment, render
from lettre.theme import MINIMUM_CONTRAST, contrast, theme

PREVIOUS_ISSUES = 8
"""Links already sent in this many issues before are pointed out."""
LOW_PPI = 200
"""Under this resolution at its printed size, a photo looks soft on paper."""


@dataclass(frozen=True)
class ImageRow:
    src: str
    alt: str
    credit: str | None
    ppi: int | None
    """Pixels per inch at the printed size (the smallest where it is printed twice)."""
    page: int | None


@dataclass(frozen=True)
class ParityRow:
    kind: str
    title: str
    email: bool
    text: bool
    page: int | None


@dataclass(frozen=True)
class ContrastRow:
    what: str
    foreground: str
    background: str
    ratio: float


@dataclass
class Proof:
    """Everything the report shows; `blockers` is what would stop a send."""

    issue: str
    stem: str
    language: str
    subject: str
    preheader: str
    weight: int
    images: list[ImageRow] = field(default_factory=list)
    links: list[weblinks.Link] = field(default_factory=list)
    checked: bool = False
    """Whether the links were checked over HTTP (--links)."""
    contrasts: list[ContrastRow] = field(default_factory=list)
    parity: list[ParityRow] = field(default_factory=list)
    warnings: list[decisions.Decided] = field(default_factory=list)
    """Every warning, with whether an `accept:` decided it (an accepted one blocks nothing)."""
    contents: list[tuple[int, str, int | None]] = field(default_factory=list)
    """The sommaire: (level, title, page)."""
    pages: int = 0
    blockers: list[str] = field(default_factory=list)

    clip: int = GMAIL_CLIP
    max_subject: int = MAX_TITLE
    max_preheader: int = MAX_PREHEADER
    low_ppi: int = LOW_PPI
    minimum_contrast: float = MINIMUM_CONTRAST


def make_proof(repo: Repository, folder: Path, out: Path, check_links: bool = False) -> Proof:
    """Build the issue at `folder` into `out` and gather its proof."""
    [outcome] = build_all(repo, [folder], out, Options(), jobs=1)
    if outcome.status == "failed":
        said = [str(p) for p in outcome.problems]
        raise LettreError(
            "\n".join(
                [
                    *said,
                    _("{issue} cannot be proofed: {error}; fix it (lettre check {issue})").format(
                        issue=repo.shown(folder), error=outcome.error
                    ),
                ]
            )
        )
    loaded = _loaded(repo, folder)
    named, output = outputs.names(loaded), outcome.output
    stem = named.stem
    mail_html, text = _email_parts((output / named.eml).read_bytes())
    layout = print_layout(loaded, repo, out)
    proof = Proof(
        issue=repo.shown(folder),
        stem=stem,
        language=loaded.publication.language,
        subject=loaded.title,
        preheader=loaded.issue.preheader or "",
        weight=len(mail_html.encode()),
        warnings=decisions.issue_warnings(repo, folder, outcome.warnings),
        pages=layout.pages,
    )
    proof.images = _images(loaded, layout)
    proof.parity = _parity(loaded, mail_html, text, layout)
    proof.contents = _contents(loaded, layout)
    proof.contrasts = _contrasts(loaded)
    proof.links = weblinks.collect(loaded, _previous(repo, loaded))
    proof.checked = check_links
    if check_links:
        weblinks.check_all(proof.links)
    proof.blockers = _blockers(proof)
    return proof


def _loaded(repo: Repository, folder: Path) -> LoadedIssue:
    publication = load_publication(repo).value
    loaded = load_issue(repo, folder, publication).value if publication else None
    if loaded is None:  # built a moment ago: only a file changed meanwhile gets here
        raise LettreError(
            _("{issue} has errors; run lettre check").format(issue=repo.shown(folder))
        )
    return loaded


def _email_parts(eml: bytes) -> tuple[str, str]:
    """The HTML and the text part of the message as it will be sent."""
    message = BytesParser(policy=policy.default).parsebytes(eml)
    parts = []
    for kind in ("html", "plain"):
        part = message.get_body(preferencelist=(kind,))
        parts.append(str(part.get_content()) if part is not None else "")
    return parts[0], parts[1]


def _previous(repo: Repository, loaded: LoadedIssue) -> list[LoadedIssue]:
    """The issues before this one (at most PREVIOUS_ISSUES), newest first, those that load."""
    day = loaded.issue.date.isoformat()
    names = sorted(f.name for f in repo.issue_folders() if is_issue_name(f.name) and f.name < day)
    found = []
    for name in reversed(names[-PREVIOUS_ISSUES:]):
        previous = load_issue(repo, repo.bulletins / name, loaded.publication).value
        if previous is not None:
            found.append(previous)
    return found


def _images(loaded: LoadedIssue, layout: Layout) -> list[ImageRow]:
    rows = []
    for image in dict.fromkeys(loaded.issue.images()):
        shown = layout.images.get(image.src)
        rows.append(
            ImageRow(
                image.src,
                image.alt,
                image.credit,
                shown.ppi if shown else None,
                shown.page if shown else None,
            )
        )
    return rows


_TAG = re.compile(r"<[^>]*>")
_INVISIBLE = re.compile("[\u00ad\u200b\u2060]")  # soft hyphen, break opportunities


def _plain(text: str) -> str:
    """Text as a reader finds it: no markup, no invisible break, spaces folded."""
    return " ".join(_INVISIBLE.sub("", html.unescape(text)).split())


def _parity(loaded: LoadedIssue, mail_html: str, text: str, layout: Layout) -> list[ParityRow]:
    labels = _labels(loaded.publication.language)
    in_mail = _plain(_TAG.sub(" ", mail_html))
    in_text = _plain(text)
    rows = []
    for n, headline in enumerate(loaded.issue.headlines, 1):
        title = _plain(headline.title)
        rows.append(
            ParityRow(
                labels["headline_n"].format(n=n),
                headline.title,
                title in in_mail,
                title in in_text,
                layout.headlines.get(n),
            )
        )
    for s, section in enumerate(loaded.issue.sections, 1):
        for a, article in enumerate(section.articles, 1):
            title = _plain(article.title)
            rows.append(
                ParityRow(
                    f"{section.title} › {a}",
                    article.title,
                    title in in_mail,
                    title in in_text,
                    layout.anchors.get(f"article-{s}-{a}"),
                )
            )
    return rows


def _contents(loaded: LoadedIssue, layout: Layout) -> list[tuple[int, str, int | None]]:
    labels = LABELS[loaded.publication.language]
    rows = [(1, labels["headlines"], layout.anchors.get("a-la-une"))]
    if loaded.issue.editorial:
        title = loaded.issue.editorial.title or labels["editorial"]
        rows.append((1, title, layout.anchors.get("editorial")))
    for s, section in enumerate(loaded.issue.sections, 1):
        rows.append((1, section.title, layout.anchors.get(f"rubrique-{s}")))
        for a, article in enumerate(section.articles, 1):
            rows.append((2, article.title, layout.anchors.get(f"article-{s}-{a}")))
    return rows


def _contrasts(loaded: LoadedIssue) -> list[ContrastRow]:
    tokens = theme(loaded.publication.colors)
    labels = _labels(loaded.publication.language)
    pairs = {
        "text_": (tokens.text, tokens.card),
        "links_": (tokens.link, tokens.card),
        "headings": (tokens.heading, tokens.card),
        "muted": (tokens.muted, tokens.card),
        "masthead": (tokens.on_primary, tokens.primary),
        "dark_text": (tokens.dark_text, tokens.dark_card),
        "dark_links": (tokens.dark_link, tokens.dark_card),
    }
    return [
        ContrastRow(labels[what], fg, bg, round(contrast(fg, bg), 2))
        for what, (fg, bg) in pairs.items()
    ]


def _blockers(proof: Proof) -> list[str]:
    """What `lettre send` would refuse, or what a reader would miss."""
    found = [w.text for w in proof.warnings if not w.accepted]  # each says it is a warning
    if proof.weight >= proof.clip:
        found.append(
            _(
                "the email weighs {size} bytes; Gmail clips it from {clip}: shorten the issue"
            ).format(size=f"{proof.weight:,}", clip=f"{proof.clip:,}")
        )
    for row in proof.parity:
        missing = [
            name
            for name, present in (("email", row.email), ("text", row.text), ("PDF", row.page))
            if not present
        ]
        if missing:
            found.append(
                _("« {title} » is missing from: {editions}").format(
                    title=row.title, editions=", ".join(missing)
                )
            )
    for link in proof.links:
        if link.broken:
            found.append(
                _("broken link: {url} ({status})").format(url=link.url, status=link.status)
            )
    for shade in proof.contrasts:
        if shade.ratio < proof.minimum_contrast:
            found.append(
                _("contrast {ratio}:1 for {what}, under {minimum}:1: choose darker colours").format(
                    ratio=shade.ratio, what=shade.what, minimum=proof.minimum_contrast
                )
            )
    return found


def write_report(repo: Repository, proof: Proof, output: Path) -> Path:
    """The report, through an atomic write, next to the issue's outputs."""
    env = environment(repo.root / "templates", proof.language)
    page = render(
        env,
        "proof.html.j2",
        dict(
            proof=proof,
            labels=_labels(proof.language),
            theme=theme_tokens(),
            number=lambda n: f"{n:,}".replace(",", "\u202f" if proof.language == "fr" else ","),
        ),
    )
    path = output / (proof.stem + outputs.PROOF_SUFFIX)
    write_atomic(path, page)
    return path


def theme_tokens() -> dict[str, str]:
    return {"ok": "#1b6e3a", "bad": "#b00020", "warn": "#8a5a00", "rule": "#d5dbe3"}


def summary(proof: Proof) -> list[str]:
    """The terminal's summary: one line per point, the blockers last."""
    lines = [
        _("{issue}: proof (bon à tirer)").format(issue=proof.issue),
        _("  subject ({count}/{limit} characters): {text}").format(
            count=len(proof.subject), limit=proof.max_subject, text=proof.subject
        ),
        _("  preheader ({count}/{limit} characters): {text}").format(
            count=len(proof.preheader), limit=proof.max_preheader, text=proof.preheader
        ),
        _("  email: {size} bytes of {clip} before Gmail clips it").format(
            size=f"{proof.weight:,}", clip=f"{proof.clip:,}"
        ),
        _("  print: {pages} pages").format(pages=proof.pages),
    ]
    for image in proof.images:
        lines.append(
            _("  image {src}: alt « {alt} », credit {credit}, {ppi} ppi printed").format(
                src=image.src,
                alt=image.alt,
                credit=image.credit or "—",
                ppi=image.ppi if image.ppi is not None else "—",
            )
        )
    for link in proof.links:
        status = link.status if proof.checked else _("not checked (lettre proof --links)")
        lines.append(_("  link {url}: {status}").format(url=link.url, status=status))
        if link.sent_before:
            lines.append(_("    already sent on {dates}").format(dates=", ".join(link.sent_before)))
    for row in proof.parity:
        lines.append(
            _("  {item}: « {title} »: email {email}, text {text}, PDF page {page}").format(
                item=row.kind,
                title=row.title,
                email=_tick(row.email),
                text=_tick(row.text),
                page=row.page if row.page is not None else "✗",
            )
        )
    lines += [_("  blocks the send: {what}").format(what=b) for b in proof.blockers]
    return lines


def _tick(present: bool) -> str:
    return "✓" if present else "✗"


def _labels(language: str) -> dict[str, str]:
    return LABELS[language] | _PROOF_LABELS[language]


_PROOF_LABELS = {
    "fr": {
        "title": "Bon à tirer",
        "subject": "Objet",
        "preheader": "Texte d’aperçu",
        "characters": "caractères",
        "weight": "Poids du courriel",
        "clip": "Gmail coupe à partir de",
        "bytes": "octets",
        "images": "Images",
        "alt": "Texte de remplacement",
        "credit": "Crédit",
        "ppi": "Résolution imprimée (ppp)",
        "page": "Page",
        "links": "Liens",
        "link": "lien",
        "status": "État",
        "unchecked": "non vérifié (lettre proof --links)",
        "sent_before": "déjà envoyé le",
        "contrast": "Contraste",
        "parity": "Présence dans les trois éditions",
        "item": "Élément",
        "email": "Courriel",
        "text": "Texte",
        "pdf": "PDF (page)",
        "warnings": "Avertissements",
        "accepted": "Accepté",
        "yes": "oui",
        "no_warning": "Aucun avertissement.",
        "contents": "Sommaire (pages du PDF)",
        "blockers": "Ce qui bloque l’envoi",
        "ready": "Rien ne bloque l’envoi.",
        "headline_n": "À la une, {n}",
        "text_": "texte",
        "links_": "liens",
        "headings": "titres",
        "muted": "texte discret",
        "masthead": "bandeau",
        "dark_text": "texte (mode sombre)",
        "dark_links": "liens (mode sombre)",
        "where": "Où",
        "low": "faible",
    },
    "en": {
        "title": "Proof",
        "subject": "Subject",
        "preheader": "Preheader",
        "characters": "characters",
        "weight": "Email weight",
        "clip": "Gmail clips from",
        "bytes": "bytes",
        "images": "Images",
        "alt": "Alt text",
        "credit": "Credit",
        "ppi": "Printed resolution (ppi)",
        "page": "Page",
        "links": "Links",
        "link": "link",
        "status": "Status",
        "unchecked": "not checked (lettre proof --links)",
        "sent_before": "already sent on",
        "contrast": "Contrast",
        "parity": "Present in the three editions",
        "item": "Item",
        "email": "Email",
        "text": "Text",
        "pdf": "PDF (page)",
        "warnings": "Warnings",
        "accepted": "Accepted",
        "yes": "yes",
        "no_warning": "No warning.",
        "contents": "Contents (PDF pages)",
        "blockers": "What blocks the send",
        "ready": "Nothing blocks the send.",
        "headline_n": "Headline {n}",
        "text_": "text",
        "links_": "links",
        "headings": "headings",
        "muted": "muted text",
        "masthead": "masthead",
        "dark_text": "text (dark mode)",
        "dark_links": "links (dark mode)",
        "where": "Where",
        "low": "low",
    },
}
