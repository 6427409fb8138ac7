"""Shared fixtures: a CLI runner, and small newsletter repositories made on demand."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from playwright.sync_api import Browser, sync_playwright

from lettre.cli import cli

TESTS = Path(__file__).parent
DATA = TESTS / "data"
MINIMAL = DATA / "valid" / "minimal"
PROJECT = TESTS.parent


@pytest.fixture(autouse=True, scope="session")
def english_messages() -> Iterator[None]:
    """Messages in English for every test: the fixture publications are French (the default
    language), and LC_MESSAGES overrides a publication's language (lettre.messages). The tests
    that match message text are written in English; tests/test_messages.py asks for French."""
    environment = pytest.MonkeyPatch()
    environment.delenv("LC_ALL", raising=False)
    environment.setenv("LC_MESSAGES", "en")
    yield
    environment.undo()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-snapshots",
        action="store_true",
        help="Rewrite expected outputs (tests/data/invalid/*/expected.txt…) from what lettre "
        "prints now. Review the diff before committing.",
    )


@pytest.fixture
def update_snapshots(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-snapshots"))


@dataclass
class Lettre:
    """Runs the CLI in-process, as a user would type it."""

    runner: CliRunner

    def __call__(self, *args: str | Path, repo: Path | None = None) -> Result:
        words = [str(a) for a in args]
        if repo is not None:
            words = ["--repo", str(repo), *words]
        return self.runner.invoke(cli, words, catch_exceptions=False)


@pytest.fixture
def lettre() -> Lettre:
    return Lettre(CliRunner(env={"NO_COLOR": "1"}))


Newsletter = Callable[..., Path]

DAYS = ("2025-05-30", "2025-06-06", "2025-06-13")
"""Three weekly issues: the fixtures' own (the last) and two before it (see `copies_of`)."""


def copies_of(root: Path, days: tuple[str, ...] = DAYS) -> Path:
    """`root` with its issue of 2025-06-13 copied to each of `days` but the last (the issue
    itself), each dated by its folder: a run of issues for builds of several."""
    source = root / "bulletins/2025-06-13"
    for day in days[:-1]:
        shutil.copytree(source, root / "bulletins" / day)
        path = root / "bulletins" / day / "issue.yaml"
        path.write_text(path.read_text().replace("2025-06-13", day))
    return root


@pytest.fixture
def newsletter(tmp_path: Path) -> Newsletter:
    """A copy of tests/data/valid/minimal in tmp_path, with `files` written over it.

    `files` maps paths to text (or bytes); None deletes the file.
    """

    def make(files: dict[str, str | bytes | None] | None = None, base: Path = MINIMAL) -> Path:
        root = tmp_path / "newsletter"
        shutil.copytree(base, root)
        for name, content in (files or {}).items():
            path = root / name
            if content is None:
                path.unlink()
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        return root

    return make


ISSUE = "bulletins/2025-06-13/issue.yaml"


ARTIFACTS = PROJECT / ".artifacts"
"""Screenshots and other things the tests make for a person to look at (not committed)."""


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's chromium, headless, driven by Playwright (which never downloads a browser here)."""
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    assert executable, "chromium is not installed: apt-get install chromium (see .ci/run)"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield launched
        launched.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The hostile suite's count (issue 7): each case by what it ended in.

    tests/hostile/conftest.py classifies every hostile test from the runs of lettre it
    made; one that ended in neither a clear error nor inert output has failed already.
    """
    kinds = [
        dict(r.user_properties).get("hostile")
        for reports in terminalreporter.stats.values()
        for r in reports
        if getattr(r, "when", "") == "teardown" and "tests/hostile/" in r.nodeid
    ]
    if kinds:
        clear, inert = kinds.count("clear error"), kinds.count("inert output")
        line = f"hostile input: {len(kinds)} cases tried: {clear} ended in a clear error, {inert} in inert output"
        neither, failed = kinds.count("neither"), kinds.count("failed")
        line += f", {neither} in NEITHER (failed)" if neither else ""
        terminalreporter.write_line(
            line + (f", {failed} failed their own assertions" if failed else "")
        )
