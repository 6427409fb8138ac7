"""The `lettre` command: parses options, calls one stage function, maps errors to exit codes.

Exit status: 0 success, 1 bad content (or a refused write), 2 bad usage, 3 an internal error.
Results go to stdout, problems to stderr; colour only on a terminal, never with NO_COLOR.
"""

from __future__ import annotations

import atexit
import logging
import os
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

# Each command imports the stages it needs, when it runs: a no-op build imports no engine.
from lettre import __version__, messages, report
from lettre.codes import EXAMPLES
from lettre.errors import LettreError, Problem, UsageProblem
from lettre.messages import N_, _, ngettext, together
from lettre.options import ImageMode, Options
from lettre.paths import PathProblem, resolve_inside
from lettre.pipeline import DEFAULT_LIMITS, Limits, Outcome, build_all
from lettre.repo import PUBLICATION_FILE, Repository, find_repository, is_issue_name
from lettre.sources import Unreadable, read_source

if TYPE_CHECKING:
    from lettre.load import Checked

log = logging.getLogger(__name__)
messages.install_in_click()
VERDICTS = (N_("identical"), N_("differs"), N_("missing"), N_("extra"))
"""publish.Verdict's statuses, as verify prints them."""


def check_issues(repo: Repository, folders: list[Path] | None = None) -> Checked:
    """`load.check`, imported when a command checks (the loaders import pydantic, Pillow…)."""
    from lettre.load import check

    return check(repo, folders)


class InternalError(click.ClickException):
    exit_code = 3


@dataclass
class Settings:
    repo_option: Path | None
    debug: bool

    def repository(self) -> Repository:
        if self.repo_option:  # named: it must be the repository itself, not a folder inside it
            repo = find_repository(self.repo_option, upward=False)
        else:
            repo = find_repository(Path.cwd())
        _speak_as(repo)
        return repo

    def issue_folders(self, repo: Repository, paths: tuple[Path, ...]) -> list[Path] | None:
        """The issue folders named, each once; None (every issue) when none is named."""
        return list(dict.fromkeys(repo.issue_folder(p) for p in paths)) if paths else None


def _speak_as(repo: Repository) -> None:
    """The publication's language for every message from here on, also for the refusals
    made before publication.yaml is loaded (a regular file inside the repository only)."""
    try:
        path = resolve_inside(repo.root, repo.root, PUBLICATION_FILE)
        messages.use_language_of(read_source(path, PUBLICATION_FILE))
    except (PathProblem, Unreadable):
        pass  # told with its place when the publication is loaded


def _color() -> bool | None:
    return False if os.environ.get("NO_COLOR") else None


def echo(message: str = "", *, err: bool = False, **style: Any) -> None:
    click.secho(message, err=err, color=_color(), **style)


@contextmanager
def _help_translated(command: click.Command, ctx: click.Context) -> Iterator[None]:
    """click keeps the help texts given at import, before the language is known: they are
    put in the reader's language while the help is written, then back."""
    kept: list[tuple[Any, str, str]] = []
    things: list[Any] = [command, *command.get_params(ctx)]  # with --help, made once, cached
    if isinstance(command, click.Group):
        things += command.commands.values()
    for thing in things:
        for attribute in ("help", "short_help"):
            text = getattr(thing, attribute, None)
            if text:
                kept.append((thing, attribute, text))
                setattr(thing, attribute, _(text))
    try:
        yield
    finally:
        for thing, attribute, text in kept:
            setattr(thing, attribute, text)


class HelpFormatter(click.HelpFormatter):
    """Headings in the reader's language and typography ("Options :" in French)."""

    def write_heading(self, heading: str) -> None:
        heading = _("{heading}:").format(heading=heading)
        self.write(f"{'':>{self.current_indent}}{heading}\n")


class Context(click.Context):
    formatter_class = HelpFormatter


class LettreCommand(click.Command):
    """A command whose help is printed in the reader's language."""

    context_class = Context

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with _help_translated(self, ctx):
            super().format_help(ctx, formatter)


class LettreGroup(click.Group):
    """Turns any unexpected exception into a short message; `--debug` shows the traceback."""

    command_class = LettreCommand
    context_class = Context

    def main(self, *args: Any, **kwargs: Any) -> Any:
        messages.use_publication_language(None)  # each run reads its own publication
        return super().main(*args, **kwargs)

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with _help_translated(self, ctx):
            super().format_help(ctx, formatter)

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
                _(
                    "internal error: {kind}: {error}\n"
                    "This is a bug in lettre; run again with --debug for the details and report it."
                ).format(kind=type(error).__name__, error=error)
            ) from None


