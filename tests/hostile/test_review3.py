"""Hostile cases found reviewing the cover's one more layout (lettre.paging._look_up_again),
the preview's one-worker build (pipeline.Job.first), lettre.pdf.warm and À la une's aligned
titles."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Lettre, Newsletter, copies_of

SHIPPED = Path(__file__).parents[2] / "src/lettre/templates"

BROKEN = {
    "syntax": ("{% if %}\n", 1),
    "unknown name": ("a { color: red; }\n{{ no_such_token.part }}\n", 2),
    "unknown filter": ("\n\n{{ 1 | no_such_filter }}\n", 3),
    "a division by zero": ("\n\n\n{% set n = 0 %}{{ 1 // n }}\n", 4),
}
"""A print template override that cannot be compiled or rendered, and the line its error is
on."""


@pytest.mark.parametrize("template", ["print.css", "print.html.j2"])
@pytest.mark.parametrize("broken", list(BROKEN))
def test_a_broken_print_template_override_is_a_clear_error_not_an_internal_one(
    newsletter: Newsletter, lettre: Lettre, tmp_path: Path, template: str, broken: str
) -> None:
    """templates/print.css or print.html.j2 in the repository that Jinja cannot compile or
    render: each issue fails naming the template and the line (at render time too: Jinja's
    error has none, its traceback does), as a broken email.mjml.j2 does, never "internal error" (exit 3). Three issues, built by one worker: the build that
    warms the engines first (lettre.pdf.warm, which lays out the SHIPPED templates) — the
    warm-up is not what fails, the issues are."""
    text, line = BROKEN[broken]
    root = copies_of(newsletter({f"templates/{template}": text}))
    result = lettre("build", "--jobs", "1", "--out", str(tmp_path / "dist"), repo=root)
    assert result.exit_code == 1, result.output
    assert "internal error" not in result.output, result.output
    assert "Traceback" not in result.output, result.output
    for day in ("2025-05-30", "2025-06-06", "2025-06-13"):
        assert f"bulletins/{day}: failed: template {template}: " in result.output, result.output
    assert f"templates/{template}:{line}: " in result.output, result.output
