"""The YAML reader: text stays text, places are exact, hostile YAML is refused cleanly."""

from __future__ import annotations

import pytest

from lettre.yamlfile import Place, YamlProblem, parse


@pytest.mark.parametrize(
    "typed", ["no", "on", "yes", "off", "1.10", "012", "12:30", "0x1F", "1e3", "2025-06-13", ".inf"]
)
def test_scalars_stay_the_text_the_author_typed(typed: str) -> None:
    assert parse(f"title: {typed}\n", "f.yaml").data == {"title": typed}


def test_empty_values_are_none_but_quoted_empty_is_text() -> None:
    assert parse("a:\nb: ~\nc: ''\n", "f.yaml").data == {"a": None, "b": None, "c": ""}


def test_every_key_and_value_has_its_place() -> None:
    doc = parse(
        "sections:\n  - title: Opérations\n    articles:\n      - body: |\n          Texte\n",
        "f.yaml",
    )
    assert doc.keys[("sections", 0, "title")] == Place("f.yaml", 2, 5)
    assert doc.values[("sections", 0, "title")] == Place("f.yaml", 2, 12)
    # a block scalar's place is where its text starts, so Markdown lines map to file lines
    assert doc.values[("sections", 0, "articles", 0, "body")] == Place("f.yaml", 5, 11)


def test_first_line_offsets_places_for_front_matter() -> None:
    doc = parse("title: x\n", "a.md", first_line=2)
    assert doc.values[("title",)] == Place("a.md", 2, 8)


def test_duplicate_keys_are_reported_with_both_lines_and_the_first_kept() -> None:
    doc = parse("title: a\nsummary: b\ntitle: c\n", "f.yaml")
    assert doc.data["title"] == "a"
    [problem] = doc.problems
    assert (problem.place, problem.message) == (
        Place("f.yaml", 3, 1),
        "duplicate key 'title' (first given at line 1); keep only one",
    )


@pytest.mark.parametrize(
    ("text", "place", "message"),
    [
        (
            "a: !!python/object/apply:os.system ['true']\n",
            (1, 4),
            "YAML tags (tag:yaml.org,2002:python/object/apply:os.system) are not allowed; remove the tag and write plain text",
        ),
        (
            "a: !!str 12\n",
            (1, 4),
            "YAML tags (tag:yaml.org,2002:str) are not allowed; remove the tag and write plain text",
        ),
        (
            "a: &x 1\nb: *x\n",
            (1, 4),
            "YAML anchors (&x) are not allowed; write the value out in full",
        ),
        ("a: *x\n", (1, 4), "YAML aliases (*x) are not allowed; write the value out in full"),
        (
            "a: [1, 2\n",
            (2, 1),
            "YAML syntax: expected ',' or ']', but got '<stream end>' (while parsing a flow sequence)",
        ),
        (
            "a: b: c\n",
            (1, 5),
            "YAML syntax: mapping values are not allowed here; a text that contains ': ' must be put in quotes",
        ),
        ("a:\n\t- b\n", (2, 1), "YAML syntax: a tab character; indent with spaces, not tabs"),
        ("a: b\x07c\n", (1, 5), "control character U+0007 is not allowed; delete it"),
        ("[a, b]: c\n", (1, 1), "a key must be a plain name, not a list or a mapping"),
    ],
)
def test_refused_yaml_says_where_and_why(text: str, place: tuple[int, int], message: str) -> None:
    with pytest.raises(YamlProblem) as raised:
        parse(text, "f.yaml")
    assert (raised.value.place.line, raised.value.place.column) == place
    assert raised.value.message == message


def test_billion_laughs_is_refused_at_its_first_anchor() -> None:
    laughs = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    laughs += "".join(
        f"{b}: &{b} [*{a},*{a},*{a},*{a},*{a},*{a},*{a},*{a},*{a}]\n"
        for a, b in zip("abcdefgh", "bcdefghi", strict=True)
    )
    with pytest.raises(YamlProblem, match="anchors"):
        parse(laughs, "f.yaml")


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    with pytest.raises(YamlProblem) as raised:
        parse("a: " + "[" * 30_000 + "]" * 30_000 + "\n", "f.yaml")
    assert raised.value.message == "nested more than 40 levels deep; an issue is never this deep"


def test_windows_line_endings_read_like_unix_ones() -> None:
    doc = parse("title: a\r\nsummary: |\r\n  b\r\n  c\r\n", "f.yaml")
    assert doc.data == {"title": "a", "summary": "b\nc\n"}
    assert doc.values[("summary",)] == Place("f.yaml", 3, 3)


def test_a_json_style_surrogate_pair_is_joined_into_its_character() -> None:
    doc = parse('title: "F\\ud83c\\udf89te \\uD83D\\uDC4D"\n', "f.yaml")
    assert doc.data == {"title": "F🎉te 👍"} and doc.problems == []


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ('"\\ud83c"', "\\ud83c is half of a UTF-16 surrogate pair"),
        ('"a\\udf89b\\ud83c"', "\\udf89 is half of a UTF-16 surrogate pair"),
        ('"\\uFFFE"', "U+FFFE is a Unicode noncharacter"),
        ('"\\U0001FFFF"', "U+1FFFF is a Unicode noncharacter"),
        ('"\\x01"', "control character U+0001 is not allowed"),
        ('"\\x85"', "control character U+0085 is not allowed"),
    ],
)
def test_what_no_edition_can_render_is_a_problem_at_its_value(typed: str, message: str) -> None:
    doc = parse(f"a: b\nsections:\n  - title: {typed}\n", "f.yaml")
    [problem] = doc.problems
    assert problem.place == Place("f.yaml", 3, 12) and problem.path == ("sections", 0, "title")
    assert problem.message.startswith(message) and not problem.warning
    assert "\ufffd" in doc.data["sections"][0]["title"]  # still shown safely in later messages


def test_keys_are_checked_too() -> None:
    [problem] = parse('"ti\\uFFFEtle": x\n', "f.yaml").problems
    assert problem.place == Place("f.yaml", 1, 1) and "noncharacter" in problem.message
