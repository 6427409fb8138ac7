"""The `lettre` command: parses options, calls one stage function, maps errors to exit codes.

Exit status: 0 success, 1 bad content (or a refused write), 2 bad usage, 3 an internal error.
Results go to stdout, problems to stderr; colour only on a terminal, never with NO_COLOR.
"""

from __future__ import annotations

import logging
import os
import traceback
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from lettre import __version__, report, scaffold
from lettre.build import ImageMode, build_issue
from lettre.errors import LettreError, Problem, UsageProblem
from lettre.load import check as check_issues
from lettre.model import LoadedIssue
from lettre.repo import Repository, coming_friday, find_repository
from lettre.schema import dumps, issue_schema, publication_schema

log = logging.getLogger(__name__)


class InternalError(click.ClickException):
    exit_code = 3


@dataclass
class Settings:
    repo_option: Path | None
    debug: bool

    def repository(self) -> Repository:
        if self.repo_option:  # named: it must be the repository itself, not a folder inside it
            return find_repository(self.repo_option, upward=False)
        return find_repository(Path.cwd())

    def issue_folders(self, repo: Repository, paths: tuple[Path, ...]) -> list[Path] | None:
        """The issue folders named, each once; None (every issue) when none is named."""
        return list(dict.fromkeys(repo.issue_folder(p) for p in paths)) if paths else None


def _color() -> bool | None:
    return False if os.environ.get("NO_COLOR") else None


def echo(message: str = "", *, err: bool = False, **style: Any) -> None:
    click.secho(message, err=err, color=_color(), **style)


