"""Markdown → HTML: what authors may write, and what never comes through."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from lettre.markdown import MAX_DEPTH, lint, render_html, render_text
from lettre.typography import NNBSP

HOSTILE = [
    "<script>alert(1)</script>",
    '<img src="x" onerror="alert(1)">',
    "<svg onload=alert(1)>",
    '<iframe src="https://example.org"></iframe>',
    '<a rel="attachment" href="file:///etc/passwd">pièce</a>',
    '<p style="background:url(file:///etc/passwd)">texte</p>',
    '<mj-include path="/etc/passwd" />',
    "[clic](javascript:alert(1))",
    "[clic](JaVa\tscript:alert(1))",
    "[clic](data:text/html;base64,PHNjcmlwdD4=)",
    "[clic](file:///etc/passwd)",
    "[clic](vbscript:msgbox(1))",
    "![x](file:///etc/passwd)",
    "<https://example.org/ok> et <javascript:alert(1)>",
]


class Elements(HTMLParser):
    """Every element and attribute of an HTML fragment, as a browser would parse them."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


SAFE_TAGS = {"p", "a", "strong", "em", "code", "br"}


@pytest.mark.parametrize("source", HOSTILE)
def test_hostile_markdown_comes_out_inert(source: str) -> None:
    for tag, attributes in Elements(render_html(source, "fr")).found:
        assert tag in SAFE_TAGS
        assert set(attributes) <= {"href", "rel"}
        href = attributes.get("href") or "https:"
        assert href.startswith(("https:", "http:", "mailto:", "#")), href
        assert attributes.get("rel", "noopener") == "noopener"


def test_raw_html_is_shown_as_text_not_interpreted() -> None:
    assert render_html("<b>gras</b>", "fr") == "<p>&lt;b&gt;gras&lt;/b&gt;</p>\n"


def test_allowed_links_survive_with_a_safe_rel() -> None:
    html = render_html(
        "[site](https://example.org/a?b=1&c=2) [mail](mailto:a@example.org) [haut](#sommaire)", "fr"
    )
    assert '<a href="https://example.org/a?b=1&amp;c=2" rel="noopener">site</a>' in html
    assert '<a href="mailto:a@example.org" rel="noopener">mail</a>' in html
    assert '<a href="#sommaire" rel="noopener">haut</a>' in html


def test_tables_lists_and_headings() -> None:
    html = render_html("# Titre\n\n- un\n- deux\n\n| a | b |\n|:--|--:|\n| 1 | 2 |\n", "fr")
    assert "<h3>Titre</h3>" in html  # h1 in a body sits under the article's h2
    assert "<ul>\n<li>un</li>" in html
    assert '<th style="text-align:left">a</th>' in html
    assert '<td style="text-align:right">2</td>' in html


def test_text_is_typeset_but_code_and_urls_are_not() -> None:
    html = render_html("**Attention** ! Voir `a ! b` et https://example.org/?x=1 !", "fr")
    assert f"</strong>{NNBSP}!" in html
    assert "<code>a ! b</code>" in html
    assert f"https://example.org/?x=1{NNBSP}!" in html


@pytest.mark.parametrize(
    ("source", "line", "message", "is_error"),
    [
        (
            "Texte\n\n![photo](images/a.jpg)",
            3,
            "images in Markdown are not supported; use the article's image field",
            True,
        ),
        (
            "[ici](javascript:alert(1))",
            1,
            "link to 'javascript:alert(1)' refused: links must be http(s)://, mailto: or #anchor",
            True,
        ),
        (
            "[ici](page.html)",
            1,
            "link to 'page.html' refused: links must be http(s)://, mailto: or #anchor",
            True,
        ),
        (
            "a\n\nb <script>x</script>",
            3,
            "raw HTML (<script>) is shown as text, not interpreted; use Markdown instead",
            False,
        ),
    ],
)
def test_lint_finds_what_will_not_come_out_as_meant(
    source: str, line: int, message: str, is_error: bool
) -> None:
    [finding] = lint(source)
    assert (finding.line, finding.message, finding.is_error) == (line, message, is_error)


def test_clean_markdown_has_no_findings() -> None:
    assert (
        lint("# Titre\n\nUn [lien](https://example.org) et `du code`.\n\n| a |\n|---|\n| b |") == []
    )


def test_long_runs_get_break_opportunities_and_nothing_else_changes() -> None:
    word = "".join(chr(97 + i % 26) for i in range(100))
    html = render_html(f"Avant {word} après `{word}`\n\n```\n{word}\n```\n", "fr")
    assert html.count("<wbr>") == 3 * 3  # every 30 characters, in text, code span and block
    assert html.replace("<wbr>", "").count(word) == 3
    assert "<wbr>" not in render_html("anticonstitutionnellement " * 3, "fr")
    assert render_text(f"Avant {word} après", "fr") == f"Avant\n{word}\naprès\n"


def test_nesting_up_to_the_limit_renders_whole_and_deeper_is_found_at_its_line() -> None:
    deep = "\n".join("  " * i + f"- n{i}" for i in range(MAX_DEPTH)) + "\n\nFin."
    assert lint(deep) == [] and "Fin." in render_html(deep, "fr")
    assert all(f"n{i}" in render_html(deep, "fr") for i in range(MAX_DEPTH))
    deeper = "\n".join("  " * i + f"- n{i}" for i in range(MAX_DEPTH + 5))
    [finding] = lint(deeper)
    assert finding.line == MAX_DEPTH + 1 and finding.is_error
