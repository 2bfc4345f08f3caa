"""Deliveries: which sink has had which change, so every change goes to every sink exactly once."""
from __future__ import annotations

from typing import Iterable

import sqlite_utils

from store.sql import transaction


def record_deliveries(db: sqlite_utils.Database, sink: str, change_ids: Iterable[int], now: str) -> None:
    """Record that a sink has had these changes (and when a change first went anywhere)."""
    ids = list(change_ids)
    with transaction(db):
        db.conn.executemany("INSERT OR IGNORE INTO emissions (change_id, sink, emitted_at) VALUES (?,?,?)",
                            [(i, sink, now) for i in ids])
        db.conn.executemany("UPDATE changes SET emitted_at=coalesce(emitted_at, ?) WHERE id=?",
                            [(now, i) for i in ids])
