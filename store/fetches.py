"""Fetches: every request the crawler made and how it ended, and the check bookkeeping of a variant."""
from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from store.index_pages import touch_index_page
from store.records import Fetch
from store.outcomes import ALL_OUTCOMES, OK_OUTCOMES, TRANSIENT_OUTCOMES, Outcome, values
from store.sql import in_list, transaction
from store.timestamps import utcnow


def record_fetch(db: sqlite_utils.Database, run_id: int | None, fetch: Fetch, *, now: str | None = None) -> int:
    """Record a fetch that produced no content (listing, feed, failure, 304, gone) in its own transaction."""
    if fetch.outcome not in ALL_OUTCOMES:
        raise ValueError(f"unknown fetch outcome {fetch.outcome!r}")
    now = now or utcnow()
    with transaction(db):
        fetch_id = insert_fetch(db, run_id, fetch, now)
        if fetch.page_type == "article" and fetch.statement_id and fetch.lang:
            touch_variant(db, fetch, now)
        elif fetch.page_type in ("listing", "feed"):
            touch_index_page(db, fetch, now)
    return fetch_id


def insert_fetch(db: sqlite_utils.Database, run_id: int | None, fetch: Fetch, now: str) -> int:
    """Append one row to `fetches` (the caller holds the transaction)."""
    cur = db.conn.execute(
        "INSERT INTO fetches (run_id, fetched_at, url, page_type, statement_id, lang, http_status, outcome,"
        " etag, last_modified, bytes, elapsed_ms, error, warc_record_id, via) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (run_id, now, fetch.url, fetch.page_type, fetch.statement_id, fetch.lang, fetch.http_status,
         str(fetch.outcome), fetch.etag, fetch.last_modified, fetch.bytes, fetch.elapsed_ms, fetch.error,
         fetch.warc.record_id if fetch.warc else None, fetch.via),
    )
    return int(cur.lastrowid)


def touch_variant(db: sqlite_utils.Database, fetch: Fetch, now: str) -> None:
    """Update the check bookkeeping of a known variant (never its content).

    The validators (ETag, Last-Modified) always describe the page behind the current version: a page read as
    content (a new version or the same text) brings its own, even none; a 304 keeps them; a page that was not
    accepted (an error, a cut or foreign page) never touches them, so the next check is not answered 304 for a
    page the store refused.
    """
    ok = fetch.outcome in OK_OUTCOMES
    read = fetch.outcome in (Outcome.OK, Outcome.UNCHANGED)
    transient = fetch.outcome in TRANSIENT_OUTCOMES
    db.conn.execute(
        "UPDATE variants SET last_checked_at=?, last_outcome=?,"
        " last_ok_at=CASE WHEN ? THEN ? ELSE last_ok_at END,"
        " failures=CASE WHEN ? THEN failures+1 ELSE 0 END,"
        " etag=CASE WHEN ? THEN ? ELSE etag END,"
        " last_modified=CASE WHEN ? THEN ? ELSE last_modified END"
        " WHERE statement_id=? AND lang=?",
        (now, str(fetch.outcome), ok, now, transient, read, fetch.etag, read, fetch.last_modified,
         fetch.statement_id, fetch.lang),
    )


def first_ok_after(db: sqlite_utils.Database, sid: str, lang: str, after_fetch: int) -> int | None:
    """The first article fetch of a variant after `after_fetch` that answered with content (or a 304)."""
    marks, oks = in_list(values(OK_OUTCOMES))
    row = db.conn.execute(
        f"SELECT id FROM fetches WHERE statement_id=? AND lang=? AND page_type='article' AND id>?"
        f" AND outcome IN {marks} ORDER BY id LIMIT 1", (sid, lang, after_fetch, *oks)).fetchone()
    return int(row[0]) if row else None


def last_ok_fetch(db: sqlite_utils.Database, sid: str, lang: str) -> int:
    """The id of the last article fetch of a variant that answered with content (or a 304); 0 if none."""
    marks, oks = in_list(values(OK_OUTCOMES))
    row = db.conn.execute(
        f"SELECT max(id) FROM fetches WHERE statement_id=? AND lang=? AND page_type='article'"
        f" AND outcome IN {marks}", (sid, lang, *oks)).fetchone()
    return int(row[0] or 0)


@dataclass(frozen=True)
class GoneAnswer:
    """One 'gone' answer to an article fetch."""

    fetch_id: int
    fetched_at: str
    http_status: int | None
    error: str | None


def gone_answers_after(db: sqlite_utils.Database, sid: str, lang: str, after_fetch: int) -> list[GoneAnswer]:
    """The 'gone' answers of a variant after `after_fetch`, oldest first."""
    return [GoneAnswer(*row) for row in db.conn.execute(
        "SELECT id, fetched_at, http_status, error FROM fetches WHERE statement_id=? AND lang=?"
        " AND page_type='article' AND id>? AND outcome=? ORDER BY id",
        (sid, lang, after_fetch, Outcome.GONE.value)).fetchall()]


def same_text_fetched_since(db: sqlite_utils.Database, sid: str, lang: str, since: str) -> bool:
    """Whether a fetch at or after `since` got the variant's page whole and showed its current text again (a
    200 read as the same text, not a 304: a confirmation must see the text)."""
    return db.conn.execute(
        "SELECT 1 FROM fetches WHERE statement_id=? AND lang=? AND page_type='article' AND outcome=?"
        " AND fetched_at >= ? LIMIT 1", (sid, lang, Outcome.UNCHANGED.value, since)).fetchone() is not None
