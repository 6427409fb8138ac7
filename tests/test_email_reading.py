"""The example email read by people, in a real browser: links they can name and hit, buttons
and rules they can see, in light and dark mode, on a phone and on a desktop."""

from __future__ import annotations

import email
import re
from collections import defaultdict
from email import policy
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import ISSUE, MINIMAL, PROJECT, Lettre, Newsletter

CONTRAST = """
const rgb = c => (c.match(/[0-9.]+/g) || []).slice(0, 4).map(Number);
const lum = ([r, g, b]) => [r, g, b].map(v => v / 255)
  .map(v => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)
  .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
const ratio = (a, b) => { const [x, y] = [lum(rgb(a)), lum(rgb(b))].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
const behind = e => { for (; e; e = e.parentElement) { const c = getComputedStyle(e).backgroundColor, v = rgb(c);
  if (v.length < 4 ? true : v[3] > 0) return c; } return 'rgb(255, 255, 255)'; };
"""

BUTTONS = (
    CONTRAST
    + """
[...document.querySelectorAll('.lt-button a')].map(a => {
  const face = behind(a), around = behind(a.closest('.lt-button').parentElement);
  return {text: a.textContent, face: ratio(face, around), label: ratio(getComputedStyle(a).color, face),
          height: a.getBoundingClientRect().height};
})
"""
)

RULES = (
    CONTRAST
    + """
[...document.querySelectorAll('body *')].flatMap(e => {
  const s = getComputedStyle(e), r = e.getBoundingClientRect();
  if (!r.width || !r.height) return [];
  // a rule stands out if it contrasts with what is on either side of it (WCAG 1.4.11)
  const beyond = {Top: [r.left + r.width / 2, r.top - 2], Bottom: [r.left + r.width / 2, r.bottom + 2],
                  Left: [r.left - 2, r.top + r.height / 2], Right: [r.right + 2, r.top + r.height / 2]};
  return ['Top', 'Right', 'Bottom', 'Left']
    .filter(side => s['border' + side + 'Style'] === 'solid' && parseFloat(s['border' + side + 'Width']) >= 1)
    .map(side => { const color = s['border' + side + 'Color'], outside = document.elementFromPoint(...beyond[side]);
      return {where: e.tagName + '.' + e.className + ' ' + side + ' ' + e.textContent.slice(0, 30),
              ratio: Math.max(ratio(color, behind(e)), outside ? ratio(color, behind(outside)) : 0)}; });
})
"""
)


@pytest.fixture(scope="module")
def email_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("dist")
    result = Lettre(CliRunner(env={"NO_COLOR": "1"}))("build", "--out", str(out), repo=PROJECT)
    assert result.exit_code == 0, result.output
    return next((out / "2025-06-13").glob("*-email.html")).as_uri()


@pytest.mark.parametrize("width", [375, 600])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_buttons_and_rules_stand_out(
    browser: object, email_url: str, scheme: str, width: int
) -> None:
    page = browser.new_page(viewport={"width": width, "height": 900}, color_scheme=scheme)  # type: ignore[attr-defined]
    page.goto(email_url)
    page.set_viewport_size({"width": width, "height": page.evaluate("document.body.scrollHeight")})
    buttons = page.evaluate(BUTTONS)
    rules = page.evaluate(RULES)
    page.close()
    assert len(buttons) >= 5
    for button in buttons:
        assert button["face"] >= 3, button  # the button against the card (WCAG 1.4.11)
        assert button["label"] >= 4.5, button  # its label against the button (1.4.3)
        assert button["height"] >= 44, button
    assert rules
    faint = [rule for rule in rules if rule["ratio"] < 3]
    assert faint == []


def test_standalone_links_are_big_enough_to_hit_on_a_phone(browser: object, email_url: str) -> None:
    page = browser.new_page(viewport={"width": 375, "height": 900})  # type: ignore[attr-defined]
    page.goto(email_url)
    links = page.evaluate(
        """[...document.querySelectorAll('a')].map(a => { const r = a.getBoundingClientRect();
             return {text: a.textContent.trim(), href: a.getAttribute('href'), width: r.width, height: r.height}; })"""
    )
    page.close()
    named = {link["text"]: link for link in links}
    standalone = [
        named["Voir la version en ligne"],
        named["Se désinscrire"],
        *(link for link in links if "#rubrique-" in link["href"]),
        *(link for link in links if link["text"] in ("LinkedIn", "X", "YouTube")),
        *(link for link in links if link["text"].startswith(("Édition imprimée", "Tous les"))),
    ]
    assert len(standalone) == 1 + 1 + 3 + 3 + 2
    small = [link for link in standalone if link["width"] < 24 or link["height"] < 24]
    assert small == []


