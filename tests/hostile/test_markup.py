"""Markup comes only from lettre; what `check` accepts, `build` renders; nothing vanishes.

- `\\u{…}` sequences typed in any field stay text in the HTML, the .eml and the text part:
  no pass over the compiled HTML turns them into characters (they once became live tags).
- Characters no edition can render (lone surrogates, noncharacters, control characters)
  are `check` errors at their place, in every field; a JSON-style surrogate pair is joined.
- Subject and From refuse invisible characters; a header link cannot carry a second one.
- Deep lists and enormous words are either rendered whole or refused at their line.
"""

from __future__ import annotations

import dataclasses
import email
import html
import json
import re
import shutil
import subprocess
from email import policy
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lettre import mail, markdown
from lettre.characters import NONCHARACTERS
from lettre.errors import LettreError
from lettre.load import check
from lettre.repo import Repository
from tests.conftest import ISSUE, MINIMAL, Lettre, Newsletter

STEM = "dist/2025-06-13/lettre-de-test-2025-06-13"
ESCAPES = [
    "\\u{3c}script\\u{3e}alert(1)\\u{3c}/script\\u{3e}",
    "\\u{3c}img src=x onerror=alert(1)\\u{3e}",
    "\\u{3c}iframe src=javascript:alert(1)\\u{3e}\\u{3c}/iframe\\u{3e}",
    "\\u{22} onmouseover=\\u{22}alert(1)\\u{22} x=\\u{22}",
    "\\u{27}\\u{26}\\u{5c}\\u{a0}\\u{202f}",
    "\\u{110000} \\u{d800} \\u{0} \\u{ffffffff} \\u{}",
]
SHOWN = "\\u{3c}script\\u{3e}"