def _debug(ctx: click.Context) -> bool:
    settings = ctx.obj
    return bool(settings and settings.debug)


@click.group(
    cls=LettreGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
    help=N_(
        "lettre: the weekly newsletter, from YAML and Markdown to email, PDF and archive.\n\n"
        "Typical week: lettre new, edit the files, lettre check, … (build, send and publish "
        "come with the email and print editions)."
    ),
)
@click.version_option(__version__, "--version", "-V", prog_name="lettre")
@click.option(
    "--repo",
    "repo_option",
    type=click.Path(file_okay=False, path_type=Path),
    help=N_("The newsletter repository (default: the folder with publication.yaml, from here up)."),
)
@click.option("--debug", is_flag=True, help=N_("Show the full traceback of an error."))
@click.pass_context
def cli(ctx: click.Context, repo_option: Path | None, debug: bool) -> None:
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING, format="%(message)s")
    ctx.obj = Settings(repo_option, debug)


@cli.command(
    help=N_("Create a newsletter repository in FOLDER: publication.yaml, bulletins/, templates/.")
)
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--name",
    default="Lettre hebdomadaire de communication",
    show_default=True,
    help=N_("Name of the newsletter."),
)
@click.option("--organization", default=EXAMPLES[0], help=N_("Who publishes it."))
@click.option(
    "--language",
    type=click.Choice(["fr", "en"]),
    default="fr",
    show_default=True,
    help=N_("Language of the content."),
)
@click.option(
    "--sender-name",
    default="Cellule communication",
    show_default=True,
    help=N_("Name in the From header."),
)
@click.option(
    "--sender-email",
    default=EXAMPLES[1],
    show_default=True,
    help=N_("Address the issues are sent from."),
)
def init(folder: Path, **settings: str) -> None:
    from lettre import scaffold

    scaffold.init_repository(folder, **settings)
    echo(_("Created a newsletter repository in {folder}").format(folder=folder))
    echo(
        _("Next: edit {file}, then run `lettre new` there.").format(
            file=folder / "publication.yaml"
        )
    )
    left = [value for value in settings.values() if value in EXAMPLES]
    if left:
        message = _(
            "Replace {left} in it: lettre check reminds you, and send and publish refuse them."
        )
        named = [_("'{value}'").format(value=value) for value in left]
        echo(message.format(left=together(named)))


@cli.command(help=N_("Create the next issue's folder with a commented issue.yaml; print its path."))
@click.option(
    "--date",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help=N_("Date of the issue, YYYY-MM-DD (default: the coming Friday)."),
)
@click.pass_obj
def new(settings: Settings, day: datetime | None) -> None:
    from lettre import scaffold

    repo = settings.repository()
    checked = check_issues(repo, folders=[])
    if checked.publication is None:
        _print_problems(checked.problems)
        raise LettreError(_("fix publication.yaml first"))
    taken: list[date] = []
    if day:
        issue_day = day.date()
    else:
        issue_day, taken = scaffold.next_free_friday(repo, date.today())
    path = scaffold.new_issue(repo, issue_day, checked.publication.language)
    if taken:
        message = ngettext(
            "{taken} exists already: created the next free Friday, {day}",
            "{taken} exist already: created the next free Friday, {day}",
            len(taken),
        )
        folders = ", ".join(repo.shown(repo.bulletins / d.isoformat()) for d in taken)
        echo(message.format(taken=folders, day=issue_day.isoformat()), err=True)
    echo(repo.shown(path))


@cli.command(
    help=N_(
        "Check the publication and the issues at PATHS (default: every issue).\n\n"
        "Reports every problem with its file, line and column; exit status 1 if there is an "
        "error (or, with --strict, a warning)."
    )
)
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--strict", is_flag=True, help=N_("Treat warnings as errors."))
@click.option(
    "-v",
    "--verbose",
    is_flag=True,
    help=N_("Also print each issue's contents, and each problem's YAML path."),
)
@click.pass_obj
def check(settings: Settings, paths: tuple[Path, ...], strict: bool, verbose: bool) -> None:
    from lettre import check_cache

    repo = settings.repository()
    # each unchanged issue told from its record; photos checked before are not decoded
    checked = check_cache.check(
        repo, repo.root / "dist", settings.issue_folders(repo, paths), verbose, check_issues
    )
    for summary in checked.summaries:
        echo(summary)
    if not checked.checked:
        echo(_("No issue yet in bulletins/; create one with `lettre new`."))
    _print_problems(checked.problems, checked.accepted, verbose)
    failed = any(p.is_error or (strict and p not in checked.accepted) for p in checked.problems)
    tally = report.tally(checked.problems, checked.checked)
    if checked.accepted:
        count = len(checked.accepted)
        accepted = ngettext("{count} of them accepted.", "{count} of them accepted.", count)
        tally += " " + accepted.format(count=count)
    echo(tally, err=failed)
    if failed:
        raise click.exceptions.Exit(1)


