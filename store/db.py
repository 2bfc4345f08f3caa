"""Open the ministry-watch SQLite database and bring its schema up to date by numbered migrations."""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import sqlite_utils

DEFAULT_DB = "ministry-watch.db"


class StoreError(Exception):
    """A database problem the user must fix (unreadable file, newer schema, not writable)."""


# Each entry is one migration; PRAGMA user_version records how many have been applied.
# Never edit a released migration: append a new one.
MIGRATIONS: list[str] = [
    # 1: the foundation schema
    """
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        status TEXT NOT NULL DEFAULT 'running',   -- running | ok | failed | interrupted
        command TEXT,                              -- run | watch | demo
        base_url TEXT,
        options TEXT,                              -- JSON of the crawl options
        pages_fetched INTEGER NOT NULL DEFAULT 0,
        bytes_fetched INTEGER NOT NULL DEFAULT 0,
        not_modified INTEGER NOT NULL DEFAULT 0,
        statements_new INTEGER NOT NULL DEFAULT 0,
        variants_new INTEGER NOT NULL DEFAULT 0,
        versions_new INTEGER NOT NULL DEFAULT 0,
        edited INTEGER NOT NULL DEFAULT 0,
        deleted INTEGER NOT NULL DEFAULT 0,
        restored INTEGER NOT NULL DEFAULT 0,
        errors INTEGER NOT NULL DEFAULT 0,
        challenge_pages INTEGER NOT NULL DEFAULT 0,
        robots_skipped INTEGER NOT NULL DEFAULT 0,
        message TEXT
    );
    CREATE TABLE statements (
        id TEXT PRIMARY KEY,                       -- 'mid.ru:<numeric id>'
        site TEXT NOT NULL,
        source_id INTEGER NOT NULL,
        section TEXT,
        kind TEXT,
        published_at TEXT,
        document_number TEXT,
        first_seen_at TEXT NOT NULL,
        last_seen_at TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'active'      -- active | deleted
    );
    CREATE TABLE raw_responses (
        id INTEGER PRIMARY KEY,
        sha256 TEXT NOT NULL UNIQUE,               -- of the raw body bytes
        url TEXT NOT NULL,
        http_status INTEGER,
        headers TEXT,                              -- JSON
        body BLOB NOT NULL,                        -- zlib-compressed raw body
        fetched_at TEXT NOT NULL
    );
    CREATE TABLE variants (
        statement_id TEXT NOT NULL REFERENCES statements(id),
        lang TEXT NOT NULL,
        url TEXT NOT NULL,
        title TEXT,
        current_version INTEGER,
        content_sha256 TEXT,
        first_seen_at TEXT NOT NULL,
        last_checked_at TEXT,
        last_ok_at TEXT,
        last_changed_at TEXT,
        status TEXT NOT NULL DEFAULT 'active',     -- active | deleted
        etag TEXT,
        last_modified TEXT,
        last_outcome TEXT,
        failures INTEGER NOT NULL DEFAULT 0,       -- consecutive transient failures
        PRIMARY KEY (statement_id, lang)
    );
    CREATE TABLE versions (
        statement_id TEXT NOT NULL,
        lang TEXT NOT NULL,
        version INTEGER NOT NULL,
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        paragraphs TEXT NOT NULL,                  -- JSON list of {speaker, text}
        content_sha256 TEXT NOT NULL,
        published_at TEXT,
        document_number TEXT,
        captured_at TEXT NOT NULL,
        run_id INTEGER REFERENCES runs(id),
        parser_version TEXT NOT NULL,
        raw_response_id INTEGER REFERENCES raw_responses(id),
        rederived INTEGER NOT NULL DEFAULT 0,      -- 1: same page re-read by a newer parser, not an edit
        PRIMARY KEY (statement_id, lang, version),
        FOREIGN KEY (statement_id, lang) REFERENCES variants(statement_id, lang)
    );
    CREATE TABLE fetches (
        id INTEGER PRIMARY KEY,
        run_id INTEGER REFERENCES runs(id),
        fetched_at TEXT NOT NULL,
        url TEXT NOT NULL,
        page_type TEXT NOT NULL,                   -- article | listing | feed
        statement_id TEXT,
        lang TEXT,
        http_status INTEGER,
        outcome TEXT NOT NULL,                     -- see store/writes.py OUTCOMES
        etag TEXT,
        last_modified TEXT,
        bytes INTEGER,
        elapsed_ms INTEGER,
        error TEXT
    );
    CREATE INDEX fetches_variant ON fetches(statement_id, lang, id);
    CREATE INDEX fetches_run ON fetches(run_id);
    CREATE TABLE changes (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,                  -- makes detection idempotent
        statement_id TEXT NOT NULL REFERENCES statements(id),
        lang TEXT NOT NULL,
        kind TEXT NOT NULL,                        -- new | edited | deleted | restored
        cosmetic INTEGER NOT NULL DEFAULT 0,
        from_version INTEGER,
        to_version INTEGER,
        detected_at TEXT NOT NULL,
        run_id INTEGER REFERENCES runs(id),
        summary TEXT NOT NULL,
        diff TEXT,
        emitted_at TEXT
    );
    CREATE INDEX changes_detected ON changes(detected_at);
    CREATE TABLE emissions (
        change_id INTEGER NOT NULL REFERENCES changes(id),
        sink TEXT NOT NULL,
        emitted_at TEXT NOT NULL,
        PRIMARY KEY (change_id, sink)
    );
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)


def open_db(path: str | os.PathLike[str], *, create: bool = True) -> sqlite_utils.Database:
    """Open (and if needed create and migrate) the database; raise StoreError with a one-line reason."""
    p = Path(path)
    if not p.exists():
        if not create:
            raise StoreError(f"database {p} does not exist")
        parent = p.parent if str(p.parent) else Path(".")
        if not parent.is_dir():
            raise StoreError(f"directory {parent} does not exist")
        if not os.access(parent, os.W_OK):
            raise StoreError(f"directory {parent} is not writable")
    try:
        conn = sqlite3.connect(str(p), timeout=30, isolation_level=None)
        conn.execute("PRAGMA busy_timeout = 30000")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode.lower() != "wal" and str(p) != ":memory:":
            conn.close()
            raise StoreError(f"cannot switch {p} to WAL mode (got {mode})")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"cannot open database {p}: {exc}") from None
    if version > SCHEMA_VERSION:
        conn.close()
        raise StoreError(
            f"database {p} has schema version {version}, newer than this ministry-watch "
            f"understands ({SCHEMA_VERSION}); upgrade ministry-watch"
        )
    try:
        _migrate(conn, version)
    except sqlite3.OperationalError as exc:
        conn.close()
        raise StoreError(f"cannot write database {p}: {exc}") from None
    return sqlite_utils.Database(conn)


def _migrate(conn: sqlite3.Connection, version: int) -> None:
    for number in range(version, SCHEMA_VERSION):
        # One transaction per migration: a crash leaves the previous schema intact.
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _split_sql(MIGRATIONS[number]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements (executescript would commit our transaction)."""
    statements: list[str] = []
    buf = ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            statements.append(buf.strip())
            buf = ""
    if buf.strip():
        statements.append(buf.strip())
    return statements
