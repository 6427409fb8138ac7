"""What a valid model can still get wrong: files, dates, Markdown, and editorial warnings.

Runs after validation, on the model and the document it came from (for the places).
Errors stop a build; warnings are printed, and `--strict` makes them errors.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from lettre import images, markdown
from lettre.diagnostics import at, problem
from lettre.errors import Problem, Severity
from lettre.messages import N_, _
from lettre.model import Article, Headline, ImageInfo, Issue, Publication
from lettre.paths import PathProblem, resolve_inside
from lettre.repo import Repository
from lettre.theme import MINIMUM_CONTRAST, WHITE, contrast
from lettre.yamlfile import Document, Path_

WARN = Severity.WARNING
MAX_TITLE, MAX_SUMMARY, MAX_PREHEADER = 120, 300, 150
EMAIL_WIDTH = 600
PLACEHOLDERS = ("À COMPLÉTER", "TO BE WRITTEN")
"""What `lettre init` and `lettre new` write where text is missing; a warning until it is
replaced, and `send` and `publish` refuse it (see lettre.codes)."""
EXAMPLE_DOMAINS = re.compile(
    r"(?:^|\.)(?:example\.(?:org|com|net)|example|invalid|localhost)$", re.IGNORECASE
)
"""The domains reserved for examples (RFC 2606): what `lettre init` writes as the sender."""


def warning(doc: Document, path: Path_, code: str, message: str) -> Problem:
    """A warning at `path`, with its stable code."""
    return at(doc, path, message, WARN, code)


def publication_problems(
    publication: Publication, doc: Document, repo: Repository
) -> list[Problem]:
    problems: list[Problem] = []
    for key in ("logo", "logo_dark"):  # the dark variant is checked as the logo is
        try:
            info = logo_info(publication, repo, dark=key == "logo_dark")
        except (PathProblem, images.ImageProblem) as error:
            problems.append(at(doc, (key,), str(error)))
        else:
            if info and info.format == "SVG":
                message = _(
                    "most mail programs do not show SVG: the email will show the name only; "
                    "give a PNG"
                )
                problems.append(warning(doc, (key,), "logo-svg", message))
    if publication.email.articles == "teasers" and not publication.base_url:
        message = _(
            "teasers link each article to the web edition, which needs an address; add "
            "base_url (https://…) or write articles: full"
        )
        problems.append(at(doc, ("email", "articles"), message))
    if publication.footer:
        problems += _markdown(publication.footer, doc, ("footer",))
    ratio = contrast(publication.colors.primary, WHITE)
    if ratio < MINIMUM_CONTRAST:
        message = _(
            "white text on it has a contrast of {ratio}:1, under the {minimum}:1 "
            "readers need; headings will use the ink colour instead: choose a darker colour"
        ).format(ratio=f"{ratio:.1f}", minimum=MINIMUM_CONTRAST)
        problems.append(warning(doc, ("colors", "primary"), "contrast-low", message))
    if publication.unsubscribe and publication.unsubscribe.startswith("mailto:"):
        message = _(
            "only a mailto: link: Gmail and Yahoo ask bulk senders for one-click unsubscribe "
            "(RFC 8058), which needs an https:// link; give the list server's https address"
        )
        problems.append(warning(doc, ("unsubscribe",), "unsubscribe-mailto-only", message))
    problems += _example_addresses(publication, doc)
    for path, text in (
        (("name",), publication.name),
        (("organization",), publication.organization),
        (("sender", "name"), publication.sender.name),
    ):
        problems += _placeholder([text], doc, path, lettre="init")
    return problems + link_problems(repo)


def _example_addresses(publication: Publication, doc: Document) -> list[Problem]:
    """The sender (or reply-to) `lettre init` wrote, at an example domain, still there."""
    sender = _(
        "{address} is an example address (its domain is reserved for examples): mail from it "
        "is refused or lands in spam; give the address the cell sends from"
    )
    reply = _(
        "{address} is an example address (its domain is reserved for examples): replies to it "
        "are lost; give the address replies should reach, or remove reply_to"
    )
    found: list[tuple[Path_, str, str]] = [(("sender", "email"), publication.sender.email, sender)]
    if publication.reply_to:
        found.append((("reply_to",), publication.reply_to, reply))
    return [
        warning(doc, path, "example-sender", message.format(address=address))
        for path, address, message in found
        if EXAMPLE_DOMAINS.search(address.rpartition("@")[2].rstrip("."))
    ]


LINKED_FOLDERS = ("templates", "assets")
"""Folders whose files go into the editions whole: a link out of the repository is an error."""


def link_problems(repo: Repository) -> list[Problem]:
    """Every symbolic link under templates/ and assets/ that leads outside the repository
    (to a file or a folder) or into a loop: its target would go into the email."""
    root = repo.root.resolve()
    problems, visited, pending = [], set(), []
    for name in LINKED_FOLDERS:
        top = repo.root / name
        why = _link_problem(top, root) if top.is_symlink() else None
        if why:
            problems.append(Problem(name, 0, 0, "", why))
        else:
            pending.append(top)
    while pending:
        folder = pending.pop()
        real = Path(os.path.realpath(folder))
        if real in visited or not folder.is_dir():
            continue
        visited.add(real)
        try:
            entries = sorted(folder.iterdir())
        except OSError:
            continue  # unreadable: nothing of it can go into an edition either
        for path in entries:
            why = _link_problem(path, root) if path.is_symlink() else None
            if why:
                problems.append(Problem(repo.shown(path), 0, 0, "", why))
            elif path.is_dir():
                pending.append(path)
    return sorted(problems)


def _link_problem(link: Path, root: Path) -> str | None:
    try:
        target = link.resolve(strict=True)
    except FileNotFoundError:
        return None  # a broken link reads nothing; a template it names is simply not found
    except (OSError, RuntimeError):
        return _("a loop of symbolic links; remove the link")
    if not target.is_relative_to(root):
        return _(
            "a symbolic link to {target}, outside the newsletter repository; lettre reads no "
            "file outside it: replace the link by a copy of what it points to"
        ).format(target=target)
    return None


def logo_info(
    publication: Publication, repo: Repository, *, dark: bool = False
) -> ImageInfo | None:
    """The checked logo (`dark`: its dark-mode variant), or None when there is none."""
    name = publication.logo_dark if dark else publication.logo
    if not name:
        return None
    return images.inspect(resolve_inside(repo.root, repo.root, name), allow_svg=True)


def issue_problems(
    issue: Issue, doc: Document, repo: Repository, folder: Path, publication: Publication
) -> tuple[dict[str, ImageInfo], list[Problem]]:
    """The issue's images, by `src`, and every problem found in it."""
    problems: list[Problem] = []
    if issue.date.isoformat() != folder.name:
        problems.append(
            at(
                doc,
                ("date",),
                _(
                    "{date} does not match the folder's name ({folder}); "
                    "rename the folder or fix the date"
                ).format(date=issue.date, folder=folder.name),
            )
        )
    found: dict[str, ImageInfo] = {}
    checked = _checked_images(issue, repo, folder)
    for path, item in _items(issue):
        if item.image and item.image.src not in found:
            info = _image(checked[item.image.src], doc, (*path, "image", "src"), problems)
            if info:
                found[item.image.src] = info
        problems += _item_warnings(issue, item, doc, path)
    if issue.editorial:
        problems += _markdown(issue.editorial.body, doc, ("editorial", "body"))
        editorial = issue.editorial
        problems += _placeholder(
            [editorial.title, editorial.author, editorial.body], doc, ("editorial",)
        )
    problems += _placeholder([issue.title, issue.preheader], doc, ())
    problems += _issue_warnings(issue, doc)
    return found, problems


