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


@dataclass(frozen=True)
class Options:
    """How to build: the same options give the same bytes."""

    mode: ImageMode | None = None
    """None: cid without base_url, hosted with it."""
    print_marks: bool = False
    print_edition: bool = True
    """False for the preview's first, fast pass: the email alone."""

    def image_mode(self, loaded: LoadedIssue) -> ImageMode:
        if self.mode:
            return self.mode
        return ImageMode.HOSTED if loaded.publication.base_url else ImageMode.CID

    def as_dict(self) -> dict[str, str | bool | None]:
        return {
            "mode": self.mode.value if self.mode else None,
            "print_marks": self.print_marks,
            "print_edition": self.print_edition,
        }
