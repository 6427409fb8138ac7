"""The no-break spaces of French typography in every edition, and never where they would
change what the author typed: code, addresses, links.

The reviewer saw, in the print edition, "mission. ©" / "Armée" (a credit's mark left at a
line's end) and "long de 25" / "minutes." (a number parted from what it counts). The rules
live in lettre.typography; here they are followed through the editions (email HTML, its
text part, the web page, the print edition's HTML), with the author's text set in the
places a reader meets it: a credit, a caption, a chapô, a Markdown body split by emphasis,
links and the source's own line breaks.
"""

from __future__ import annotations

import html
import re
import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lettre.build import EMAIL, WEB, Options, make_editions, print_sources
from lettre.load import load_issue, load_publication
from lettre.markdown import render_html, render_text
from lettre.names import of
from lettre.repo import Repository
from lettre.typography import NBSP, NNBSP, typeset
from tests.conftest import ISSUE, MINIMAL

DAY = "2025-06-13"
CODE = "25 minutes © ECPAD p. 3"
"""Typed in code (inline and a block): shown exactly so, with its plain spaces."""
ADDRESS = "https://example.org/p.3/M.Dupont/25-minutes?n=1"
ISSUE_TEXT = f"""\
date: {DAY}
headlines:
  - title: Une nouvelle de 3 jours
    summary: Un exercice long de 25 minutes.
    url: https://example.org/une
sections:
  - title: Opérations
    articles:
      - title: Un article
        summary: Un exercice long de 25 minutes, avec 120 militaires et M. Dupont.
        body: |
          Un exercice de 25 **minutes** et de 3
          jours, voir le § 2 et la p. 12 ; © *ECPAD*.

          Code : `{CODE}` et [le lien de 2 jours]({ADDRESS}) ; 12 <{ADDRESS}>.

          ```
          {CODE}
          ```
        image:
          src: images/photo.jpg
          alt: Une photo de 2 soldats
          caption: Fin de la mission.
          credit: © Armée de Terre
"""

EDITIONS = ["email", "text", "web", "print"]
BOUND = [
    "25\u00a0minutes",  # the chapô, and the body across its emphasis
    "120\u00a0militaires",
    "M.\u00a0Dupont",
    "3\u00a0jours",  # the headline, and the body across the source's line break
    "§\u00a02",
    "p.\u00a012",
    "©\u00a0Armée de Terre",  # the credit
    "©\u00a0ECPAD",  # the body, across its emphasis
    "2\u00a0soldats",  # the alt text
]


def _text(markup: str) -> str:
    """What a reader sees of HTML: tags taken off, entities (&nbsp;, &#160;) read."""
    return html.unescape(re.sub(r"<[^>]*>", "", markup))


@pytest.fixture(scope="module")
def editions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The issue's email HTML, text part, web page and print HTML, as text."""
    root = tmp_path_factory.mktemp("nbsp") / "newsletter"
    shutil.copytree(MINIMAL, root)
    (root / ISSUE).write_text(ISSUE_TEXT, encoding="utf-8")
    publication = root / "publication.yaml"
    publication.write_text(publication.read_text() + "email:\n  articles: full\n")
    repo = Repository(root)
    loaded_publication = load_publication(repo).value
    assert loaded_publication is not None
    loaded = load_issue(repo, repo.bulletins / DAY, loaded_publication).value
    assert loaded is not None
    out = root.parent / "dist"
    made = make_editions(loaded, repo, out, Options(editions=(WEB, EMAIL)))
    names = of(loaded.publication, DAY)
    printed, _css, _images = print_sources(loaded, repo, out, marks=False)
    return {
        "email": made.files[names.email].decode(),
        "text": made.files[names.text].decode(),
        "web": made.files[names.web].decode(),
        "print": printed,
    }


@pytest.mark.parametrize(
    ("edition", "bound"), [(edition, bound) for edition in EDITIONS for bound in BOUND]
)
def test_every_edition_keeps_together_what_typography_binds(
    editions: dict[str, str], edition: str, bound: str
) -> None:
    page = editions[edition]
    seen = [page] if edition == "text" else [_text(page), html.unescape(page)]  # alt: in a tag
    assert any(bound in text for text in seen), (edition, bound)