OUT = click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help=N_("Output folder (default: dist/ in the newsletter repository)."),
)
PATHS = click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))


IMAGES = click.option(
    "--images",
    "image_mode",
    type=click.Choice(["cid", "hosted"]),
    help=N_(
        "Images inside the message (cid; the default without base_url) or "
        "referenced under base_url (hosted; the default with it)."
    ),
)
PRINT_MARKS = click.option(
    "--print-marks",
    is_flag=True,
    help=N_("Also write a print-shop PDF with 3 mm bleed and crop marks."),
)


def _options(repo: Repository, image_mode: str | None, print_marks: bool) -> Options:
    mode = ImageMode(image_mode) if image_mode else None
    if mode is ImageMode.HOSTED:
        from lettre.load import load_publication

        publication = load_publication(repo).value
        if publication is not None and not publication.base_url:
            raise UsageProblem(_("--images hosted needs base_url in publication.yaml"))
    return Options(mode, print_marks)


@cli.command(
    help=N_(
        "Build the editions of the issues at PATHS (default: every issue) into dist/DATE/.\n\n"
        "Writes the email (.html), its plain-text part (.txt), the ready-to-send message (.eml), "
        "the images resized for email, and the print edition (.pdf, PDF/A-3a). An issue whose "
        "inputs have not changed since its last build is skipped."
    )
)
@PATHS
@OUT
@IMAGES
@PRINT_MARKS
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    help=N_("Issues built at once (default: one per core)."),
)
@click.option("--force", is_flag=True, help=N_("Rebuild issues whose inputs have not changed."))
@click.option(
    "--republish", is_flag=True, help=N_("Make a new version of a published issue (with --reason).")
)
@click.option(
    "--reason", help=N_("Why a published issue gets a new version (recorded in published.json).")
)
@click.option("--timeout", type=click.FloatRange(min=1, max=86_400), default=300, show_default=True,
              help=N_("Seconds of computing (CPU time) one issue may take before it is stopped."))  # fmt: skip
@click.option("--memory", type=click.IntRange(min=256), default=3072, show_default=True,
              help=N_("Megabytes of address space one issue's build may use."))  # fmt: skip
@click.option("--strict", is_flag=True, help=N_("Treat warnings as errors."))
@click.pass_obj
def build(
    settings: Settings,
    paths: tuple[Path, ...],
    out: Path | None,
    image_mode: str | None,
    print_marks: bool,
    jobs: int | None,
    force: bool,
    republish: bool,
    reason: str | None,
    timeout: float,
    memory: int,
    strict: bool,
) -> None:
    if republish != bool(reason and reason.strip()):
        raise UsageProblem(
            _('--republish and --reason "…" go together: say why the new version is made')
        )
    repo = settings.repository()
    if republish and not paths:
        raise UsageProblem(
            _('--republish needs the issue: lettre build bulletins/DATE --republish --reason "…"')
        )
    folders = settings.issue_folders(repo, paths) or _valid_folders(repo)
    options = _options(repo, image_mode, print_marks)
    limits = Limits(timeout, memory)
    notes: list[Problem] = []  # publication.yaml's warnings; its errors are build_all's

    def note(problems: list[Problem]) -> None:
        notes.extend(problems)
        _print_problems(problems)

    dist = out or repo.root / "dist"
    outcomes = _run(repo, folders, dist, options, jobs, force, reason, limits, note)
    failed = [o for o in outcomes if o.status == "failed"]
    warned = bool(notes) or any(
        o.warnings or any(not p.is_error for p in o.problems) for o in outcomes
    )
    echo(report.build_tally(outcomes), err=bool(failed))
    _end_failed(outcomes, settings.debug)
    if strict and warned:
        raise click.exceptions.Exit(1)


