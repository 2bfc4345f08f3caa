"""Discovery bookkeeping: what each listing page 1 and feed listed, and when that list last changed."""
from __future__ import annotations

from datetime import timezone
from urllib.parse import urlsplit

import sqlite_utils

from store.outcomes import Outcome
from store.timestamps import parse_timestamp

from store.records import Fetch


def touch_index_page(db: sqlite_utils.Database, fetch: Fetch, now: str) -> None:
    """Update a discovery page's bookkeeping; only a successful read can move `last_changed_at`.

    Only listing page 1 and feeds are tracked: later pages (?PAGEN_1=) are only ever followed.
    """
    parts = urlsplit(fetch.url)
    if parts.query:
        return
    path = parts.path
    first = path.strip("/").split("/", 1)[0]
    lang = fetch.lang or (first if first.isalpha() and len(first) <= 3 else None)  # the UI prefix: /ru/, /en/
    read = fetch.outcome == Outcome.OK and fetch.entries_digest is not None
    db.conn.execute(
        "INSERT INTO index_pages (path, page_type, lang, first_fetched_at, last_fetched_at, last_outcome,"
        " last_ok_at, entries, entries_digest, last_changed_at) VALUES (?,?,?,?,?,?,?,?,?,?)"
        " ON CONFLICT(path) DO UPDATE SET last_fetched_at=excluded.last_fetched_at,"
        " last_outcome=excluded.last_outcome,"
        " last_ok_at=coalesce(excluded.last_ok_at, last_ok_at),"
        " entries=coalesce(excluded.entries, entries),"
        # The first successful read dates the page (first_change); a changed list of entries is a change now.
        " last_changed_at=CASE WHEN excluded.entries_digest IS NULL THEN last_changed_at"
        "   WHEN entries_digest IS NULL THEN excluded.last_changed_at"
        "   WHEN excluded.entries_digest IS NOT entries_digest THEN ? ELSE last_changed_at END,"
        " entries_digest=coalesce(excluded.entries_digest, entries_digest)",
        (path, fetch.page_type, lang, now, now, str(fetch.outcome), now if read else None,
         fetch.entries if read else None, fetch.entries_digest if read else None,
         first_change(fetch, now) if read else None, now),
    )


def first_change(fetch: Fetch, now: str) -> str:
    """When a discovery page read for the first time last changed, as far as can be told.

    A page listing a statement the store did not know changed now: it is watched closely for a day (a new
    installation, a section that just started). A page listing only known statements (the store was
    upgraded or restored, the page is newly tracked) changed when its newest entry was published: a
    section quiet for weeks is not asked on every run for a day just because it is new to the bookkeeping.
    """
    newest = parse_timestamp(fetch.entries_newest)
    if fetch.entries_new != 0 or newest is None:
        return now
    return min(newest.astimezone(timezone.utc).replace(microsecond=0).isoformat(), now)
