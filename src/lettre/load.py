"""publication.yaml and issue.yaml (with the Markdown files it includes) → the model.

Every problem is collected with its place before anything stops; the caller gets the model
when there is no error, and the list of problems (errors and warnings) in every case.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from lettre import checks, codes, messages
from lettre.diagnostics import at, describe, from_validation
from lettre.diagnostics import problem as located
from lettre.errors import Problem, Severity
from lettre.i18n import default_title
from lettre.images import ImageProblem
from lettre.messages import _
from lettre.model import ImageInfo, Issue, LoadedIssue, Publication, RelativePath
from lettre.paths import PathProblem, resolve_inside
from lettre.repo import ISSUE_FILE, Repository, is_issue_name
from lettre.sources import MAX_FILE_BYTES as MAX_FILE_BYTES
from lettre.sources import Unreadable as Unreadable
from lettre.sources import read_source as read_source
from lettre.sources import unreadable as _unreadable
from lettre.yamlfile import Document, Place, YamlProblem, parse

log = logging.getLogger(__name__)

PREHEADER_LENGTH = 150


M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


@dataclass
class Loaded(Generic[T]):
    """What loading a file gave: the model if it had no error, and every problem found."""

    value: T | None = None
    problems: list[Problem] = field(default_factory=list)
    accepted: frozenset[Problem] = frozenset()
    """The warnings among `problems` that an `accept:` decided (see lettre.codes)."""

    @property
    def ok(self) -> bool:
        return self.value is not None and not any(p.is_error for p in self.problems)


def load_publication(repo: Repository) -> Loaded[Publication]:
    """publication.yaml, validated, with its logo checked."""
    result: Loaded[Publication] = Loaded()
    try:
        path = _own_file(repo, repo.root, repo.publication_file.name)
        text = read_source(path, repo.shown(repo.publication_file))
        messages.use_language_of(text)  # its own errors are told in its language too
        doc = _read_yaml(path, repo.shown(repo.publication_file), text=text)
    except Unreadable as error:
        result.problems.append(error.problem)
        return result
    publication = _validate(Publication, doc, {"language": _language(doc)}, result.problems)
    if publication:
        result.problems += checks.publication_problems(publication, doc, repo)
        result.value = publication
        result.accepted = codes.accepted(result.problems, None, publication)
    return result


def load_issue(
    repo: Repository, folder: Path, publication: Publication, numbers: dict[str, int] | None = None
) -> Loaded[LoadedIssue]:
    """An issue folder → the issue ready to render, its defaults filled.

    `numbers` (Repository.numbers) may be given by a caller that loads many issues.
    """
    numbers = repo.numbers() if numbers is None else numbers
    result: Loaded[LoadedIssue] = Loaded()
    try:
        issue_file = _own_file(repo, folder, ISSUE_FILE)
        doc = _read_yaml(issue_file, repo.shown(folder / ISSUE_FILE))
        sources = [issue_file, *_resolve_includes(doc, repo, folder, result.problems)]
    except Unreadable as error:
        result.problems.append(error.problem)
        return result
    context = {"language": publication.language}
    issue = _validate(Issue, doc, context, result.problems)
    if issue is None:
        return result
    images, found = checks.issue_problems(issue, doc, repo, folder, publication)
    result.problems += found + _numbering_problems(repo, issue, doc, numbers, folder)
    result.accepted = codes.accepted(result.problems, issue, publication)
    issue = _fill_defaults(issue, numbers, folder, publication)
    logo, logo_dark = (_logo(publication, repo, dark) for dark in (False, True))
    result.value = LoadedIssue(
        publication, issue, folder.resolve(), tuple(sources), images, logo, logo_dark
    )
    return result


def _logo(publication: Publication, repo: Repository, dark: bool) -> ImageInfo | None:
    try:
        return checks.logo_info(publication, repo, dark=dark)
    except (PathProblem, ImageProblem):
        return None  # reported with publication.yaml


def _own_file(repo: Repository, folder: Path, name: str) -> Path:
    """A file lettre itself looks for (issue.yaml…): a regular file inside the repository."""
    try:
        return resolve_inside(repo.root, folder, name)
    except PathProblem as error:
        shown = repo.shown(folder / name)
        if not (folder / name).exists() and not (folder / name).is_symlink():
            message = _(
                "no {name} here; create it (`lettre new --date {date}`) or remove the folder"
            ).format(name=name, date=folder.name)
            raise _unreadable(shown, message) from None
        raise _unreadable(shown, str(error)) from None


def _numbering_problems(
    repo: Repository, issue: Issue, doc: Document, numbers: dict[str, int], folder: Path
) -> list[Problem]:
    """Two issues with one number is an error (each names the other); a number that goes
    backwards, or skips some, is a warning. Numbers not written follow on, and never do."""
    number = issue.number or numbers.get(folder.name)
    if number is None:
        return []
    place: tuple[str, ...] = ("number",) if issue.number else ("date",)
    twins = [name for name, n in numbers.items() if n == number and name != folder.name]
    if twins:
        message = _(
            "n° {number} is also the number of {other}; give each issue its own number "
            "(or leave `number:` out: it follows the previous issue's)"
        ).format(number=number, other=", ".join(repo.shown(repo.bulletins / t) for t in twins))
        return [at(doc, place, message)]
    earlier = [n for name, n in numbers.items() if name < folder.name]
    if not earlier or issue.number is None:
        return []
    if number < earlier[-1]:
        message = _(
            "n° {number} comes after n° {previous} (the previous issue's): the numbers go "
            "backwards; is it a typo?"
        ).format(number=number, previous=earlier[-1])
        return [at(doc, place, message, Severity.WARNING, "number-backwards")]
    if number > earlier[-1] + 1:
        message = _(
            "n° {number} follows n° {previous}: the numbers in between are missing; "
            "is it a typo? (if those issues never were, accept it: accept: [number-gap])"
        ).format(number=number, previous=earlier[-1])
        return [at(doc, place, message, Severity.WARNING, "number-gap")]
    return []


def _read_yaml(path: Path, shown: str, first_line: int = 1, text: str | None = None) -> Document:
    if text is None:
        text = read_source(path, shown)
    try:
        doc = parse(text, shown, first_line)
    except YamlProblem as error:
        raise Unreadable(_problem_at(error.place, error.message)) from None
    if not isinstance(doc.data, dict):
        place = doc.values.get((), Place(shown, first_line, 1))
        message = _("expected fields (name: value), one per line")
        raise Unreadable(_problem_at(place, message))
    return doc


def _problem_at(place: Place, message: str, *, warning: bool = False, field: str = "") -> Problem:
    if warning:
        return Problem(
            place.file, place.line, place.column, field, message, Severity.WARNING, "yaml-comment"
        )
    return Problem(place.file, place.line, place.column, field, message)


def _language(doc: Document) -> str:
    language = doc.data.get("language")
    return language if language in ("fr", "en") else "fr"


def _validate(
    model: type[M], doc: Document, context: dict[str, Any], problems: list[Problem]
) -> M | None:
    problems += [
        located(
            p.place.file,
            p.place.line,
            p.place.column,
            doc,
            p.path,
            p.message,
            Severity.WARNING if p.warning else Severity.ERROR,
            "yaml-comment" if p.warning else "",
        )
        for p in doc.problems
    ]
    try:
        value = model.model_validate(doc.data, context=context)
    except ValidationError as error:
        problems += from_validation(error, doc, model)
        return None
    return None if any(not p.warning for p in doc.problems) else value


_PATH = TypeAdapter(RelativePath)


def _resolve_includes(
    doc: Document, repo: Repository, folder: Path, problems: list[Problem]
) -> list[Path]:
    """Replace each `- include: file.md` by the article that file holds; return the files."""
    included: list[Path] = []
    sections = doc.data.get("sections")
    for s, section in enumerate(sections if isinstance(sections, list) else []):
        articles = section.get("articles") if isinstance(section, dict) else None
        if not isinstance(articles, list):
            continue
        for a, article in enumerate(articles):
            if isinstance(article, dict) and "include" in article:
                path = ("sections", s, "articles", a)
                found = _include(doc, path, repo, folder, problems)
                if found:
                    included.append(found)
                else:  # reported already; a stand-in keeps the other articles' places
                    articles[a] = {"title": "-", "summary": "-", "body": "-"}
    return included


def _include(
    doc: Document,
    path: tuple[str | int, ...],
    repo: Repository,
    folder: Path,
    problems: list[Problem],
) -> Path | None:
    article = doc.data["sections"][path[1]]["articles"][path[3]]
    extra = [key for key in article if key != "include"]
    if extra:
        problems.append(
            at(
                doc,
                (*path, extra[0]),
                _(
                    "an included article takes all its fields from its file; move '{field}' there"
                ).format(field=extra[0]),
            )
        )
        return None
    where = (*path, "include")
    try:
        relative = _PATH.validate_python(article["include"])
        if not relative.endswith(".md"):
            raise PathProblem(_("'{path}' is not a Markdown file (.md)").format(path=relative))
        file = resolve_inside(repo.root, folder, relative)
    except ValidationError as error:
        problems.append(at(doc, where, describe(error.errors()[0])))
        return None
    except PathProblem as error:
        problems.append(at(doc, where, str(error)))
        return None
    try:
        included = _read_front_matter(file, repo.shown(file))
    except Unreadable as error:
        problems.append(error.problem)
        return None
    doc.data["sections"][path[1]]["articles"][path[3]] = included.data
    for problem in included.problems:  # placed in the included file, named in the issue
        problem.path = (*path, *problem.path) if problem.path else ()
    doc.problems += included.problems
    del doc.values[where], doc.keys[where]
    doc.graft(path, included)
    return file


def _read_front_matter(file: Path, shown: str) -> Document:
    """An included article: YAML front matter between `---` lines, then the Markdown body."""
    text = read_source(file, shown).replace("\r\n", "\n")
    lines = text.split("\n")
    if lines[0].strip() != "---":
        raise _unreadable(
            shown,
            _(
                "expected front matter first: a '---' line, the fields "
                "(title: …), a '---' line, then the text in Markdown"
            ),
        )
    if "---" not in (line.strip() for line in lines[1:]):
        message = _("the front matter has no closing '---' line; add one after the fields")
        raise _unreadable(shown, message)
    end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    doc = _read_yaml(file, shown, first_line=2, text="\n".join(lines[1:end]) + "\n")
    if "body" in doc.data:
        place = doc.keys[("body",)]
        message = _("the body goes after the front matter, not in it")
        raise Unreadable(_problem_at(place, message))
    body = "\n".join(lines[end + 1 :])
    if body.strip():
        blank_lines = len(body) - len(body.lstrip("\n"))
        doc.data["body"] = body
        doc.values[("body",)] = Place(shown, end + 2 + blank_lines, 1)
    return doc


def _fill_defaults(
    issue: Issue, numbers: dict[str, int], folder: Path, publication: Publication
) -> Issue:
    language = publication.language
    number = issue.number or numbers.get(folder.name, 1)
    title = issue.title or default_title(publication.name, issue.date, language)
    preheader = issue.preheader or _preheader([h.title for h in issue.headlines])
    return issue.model_copy(update={"number": number, "title": title, "preheader": preheader})


def _preheader(titles: list[str]) -> str:
    """The headlines' titles, joined, cut at a word under 150 characters."""
    text = " · ".join(titles)
    if len(text) <= PREHEADER_LENGTH:
        return text
    return text[: PREHEADER_LENGTH - 1].rsplit(" ", 1)[0].rstrip(" ·,;:") + "…"