def _items(issue: Issue) -> Iterator[tuple[Path_, Headline | Article]]:
    for h, headline in enumerate(issue.headlines):
        yield ("headlines", h), headline
    for s, section in enumerate(issue.sections):
        for a, article in enumerate(section.articles):
            yield ("sections", s, "articles", a), article


def _checked_images(
    issue: Issue, repo: Repository, folder: Path
) -> dict[str, ImageInfo | PathProblem | images.ImageProblem]:
    """Each image of the issue, by `src`: checked (all decoded in one child), or refused."""
    sources = dict.fromkeys(item.image.src for _path, item in _items(issue) if item.image)
    checked: dict[str, ImageInfo | PathProblem | images.ImageProblem] = {}
    paths: dict[str, Path] = {}
    for src in sources:
        try:
            paths[src] = resolve_inside(repo.root, folder, src)
        except PathProblem as error:
            checked[src] = error
    found = images.inspect_files(list(paths.values()))
    checked |= dict(zip(paths, found, strict=True))
    return {src: checked[src] for src in sources}


def _image(
    info: ImageInfo | PathProblem | images.ImageProblem,
    doc: Document,
    path: Path_,
    problems: list[Problem],
) -> ImageInfo | None:
    if isinstance(info, PathProblem | images.ImageProblem):
        problems.append(at(doc, path, str(info)))
        return None
    if info.width < EMAIL_WIDTH:
        problems.append(
            warning(
                doc,
                path,
                "image-narrow",
                _(
                    "only {width} px wide; the email shows photos {email} px wide, "
                    "so it will look blurred"
                ).format(width=info.width, email=EMAIL_WIDTH),
            )
        )
    return info


