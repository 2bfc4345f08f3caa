"""Deliveries: which sink has had which change, and since when each sink exists, so every change a sink is
owed goes to it exactly once."""
from __future__ import annotations

from typing import Iterable

import sqlite_utils

from store.sql import column, scalar, transaction


def register_sinks(db: sqlite_utils.Database, names: Iterable[str], now: str) -> None:
    """Remember the sinks met for the first time: each starts after the last change recorded so far, so adding
    a sink to an existing database does not send it the history (`start_after`; --backlog overrides)."""
    names = list(names)
    if not names:
        return
    with transaction(db):
        db.conn.executemany(
            "INSERT OR IGNORE INTO sinks (name, first_seen_at, start_after)"
            " VALUES (?, ?, (SELECT coalesce(max(id), 0) FROM changes))", [(name, now) for name in names])


def sink_start(db: sqlite_utils.Database, name: str) -> int:
    """The last change recorded before this sink was added (0 for a sink never registered: it is owed all)."""
    return int(scalar(db.conn.execute("SELECT start_after FROM sinks WHERE name=?", (name,)), 0))


def delivered_ids(db: sqlite_utils.Database, sink: str, newest: int) -> list[int]:
    """The ids of the latest `newest` changes this sink has had, newest first."""
    return column(db.conn.execute(
        "SELECT change_id FROM emissions WHERE sink=? ORDER BY change_id DESC LIMIT ?", (sink, newest)))


def record_deliveries(db: sqlite_utils.Database, sink: str, change_ids: Iterable[int], now: str) -> None:
    """Record that a sink has had these changes (and when a change first went anywhere)."""
    ids = list(change_ids)
    with transaction(db):
        db.conn.executemany("INSERT OR IGNORE INTO emissions (change_id, sink, emitted_at) VALUES (?,?,?)",
                            [(i, sink, now) for i in ids])
        db.conn.executemany("UPDATE changes SET emitted_at=coalesce(emitted_at, ?) WHERE id=?",
                            [(now, i) for i in ids])
