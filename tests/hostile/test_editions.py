"""Every edition of the list (build.EDITIONS) under hostile content: inert, and made without
reaching outside the repository and the output folder (the audited build).

A new edition added to the list fails `test_every_edition_is_covered` until its files are
named in FILES below, so it inherits these guarantees.
"""

from __future__ import annotations

import email
import re
import shutil
import subprocess
from email import policy
from pathlib import Path
from typing import Any

import pikepdf
import pytest

from lettre.build import EDITIONS
from lettre.names import Names
from tests.conftest import ISSUE, MINIMAL
from tests.hostile.conftest import audited_build
from tests.hostile.test_content import PAYLOADS, Tags, hostile_issue

NAMES = Names("lettre-de-test-2025-06-13", "2025-06-13", "https://lettre.example.org")
FILES = {
    "email": [NAMES.email, NAMES.eml],
    "web": [NAMES.web],
    "print": [NAMES.pdf],
}
"""The files each edition writes, as the tests below read them."""


@pytest.fixture(scope="module", params=["full", "teasers"])
def built(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> dict[str, Any]:
    """The hostile issue, built under audit, with a base_url (so that every link between the
    editions is made), the email in full or in teasers."""
    root = tmp_path_factory.mktemp("editions") / "newsletter"
    shutil.copytree(MINIMAL, root)
    (root / ISSUE).write_text(hostile_issue())
    publication = root / "publication.yaml"
    publication.write_text(
        publication.read_text()
        + f"base_url: {NAMES.base_url}/\nemail:\n  articles: {request.param}\n"
        + "footer: |\n"
        + "".join(f"  {p}\n\n" for p in PAYLOADS)
    )
    audit = audited_build(root, root.parent / "dist")
    return {"audit": audit, "folder": root.parent / "dist/2025-06-13"}


def test_every_edition_is_covered() -> None:
    assert set(FILES) == set(EDITIONS)


def _html(path: Path) -> str:
    if path.suffix == ".eml":
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        part = next(p for p in message.walk() if p.get_content_type() == "text/html")
        return str(part.get_content())  # type: ignore[attr-defined]
    return path.read_text()


@pytest.mark.parametrize("edition", sorted(EDITIONS))
def test_each_edition_is_made_without_reaching_outside(built: dict[str, Any], edition: str) -> None:
    audit = built["audit"]
    assert audit["code"] == 0 and audit["connected"] == [] and audit["forbidden"] == []
    for name in FILES[edition]:
        assert (built["folder"] / name).is_file(), name


@pytest.mark.parametrize("edition", sorted(EDITIONS))
def test_each_edition_is_inert(built: dict[str, Any], edition: str) -> None:
    for name in FILES[edition]:
        path = built["folder"] / name
        if path.suffix == ".pdf":
            _inert_pdf(path)
            continue
        html = _html(path)
        tags = Tags(html).tags
        assert not [
            t for t, _ in tags if t in ("script", "iframe", "svg", "object", "embed", "form")
        ]
        assert not [t for t, _ in tags if t.startswith("mj-")]
        assert not [a for _, attrs in tags for a in attrs if a.startswith("on")]
        hrefs = [attrs.get("href", "") for t, attrs in tags if t in ("a", "link")]
        assert hrefs and all(
            h.startswith(("https://", "http://", "mailto:", "#", "images/", NAMES.stem, "../"))
            for h in hrefs
        ), hrefs
        srcs = [attrs.get("src", "") for t, attrs in tags if t == "img"]
        assert all(s.startswith(("images/", "cid:", "https://lettre.example.org/")) for s in srcs)
        assert "<script" not in html.lower()  # in attributes (og:title…) as well: escaped
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "{{ 7*7 }}" in html


def _inert_pdf(path: Path) -> None:
    with pikepdf.open(path) as pdf:
        uris = [
            str(a.A.URI)
            for page in pdf.pages
            for a in page.get("/Annots", [])
            if "/A" in a and "/URI" in a.A
        ]
        assert all(u.startswith(("https://", "http://", "mailto:")) for u in uris)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    assert "<script>alert(1)</script>" in text.stdout.replace("\n", " ")


# --- logo_dark: the same checks as the logo, confined to the repository ---------------------


@pytest.mark.parametrize(
    ("value", "link", "expected"),
    [
        ("/etc/passwd", None, "logo_dark: '/etc/passwd' is an absolute path"),
        ("../outside.png", None, "logo_dark: '../outside.png' goes up with '..'"),
        ("assets/out.png", "/etc/hostname", "logo_dark: 'assets/out.png' leads outside"),
        ("assets/none.png", None, "logo_dark: 'assets/none.png' does not exist"),
        ("assets/dev.png", "/dev/zero", "logo_dark: 'assets/dev.png' leads outside"),
        ("https://evil.example/x.png", None, "logo_dark: 'https://evil.example/x.png' is a URL"),
    ],
)
def test_a_hostile_dark_logo_is_a_located_error(
    newsletter: Any, lettre: Any, value: str, link: str | None, expected: str
) -> None:
    root = newsletter()
    (root / "assets").mkdir(exist_ok=True)
    if link:
        (root / value).symlink_to(link)
    publication = root / "publication.yaml"
    publication.write_text(publication.read_text() + f"logo_dark: {value}\n")
    result = lettre("build", repo=root)
    assert result.exit_code == 1
    assert re.search(r"publication\.yaml:\d+:\d+: " + re.escape(expected), result.stderr), (
        result.stderr
    )
    assert not (root / "dist/2025-06-13").exists()


def test_an_svg_dark_logo_with_a_script_is_refused(newsletter: Any, lettre: Any) -> None:
    root = newsletter()
    (root / "assets").mkdir(exist_ok=True)
    (root / "assets/dark.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="30" height="10"><script>alert(1)</script></svg>'
    )
    publication = root / "publication.yaml"
    publication.write_text(publication.read_text() + "logo_dark: assets/dark.svg\n")
    result = lettre("build", repo=root)
    assert result.exit_code == 1
    assert re.search(r"publication\.yaml:\d+:\d+: logo_dark: .*refused", result.stderr), (
        result.stderr
    )
