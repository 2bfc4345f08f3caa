"""Raw response bodies kept in the database (zlib, once per distinct body) when no WARC archive is written."""
from __future__ import annotations

import hashlib
import json
import zlib

import sqlite_utils

from store.records import Fetch


def store_raw(db: sqlite_utils.Database, fetch: Fetch, now: str) -> int | None:
    """Keep the raw response (zlib), once per distinct body; returns its id."""
    if fetch.body is None:
        return None
    digest = hashlib.sha256(fetch.body).hexdigest()
    row = db.conn.execute("SELECT id FROM raw_responses WHERE sha256=?", (digest,)).fetchone()
    if row:
        return int(row[0])
    cur = db.conn.execute(
        "INSERT INTO raw_responses (sha256, url, http_status, headers, body, fetched_at) VALUES (?,?,?,?,?,?)",
        (digest, fetch.url, fetch.http_status, json.dumps(fetch.headers, ensure_ascii=False),
         zlib.compress(fetch.body, 6), now),
    )
    return int(cur.lastrowid)


def load_raw(db: sqlite_utils.Database, raw_id: int) -> tuple[str, bytes] | None:
    """The (url, body) of a stored raw response."""
    row = db.conn.execute("SELECT url, body FROM raw_responses WHERE id=?", (raw_id,)).fetchone()
    return (row[0], zlib.decompress(row[1])) if row else None
