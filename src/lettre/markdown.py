"""Markdown → sanitised HTML, typeset; and the check of what Markdown may contain.

CommonMark with tables. Raw HTML is never passed through (markdown-it escapes it), links may
only be http(s), mailto or in-document anchors, images belong in the `image` field, and the
HTML that comes out is cleaned once more with an allow-list (nh3, the Ammonia sanitiser) in
case a rule above is ever loosened.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

from lettre.typography import typeset

LINK_SCHEMES = frozenset({"http", "https", "mailto"})
_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "a",
    "ul",
    "ol",
    "li",
    "blockquote",
    "code",
    "pre",
    "hr",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
_LINK_TARGET = re.compile(r"\]\(([^\s()]*(?:\([^\s()]*\)[^\s()]*)*)")
"""The target of a `[text](target)` that markdown-it refused, nested parentheses included."""
_RAW_HTML = re.compile(r"<(/?[A-Za-z][\w:-]*)(\s[^<>]*)?/?>")


def _link_allowed(url: str) -> bool:
    url = url.strip()
    if url.startswith("#"):
        return True
    scheme, colon, _ = url.partition(":")
    return bool(colon) and scheme.lower() in LINK_SCHEMES and not re.search(r"[\s\x00-\x1f]", url)


@cache
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    md.validateLink = _link_allowed  # type: ignore[method-assign]
    return md


@cache
def _cleaner() -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=_TAGS,
        attributes={"a": {"href", "title"}, "ol": {"start"}, "th": {"style"}, "td": {"style"}},
        url_schemes=set(LINK_SCHEMES),
        filter_style_properties={"text-align"},
        link_rel="noopener",
        strip_comments=True,
    )


def render_html(source: str, language: str, heading_offset: int = 2) -> str:
    """The sanitised HTML of `source`, with its text typeset and `#` becoming h(1+offset)."""
    md = _parser()
    tokens = md.parse(source)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(6, int(token.tag[1]) + heading_offset)}"
        if token.children:
            token.children = _typeset_inline(token.children, language)
    return _cleaner().clean(md.renderer.render(tokens, md.options, {}))


def _typeset_inline(children: list[Token], language: str) -> list[Token]:
    """Typeset the text of one paragraph, joining the runs markdown-it splits it into.

    Rules look at the character before ("**Attention** !"), so each run is typeset behind
    the last letter seen, which no rule changes, and that letter is then taken off again.
    """
    result: list[Token] = []
    before = ""
    for child in children:
        if child.type == "text" and result and result[-1].type == "text":
            result[-1].content += child.content
            continue
        result.append(child)
    for child in result:
        if child.type == "text":
            child.content = typeset(before + child.content, language)[len(before) :]
        if child.type in ("text", "code_inline") and child.content:
            before = child.content[-1] if child.content[-1].isalnum() else ""
    return result


@dataclass(frozen=True)
class Finding:
    line: int
    """Line in the Markdown source, from 1."""
    message: str
    is_error: bool = True


def lint(source: str) -> list[Finding]:
    """What in `source` will not come out as its author meant."""
    findings: list[Finding] = []
    for block in _parser().parse(source):
        line = (block.map[0] + 1) if block.map else 1
        for token in block.children or ():
            findings.extend(_inline_findings(token, line))
    return findings


def _inline_findings(token: Token, line: int) -> list[Finding]:
    if token.type == "image" or (token.type == "text" and "![" in token.content):
        return [
            Finding(line, "images in Markdown are not supported; use the article's image field")
        ]
    if token.type != "text":
        return []
    findings = []
    target = _LINK_TARGET.search(token.content)
    if target:
        url = target.group(1)
        findings.append(
            Finding(line, f"link to '{url}' refused: links must be http(s)://, mailto: or #anchor")
        )
    raw = _RAW_HTML.search(token.content)
    if raw:
        html = raw.group(0)[:40]
        message = f"raw HTML ({html}) is shown as text, not interpreted; use Markdown instead"
        findings.append(Finding(line, message, is_error=False))
    return findings
