"""Authors' YAML, read safely, with the place of every key and value remembered.

PyYAML's safe loader would silently keep the last of two duplicate keys, expand aliases,
turn `no` into False and `1.10` into 1.1. Here the pure-Python composer builds the node
tree and we convert it ourselves:

- every scalar stays the text the author typed (the schema coerces numbers and dates);
- duplicate keys, anchors, aliases and explicit tags are errors;
- nesting is bounded, so hostile input gives an error, never a RecursionError.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.events import AliasEvent, CollectionStartEvent, ScalarEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader, ReaderError
from yaml.resolver import BaseResolver
from yaml.scanner import Scanner

from lettre.characters import NONCHARACTERS
from lettre.messages import N_, _, ngettext

MAX_DEPTH = 40
NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_PAIR = re.compile("[\ud800-\udbff][\udc00-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""Control characters other than tab and line breaks, which YAML's escapes can write."""

Path_ = tuple[str | int, ...]
"""A place in the document: ("sections", 0, "articles", 2, "title")."""


@dataclass(frozen=True)
class Place:
    file: str
    line: int
    column: int


@dataclass
class Document:
    """A parsed YAML file: plain data, and where each part of it came from."""

    data: Any
    values: dict[Path_, Place] = field(default_factory=dict)
    keys: dict[Path_, Place] = field(default_factory=dict)
    problems: list[YamlProblem] = field(default_factory=list)
    """Problems that did not stop the reading (duplicate keys: the first one is kept)."""

    def place(self, path: Path_) -> Place:
        """The place of the value at `path`, or of its nearest ancestor that has one."""
        for end in range(len(path), -1, -1):
            found = self.values.get(path[:end])
            if found:
                return found
        raise KeyError(path)

    def key_place(self, path: Path_) -> Place:
        return self.keys.get(path) or self.place(path)

    def graft(self, path: Path_, other: Document) -> None:
        """Record that the value at `path` comes from `other` (an included file)."""
        for sub, place in other.values.items():
            self.values[path + sub] = place
        for sub, place in other.keys.items():
            self.keys[path + sub] = place


class YamlProblem(Exception):
    """A YAML file that cannot be read: syntax, a refused feature, or a duplicate key."""

    def __init__(
        self, place: Place, message: str, *, warning: bool = False, path: Path_ = ()
    ) -> None:
        super().__init__(message)
        self.place = place
        self.message = message
        self.warning = warning
        self.path = path
        """The value it is about, when it is about one."""


class _Composer(Reader, Scanner, Parser, Composer, BaseResolver):
    """The composer stage only: no constructor, so no tag is ever turned into an object."""

    def __init__(self, text: str, file: str, first_line: int) -> None:
        Reader.__init__(self, text)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        BaseResolver.__init__(self)
        self._file, self._first_line, self._depth = file, first_line, 0

    def place(self, mark: Any) -> Place:
        return Place(self._file, mark.line + self._first_line, mark.column + 1)

    def content_place(self, node: ScalarNode) -> Place:
        """Where the text of a scalar starts: for `|` and `>` blocks, the line below."""
        mark = node.start_mark
        if node.style not in ("|", ">") or mark.buffer is None:
            return self.place(mark)
        start = mark.buffer.find("\n", mark.pointer) + 1
        skipped = 0
        while True:  # blank lines before the text are not part of it
            end = mark.buffer.find("\n", start)
            line = mark.buffer[start : end if end >= 0 else None]
            if line.strip() or end < 0:
                break
            start, skipped = end + 1, skipped + 1
        indent = len(line) - len(line.lstrip(" "))
        return Place(self._file, mark.line + self._first_line + 1 + skipped, indent + 1)

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, AliasEvent):
            raise YamlProblem(
                self.place(event.start_mark),
                _("YAML aliases ({alias}) are not allowed; write the value out in full").format(
                    alias=f"*{event.anchor}"
                ),
            )
        if getattr(event, "anchor", None):
            raise YamlProblem(
                self.place(event.start_mark),
                _("YAML anchors ({anchor}) are not allowed; write the value out in full").format(
                    anchor=f"&{event.anchor}"
                ),
            )
        tag = getattr(event, "tag", None)
        if isinstance(event, ScalarEvent | CollectionStartEvent) and tag not in (None, "!"):
            raise YamlProblem(
                self.place(event.start_mark),
                _("YAML tags ({tag}) are not allowed; remove the tag and write plain text").format(
                    tag=tag
                ),
            )
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise YamlProblem(
                self.place(event.start_mark),
                _("nested more than {count} levels deep; an issue is never this deep").format(
                    count=MAX_DEPTH
                ),
            )
        try:
            node = super().compose_node(parent, index)
            assert node is not None  # only get_single_node sees an empty stream
            return node
        finally:
            self._depth -= 1


