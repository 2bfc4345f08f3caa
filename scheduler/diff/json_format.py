"""A diff as JSON for programs (`crawl diff --format json`)."""
from __future__ import annotations

from scheduler.diff.model import Diff


def render_json(diff: Diff) -> str:
    """The operations for programs: stable key order, UTF-8 text kept readable."""
    return diff.to_json(indent=None)
