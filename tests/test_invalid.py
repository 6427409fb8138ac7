"""Each folder of tests/data/invalid is a broken newsletter with the exact lines `lettre check`
must print for it. A case holds only the files it changes over tests/data/valid/minimal.

Regenerate the expected lines on purpose with `pytest --update-snapshots`, then read the diff.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import DATA, MINIMAL, Lettre

CASES = sorted(p for p in (DATA / "invalid").iterdir() if p.is_dir())


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_check_reports_exact_errors(
    case: Path, tmp_path: Path, lettre: Lettre, update_snapshots: bool
) -> None:
    root = tmp_path / "newsletter"
    shutil.copytree(MINIMAL, root)
    shutil.copytree(case, root, dirs_exist_ok=True, ignore=shutil.ignore_patterns("expected.txt"))

    result = lettre("check", repo=root)

    expected = case / "expected.txt"
    if update_snapshots:
        expected.write_text(result.stderr, encoding="utf-8")
    assert result.exit_code == 1
    assert result.stderr == expected.read_text(encoding="utf-8")
    assert "Traceback" not in result.output
