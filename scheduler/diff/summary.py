"""The one-line English summary of a diff ("title edited; 2 paragraphs edited, 1 added")."""
from __future__ import annotations

from typing import Protocol


class Counted(Protocol):
    """A diff as the summary sees it: its counts by kind (see :meth:`scheduler.diff.model.Diff.counts`)."""

    def counts(self) -> dict[str, int]: ...


def summarize(diff: Counted) -> str:
    """One English line, e.g. "title edited; 2 paragraphs edited, 1 added, 1 removed, 1 moved"."""
    c = diff.counts()
    parts: list[str] = []
    if c["title"]:
        parts.append("title edited")
    phrases: list[str] = []
    for key, verb in (("edited", "edited"), ("added", "added"), ("removed", "removed"), ("moved", "moved")):
        n = c[key]
        if not n:
            continue
        if key == "moved" and c["moved_edited"]:
            k = c["moved_edited"]
            verb = "moved and edited" if k == n else f"moved ({k} of them also edited)"
        # The noun goes with the first count only: "2 paragraphs edited, 1 added".
        noun = "" if phrases else (" paragraph" if n == 1 else " paragraphs")
        phrases.append(f"{n}{noun} {verb}")
    if phrases:
        parts.append(", ".join(phrases))
    return "; ".join(parts) if parts else "no textual change"
