"""Markdown → sanitised HTML, typeset; and the check of what Markdown may contain.

CommonMark with tables. Raw HTML is never passed through (markdown-it escapes it), links may
only be http(s), mailto or in-document anchors, images belong in the `image` field, and the
HTML that comes out is cleaned once more with an allow-list (nh3, the Ammonia sanitiser) in
case a rule above is ever loosened.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from functools import cache, lru_cache

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token
from markdown_it.tree import SyntaxTreeNode

from lettre.messages import N_, _
from lettre.typography import NBSP, typeset

LINK_SCHEMES = frozenset({"http", "https", "mailto"})
_TAGS = {
    "p",
    "br",
    "wbr",
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
_LINK_TARGET = re.compile(r"\]\(([^()]*(?:\([^()]*\)[^()]*)*)\)")
"""The target of a `[text](target)` that markdown-it refused, nested parentheses included."""
_RAW_HTML = re.compile(r"<(/?[A-Za-z][\w:-]*)(\s[^<>]*)?/?>")


def _link_allowed(url: str) -> bool:
    url = url.strip()
    if url.startswith("#"):
        return True
    scheme, colon, _rest = url.partition(":")
    return bool(colon) and scheme.lower() in LINK_SCHEMES and not re.search(r"[\s\x00-\x1f]", url)


MAX_DEPTH = 20
"""Lists and quotes inside each other: deeper is an error at its line (see `lint`)."""
_NESTING = 100
"""markdown-it's maxNesting: past it, the parser silently drops the rest of the text. The
commonmark preset's 20 tokens deep is ten lists; 100 holds MAX_DEPTH lists and their
paragraphs with room to spare, and stays far from Python's recursion limit."""
_CONTAINERS = ("bullet_list_open", "ordered_list_open", "blockquote_open")
MAX_INLINE_DEPTH = 50
"""Emphasis and links inside each other: deeper is an error at its line (see `lint`).
markdown-it nests them without limit, and MRML, given thousands, overflows its stack."""


@cache
def _parser() -> MarkdownIt:
    options = {"html": False, "linkify": False, "typographer": False, "maxNesting": _NESTING}
    md = MarkdownIt("commonmark", options)
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


def _typeset_tokens(source: str, language: str) -> list[Token]:
    tokens = _parser().parse(source)
    for token in tokens:
        if token.children:
            token.children = _typeset_inline(token.children, language)
    return tokens


@lru_cache(maxsize=256)  # each article's body goes into the print, email and web editions
def render_html(source: str, language: str, heading_offset: int = 2) -> str:
    """The sanitised HTML of `source`, with its text typeset.

    Headings keep their order but not their level: the body's highest heading becomes
    h(1+offset), so that a `##` under an article's h3 is an h4, never a skipped level.
    """
    md = _parser()
    tokens = _typeset_tokens(source, language)
    headings = [t for t in tokens if t.type in ("heading_open", "heading_close")]
    top = min((int(t.tag[1]) for t in headings), default=1)
    for token in headings:
        token.tag = f"h{min(6, int(token.tag[1]) - top + 1 + heading_offset)}"
    for token in tokens:
        if token.children:
            token.children = _breakable(token.children)
    tokens = [_breakable_code(token) for token in tokens]
    return _cleaner().clean(md.renderer.render(tokens, md.options, {}))


LONG_WORD = 40
"""A run of this many characters without a space is no word: it gets a break opportunity
(<wbr>) every 30 characters. Mail programs then wrap it instead of widening the email, and
WeasyPrint lays it out in seconds: it hyphenates a 30,000-letter word by trying every
hyphenation point on every line, for minutes."""
_LONG = re.compile(rf"\S{{{LONG_WORD},}}")
_PIECE = 30
_WBR = "<wbr>"


def _pieces(text: str) -> list[str]:
    """`text` cut every _PIECE characters inside its long runs; joined, it is `text` again."""
    cuts = [
        cut
        for run in _LONG.finditer(text)
        for cut in range(run.start() + _PIECE, run.end(), _PIECE)
    ]
    return [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]


def _breakable(children: list[Token]) -> list[Token]:
    """Inline tokens with <wbr> between the pieces of their long runs of text or code."""
    result: list[Token] = []
    for token in children:
        if token.type not in ("text", "code_inline") or not _LONG.search(token.content):
            result.append(token)
            continue
        code = token.type == "code_inline"
        if code:
            result.append(Token("html_inline", "", 0, content="<code>"))
        for i, piece in enumerate(_pieces(token.content)):
            if i:
                result.append(Token("html_inline", "", 0, content=_WBR))
            result.append(Token("text", "", 0, content=piece))  # escaped by the renderer
        if code:
            result.append(Token("html_inline", "", 0, content="</code>"))
    return result


def _breakable_code(token: Token) -> Token:
    """A code block with long lines, as HTML with <wbr> in them (see LONG_WORD)."""
    if token.type not in ("fence", "code_block") or not _LONG.search(token.content):
        return token
    code = _WBR.join(escapeHtml(piece) for piece in _pieces(token.content))
    return Token("html_block", "", 0, content=f"<pre><code>{code}</code></pre>\n")


