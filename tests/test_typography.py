"""French and English typography: one table of tricky text, and idempotence on any text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lettre.markdown import render_html, render_text
from lettre.typography import NBSP, NNBSP, typeset

# Written with visible marks: "~" is a no-break space, "^" a narrow no-break space.
FRENCH = [
    ("L'armée de Terre", "L’armée de Terre"),
    ("Attention !", "Attention^!"),
    ("Vraiment ?!", "Vraiment^?!"),
    ("Quoi?", "Quoi^?"),
    ("Trois points ; deux points", "Trois points^; deux points"),
    ("Note : texte", "Note~: texte"),
    ("Note: texte", "Note~: texte"),
    ("Rendez-vous à 12:30.", "Rendez-vous à 12:30."),
    ('Il a dit "bonjour".', "Il a dit «^bonjour^»."),
    ("« Bonjour »", "«^Bonjour^»"),
    ("«Bonjour»", "«^Bonjour^»"),
    ('Un seul " guillemet', 'Un seul " guillemet'),
    ("Le n°12 et le n° 7", "Le n°~12 et le n°~7"),
    ("À 15h30, puis 9h.", "À 15~h~30, puis 9~h."),
    ("15 h 30", "15~h~30"),
    ("3 000 soldats et 12 500 000 €", "3^000~soldats et 12^500^000^€"),
    ("en 2025 3 000 marins", "en 2025 3^000~marins"),
    ("30 % des livraisons", "30^% des livraisons"),
    ("de -5 °C à 25 °C, (-3) et -12,5 %", "de −5~°C à 25~°C, (−3) et −12,5^%"),
    ("le 2025-06-13, le A-4 et les 3-5 juin", "le 2025-06-13, le A-4 et les 3-5~juin"),
    (
        "Contact : 01 23 45 67 89 ou +33 1 23 45 67 89.",
        "Contact~: 01~23~45~67~89 ou +33~1~23~45~67~89.",
    ),
    ("12 km à 700 km/h", "12~km à 700~km/h"),
    ("le 13 juin 2025", "le 13~juin 2025"),
    ("Suite...", "Suite…"),
    ("Voir https://example.org/a?b=1 !", "Voir https://example.org/a?b=1^!"),
    ("Écrire à cellule.com@example.org : merci", "Écrire à cellule.com@example.org~: merci"),
    ("https://example.org/l'armée?x=1;y=2", "https://example.org/l'armée?x=1;y=2"),
    ("(?) et [!]", "(?) et [!]"),
    ("Ratio 2:1", "Ratio 2:1"),
]

# A number in digits is not parted from the word that follows it (the word it counts, its
# unit, the month): the reviewer's "long de 25" / "minutes." at a line's end.
NUMBERS = [
    ("un exercice long de 25 minutes.", "un exercice long de 25~minutes."),
    ("3 jours et 120 militaires", "3~jours et 120~militaires"),
    ("1 200 soldats, 12 500 000 habitants", "1^200~soldats, 12^500^000~habitants"),
    ("2,5 millions et 1.5 tonne", "2,5~millions et 1.5~tonne"),
    (
        "le 1er juin, la 1re compagnie, le 3e régiment",
        "le 1er~juin, la 1re~compagnie, le 3e~régiment",
    ),
    ("les 2es classes et le 2nd tour", "les 2es~classes et le 2nd~tour"),
    ("de 3-5 jours", "de 3-5~jours"),
    ("−5 degrés et -12 mètres", "−5~degrés et −12~mètres"),
    ("en 2025 les soldats", "en 2025~les soldats"),
    ("12 Rafale et 4 A400M", "12~Rafale et 4~A400M"),
    ("25  minutes", "25~minutes"),
    ("de 10 à 14 h 30 les", "de 10~à 14~h~30 les"),
    ("«25 jours»", "«^25~jours^»"),
    ("(25 jours)", "(25~jours)"),
]

# ... but a name that ends in digits, the last group of a phone number, a number before
# another number or after punctuation, a URL's end, and ® (which follows its name) keep
# their spaces.
NOT_BOUND = [
    ("le A400 est arrivé", "le A400 est arrivé"),
    ("le F-35 et le A-4 et COVID-19 a", "le F-35 et le A-4 et COVID-19 a"),
    ("appeler le 01 23 45 67 89 ou écrire", "appeler le 01~23~45~67~89 ou écrire"),
    ("+33 1 23 45 67 89 ou", "+33~1~23~45~67~89 ou"),
    ("en 2025 3", "en 2025 3"),
    ("en 2025. Les soldats", "en 2025. Les soldats"),
    ("x_25 minutes", "x_25 minutes"),
    ("Windows® est", "Windows® est"),
    ("voir https://example.org/25 minutes", "voir https://example.org/25 minutes"),
    ("écrire à cellule25@example.org 3 jours", "écrire à cellule25@example.org 3~jours"),
]

# ©, ℗: never at a line's end apart from the owner; in every language.
CREDITS = [
    ("mission. © Armée de Terre", "mission. ©~Armée de Terre"),
    ("© 2025 Armée de Terre", "©~2025 Armée de Terre"),
    ("℗  Musique des armées", "℗~Musique des armées"),
    ("©\u202fECPAD", "©~ECPAD"),
    ("© https://example.org/photo", "©~https://example.org/photo"),
    ("Photo © ", "Photo © "),
    ("©ECPAD", "©ECPAD"),
]

REFERENCES = [
    ("voir p. 3 et pp. 12-14", "voir p.~3 et pp.~12-14"),
    ("fig. 4, vol. 2, chap. 7, art. 12, t. 1", "fig.~4, vol.~2, chap.~7, art.~12, t. 1"),
    ("au § 2 et aux §§ 3-4", "au §~2 et aux §§~3-4"),
    ("N°12 et nº 7", "N°~12 et n°~7"),
    ("M. Dupont, MM. Roux et Petit", "M.~Dupont, MM.~Roux et Petit"),
    ("Mme Martin, Mlle Durand, Me Garcia", "Mme~Martin, Mlle~Durand, Me~Garcia"),
    ("Dr Roux et Pr Lefèvre, Mgr Léon", "Dr~Roux et Pr~Lefèvre, Mgr~Léon"),
    ("Mme la ministre", "Mme la ministre"),  # a title before a lower-case word: not a name
    ("le film M. Le Maudit", "le film M.~Le Maudit"),
    ("COMME M. X", "COMME M.~X"),
    ("Pap. 3 et Cap. 4", "Pap. 3~et Cap. 4"),  # a word that ends in p is no page
]

# Each binding joins two words, never a third: bound on both sides, a run of them would be
# one unbreakable line, which overflows its column and which WeasyPrint takes seconds to
# lay out ("p.~1~p.~1~…", 18,000 letters: 27 s).
CHAINS = [
    ("p. 1 p. 1 p. 1", "p.~1 p.~1 p.~1"),
    ("1 p. 1 p. 1", "1~p.~1 p.~1"),
    ("© © © x", "© © ©~x"),
    ("M. M. M. Dupont", "M. M. M.~Dupont"),
    ("Mme M. Mme Martin", "Mme M. Mme~Martin"),
    ("1 n° 2 n° 3 h", "1~n°~2 n°~3~h"),
    ("12 h 30 h 30", "12~h~30~h 30"),
]

ENGLISH = [
    ("The soldiers' day", "The soldiers’ day"),
    ("from -5 °C; call 01 23 45 67 89", "from −5~°C; call 01~23~45~67~89"),
    ("It's done", "It’s done"),
    ('She said "hello".', "She said “hello”."),
    ("It was 'fine'.", "It was ‘fine’."),
    ("Really ?", "Really?"),
    ("Note : this", "Note: this"),
    ("12 km on 13 June", "12~km on 13~June"),
    ("Wait...", "Wait…"),
    ("See https://example.org/it's?a=1 !", "See https://example.org/it's?a=1!"),
    ("Photo © Army; ℗ 2025 Band", "Photo ©~Army; ℗~2025 Band"),
    ("see p. 3 and § 4", "see p.~3 and §~4"),
    ("25 minutes long", "25 minutes long"),  # French practice only
]


def visible(text: str) -> str:
    return text.replace("~", NBSP).replace("^", NNBSP)


@pytest.mark.parametrize(("text", "expected"), FRENCH)
def test_french_rules(text: str, expected: str) -> None:
    assert typeset(text, "fr") == visible(expected)


@pytest.mark.parametrize(("text", "expected"), ENGLISH)
def test_english_rules(text: str, expected: str) -> None:
    assert typeset(text, "en") == visible(expected)


@pytest.mark.parametrize(("text", "expected"), NUMBERS + NOT_BOUND + CREDITS + REFERENCES + CHAINS)
def test_french_no_break_spaces(text: str, expected: str) -> None:
    assert typeset(visible(text), "fr") == visible(expected)


@pytest.mark.parametrize(
    ("text", "language"),
    [(t, "fr") for t, _ in FRENCH + NUMBERS + NOT_BOUND + CREDITS + REFERENCES + CHAINS]
    + [(t, "en") for t, _ in ENGLISH],
)
def test_typeset_text_is_left_as_it_is(text: str, language: str) -> None:
    once = typeset(text, language)
    assert typeset(once, language) == once


TRICKY = st.text(alphabet="ab1 2:;!?'\"«»‘’°h%.n@/€()kmjuin\u00a0\u202f\n©℗§MpeDA-,3", max_size=40)


@settings(max_examples=1000)
@given(TRICKY, st.sampled_from(["fr", "en"]))
def test_idempotent_on_any_text(text: str, language: str) -> None:
    once = typeset(text, language)
    assert typeset(once, language) == once


# Markdown splits a paragraph into runs (emphasis, links, code, the source's lines); the
# rules see across them, in the HTML and in the text part alike ("~": a no-break space).
ACROSS_RUNS = [
    (
        "long de 25 **minutes**.",
        "<p>long de 25~<strong>minutes</strong>.</p>",
        "long de 25~minutes.",
    ),
    ("long de **25** minutes", "<p>long de <strong>25</strong>~minutes</p>", "long de 25~minutes"),
    ("Photo © *ECPAD*", "<p>Photo ©~<em>ECPAD</em></p>", "Photo ©~ECPAD"),
    ("M. **Dupont**", "<p>M.~<strong>Dupont</strong></p>", "M.~Dupont"),
    ("de 25 `minutes`", "<p>de 25~<code>minutes</code></p>", "de 25~minutes"),
    ("long de 25\nminutes", "<p>long de 25~minutes</p>", "long de 25~minutes"),
    (
        "**25**\n*minutes* et\n`x`",
        "<p><strong>25</strong>~<em>minutes</em> et\n<code>x</code></p>",
        "25~minutes et x",
    ),
    # a line break of the source that no rule binds stays as typed, and so does a kept one
    ("en 2025.\nLes soldats", "<p>en 2025.\nLes soldats</p>", "en 2025. Les soldats"),
    ("25\\\nminutes", "<p>25<br>\nminutes</p>", "25\nminutes"),
]


@pytest.mark.parametrize(("source", "html", "text"), ACROSS_RUNS)
def test_rules_see_across_markdown_runs(source: str, html: str, text: str) -> None:
    assert render_html(source, "fr").replace("&nbsp;", NBSP).strip() == visible(html)
    assert render_text(source, "fr").strip() == visible(text)


def test_code_and_link_targets_are_never_typeset() -> None:
    html = render_html("`25 minutes` et [3 jours](https://example.org/a?p.%203)", "fr")
    assert "<code>25 minutes</code>" in html
    assert 'href="https://example.org/a?p.%203"' in html
    assert "3&nbsp;jours" in html
