"""French and English typography: one table of tricky text, and idempotence on any text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
    ("3 000 soldats et 12 500 000 €", "3^000 soldats et 12^500^000^€"),
    ("en 2025 3 000 marins", "en 2025 3^000 marins"),
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
]


def visible(text: str) -> str:
    return text.replace("~", NBSP).replace("^", NNBSP)


@pytest.mark.parametrize(("text", "expected"), FRENCH)
def test_french_rules(text: str, expected: str) -> None:
    assert typeset(text, "fr") == visible(expected)


@pytest.mark.parametrize(("text", "expected"), ENGLISH)
def test_english_rules(text: str, expected: str) -> None:
    assert typeset(text, "en") == visible(expected)


@pytest.mark.parametrize(
    ("text", "language"), [(t, "fr") for t, _ in FRENCH] + [(t, "en") for t, _ in ENGLISH]
)
def test_typeset_text_is_left_as_it_is(text: str, language: str) -> None:
    once = typeset(text, language)
    assert typeset(once, language) == once


TRICKY = st.text(alphabet="ab1 2:;!?'\"«»‘’°h%.n@/€()kmjuin\u00a0\u202f\n", max_size=40)


@settings(max_examples=1000)
@given(TRICKY, st.sampled_from(["fr", "en"]))
def test_idempotent_on_any_text(text: str, language: str) -> None:
    once = typeset(text, language)
    assert typeset(once, language) == once
