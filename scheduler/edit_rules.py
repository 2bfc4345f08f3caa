"""When an edit is reported at once, when it first waits for a confirming fetch, and when a variant is flapping."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from scheduler.diff.model import Diff


@dataclass(frozen=True)
class EditRules:
    """The thresholds of `crawl run|watch --confirm-share/--confirm-age/--confirm-delay/--flap-window`."""

    confirm_share: float = 1 / 3                   # an edit removing this share of the paragraphs waits
    confirm_age: timedelta = timedelta(days=7)     # any edit of a statement older than this waits
    confirm_delay: timedelta = timedelta(minutes=10)  # the confirming fetch comes at least this long after
    flap_window: timedelta = timedelta(hours=24)   # a text back within this long of being replaced is a flip


# Every edit reported at once: for tests and measurements about diffs rather than about confirmation.
REPORT_AT_ONCE = EditRules(confirm_share=float("inf"), confirm_age=timedelta.max)


def removed_share(diff: Diff) -> float:
    """The share of the old version's paragraphs that the new one no longer has (0 for an empty old text)."""
    old = sum(1 for op in diff.ops if op.old_index is not None)
    removed = diff.counts()["removed"]
    return removed / old if old else 0.0


def confirmation_reason(rules: EditRules, diff: Diff, *, captured: datetime,
                        published: datetime | None) -> str | None:
    """Why this edit must be seen twice before it is reported, or None when it is reported at once.

    People cite an edit as "the ministry changed this": one that removes much of a text, or touches a statement
    the ministry has not handled in a while, is too strong a claim to rest on one response.
    """
    share = removed_share(diff)
    if share >= rules.confirm_share:
        return f"it removes {share:.0%} of the paragraphs"
    if published is not None and captured - published >= rules.confirm_age:
        return f"the statement is {(captured - published).days} days old"
    return None


def is_flip(rules: EditRules, *, replaced_at: datetime, back_at: datetime) -> bool:
    """A return to an earlier text is a flip (not an edit back) when the text in between lasted under the window."""
    return back_at - replaced_at < rules.flap_window
