"""The Jinja environments and their search path.

A name is looked up in the newsletter repository's `templates/` first, then in the templates
shipped with lettre; `default:NAME` always means the shipped one, so an override can extend
what it replaces: `{% extends "default:email.mjml.j2" %}`.

Autoescaping is set explicitly, never guessed from a file name: on for HTML and MJML, off for
the plain-text part (which no program interprets). The sandbox keeps a template override
from reaching Python internals; author text is only ever passed as data, never as a template.
"""

from __future__ import annotations

import marshal
import re
import stat
import textwrap
import traceback
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from jinja2 import (
    BaseLoader,
    BytecodeCache,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    PrefixLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
)
from jinja2.bccache import Bucket
from jinja2.loaders import split_template_path
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from lettre.errors import LettreError
from lettre.i18n import LABELS, SOCIAL_NAMES, format_date
from lettre.markdown import add_styles, render_html, render_text
from lettre.messages import _
from lettre.typography import typeset


class _RepositoryLoader(FileSystemLoader):
    """The repository's templates/: a template whose real path leaves the repository (a
    symbolic link to a file or a folder outside, a loop) is refused, never read, whatever
    the name it is reached by (`include`, `import`, `extends`)."""

    def __init__(self, folder: Path, root: Path) -> None:
        super().__init__(folder)
        self.folder, self.root = folder, root

    def get_source(
        self, environment: Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        candidate = Path(self.folder, *split_template_path(template))
        shown = f"templates/{template}"
        try:
            real = candidate.resolve(strict=True)
        except (FileNotFoundError, NotADirectoryError):
            raise TemplateNotFound(template) from None
        except (OSError, RuntimeError):
            message = _("{path}: a loop of symbolic links; remove the link").format(path=shown)
            raise LettreError(message) from None
        if not real.is_relative_to(self.root.resolve()):
            raise LettreError(
                _(
                    "{path}: leads outside the newsletter repository (through a symbolic link); "
                    "lettre reads no file outside it: put a copy of the template in templates/"
                ).format(path=shown)
            )
        if not stat.S_ISREG(real.stat().st_mode):
            raise LettreError(
                _("{path}: not a regular file (a folder, a device, a pipe…)").format(path=shown)
            )
        try:
            contents = real.read_text("utf-8")
        except UnicodeDecodeError as error:
            message = _("{path}: invalid UTF-8 (byte {byte}); save it as UTF-8")
            raise LettreError(
                message.format(path=shown, byte=f"{error.object[error.start]:02x}")
            ) from None
        except OSError as error:
            message = _("{path}: cannot be read ({reason})").format(
                path=shown, reason=error.strerror
            )
            raise LettreError(message) from None
        mtime = real.stat().st_mtime_ns
        return contents, str(candidate), lambda: _mtime(real) == mtime


def _mtime(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None


def _loader(overrides: Path | None) -> BaseLoader:
    """`overrides` is the repository's templates/ folder: the repository is its parent."""
    shipped = PackageLoader("lettre", "templates")
    own = [_RepositoryLoader(overrides, overrides.parent)] if overrides else []
    return ChoiceLoader([PrefixLoader({"default": shipped}, delimiter=":"), *own, shipped])


_COMPILED: dict[tuple[bool, str, str], Any] = {}
"""Compiled templates, by the environment's kind (HTML or text: autoescaping changes the
code), the template's name and file, and its source's checksum."""


class _Compiled(BytecodeCache):
    """Each template compiled once per process: an issue's environments are made afresh
    (its language, its styles), but compiling the shipped templates again cost a quarter
    of a second an issue. A changed template has another checksum: compiled anew."""

    def __init__(self, html: bool) -> None:
        self.html = html

    def load_bytecode(self, bucket: Bucket) -> None:
        bucket.code = _COMPILED.get((self.html, bucket.key, bucket.checksum))

    def dump_bytecode(self, bucket: Bucket) -> None:
        _COMPILED[(self.html, bucket.key, bucket.checksum)] = bucket.code


_CACHES = {True: _Compiled(True), False: _Compiled(False)}


BUILT = ("email", "print", "web")
"""The shipped templates an issue's build renders, by the start of their names: those
`compile_shipped` compiles. The archive's, the preview's page and the proof are each
compiled where they are rendered, once (26 ms of the 116 a cold build compiled ahead)."""


def compile_shipped() -> None:
    """Compiles the shipped templates an issue's build renders (BUILT) in this process (the
    one workers are forked from): the plain-text part and the print stylesheet as text, the
    others as HTML."""
    html, text = environment(None, "fr"), environment(None, "fr", html=False)
    for name in PackageLoader("lettre", "templates").list_templates():
        if name.startswith(BUILT):
            (text if name.endswith((".txt.j2", ".css")) else html).get_template(name)


def compiled() -> bytes:
    """What this process compiled, to hand over to another one (`adopt`)."""
    return marshal.dumps(dict(_COMPILED))


def adopt(code: bytes) -> None:
    """The templates another process compiled (`compiled`), taken as this process's own;
    what cannot be read (a hand-over cut short) is left out: compiled here then."""
    try:
        handed = marshal.loads(code)
    except (EOFError, ValueError, TypeError):
        return
    if isinstance(handed, dict):
        _COMPILED.update(handed)


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
        bytecode_cache=_CACHES[html],
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


def render(env: Environment, name: str, context: Mapping[str, Any]) -> str:
    """Template `name` rendered: a repository's override that Jinja cannot compile or render
    (or whose own code fails: `{{ 1 // 0 }}`) is the issue's error, naming the template and
    its line; an error in lettre's code under it stays lettre's (an internal error)."""
    try:
        return env.get_template(name).render(**context)
    except Exception as error:
        innermost = traceback.extract_tb(error.__traceback__)[-1:]
        if not isinstance(error, TemplateError) and not any(
            frame.filename.endswith(SUFFIXES) for frame in innermost
        ):
            raise
        where = "".join(f"{path}:{line}: " for path, line in _template_line(error)[-1:])
        message = _("template {name}: {where}{error}")
        raise LettreError(message.format(name=name, where=where, error=error)) from None


def _template_line(error: Exception) -> list[tuple[str, int]]:
    """Where in a template `error` arose: its own place (a compile error), else the
    template frames Jinja puts in its traceback (an error at render time), innermost last."""
    if getattr(error, "lineno", None) and getattr(error, "filename", None):
        return [(error.filename, error.lineno)]  # type: ignore[attr-defined]
    frames = traceback.extract_tb(error.__traceback__)
    return [(f.filename, f.lineno) for f in frames if f.lineno and f.filename.endswith(SUFFIXES)]


SUFFIXES = (".j2", ".css")
"""lettre's templates, by how their names end (print.html.j2, print.css, email.mjml.j2…)."""