def parse(text: str, file: str, first_line: int = 1) -> Document:
    """Parse one YAML document; `first_line` is the file line where `text` starts."""
    try:
        composer = _Composer(text, file, first_line)  # the reader checks characters here
        root = composer.get_single_node()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + first_line, mark.column + 1) if mark else (first_line, 1)
        message = _syntax_message(error, text, mark, first_line)
        if mark and message.startswith(_misaligned_start()):  # the place: where the line starts
            here = text.split("\n")[mark.line]
            column = len(here) - len(here.lstrip(" ")) + 1
        raise YamlProblem(Place(file, line, column), message) from None
    except ReaderError as error:  # a control character YAML refuses
        before = text[: error.position]
        line = before.count("\n") + first_line
        column = error.position - (before.rfind("\n") + 1) + 1
        code = error.character if isinstance(error.character, int) else ord(error.character)
        message = _("control character {code} is not allowed; delete it").format(
            code=f"U+{code:04X}"
        )
        raise YamlProblem(Place(file, line, column), message) from None
    document = Document(None)
    if root is not None:
        document.data = _convert(root, (), document, composer)
    return document


def _syntax_message(error: yaml.MarkedYAMLError, text: str, mark: Any, first_line: int) -> str:
    problem = error.problem or "invalid YAML"
    context = error.context or ""
    line = text.split("\n")[mark.line] if mark and mark.line < text.count("\n") + 1 else ""
    if any(f"while scanning an {what}" in context for what in ("alias", "anchor")) or (
        "while scanning a tag" in context
    ):
        return _("YAML syntax: a text that starts with *, & or ! must be put in quotes")
    if "expected <block end>" in problem and re.search(r":\s+[\"'\[{]", line):
        return _(
            "YAML syntax: text follows a quoted or bracketed value on this line; "
            "put the whole text in quotes"
        )
    if "'\\t'" in problem or "\\t" in problem:
        return _("YAML syntax: a tab character; indent with spaces, not tabs")
    misaligned = _misaligned(text, mark, first_line)
    if misaligned and (
        "expected <block end>" in problem
        or "expected <block mapping end>" in problem
        or ("mapping values are not allowed" in problem and _key_colon_at(line, mark.column))
    ):
        return misaligned
    if "expected <block end>" in problem or "expected <block mapping end>" in problem:
        return _("YAML syntax: this line is not indented like the lines it belongs with")
    # PyYAML's own words: the English of a parser, kept as a detail after lettre's sentence
    detail = f"{problem} ({context})" if context else problem
    if "mapping values are not allowed" in problem:
        return _("YAML syntax: {detail}; a text that contains ': ' must be put in quotes").format(
            detail=detail
        )
    if "found character" in problem and "cannot start any token" in problem:
        return _("YAML syntax: {detail}; put the text in quotes").format(detail=detail)
    return _("YAML syntax: {detail}").format(detail=detail)


_KEY = re.compile(r"[ ]*(?:-[ ]+)*([A-Za-z_][\w-]*)[ ]*:(?:[ \t]|$)")
"""A line that starts with a key (lettre's keys are names: no space, no quote)."""


def _key_colon_at(line: str, column: int) -> bool:
    """The parser stopped on the colon of the key that starts the line: a key, indented so
    that YAML read it as the continuation of the text above, not a text holding ': '."""
    found = _KEY.match(line)
    return found is not None and found.end(1) <= column <= found.end()


def _columns(line: str) -> list[int]:
    """Where the things of a line start: its first character, and a key after each '- '."""
    found = re.match(r"[ ]*(?:-[ ]+)*", line)
    assert found is not None
    starts = [len(line) - len(line.lstrip(" "))]
    starts += [m.end() for m in re.finditer(r"-[ ]+", found.group())]
    return starts


def _misaligned_start() -> str:
    """How the indentation message starts, in the reader's language."""
    return _("YAML syntax: indentation: {detail}").format(detail="")


