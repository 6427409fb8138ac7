"""Hostile content against the messages: format fields in the content are shown as typed,
never filled; publication.yaml is never read through a link or whole when huge to find its
language; a YAML error is told in the publication's language whatever the machine says."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import MINIMAL, Lettre, Newsletter

ISSUE = "bulletins/2025-06-13/issue.yaml"
FIELDS = ["{0}", "{message}", "{place}", "{__class__.__mro__}", "{count!r:>9}", "%s %(x)s", "{"]


def _french(lettre: Lettre) -> None:
    lettre.runner.env.update({"LC_MESSAGES": None, "LC_ALL": None, "LANG": "en_US.UTF-8"})


@pytest.mark.parametrize("french", [True, False], ids=["fr", "en"])
@pytest.mark.parametrize("field", FIELDS)
def test_format_fields_in_the_content_are_shown_as_typed(
    lettre: Lettre, newsletter: Newsletter, field: str, french: bool
) -> None:
    """A title goes into the place's name, a value and a key into the message: each is an
    argument of a format, never part of one."""
    text = (MINIMAL / ISSUE).read_text("utf-8")
    text = text.replace("title: Une nouvelle", f"title: {json.dumps(field)}")
    text = text.replace("    summary: Un résumé court.\n", f"    {json.dumps(field)}: x\n")
    text += f"number: {json.dumps(field)}\n"
    root = newsletter({ISSUE: text})
    if french:
        _french(lettre)
    result = lettre("check", repo=root)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    title = f"«\u202f{field}\u202f»" if french else f"“{field}”"
    assert any(f"{title} › {field}" in line for line in lines), lines
    assert any(f"'{field}'" in line or f"«\u202f{field}\u202f»" in line for line in lines), lines


def test_the_language_is_never_read_through_a_link(
    lettre: Lettre, newsletter: Newsletter, tmp_path: Path
) -> None:
    """publication.yaml as a link out of the repository: refused, and the language it would
    give (English) is not taken: lettre did not read it."""
    outside = tmp_path / "outside.yaml"
    outside.write_text((MINIMAL / "publication.yaml").read_text("utf-8") + "language: en\n")
    root = newsletter({"publication.yaml": None})
    (root / "publication.yaml").symlink_to(outside)
    lettre.runner.env.update({"LC_MESSAGES": None, "LC_ALL": None, "LANG": None})
    result = lettre("check", repo=root)
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "publication.yaml:1:1: «\u202fpublication.yaml\u202f» mène hors du dépôt de la lettre"
    )


def test_a_huge_publication_is_not_read_to_find_its_language(
    lettre: Lettre, newsletter: Newsletter
) -> None:
    huge = (MINIMAL / "publication.yaml").read_text("utf-8") + "language: en\n" + "#" * 600_000
    root = newsletter({"publication.yaml": huge})
    lettre.runner.env.update({"LC_MESSAGES": None, "LC_ALL": None, "LANG": None})
    result = lettre("check", repo=root)
    assert result.exit_code == 1
    assert "octets, c’est trop pour un fichier de numéro" in result.stderr


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_yaml_error_in_the_publication_is_told_in_its_language(
    lettre: Lettre, newsletter: Newsletter, language: str
) -> None:
    fine = (MINIMAL / "publication.yaml").read_text("utf-8")
    broken = fine.replace("\n  email: ", "\n   email: ")  # one space too far
    assert broken != fine
    root = newsletter({"publication.yaml": f"language: {language}\n" + broken})
    _french(lettre)
    if language == "fr":
        lettre.runner.env["LANG"] = "en_US.UTF-8"
    else:
        lettre.runner.env["LC_MESSAGES"] = None
        lettre.runner.env["LANG"] = "fr_FR.UTF-8"
    result = lettre("check", repo=root)
    assert result.exit_code == 1
    first = result.stderr.splitlines()[0]
    if language == "fr":
        assert first.startswith("publication.yaml:6:4: syntaxe YAML\u00a0: indentation\u00a0:")
    else:
        assert first.startswith("publication.yaml:6:4: YAML syntax: indentation: this line starts")