def _end_failed(outcomes: list[Outcome], debug: bool) -> None:
    """Exit status 3 when an issue failed from a bug in lettre (its traceback with --debug),
    1 when issues failed from their content or a limit."""
    failed = [o for o in outcomes if o.status == "failed"]
    bugs = [o for o in failed if o.internal]
    for outcome in bugs if debug else []:
        echo(f"{outcome.folder.name}:\n{outcome.details.rstrip()}", err=True)
    if bugs:
        names = ", ".join(o.folder.name for o in bugs)
        message = _(
            "internal error while building {issues}\n"
            "This is a bug in lettre; run again with --debug for the details and report it."
        )
        if debug:
            message = _(
                "internal error while building {issues}\n"
                "This is a bug in lettre; report it with the details above."
            )
        raise InternalError(message.format(issues=names))
    if failed:
        raise click.exceptions.Exit(1)


def _valid_folders(repo: Repository) -> list[Path]:
    """Every issue folder; badly named folders are check's business, not build's."""
    return [f for f in repo.issue_folders() if is_issue_name(f.name)]


def _run(
    repo: Repository,
    folders: list[Path],
    out: Path,
    options: Options,
    jobs: int | None,
    force: bool,
    reason: str | None,
    limits: Limits = DEFAULT_LIMITS,
    notes: Callable[[list[Problem]], None] | None = None,
) -> list[Outcome]:
    """Build, reporting each issue as it ends: a progress bar on a terminal, lines otherwise;
    `notes` hears publication.yaml's warnings first."""

    def done(outcome: Outcome) -> None:
        for line, is_error in report.outcome(outcome, repo):
            echo(line, err=is_error, fg="red" if is_error else None)

    def run(report_each: Callable[[Outcome], None]) -> list[Outcome]:
        return build_all(repo, folders, out, options, jobs=jobs or 0, force=force,
                         reason=reason, limits=limits, done=report_each, notes=notes)  # fmt: skip

    if not sys.stdout.isatty() or len(folders) < 2:
        return run(done)
    with click.progressbar(length=len(folders), label=_("Building"), file=sys.stderr) as bar:

        def advance(outcome: Outcome) -> None:
            bar.update(1)
            if outcome.status == "failed" or outcome.warnings:
                done(outcome)

        return run(advance)


FORCE_WARNINGS = N_("For emergencies: proceed despite warnings not accepted (each is printed).")


@cli.command(
    name="publish",
    help=N_(
        "Mark the issue at PATH as published: build it, then record its files' SHA-256.\n\n"
        "The record, bulletins/DATE/published.json, is meant to be committed with the issue; "
        "the build options are recorded too, for verify."
    ),
)
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@OUT
@IMAGES
@PRINT_MARKS
@click.option("--force", is_flag=True, help=FORCE_WARNINGS)
@click.pass_obj
def publish_command(
    settings: Settings,
    path: Path,
    out: Path | None,
    image_mode: str | None,
    print_marks: bool,
    force: bool,
) -> None:
    from lettre import publish

    repo = settings.repository()
    folder = repo.issue_folder(path)
    output = (out or repo.root / "dist") / folder.name
    options = _options(repo, image_mode, print_marks)
    outcomes = _run(repo, [folder], output.parent, options, 1, False, None)
    _end_failed(outcomes, settings.debug)
    record = publish.publish(repo, folder, output, options, force=force, say=echo)
    count = len(record["files"])
    message = ngettext(
        "{issue}: published, {count} file recorded in {record}",
        "{issue}: published, {count} files recorded in {record}",
        count,
    )
    echo(message.format(issue=repo.shown(folder), count=count, record=publish.RECORD))


@cli.command(
    help=N_("Rebuild the published issues at PATHS (default: all) and compare every SHA-256.")
)
@PATHS
@click.pass_obj
def verify(settings: Settings, paths: tuple[Path, ...]) -> None:
    from lettre import publish

    repo = settings.repository()
    folders = settings.issue_folders(repo, paths) or _valid_folders(repo)
    published = [f for f in folders if publish.read_record(f)]
    if paths and len(published) < len(folders):
        unpublished = [repo.shown(f) for f in folders if f not in published]
        raise LettreError(
            _("not published, nothing to verify: {issues}").format(issues=", ".join(unpublished))
        )
    differences = 0
    for folder in published:
        verdicts = publish.verify(repo, folder)
        bad = [v for v in verdicts if v.status != "identical"]
        differences += len(bad)
        echo(
            _("{issue}: {identical} identical, {different} different").format(
                issue=repo.shown(folder), identical=len(verdicts) - len(bad), different=len(bad)
            )
        )
        for verdict in bad:
            echo(f"  {_(verdict.status)}: {verdict.name}", err=True, fg="red")
    issues = ngettext(
        "{count} published issue verified", "{count} published issues verified", len(published)
    ).format(count=len(published))
    if differences:
        result = ngettext("{count} difference", "{count} differences", differences)
        echo(
            _("{issues}: {result}.").format(issues=issues, result=result.format(count=differences))
        )
    else:
        echo(_("{issues}: all identical.").format(issues=issues))
    if differences:
        raise click.exceptions.Exit(1)


