"""What the backfill's spiders hand the store besides pages and fetches: progress, what was found, captures read."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crawler.items import PageItem
from store.records import Fetch

Entry = tuple[int, str, str]   # (source id, language, the site's URL)


@dataclass
class FoundPage(PageItem):
    """An article page, and the variants it points to (its translations, links in it) to queue with it."""

    found: dict[str, list[Entry]] = field(default_factory=dict)   # via ('translation', 'links') -> entries
    dates: dict[tuple[int, str], str] = field(default_factory=dict)   # (source id, lang) -> published


@dataclass
class ChainPage:
    """One page of a chain read (a listing page, an index answer): what it listed, and where the chain goes next.
    Saved in one transaction with the fetch, so a killed backfill reads the next page, not this one again."""

    fetch: Fetch
    chain: str
    kind: str                          # listing | cdx
    site: str
    entries: list[Entry]
    via: str                           # listings | web-archive
    complete: bool
    next_page: int | None = None
    last_page: int | None = None
    resume_key: str | None = None
    dates: dict[tuple[int, str], str] = field(default_factory=dict)   # listing: (source id, lang) -> published


@dataclass
class CapturesListed:
    """One answer of the index about one variant: its captures (timestamp, original, digest, url, captured_at)."""

    fetch: Fetch
    chain: str
    statement_id: str
    lang: str
    rows: list[dict[str, Any]]
    complete: bool
    resume_key: str | None = None


@dataclass
class CaptureRead:
    """A capture fetched: the page it holds (record), or why it holds none (fetch.outcome, `permanent` when the
    archive will keep serving the same thing)."""

    fetch: Fetch
    capture: dict[str, Any]            # the captures row: statement_id, lang, timestamp, original, url, ...
    record: dict[str, Any] | None = None
    permanent: bool = False
