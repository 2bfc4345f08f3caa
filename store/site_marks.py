"""What the static site needs to rebuild: the archive's high-water marks, and the statements touched since."""
from __future__ import annotations

import sqlite3
from typing import Any

import sqlite_utils

from store.sql import column, scalar


def marks(db: sqlite_utils.Database) -> dict[str, Any]:
    """The newest version and change ids and the latest divergence update: a build records these."""
    out = {"version_id": scalar(db.conn.execute("SELECT max(id) FROM versions"), 0),
           "change_id": scalar(db.conn.execute("SELECT max(id) FROM changes"), 0), "divergence_at": ""}
    try:
        out["divergence_at"] = scalar(db.conn.execute(
            "SELECT max(max(updated_at), coalesce(max(resolved_at), '')) FROM divergences"), "")
    except sqlite3.OperationalError:  # no divergences table (an archive from before the checks)
        pass
    return out


def touched_since(db: sqlite_utils.Database, old: dict[str, Any]) -> set[str]:
    """Statements with a version, a change (edit, deletion, restoration ...) or a divergence update after
    the marks ``old`` (as :func:`marks` returned them)."""
    conn = db.conn
    out = set(column(conn.execute("SELECT DISTINCT statement_id FROM versions WHERE id > ?",
                                  (old.get("version_id") or 0,))))
    out |= set(column(conn.execute("SELECT DISTINCT statement_id FROM changes WHERE id > ?",
                                   (old.get("change_id") or 0,))))
    since = old.get("divergence_at") or ""
    try:
        out |= set(column(conn.execute(
            "SELECT DISTINCT statement_id FROM divergences WHERE updated_at > ? OR resolved_at > ?", (since, since))))
    except sqlite3.OperationalError:
        pass
    return out


def statement_ids(db: sqlite_utils.Database) -> list[str]:
    """Every statement, newest published first."""
    return column(db.conn.execute("SELECT id FROM statements ORDER BY published_at DESC, id"))


def database_file(db: sqlite_utils.Database) -> str:
    """The file behind a connection ("" for an in-memory database)."""
    for _, name, path in db.conn.execute("PRAGMA database_list"):
        if name == "main":
            return path or ""
    return ""