@cli.command(
    name="archive",
    help=N_(
        "Write the archive of the published issues: index.html (searchable), search.js, "
        "feed.xml, manifest.json, SHA256SUMS."
    ),
)
@OUT
@click.option("--drafts", is_flag=True,
              help=N_("Also list the issues built but not published, marked as drafts (never in the feed)."))  # fmt: skip
@click.pass_obj
def archive_command(settings: Settings, out: Path | None, drafts: bool) -> None:
    from lettre.archive import left_out, make_archive

    repo = settings.repository()
    folder = out or repo.root / "dist"
    written, built = make_archive(repo, folder, drafts)
    for path in written:
        echo(repo.shown(path))
    for note in left_out(repo, folder, built, drafts):
        echo(_("warning: {message}").format(message=note), err=True, fg="yellow")


@cli.command(
    help=N_(
        "Build the issue at PATH and write its proof (bon à tirer), dist/DATE/<stem>-bat.html: "
        "subject, weight, images, links, contrast, the three editions' parity, warnings, "
        "pages.\n\n"
        "Exit status 1 when something would block the send."
    )
)
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--links", "check_links", is_flag=True,
              help=N_("Also check every web link over HTTP (a timeout each, a few at once)."))  # fmt: skip
@OUT
@click.pass_obj
def proof(settings: Settings, path: Path, check_links: bool, out: Path | None) -> None:
    from lettre import proof as proofs

    repo = settings.repository()
    folder = repo.issue_folder(path)
    output = (out or repo.root / "dist") / folder.name
    made = proofs.make_proof(repo, folder, output.parent, check_links)
    report_path = proofs.write_report(repo, made, output)
    for line in proofs.summary(made):
        echo(line)
    echo(_("Proof: {path}").format(path=repo.shown(report_path)))
    if made.blockers:
        echo(
            ngettext(
                "{issue}: {count} thing blocks the send (above, and in {report})",
                "{issue}: {count} things block the send (above, and in {report})",
                len(made.blockers),
            ).format(
                issue=repo.shown(folder), count=len(made.blockers), report=repo.shown(report_path)
            ),
            err=True,
            fg="red",
        )
        raise click.exceptions.Exit(1)


@cli.command(
    help=N_(
        "Approve the issue at PATH as built now: record the name, the time and the SHA-256 of "
        "every output in bulletins/DATE/approved.json (builds it first if needed)."
    )
)
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--by", "name", required=True, metavar="NAME",
              help=N_('Who approves the issue, e.g. --by "Jeanne Martin" (recorded).'))  # fmt: skip
@OUT
@click.pass_obj
def approve(settings: Settings, path: Path, name: str, out: Path | None) -> None:
    from lettre import approval

    repo = settings.repository()
    folder = repo.issue_folder(path)
    output = (out or repo.root / "dist") / folder.name
    outcomes = _run(repo, [folder], output.parent, Options(), 1, False, None)
    _end_failed(outcomes, settings.debug)
    approved = approval.approve(repo, folder, output, name)
    echo(
        ngettext(
            "{issue}: approved by {name}, {count} file recorded in {record}",
            "{issue}: approved by {name}, {count} files recorded in {record}",
            len(approved.files),
        ).format(
            issue=repo.shown(folder),
            name=approved.by,
            count=len(approved.files),
            record=repo.shown(folder / approval.RECORD),
        )
    )


def _smtp_address(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> tuple[str, int | None] | None:
    from lettre import send

    if value is None:
        return None
    try:
        return send.parse_address(value)
    except ValueError as error:
        raise click.BadParameter(f"{value}: {error}", ctx, param) from None


@cli.command(
    name="send",
    help=N_("Send the issue at PATH (its .eml) through the organisation's mail server."),
)
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--to",
    "recipients",
    multiple=True,
    help=N_("A recipient (repeat it); default: smtp.recipients."),
)
@click.option("--smtp", "smtp_server", metavar="HOST[:PORT]", callback=_smtp_address,
              help=N_("The mail server, [IPv6]:PORT for an IPv6 address (default: smtp.host)."))  # fmt: skip
