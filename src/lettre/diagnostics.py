"""Pydantic's validation errors, told as located problems an editor can act on."""

from __future__ import annotations

import difflib
import re
from typing import Any, get_args

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from lettre.errors import Problem, Severity
from lettre.messages import N_, _, alternatives, ordinal, quoted
from lettre.yamlfile import Document, Path_

REQUIRED = {
    "alt": N_("required when an image is set"),
    "src": N_("required when an image is set: the image file"),
    "headlines": N_("required: at least one item for the headlines"),
    "sections": N_("required: at least one section"),
    "articles": N_("required: a section needs at least one article"),
    "body": N_("required: the text, in Markdown"),
    "sender": N_("required: sender: {name: …, email: …}"),
}
_KINDS: dict[type, str] = {
    dict: N_("fields (a mapping)"),
    list: N_("a list"),
    str: N_("a text"),
}
TITLE_LENGTH = 40
"""A title longer than this is cut in a place's name: the place must fit on the line."""


def field_name(path: Path_) -> str:
    """("sections", 0, "title") → "sections[0].title"."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text.lstrip(".")


def place_name(path: Path_, data: Any = None) -> str:
    """The place as an editor counts, 1-based, with each item's title when `data` gives one:
    ("sections", 1, "articles", 2, "image", "alt") → "Section 2 “Operations”, 3rd article ›
    image › alt" ("Rubrique 2 « Opérations », 3e article › image › alt" in French)."""
    parts: list[tuple[str, str]] = []  # (words, the list's key when it is an item of one)
    # an article is counted within its section ("Section 2, 3rd article"); any other list
    # within an item is a field of it ("1st item › accept, item 1")
    node, i = data, 0
    while i < len(path):
        key, index = path[i], path[i + 1] if i + 1 < len(path) else None
        child = node.get(key) if isinstance(node, dict) and isinstance(key, str) else None
        if isinstance(key, str) and isinstance(index, int):
            item = child[index] if isinstance(child, list) and 0 <= index < len(child) else None
            parts.append((_item_name(key, index, item), key))
            node, i = item, i + 2
        else:
            parts.append((f"[{key}]" if isinstance(key, int) else key, ""))
            node, i = child, i + 1
    text = ""
    for n, (words, items) in enumerate(parts):
        if n:
            text += ", " if items == "articles" and parts[n - 1][1] else " › "
        text += words
    return text


def _item_name(key: str, index: int, item: Any) -> str:
    number = index + 1
    if key == "headlines":
        name = _("Headlines, {ordinal} item").format(ordinal=ordinal(number, feminine=True))
    elif key == "sections":
        name = _("Section {number}").format(number=number)
    elif key == "articles":
        name = _("{ordinal} article").format(ordinal=ordinal(number))
    else:
        name = _("{field}, item {number}").format(field=key, number=number)
    title = item.get("title") if isinstance(item, dict) else None
    if isinstance(title, str) and title.strip():
        title = " ".join(title.split())
        if len(title) > TITLE_LENGTH:
            title = title[: TITLE_LENGTH - 1].rstrip() + "…"
        name += " " + quoted(title)
    return name


def at(
    doc: Document, path: Path_, message: str, severity: Severity = Severity.ERROR, code: str = ""
) -> Problem:
    """A problem at `path` in `doc`; a warning has a `code` (see lettre.codes)."""
    place = doc.place(path)
    return problem(place.file, place.line, place.column, doc, path, message, severity, code)


def problem(
    file: str,
    line: int,
    column: int,
    doc: Document,
    path: Path_,
    message: str,
    severity: Severity = Severity.ERROR,
    code: str = "",
) -> Problem:
    """A problem about the value at `path` in `doc`, its place named as an editor counts; a
    warning has a `code` (see lettre.codes)."""
    name = place_name(path, doc.data)
    return Problem(file, line, column, field_name(path), message, severity, code, name)


def from_validation(error: ValidationError, doc: Document, model: type[BaseModel]) -> list[Problem]:
    """One problem per error, placed on the key or value it is about."""
    problems = []
    details = _relevant(error.errors(include_url=False), model)
    for detail in details:
        path = tuple(detail["loc"])
        if detail["type"] == "extra_forbidden":
            place = doc.key_place(path)
            message = _unknown_field(model, path)
        elif detail["type"] == "missing":
            place = doc.place(path[:-1])
            message = _(REQUIRED.get(str(path[-1]), N_("required")))
        else:
            place = doc.place(path)
            message = describe(detail)
        problems.append(problem(place.file, place.line, place.column, doc, path, message))
    return problems