def _misaligned(text: str, mark: Any, first_line: int) -> str | None:
    """The indentation mistake told as such: how far this line is from the nearest line above
    it that it should line up with, and which one; None when the line is not that mistake."""
    if not mark:
        return None
    lines = text.split("\n")
    here = lines[mark.line] if mark.line < len(lines) else ""
    if not here.strip() or (not _KEY.match(here) and not here.lstrip(" ").startswith("-")):
        return None
    column = _columns(here)[0]
    is_item = here.lstrip(" ").startswith("-")  # an item lines up with items, a key with keys
    nearest: tuple[int, int, int] | None = None  # (distance, line index, column there)
    for number in range(mark.line - 1, -1, -1):
        above = lines[number]
        if not above.strip() or above.lstrip().startswith("#"):
            continue
        starts = _columns(above)[:1] if is_item else reversed(_columns(above))
        for start in starts:  # a key wins over the '-' before it
            distance = abs(start - column)
            if distance and (nearest is None or distance < nearest[0]):
                nearest = (distance, number, start)
        if _columns(above)[0] < column:
            break  # the block this line is in starts here
    if nearest is None:
        return None
    distance, number, start = nearest
    word = lines[number][start:].split(":")[0].split()[0]
    further = column > start
    message = (
        ngettext(
            "this line starts {count} space further right than "
            "'{word}' on line {line}; line up the keys that belong together, with spaces",
            "this line starts {count} spaces further right than "
            "'{word}' on line {line}; line up the keys that belong together, with spaces",
            distance,
        )
        if further
        else ngettext(
            "this line starts {count} space further left than "
            "'{word}' on line {line}; line up the keys that belong together, with spaces",
            "this line starts {count} spaces further left than "
            "'{word}' on line {line}; line up the keys that belong together, with spaces",
            distance,
        )
    )
    detail = message.format(count=distance, word=word, line=number + first_line)
    return _("YAML syntax: indentation: {detail}").format(detail=detail)


HASHTAG = N_(
    "the text after ' #' is a YAML comment and is left out; put the whole text in quotes "
    "if the # belongs to it (a hashtag)"
)


def _comment_follows(node: ScalarNode) -> bool:
    """A plain value followed on its line by `#word`: a hashtag, most likely, not a comment."""
    mark = node.end_mark
    if mark.buffer is None:
        return False
    end = mark.buffer.find("\n", mark.pointer)
    return bool(re.match(r"[ \t]+#[^\s#]", mark.buffer[mark.pointer : end if end >= 0 else None]))


def _convert(node: Node, path: Path_, doc: Document, composer: _Composer) -> Any:
    doc.values[path] = composer.place(node.start_mark)
    if isinstance(node, ScalarNode):
        doc.values[path] = composer.content_place(node)
        if node.style is None and node.value in NULLS:
            return None
        if node.style is None and _comment_follows(node):
            doc.problems.append(
                YamlProblem(composer.place(node.end_mark), _(HASHTAG), warning=True)
            )
        return _text(node.value, path, doc)
    if isinstance(node, SequenceNode):
        return [_convert(item, (*path, i), doc, composer) for i, item in enumerate(node.value)]
    assert isinstance(node, MappingNode)
    result: dict[str, Any] = {}
    for key_node, value_node in node.value:
        key_place = composer.place(key_node.start_mark)
        if not isinstance(key_node, ScalarNode):
            message = _("a key must be a plain name, not a list or a mapping")
            raise YamlProblem(key_place, message)
        key = _text(key_node.value, path, doc, key_place)
        if key in result:
            first = doc.keys[(*path, key)]
            message = _("duplicate key '{key}' (first given at line {line}); keep only one").format(
                key=key, line=first.line
            )
            doc.problems.append(YamlProblem(key_place, message))
            continue
        doc.keys[(*path, key)] = key_place
        result[key] = _convert(value_node, (*path, key), doc, composer)
    return result


def _text(value: str, path: Path_, doc: Document, place: Place | None = None) -> str:
    """The scalar as text every edition can render; a problem where it cannot be.

    YAML's escapes ("\\x01") can write what the reader refuses in a file, and what no UTF-8
    file holds: UTF-16 surrogates (JSON-style "\\ud83c\\udf89", whose two halves are joined
    into the one character meant). What is refused is replaced by U+FFFD, so that later
    messages can show the value, and reported once, here, for every field.
    """
    if not (_SURROGATE.search(value) or NONCHARACTERS.search(value) or _CONTROL.search(value)):
        return value
    place = place or doc.values[path]
    value = _PAIR.sub(_join, value)
    if found := _SURROGATE.search(value):
        code = ord(found.group())
        message = _(
            "{escape} is half of a UTF-16 surrogate pair, without its other half; "
            "write the character itself, or both halves (\\ud83c\\udf89 is 🎉)"
        ).format(escape=f"\\u{code:04x}")
        doc.problems.append(YamlProblem(place, message, path=path))
        value = _SURROGATE.sub("\ufffd", value)
    if found := NONCHARACTERS.search(value):
        message = _("{code} is a Unicode noncharacter, not text; delete it").format(
            code=f"U+{ord(found.group()):04X}"
        )
        doc.problems.append(YamlProblem(place, message, path=path))
        value = NONCHARACTERS.sub("\ufffd", value)
    if found := _CONTROL.search(value):
        message = _("control character {code} is not allowed; delete it").format(
            code=f"U+{ord(found.group()):04X}"
        )
        doc.problems.append(YamlProblem(place, message, path=path))
        value = _CONTROL.sub("\ufffd", value)
    return value


def _join(pair: re.Match[str]) -> str:
    return pair.group().encode("utf-16-le", "surrogatepass").decode("utf-16-le")
