"""Issue 14, the editor's week: warnings decided rather than forced, and the weekly routine.

Warnings have stable codes; `accept:` decides them where they stand; `send` and `publish`
list every warning not decided, and refuse; `--force` says each one it lets through;
placeholders and example addresses never go out. `lettre new` finds the next free Friday,
numbers are checked, a stray folder under bulletins/ is a warning, and `security: plain`
says what `--plain` says.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from lettre import codes, decisions, scaffold
from lettre.errors import LettreError, Problem, Severity
from lettre.load import check
from lettre.model import Smtp
from lettre.repo import Repository
from lettre.send import Request, _server
from tests.conftest import ISSUE, MINIMAL, Lettre, Newsletter
from tests.test_send import send, server  # noqa: F401 (the SMTP server fixture)

MINIMAL_ISSUE = (MINIMAL / ISSUE).read_text(encoding="utf-8")
NO_URL = MINIMAL_ISSUE.replace("    url: https://example.org/une\n", "")
"""The minimal issue with one warning: a headline with no link [no-read-more]."""
CODE_AT_END = re.compile(r" \[([a-z-]+)\]$")


def code_of_line(line: str) -> str:
    found = CODE_AT_END.search(line)
    return found.group(1) if found else ""


def warnings_of(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ": warning: " in line]


# --- 1. every warning has a code; the advice can be followed --------------------------------

MANY_WARNINGS = """date: 2025-06-13
title: À COMPLÉTER
preheader: {preheader}
headlines:
  - title: {long}
    summary: {summary}
    date: 2025-06-20
sections:
  - title: Opérations
    articles:
      - title: Un article
        summary: Sans lien ni corps.
        image: {{src: images/petite.jpg, alt: Petite}}
      - title: Un autre
        summary: Un chapô #avec un dièse
        body: "Du <b>HTML</b> et <!-- un commentaire -->"
"""


def many_warnings(newsletter: Newsletter) -> Path:
    text = MANY_WARNINGS.format(
        preheader="Aperçu " * 25, long="Titre " * 25, summary="Résumé " * 50
    )
    publication = (MINIMAL / "publication.yaml").read_text()
    publication = publication.replace("test@lettre.test", "communication@example.org")
    publication = publication.replace("Cellule de test\nsender", "À COMPLÉTER\nsender")
    publication += "unsubscribe: mailto:stop@lettre.test\ncolors: {primary: '#ffee00'}\n"
    root = newsletter({ISSUE: text, "publication.yaml": publication})
    Image.new("RGB", (400, 300)).save(root / "bulletins/2025-06-13/images/petite.jpg")
    return root


def test_every_warning_check_gives_ends_with_a_known_code(
    newsletter: Newsletter, lettre: Lettre
) -> None:
    root = many_warnings(newsletter)
    (root / "bulletins/brouillons").mkdir()
    result = lettre("check", repo=root)
    assert result.exit_code == 0, result.output
    lines = warnings_of(result.stderr)
    assert lines and all(code_of_line(line) in codes.CODES for line in lines), lines
    found = {code_of_line(line) for line in lines}
    assert found == {
        "placeholder", "example-sender", "unsubscribe-mailto-only", "contrast-low",
        "preheader-too-long", "title-too-long", "summary-too-long", "date-after-issue",
        "no-read-more", "image-narrow", "markdown-html", "yaml-comment", "not-an-issue",
    }  # fmt: skip
    # `file:line:col:` stays first
    assert all(re.match(r"[\w./-]+(:\d+:\d+)?: warning: ", line) for line in lines)


def test_a_headline_is_told_to_add_a_url_never_a_body(newsletter: Newsletter) -> None:
    root = newsletter({ISSUE: NO_URL})
    [problem] = check(Repository(root)).problems
    assert problem.code == "no-read-more" and problem.field == "headlines[0]"
    assert "add a url" in problem.message and "body" not in problem.message
    # an article may take either
    article = MINIMAL_ISSUE.replace("        body: Le texte de l'article.\n", "")
    [problem] = check(Repository(newsletter_again(newsletter, root, article))).problems
    assert problem.field == "sections[0].articles[0]"
    assert "add a url or a body" in problem.message


def newsletter_again(newsletter: Newsletter, root: Path, issue: str) -> Path:
    (root / ISSUE).write_text(issue, encoding="utf-8")
    return root


def test_the_build_gives_its_warnings_with_codes() -> None:
    line = codes.coded("email-weight", "the email's HTML is 95,000 bytes")
    assert line.endswith(" [email-weight]") and codes.code_of(line) == "email-weight"
    assert codes.code_of("a line that ends [not-a-code]") == ""
    assert codes.code_of("no code at all") == ""
    assert set(codes.CODES) >= codes.EDITION_CODES and set(codes.CODES) >= codes.NEVER_ACCEPTED


# --- 1. accept: where the warning stands -----------------------------------------------------

TWO_HEADLINES = """date: 2025-06-13
headlines:
  - title: Première
    summary: Sans lien.
    {accept_first}
  - title: Seconde
    summary: Sans lien non plus.
