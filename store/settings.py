"""Small named settings a database remembers between runs (the `settings` table)."""
from __future__ import annotations

import sqlite_utils


def get_setting(db: sqlite_utils.Database, key: str) -> str | None:
    """The stored value of a setting, or None."""
    row = db.conn.execute("SELECT value FROM settings WHERE key=?", (key,)).fetchone()
    return row[0] if row else None


def set_setting(db: sqlite_utils.Database, key: str, value: str) -> None:
    """Store a setting (the caller holds the transaction, or it commits alone)."""
    db.conn.execute("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                    (key, value))
