"""The README is the reference: every field of the format and every CLI option is in it."""

from __future__ import annotations

import re
from collections.abc import Iterator

import click
import pytest
from pydantic import BaseModel

from lettre.cli import cli
from lettre.diagnostics import _model_in
from lettre.model import Issue, Publication
from tests.conftest import PROJECT

README = (PROJECT / "README.md").read_text(encoding="utf-8")
REFERENCE = README[README.index("## Format reference") : README.index("## Editors")]


def fields(model: type[BaseModel], prefix: str = "") -> Iterator[str]:
    for name, info in model.model_fields.items():
        yield f"{prefix}{name}"
        inner = _model_in(info.annotation)
        if inner:
            yield from fields(inner, f"{prefix}{name}.")


ALL_FIELDS = sorted({*fields(Publication), *fields(Issue)})


@pytest.mark.parametrize("path", ALL_FIELDS)
def test_every_field_is_in_the_format_reference(path: str) -> None:
    assert f"`{path.rsplit('.', 1)[-1]}`" in REFERENCE, f"{path} is not documented"


def test_the_include_form_is_documented() -> None:
    assert "`- include: articles/cema.md`" in REFERENCE


def options(command: click.Command) -> Iterator[str]:
    for parameter in command.params:
        if isinstance(parameter, click.Option):
            yield from (o for o in parameter.opts if o.startswith("--"))


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_and_option_is_in_the_tour(name: str) -> None:
    command = cli.commands[name]
    assert f"`lettre {name}" in README
    for option in options(command):
        if option != "--help":
            assert f"`{option}" in README, f"lettre {name} {option} is not documented"


def test_global_options_are_documented() -> None:
    for option in options(cli):
        assert f"`{option}" in README


def test_the_readme_commands_exist() -> None:
    assert re.search(r"^make demo\b", README, re.MULTILINE) and re.search(
        r"^make test\b", README, re.MULTILINE
    )
    makefile = (PROJECT / "Makefile").read_text()
    assert re.search(r"^demo:", makefile, re.MULTILINE) and re.search(
        r"^test:", makefile, re.MULTILINE
    )


def test_every_module_is_in_the_developers_list() -> None:
    """The README's map of src/lettre/ names every module, so the next person finds each stage."""
    listed = README[README.index("## For developers") :]
    modules = sorted(
        p.name for p in (PROJECT / "src/lettre").glob("*.py") if not p.name.startswith("__")
    )
    assert [name for name in modules if f"  {name}" not in listed] == []