sections:
  - title: Opérations
    articles:
      - title: Un article
        summary: Un chapô.
        body: Le texte.
"""


def test_accept_on_an_item_decides_that_item_only(newsletter: Newsletter, lettre: Lettre) -> None:
    issue = TWO_HEADLINES.format(accept_first="accept: [no-read-more]")
    root = newsletter({ISSUE: issue})
    checked = check(Repository(root))
    first, second = sorted(checked.problems, key=lambda p: p.line)
    assert (first.field, second.field) == ("headlines[0]", "headlines[1]")
    assert first in checked.accepted and second not in checked.accepted
    result = lettre("check", "--strict", repo=root)  # the one not accepted still fails --strict
    assert result.exit_code == 1
    [accepted] = [line for line in result.stderr.splitlines() if line.endswith("(accepted)")]
    assert accepted.startswith(
        "bulletins/2025-06-13/issue.yaml:3:5: warning: Headlines, 1st item “Première”:"
    )
    assert "1 of them accepted." in result.stderr


def test_accept_at_the_top_of_the_issue_or_of_the_publication(
    newsletter: Newsletter, lettre: Lettre
) -> None:
    issue = TWO_HEADLINES.format(accept_first="").replace(
        "date: 2025-06-13\n", "date: 2025-06-13\naccept: [no-read-more]\n"
    )
    root = newsletter({ISSUE: issue})
    result = lettre("check", "--strict", repo=root)
    assert result.exit_code == 0, result.output  # accepted warnings do not fail --strict
    assert len([line for line in result.stderr.splitlines() if line.endswith("(accepted)")]) == 2
    # publication.yaml's accept: covers every issue (and its own warnings)
    root = newsletter_again(newsletter, root, TWO_HEADLINES.format(accept_first=""))
    publication = root / "publication.yaml"
    publication.write_text(
        publication.read_text()
        + "unsubscribe: mailto:stop@lettre.test\naccept: [no-read-more, unsubscribe-mailto-only]\n"
    )
    result = lettre("check", "--strict", repo=root)
    assert result.exit_code == 0, result.output
    assert "3 of them accepted." in result.stdout


def test_accept_in_an_included_article_and_a_section(newsletter: Newsletter) -> None:
    issue = (
        MINIMAL_ISSUE.replace("        body: Le texte de l'article.\n", "")
        + "      - include: articles/inclus.md\n  - title: Deux\n    accept: [no-read-more]\n"
        + ("    articles:\n      - title: Sans rien\n        summary: Seul.\n")
    )
    article = "---\ntitle: Inclus\nsummary: Un chapô.\naccept: [no-read-more]\n---\n"
    root = newsletter({ISSUE: issue, "bulletins/2025-06-13/articles/inclus.md": article})
    checked = check(Repository(root))
    by_field = {p.field: p in checked.accepted for p in checked.problems}
    assert by_field == {
        "sections[0].articles[0]": False,  # its accept: is nowhere
        "sections[0].articles[1]": True,  # its front matter accepts it
        "sections[1].articles[0]": True,  # its section accepts it
    }


def test_scopes_do_not_leak_to_a_neighbour() -> None:
    assert codes._within("sections[0].articles[1].image.src", "sections[0]")
    assert codes._within("sections[0].articles[1]", "sections[0].articles[1]")
    assert not codes._within("sections[10].title", "sections[1]")
    assert not codes._within("sections[0].articles[10]", "sections[0].articles[1]")
    assert codes._within("anything", "")


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("date-after-isue", "unknown warning code 'date-after-isue'; did you mean 'date-after-issue'?"),
        ("Date-After-Issue", "unknown warning code 'Date-After-Issue'; did you mean 'date-after-issue'?"),
        ("nothing-like-it-at-all", "unknown warning code 'nothing-like-it-at-all'; copy it from the end of the warning's line, where it stands in brackets"),
        ("placeholder", "'placeholder' cannot be accepted: nobody means to send it; replace the placeholder text or the example address"),
        ("example-sender", "'example-sender' cannot be accepted: nobody means to send it; replace the placeholder text or the example address"),
        ('"date-after-issue\\u202e"', "unknown warning code 'date-after-issue\\u202e'; did you mean 'date-after-issue'?"),
        ('"' + "x" * 200 + '"', "unknown warning code '" + "x" * 59 + "…'; copy it from the end of the warning's line, where it stands in brackets"),
    ],
)  # fmt: skip
def test_an_unknown_or_unacceptable_code_is_an_error_at_its_place(
    newsletter: Newsletter, lettre: Lettre, typed: str, message: str
) -> None:
    issue = NO_URL.replace("    summary: Un résumé court.\n", f"    summary: Un résumé court.\n    accept: [{typed}]\n")  # fmt: skip
    root = newsletter({ISSUE: issue})
    result = lettre("check", repo=root)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"bulletins/2025-06-13/issue.yaml:5:14: Headlines, 1st item “Une nouvelle” › accept, "
        f"item 1: {message}"
    )


def test_issue_warnings_gives_each_with_its_accepted_flag(newsletter: Newsletter) -> None:
    """The function the proof report uses."""
    issue = TWO_HEADLINES.format(accept_first="accept: [no-read-more]")
    root = newsletter({ISSUE: issue})
    folder = root / "bulletins/2025-06-13"
    weight = codes.coded("email-weight", "the email's HTML is 95,000 bytes")
    found = decisions.issue_warnings(Repository(root), folder, [weight, weight])
    assert [(d.code, d.accepted) for d in found] == [
        ("no-read-more", True),
        ("no-read-more", False),
        ("email-weight", False),  # given twice (a build's notes), listed once
    ]
    assert found[2].text == (
        "bulletins/2025-06-13/issue.yaml: warning: the email's HTML is 95,000 bytes [email-weight]"
    )
    # a build's warning is accepted at the top of the issue only
    (folder / "issue.yaml").write_text("accept: [email-weight]\n" + issue)
    found = decisions.issue_warnings(Repository(root), folder, [weight])
    assert [(d.code, d.accepted) for d in found][-1] == ("email-weight", True)


# --- 1. the gate: send and publish -----------------------------------------------------------


def said() -> tuple[list[str], Any]:
    lines: list[str] = []
    return lines, lambda message, **style: lines.append(message)


def test_the_gate_lists_every_warning_and_force_says_each_one() -> None:
    open_ = [
        decisions.Decided("a.yaml:1:1: warning: one [no-read-more]", "no-read-more", False),
        decisions.Decided("a.yaml:2:1: warning: two [image-narrow]", "image-narrow", False),
        decisions.Decided("a.yaml: warning: heavy [email-weight]", "email-weight", False),
        decisions.Decided("a.yaml:3:1: warning: ok [title-too-long]", "title-too-long", True),
    ]
    lines, say = said()
    with pytest.raises(LettreError) as refused:
        decisions.gate(open_, command="lettre send", shown="b/x", force=False, say=say)
    message = refused.value.format_message()
    assert all(d.text in message for d in open_[:3]) and open_[3].text not in message
    assert "accept: [email-weight, image-narrow, no-read-more]" in message and lines == []
    decisions.gate(open_, command="lettre send", shown="b/x", force=True, say=say)
    assert lines[:3] == [f"forced past: {d.text}" for d in open_[:3]]  # the weight said aloud
    assert lines[3] == "b/x: 1 warning accepted in the issue (lettre check lists it)"
    lines.clear()
    decisions.gate(open_[3:], command="lettre send", shown="b/x", force=False, say=say)
    assert lines == ["b/x: 1 warning accepted in the issue (lettre check lists it)"]


def test_placeholders_pass_no_gate_but_a_rehearsal() -> None:
    never = [decisions.Decided("p.yaml:1:1: warning: x [placeholder]", "placeholder", False)]
    lines, say = said()
    for force in (False, True):
        with pytest.raises(LettreError, match="no accept: and no --force"):
            decisions.gate(never, command="lettre publish", shown="b/x", force=force, say=say)
    with pytest.raises(LettreError):  # a test copy: a warning like the others
        decisions.gate(never, command="lettre send", shown="b/x", force=False, rehearsal=True, say=say)  # fmt: skip
    decisions.gate(never, command="lettre send", shown="b/x", force=True, rehearsal=True, say=say)
    assert lines == [f"forced past: {never[0].text}"]


def test_send_refuses_every_warning_not_accepted_then_sends_once_they_are(
    newsletter: Newsletter,
    lettre: Lettre,
    server: Any,  # noqa: F811
) -> None:
    mailbox, port, _ = server
    issue = TWO_HEADLINES.format(accept_first="")
    root = newsletter({ISSUE: issue})
    refused = send(lettre, root, port, "--plain", "--to", "a@example.org")
    assert refused.exit_code == 1 and mailbox.messages == []
    listed = [line.strip() for line in refused.stderr.splitlines() if ": warning: " in line]
    assert [line.split(": warning: ")[1].split(":")[0] for line in listed] == [
        "Headlines, 1st item “Première”",
        "Headlines, 2nd item “Seconde”",
    ]  # both, not the first only
    root = newsletter_again(newsletter, root, "accept: [no-read-more]\n" + issue)
    sent = send(lettre, root, port, "--plain", "--to", "a@example.org")  # no --force
    assert sent.exit_code == 0, sent.output
    assert "2 warnings accepted in the issue" in sent.stderr
    assert len(mailbox.messages) == 1


def test_send_force_says_each_warning_it_lets_through(
    newsletter: Newsletter,
    lettre: Lettre,
    server: Any,  # noqa: F811
) -> None:
    mailbox, port, _ = server
    root = newsletter({ISSUE: NO_URL})
    forced = send(lettre, root, port, "--plain", "--force", "--to", "a@example.org")
    assert forced.exit_code == 0, forced.output
    [line] = [line for line in forced.stderr.splitlines() if line.startswith("forced past: ")]
    assert line.endswith("[no-read-more]") and len(mailbox.messages) == 1


def heavy_issue() -> str:
    """An email over the weight Gmail clips at, that cannot be shortened (no url)."""
    paragraph = "Un paragraphe assez long pour peser. " * 60
    body = "\n\n".join([paragraph] * 45)
    indented = "\n".join(f"          {line}" if line else "" for line in body.split("\n"))
    return MINIMAL_ISSUE.replace(
        "        body: Le texte de l'article.\n", f"        body: |\n{indented}\n"
    )


def test_force_never_silently_sends_an_email_over_gmails_weight(
    newsletter: Newsletter,
    lettre: Lettre,
    server: Any,  # noqa: F811
) -> None:
    mailbox, port, _ = server
    root = newsletter({ISSUE: heavy_issue()})
    refused = send(lettre, root, port, "--plain", "--to", "a@example.org")
    assert refused.exit_code == 1, refused.output
    assert any(line.endswith("[email-weight]") for line in refused.stderr.splitlines())
    # the build is now unchanged: its warnings come from its record, and are said again
    forced = send(lettre, root, port, "--plain", "--force", "--to", "a@example.org")
    assert forced.exit_code == 0, forced.output
    weight = [line for line in forced.stderr.splitlines() if line.endswith("[email-weight]")]
    assert weight and weight[0].startswith("forced past: ") and "Gmail clips" in weight[0]
    assert len(mailbox.messages) == 1


def test_publish_decides_like_send_and_records_the_warnings(
    newsletter: Newsletter, lettre: Lettre
) -> None:
    root = newsletter({ISSUE: NO_URL})
    record = root / "bulletins/2025-06-13/published.json"
    refused = lettre("publish", str(root / "bulletins/2025-06-13"), repo=root)
    assert refused.exit_code == 1 and "[no-read-more]" in refused.stderr
    assert not record.exists()
    root = newsletter_again(newsletter, root, "accept: [no-read-more]\n" + NO_URL)
    published = lettre("publish", str(root / "bulletins/2025-06-13"), repo=root)
    assert published.exit_code == 0, published.output
    [warning] = json.loads(record.read_text())["warnings"]
    assert warning["code"] == "no-read-more" and warning["accepted"] is True


def test_publish_force_lets_warnings_through_and_says_them(
    newsletter: Newsletter, lettre: Lettre
) -> None:
    root = newsletter({ISSUE: NO_URL})
    forced = lettre("publish", "--force", str(root / "bulletins/2025-06-13"), repo=root)
    assert forced.exit_code == 0, forced.output
    assert "forced past: " in forced.stderr and "[no-read-more]" in forced.stderr
    [warning] = json.loads((root / "bulletins/2025-06-13/published.json").read_text())["warnings"]
    assert warning["accepted"] is False


# --- 2. placeholders and the example sender --------------------------------------------------


def test_init_writes_placeholders_that_check_warns_on_and_publish_and_send_refuse(
    newsletter: Newsletter,
    lettre: Lettre,
    tmp_path: Path,
    server: Any,  # noqa: F811
) -> None:
    mailbox, port, _ = server
    folder = tmp_path / "neuve"
    created = lettre("init", str(folder))
    assert created.exit_code == 0
    assert created.stdout.splitlines()[-1] == (
        "Replace 'À COMPLÉTER' and 'communication@example.org' in it: "
        "lettre check reminds you, and send and publish refuse them."
    )
    publication = (folder / "publication.yaml").read_text()
    assert 'organization: "À COMPLÉTER"' in publication
    assert "communication@example.org" in publication
    root = newsletter({"publication.yaml": publication})
    checked = lettre("check", repo=root)
    assert checked.exit_code == 0, checked.output
    assert sorted(code_of_line(line) for line in warnings_of(checked.stderr)) == [
        "example-sender",
        "placeholder",
    ]
    for command in ("publish", "publish --force"):
        result = lettre(*command.split(), str(root / "bulletins/2025-06-13"), repo=root)
        assert result.exit_code == 1 and "lettre publish refused" in result.stderr
        assert "[placeholder]" in result.stderr and "[example-sender]" in result.stderr
    assert not (root / "bulletins/2025-06-13/published.json").exists()
    for forced in ((), ("--force",)):
        result = send(lettre, root, port, "--plain", *forced, "--to", "a@example.org")
        assert result.exit_code == 1 and "lettre send refused" in result.stderr
    assert mailbox.messages == []


def test_placeholders_in_the_issue_stop_a_send_even_forced_but_not_a_test_copy(
    newsletter: Newsletter,
    lettre: Lettre,
    server: Any,  # noqa: F811
) -> None:
    mailbox, port, _ = server
    root = newsletter()
    for typed in ("À COMPLÉTER", "A COMPLETER", "À  COMPLÉTER", "A COMPLÉTER", "TO BE WRITTEN"):
        newsletter_again(newsletter, root, MINIMAL_ISSUE.replace("Un chapô.", f"Chapô {typed}."))
        [problem] = check(Repository(root)).problems
        assert problem.code == "placeholder", typed
    newsletter_again(newsletter, root, MINIMAL_ISSUE.replace("Un chapô.", "À COMPLÉTER"))
    result = send(lettre, root, port, "--plain", "--force", "--to", "a@example.org")
    assert result.exit_code == 1 and "[placeholder]" in result.stderr
    copy = send(lettre, root, port, "--plain", "--force", "--test", "moi@example.org")
    assert copy.exit_code == 0, copy.output
    assert [to for to, _ in mailbox.messages] == [["moi@example.org"]]


def test_lowercase_words_are_the_editors_own(newsletter: Newsletter) -> None:
    root = newsletter({ISSUE: MINIMAL_ISSUE.replace("Un chapô.", "Le dossier à compléter.")})
    assert check(Repository(root)).problems == []


@pytest.mark.parametrize(
    "address",
    ["x@example.com", "x@EXAMPLE.NET", "x@mail.example.org", "x@cellule.example", "x@a.invalid"],
)
def test_example_addresses_are_warned_in_every_form(newsletter: Newsletter, address: str) -> None:
    publication = (MINIMAL / "publication.yaml").read_text().replace("test@lettre.test", address)
    root = newsletter({"publication.yaml": publication + "reply_to: ecrire@lettre.test\n"})
    [problem] = check(Repository(root)).problems
    assert (problem.code, problem.field) == ("example-sender", "sender.email")
    assert address in problem.message


def test_an_address_that_only_looks_like_an_example_is_fine(newsletter: Newsletter) -> None:
    publication = (MINIMAL / "publication.yaml").read_text()
    publication = publication.replace("test@lettre.test", "com@notexample.org")
    root = newsletter({"publication.yaml": publication})
    assert check(Repository(root)).problems == []


# --- 2. lettre new, numbers, stray folders ---------------------------------------------------


def test_next_free_friday() -> None:
    class Repo:
        bulletins = Path("/nonexistent")

    monday = date(2026, 11, 23)
    assert scaffold.next_free_friday(Repo(), monday) == (date(2026, 11, 27), [])  # type: ignore[arg-type]


def test_new_when_the_coming_friday_exists_takes_the_next_free_one(
    newsletter: Newsletter, lettre: Lettre, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Today(date):
        @classmethod
        def today(cls) -> Today:
            return cls(2026, 11, 24)  # a Tuesday: the coming Friday is 27 November

    monkeypatch.setattr("lettre.cli.date", Today)
    root = newsletter()
    for day in ("2026-11-27", "2026-12-04"):
        (root / "bulletins" / day).mkdir()
        (root / "bulletins" / day / "issue.yaml").write_text("# kept as it is\n")
    result = lettre("new", repo=root)
    assert result.exit_code == 0, result.output
    assert result.stdout == "bulletins/2026-12-11/issue.yaml\n"
    assert result.stderr == (
        "bulletins/2026-11-27, bulletins/2026-12-04 exist already: "
        "created the next free Friday, 2026-12-11\n"
    )
    assert (root / "bulletins/2026-11-27/issue.yaml").read_text() == "# kept as it is\n"
    # --date names a day: an existing one is refused, never moved
    again = lettre("new", "--date", "2026-11-27", repo=root)
    assert again.exit_code == 1 and "already exists" in again.stderr


def two_issues(newsletter: Newsletter, first: str, second: str) -> Path:
    root = newsletter()
    earlier = root / "bulletins/2025-06-06"
    earlier.mkdir()
    (earlier / "images").mkdir()
    (earlier / "images/photo.jpg").write_bytes((root / "bulletins/2025-06-13/images/photo.jpg").read_bytes())  # fmt: skip
    (earlier / "issue.yaml").write_text(
        MINIMAL_ISSUE.replace("date: 2025-06-13", "date: 2025-06-06" + first)
    )
    (root / ISSUE).write_text(MINIMAL_ISSUE.replace("date: 2025-06-13", "date: 2025-06-13" + second))  # fmt: skip
    return root


def test_two_issues_with_one_number_is_an_error_naming_both(
    newsletter: Newsletter, lettre: Lettre
) -> None:
    root = two_issues(newsletter, "\nnumber: 7", "\nnumber: 7")
    result = lettre("check", repo=root)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[:2] == [
        "bulletins/2025-06-06/issue.yaml:2:9: number: n° 7 is also the number of bulletins/2025-06-13; give each issue its own number (or leave `number:` out: it follows the previous issue's)",
        "bulletins/2025-06-13/issue.yaml:2:9: number: n° 7 is also the number of bulletins/2025-06-06; give each issue its own number (or leave `number:` out: it follows the previous issue's)",
    ]  # fmt: skip
    # a number left out follows on: 8 after 7, and a later "number: 8" is its twin
    (root / ISSUE).write_text(MINIMAL_ISSUE)  # no number: 8, after 7
    third = root / "bulletins/2025-06-20"
    third.mkdir()
    (third / "issue.yaml").write_text(
        NO_URL.replace("date: 2025-06-13", "date: 2025-06-20\nnumber: 8").replace(
            "        image:\n          src: images/photo.jpg\n          alt: Une photo\n", ""
        )
    )
    errors = [p for p in check(Repository(root)).problems if p.is_error]
    assert [(p.file, p.field) for p in errors] == [
        ("bulletins/2025-06-13/issue.yaml", "date"),  # no number: line; placed on its date
        ("bulletins/2025-06-20/issue.yaml", "number"),
    ]


@pytest.mark.parametrize(
    ("first", "second", "code"),
    [("\nnumber: 7", "\nnumber: 9", "number-gap"), ("\nnumber: 7", "\nnumber: 5", "number-backwards")],
)  # fmt: skip
def test_a_gap_or_a_number_going_backwards_is_a_warning(
    newsletter: Newsletter, first: str, second: str, code: str
) -> None:
    root = two_issues(newsletter, first, second)
    [problem] = check(Repository(root)).problems
    assert problem.severity is Severity.WARNING and problem.code == code
    assert problem.file == "bulletins/2025-06-13/issue.yaml" and problem.field == "number"


@pytest.mark.parametrize("name", ["brouillons", "2026-12-04 - copie", "2025-06-13.old", "notes"])
def test_a_folder_that_is_not_an_issue_is_a_warning_that_names_it(
    newsletter: Newsletter, lettre: Lettre, name: str
) -> None:
    root = newsletter()
    stray = root / "bulletins" / name
    stray.mkdir()
    (stray / "issue.yaml").write_text("date: [not, an, issue\n")  # never read
    result = lettre("check", repo=root)
    assert result.exit_code == 0, result.output
    [line] = warnings_of(result.stderr)
    assert line.startswith(f"bulletins/{name}: warning: not an issue folder")
    assert line.endswith("[not-an-issue]")
    assert "1 issue checked" in result.stdout
    new = lettre("new", "--date", "2025-06-20", repo=root)
    assert new.exit_code == 0, new.output  # no command is blocked by it


@pytest.mark.parametrize("name", ["13-06-2025", "2025_06_13", "20250613", "2025-6-13"])
def test_an_issue_folder_with_its_date_written_another_way_is_still_an_error(
    newsletter: Newsletter, lettre: Lettre, name: str
) -> None:
    root = newsletter()
    (root / "bulletins/2025-06-13").rename(root / "bulletins" / name)
    result = lettre("check", repo=root)
    assert result.exit_code == 1
    assert f"bulletins/{name}: issue folders are named by the issue's date, YYYY-MM-DD" in result.stderr  # fmt: skip


# --- 2. security: plain and --plain ----------------------------------------------------------


def test_security_plain_and_the_plain_option_say_the_same(newsletter: Newsletter) -> None:
    assert Smtp.model_validate({"host": "relais", "security": "plain"}).security == "plain"
    assert Smtp.model_validate({"host": "relais", "security": "none"}).security == "plain"
    from lettre.cli import cli

    [plain] = [p for p in cli.commands["send"].params if "--plain" in getattr(p, "opts", [])]
    doc = Smtp.model_fields["security"].description or ""
    assert "only for a relay on the local network (port 25)" in (plain.help or "") and (
        "only for a relay on the local network (port 25)" in doc
    )
    publication = (MINIMAL / "publication.yaml").read_text()
    root = newsletter({"publication.yaml": publication})
    from lettre.load import load_publication

    messages = []
    for configured, option in (("plain", None), ("starttls", "plain")):
        (root / "publication.yaml").write_text(
            publication + f"smtp: {{host: relais, security: {configured}, user: moi}}\n"
        )
        loaded = load_publication(Repository(root)).value
        assert loaded is not None
        request = Request((), None, option, None, None, None, False, 50, False, False, False, root)
        with pytest.raises(LettreError) as refused:
            _server(request, loaded)
        messages.append(refused.value.format_message())
    assert messages[0] == messages[1]
    assert "--plain, or security: plain" in messages[0]


def test_problem_code_is_a_plain_optional_field() -> None:
    problem = Problem("f.yaml", 1, 2, "title", "too long", Severity.WARNING)
    assert problem.code == "" and str(problem) == "f.yaml:1:2: warning: title: too long"
    coded = Problem("f.yaml", 1, 2, "title", "too long", Severity.WARNING, "title-too-long")
    assert str(coded) == "f.yaml:1:2: warning: title: too long [title-too-long]"
