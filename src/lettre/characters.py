"""Characters that are not text, or that show as nothing: what lettre refuses where.

Pure functions on strings, shared by the YAML reader, the model and the mail headers.
"""

from __future__ import annotations

import re
import unicodedata

NONCHARACTERS = re.compile(
    "[\ufdd0-\ufdef"
    + "".join(chr(p << 16 | 0xFFFE) + chr(p << 16 | 0xFFFF) for p in range(17))
    + "]"
)
"""Unicode's noncharacters: never text, and refused by MRML's XML parser (U+FFFE)."""

_HIDDEN_RANGES = (
    (0x034F, 0x034F),  # combining grapheme joiner
    (0x115F, 0x1160),  # Hangul fillers
    (0x17B4, 0x17B5),  # Khmer inherent vowels
    (0x180B, 0x180F),  # Mongolian variation selectors
    (0x2800, 0x2800),  # braille blank, a blank that is not a space
    (0x3164, 0x3164),  # Hangul filler
    (0xFE00, 0xFE0F),  # variation selectors
    (0xFFA0, 0xFFA0),  # half-width Hangul filler
    (0xFFF0, 0xFFF8),
    (0xE0000, 0xE0FFF),  # tags and variation selectors supplement
)
"""Default-ignorable characters (Unicode's DerivedCoreProperties) that are not format (Cf)
characters, and the blanks that are not spaces: mail programs show them as nothing."""


def hidden_character(text: str) -> str | None:
    """The first character of `text` that is shown as nothing or reorders the text.

    Format characters (Cf: bidi marks and overrides, zero-width spaces and joiners, the soft
    hyphen, tag characters…), the other default-ignorable characters, and Hangul fillers.
    Only what emoji need is let through: a variation selector after a visible character,
    and a zero-width joiner between two symbols (👩‍🚒).
    """
    for i, char in enumerate(text):
        if not _is_hidden(char):
            continue
        before = text[i - 1] if i else ""
        after = text[i + 1] if i + 1 < len(text) else ""
        if char in "\ufe0e\ufe0f" and before and not _is_hidden(before) and not before.isspace():
            continue
        if char == "\u200d" and _is_symbol(before) and _is_symbol(after):
            continue
        return char
    return None


def _is_hidden(char: str) -> bool:
    code = ord(char)
    return unicodedata.category(char) == "Cf" or any(a <= code <= b for a, b in _HIDDEN_RANGES)


def _is_symbol(char: str) -> bool:
    return bool(char) and (unicodedata.category(char) in ("So", "Sk") or char == "\ufe0f")


def describe_character(char: str) -> str:
    """U+200F (RIGHT-TO-LEFT MARK)."""
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X} ({name})" if name else f"U+{ord(char):04X}"


_ENCODED_WORD = re.compile(r"=\?[^?]*\?[bBqQ]\?[^?]*\?=")
"""An RFC 2047 encoded word, as lax mail programs find it (even inside a word)."""


def encoded_word(text: str) -> str | None:
    """The first `=?charset?q?…?=` in `text`: typed as plain ASCII, it reaches a header as
    is, and mail programs decode it into other text (a hidden or reordering character too)."""
    found = _ENCODED_WORD.search(text)
    return found.group() if found else None