def render_text(source: str, language: str, width: int = 72) -> str:
    """`source` as plain text for the email's text part: wrapped, links written out."""
    tree = SyntaxTreeNode(_typeset_tokens(source, language))
    return "\n\n".join(_blocks(tree.children, width)).rstrip() + "\n"


def _blocks(nodes: list[SyntaxTreeNode], width: int) -> list[str]:
    return [text for node in nodes if (text := _block(node, width))]


def _block(node: SyntaxTreeNode, width: int) -> str:
    kind = node.type
    if kind == "paragraph":
        return _wrap(_inline(node), width)
    if kind == "heading":
        title = _inline(node)
        return f"{title}\n{'-' * min(len(title), width)}"
    if kind in ("bullet_list", "ordered_list"):
        start = int(str(node.attrs.get("start", 1)))
        return "\n".join(
            _list_item(item, width, kind, start + i) for i, item in enumerate(node.children)
        )
    if kind == "blockquote":
        inner = "\n\n".join(_blocks(node.children, width - 2))
        return "\n".join(f"> {line}".rstrip() for line in inner.splitlines())
    if kind in ("code_block", "fence"):
        return "\n".join(f"    {line}" for line in node.content.rstrip("\n").splitlines())
    if kind == "table":
        return _table(node, width)
    if kind == "hr":
        return "-" * 10
    return ""


def _list_item(item: SyntaxTreeNode, width: int, kind: str, number: int) -> str:
    marker = "-" if kind == "bullet_list" else f"{number}."
    pad = " " * (len(marker) + 1)
    body = "\n".join(_blocks(item.children, width - len(pad)))
    lines = body.splitlines() or [""]
    return "\n".join([f"{marker} {lines[0]}", *(f"{pad}{line}".rstrip() for line in lines[1:])])


def _inline(node: SyntaxTreeNode) -> str:
    parts = []
    for child in node.children:
        if child.type == "inline":
            parts.append(_inline(child))
        elif child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "softbreak":
            parts.append(" ")
        elif child.type == "hardbreak":
            parts.append("\n")
        elif child.type == "link":
            text, href = _inline(child), str(child.attrs.get("href", ""))
            shown = href.removeprefix("mailto:")
            parts.append(
                text if text in (href, shown) or href.startswith("#") else f"{text} <{shown}>"
            )
        else:
            parts.append(_inline(child))
    return "".join(parts)


def _wrap(text: str, width: int) -> str:
    return "\n".join(
        textwrap.fill(line, width, break_long_words=False, break_on_hyphens=False)
        for line in text.split("\n")
    )


