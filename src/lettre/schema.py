"""JSON Schemas of issue.yaml and publication.yaml, for editors that complete as one types.

Generated from the models, so they cannot drift from what `lettre check` accepts; the field
docstrings become the descriptions editors show.
"""

from __future__ import annotations

import json
from typing import Any

from lettre.model import Issue, Publication

DIALECT = "https://json-schema.org/draft/2020-12/schema"
ISSUE_SCHEMA_FILE = "issue.schema.json"
PUBLICATION_SCHEMA_FILE = "publication.schema.json"

_INCLUDE = {
    "type": "object",
    "title": "Include",
    "description": "An article kept in its own Markdown file: YAML front matter with the "
    "article's fields between '---' lines, then the body.",
    "properties": {
        "include": {
            "type": "string",
            "description": "Path of the .md file, relative to the issue folder.",
            "pattern": r"\.md$",
        }
    },
    "required": ["include"],
    "additionalProperties": False,
}


def issue_schema() -> dict[str, Any]:
    schema = Issue.model_json_schema()
    definitions = schema["$defs"]
    definitions["Include"] = _INCLUDE
    definitions["Section"]["properties"]["articles"]["items"] = {
        "anyOf": [{"$ref": "#/$defs/Article"}, {"$ref": "#/$defs/Include"}]
    }
    # mirrors Article._has_text
    definitions["Article"]["anyOf"] = [{"required": ["summary"]}, {"required": ["body"]}]
    return {"$schema": DIALECT, **schema}


def publication_schema() -> dict[str, Any]:
    return {"$schema": DIALECT, **Publication.model_json_schema()}


def dumps(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
