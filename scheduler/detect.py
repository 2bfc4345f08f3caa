"""Work out what changed after a crawl: new, edited, deleted and restored variants, written once to `changes`."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlite_utils

from scheduler.compare import is_cosmetic
from scheduler.diff.compute import diff_versions
from scheduler.diff.summary import summarize
from scheduler.diff.text_format import render_text
from store.timestamps import to_datetime
from store.outcomes import OK_OUTCOMES, Outcome, values
from store.sql import in_list, transaction
from store.timestamps import utcnow


@dataclass(frozen=True)
class DeletionRule:
    """A variant counts as deleted after `checks` 'gone' answers spread over at least `span`."""

    checks: int = 2
    span: timedelta = timedelta(hours=6)


def load_version(db: sqlite_utils.Database, sid: str, lang: str, version: int) -> dict[str, Any] | None:
    """One stored version as a dict with parsed paragraphs."""
    row = db.conn.execute(
        "SELECT version, title, body, paragraphs, content_sha256, captured_at, rederived, parser_version"
        " FROM versions WHERE statement_id=? AND lang=? AND version=?", (sid, lang, version)
    ).fetchone()
    if row is None:
        return None
    keys = ("version", "title", "body", "paragraphs", "content_sha256", "captured_at", "rederived", "parser_version")
    out = dict(zip(keys, row))
    out["paragraphs"] = json.loads(out["paragraphs"])
    return out


def detect_changes(db: sqlite_utils.Database, run_id: int | None = None,
                   rule: DeletionRule = DeletionRule()) -> list[int]:
    """Detect changes for the variants a run touched (all variants when run_id is None).

    Idempotent: every change has a deterministic key, so running it twice writes nothing new.
    Returns the ids of the change rows written now.
    """
    if run_id is None:
        targets = db.conn.execute("SELECT statement_id, lang FROM variants ORDER BY statement_id, lang").fetchall()
    else:
        # This run's variants, and those of runs that did not end well since the last good one (never
        # finished, or closed as interrupted after their process died): a crash between writing a version
        # and detecting its change must delay the change by one run, not until the next re-check.
        targets = db.conn.execute(
            "SELECT DISTINCT statement_id, lang FROM fetches WHERE run_id=? AND statement_id IS NOT NULL"
            " UNION SELECT DISTINCT statement_id, lang FROM versions WHERE run_id=?"
            " UNION SELECT DISTINCT statement_id, lang FROM versions WHERE run_id IN"
            " (SELECT id FROM runs WHERE id<>? AND (finished_at IS NULL OR status<>'ok')"
            "  AND id > coalesce((SELECT max(id) FROM runs WHERE status='ok' AND id<?), 0)) ORDER BY 1, 2",
            (run_id, run_id, run_id, run_id),
        ).fetchall()
    written: list[int] = []
    for sid, lang in targets:
        with transaction(db):
            written += _detect_variant(db, sid, lang, run_id, rule)
    return written


def _detect_variant(db: sqlite_utils.Database, sid: str, lang: str, run_id: int | None,
                    rule: DeletionRule) -> list[int]:
    conn = db.conn
    variant = conn.execute("SELECT status FROM variants WHERE statement_id=? AND lang=?", (sid, lang)).fetchone()
    if variant is None:
        return []  # a page we never had content for: nothing can have changed
    status = variant[0]
    written: list[int] = []

    # 1. Restored: a deleted variant answers with content again.
    if status == "deleted":
        last_deletion = conn.execute(
            "SELECT key FROM changes WHERE statement_id=? AND lang=? AND kind='deleted' ORDER BY id DESC LIMIT 1",
            (sid, lang),
        ).fetchone()
        since_fetch = int(last_deletion[0].rsplit(":", 1)[1]) if last_deletion else 0
        marks, oks = in_list(values(OK_OUTCOMES))
        ok = conn.execute(
            f"SELECT id, fetched_at FROM fetches WHERE statement_id=? AND lang=? AND page_type='article'"
            f" AND id>? AND outcome IN {marks} ORDER BY id LIMIT 1", (sid, lang, since_fetch, *oks)
        ).fetchone()
        if ok:
            current = conn.execute("SELECT current_version FROM variants WHERE statement_id=? AND lang=?",
                                   (sid, lang)).fetchone()[0]
            written += _insert_change(
                db, key=f"restored:{sid}:{lang}:{ok[0]}", sid=sid, lang=lang, kind="restored",
                from_version=current, to_version=current, run_id=run_id,
                summary=f"restored: the page answers again ({lang})", diff=None)
            _set_status(db, sid, lang, "active")
            status = "active"

    # 2. New and edited: every version not yet reported (re-derived versions are parser upgrades, not edits).
    versions = conn.execute(
        "SELECT version FROM versions WHERE statement_id=? AND lang=? AND rederived=0 ORDER BY version", (sid, lang)
    ).fetchall()
    for (number,) in versions:
        key = f"version:{sid}:{lang}:{number}"
        if conn.execute("SELECT 1 FROM changes WHERE key=?", (key,)).fetchone():
            continue
        new = load_version(db, sid, lang, number)
        assert new is not None
        if number == 1:
            # A variant of a statement we already had in an earlier run is a translation appearing later.
            earlier = conn.execute(
                "SELECT 1 FROM versions o, versions me WHERE me.statement_id=? AND me.lang=? AND me.version=1"
                " AND o.statement_id=me.statement_id AND o.lang<>me.lang AND o.run_id < me.run_id LIMIT 1",
                (sid, lang),
            ).fetchone()
            summary = (f"new translation ({lang}): {new['title']}" if earlier
                       else f"new statement ({lang}): {new['title']}")
            written += _insert_change(db, key=key, sid=sid, lang=lang, kind="new", from_version=None,
                                      to_version=1, run_id=run_id, summary=summary, diff=None)
            continue
        old = load_version(db, sid, lang, number - 1)
        assert old is not None
        diff = diff_versions(old, new)
        summary = summarize(diff)
        earlier = conn.execute(
            "SELECT max(version) FROM versions WHERE statement_id=? AND lang=? AND version<? AND content_sha256=?",
            (sid, lang, number - 1, new["content_sha256"]),
        ).fetchone()[0]
        if earlier is not None:
            # A -> B -> A: say so, instead of reporting two unrelated edits.
            summary = f"flapping: reverted to the text of version {earlier}; {summary}"
        cosmetic = is_cosmetic(old, new)
        if cosmetic:
            summary = f"cosmetic only: {summary}"
        written += _insert_change(db, key=key, sid=sid, lang=lang, kind="edited", from_version=number - 1,
                                  to_version=number, run_id=run_id, summary=summary,
                                  diff=render_text(diff), cosmetic=cosmetic)

    # 3. Deleted: enough 'gone' answers since the last good one, spread over enough time.
    if status == "active":
        marks, oks = in_list(values(OK_OUTCOMES))
        last_ok = conn.execute(
            f"SELECT coalesce(max(id), 0) FROM fetches WHERE statement_id=? AND lang=? AND page_type='article'"
            f" AND outcome IN {marks}", (sid, lang, *oks)
        ).fetchone()[0]
        last_restore = conn.execute(
            "SELECT key FROM changes WHERE statement_id=? AND lang=? AND kind='restored' ORDER BY id DESC LIMIT 1",
            (sid, lang)).fetchone()
        floor = max(last_ok, int(last_restore[0].rsplit(":", 1)[1]) if last_restore else 0)
        gone = conn.execute(
            "SELECT id, fetched_at, http_status, error FROM fetches WHERE statement_id=? AND lang=?"
            " AND page_type='article' AND id>? AND outcome=? ORDER BY id", (sid, lang, floor, Outcome.GONE.value)
        ).fetchall()
        if len(gone) >= rule.checks and to_datetime(gone[-1][1]) - to_datetime(gone[0][1]) >= rule.span:
            current = conn.execute("SELECT current_version FROM variants WHERE statement_id=? AND lang=?",
                                   (sid, lang)).fetchone()[0]
            how = f"HTTP {gone[-1][2]}" if gone[-1][2] and gone[-1][2] in (404, 410) else (gone[-1][3] or "gone")
            summary = (f"deleted ({lang}): {how} on {len(gone)} checks from {gone[0][1]} to {gone[-1][1]}")
            written += _insert_change(db, key=f"deleted:{sid}:{lang}:{gone[0][0]}", sid=sid, lang=lang,
                                      kind="deleted", from_version=current, to_version=None, run_id=run_id,
                                      summary=summary, diff=None)
            _set_status(db, sid, lang, "deleted")
    return written


def _insert_change(db: sqlite_utils.Database, *, key: str, sid: str, lang: str, kind: str,
                   from_version: int | None, to_version: int | None, run_id: int | None, summary: str,
                   diff: str | None, cosmetic: bool = False) -> list[int]:
    cur = db.conn.execute(
        "INSERT OR IGNORE INTO changes (key, statement_id, lang, kind, cosmetic, from_version, to_version,"
        " detected_at, run_id, summary, diff) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (key, sid, lang, kind, int(cosmetic), from_version, to_version, utcnow(), run_id, summary, diff),
    )
    return [int(cur.lastrowid)] if cur.rowcount else []


def _set_status(db: sqlite_utils.Database, sid: str, lang: str, status: str) -> None:
    # A deletion or a restore is a change: the re-check policy watches the variant closely again.
    db.conn.execute("UPDATE variants SET status=?, last_changed_at=? WHERE statement_id=? AND lang=?",
                    (status, utcnow(), sid, lang))
    live = db.conn.execute("SELECT count(*) FROM variants WHERE statement_id=? AND status='active'",
                           (sid,)).fetchone()[0]
    db.conn.execute("UPDATE statements SET status=? WHERE id=?", ("active" if live else "deleted", sid))