class LettreGroup(click.Group):
    """Turns any unexpected exception into a short message; `--debug` shows the traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.Abort):
            raise
        except click.ClickException:
            if _debug(ctx):
                traceback.print_exc()
            raise
        except Exception as error:
            if _debug(ctx):
                raise
            raise InternalError(
                f"internal error: {type(error).__name__}: {error}\n"
                "This is a bug in lettre; run again with --debug for the details and report it."
            ) from None


def _debug(ctx: click.Context) -> bool:
    settings = ctx.obj
    return bool(settings and settings.debug)


@click.group(cls=LettreGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="lettre")
@click.option(
    "--repo",
    "repo_option",
    type=click.Path(file_okay=False, path_type=Path),
    help="The newsletter repository (default: the folder with publication.yaml, from here up).",
)
@click.option("--debug", is_flag=True, help="Show the full traceback of an error.")
@click.pass_context
def cli(ctx: click.Context, repo_option: Path | None, debug: bool) -> None:
    """lettre: the weekly newsletter, from YAML and Markdown to email, PDF and archive.

    Typical week: lettre new, edit the files, lettre check, … (build, send and publish
    come with the email and print editions).
    """
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING, format="%(message)s")
    ctx.obj = Settings(repo_option, debug)


@cli.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--name",
    default="Lettre hebdomadaire de communication",
    show_default=True,
    help="Name of the newsletter.",
)
@click.option("--organization", default="À COMPLÉTER", help="Who publishes it.")
@click.option(
    "--language",
    type=click.Choice(["fr", "en"]),
    default="fr",
    show_default=True,
    help="Language of the content.",
)
@click.option(
    "--sender-name",
    default="Cellule communication",
    show_default=True,
    help="Name in the From header.",
)
@click.option(
    "--sender-email",
    default="communication@example.org",
    show_default=True,
    help="Address the issues are sent from.",
)
def init(folder: Path, **settings: str) -> None:
    """Create a newsletter repository in FOLDER: publication.yaml, bulletins/, templates/."""
    scaffold.init_repository(folder, **settings)
    echo(f"Created a newsletter repository in {folder}")
    echo(f"Next: edit {folder / 'publication.yaml'}, then run `lettre new` there.")


@cli.command()
@click.option(
    "--date",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Date of the issue, YYYY-MM-DD (default: the coming Friday).",
)
@click.pass_obj
def new(settings: Settings, day: datetime | None) -> None:
    """Create the next issue's folder with a commented issue.yaml; print its path."""
    repo = settings.repository()
    checked = check_issues(repo, folders=[])
    if checked.publication is None:
        _print_problems(checked.problems)
        raise LettreError("fix publication.yaml first")
    issue_day = day.date() if day else coming_friday(date.today())
    path = scaffold.new_issue(repo, issue_day, checked.publication.language)
    echo(repo.shown(path))


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("-v", "--verbose", is_flag=True, help="Also print each issue's contents.")
@click.pass_obj
def check(settings: Settings, paths: tuple[Path, ...], strict: bool, verbose: bool) -> None:
    """Check the publication and the issues at PATHS (default: every issue).

    Reports every problem with its file, line and column; exit status 1 if there is an
    error (or, with --strict, a warning).
    """
    repo = settings.repository()
    checked = check_issues(repo, settings.issue_folders(repo, paths))
    for loaded in checked.issues:
        echo(report.summary(loaded, repo.shown(loaded.folder)))
        if verbose:
            echo("\n".join(report.outline(loaded)))
    if not checked.checked:
        echo("No issue yet in bulletins/; create one with `lettre new`.")
    _print_problems(checked.problems)
    failed = any(p.is_error or strict for p in checked.problems)
    echo(report.tally(checked.problems, checked.checked), err=failed)
    if failed:
        raise click.exceptions.Exit(1)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder (default: dist/ in the newsletter repository).",
)
@click.option(
    "--images",
    "image_mode",
    type=click.Choice(["cid", "hosted"]),
    help="Images inside the message (cid; the default without base_url) or "
    "referenced under base_url (hosted; the default with it).",
)
@click.option(
    "--print-marks",
    is_flag=True,
    help="Also write a print-shop PDF with 3 mm bleed and crop marks.",
)
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.pass_obj
def build(
    settings: Settings,
    paths: tuple[Path, ...],
    out: Path | None,
    image_mode: str | None,
    print_marks: bool,
    strict: bool,
) -> None:
    """Build the editions of the issues at PATHS (default: every issue) into dist/DATE/.

    Writes the email (.html), its plain-text part (.txt), the ready-to-send message (.eml),
    the images resized for email, and the print edition (.pdf, PDF/A-3b).
    """
    repo = settings.repository()
    checked = check_issues(repo, settings.issue_folders(repo, paths))
    _print_problems(checked.problems)
    if any(p.is_error or strict for p in checked.problems) or checked.publication is None:
        echo(report.tally(checked.problems, checked.checked), err=True)
        raise click.exceptions.Exit(1)
    mode = ImageMode(image_mode) if image_mode else None
    if mode is ImageMode.HOSTED and not checked.publication.base_url:
        raise UsageProblem("--images hosted needs base_url in publication.yaml")
    failed = False
    for loaded in checked.issues:
        built = build_issue(
            loaded,
            repo,
            out or repo.root / "dist",
            mode or _default_mode(loaded),
            print_marks=print_marks,
        )
        echo(report.built(built, repo))
        for warning in built.warnings:
            echo(
                f"{repo.shown(loaded.folder / 'issue.yaml')}: warning: {warning}",
                err=True,
                fg="yellow",
            )
        failed = failed or (strict and bool(built.warnings))
    if failed:
        raise click.exceptions.Exit(1)


def _default_mode(loaded: LoadedIssue) -> ImageMode:
    return ImageMode.HOSTED if loaded.publication.base_url else ImageMode.CID


def _print_problems(problems: list[Problem]) -> None:
    for problem in problems:
        echo(str(problem), err=True, fg="red" if problem.is_error else "yellow")


@cli.command()
@click.argument("document", type=click.Choice(["issue", "publication"]), default="issue")
def schema(document: str) -> None:
    """Print the JSON Schema of issue.yaml (or publication.yaml), for editors."""
    echo(dumps(issue_schema() if document == "issue" else publication_schema()).rstrip("\n"))


def main() -> None:
    cli(prog_name="lettre")
