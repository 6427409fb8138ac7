"""`lettre init` and `lettre new`: a new newsletter repository, and the next issue in it."""

from __future__ import annotations

import json
from datetime import date, timedelta
from importlib.resources import files
from pathlib import Path
from string import Template

from lettre.errors import LettreError
from lettre.i18n import format_date
from lettre.messages import _
from lettre.output import write_atomic
from lettre.repo import ISSUE_FILE, PUBLICATION_FILE, Repository, coming_friday
from lettre.schema import (
    ISSUE_SCHEMA_FILE,
    PUBLICATION_SCHEMA_FILE,
    dumps,
    issue_schema,
    publication_schema,
)

_SKELETONS = files("lettre") / "skeletons"
"""What `lettre init` writes when it is not told the organisation or the sender's address
(the defaults of its options): `check` warns on both, `send` and `publish` refuse them."""


def _yaml_text(value: str) -> str:
    """A YAML scalar that reads back as exactly `value` (JSON strings are YAML)."""
    return json.dumps(value, ensure_ascii=False)


def init_repository(
    folder: Path,
    *,
    name: str,
    organization: str,
    language: str,
    sender_name: str,
    sender_email: str,
) -> list[Path]:
    """Create a newsletter repository in `folder`; refuse if one is there already."""
    if (folder / PUBLICATION_FILE).exists():
        raise LettreError(
            _("{path} already exists; lettre does not overwrite it").format(
                path=folder / PUBLICATION_FILE
            )
        )
    publication = Template(_SKELETONS.joinpath("publication.yaml").read_text("utf-8"))
    text = publication.substitute(
        name=_yaml_text(name),
        organization=_yaml_text(organization),
        language=language,
        sender_name=_yaml_text(sender_name),
        sender_email=_yaml_text(sender_email),
    )
    written = {
        folder / PUBLICATION_FILE: text,
        folder / ".gitignore": _SKELETONS.joinpath("gitignore").read_text("utf-8"),
        folder / "templates" / ".gitkeep": "",
        folder / "assets" / ".gitkeep": "",
    }
    for path, content in written.items():
        if path.name == PUBLICATION_FILE or not path.exists():
            write_atomic(path, content, overwrite=False)
    return [*written, *write_schemas(Repository(folder))]


def write_schemas(repo: Repository) -> list[Path]:
    """bulletins/*.schema.json, which the files' `$schema` lines point at."""
    schemas = {ISSUE_SCHEMA_FILE: issue_schema(), PUBLICATION_SCHEMA_FILE: publication_schema()}
    paths = []
    for name, schema in schemas.items():
        path = repo.bulletins / name
        text = dumps(schema)
        if not path.exists() or path.read_text("utf-8") != text:
            write_atomic(path, text)
        paths.append(path)
    return paths


def new_issue(repo: Repository, day: date, language: str) -> Path:
    """bulletins/<day>/issue.yaml, a commented skeleton with the next number."""
    folder = repo.bulletins / day.isoformat()
    if folder.exists():
        raise LettreError(
            _("{path} already exists; lettre does not overwrite an issue").format(
                path=repo.shown(folder)
            )
        )
    earlier = [n for name, n in repo.numbers().items() if name < day.isoformat()]
    skeleton = Template(_SKELETONS.joinpath(f"issue.{language}.yaml").read_text("utf-8"))
    text = skeleton.substitute(
        date=day.isoformat(),
        number=(earlier[-1] + 1) if earlier else 1,
        date_text=format_date(day, language, weekday=False),
    )
    write_schemas(repo)
    path = folder / ISSUE_FILE
    write_atomic(path, text, overwrite=False)
    return path


def next_free_friday(repo: Repository, today: date) -> tuple[date, list[date]]:
    """The coming Friday, or the first Friday after it whose issue does not exist yet; with
    the Fridays passed over (their issues exist: prepared ahead, or last week's finished)."""
    day, taken = coming_friday(today), []
    while _exists(repo.bulletins / day.isoformat()):
        taken.append(day)
        day += timedelta(days=7)
    return day, taken


def _exists(path: Path) -> bool:
    return path.exists() or path.is_symlink()
