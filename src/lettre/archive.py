"""The archive of every built issue: a catalogue, an Atom feed, a manifest and checksums.

dist/index.html    the catalogue, newest first, searchable offline
dist/search.js     its search index, loaded on the first search (see search.py)
dist/feed.xml      an Atom feed of the issues
dist/manifest.json per issue: n°, date, title, and each file's size and SHA-256
dist/SHA256SUMS    the same checksums, as `sha256sum -c` reads them

The archive is for published issues (those with bulletins/DATE/published.json); `--drafts`
adds the other built issues to the catalogue, the manifest and the checksums, marked as
drafts. The feed never carries a draft.
"""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path

from markupsafe import Markup

from lettre import names as outputs
from lettre.approval import is_proof
from lettre.errors import ContentError, LettreError
from lettre.i18n import LABELS, format_date
from lettre.load import check
from lettre.messages import _
from lettre.model import LoadedIssue, Publication
from lettre.output import MARKER, mark, marker, marker_text, write_together
from lettre.pdf import timestamp
from lettre.pipeline import check_output, locked
from lettre.publish import read_record
from lettre.repo import Repository, is_issue_name
from lettre.search import FOLD_JS, places, script
from lettre.stamps import (
    Stamp,
    digest,
    file_digest,
    fingerprint,
    input_files,
    settings,
    used_names,
)
from lettre.templates import environment, render
from lettre.theme import theme

ATOM = "http://www.w3.org/2005/Atom"


@dataclass(frozen=True)
class Entry:
    """One built issue, as the archive shows it."""

    loaded: LoadedIssue
    names: outputs.Names
    files: dict[str, tuple[int, str]]
    """File (relative to its output folder) → (size, SHA-256)."""
    published: bool = True
    """False for a draft: built, never published (no published.json)."""

    @property
    def date(self) -> str:
        return self.loaded.issue.date.isoformat()

    @property
    def stem(self) -> str:
        return self.names.stem


def entries(repo: Repository, out: Path) -> list[Entry]:
    """Every valid issue that has been built into `out`, newest first, drafts included.

    An issue built from other sources than it now has is an error: the catalogue would show
    one text and link to files made from another.
    """
    checked = check(repo)
    if checked.publication is None:
        raise ContentError(checked.problems)
    found, stale = [], []
    numbers = repo.numbers()
    for loaded in checked.issues:
        output = out / loaded.issue.date.isoformat()
        stamp = Stamp.load(output)
        if stamp is None or not stamp.outputs_intact(output):
            continue
        used = used_names(loaded, repo)
        inputs = input_files(repo, loaded.folder, loaded.publication.logo, used)
        current = settings(stamp.options, numbers.get(loaded.folder.name))
        if fingerprint(inputs, current, stamp.inputs)[0] != stamp.fingerprint:
            stale.append(repo.shown(loaded.folder))
            continue
        published = read_record(loaded.folder) is not None
        found.append(Entry(loaded, outputs.names(loaded), _files(output), published))
    if stale:
        raise LettreError(
            _("built from older sources: {issues}; run lettre build first").format(
                issues=", ".join(stale)
            )
        )
    return sorted(found, key=lambda e: e.date, reverse=True)


def _files(output: Path) -> dict[str, tuple[int, str]]:
    """Every file of an output folder (kept versions included), with its size and SHA-256,
    read in chunks; a link (lettre makes none) is refused, never followed."""
    found: dict[str, tuple[int, str]] = {}
    for folder, subfolders, names in os.walk(output):
        for name in sorted([*subfolders, *names]):
            path = Path(folder) / name
            if path.is_symlink():
                raise LettreError(
                    _(
                        "{path} is a symbolic link, which lettre never makes; remove it, then run "
                        "lettre build and lettre archive again"
                    ).format(path=path)
                )
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        for name in sorted(n for n in names if not n.startswith(".") and not is_proof(n)):
            path = Path(folder) / name
            found[path.relative_to(output).as_posix()] = (path.stat().st_size, file_digest(path))
    return dict(sorted(found.items()))


def left_out(repo: Repository, out: Path, found: list[Entry], drafts: bool = False) -> list[str]:
    """Output folders the archive does not list: no issue folder any more, its issue now has
    errors, or (without `drafts`) it is not published. Said, never silently dropped."""
    listed = {entry.date for entry in found if entry.published or drafts}
    notes = []
    for folder in sorted(p for p in out.iterdir() if p.is_dir() and is_issue_name(p.name)):
        if folder.name in listed:
            continue
        source = repo.bulletins / folder.name
        if not source.is_dir():
            why = _("its issue folder is gone")
        elif any(e.date == folder.name for e in found):
            why = _("not published (lettre publish), a draft: lettre archive --drafts lists it")
        else:
            why = _("its issue has errors (lettre check)")
        notes.append(
            _("{folder}: left out of the archive: {why}").format(folder=repo.shown(folder), why=why)
        )
    if found and not found[0].loaded.publication.base_url:
        notes.append(
            _(
                "{file}: no base_url: the feed's links are relative, which feed readers cannot "
                "follow; set base_url to the address the archive is published at"
            ).format(file=repo.shown(repo.publication_file))
        )
    return notes


