"""The design tokens both editions share, derived from publication.yaml's colours."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from lettre.model import Colors

WHITE, INK = "#ffffff", "#1f2933"
MINIMUM_CONTRAST = 4.5
"""WCAG AA for body text."""


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def luminance(color: str) -> float:
    red, green, blue = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(red) + 0.7152 * _channel(green) + 0.0722 * _channel(blue)


def contrast(first: str, second: str) -> float:
    """The WCAG contrast ratio of two #rrggbb colours, from 1 to 21."""
    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@dataclass(frozen=True)
class Theme:
    primary: str
    accent: str
    on_primary: str
    """Text on the primary colour: white, or ink when the primary is light."""
    heading: str
    link: str
    text: str = INK
    muted: str = "#4a5563"
    page: str = "#eef1f5"
    card: str = WHITE
    tint: str = "#f3f5f9"
    rule: str = "#d5dbe3"
    dark_page: str = "#0f141a"
    dark_card: str = "#1a2029"
    dark_tint: str = "#222a35"
    dark_text: str = "#e6e9ee"
    dark_muted: str = "#b4bcc8"
    dark_link: str = "#9cc3ff"

    def tokens(self) -> dict[str, str]:
        return asdict(self)


def theme(colors: Colors) -> Theme:
    """Readable whatever the colours: a primary too light for text keeps to the ink colour."""
    readable = contrast(colors.primary, WHITE) >= MINIMUM_CONTRAST
    return Theme(
        primary=colors.primary,
        accent=colors.accent,
        on_primary=WHITE
        if contrast(colors.primary, WHITE) >= contrast(colors.primary, INK)
        else INK,
        heading=colors.primary if readable else INK,
        link=colors.primary if readable else "#0b5cad",
    )
