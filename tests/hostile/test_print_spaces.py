"""Hostile runs of spaces cost what their length does, not its square: a body of 400,000
spaces before an emphasis or a link builds well within a minute of processor time (the
French closing quote's rule, lettre.hyphenation.spaces_inside and WeasyPrint's own
white-space rule each once tried the run from each of its spaces: minutes, then the
build's time limit). The limit is processor time, so a busy machine changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ISSUE, Lettre, Newsletter


@pytest.mark.parametrize("before", ["*emphase*", "[un lien](https://example.org/)", "**gras**"])
def test_a_huge_run_of_spaces_before_an_inline_element_builds(
    newsletter: Newsletter, lettre: Lettre, tmp_path: Path, before: str
) -> None:
    root = newsletter()
    issue = root / ISSUE
    body = "Le texte" + " " * 400_000 + before + " de l'article."
    issue.write_text(issue.read_text().replace("body: Le texte de l'article.", f'body: "{body}"'))
    result = lettre("build", "--out", str(tmp_path / "dist"), "--timeout", "60", repo=root)
    assert result.exit_code == 0, result.output
    pdf = next((tmp_path / "dist" / "2025-06-13").glob("*.pdf"))
    assert pdf.stat().st_size > 1000