@pytest.mark.parametrize("edition", EDITIONS)
def test_code_and_addresses_keep_the_spaces_typed(editions: dict[str, str], edition: str) -> None:
    """Code is shown as typed (its plain spaces), and an address is never typeset: the link
    reaches the same place in every edition."""
    page = editions[edition]
    seen = page if edition == "text" else _text(page)
    assert CODE in seen, edition
    assert CODE.replace(" ", NBSP) not in seen
    assert seen.count(html.unescape(ADDRESS)) + page.count(ADDRESS) >= 1
    if edition != "text":
        hrefs = [html.unescape(h) for h in re.findall(r'href="([^"]*)"', page)]
        assert ADDRESS in hrefs, edition
        assert not any(NBSP in h or "\u202f" in h for h in hrefs)


@pytest.mark.parametrize(
    "text",
    [
        "1," * 20_000 + "x",  # a number of twenty thousand groups, then no space
        "1 " * 20_000 + "a",
        "© " * 20_000,
        "M. " * 20_000 + "A",
        "§ 1 " * 10_000,
        "\ue000" + "1 a" * 10_000 + "\ue001",  # typography's own markers, typed by an author
    ],
    ids=["groups", "numbers", "marks", "titles", "sections", "markers"],
)
def test_long_runs_are_typeset_once_and_stay_typeset(text: str) -> None:
    """Hostile runs of what the rules look for: typeset, nothing is lost or added but
    spaces made no-break (and the markers, which are replaced), and typesetting the result
    again changes nothing."""
    once = typeset(text, "fr")
    assert typeset(once, "fr") == once
    plain = re.sub(f"[{NBSP}{NNBSP}]", " ", once)
    assert plain == text.replace("\ue000", "\ufffd").replace("\ue001", "\ufffd")


def test_the_source_line_break_is_bound_only_where_a_rule_binds() -> None:
    """A line break of the Markdown source becomes a no-break space only between what a rule
    binds (a number and its word): elsewhere it stays a break opportunity."""
    source = "long de 25\nminutes, puis\nla suite ; en 2025.\nLes"
    assert (
        _text(render_html(source, "fr"))
        == "long de 25\u00a0minutes, puis\nla suite\u202f; en 2025.\nLes\n"
    )
    assert (
        render_text(source, "fr") == "long de 25\u00a0minutes, puis la suite\u202f; en 2025. Les\n"
    )


BINDING = ["1", "12", "30", "2025", "1 200", "2,5", "-3", "1er", "3e", "a", "Dupont", "juin"]
BINDING += ["p.", "pp.", "vol.", "fig.", "art.", "t.", "§", "©", "℗", "n°", "N°"]
BINDING += ["M.", "MM.", "Mme", "Me", "Dr", "km", "m", "t", "min", "°C", "%", "€"]
"""Words that the rules bind to the word before or after them."""


REPEATED = ["p. 1", "1 p.", "©", "M.", "Mme M.", "t. 1", "1 200 pp.", "1 n°", "© 1", "1er M. A"]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.sampled_from(REPEATED).map(lambda pattern: [pattern] * 40),
        st.lists(st.sampled_from(BINDING), min_size=1, max_size=4).map(lambda words: words * 20),
        st.lists(st.sampled_from(BINDING), max_size=80),
    )
)
def test_no_binding_chains_into_an_unbreakable_line(words: list[str]) -> None:
    """Whatever the author repeats ("p. 1 p. 1 p. 1…", "© © ©…", "M. M. M.…"), a no-break
    space joins two words, or three or four where a number sits between, never a run:
    bound on both sides, such a run would be one unbreakable line, which overflows its
    column and which WeasyPrint takes seconds to lay out (it tries to hyphenate it)."""
    typeset_ = typeset(" ".join(words), "fr")
    runs = typeset_.split(" ")
    assert max(len(re.split(f"[{NBSP}{NNBSP}]", run)) for run in runs) <= 6, typeset_