@dataclass
class Checked:
    """Every issue asked for, loaded, and every problem found along the way."""

    publication: Publication | None
    issues: list[LoadedIssue]
    problems: list[Problem]
    checked: int
    accepted: frozenset[Problem] = frozenset()
    """The warnings among `problems` that an `accept:` decided: listed, as accepted."""
    loaded_publication: Loaded[Publication] | None = None
    """What loading publication.yaml gave, apart (lettre.check_cache records it)."""
    results: dict[Path, Loaded[LoadedIssue]] = field(default_factory=dict)
    """What loading each issue folder gave, apart (lettre.check_cache records it)."""


def check(repo: Repository, folders: list[Path] | None = None) -> Checked:
    """Load the publication and `folders` (default: every issue) and collect all problems."""
    loaded = load_publication(repo)
    problems = list(loaded.problems)
    # with a broken publication.yaml the issues are still checked, in French by default
    publication = loaded.value or Publication.model_construct(  # type: ignore[call-arg]
        name="", organization="", language="fr"
    )
    issues, numbers, accepted = [], repo.numbers(), set(loaded.accepted)
    results: dict[Path, Loaded[LoadedIssue]] = {}
    folders = repo.issue_folders() if folders is None else folders
    misnamed = [f for f in folders if not is_issue_name(f.name) and _MISWRITTEN_DATE.match(f.name)]
    others = [f for f in folders if not is_issue_name(f.name) and f not in misnamed]
    strays = [_not_an_issue(repo, folder) for folder in others]
    accepted |= codes.accepted(strays, None, loaded.value)
    problems += strays
    for folder in misnamed:  # an issue, its date written another way: say how to name it
        message = _("issue folders are named by the issue's date, YYYY-MM-DD; rename it")
        problems.append(Problem(repo.shown(folder), 0, 0, "", message))
    for folder in folders:
        if folder in others or folder in misnamed:
            continue
        result = load_issue(repo, folder, publication, numbers)
        results[folder] = result
        problems += result.problems
        accepted |= result.accepted
        if result.value and result.ok:
            issues.append(result.value)
    checked = Checked(loaded.value, issues, sorted(problems), len(folders) - len(others))
    checked.accepted = frozenset(accepted)
    checked.loaded_publication, checked.results = loaded, results
    return checked


_MISWRITTEN_DATE = re.compile(r"[0-9]{1,4}[-_. ][0-9]{1,2}[-_. ][0-9]{1,4}\Z|[0-9]{8}\Z")
"""A date in another form (13-06-2025, 2025_06_13, 20250613): an issue, badly named. A date
followed by more (`2026-12-04 - copie`) is a copy, not an issue."""


def _not_an_issue(repo: Repository, folder: Path) -> Problem:
    """A folder under bulletins/ not named by a date (`brouillons/`, `2026-12-04 - copie/`):
    lettre leaves it out, and says so, without stopping any command."""
    message = _(
        "not an issue folder, so lettre leaves it out: issue folders are named by the issue's "
        "date (YYYY-MM-DD); rename it if it is an issue, or move it out of {bulletins}/"
    ).format(bulletins=repo.shown(repo.bulletins))
    return Problem(repo.shown(folder), 0, 0, "", message, Severity.WARNING, "not-an-issue")
