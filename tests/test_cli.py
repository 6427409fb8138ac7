"""The `lettre` command as users type it: outputs, streams and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from lettre import __version__
from lettre.cli import cli
from lettre.repo import coming_friday
from tests.conftest import ISSUE, PROJECT, Lettre, Newsletter


def test_version(lettre: Lettre) -> None:
    result = lettre("--version")
    assert (result.exit_code, result.stdout) == (0, f"lettre, version {__version__}\n")


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_has_help(lettre: Lettre, command: str) -> None:
    result = lettre(command, "--help")
    assert result.exit_code == 0
    assert result.stdout.startswith(f"Usage: cli {command} [OPTIONS]")
    summary = (cli.commands[command].help or "").strip()
    assert summary
    assert " ".join(summary.split()[:4]) in " ".join(result.stdout.split())


def test_check_the_example_repository(lettre: Lettre) -> None:
    result = lettre("check", repo=PROJECT)
    assert result.exit_code == 0
    assert result.stdout == (
        "bulletins/2025-06-13: n° 24, vendredi 13 juin 2025 — 4 headlines, 3 sections, 8 articles, 6 images\n"
        "1 issue checked: no errors, 2 warnings.\n"
    )
    # the example's addresses are example.org ones: true of an example, and said
    assert [line.rsplit(" ", 1)[-1] for line in result.stderr.splitlines()] == [
        "[example-sender]",
        "[example-sender]",
    ]


def test_check_verbose_prints_the_outline(lettre: Lettre) -> None:
    result = lettre("check", "--verbose", str(PROJECT / "bulletins/2025-06-13"), repo=PROJECT)
    assert result.exit_code == 0
    assert "  Armée de champions\n    - Athlétisme : quatre médailles" in result.stdout.replace(
        "\u00a0", " "
    )


def test_check_a_path_that_is_not_an_issue_is_a_usage_error(lettre: Lettre) -> None:
    result = lettre("check", str(PROJECT / "src"), repo=PROJECT)
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {PROJECT / 'src'}: not an issue folder; give a folder of bulletins/, such as bulletins/2025-06-13\n"
    )


def test_outside_a_repository_is_a_usage_error(lettre: Lettre, tmp_path: Path) -> None:
    result = lettre("check", repo=tmp_path)
    assert result.exit_code == 2
    assert "no publication.yaml in" in result.stderr
    assert "lettre init DIR" in result.stderr


def test_unknown_option_is_a_usage_error(lettre: Lettre) -> None:
    assert lettre("check", "--nope", repo=PROJECT).exit_code == 2


def test_strict_turns_warnings_into_failure(lettre: Lettre, newsletter: Newsletter) -> None:
    text = (
        (PROJECT / "tests/data/valid/minimal" / ISSUE)
        .read_text()
        .replace("    url: https://example.org/une\n", "")
    )
    root = newsletter({ISSUE: text})
    relaxed, strict = lettre("check", repo=root), lettre("check", "--strict", repo=root)
    assert relaxed.exit_code == 0 and strict.exit_code == 1
    warning = "bulletins/2025-06-13/issue.yaml:3:5: warning: Headlines, 1st item “Une nouvelle”: no link: readers cannot read more than the summary; add a url (https://…) where they can [no-read-more]\n"
    assert relaxed.stderr == warning
    assert strict.stderr == warning + "1 issue checked: no errors, 1 warning.\n"


def test_a_file_too_large_to_be_an_issue(lettre: Lettre, newsletter: Newsletter) -> None:
    root = newsletter({ISSUE: "# " + "x" * 600_000 + "\n"})
    result = lettre("check", repo=root)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "bulletins/2025-06-13/issue.yaml:1:1: 600,003 bytes is too large for an issue file (the limit is 524,288); split it or trim it"
    )


def test_init_new_check(lettre: Lettre, tmp_path: Path) -> None:
    folder = tmp_path / "lettre-de-la-base"
    created = lettre("init", str(folder), "--organization", "Base aérienne 000")
    assert created.exit_code == 0, created.output
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")) == [
        ".gitignore",
        "assets",
        "assets/.gitkeep",
        "bulletins",
        "bulletins/issue.schema.json",
        "bulletins/publication.schema.json",
        "publication.yaml",
        "templates",
        "templates/.gitkeep",
    ]
    first = lettre("new", "--date", "2026-01-09", repo=folder)
    second = lettre("new", "--date", "2026-01-16", repo=folder)
    assert (first.stdout, second.stdout) == (
        "bulletins/2026-01-09/issue.yaml\n",
        "bulletins/2026-01-16/issue.yaml\n",
    )
    assert "number: 2\n" in (folder / "bulletins/2026-01-16/issue.yaml").read_text()

    checked = lettre("check", repo=folder)
    assert checked.exit_code == 0, checked.output
    assert "still holds 'À COMPLÉTER' from `lettre new`" in checked.stderr
    assert lettre("check", "--strict", repo=folder).exit_code == 1


def test_new_defaults_to_the_coming_friday_and_never_overwrites(
    lettre: Lettre, newsletter: Newsletter
) -> None:
    root = newsletter()
    friday = coming_friday(date.today()).isoformat()
    assert lettre("new", repo=root).stdout == f"bulletins/{friday}/issue.yaml\n"
    path = root / "bulletins" / friday / "issue.yaml"
    path.write_text(path.read_text() + "# edited\n")
    again = lettre("new", "--date", friday, repo=root)
    assert again.exit_code == 1
    assert (
        again.stderr
        == f"Error: bulletins/{friday} already exists; lettre does not overwrite an issue\n"
    )
    assert path.read_text().endswith("# edited\n")


def test_init_never_overwrites(lettre: Lettre, newsletter: Newsletter) -> None:
    root = newsletter()
    before = (root / "publication.yaml").read_text()
    result = lettre("init", str(root))
    assert result.exit_code == 1
    assert "already exists; lettre does not overwrite it" in result.stderr
    assert (root / "publication.yaml").read_text() == before


def test_new_issue_in_english(lettre: Lettre, tmp_path: Path) -> None:
    folder = tmp_path / "letter"
    lettre("init", str(folder), "--language", "en", "--organization", "Staff")
    lettre("new", "--date", "2026-01-09", repo=folder)
    text = (folder / "bulletins/2026-01-09/issue.yaml").read_text()
    assert "Issue no. 1 of 9 January 2026" in text and "TO BE WRITTEN" in text


def test_schema_is_json_for_both_documents(lettre: Lettre) -> None:
    issue, publication = (
        json.loads(lettre("schema").stdout),
        json.loads(lettre("schema", "publication").stdout),
    )
    assert issue["title"] == "Issue" and publication["title"] == "Publication"
    assert (
        issue["$schema"] == publication["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    )


def test_no_color_and_colour_on_a_terminal(newsletter: Newsletter) -> None:
    root = newsletter({ISSUE: "date: nope\n"})
    coloured = CliRunner().invoke(
        cli, ["--repo", str(root), "check"], color=True, env={"NO_COLOR": ""}
    )
    plain = CliRunner().invoke(
        cli, ["--repo", str(root), "check"], color=True, env={"NO_COLOR": "1"}
    )
    assert "\x1b[31m" in coloured.stderr
    assert "\x1b[" not in plain.stderr and plain.exit_code == coloured.exit_code == 1


def test_an_internal_error_is_short_unless_debug(
    newsletter: Newsletter, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("lettre.cli.check_issues", broken)
    root = newsletter()
    result = CliRunner().invoke(cli, ["--repo", str(root), "check"])
    assert result.exit_code == 3
    assert result.stderr == (
        "Error: internal error: RuntimeError: boom\n"
        "This is a bug in lettre; run again with --debug for the details and report it.\n"
    )
    debug = CliRunner().invoke(cli, ["--debug", "--repo", str(root), "check"])
    assert isinstance(debug.exception, RuntimeError)


def test_the_installed_command_separates_results_and_problems(newsletter: Newsletter) -> None:
    root = newsletter({"bulletins/2025-06-20/issue.yaml": "date: 2025-06-20\nheadlines: []\n"})
    run = subprocess.run(
        [sys.executable, "-m", "lettre", "--repo", str(root), "check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1
    assert run.stdout.startswith("bulletins/2025-06-13: n° 1, vendredi 13 juin 2025")
    assert run.stderr.splitlines() == [
        "bulletins/2025-06-20/issue.yaml:1:1: sections: required: at least one section",
        "bulletins/2025-06-20/issue.yaml:2:12: headlines: empty: give at least one item",
        "Aborted: 2 errors in 2 issues.",
    ]
