"""The `divergences` table and what the cross-language checks read: statements, version histories, news keys.

Every statement the divergence checks (scheduler/divergence/) and `crawl divergences` run is here. The
functions neither open transactions nor decide anything: the caller wraps writes in
:func:`store.sql.transaction`. JSON columns come back decoded (`paragraphs`, `detail`).
"""
from __future__ import annotations

import json
from typing import Any, Iterable, Mapping

import sqlite_utils

from store.sql import chunks, column, dict_row, dict_rows, in_list
from store.texts import PARAGRAPH_SOURCE, paragraphs_of

# `changes.key` of the news about a divergence, by change kind: emitted once each (see record_changes).
CHANGE_KEY_PREFIX = {"divergence": "divergence:", "divergence_resolved": "divergence-resolved:"}

Identity = tuple[str, str, str, str]  # lang_a, lang_b, kind, key: one finding within its statement

_LISTED = ("id, statement_id, lang_a, lang_b, kind, summary, detail, confidence, version_a, version_b,"
           " detected_at, updated_at, resolved_at")


def _detail(detail: Mapping[str, Any]) -> str:
    # Sorted keys: an unchanged finding serialises to the same text, so re-evaluating it writes nothing.
    return json.dumps(detail, ensure_ascii=False, sort_keys=True)


# --------------------------------------------------------------------------------------------
# what one statement's evaluation reads


def statement_row(db: sqlite_utils.Database, statement_id: str) -> dict[str, Any] | None:
    """{"kind", "published_at", "first_seen_at"} of one statement, or None."""
    return dict_row(db.conn.execute("SELECT kind, published_at, first_seen_at FROM statements WHERE id=?",
                                    (statement_id,)))


def active_histories(db: sqlite_utils.Database,
                     statement_id: str) -> tuple[dict[str, list[dict[str, Any]]], list[str]]:
    """lang -> every version of each *active* variant fetched from the site (oldest first; those recovered from
    web-archive captures are not part of the history the checks compare); and every language ever archived."""
    conn = db.conn
    langs = conn.execute("SELECT lang, status FROM variants WHERE statement_id=? ORDER BY lang",
                         (statement_id,)).fetchall()
    histories: dict[str, list[dict[str, Any]]] = {}
    for lang, status in langs:
        if status != "active":
            continue
        rows = conn.execute(
            f"SELECT v.version, v.title, v.captured_at, v.run_id, v.rederived, {PARAGRAPH_SOURCE} FROM versions v"
            " WHERE v.statement_id=? AND v.lang=? AND v.source='live' ORDER BY v.version", (statement_id, lang)).fetchall()
        if rows:
            histories[lang] = [{"version": r[0], "title": r[1], "paragraphs": paragraphs_of(*r[5:]), "captured_at": r[2],
                                "run_id": r[3], "rederived": r[4]} for r in rows]
    return histories, [lang for lang, _ in langs]


# --------------------------------------------------------------------------------------------
# open, refresh and resolve findings


def open_divergence_ids(db: sqlite_utils.Database, statement_id: str) -> dict[Identity, int]:
    """The open divergences of one statement: identity -> row id."""
    return {(r[1], r[2], r[3], r[4]): r[0] for r in db.conn.execute(
        "SELECT id, lang_a, lang_b, kind, key FROM divergences WHERE statement_id=? AND resolved_at IS NULL",
        (statement_id,)).fetchall()}


def insert_divergence(db: sqlite_utils.Database, statement_id: str, *, lang_a: str, lang_b: str, kind: str,
                      key: str, summary: str, detail: Mapping[str, Any], confidence: float | None,
                      version_a: int | None, version_b: int | None, now: str) -> int:
    """Open a divergence detected at ``now``; returns its id."""
    cur = db.conn.execute(
        "INSERT INTO divergences (statement_id, lang_a, lang_b, kind, key, summary, detail, confidence,"
        " version_a, version_b, detected_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        (statement_id, lang_a, lang_b, kind, key, summary, _detail(detail), confidence, version_a, version_b,
         now, now))
    return int(cur.lastrowid)


def update_divergence(db: sqlite_utils.Database, divergence_id: int, *, summary: str, detail: Mapping[str, Any],
                      confidence: float | None, version_a: int | None, version_b: int | None, now: str) -> bool:
    """Refresh an open divergence that still holds; True when anything about it changed (then updated_at is ``now``)."""
    text = _detail(detail)
    cur = db.conn.execute(
        "UPDATE divergences SET summary=?, detail=?, confidence=?, version_a=?, version_b=?, updated_at=?"
        " WHERE id=? AND (summary IS NOT ? OR detail IS NOT ? OR confidence IS NOT ? OR version_a IS NOT ?"
        " OR version_b IS NOT ?)",
        (summary, text, confidence, version_a, version_b, now, divergence_id,
         summary, text, confidence, version_a, version_b))
    return cur.rowcount > 0


def resolve_divergence(db: sqlite_utils.Database, divergence_id: int, now: str) -> None:
    """A divergence that no longer holds: resolved at ``now``."""
    db.conn.execute("UPDATE divergences SET resolved_at=? WHERE id=?", (now, divergence_id))


# --------------------------------------------------------------------------------------------
# which statements to re-evaluate after a run


def all_statement_ids(db: sqlite_utils.Database) -> set[str]:
    return set(column(db.conn.execute("SELECT id FROM statements")))


