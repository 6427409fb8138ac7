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
    separator: str = "#8b95a1"
    """The rule between articles: 3:1 against the card (WCAG 1.4.11)."""
    dark_separator: str = "#66768a"
    dark_primary: str = "#9cc3ff"
    """Buttons in dark mode: the primary colour lightened until it stands out of the dark card."""
    dark_on_primary: str = "#0f141a"
    dark_accent: str = "#ff6b7d"
    """Accent rules in dark mode, 3:1 at least against the dark card."""
    dark_rule: str = "#9cc3ff"
    """The editorial's rule in dark mode, 3:1 at least against the dark tint."""

    def tokens(self) -> dict[str, str]:
        return asdict(self)


def mix(color: str, other: str, share: float) -> str:
    """`color` with `share` (0 to 1) of `other` mixed in."""
    channels = (
        round(int(color[i : i + 2], 16) * (1 - share) + int(other[i : i + 2], 16) * share)
        for i in (1, 3, 5)
    )
    return "#" + "".join(f"{c:02x}" for c in channels)


def standing_out(color: str, background: str, ratio: float, toward: str) -> str:
    """`color`, mixed toward `toward` just enough to reach `ratio` against `background`."""
    for step in range(21):
        candidate = mix(color, toward, step / 20)
        if contrast(candidate, background) >= ratio:
            return candidate
    return toward


def theme(colors: Colors) -> Theme:
    """Readable whatever the colours: a primary too light for text keeps to the ink colour;
    in dark mode, buttons and rules are lightened until they stand out of the dark card."""
    readable = contrast(colors.primary, WHITE) >= MINIMUM_CONTRAST
    base = Theme(colors.primary, colors.accent, WHITE, colors.primary, colors.primary)
    button = standing_out(colors.primary, base.dark_card, 7.0, WHITE)
    return Theme(
        primary=colors.primary,
        accent=colors.accent,
        on_primary=WHITE
        if contrast(colors.primary, WHITE) >= contrast(colors.primary, INK)
        else INK,
        heading=colors.primary if readable else INK,
        link=colors.primary if readable else "#0b5cad",
        separator=standing_out(base.rule, base.card, 3.0, INK),
        dark_separator=standing_out(base.dark_card, base.dark_card, 3.0, base.rule),
        dark_primary=button,
        dark_on_primary=max((base.dark_page, WHITE), key=lambda c: contrast(c, button)),
        dark_accent=standing_out(colors.accent, base.dark_card, 3.0, WHITE),
        dark_rule=standing_out(colors.primary, base.dark_tint, 3.0, WHITE),
    )
