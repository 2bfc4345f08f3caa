"""Where a backfill stands: each listing's and index query's progress page by page, and the statements it found.

A *chain* is one sequence of pages read in order: one listing of one section in one language, one query of the web
archive's index, or one variant's captures in the index. Each page read is saved with what it found, in one
transaction, so a backfill killed at any moment continues with the next page, and the statements found wait in the
queue until their page is stored (`state` done) or the site says they are gone.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

import sqlite_utils

from store.outcomes import OK_OUTCOMES, Outcome
from store.sql import dict_row, dict_rows, in_list, transaction
from store.timestamps import utcnow

# A queued statement the site refused this many times (a page that never parses, an error every time) is given up.
MAX_TRIES = 3
Entry = tuple[int, str, str]   # (source id, language, the site's URL)
Dates = Mapping[tuple[int, str], str]   # (source id, language) -> publication time, as a listing showed it
_COLUMNS = "chain, kind, next_page, last_page, resume_key, pages_done, complete, reached"


def chain_progress(db: sqlite_utils.Database, chain: str) -> dict[str, Any] | None:
    """The progress of one chain (next_page, last_page, resume_key, pages_done, complete, reached), or None if
    never begun."""
    return dict_row(db.conn.execute(f"SELECT {_COLUMNS} FROM backfill_progress WHERE chain=?", (chain,)))


def chains(db: sqlite_utils.Database, prefix: str = "") -> dict[str, dict[str, Any]]:
    """Every chain whose name starts with `prefix`, by name."""
    return {row["chain"]: row for row in dict_rows(db.conn.execute(
        f"SELECT {_COLUMNS} FROM backfill_progress WHERE substr(chain, 1, length(?)) = ?", (prefix, prefix)))}


def save_page(db: sqlite_utils.Database, chain: str, kind: str, *, complete: bool, next_page: int | None = None,
              last_page: int | None = None, resume_key: str | None = None, reached: str | None = None,
              now: str | None = None) -> None:
    """One more page of a chain read (the caller stores what it found in the same transaction)."""
    db.conn.execute(
        "INSERT INTO backfill_progress (chain, kind, next_page, last_page, resume_key, pages_done, complete, reached,"
        " updated_at) VALUES (?,?,?,?,?,1,?,?,?) ON CONFLICT(chain) DO UPDATE SET next_page=excluded.next_page,"
        " last_page=coalesce(excluded.last_page, last_page), resume_key=excluded.resume_key,"
        " pages_done=pages_done+1, complete=excluded.complete, updated_at=excluded.updated_at,"
        " reached=CASE WHEN reached IS NULL OR excluded.reached < reached THEN coalesce(excluded.reached, reached)"
        " ELSE reached END",
        (chain, kind, next_page, last_page, resume_key, int(complete), reached, now or utcnow()))


def enqueue(db: sqlite_utils.Database, site: str, entries: Iterable[Entry], via: str, now: str | None = None,
            dates: Dates | None = None) -> int:
    """Queue statement variants found (each once: the first finder is kept; one the store already has is queued
    as done); how many were new to the queue."""
    now = now or utcnow()
    added = 0
    for source_id, lang, url in entries:
        cur = db.conn.execute(
            "INSERT OR IGNORE INTO backfill_queue (site, source_id, lang, url, via, found_at, published_at, state)"
            " SELECT ?,?,?,?,?,?,?, CASE WHEN EXISTS (SELECT 1 FROM variants WHERE statement_id=? AND lang=?)"
            " THEN 'done' ELSE 'pending' END",
            (site, int(source_id), lang, url, via, now, (dates or {}).get((int(source_id), lang)),
             f"{site}:{int(source_id)}", lang))
        added += cur.rowcount
    return added


def pending(db: sqlite_utils.Database, site: str, langs: Iterable[str] | None = None, since: str | None = None,
            until: str | None = None) -> list[Entry]:
    """Queued variants of a site still to fetch (not stored since, by this backfill or a crawl), oldest found first;
    those a listing dated outside [since, until] wait for a backfill that asks for them."""
    where, params = ["q.site=?", "q.state='pending'"], [site]
    for bound, op in ((since, ">="), (until, "<=")):
        if bound:
            where.append(f"(q.published_at IS NULL OR substr(q.published_at, 1, 10) {op} ?)")
            params.append(bound)
    if langs:
        marks, codes = in_list(langs)
        where.append(f"q.lang IN {marks}")
        params += codes
    return [(int(r[0]), r[1], r[2]) for r in db.conn.execute(
        f"SELECT q.source_id, q.lang, q.url FROM backfill_queue q WHERE {' AND '.join(where)}"
        " AND NOT EXISTS (SELECT 1 FROM variants v WHERE v.statement_id = q.site || ':' || q.source_id"
        " AND v.lang = q.lang) ORDER BY q.rowid", params).fetchall()]


def settle(db: sqlite_utils.Database, site: str, source_id: int, lang: str, outcome: str) -> None:
    """What the site answered for a queued variant: stored (done), gone, or a refusal (tried again next time, given
    up after MAX_TRIES). A variant that is not queued is left alone."""
    if outcome in OK_OUTCOMES:
        state = "done"
    elif outcome == Outcome.GONE:
        state = "gone"
    else:
        db.conn.execute(
            "UPDATE backfill_queue SET tries=tries+1, state=CASE WHEN tries+1 >= ? THEN 'failed' ELSE state END"
            " WHERE site=? AND source_id=? AND lang=? AND state='pending'", (MAX_TRIES, site, source_id, lang))
        return
    db.conn.execute("UPDATE backfill_queue SET state=? WHERE site=? AND source_id=? AND lang=? AND state='pending'",
                    (state, site, source_id, lang))


def save_listing_page(db: sqlite_utils.Database, site: str, chain: str, *, entries: Iterable[Entry], via: str,
                      complete: bool, next_page: int | None, last_page: int | None = None,
                      resume_key: str | None = None, kind: str = "listing", dates: Dates | None = None,
                      now: str | None = None) -> int:
    """A listing page or an index answer read: its entries queued (every one, dated when the listing dates them)
    and the chain moved on, in one transaction."""
    now = now or utcnow()
    with transaction(db):
        added = enqueue(db, site, entries, via, now, dates)
        reached = min(dates.values()) if dates else None
        save_page(db, chain, kind, complete=complete, next_page=next_page, last_page=last_page,
                  resume_key=resume_key, reached=reached, now=now)
    return added


def queue_counts(db: sqlite_utils.Database, site: str | None = None) -> dict[str, int]:
    """Queued variants by state (one stored since by another crawl counts as done)."""
    where, params = ("WHERE q.site=?", [site]) if site else ("", [])
    counts = dict(db.conn.execute(
        "SELECT CASE WHEN q.state='pending' AND EXISTS (SELECT 1 FROM variants v WHERE v.statement_id = q.site || ':'"
        f" || q.source_id AND v.lang = q.lang) THEN 'done' ELSE q.state END, count(*) FROM backfill_queue q {where}"
        " GROUP BY 1", params).fetchall())
    return {state: int(counts.get(state, 0)) for state in ("pending", "done", "gone", "failed")}


def mark_news_as_fill(db: sqlite_utils.Database, run_id: int) -> int:
    """A backfill fills the archive with the past: the statements and translations it finds are recorded as the
    database's fill (`changes.initial_fill`), never announced as news; how many were marked."""
    with transaction(db):
        cur = db.conn.execute("UPDATE changes SET initial_fill=1 WHERE run_id=? AND kind='new' AND NOT initial_fill",
                              (run_id,))
    return cur.rowcount


def progress_counts(db: sqlite_utils.Database, run_id: int, site: str) -> dict[str, int]:
    """Where a backfill run stands, for its progress line: requests made, queued variants and captures by
    whether they are settled, listings and index queries read to their end."""
    q = db.conn.execute
    requests = q("SELECT count(*) FROM fetches WHERE run_id=? AND outcome<>?",
                 (run_id, Outcome.ROBOTS.value)).fetchone()[0]
    queued = dict(q("SELECT state='pending', count(*) FROM backfill_queue WHERE site=? GROUP BY 1", (site,)).fetchall())
    captures = dict(q("SELECT state='pending', count(*) FROM captures WHERE substr(statement_id, 1, length(?) + 1)"
                      " = ? || ':' GROUP BY 1", (site, site)).fetchall())
    chains_done = q("SELECT count(*) FROM backfill_progress WHERE complete AND kind IN ('listing', 'cdx')"
                    " AND instr(chain, ?) > 0", (f" {site} ",)).fetchone()[0]
    return {"requests": int(requests), "queued_done": int(queued.get(0, 0)), "queued_left": int(queued.get(1, 0)),
            "captures_done": int(captures.get(0, 0)), "captures_left": int(captures.get(1, 0)),
            "chains_done": int(chains_done)}