def test_no_two_links_share_a_name_but_not_a_place(browser: object, email_url: str) -> None:
    page = browser.new_page(viewport={"width": 600, "height": 900})  # type: ignore[attr-defined]
    page.goto(email_url)
    links = page.evaluate(
        """[...document.querySelectorAll('a')].map(a => ({
             name: (a.textContent + [...a.querySelectorAll('img')].map(i => i.alt).join(' ')).replace(/\\s+/g, ' ').trim(),
             href: a.getAttribute('href')}))"""
    )
    titled = page.evaluate(
        """[...document.querySelectorAll('h3')].map(h => ({title: h.textContent.trim(),
             href: h.querySelector('a')?.getAttribute('href') || null}))"""
    )
    photos = page.evaluate(
        """[...document.querySelectorAll('.lt-img img')].map(i => i.closest('a')?.getAttribute('href') || null)"""
    )
    page.close()
    places: dict[str, set[str]] = defaultdict(set)
    for link in links:
        places[link["name"]].add(link["href"])
    assert {name: hrefs for name, hrefs in places.items() if len(hrefs) > 1} == {}
    read_more = [link for link in links if link["name"].startswith("Lire la suite")]
    assert len(read_more) >= 5 and all(
        len(link["name"]) > len("Lire la suite") + 3 for link in read_more
    )
    # every article with a link: its title and its photo lead there, as its button does
    buttons = {link["href"] for link in read_more}
    assert buttons <= {item["href"] for item in titled}
    assert photos and all(photo in buttons for photo in photos)


def test_the_hidden_part_of_a_button_name_is_not_seen(browser: object, email_url: str) -> None:
    page = browser.new_page(viewport={"width": 375, "height": 900})  # type: ignore[attr-defined]
    page.goto(email_url)
    hidden = page.evaluate(
        """[...document.querySelectorAll('.lt-button a')].map(a => {
             const span = a.querySelector('span'), r = span.getBoundingClientRect();
             return {text: span.textContent, width: r.width, height: r.height,
                     button: a.getBoundingClientRect().width};})"""
    )
    page.close()
    assert hidden
    for part in hidden:
        assert len(part["text"]) > 5 and part["width"] <= 1 and part["height"] <= 1, part
        assert part["button"] < 160, part  # "Lire la suite" alone


def _built(lettre: Lettre, repo: Path, out: Path) -> tuple[str, str]:
    result = lettre("build", "--out", str(out), repo=repo)
    assert result.exit_code == 0, result.output
    folder = out / "2025-06-13"
    html = next(folder.glob("*-email.html")).read_text()
    return html, next(folder.glob("*.txt")).read_text()


def test_an_issue_without_a_title_does_not_repeat_the_name_and_date(
    lettre: Lettre, newsletter: Newsletter, tmp_path: Path
) -> None:
    html, text = _built(lettre, newsletter(), tmp_path / "dist")  # minimal: no title
    [h1] = re.findall(r"<h1[^>]*>(.*?)</h1>", html)
    assert h1 == "n°&nbsp;1 · vendredi 13 juin 2025"
    body = re.sub(r"<[^>]+>", " ", html.split("<body", 1)[1])
    assert body.count("Lettre de test") == 2  # the plate and the footer, not a heading too
    assert body.count("13 juin 2025") == 1
    assert text.startswith("Lettre de test\n==============\nn° 1 · vendredi 13 juin 2025\n")
    assert "\n-- \n" in text  # the signature separator, with its space


def test_an_issue_with_a_title_shows_it_as_its_heading(
    lettre: Lettre, newsletter: Newsletter, tmp_path: Path
) -> None:
    issue = (
        (MINIMAL / ISSUE)
        .read_text()
        .replace("date: 2025-06-13\n", "date: 2025-06-13\ntitle: Cap sur l'été\n")
    )
    html, text = _built(lettre, newsletter({ISSUE: issue}), tmp_path / "dist")
    assert re.findall(r"<h1[^>]*>(.*?)</h1>", html) == ["Cap sur l’été"]
    assert text.startswith(
        "Cap sur l’été\n=============\nLettre de test · n° 1 · vendredi 13 juin 2025\n"
    )


def test_the_inbox_line_stops_after_the_preheader(
    lettre: Lettre, newsletter: Newsletter, tmp_path: Path
) -> None:
    html, _ = _built(lettre, newsletter(), tmp_path / "dist")
    hidden = re.search(r'<div style="display:none;[^"]*">(.*?)</div>', html, re.S)
    assert hidden
    preheader, _, filler = hidden.group(1).partition("&zwnj;")
    assert preheader == "Une nouvelle"  # the headline's title, the default preheader
    assert re.fullmatch(r"(&nbsp;&zwnj;){89}&nbsp;", filler)


def test_a_mailto_only_unsubscribe_is_a_warning_and_every_letter_has_a_list_id(
    lettre: Lettre, newsletter: Newsletter, tmp_path: Path
) -> None:
    publication = (
        (MINIMAL / "publication.yaml")
        .read_text()
        .replace("name: Lettre de test", "name: Lettre de l'État-major")
    )
    repo = newsletter({"publication.yaml": publication + "unsubscribe: mailto:stop@example.org\n"})
    result = lettre("check", repo=repo)
    assert result.exit_code == 0
    assert "publication.yaml:6:14: warning: unsubscribe: only a mailto: link" in result.stderr
    assert lettre("build", "--out", str(tmp_path / "dist"), repo=repo).exit_code == 0
    eml = next((tmp_path / "dist/2025-06-13").glob("*.eml")).read_bytes()
    message = email.message_from_bytes(eml, policy=policy.default)
    assert message["List-Id"] == "Lettre de l’État-major <lettre-de-l-etat-major.lettre.test>"
    assert "List-Unsubscribe-Post" not in message
