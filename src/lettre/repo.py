"""The newsletter repository: where it is, which issues it holds, how they are numbered."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from lettre.errors import UsageProblem
from lettre.messages import _
from lettre.paths import PathProblem, resolve_inside

PUBLICATION_FILE = "publication.yaml"
ISSUE_FILE = "issue.yaml"
BULLETINS = "bulletins"
_DATE_NAME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_NUMBER_LINE = re.compile(
    r"^\ufeff?[\"']?number[\"']?[ \t]*:[ \t]*[\"']?\+?([0-9]{1,9})(?:\.0*)?[\"']?[ \t]*(?:#.*)?$",
    re.MULTILINE,
)
_NUMBER_KEY = re.compile(r"^\ufeff?[\"']?number[\"']?[ \t]*:", re.MULTILINE)


@dataclass(frozen=True)
class Repository:
    root: Path

    @property
    def publication_file(self) -> Path:
        return self.root / PUBLICATION_FILE

    @property
    def bulletins(self) -> Path:
        return self.root / BULLETINS

    def shown(self, path: Path) -> str:
        """`path` as the user reads it in messages: relative to the repository."""
        # the folder is resolved, not the file: a link is shown where it is, not where it leads
        try:
            return (path.parent.resolve() / path.name).relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(path)

    def issue_folders(self) -> list[Path]:
        """Every folder under bulletins/, oldest first (check reports the badly named ones)."""
        if not self.bulletins.is_dir():
            return []
        return sorted(
            p for p in self.bulletins.iterdir() if p.is_dir() and not p.name.startswith(".")
        )

    def issue_folder(self, argument: Path) -> Path:
        """The issue folder a user named, as the folder or its issue.yaml."""
        path = argument.resolve()
        if path.is_file() and path.name == ISSUE_FILE:
            path = path.parent
        if not path.is_dir() or path.parent != self.bulletins.resolve():
            raise UsageProblem(
                _(
                    "{argument}: not an issue folder; give a folder of {bulletins}/, "
                    "such as {example}/2025-06-13"
                ).format(argument=argument, bulletins=self.shown(self.bulletins), example=BULLETINS)
            )
        return path

    def numbers(self) -> dict[str, int]:
        """The number of every issue by folder name: its own, or the previous one's + 1.

        Read with a line match rather than a YAML parse, so numbering a decade of issues
        stays cheap; a file whose `number:` line the match cannot read is parsed in full.
        """
        numbers: dict[str, int] = {}
        previous = 0
        for folder in self.issue_folders():
            if is_issue_name(folder.name):
                previous = self._number(folder) or previous + 1
                numbers[folder.name] = previous
        return numbers

    def _number(self, folder: Path) -> int | None:
        try:
            path = resolve_inside(self.root, folder, ISSUE_FILE)
            if path.stat().st_size > 512 * 1024:
                return None
            text = path.read_text("utf-8")
        except (PathProblem, OSError, UnicodeDecodeError):
            return None
        found = _NUMBER_LINE.search(text)
        if found:
            return int(found.group(1))
        if not _NUMBER_KEY.search(text):
            return None
        from lettre.yamlfile import YamlProblem, parse  # rarely: a number the match cannot read

        try:
            value = parse(text.removeprefix("\ufeff"), ISSUE_FILE).data.get("number")
            return int(float(value)) if value and float(value) == int(float(value)) else None
        except (YamlProblem, AttributeError, ValueError, OverflowError):
            return None


def find_repository(start: Path, *, upward: bool = True) -> Repository:
    """The repository containing `start`: the nearest folder upwards with publication.yaml."""
    start = start.resolve()
    for folder in (start, *start.parents) if upward else (start,):
        if (folder / PUBLICATION_FILE).is_file():
            return Repository(folder)
    raise UsageProblem(
        _(
            "no {file} in {start} or any folder above it; run this inside a newsletter "
            "repository, give --repo DIR, or create one with `lettre init DIR`"
        ).format(file=PUBLICATION_FILE, start=start)
    )


def is_issue_name(name: str) -> bool:
    return bool(_DATE_NAME.fullmatch(name))


def coming_friday(today: date) -> date:
    """Today if it is a Friday, otherwise the next Friday: the day the letter goes out."""
    return today + timedelta(days=(4 - today.weekday()) % 7)