def make_archive(
    repo: Repository, out: Path, drafts: bool = False
) -> tuple[list[Path], list[Entry]]:
    """Write the catalogue, its search index, the feed, the manifest and the checksums of the
    published issues (and, with `drafts`, the other built ones); return their paths, and
    every built issue (for `left_out`)."""
    check_output(repo, out)
    built = entries(repo, out)
    if not built:
        raise LettreError(
            _("no built issue in {folder}; run lettre build first").format(folder=out)
        )
    found = [e for e in built if e.published or drafts]
    publication = built[0].loaded.publication
    written = {
        "index.html": catalogue(repo, publication, found),
        "search.js": search_script(publication, found),
        "feed.xml": feed(publication, [e for e in found if e.published], built[0]),
        "manifest.json": manifest(found),
        "SHA256SUMS": checksums(found),
    }
    with locked(out):  # a build does not remove these temporaries under way
        mark(out)
        recorded = marker(out)
        for name in written:
            path = out / name
            if path.is_symlink() or (path.exists() and _sha(path) != recorded.get(name)):
                raise LettreError(
                    _(
                        "{path}: lettre did not write this file (or it was changed since); lettre "
                        "overwrites only its own: move it away, then run lettre archive again"
                    ).format(path=path)
                )
        recorded |= {name: digest(text.encode()) for name, text in written.items()}
        files = {name: text.encode() for name, text in written.items()}
        write_together(out, files | {MARKER: marker_text(recorded).encode()})  # all or none
    return [out / name for name in written], built


def _sha(path: Path) -> str | None:
    try:
        return file_digest(path)
    except OSError:
        return None


def manifest(found: list[Entry]) -> str:
    issues = [
        {
            "number": e.loaded.number,
            "date": e.date,
            "title": e.loaded.title,
            **({} if e.published else {"draft": True}),
            "files": [
                {"path": f"{e.date}/{name}", "size": size, "sha256": sha}
                for name, (size, sha) in e.files.items()
            ],
        }
        for e in found
    ]
    return json.dumps({"issues": issues}, indent=1, ensure_ascii=False) + "\n"


def checksums(found: list[Entry]) -> str:
    lines = [f"{sha}  {e.date}/{name}" for e in found for name, (_size, sha) in e.files.items()]
    return "\n".join(lines) + "\n"


def _link(entry: Entry, extension: str) -> str:
    named = entry.names
    if extension == "pdf":
        return named.pdf_url or f"{entry.date}/{named.pdf}"
    return named.web_url or f"{entry.date}/{named.web}"


XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def feed(publication: Publication, published: list[Entry], newest: Entry) -> str:
    """An Atom feed of the published issues, newest first; `newest` (the newest built issue)
    dates an empty feed. Links are absolute under base_url (relative without it)."""
    ET.register_namespace("", ATOM)
    root = ET.Element(f"{{{ATOM}}}feed", {XML_LANG: publication.language})
    base = publication.base_url.rstrip("/") if publication.base_url else None
    _text(root, "id", f"{base}/" if base else f"urn:lettre:{publication.file_slug}")
    _text(root, "title", publication.name)
    _text(root, "updated", timestamp((published[0] if published else newest).loaded))
    author = ET.SubElement(root, f"{{{ATOM}}}author")
    _text(author, "name", publication.organization)
    if base:
        ET.SubElement(root, f"{{{ATOM}}}link", rel="self", href=f"{base}/feed.xml")
        ET.SubElement(root, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=f"{base}/")
    for entry in published:
        item = ET.SubElement(root, f"{{{ATOM}}}entry")
        _text(item, "id", _link(entry, "html") if base else f"urn:lettre:{entry.stem}")
        _text(item, "title", entry.loaded.title)
        _text(item, "updated", timestamp(entry.loaded))
        ET.SubElement(
            item,
            f"{{{ATOM}}}link",
            rel="alternate",
            type="text/html",
            href=_link(entry, "html"),
        )
        pdf = entry.files.get(entry.names.pdf)
        enclosure = {"rel": "enclosure", "type": "application/pdf"}
        enclosure["href"] = _link(entry, "pdf")
        if pdf:
            enclosure["length"] = str(pdf[0])
        ET.SubElement(item, f"{{{ATOM}}}link", enclosure)
        _text(item, "summary", entry.loaded.issue.preheader or entry.loaded.title)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _text(parent: ET.Element, tag: str, text: str) -> None:
    ET.SubElement(parent, f"{{{ATOM}}}{tag}").text = text


def catalogue(repo: Repository, publication: Publication, found: list[Entry]) -> str:
    env = environment(repo.root / "templates", publication.language)
    years = [(year, list(group)) for year, group in groupby(found, key=lambda e: e.date[:4])]
    return render(
        env,
        "archive.html.j2",
        dict(
            publication=publication,
            years=years,
            theme=theme(publication.colors).tokens(),
            fold=Markup(FOLD_JS),  # lettre's own script: no author text in it
            labels=LABELS[publication.language] | _ARCHIVE_LABELS[publication.language],
            long_date=lambda e: format_date(e.loaded.issue.date, publication.language),
        ),
    )


def search_script(publication: Publication, found: list[Entry]) -> str:
    """search.js: for each listed issue, its places (anchor, title, folded words)."""
    editorial = LABELS[publication.language]["editorial"]
    return script(
        [(e.date, list(places(e.loaded.issue, e.loaded.title, editorial))) for e in found]
    )


_ARCHIVE_LABELS = {
    "fr": {
        "archive": "Archives",
        "search": "Rechercher dans les lettres",
        "web": "Version en ligne",
        "pdf": "PDF",
        "none": "Aucune lettre ne correspond.",
        "kilo": "ko",
        "feed": "Fil Atom des lettres",
        "draft": "Brouillon (non publié)",
        "empty": "Aucune lettre publiée pour l’instant.",
        "found": "Trouvé dans :",
        "loading": "Chargement de l’index…",
    },
    "en": {
        "archive": "Archive",
        "search": "Search the letters",
        "web": "Web version",
        "pdf": "PDF",
        "none": "No letter matches.",
        "kilo": "KB",
        "feed": "Atom feed of the letters",
        "draft": "Draft (not published)",
        "empty": "No letter published yet.",
        "found": "Found in:",
        "loading": "Loading the index…",
    },
}
