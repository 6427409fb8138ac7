"""Hostile cases found reviewing the cover's one more layout (lettre.paging._look_up_again),
the preview's one-worker build (pipeline.Job.first), lettre.pdf.warm and À la une's aligned
titles: a broken template override (every edition's, lettre.templates.render), a preview
stopped amid a build."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Lettre, Newsletter, copies_of

WAIT = 300  # seconds: generous, the machine is shared; no case depends on its speed

BROKEN = {
    "syntax": ("{% if %}\n", 1),
    "unknown name": ("a { color: red; }\n{{ no_such_token.part }}\n", 2),
    "unknown filter": ("\n\n{{ 1 | no_such_filter }}\n", 3),
    "a division by zero": ("\n\n\n{% set n = 0 %}{{ 1 // n }}\n", 4),
}
"""A template override that cannot be compiled or rendered, and the line its error is
on."""


@pytest.mark.parametrize(
    "template", ["print.css", "print.html.j2", "web.html.j2", "email.mjml.j2", "email.txt.j2"]
)
@pytest.mark.parametrize("broken", list(BROKEN))
def test_a_broken_template_override_is_a_clear_error_not_an_internal_one(
    newsletter: Newsletter, lettre: Lettre, tmp_path: Path, template: str, broken: str
) -> None:
    """A template of the repository's (the print edition's, the web page's, the email's)
    that Jinja cannot compile or render: each issue fails naming the template and the line
    (at render time too: Jinja's error has none, its traceback does; and an error of the
    template's own code, 1 // 0), never "internal error" (exit 3). Three issues, built by
    one worker: the build that
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


def test_a_stop_once_the_email_is_shown_does_not_wait_for_the_pdf(
    newsletter: Newsletter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The preview builds a save in one worker, which tells the email and goes on to the
    PDF. A stop (SIGTERM, Ctrl-C) once the email is shown must not wait for the PDF, which
    can take minutes for a long issue (two builds before: the PDF's was never started once
    the preview was stopping). Here the print edition never ends: the build must."""
    from lettre import pipeline, preview
    from lettre.options import PRINT_EDITION
    from lettre.repo import Repository

    make = pipeline.make_editions

    def slow(loaded: Any, repo: Any, out: Path, options: Any) -> Any:
        if options.builds(PRINT_EDITION):  # (in the forked worker)
            time.sleep(3600)
        return make(loaded, repo, out, options)

    monkeypatch.setattr(pipeline, "make_editions", slow)
    root = newsletter()
    out = root.parent / "preview"
    state = preview.State(Repository(root), root / "bulletins/2025-06-13", out)
    said: list[str] = []
    building = threading.Thread(target=state.rebuild, args=(said.append,), daemon=True)
    building.start()
    with state.changed:
        assert state.changed.wait_for(lambda: state.stages, timeout=WAIT), said
    assert list(state.stages.values()) == ["email"], said
    state.stop.set()
    building.join(120)  # (the PDF: an hour)
    assert not building.is_alive(), "the stop waited for the PDF"
    assert list(state.stages.values()) == ["email"], said  # no "failed" told for a stop
    assert said == [said[0]], said
    with state.building:  # what preview.clean waits for: free at once
        pass


def test_rebuilds_leave_no_descriptor_nor_thread_behind(newsletter: Newsletter) -> None:
    """Each save's build opens a pipe (the email told on it), a thread to read it and a
    handle on the worker (a pidfd): after many saves, the preview holds what it held after
    the first, and each save told its email, then its PDF."""
    from lettre import preview
    from lettre.repo import Repository

    root = newsletter()
    state = preview.State(Repository(root), root / "bulletins/2025-06-13", root.parent / "out")
    said: list[str] = []
    state.rebuild(said.append)
    descriptors, threads = _descriptors(), threading.active_count()
    for _ in range(4):
        state.rebuild(said.append)
    assert _descriptors() == descriptors
    assert threading.active_count() == threads
    assert [state.stages[n] for n in sorted(state.stages)] == ["email", "pdf"] * 5


def _descriptors() -> int:
    return len(list(Path("/proc/self/fd").iterdir()))
