"""Open the ministry-watch database: make sure it is ours and not newer, bring its schema up to date, or open it read-only."""
from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path
from urllib.parse import quote

import sqlite_utils

from store.migrations import MIGRATIONS

DEFAULT_DB = "ministry-watch.db"
SCHEMA_VERSION = len(MIGRATIONS)
# PRAGMA application_id of every ministry-watch database ("MWat"): a file with another id is another
# program's, and is never touched. Databases from before it was set have 0 and ministry-watch's tables.
APPLICATION_ID = 0x4D576174
PAGE_SIZE = 8192
_OUR_TABLES = frozenset({"runs", "statements", "variants", "versions", "fetches", "changes"})


class StoreError(Exception):
    """A database problem the user must fix (unreadable file, foreign or newer database, not writable)."""


def open_db(path: str | os.PathLike[str], *, create: bool = True, readonly: bool = False) -> sqlite_utils.Database:
    """Open the database (creating and migrating it unless `readonly`); StoreError with a one-line reason.

    Everything that could refuse the file (not SQLite, another program's database, a newer schema) is
    checked through a read-only connection before anything is written, so a refused file is left as it was.
    """
    p = Path(path)
    if p.is_dir():
        raise StoreError(f"{p} is a directory, not a database file")
    if not p.exists():
        if readonly or not create:
            raise StoreError(f"database {p} does not exist")
        parent = p.parent if str(p.parent) else Path(".")
        if not parent.is_dir():
            raise StoreError(f"directory {parent} does not exist")
        if not os.access(parent, os.W_OK):
            raise StoreError(f"directory {parent} is not writable")
    else:
        version = _check_identity(p)
        if readonly and version == SCHEMA_VERSION:
            return _open_readonly(p)
        if readonly and not os.access(p, os.W_OK):
            raise StoreError(f"database {p} has schema version {version}, older than this ministry-watch's"
                             f" ({SCHEMA_VERSION}), and is read-only: upgrade a writable copy first")
    db = _open_writable(p)
    if readonly:  # an older schema was brought up to date; the caller asked for a reader
        db.conn.close()
        return _open_readonly(p)
    return db


def _ro_uri(p: Path, immutable: bool = False) -> str:
    return f"file:{quote(str(p.resolve()))}?mode=ro" + ("&immutable=1" if immutable else "")


def _connect_ro(p: Path, **kwargs: object) -> sqlite3.Connection:
    """A read-only connection. A WAL database on a read-only file system whose -shm file is missing cannot be
    opened that way: then it is opened as immutable (nobody can be writing it there)."""
    try:
        conn = sqlite3.connect(_ro_uri(p), uri=True, timeout=30, **kwargs)  # type: ignore[arg-type]
        conn.execute("PRAGMA user_version")
        return conn
    except sqlite3.OperationalError as exc:
        if "unable to open" not in str(exc) or os.access(p.parent, os.W_OK):
            raise
    return sqlite3.connect(_ro_uri(p, immutable=True), uri=True, timeout=30, **kwargs)  # type: ignore[arg-type]


def _check_identity(p: Path) -> int:
    """The schema version of an existing file, after making sure it is a ministry-watch database this code can
    read; StoreError otherwise. Nothing is written."""
    try:
        conn = _connect_ro(p)
        try:
            conn.execute("PRAGMA busy_timeout = 30000")
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"cannot open database {p}: {exc}") from None
    if app_id not in (0, APPLICATION_ID) or (app_id == 0 and (tables or version) and not _OUR_TABLES <= tables):
        raise StoreError(f"{p} is not a ministry-watch database (another program's SQLite file); refusing to touch it")
    if version > SCHEMA_VERSION:
        raise StoreError(f"database {p} has schema version {version}, newer than this ministry-watch understands"
                         f" ({SCHEMA_VERSION}); upgrade ministry-watch")
    return int(version)


def _open_readonly(p: Path) -> sqlite_utils.Database:
    """A connection that can never write (read commands work on files the user cannot write)."""
    try:
        conn = _connect_ro(p, isolation_level=None)
        conn.execute("PRAGMA busy_timeout = 30000")
        conn.execute("PRAGMA query_only = ON")
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"cannot open database {p}: {exc}") from None
    return sqlite_utils.Database(conn)


def _open_writable(p: Path, wait: float = 30.0) -> sqlite_utils.Database:
    """A writable connection to a file in WAL mode with the schema brought up to date.

    Two processes creating one database at once can be answered "database is locked" at once, without SQLite's
    busy handler: it will not wait where waiting could deadlock (switching the journal mode while the other holds
    a lock on the file, still in rollback mode). Every step here can be done again, so the open is retried until
    the busy timeout would have run out, as a wait on the lock would.
    """
    deadline = time.monotonic() + wait
    while True:
        try:
            return _open_writable_once(p)
        except _Locked:
            if time.monotonic() >= deadline:
                raise StoreError(f"cannot write database {p}: database is locked") from None
            time.sleep(0.05)


class _Locked(Exception):
    """The open met a lock SQLite would not wait for."""


def _open_writable_once(p: Path) -> sqlite_utils.Database:
    conn = None
    try:
        conn = sqlite3.connect(str(p), timeout=30, isolation_level=None)
        conn.execute("PRAGMA busy_timeout = 30000")
        if conn.execute("PRAGMA page_count").fetchone()[0] == 0:
            # A new file: 8 KiB pages (set before anything is written; WAL cannot change it later). A version's
            # text runs to ~10 KB and a transcript to 100 KB: fewer, fuller overflow pages and a denser full-text
            # index make the file ~1% smaller than with 4 KiB pages (bench/scale.py, issue 17). Incremental
            # auto-vacuum lets the pages a merge of the search index frees be given back (store/search.py).
            conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
            conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode.lower() != "wal":
            conn.close()
            raise StoreError(f"cannot switch {p} to WAL mode (got {mode})")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        _migrate(conn, p)
    except sqlite3.OperationalError as exc:
        if conn is not None:
            conn.close()
        if "database is locked" in str(exc):
            raise _Locked() from None
        raise StoreError(f"cannot write database {p}: {exc}") from None
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"cannot open database {p}: {exc}") from None
    return sqlite_utils.Database(conn)


def _migrate(conn: sqlite3.Connection, p: Path) -> None:
    """Apply the missing migrations, one transaction each; the version is read under the write lock, so two
    processes opening a new database at once never both create it."""
    while True:
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StoreError(f"database {p} has schema version {version}, newer than this ministry-watch"
                                 f" understands ({SCHEMA_VERSION}); upgrade ministry-watch")
            if version == SCHEMA_VERSION:
                if conn.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
                    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                conn.execute("COMMIT")
                return
            for statement in _split_sql(MIGRATIONS[version]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
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
