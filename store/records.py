"""What the crawler hands the store: one fetch (an HTTP exchange or a failure) and what it listed."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from store.warc import WarcRef


@dataclass
class Fetch:
    """One HTTP exchange (or failure) as the crawler saw it."""

    url: str
    page_type: str                     # article | listing | feed
    outcome: str                       # a store.outcomes.Outcome value
    http_status: int | None = None
    statement_id: str | None = None
    lang: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    bytes: int | None = None
    elapsed_ms: int | None = None
    error: str | None = None
    body: bytes | None = None          # raw response body, kept for articles
    headers: dict[str, str] = field(default_factory=dict)
    warc: "WarcRef | None" = None      # where the exchange was archived (then raw_responses is not used)
    entries_digest: str | None = None  # listing/feed read: digest of the entry URLs it listed (discovery)
    entries: int | None = None         # listing/feed read: how many entries it listed
    entries_new: int | None = None     # listing/feed read: how many the store did not know when the run began
    entries_newest: str | None = None  # listing/feed read: publication time of its newest entry (ISO)
    via: str | None = None             # past the anti-bot wall: "cookie" (the browser's), "browser" (fetched by it)
