"""What goes into the spider (re-checks of known variants) and what comes out of it to the pipeline (items)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from store.records import Fetch


@dataclass
class Recheck:
    """A known variant to fetch again, with the validators from its last fetch."""

    statement_id: str
    lang: str
    url: str
    etag: str | None = None
    last_modified: str | None = None

    def conditional_headers(self) -> dict[str, str]:
        """If-None-Match / If-Modified-Since from those validators: an unchanged page answers 304."""
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


@dataclass
class PageItem:
    """A parsed article and the fetch that produced it."""

    record: dict[str, Any]
    fetch: Fetch


@dataclass
class FetchItem:
    """A fetch that produced no article content (listing, feed, failure, 304, gone)."""

    fetch: Fetch
    note: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
