"""The links of an issue, for its proof: where each is, whether it was sent before, and
(with `lettre proof --links`) whether it answers.

The check uses the standard library only (urllib in a small pool of threads): a HEAD
request, then a GET when a server refuses HEAD, each with a timeout, at most `WORKERS` at
once, so a slow or silent server costs its timeout and no more.
"""

from __future__ import annotations

import http.client
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from lettre import __version__
from lettre.markdown import render_html
from lettre.messages import _
from lettre.model import LoadedIssue

TIMEOUT = 10.0
"""Seconds a server has to answer one request."""
WORKERS = 8
"""Requests under way at once."""

_HREF = re.compile(r'href="([^"]+)"')


@dataclass
class Link:
    url: str
    where: list[str]
    """The titles of the items that hold it."""
    sent_before: list[str] = field(default_factory=list)
    """The dates of the previous issues that held it too."""
    status: str = ""
    """The answer (200, 404…), or why there was none; empty when not checked."""
    broken: bool = False


def _in_markdown(source: str | None, language: str) -> list[str]:
    if not source:
        return []
    import html

    return [html.unescape(url) for url in _HREF.findall(render_html(source, language))]


def _found(loaded: LoadedIssue) -> Iterator[tuple[str, str]]:
    """(url, where) for every link of the issue, in reading order."""
    issue, language = loaded.issue, loaded.publication.language
    if issue.editorial:
        title = issue.editorial.title or "Éditorial"
        for url in _in_markdown(issue.editorial.body, language):
            yield url, title
    for headline in issue.headlines:
        if headline.url:
            yield headline.url, headline.title
    for article in issue.articles():
        found = [article.url] if article.url else []
        for url in [*found, *_in_markdown(article.body, language)]:
            yield url, article.title


def collect(loaded: LoadedIssue, previous: list[LoadedIssue]) -> list[Link]:
    """Every link of `loaded` once, with the previous issues' dates that held it."""
    links: dict[str, Link] = {}
    for url, where in _found(loaded):
        link = links.setdefault(url, Link(url, []))
        if where not in link.where:
            link.where.append(where)
    for earlier in previous:
        day = earlier.issue.date.isoformat()
        for url in dict.fromkeys(url for url, _where in _found(earlier)):
            if url in links:
                links[url].sent_before.append(day)
    return list(links.values())


def check_all(links: list[Link]) -> None:
    """Ask every http(s) link's server, WORKERS at a time; fill `status` and `broken`."""
    web = [link for link in links if link.url.lower().startswith(("http://", "https://"))]
    for link in links:
        if link not in web:
            link.status = _("not checked (not a web address)")
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for link, (status, broken) in zip(web, pool.map(check, [w.url for w in web]), strict=True):
            link.status, link.broken = status, broken


class _NoRedirectLoop(urllib.request.HTTPRedirectHandler):
    max_redirections = 5


def check(url: str) -> tuple[str, bool]:
    """(what the server said, whether the link is broken)."""
    opener = urllib.request.build_opener(_NoRedirectLoop())
    headers = {"User-Agent": f"lettre/{__version__} (link check)"}
    for method in ("HEAD", "GET"):
        request = urllib.request.Request(url, method=method, headers=headers)
        try:
            with opener.open(request, timeout=TIMEOUT) as answer:
                return str(answer.status), False
        except urllib.error.HTTPError as error:
            if method == "HEAD" and error.code in (403, 405, 501):
                continue  # some servers refuse HEAD only: ask again with GET
            return f"{error.code} {error.reason}", True
        except (OSError, ValueError, http.client.HTTPException) as error:  # URLError: OSError
            reason = getattr(error, "reason", error)
            if isinstance(reason, TimeoutError) or "timed out" in str(reason):
                return _("no answer in {seconds:g} s").format(seconds=TIMEOUT), True
            return _("unreachable ({reason})").format(reason=reason), True
    return "?", True
