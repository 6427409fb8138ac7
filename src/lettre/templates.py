"""The Jinja environments and their search path.

A name is looked up in the newsletter repository's `templates/` first, then in the templates
shipped with lettre; `default:NAME` always means the shipped one, so an override can extend
what it replaces: `{% extends "default:email.mjml.j2" %}`.

Autoescaping is set explicitly, never guessed from a file name: on for HTML and MJML, off for
the plain-text part (which no program interprets). The sandbox keeps a template override
from reaching Python internals; author text is only ever passed as data, never as a template.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    FileSystemLoader,
    PackageLoader,
    PrefixLoader,
    StrictUndefined,
)
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from lettre.i18n import LABELS, SOCIAL_NAMES, format_date
from lettre.markdown import add_styles, render_html, render_text
from lettre.typography import typeset


def _loader(overrides: Path | None) -> BaseLoader:
    shipped = PackageLoader("lettre", "templates")
    own = [FileSystemLoader(overrides)] if overrides and overrides.is_dir() else []
    return ChoiceLoader([PrefixLoader({"default": shipped}, delimiter=":"), *own, shipped])


def environment(
    overrides: Path | None,
    language: str,
    *,
    html: bool = True,
    styles: dict[str, str] | None = None,
) -> SandboxedEnvironment:
    """The environment for HTML/MJML templates (`html=True`) or plain-text ones.

    `styles` are inline styles put on the HTML made from Markdown (by tag name).
    """
    env = SandboxedEnvironment(
        loader=_loader(overrides),
        autoescape=html,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    filters: dict[str, Callable[..., Any]] = {
        "longdate": lambda day: format_date(day, language),
        "shortdate": lambda day: _short_date(day, language),
        "typeset": lambda text: typeset(text, language),
        "short_url": _short_url,
    }
    if html:
        filters["markdown"] = lambda source, offset=3: Markup(
            add_styles(render_html(source, language, offset), styles or {})
        )
    else:
        filters["markdown"] = lambda source, width=72: render_text(source, language, width)
        filters["wrap"] = _wrap
    env.filters.update(filters)
    env.globals.update(labels=LABELS[language], language=language, social_names=SOCIAL_NAMES)
    return env


def _wrap(text: str, width: int = 72, indent: str = "") -> str:
    """Wrapped at `width` without breaking words or URLs; every line starts with `indent`."""
    return textwrap.fill(
        text,
        width,
        initial_indent=indent,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    )


def _short_url(url: str) -> str:
    """ "https://www.example.org/a/b/" → "example.org/a/b": a reference a reader can type."""
    short = re.sub(r"^(https?://|mailto:)(www\.)?", "", url)
    return short.rstrip("/")


def _short_date(day: date, language: str) -> str:
    return format_date(day, language, weekday=False)
