"""Changes: what detection found (new, edited, deleted, restored ...), written once and read back with filters."""
from __future__ import annotations

from typing import Any, Iterable

import sqlite_utils

from store.sql import dict_rows, in_list, transaction

# Kinds recorded for the record but never sent to sinks: a flip counted on its flapping change, and an edit
# that was superseded before it could be confirmed.
UNANNOUNCED_KINDS = ("flip", "unconfirmed")
CHANGE_COLUMNS = ("c.id, c.statement_id, c.lang, c.kind, c.cosmetic, c.from_version, c.to_version, c.detected_at,"
                  " c.run_id, c.summary, c.diff, c.emitted_at, c.initial_fill, v.title, v.url")


def insert_change(db: sqlite_utils.Database, *, key: str, sid: str, lang: str, kind: str,
                  from_version: int | None, to_version: int | None, run_id: int | None, summary: str,
                  diff: str | None, now: str, cosmetic: bool = False, fetch_id: int | None = None) -> list[int]:
    """Insert a change unless one with this key exists (detection is idempotent); the new id, or []."""
    cur = db.conn.execute(
        "INSERT OR IGNORE INTO changes (key, statement_id, lang, kind, cosmetic, from_version, to_version,"
        " detected_at, run_id, summary, diff, fetch_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        (key, sid, lang, kind, int(cosmetic), from_version, to_version, now, run_id, summary, diff, fetch_id),
    )
    return [int(cur.lastrowid)] if cur.rowcount else []


def change_exists(db: sqlite_utils.Database, key: str) -> bool:
    """Whether a change with this key was recorded."""
    return db.conn.execute("SELECT 1 FROM changes WHERE key=?", (key,)).fetchone() is not None


def last_change_fetch(db: sqlite_utils.Database, sid: str, lang: str, kind: str) -> int | None:
    """The fetch behind a variant's latest change of this kind (a deletion's first 'gone', a restoration's
    first good answer), or None when there is none."""
    row = db.conn.execute(
        "SELECT fetch_id FROM changes WHERE statement_id=? AND lang=? AND kind=? ORDER BY id DESC LIMIT 1",
        (sid, lang, kind)).fetchone()
    return int(row[0]) if row and row[0] is not None else None


def change_rows(db: sqlite_utils.Database, *, since: str | None = None, kinds: Iterable[str] = (),
                langs: Iterable[str] = (), run_ids: Iterable[int] | None = None, ids: Iterable[int] | None = None,
                not_sent_to: str | None = None, after_id: int = 0, initial_fill: bool = True,
                newest: int | None = None, newest_first: bool = False) -> list[dict[str, Any]]:
    """Changes joined with their variant's title and url, filtered; oldest first unless `newest_first`.

    `newest` keeps only the latest N changes; `not_sent_to` only those the named sink has not had; `after_id`
    only those recorded after that change; without `initial_fill`, none of the database's first fill.
    """
    where, params = ["1"], []
    if since:
        where.append("c.detected_at >= ?")
        params.append(since)
    for column, wanted in (("c.kind", kinds), ("c.lang", langs), ("c.run_id", run_ids), ("c.id", ids)):
        if wanted is None:
            continue
        wanted = list(wanted)
        if wanted or column in ("c.run_id", "c.id"):
            marks, values = in_list(wanted)
            where.append(f"{column} IN {marks}")
            params += values
    if after_id:
        where.append("c.id > ?")
        params.append(after_id)
    if not initial_fill:
        where.append("NOT c.initial_fill")
    if not_sent_to is not None:
        where.append("NOT EXISTS (SELECT 1 FROM emissions e WHERE e.change_id=c.id AND e.sink=?)")
        params.append(not_sent_to)
        marks, quiet = in_list(UNANNOUNCED_KINDS)
        where.append(f"c.kind NOT IN {marks}")
        params += quiet
    order = "DESC" if newest_first or newest is not None else "ASC"
    limit = f" LIMIT {int(newest)}" if newest is not None else ""
    rows = dict_rows(db.conn.execute(
        f"SELECT {CHANGE_COLUMNS} FROM changes c LEFT JOIN variants v ON v.statement_id=c.statement_id"
        f" AND v.lang=c.lang WHERE {' AND '.join(where)} ORDER BY c.id {order}{limit}", params))
    if newest is not None and not newest_first:
        rows.reverse()
    return rows


def mark_initial_fill(db: sqlite_utils.Database, run_id: int) -> int:
    """Mark the changes a run recorded as the database's first fill when no earlier run completed ('ok'): until
    one has, everything found is the archive being filled, not news. How many were marked."""
    with transaction(db):
        cur = db.conn.execute(
            "UPDATE changes SET initial_fill=1 WHERE run_id=? AND NOT initial_fill"
            " AND NOT EXISTS (SELECT 1 FROM runs WHERE status='ok' AND id<>?)", (run_id, run_id))
    return cur.rowcount


def run_ids_after_first(db: sqlite_utils.Database) -> list[int]:
    """Every run but the first (the demo shows what changed after its first crawl)."""
    return [r[0] for r in db.conn.execute("SELECT id FROM runs ORDER BY id LIMIT -1 OFFSET 1").fetchall()]


def version_change_kinds(db: sqlite_utils.Database, sid: str, lang: str) -> dict[int, str]:
    """version number -> kind of the change recorded for it (new, edited, flapping, flip, unconfirmed)."""
    return {int(v): k for v, k in db.conn.execute(
        "SELECT to_version, kind FROM changes WHERE statement_id=? AND lang=? AND key LIKE 'version:%'",
        (sid, lang)).fetchall()}


def latest_change(db: sqlite_utils.Database, sid: str, lang: str, kind: str) -> dict[str, Any] | None:
    """The newest change of this kind for a variant (id, from/to versions, summary), or None."""
    rows = dict_rows(db.conn.execute(
        "SELECT id, from_version, to_version, summary, detected_at FROM changes WHERE statement_id=? AND lang=?"
        " AND kind=? ORDER BY id DESC LIMIT 1", (sid, lang, kind)))
    return rows[0] if rows else None


def set_summary(db: sqlite_utils.Database, change_id: int, summary: str) -> None:
    """Rewrite a change's summary (a flapping change counts its flips; it is not sent again)."""
    db.conn.execute("UPDATE changes SET summary=? WHERE id=?", (summary, change_id))