def q(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


class Parsed(HTMLParser):
    """Every element and attribute of a page, as a browser's tokenizer sees them."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def author_made_markup(page: str) -> list[str]:
    """What in `page` only author text could have made: scripts, frames, handlers, js: links."""
    found = []
    for tag, attrs in Parsed(page).tags:
        if tag in ("script", "iframe", "object", "embed", "svg", "form", "base"):
            found.append(tag)
        if tag == "meta" and attrs.get("http-equiv", "").lower() == "refresh":
            found.append(tag)
        for name, value in attrs.items():
            if name.startswith("on"):
                found.append(f"{tag}[{name}]")
            if re.sub(r"[\s\x00-\x1f]", "", value).lower().startswith(("javascript:", "data:")):
                found.append(f"{tag}[{name}={value[:30]}]")
    return found


# --- \u{…} in every field ---------------------------------------------------------------


def escapes_issue() -> str:
    one = " ".join(ESCAPES)
    body = "\n".join(f"          {p}\n" for p in ["Texte.", *ESCAPES])
    return f"""date: 2025-06-13
title: {q("Lettre " + ESCAPES[0] + ESCAPES[3])}
preheader: {q(one)}
editorial:
  title: {q(ESCAPES[1])}
  author: {q(ESCAPES[2])}
  body: |
{body}
headlines:
  - title: {q(ESCAPES[3])}
    summary: {q(one)}
    url: https://example.org/une
    image: {{src: images/photo.jpg, alt: {q(ESCAPES[0] + ESCAPES[3])}, credit: {q(ESCAPES[4])}, caption: {q(one)}}}
sections:
  - title: {q(ESCAPES[0])}
    articles:
      - title: {q(ESCAPES[5])}
        summary: {q(one)}
        author: {q(ESCAPES[1])}
        tags: [{q(ESCAPES[2])}, {q(ESCAPES[3])}]
        url: https://example.org/article
        body: |
{body}
        image: {{src: images/photo.jpg, alt: {q(ESCAPES[3])}, credit: {q(ESCAPES[0])}, caption: {q(ESCAPES[1])}}}
      - include: inclus.md
"""


@pytest.fixture(scope="module")
def escapes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("escapes") / "newsletter"
    shutil.copytree(MINIMAL, root)
    (root / ISSUE).write_text(escapes_issue())
    (root / ISSUE).with_name("inclus.md").write_text(
        f"---\ntitle: {q(ESCAPES[0])}\nsummary: {q(ESCAPES[3])}\n---\n\n"
        + "\n\n".join(ESCAPES)
        + "\n"
    )
    publication = (MINIMAL / "publication.yaml").read_text()
    publication = publication.replace(
        "name: Lettre de test", f"name: {q('Lettre de test ' + ESCAPES[0])}"
    )
    publication += "slug: lettre-de-test\nfooter: |\n" + "".join(f"  {p}\n\n" for p in ESCAPES)
    (root / "publication.yaml").write_text(publication)
    checked = check(Repository(root))
    from click.testing import CliRunner

    from lettre.cli import cli

    result = CliRunner().invoke(cli, ["--repo", str(root), "build", "--jobs", "1"])
    eml = email.message_from_bytes((root / f"{STEM}.eml").read_bytes(), policy=policy.default)
    parts = {p.get_content_type(): p.get_content() for p in eml.walk() if not p.is_multipart()}
    return {
        "problems": [p for p in checked.problems if p.is_error],
        "result": result,
        "root": root,
        "html": (root / f"{STEM}-email.html").read_text(),
        "text": (root / f"{STEM}.txt").read_text(),
        "eml_html": parts["text/html"],
        "eml_text": parts["text/plain"],
        "subject": str(eml["Subject"]),
        "files": [p for p in (root / "dist").rglob("*") if p.is_file()],
    }


def test_escapes_in_every_field_pass_check_and_build(escapes: dict[str, Any]) -> None:
    assert escapes["problems"] == []
    assert escapes["result"].exit_code == 0, escapes["result"].output
    assert "internal error" not in escapes["result"].output


@pytest.mark.parametrize("output", ["html", "eml_html"])
def test_escapes_never_become_markup(escapes: dict[str, Any], output: str) -> None:
    page = escapes[output]
    assert author_made_markup(page) == []
    text = "".join(Parsed(page).text)
    assert text.count(SHOWN) >= 10  # typed text, shown as typed, field after field
    assert "\\u{110000}" in text and "\\u{d800}" in text and "\\u{0}" in text


@pytest.mark.parametrize("output", ["html", "eml_html"])
def test_the_wrapper_label_and_the_title_are_the_title_as_typed(
    escapes: dict[str, Any], output: str
) -> None:
    tags = Parsed(escapes[output]).tags
    [label] = [a["aria-label"] for t, a in tags if a.get("aria-roledescription") == "email"]
    [title] = [t for t in Parsed(escapes[output]).text if t.startswith("Lettre ")][:1]
    assert label == title == escapes["subject"]
    assert label.startswith("Lettre \\u{3c}script\\u{3e}alert(1)")
    assert "\\\\" not in label  # MRML's Rust escaping is not left for a screen reader


@pytest.mark.parametrize("output", ["text", "eml_text", "subject"])
def test_the_text_part_and_subject_show_the_escapes_as_typed(
    escapes: dict[str, Any], output: str
) -> None:
    assert SHOWN in escapes[output]
    assert "<script>" not in escapes[output]


def test_no_output_holds_a_nul_byte(escapes: dict[str, Any]) -> None:
    assert escapes["files"]
    texts = [p for p in escapes["files"] if p.suffix in (".html", ".txt", ".eml")]
    assert len(texts) == 4 and [p.name for p in texts if b"\x00" in p.read_bytes()] == []
    assert "\x00" not in pdf_text(next(p for p in escapes["files"] if p.suffix == ".pdf"))


# --- compile_mjml, for any title and text --------------------------------------------------

TRICKY = st.sampled_from(
    [
        "\\u{3c}",
        "\\u{3e}",
        "\\u{3c}script\\u{3e}",
        "\\u{3c}img src=x onerror=alert(1)\\u{3e}",
        "\\u{22}",
        "\\u{0}",
        "\\u{d800}",
        "\\u{110000}",
        "\\u{",
        "\\",
        "<",
        ">",
        "&",
        '"',
        "'",
        "\u00a0",
        "\u202f",
        "é",
        "🎉",
        "{",
        "}",
        "script",
        " on",
        "=",
        "&lt;",
        "&#60;",
    ]
)
ANY_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")))
AUTHOR_TEXT = st.lists(st.one_of(TRICKY, ANY_TEXT), max_size=12).map(
    lambda parts: NONCHARACTERS.sub("", "".join(parts))  # refused at check (tested below)
)


def mjml(title: str, text: str) -> str:
    """The shape of email.mjml.j2: author text reaches MRML HTML-escaped, as autoescape does."""
    return (
        f"<mjml><mj-head><mj-title>{html.escape(title)}</mj-title>"
        f"<mj-preview>{html.escape(text)}</mj-preview></mj-head><mj-body><mj-section>"
        f"<mj-column><mj-text>{html.escape(text)}</mj-text></mj-column></mj-section></mj-body></mjml>"
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=AUTHOR_TEXT, text=AUTHOR_TEXT)
def test_compiled_email_holds_the_author_text_as_text_only(title: str, text: str) -> None:
    page = mail.compile_mjml(mjml(title, text))
    parsed = Parsed(page)
    assert author_made_markup(page) == []
    assert [t for t, _ in parsed.tags if t not in ("html", "head", "title", "meta", "style",
            "body", "div", "table", "tbody", "tr", "td", "link")] == []  # fmt: skip
    [label] = [a["aria-label"] for t, a in parsed.tags if a.get("aria-roledescription")]
    assert label == title.strip()
    assert "\x00" not in page
    shown = "".join(parsed.text)  # <title>, the preview and the text: every \u{ still typed
    assert shown.count("\\u{") == title.strip().count("\\u{") + 2 * text.count("\\u{")


def test_a_title_outside_mj_title_is_left_to_mrml() -> None:
    page = mail.compile_mjml("<mjml><mj-body><mj-text>\\u{3c}b\\u{3e}</mj-text></mj-body></mjml>")
    assert "\\u{3c}b\\u{3e}" in page and "<b>" not in page


# --- what check accepts, build renders -----------------------------------------------------

REFUSED = {
    "lone surrogate": ("\\ud83c", "half of a UTF-16 surrogate pair"),
    "low surrogate": ("\\udf89", "half of a UTF-16 surrogate pair"),
    "U+FFFE": ("\\uFFFE", "U+FFFE is a Unicode noncharacter"),
    "U+FDD0": ("\\uFDD0", "U+FDD0 is a Unicode noncharacter"),
    "U+10FFFF": ("\\U0010FFFF", "U+10FFFF is a Unicode noncharacter"),
    "NUL": ("\\0", "control character U+0000"),
    "U+0001": ("\\x01", "control character U+0001"),
    "DEL": ("\\x7f", "control character U+007F"),
    "C1": ("\\x9b", "control character U+009B"),
}
FIELDS = {
    "title": (ISSUE, None, "title"),
    "preheader": (ISSUE, None, "preheader"),
    "headline summary": (ISSUE, "summary: Un résumé court.", "headlines[0].summary"),
    "article body": (ISSUE, "body: Le texte de l'article.", "sections[0].articles[0].body"),
    "alt": (ISSUE, "alt: Une photo", "sections[0].articles[0].image.alt"),
    "src": (ISSUE, "src: images/photo.jpg", "sections[0].articles[0].image.src"),
    "caption": (ISSUE, "caption", "sections[0].articles[0].image.caption"),
    "sender name": ("publication.yaml", "name: Cellule de test", "sender.name"),
    "footer": ("publication.yaml", None, "footer"),
    "front matter": ("inclus", "title", "sections[0].articles[1].title"),
}


def with_value(newsletter: Newsletter, field: str, value: str) -> tuple[Path, str]:
    """A newsletter whose `field` holds `value` (YAML double-quoted source); its file shown."""
    file, line, _ = FIELDS[field]
    key = (line or FIELDS[field][2]).split(":")[0]
    if file == "inclus":
        issue = (MINIMAL / ISSUE).read_text() + "      - include: inclus.md\n"
        md = f"---\ntitle: {value}\nsummary: Un chapô.\n---\n\nTexte.\n"
        return newsletter({ISSUE: issue, ISSUE.replace("issue.yaml", "inclus.md"): md}), (
            ISSUE.replace("issue.yaml", "inclus.md")
        )
    text = (MINIMAL / file).read_text()
    if key == "caption":
        text = text.replace("alt: Une photo", f"alt: Une photo\n          caption: {value}")
    elif line:
        text = text.replace(line, f"{key}: {value}")
    else:
        text += f"{key}: {value}\n"
    return newsletter({file: text}), file


@pytest.mark.parametrize("char", list(REFUSED))
@pytest.mark.parametrize("field", list(FIELDS))
def test_what_no_edition_can_render_is_a_check_error_at_its_field(
    newsletter: Newsletter, field: str, char: str
) -> None:
    escape, message = REFUSED[char]
    root, file = with_value(newsletter, field, f'"Avant {escape} après"')
    problems = check(Repository(root)).problems
    assert [p for p in problems if p.is_error]
    first = next(p for p in problems if p.is_error)
    assert first.file.endswith(file) and first.line > 0
    assert first.field == FIELDS[field][2] and message in first.message


@pytest.mark.parametrize("char", ["lone surrogate", "U+FFFE", "U+0001"])
@pytest.mark.parametrize("field", ["title", "article body", "sender name"])
def test_build_refuses_them_the_same_way_never_with_an_internal_error(
    newsletter: Newsletter, lettre: Lettre, field: str, char: str
) -> None:
    escape, message = REFUSED[char]
    root, _ = with_value(newsletter, field, f'"Avant {escape} après"')
    result = lettre("build", repo=root)
    assert result.exit_code == 1
    shown = {
        "title": "title",
        "article body": "Section 1 “Opérations”, 1st article “Un article” › body",
        "sender name": "sender › name",
    }
    assert f"{shown[field]}: " in result.stderr and message in result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert not (root / "dist").exists() or not list((root / "dist").rglob("*.html"))


def test_noncharacters_in_a_markdown_file_are_errors_at_their_line(newsletter: Newsletter) -> None:
    issue = (MINIMAL / ISSUE).read_text() + "      - include: inclus.md\n"
    md = "---\ntitle: Inclus\n---\n\nUne ligne.\n\nDeux \ufdd0 lignes.\n"
    root = newsletter({ISSUE: issue, ISSUE.replace("issue.yaml", "inclus.md"): md})
    [problem] = check(Repository(root)).problems
    assert (problem.file, problem.line, problem.column) == (
        ISSUE.replace("issue.yaml", "inclus.md"),
        7,
        6,
    )
    assert "U+FDD0 is a Unicode noncharacter" in problem.message


@pytest.mark.parametrize(
    ("typed", "subject"),
    [
        ('"F\\ud83c\\udf89te"', "F🎉te"),
        ('"\\uD83D\\uDC69\\u200D\\uD83D\\uDE92 pompiers"', "👩\u200d🚒 pompiers"),
        ('"Merci \\u2764\\uFE0F"', "Merci ❤\ufe0f"),
        ('"Avec\\tune tabulation"', "Avec une tabulation"),
        ('"\\\\u{3c}b\\\\u{3e}"', "\\u{3c}b\\u{3e}"),
    ],
)
def test_what_check_accepts_build_renders(
    newsletter: Newsletter, lettre: Lettre, typed: str, subject: str
) -> None:
    root = newsletter({ISSUE: (MINIMAL / ISSUE).read_text() + f"title: {typed}\n"})
    assert [p for p in check(Repository(root)).problems if p.is_error] == []
    result = lettre("build", repo=root)
    assert result.exit_code == 0, result.output
    eml = email.message_from_bytes((root / f"{STEM}.eml").read_bytes(), policy=policy.default)
    assert str(eml["Subject"]) == subject
    page = (root / f"{STEM}-email.html").read_text()
    assert subject in "".join(Parsed(page).text)


def test_a_line_break_or_tab_in_a_file_name_is_a_check_error(newsletter: Newsletter) -> None:
    for name in ("pho\nto.jpg", "pho\tto.jpg"):
        root = newsletter(
            {
                ISSUE: (MINIMAL / ISSUE)
                .read_text()
                .replace("src: images/photo.jpg", f"src: {q('images/' + name)}"),
                f"{ISSUE.rsplit('/', 1)[0]}/images/{name}": (MINIMAL / ISSUE)
                .with_name("images")
                .joinpath("photo.jpg")
                .read_bytes(),
            }
        )
        [problem] = check(Repository(root)).problems
        assert problem.field == "sections[0].articles[0].image.src"
        assert "line break or a tab" in problem.message
        shutil.rmtree(root)


# --- Subject and From: nothing invisible ---------------------------------------------------

HIDDEN = ["\u200f", "\u2060", "\u00ad", "\U000e0041", "\u3164", "\uffa0", "\u115f", "\u200b",
          "\u202e", "\u061c", "\u180e", "\u034f", "\u2800", "\ufe0f", "\u200d", "\U000e0100",
          "\u206a", "\U0001bca0"]  # fmt: skip


@pytest.mark.parametrize("char", HIDDEN)
@pytest.mark.parametrize(
    ("file", "line", "field"),
    [
        (ISSUE, None, "title"),
        ("publication.yaml", "name: Lettre de test", "name"),
        ("publication.yaml", "  name: Cellule de test", "sender.name"),
    ],
)
def test_invisible_characters_are_refused_in_subject_and_from(
    newsletter: Newsletter, char: str, file: str, line: str | None, field: str
) -> None:
    value = q(f" {char}Banque{char} ")
    text = (MINIMAL / file).read_text()
    if line:
        text = text.replace(line, line.split(":")[0] + f": {value}")
    else:
        text += f"title: {value}\n"
    root = newsletter({file: text})
    errors = [p for p in check(Repository(root)).problems if p.is_error]
    assert [p.field for p in errors] == [field]
    assert f"contains U+{ord(char):04X} " in errors[0].message and "invisible" in errors[0].message


def test_the_message_is_checked_again_where_headers_are_written(newsletter: Newsletter) -> None:
    loaded = check(Repository(newsletter())).issues[0]
    for title in ("a\u200fb", "a\tb", "x\U000e0041"):
        hostile = dataclasses.replace(
            loaded, issue=loaded.issue.model_copy(update={"title": title})
        )
        with pytest.raises(LettreError, match="header Subject"):
            mail.build_message(hostile, "<p>x</p>", "x", [])
    for link in ("https://e.example/u>,<mailto:x@evil.example>", "https://e.example/a b"):
        publication = loaded.publication.model_copy(update={"unsubscribe": link})
        with pytest.raises(LettreError, match="header List-Unsubscribe"):
            mail.build_message(dataclasses.replace(loaded, publication=publication), "", "", [])


@pytest.mark.parametrize(
    "link",
    [
        "https://example.org/u>,<mailto:x@evil.example>",
        "https://example.org/u,mailto:x@evil.example",
        "https://example.org/<u",
        'https://example.org/u"x',
        "https://example.org/u'x",
        "https://example.org/u x",
        "https://example.org/u\\\\x",
        "mailto:a@example.org>, <https://evil.example/",
    ],
)
def test_a_header_link_cannot_carry_a_second_one(newsletter: Newsletter, link: str) -> None:
    publication = (MINIMAL / "publication.yaml").read_text() + f"unsubscribe: {q(link)}\n"
    root = newsletter({"publication.yaml": publication})
    [problem] = check(Repository(root)).problems
    assert (problem.file, problem.line, problem.field) == ("publication.yaml", 6, "unsubscribe")
    assert problem.is_error


def test_a_header_link_written_percent_encoded_is_one_link(
    newsletter: Newsletter, lettre: Lettre
) -> None:
    link = "https://example.org/u?liste=a%2Cb&n=%3C1%3E"
    publication = (MINIMAL / "publication.yaml").read_text() + f"unsubscribe: {q(link)}\n"
    root = newsletter({"publication.yaml": publication})
    assert lettre("build", repo=root).exit_code == 0
    eml = email.message_from_bytes((root / f"{STEM}.eml").read_bytes(), policy=policy.default)
    assert str(eml["List-Unsubscribe"]) == f"<{link}>"


# --- nothing vanishes: deep lists, long words -----------------------------------------------


def body_issue(body: str) -> str:
    indented = "".join(f"          {line}\n" for line in body.splitlines())
    return (
        (MINIMAL / ISSUE)
        .read_text()
        .replace("body: Le texte de l'article.", "body: |\n" + indented)
    )


def pdf_text(pdf: Path) -> str:
    out = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True)
    return out.stdout


@pytest.mark.parametrize("depth", [10, markdown.MAX_DEPTH])
def test_nested_lists_up_to_the_limit_are_in_every_edition(
    newsletter: Newsletter, lettre: Lettre, depth: int
) -> None:
    items = "\n".join("  " * i + f"- niveau{i}" for i in range(depth))
    root = newsletter({ISSUE: body_issue(items + "\n\nLa fin du texte.")})
    result = lettre("build", repo=root)
    assert result.exit_code == 0, result.output
    page = (root / f"{STEM}-email.html").read_text()
    text = (root / f"{STEM}.txt").read_text()
    printed = pdf_text(root / f"{STEM}.pdf")
    for edition in (page, text, printed):
        assert all(f"niveau{i}" in edition for i in range(depth))
        assert "La fin du texte." in edition


@pytest.mark.parametrize(
    ("body", "line"),
    [
        ("\n".join("  " * i + f"- n{i}" for i in range(markdown.MAX_DEPTH + 1)) + "\n\nFin.", 32),
        ("\n".join("  " * i + f"- n{i}" for i in range(300)), 32),
        ("Avant.\n\n" + ">" * 30 + " cité\n\nFin.", 14),
        ("Avant.\n\n" + "".join("   " * i + "1. > un\n" for i in range(25)), 33),
    ],
)
def test_deeper_nesting_is_an_error_at_its_line(
    newsletter: Newsletter, lettre: Lettre, body: str, line: int
) -> None:
    root = newsletter({ISSUE: body_issue(body)})
    [problem] = check(Repository(root)).problems
    assert (problem.file, problem.line) == (ISSUE, line)  # the body starts at line 12
    assert problem.field == "sections[0].articles[0].body" and problem.is_error
    assert f"nested more than {markdown.MAX_DEPTH} levels deep" in problem.message
    result = lettre("build", repo=root)
    assert result.exit_code == 1 and "internal error" not in result.stderr


WORD = "".join("abcdefghijklmnopqrstuvwxyz0123456789"[i % 36] for i in range(30_000))


@pytest.fixture(scope="module")
def long_words(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("long") / "newsletter"
    shutil.copytree(MINIMAL, root)
    body = f"Avant {WORD} après.\n\n```\n{WORD}\n```\n\nCode `{WORD[:5000]}` fin."
    text = body_issue(body).replace(
        "alt: Une photo", f"alt: Une photo\n          credit: {q('c' + WORD[:5000])}"
    )
    (root / ISSUE).write_text(text.replace("summary: Un résumé court.", f"summary: s{WORD[:3000]}"))
    from click.testing import CliRunner

    from lettre.cli import cli

    result = CliRunner().invoke(cli, ["--repo", str(root), "build", "--jobs", "1"])
    assert result.exit_code == 0, result.output
    return root


def test_a_30000_letter_word_is_whole_in_the_pdf(long_words: Path) -> None:
    lines = pdf_text(long_words / f"{STEM}.pdf").splitlines()
    # running heads, and the sommaire, which pdftotext reads after the left column of page 1
    # (À la une, whose very long summary goes on to page 2)
    furniture = re.compile(
        r"page \d+ / \d+$|Lettre de test · n°|Opérations$|Sommaire$|.*\.{3} ?\d+$"
    )
    flat = "".join("".join(line for line in lines if not furniture.match(line)).split())
    flat = flat.replace("\u2010", "")  # the hyphens WeasyPrint adds where it breaks a word
    assert flat.count(WORD) == 2  # the paragraph and the code block
    assert ("c" + WORD[:5000]) in flat and ("s" + WORD[:3000]) in flat
    assert flat.count(WORD[:5000]) >= 4  # and the code span


def test_long_words_are_whole_in_the_text_part(long_words: Path) -> None:
    text = (long_words / f"{STEM}.txt").read_text()
    assert text.count(WORD) == 2 and "<wbr>" not in text


@pytest.mark.parametrize("width", [320, 600])
def test_a_long_word_neither_widens_nor_clips_the_email(
    browser: object, long_words: Path, width: int
) -> None:
    page = browser.new_page(viewport={"width": width, "height": 900})  # type: ignore[attr-defined]
    page.goto((long_words / f"{STEM}-email.html").as_uri())
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    shown = page.evaluate("document.body.innerText")
    page.close()
    assert "".join(shown.split()).count(WORD) == 2
