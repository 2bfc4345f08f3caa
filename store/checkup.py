"""What `crawl doctor` reads of a database: is it ours, its schema, `PRAGMA quick_check`, its last run, its sinks.
Read-only: nothing is written, an older schema is not upgraded (store/health.py guards the crawls themselves)."""
from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from store.db import SCHEMA_VERSION, StoreError, _check_identity, _connect_ro


def database_health(path: str) -> dict[str, Any]:
    """What the doctor says of a database file: `exists`, `size`, `schema` (and this code's), `problems` (from
    quick_check, or why it cannot be read), `runs` and the `last_run` (id, status, finished_at)."""
    p = Path(path)
    report: dict[str, Any] = {"path": str(p), "exists": p.is_file(), "schema_expected": SCHEMA_VERSION}
    if not p.is_file():
        return report
    report["size"] = p.stat().st_size
    try:
        report["schema"] = _check_identity(p)
    except StoreError as exc:
        report["problems"] = [str(exc)]
        return report
    try:
        conn = _connect_ro(p)
        try:
            conn.execute("PRAGMA query_only = ON")
            report["problems"] = [row[0] for row in conn.execute("PRAGMA quick_check").fetchall()
                                  if row[0] != "ok"]
            if report["schema"]:
                report["runs"] = conn.execute("SELECT count(*) FROM runs").fetchone()[0]
                last = conn.execute("SELECT id, status, finished_at FROM runs ORDER BY id DESC LIMIT 1").fetchone()
                report["last_run"] = dict(zip(("id", "status", "finished_at"), last)) if last else None
            if conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='sinks'").fetchone():
                report["sinks"] = [row[0] for row in conn.execute("SELECT name FROM sinks ORDER BY name")]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        report["problems"] = [f"cannot read it: {exc}"]
    return report