def _markdown(source: str, doc: Document, path: Path_) -> list[Problem]:
    place = doc.place(path)
    return [
        problem(
            place.file,
            place.line + finding.line - 1,
            place.column,
            doc,
            path,
            finding.message,
            Severity.ERROR if finding.is_error else WARN,
            "" if finding.is_error else "markdown-html",  # lint's only warnings: HTML shown as text
        )
        for finding in markdown.lint(source)
    ]


def _item_warnings(
    issue: Issue, item: Headline | Article, doc: Document, path: Path_
) -> list[Problem]:
    problems = _length(item.title, MAX_TITLE, doc, (*path, "title"), "title")
    if item.summary:
        problems += _length(item.summary, MAX_SUMMARY, doc, (*path, "summary"), "summary")
    if item.date and item.date > issue.date and isinstance(item, Headline):
        problems.append(
            warning(
                doc,
                (*path, "date"),
                "date-after-issue",
                _("{date} is after the issue's date ({issue}); is it a typo?").format(
                    date=item.date, issue=issue.date
                ),
            )
        )
    body = item.body if isinstance(item, Article) else None
    if body:
        problems += _markdown(body, doc, (*path, "body"))
    if not item.url and not body:
        problems.append(warning(doc, path, "no-read-more", _no_read_more(item)))
    return problems + _placeholder([item.title, item.summary, body], doc, path)


def _no_read_more(item: Headline | Article) -> str:
    """The advice must be possible: a headline has no body, only a url."""
    if isinstance(item, Headline):
        return _(
            "no link: readers cannot read more than the summary; "
            "add a url (https://…) where they can"
        )
    return _("no link and no body: readers cannot read more than the summary; add a url or a body")


def _placeholder(
    texts: list[str | None], doc: Document, path: Path_, lettre: str = "new"
) -> list[Problem]:
    """The text `lettre init` or `lettre new` left to write, however it was retyped
    (accents or not: "A COMPLETER"); lowercase "à compléter" is an editor's own words."""
    for text in texts:
        plain = _unaccented(" ".join((text or "").split()))
        for placeholder in PLACEHOLDERS:
            if _unaccented(placeholder) in plain:
                message = _(
                    "still holds '{placeholder}' from `lettre {command}`: write the text; "
                    "send and publish refuse it"
                ).format(placeholder=placeholder, command=lettre)
                return [warning(doc, path, "placeholder", message)]
    return []


def _unaccented(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _issue_warnings(issue: Issue, doc: Document) -> list[Problem]:
    problems: list[Problem] = []
    if issue.title:
        problems += _length(issue.title, MAX_TITLE, doc, ("title",), "title")
    if issue.preheader:
        problems += _length(issue.preheader, MAX_PREHEADER, doc, ("preheader",), "preheader")
    for s, section in enumerate(issue.sections):
        problems += _length(section.title, MAX_TITLE, doc, ("sections", s, "title"), "title")
    return problems


_WHAT = {"title": N_("a title"), "summary": N_("a summary"), "preheader": N_("a preheader")}


def _length(text: str, limit: int, doc: Document, path: Path_, what: str) -> list[Problem]:
    if len(text) <= limit:
        return []
    message = _("{count} characters; keep {what} under {limit} so that readers take it in").format(
        count=len(text), what=_(_WHAT[what]), limit=limit
    )
    return [warning(doc, path, f"{what}-too-long", message)]
