"""Reading an author's file as text: size, UTF-8, and the characters no line count survives.

Light on purpose (no model, no YAML): the CLI reads publication.yaml's language with it before
anything else, on every command, a no-op build included.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from lettre.characters import NONCHARACTERS
from lettre.errors import Problem
from lettre.messages import _

MAX_FILE_BYTES = 512 * 1024
"""An issue is a few kilobytes of text; half a megabyte is already a mistake."""


class Unreadable(Exception):
    """A source file that could not be read at all; `problem` says where and why."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def read_source(path: Path, shown: str) -> str:
    """A text file as UTF-8 (a BOM is accepted), or `Unreadable` naming the bad byte."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            message = _(
                "{size} bytes is too large for an issue file (the limit is {limit}); "
                "split it or trim it"
            )
            raise unreadable(shown, message.format(size=f"{size:,}", limit=f"{MAX_FILE_BYTES:,}"))
        data = path.read_bytes()
    except FileNotFoundError:
        raise unreadable(shown, _("file not found")) from None
    except OSError as error:
        message = _("cannot be read: {reason}").format(reason=error.strerror)
        raise unreadable(shown, message) from None
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        bad = data[error.start : error.end].hex(" ")
        message = _("invalid UTF-8 (byte {bytes}); save the file as UTF-8").format(bytes=bad)
        raise Unreadable(Problem(shown, line, column, "", message)) from None
    odd = _HIDDEN_BREAK.search(text)
    if odd:  # YAML counts these as line breaks, editors do not: every line number would drift
        line = text.count("\n", 0, odd.start()) + 1
        column = odd.start() - (text.rfind("\n", 0, odd.start()) + 1) + 1
        message = _("character {code} (an invisible line break) is not allowed; delete it").format(
            code=f"U+{ord(odd.group()):04X}"
        )
        raise Unreadable(Problem(shown, line, column, "", message))
    if odd := NONCHARACTERS.search(text):  # MRML refuses them; they are never text
        line = text.count("\n", 0, odd.start()) + 1
        column = odd.start() - (text.rfind("\n", 0, odd.start()) + 1) + 1
        message = _("{code} is a Unicode noncharacter, not text; delete it").format(
            code=f"U+{ord(odd.group()):04X}"
        )
        raise Unreadable(Problem(shown, line, column, "", message))
    return text


_HIDDEN_BREAK = re.compile("[\u2028\u2029\x85]")


def unreadable(shown: str, message: str) -> Unreadable:
    return Unreadable(Problem(shown, 1, 1, "", message))
