"""Editions are a list (build.EDITIONS) and names.py owns every output's name and address."""

from __future__ import annotations

from pathlib import Path

import pytest

from lettre.build import EDITIONS, EMAIL, PRINT_EDITION, WEB, Options, make_editions
from lettre.errors import LettreError
from lettre.load import load_issue, load_publication
from lettre.model import LoadedIssue
from lettre.names import Names, of
from lettre.pipeline import build_all
from lettre.repo import Repository
from tests.conftest import Newsletter

DAY = "2025-06-13"


def test_every_output_has_a_name_of_its_own() -> None:
    named = Names("lettre-de-test-2025-06-13", DAY, "https://example.org/lettre")
    files = [named.web, named.email, named.text, named.eml, named.pdf, named.printer_pdf]
    assert len(set(files)) == len(files)  # the web page and the email's HTML do not collide
    assert all(name.startswith(named.stem) for name in files)
    assert named.web_url == f"https://example.org/lettre/{DAY}/lettre-de-test-2025-06-13.html"
    assert named.anchor_url("article-2-1") == f"{named.web_url}#article-2-1"
    assert named.pdf_url == f"https://example.org/lettre/{DAY}/lettre-de-test-2025-06-13.pdf"
    assert named.image_url("a.jpg") == f"https://example.org/lettre/{DAY}/images/a.jpg"
    assert named.archive_url == "https://example.org/lettre/"


def test_without_base_url_there_is_no_address() -> None:
    named = Names("s-2025-06-13", DAY)
    assert (named.web_url, named.pdf_url, named.archive_url, named.anchor_url("x")) == (
        None,
        None,
        None,
        None,
    )


def _loaded(root: Path) -> tuple[Repository, LoadedIssue]:
    repo = Repository(root)
    publication = load_publication(repo).value
    assert publication is not None
    loaded = load_issue(repo, repo.bulletins / DAY, publication).value
    assert loaded is not None
    return repo, loaded


def test_the_publication_s_base_url_is_used_without_its_trailing_slash(
    newsletter: Newsletter,
) -> None:
    root = newsletter()
    (root / "publication.yaml").write_text(
        (root / "publication.yaml").read_text() + "base_url: https://example.org/l/\n"
    )
    _, loaded = _loaded(root)
    assert (
        of(loaded.publication, DAY).web_url
        == f"https://example.org/l/{DAY}/lettre-de-test-{DAY}.html"
    )


@pytest.mark.parametrize(
    ("chosen", "expected"),
    [
        ((EMAIL,), {"email", "text", "eml"}),
        ((WEB,), {"web"}),
        ((PRINT_EDITION,), {"pdf"}),
        ((), {"email", "text", "eml", "web", "pdf"}),
    ],
)
def test_the_options_name_the_editions_built(
    newsletter: Newsletter, tmp_path: Path, chosen: tuple[str, ...], expected: set[str]
) -> None:
    repo, loaded = _loaded(newsletter())
    named = of(loaded.publication, DAY)
    made = make_editions(loaded, repo, tmp_path / "out", Options(editions=chosen))
    kinds = {
        kind
        for kind in ("email", "text", "eml", "web", "pdf")
        if getattr(named, kind) in made.files
    }
    assert kinds == expected
    images = [name for name in made.files if name.startswith("images/")]
    assert bool(images) == (chosen != (PRINT_EDITION,))


def test_an_unknown_edition_is_refused(newsletter: Newsletter, tmp_path: Path) -> None:
    repo, loaded = _loaded(newsletter())
    with pytest.raises(
        LettreError, match="no edition named fax; the editions are print, web, email"
    ):
        make_editions(loaded, repo, tmp_path / "out", Options(editions=("fax",)))


def test_the_list_is_made_in_order_print_first() -> None:
    """The web page and the email give the PDF's size: the print edition is made first."""
    assert list(EDITIONS) == [PRINT_EDITION, WEB, EMAIL]


def test_the_outcome_carries_its_files_paths_built_or_unchanged(
    newsletter: Newsletter, tmp_path: Path
) -> None:
    root = newsletter()
    out = tmp_path / "dist"
    for status in ("built", "unchanged"):
        [outcome] = build_all(Repository(root), [root / "bulletins" / DAY], out, Options(), jobs=1)
        assert outcome.status == status
        assert outcome.names is not None
        eml = outcome.files[outcome.names.eml]
        assert eml == out / DAY / f"lettre-de-test-{DAY}.eml" and eml.is_file()
        assert outcome.names.web in outcome.files and outcome.names.pdf in outcome.files