def _relevant(details: list[ErrorDetails], model: type[BaseModel]) -> list[ErrorDetails]:
    """Leave out the errors that only echo another one.

    A list whose items failed is also "too short" (pydantic counts the valid items), and a
    missing field next to an unknown one that is its misspelling is the same mistake.
    """
    paths = [tuple(d["loc"]) for d in details]
    misspelt = {
        (*path[:-1], suggestion)
        for detail, path in zip(details, paths, strict=True)
        if detail["type"] == "extra_forbidden"
        for suggestion in _suggestions(model, path)
    }
    return [
        detail
        for detail, path in zip(details, paths, strict=True)
        if not (
            detail["type"] == "too_short"
            and any(p[: len(path)] == path and len(p) > len(path) for p in paths)
        )
        and not (detail["type"] == "missing" and path in misspelt)
    ]


def _suggestions(model: type[BaseModel], path: Path_) -> list[str]:
    owner = _model_at(model, path[:-1])
    known = list(owner.model_fields) if owner else []
    return difflib.get_close_matches(str(path[-1]), known, n=1, cutoff=0.6)


def _unknown_field(model: type[BaseModel], path: Path_) -> str:
    close = _suggestions(model, path)
    if close:
        return _("unknown field; did you mean '{name}'?").format(name=close[0])
    owner = _model_at(model, path[:-1])
    known = list(owner.model_fields) if owner else []
    if known:
        return _("unknown field; expected one of: {names}").format(names=", ".join(known))
    return _("unknown field")


def _model_at(model: type[BaseModel], path: Path_) -> type[BaseModel] | None:
    current: type[BaseModel] | None = model
    for part in path:
        if isinstance(part, int) or current is None:
            continue
        field = current.model_fields.get(part)
        current = _model_in(field.annotation) if field else None
    return current


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in get_args(annotation):
        found = _model_in(argument)
        if found:
            return found
    return None


def _literals(expected: str) -> str:
    """pydantic's "'fr' or 'en'" in the reader's language."""
    values = re.findall(r"'((?:[^'\\]|\\.)*)'", expected)
    if not values:
        return expected
    return alternatives([_("'{value}'").format(value=value) for value in values])


def describe(detail: ErrorDetails) -> str:
    kind, value = detail["type"], detail["input"]
    context = detail.get("ctx") or {}
    if value is None:  # an empty optional field is valid (None): this one is required
        return _("empty: this field needs a value")
    found = _(_KINDS.get(type(value), N_("a value")))
    shown = _("'{value}'").format(value=value) if isinstance(value, str) else found
    if kind == "string_type":
        return _("expected a text, found {found}").format(found=found)
    if kind in ("model_type", "model_attributes_type", "dataclass_type"):
        return _("expected fields (a mapping), found {found}").format(found=shown)
    if kind in ("tuple_type", "list_type"):
        return _("expected a list (lines starting with '- '), found {found}").format(found=shown)
    if kind == "string_too_short":
        return _("empty: this field needs a value")
    if kind == "too_short":
        return (
            _("empty: this field needs a value")
            if isinstance(value, str)
            else _("empty: give at least one item")
        )
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return _("{value} is not a whole number").format(value=shown)
    if kind == "greater_than_equal":
        return _("{value} is too small: the lowest is {lowest}").format(
            value=shown, lowest=context.get("ge")
        )
    if kind.startswith("date_"):
        if context.get("error"):
            return _("{value} is not a real date ({reason}); write it as YYYY-MM-DD").format(
                value=shown, reason=context["error"]
            )
        return _("{value} is not a real date; write it as YYYY-MM-DD").format(value=shown)
    if kind == "literal_error":
        return _("{value} is not allowed; expected {expected}").format(
            value=shown, expected=_literals(str(context.get("expected")))
        )
    if kind == "string_pattern_mismatch":
        return _("{value} may only hold lowercase letters, digits and dashes").format(value=shown)
    if kind == "string_too_long":
        return _("longer than {count} characters").format(count=context.get("max_length"))
    return str(detail["msg"])
