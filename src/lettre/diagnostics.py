"""Pydantic's validation errors, told as located problems an editor can act on."""

from __future__ import annotations

import difflib
from typing import Any, get_args

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from lettre.errors import Problem, Severity
from lettre.yamlfile import Document, Path_

REQUIRED = {
    "alt": "required when an image is set",
    "src": "required when an image is set: the image file",
    "headlines": "required: at least one item for « À la une »",
    "sections": "required: at least one section",
    "articles": "required: a section needs at least one article",
    "body": "required: the text, in Markdown",
    "sender": "required: sender: {name: …, email: …}",
}
_KINDS: dict[type, str] = {dict: "fields (a mapping)", list: "a list", str: "a text"}


def field_name(path: Path_) -> str:
    """("sections", 0, "title") → "sections[0].title"."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text.lstrip(".")


def at(
    doc: Document, path: Path_, message: str, severity: Severity = Severity.ERROR, code: str = ""
) -> Problem:
    """A problem at `path` in `doc`; a warning has a `code` (see lettre.codes)."""
    place = doc.place(path)
    return Problem(place.file, place.line, place.column, field_name(path), message, severity, code)


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
            message = REQUIRED.get(str(path[-1]), "required")
        else:
            place = doc.place(path)
            message = describe(detail)
        problems.append(Problem(place.file, place.line, place.column, field_name(path), message))
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
        return f"unknown field; did you mean '{close[0]}'?"
    owner = _model_at(model, path[:-1])
    known = list(owner.model_fields) if owner else []
    return "unknown field; expected one of: " + ", ".join(known) if known else "unknown field"


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


def describe(detail: ErrorDetails) -> str:
    kind, value = detail["type"], detail["input"]
    context = detail.get("ctx") or {}
    if value is None:  # an empty optional field is valid (None): this one is required
        return "empty: this field needs a value"
    found = _KINDS.get(type(value), "a value")
    shown = f"'{value}'" if isinstance(value, str) else found
    if kind == "string_type":
        return f"expected a text, found {found}"
    if kind in ("model_type", "model_attributes_type", "dataclass_type"):
        return f"expected fields (a mapping), found {shown}"
    if kind in ("tuple_type", "list_type"):
        return f"expected a list (lines starting with '- '), found {shown}"
    if kind == "string_too_short":
        return "empty: this field needs a value"
    if kind == "too_short":
        return (
            "empty: this field needs a value"
            if isinstance(value, str)
            else "empty: give at least one item"
        )
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"{shown} is not a whole number"
    if kind == "greater_than_equal":
        return f"{shown} is too small: the lowest is {context.get('ge')}"
    if kind.startswith("date_"):
        reason = f" ({context['error']})" if context.get("error") else ""
        return f"{shown} is not a real date{reason}; write it as YYYY-MM-DD"
    if kind == "literal_error":
        return f"{shown} is not allowed; expected {context.get('expected')}"
    if kind == "string_pattern_mismatch":
        return f"{shown} may only hold lowercase letters, digits and dashes"
    if kind == "string_too_long":
        return f"longer than {context.get('max_length')} characters"
    return str(detail["msg"])
