"""How to build an issue: the options, apart from the build itself.

Kept out of `build.py` so that deciding *whether* to build (the stamps, a no-op rebuild)
imports none of the engines that building needs (see `pipeline.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lettre.model import LoadedIssue


class ImageMode(Enum):
    CID = "cid"
    """Images travel inside the message, referenced by Content-ID (intranets, Outlook)."""
    HOSTED = "hosted"
    """Images are referenced by URL under base_url, and written next to the HTML for upload."""


EMAIL, WEB, PRINT_EDITION = "email", "web", "print"
"""The editions' names (build.EDITIONS holds what makes each)."""


@dataclass(frozen=True)
class Options:
    """How to build: the same options give the same bytes."""

    mode: ImageMode | None = None
    """None: cid without base_url, hosted with it."""
    print_marks: bool = False
    editions: tuple[str, ...] = ()
    """The editions to build, by name (see build.EDITIONS); () for all of them. The
    preview's first, fast pass names the email alone."""

    def image_mode(self, loaded: LoadedIssue) -> ImageMode:
        if self.mode:
            return self.mode
        return ImageMode.HOSTED if loaded.publication.base_url else ImageMode.CID

    def builds(self, edition: str) -> bool:
        return not self.editions or edition in self.editions

    def as_dict(self) -> dict[str, str | bool | list[str] | None]:
        return {
            "mode": self.mode.value if self.mode else None,
            "print_marks": self.print_marks,
            "editions": list(self.editions),
        }
