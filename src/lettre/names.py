"""Every output's name and address, in one place.

The build writes these names, `send` finds the message by them, the archive and the preview
link to them, and each edition links to the others through them: none derives a name on its
own. An issue's files live in `out/<date>/`; with a `base_url` they are published under
`<base_url>/<date>/`, and the archive's catalogue at `<base_url>/`.
"""

from __future__ import annotations

from dataclasses import dataclass

from lettre.model import LoadedIssue, Publication

PROOF_SUFFIX = "-bat.html"
"""The proof ("bon à tirer"): <stem>-bat.html, never an output, never archived."""

IMAGES = "images"
"""The folder, inside an issue's output folder, of the images resized for the screen."""


@dataclass(frozen=True)
class Names:
    """The names and addresses of one issue's outputs."""

    stem: str
    """`<slug>-<date>`: every file of the issue starts with it."""
    date: str
    """The issue's date, YYYY-MM-DD: the name of its output folder."""
    base_url: str | None = None
    """Where the issue's folder is published, without the trailing slash."""

    @property
    def web(self) -> str:
        """The web edition: the page the archive, the feed and "view online" point to."""
        return f"{self.stem}.html"

    @property
    def email(self) -> str:
        """The email's HTML, as mail programs receive it (the .eml carries the same)."""
        return f"{self.stem}-email.html"

    @property
    def text(self) -> str:
        """The email's plain-text part."""
        return f"{self.stem}.txt"

    @property
    def eml(self) -> str:
        """The ready-to-send message."""
        return f"{self.stem}.eml"

    @property
    def pdf(self) -> str:
        """The print edition."""
        return f"{self.stem}.pdf"

    @property
    def printer_pdf(self) -> str:
        """The print edition with crop marks and bleed, for a printer."""
        return f"{self.stem}-imprimeur.pdf"

    @property
    def proof(self) -> str:
        """The proof report (`lettre proof`), beside the outputs but never one of them."""
        return f"{self.stem}{PROOF_SUFFIX}"

    @staticmethod
    def image(name: str) -> str:
        """An image resized for the screen, relative to the issue's folder."""
        return f"{IMAGES}/{name}"

    def _published(self, relative: str) -> str | None:
        return f"{self.base_url}/{self.date}/{relative}" if self.base_url else None

    @property
    def web_url(self) -> str | None:
        """The web edition's address, or None without a base_url."""
        return self._published(self.web)

    def anchor_url(self, anchor: str) -> str | None:
        """The address of a place (an article, a section) in the web edition."""
        return f"{self.web_url}#{anchor}" if self.web_url else None

    @property
    def pdf_url(self) -> str | None:
        return self._published(self.pdf)

    def image_url(self, name: str) -> str | None:
        """A hosted image's address, or None without a base_url."""
        return self._published(self.image(name))

    @property
    def archive_url(self) -> str | None:
        """The archive's catalogue (`lettre archive` writes it at the top of the output)."""
        return f"{self.base_url}/" if self.base_url else None


def names(loaded: LoadedIssue) -> Names:
    """The names of `loaded`'s outputs."""
    return of(loaded.publication, loaded.issue.date.isoformat())


def of(publication: Publication, date: str) -> Names:
    """The names of the issue of `date` (YYYY-MM-DD) of `publication`."""
    base = publication.base_url.rstrip("/") if publication.base_url else None
    return Names(f"{publication.file_slug}-{date}", date, base)


def article_id(section: int, article: int) -> str:
    """The id of an article (both counted from 1) in the web edition and the PDF alike."""
    return f"article-{section}-{article}"


def section_id(section: int) -> str:
    """The id of a section (counted from 1) in every edition."""
    return f"rubrique-{section}"
