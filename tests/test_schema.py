"""The JSON Schema editors complete against: it must agree with what `lettre check` accepts."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
import yaml

from lettre.schema import dumps, issue_schema, publication_schema
from tests.conftest import PROJECT

EXAMPLE = PROJECT / "bulletins/2025-06-13"


def as_editor_reads(text: str) -> Any:
    """YAML as yaml-language-server sees it: dates are strings (YAML 1.2), numbers numbers."""
    return json.loads(json.dumps(yaml.safe_load(text), default=str))


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = issue_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_schema_accepts_the_example_issue(validator: jsonschema.Draft202012Validator) -> None:
    assert list(validator.iter_errors(as_editor_reads((EXAMPLE / "issue.yaml").read_text()))) == []


def test_schema_accepts_included_articles_front_matter(
    validator: jsonschema.Draft202012Validator,
) -> None:
    front = (EXAMPLE / "articles/patrouille-de-france.md").read_text().split("---")[1]
    article_schema = {"$defs": issue_schema()["$defs"], "$ref": "#/$defs/Article"}
    assert (
        list(jsonschema.Draft202012Validator(article_schema).iter_errors(as_editor_reads(front)))
        == []
    )


def test_schema_rejects_a_typo_and_says_where(validator: jsonschema.Draft202012Validator) -> None:
    data = as_editor_reads(
        (EXAMPLE / "issue.yaml")
        .read_text()
        .replace("    summary: Deux semaines", "    sumary: Deux semaines")
    )
    errors = list(validator.iter_errors(data))
    assert {tuple(e.absolute_path) for e in errors} == {("headlines", 1)}
    assert any("'sumary' was unexpected" in e.message for e in errors)


def test_schema_requires_summary_or_body(validator: jsonschema.Draft202012Validator) -> None:
    data = as_editor_reads((EXAMPLE / "issue.yaml").read_text())
    del data["sections"][1]["articles"][2]["summary"]
    assert [list(e.absolute_path) for e in validator.iter_errors(data)] == [
        ["sections", 1, "articles", 2]
    ]


def test_every_field_is_described() -> None:
    for schema in (issue_schema(), publication_schema()):
        for name, definition in [("root", schema), *schema["$defs"].items()]:
            for field, spec in definition.get("properties", {}).items():
                assert spec.get("description"), f"{name}.{field} has no description"


@pytest.mark.parametrize(
    ("name", "make"), [("issue", issue_schema), ("publication", publication_schema)]
)
def test_committed_schema_files_are_current(name: str, make: Any) -> None:
    """The example repository's $schema lines point at these; `lettre new` refreshes them."""
    assert (PROJECT / f"bulletins/{name}.schema.json").read_text() == dumps(make())
