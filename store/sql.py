"""Small SQL helpers every store module uses: one transaction shape, `IN (...)` lists, rows as dicts."""
from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from typing import Any, Iterable, Iterator, Sequence

import sqlite_utils


@contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[None]:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error: what it wraps is written whole or not at all.

    Inside an outer transaction (the pipeline's batch of pages) it is a SAVEPOINT instead: a failing
    page is rolled back alone, and nothing is durable before the outer COMMIT.
    """
    conn = db.conn
    if conn.in_transaction:
        conn.execute("SAVEPOINT page")
        try:
            yield
        except BaseException:
            conn.execute("ROLLBACK TO page")
            conn.execute("RELEASE page")
            raise
        conn.execute("RELEASE page")
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def rollback(db: sqlite_utils.Database) -> None:
    """Roll back whatever transaction a failed step left open (nothing if none is)."""
    if db.conn.in_transaction:
        db.conn.execute("ROLLBACK")


def in_list(values: Iterable[Any]) -> tuple[str, tuple[Any, ...]]:
    """`(?,?,?)` and its parameters for `column IN ...`; an empty list matches nothing.

    >>> in_list(["ok", "gone"])
    ('(?,?)', ('ok', 'gone'))
    >>> in_list([])
    ('(NULL)', ())
    """
    params = tuple(values)
    if not params:
        return "(NULL)", ()  # `x IN (NULL)` is never true, and is valid SQL (unlike `IN ()`)
    return "(" + ",".join("?" * len(params)) + ")", params


def dict_rows(cursor: sqlite3.Cursor) -> list[dict[str, Any]]:
    """Every row of a cursor as a dict keyed by column name."""
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def dict_row(cursor: sqlite3.Cursor) -> dict[str, Any] | None:
    """The first row of a cursor as a dict, or None."""
    row = cursor.fetchone()
    if row is None:
        return None
    return dict(zip([d[0] for d in cursor.description], row))


def scalar(cursor: sqlite3.Cursor, default: Any = None) -> Any:
    """The first column of the first row, or `default`."""
    row = cursor.fetchone()
    return default if row is None or row[0] is None else row[0]


def column(cursor: sqlite3.Cursor) -> list[Any]:
    """The first column of every row."""
    return [row[0] for row in cursor.fetchall()]


def placeholders(n: int) -> str:
    """`?,?,?` for a VALUES list of n columns."""
    return ",".join("?" * n)


def chunks(values: Sequence[Any], size: int = 500) -> Iterator[Sequence[Any]]:
    """Slices of at most `size` values (SQLite limits the parameters of one statement)."""
    for start in range(0, len(values), size):
        yield values[start:start + size]