@click.option(
    "--starttls", "security", flag_value="starttls", help=N_("Encrypt with STARTTLS (port 587).")
)
@click.option("--ssl", "security", flag_value="ssl", help=N_("Encrypt from the start (port 465)."))
@click.option("--plain", "security", flag_value="plain",
              help=N_("No encryption: only for a relay on the local network (port 25); "
                      "the same as security: plain."))  # fmt: skip
@click.option("--user", help=N_("Login; the password comes from LETTRE_SMTP_PASSWORD or a prompt."))
@click.option("--cafile", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help=N_("The certificate of an internal authority, to trust the server."))  # fmt: skip
@click.option(
    "--test", "test_address", metavar="ADDRESS", help=N_("Send one copy, subject marked [TEST].")
)
@click.option(
    "--dry-run", is_flag=True, help=N_("Print the headers, recipients and size; send nothing.")
)
@click.option("--batch-size", type=click.IntRange(min=1), default=50, show_default=True,
              help=N_("Recipients per message (in Bcc)."))  # fmt: skip
@click.option("--resume", is_flag=True,
              help=N_("Finish an interrupted send: only those not served yet get it."))  # fmt: skip
@click.option("--again", is_flag=True, help=N_("Send to everyone an issue that was sent already."))
@click.option("--force", is_flag=True, help=FORCE_WARNINGS)
@OUT
@click.pass_obj
def send_command(settings: Settings, /, path: Path, **given: Any) -> None:
    from lettre import send

    repo = settings.repository()
    given["out"] = given["out"] or repo.root / "dist"
    send.send_issue(repo, repo.issue_folder(path), send.Request(**given), echo)


@cli.command(
    name="preview",
    help=N_(
        "Preview the issue at PATH (default: the newest) at 127.0.0.1, rebuilt on every save.\n\n"
        "Opens nothing by itself: open the address it prints. Ctrl-C stops it."
    ),
)
@click.argument("path", required=False, type=click.Path(exists=True, path_type=Path))
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help=N_("Port on 127.0.0.1 (0: any free one)."))  # fmt: skip
@click.pass_obj
def preview_command(settings: Settings, path: Path | None, port: int) -> None:
    from lettre import preview

    repo = settings.repository()
    folders = _valid_folders(repo)
    if path is None and not folders:
        raise UsageProblem(_("no issue to preview; create one with `lettre new`"))
    folder = repo.issue_folder(path) if path else folders[-1]
    server, stop = preview.serve(repo, folder, port, echo)
    echo(
        _("Preview of {issue}: {url}  (Ctrl-C to stop)").format(
            issue=repo.shown(folder), url=preview.url(server)
        )
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        echo(_("Stopped."))
    finally:
        stop.set()
        server.server_close()
        preview.clean(server)


def _print_problems(
    problems: list[Problem], accepted: frozenset[Problem] = frozenset(), verbose: bool = False
) -> None:
    for problem in problems:
        if problem in accepted:  # decided: still said, as decided
            echo(_("{warning} (accepted)").format(warning=problem.shown(verbose)), err=True)
        else:
            echo(problem.shown(verbose), err=True, fg="red" if problem.is_error else "yellow")


@cli.command(help=N_("Print the JSON Schema of issue.yaml (or publication.yaml), for editors."))
@click.argument("document", type=click.Choice(["issue", "publication"]), default="issue")
def schema(document: str) -> None:
    from lettre.schema import dumps, issue_schema, publication_schema

    echo(dumps(issue_schema() if document == "issue" else publication_schema()).rstrip("\n"))


def main() -> None:
    """The `lettre` command; the process ends as soon as it is done (see `_leave`)."""
    try:
        cli(prog_name="lettre")
    except SystemExit as end:
        _leave(end.code)


def _leave(code: object) -> NoReturn:
    """End the process with `code`, as sys.exit would, without tearing the interpreter down:
    freeing one by one the objects of WeasyPrint, Pillow and pydantic cost a tenth of a
    second at the end of every build, for nothing (the system takes a process's memory back
    at once). What of the teardown matters is done first: the exit handlers (logging's,
    temporary folders'), then the standard streams flushed. The ordinary exit instead when
    another thread still runs, or when a stream cannot be flushed (a closed pipe)."""
    if not (code is None or isinstance(code, int)) or threading.active_count() > 1:
        raise SystemExit(code)
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        raise SystemExit(code) from None
    os._exit(code or 0)