def statements_due(db: sqlite_utils.Database, now: str) -> dict[str, int]:
    """Statements to evaluate again: changed since their last evaluation (a new version, a variant deleted or
    restored), or with a delay running out by ``now`` (UTC, as the schedule is written); id -> change mark."""
    return {r[0]: r[1] for r in db.conn.execute(
        "SELECT id, divergence_stale FROM statements WHERE divergence_stale > 0"
        " UNION SELECT id, divergence_stale FROM statements WHERE divergence_due_at <= ?", (now,)).fetchall()}


def change_marks(db: sqlite_utils.Database, statement_ids: Iterable[str]) -> dict[str, int]:
    """The change mark of each statement (see statements_due), read before it is evaluated."""
    ids = list(statement_ids)
    out: dict[str, int] = {}
    for part in chunks(ids):
        marks, params = in_list(part)
        out.update(db.conn.execute(f"SELECT id, divergence_stale FROM statements WHERE id IN {marks}", params).fetchall())
    return out


def schedule_statement(db: sqlite_utils.Database, statement_id: str, due_at: str | None, mark: int) -> None:
    """A statement evaluated: look at it again at ``due_at`` (UTC; None: only when it changes). A change made
    while it was evaluated (the mark moved on) keeps it due."""
    db.conn.execute("UPDATE statements SET divergence_due_at=?,"
                    " divergence_stale=CASE WHEN divergence_stale=? THEN 0 ELSE divergence_stale END WHERE id=?",
                    (due_at, mark, statement_id))


# --------------------------------------------------------------------------------------------
# news for the sinks (the `changes` rows themselves are written by store/changes.py)


def unannounced_open_divergences(db: sqlite_utils.Database) -> set[int]:
    """Open divergences never put into `changes`."""
    return set(column(db.conn.execute(
        "SELECT id FROM divergences d WHERE resolved_at IS NULL AND NOT EXISTS"
        " (SELECT 1 FROM changes c WHERE c.key = ? || d.id)", (CHANGE_KEY_PREFIX["divergence"],))))


def divergence_news(db: sqlite_utils.Database, divergence_id: int) -> dict[str, Any] | None:
    """What a change row about one divergence says: statement_id, lang_a, lang_b, kind, summary, version_a."""
    return dict_row(db.conn.execute(
        "SELECT statement_id, lang_a, lang_b, kind, summary, version_a FROM divergences WHERE id=?",
        (divergence_id,)))


def change_key(kind: str, divergence_id: int) -> str:
    """The `changes.key` of the news that a divergence was found (`divergence`) or resolved."""
    return f"{CHANGE_KEY_PREFIX[kind]}{divergence_id}"


# --------------------------------------------------------------------------------------------
# `crawl divergences` and `crawl diff --against`


def list_divergences(db: sqlite_utils.Database, *, include_resolved: bool = False, statement_id: str | None = None,
                     kinds: Iterable[str] = (), langs: Iterable[str] = (), since: str | None = None,
                     limit: int = 200) -> list[dict[str, Any]]:
    """Divergences newest first, filtered: open only unless ``include_resolved``; pairs involving ``langs``."""
    where, args = ["1"], []
    if not include_resolved:
        where.append("resolved_at IS NULL")
    if statement_id:
        where.append("statement_id = ?")
        args.append(statement_id)
    kinds, langs = tuple(kinds), tuple(langs)
    if kinds:
        marks, params = in_list(kinds)
        where.append(f"kind IN {marks}")
        args += params
    if langs:
        marks, params = in_list(langs)
        where.append(f"(lang_a IN {marks} OR lang_b IN {marks})")
        args += list(params) * 2
    if since:
        where.append("detected_at >= ?")
        args.append(since)
    rows = dict_rows(db.conn.execute(
        f"SELECT {_LISTED} FROM divergences WHERE {' AND '.join(where)} ORDER BY detected_at DESC, id DESC LIMIT ?",
        (*args, limit)))
    for row in rows:
        row["detail"] = json.loads(row["detail"])
    return rows


def current_text(db: sqlite_utils.Database, statement_id: str, lang: str) -> dict[str, Any] | None:
    """{"version", "title", "paragraphs"} of a variant's current version, or None when there is no such variant."""
    row = db.conn.execute(
        f"SELECT v.version, v.title, {PARAGRAPH_SOURCE} FROM variants va JOIN versions v ON v.statement_id=va.statement_id"
        " AND v.lang=va.lang AND v.version=va.current_version WHERE va.statement_id=? AND va.lang=?",
        (statement_id, lang)).fetchone()
    if row is None:
        return None
    return {"version": row[0], "title": row[1], "paragraphs": paragraphs_of(*row[2:])}


def open_divergences_of_pair(db: sqlite_utils.Database, statement_id: str, lang_a: str,
                             lang_b: str) -> list[dict[str, Any]]:
    """The open divergences of one statement between these two languages (in this orientation)."""
    rows = dict_rows(db.conn.execute(
        "SELECT kind, key, lang_a, lang_b, summary, detail, confidence FROM divergences WHERE statement_id=?"
        " AND resolved_at IS NULL AND lang_a=? AND lang_b=?", (statement_id, lang_a, lang_b)))
    for row in rows:
        row["detail"] = json.loads(row["detail"])
    return rows