def _table(node: SyntaxTreeNode, width: int) -> str:
    rows = [
        [_inline(cell) for cell in row.children] for part in node.children for row in part.children
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    if sum(widths) + 2 * (len(widths) - 1) <= width:
        lines = [
            "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)).rstrip()
            for row in rows
        ]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(lines)
    header, *body = rows
    records = [
        "\n".join(_wrap(f"{h} : {c}", width) for h, c in zip(header, row, strict=False))
        for row in body
    ]
    return "\n\n".join(records)


def _typeset_inline(children: list[Token], language: str) -> list[Token]:
    """Typeset the text of one paragraph, joining the runs markdown-it splits it into.

    Rules look at the character before ("**Attention** !"), so each run is typeset behind
    the last letter seen, which no rule changes, and that letter is then taken off again.
    They look at the word after too ("25 **minutes**", "© *ECPAD*"): each run is typeset
    before the next run's first word, taken off likewise; a line break of the source that
    a rule binds ("25⏎minutes") becomes the no-break space it sets.
    Straight quotes are paired across the whole paragraph first: `"**bonjour**"`.
    """
    result: list[Token] = []
    for child in children:
        if child.type == "text" and result and result[-1].type == "text":
            result[-1].content += child.content
            continue
        result.append(child)
    _pair_quotes([c for c in result if c.type == "text"], language)
    before = ""
    for i, child in enumerate(result):
        if child.type == "text":
            brk, word = _next_word(result, i + 1)
            gap = " " if brk else ""
            whole = typeset(before + child.content + gap + word, language)
            end = len(whole) - len(gap + word)
            if word and whole.endswith(word) and whole[end : end + len(gap)] in (gap, NBSP):
                child.content = whole[len(before) : end]
                if brk and whole[end] == NBSP:
                    result[brk] = Token("text", "", 0, content=NBSP)
            else:
                child.content = typeset(before + child.content, language)[len(before) :]
        if child.type in ("softbreak", "hardbreak"):
            before = ""
        elif child.type in ("text", "code_inline") and child.content:
            before = child.content[-1] if child.content[-1].isalnum() else ""
    return result


def _next_word(tokens: list[Token], start: int) -> tuple[int, str]:
    """The first word of text after tokens[start:] (across emphasis and links, and one line
    break, whose index is given, else 0); "" when none follows."""
    brk = 0
    for i in range(start, len(tokens)):
        token = tokens[i]
        if token.type == "softbreak" and not brk:
            brk = i
        elif token.type in ("text", "code_inline"):
            found = re.match(r"[^\W_]+", token.content)
            return brk, found.group() if found else ""
        elif token.nesting == 0:  # an image, a line break kept, a second line break
            break
    return brk, ""


_QUOTES = {"fr": ("«", "»"), "en": ("“", "”")}


def _pair_quotes(texts: list[Token], language: str) -> None:
    """Turn straight double quotes into opening and closing ones, when they pair up."""
    if sum(t.content.count('"') for t in texts) % 2:
        return
    opening = True
    for token in texts:
        parts = token.content.split('"')
        rebuilt = parts[0]
        for part in parts[1:]:
            rebuilt += _QUOTES[language][0 if opening else 1] + part
            opening = not opening
        token.content = rebuilt


@dataclass(frozen=True)
class Finding:
    line: int
    """Line in the Markdown source, from 1."""
    message: str
    is_error: bool = True


def lint(source: str) -> list[Finding]:
    """What in `source` will not come out as its author meant, with its line."""
    findings: list[Finding] = []
    depth, too_deep = 0, False
    for block in _parser().parse(source):
        line = (block.map[0] + 1) if block.map else 1
        if block.type in _CONTAINERS:
            depth += 1
        elif block.type.replace("_close", "_open") in _CONTAINERS:
            depth -= 1
        if depth > MAX_DEPTH and not too_deep:
            too_deep = True
            message = _(
                "lists or quotes nested more than {count} levels deep; "
                "flatten them: lettre does not show what lies deeper"
            ).format(count=MAX_DEPTH)
            findings.append(Finding(line, message))
        inline_depth, deepest = 0, 0
        for token in block.children or ():
            if token.type in ("softbreak", "hardbreak"):
                line += 1
            findings.extend(_inline_findings(token, line))
            inline_depth += token.nesting
            if inline_depth > MAX_INLINE_DEPTH and not deepest:
                deepest = line
        if deepest:
            message = _(
                "emphasis or links nested more than {count} levels deep; "
                "simplify the text: mail programs cannot show it"
            ).format(count=MAX_INLINE_DEPTH)
            findings.append(Finding(deepest, message))
    return findings


def _inline_findings(token: Token, line: int) -> list[Finding]:
    if token.type == "image" or (token.type == "text" and "![" in token.content):
        return [
            Finding(line, _("images in Markdown are not supported; use the article's image field"))
        ]
    if token.type == "link_open" and not token.attrs.get("href"):
        return [Finding(line, _("a link with no address; write [text](https://…)"))]
    if token.type != "text":
        return []
    text = token.content
    findings = [Finding(line, message) for message in _refused_links(text)]
    if "<!--" in text:
        message = _("an HTML comment is printed as text, not hidden; delete it")
        findings.append(Finding(line, message, is_error=False))
    elif raw := _RAW_HTML.search(text):
        message = _(
            "raw HTML ({html}) is shown as text, not interpreted; use Markdown instead"
        ).format(html=raw.group(0)[:40])
        findings.append(Finding(line, message, is_error=False))
    if re.search(r"\]\[[^\]]*\]", text):
        message = _(
            "a reference link ([text][name]) with no valid definition; write [text](https://…)"
        )
        findings.append(Finding(line, message))
    return findings


_REFUSED = N_("links must be http(s)://, mailto: or #anchor")


def _refused_links(text: str) -> list[str]:
    """Why each link markdown-it left as text was refused."""
    messages = []
    for target in _LINK_TARGET.findall(text):
        url = target.strip()
        if not url:
            messages.append(_("a link with no address; write [text](https://…)"))
        elif re.search(r"\s", url):
            message = _("link to '{url}' has a space in its address; write it as %20")
            messages.append(message.format(url=url))
        else:
            message = _("link to '{url}' refused: {why}")
            messages.append(message.format(url=url, why=_(_REFUSED)))
    for autolink in re.findall(r"<([a-zA-Z][\w+.-]*:[^\s<>]*)>", text):
        if not _link_allowed(autolink):
            message = _("link to '{url}' refused: {why}")
            messages.append(message.format(url=autolink, why=_(_REFUSED)))
    for definition in re.findall(r"^\s*\[[^\]]+\]:\s*(\S+)", text, re.MULTILINE):
        message = _("link definition to '{url}' refused: {why}")
        messages.append(message.format(url=definition, why=_(_REFUSED)))
    return messages


_START_TAG = re.compile(r"<([a-z][a-z0-9]*)(\s[^<>]*?)?(/?)>")


def add_styles(html: str, styles: dict[str, str]) -> str:
    """Put `styles[tag]` on every such tag of sanitised HTML, before any style it has."""

    def styled(match: re.Match[str]) -> str:
        tag, attributes, slash = match.group(1), match.group(2) or "", match.group(3)
        css = styles.get(tag)
        if not css:
            return match.group(0)
        if ' style="' in attributes:
            attributes = attributes.replace(' style="', f' style="{css};', 1)
        else:
            attributes += f' style="{css}"'
        return f"<{tag}{attributes}{slash}>"

    return _START_TAG.sub(styled, html)
