"""Language variants: their status and current version, and the lists of them that crawls and detection walk."""
from __future__ import annotations

import sqlite_utils

from store.sql import column, in_list


def variant_status(db: sqlite_utils.Database, sid: str, lang: str) -> str | None:
    """'active' or 'deleted', or None for a variant the store never had content for."""
    row = db.conn.execute("SELECT status FROM variants WHERE statement_id=? AND lang=?", (sid, lang)).fetchone()
    return row[0] if row else None


def current_version(db: sqlite_utils.Database, sid: str, lang: str) -> int | None:
    """The number of a variant's current version, or None."""
    row = db.conn.execute("SELECT current_version FROM variants WHERE statement_id=? AND lang=?",
                          (sid, lang)).fetchone()
    return row[0] if row else None


def set_status(db: sqlite_utils.Database, sid: str, lang: str, status: str, now: str) -> None:
    """Mark a variant active or deleted (a change: the re-check policy watches it closely again); the
    statement is deleted when none of its variants is active."""
    db.conn.execute("UPDATE variants SET status=?, last_changed_at=? WHERE statement_id=? AND lang=?",
                    (status, now, sid, lang))
    live = db.conn.execute("SELECT count(*) FROM variants WHERE statement_id=? AND status='active'",
                           (sid,)).fetchone()[0]
    # The divergence checks compare active variants only: the statement is theirs to look at again.
    db.conn.execute("UPDATE statements SET status=?, divergence_stale=divergence_stale+1 WHERE id=?",
                    ("active" if live else "deleted", sid))


def all_variants(db: sqlite_utils.Database) -> list[tuple[str, str]]:
    """(statement id, language) of every variant, in order."""
    return [(r[0], r[1]) for r in db.conn.execute(
        "SELECT statement_id, lang FROM variants ORDER BY statement_id, lang").fetchall()]


def variants_touched(db: sqlite_utils.Database, run_id: int) -> list[tuple[str, str]]:
    """The variants a run fetched or wrote, and those written by runs that did not end well since the last
    good one (never finished, or closed as interrupted after their process died): a crash between writing a
    version (or a 'gone' answer) and detecting its change delays the change by one run, not until the next
    re-check.

    A 304 to an active variant with no edit awaiting confirmation changes nothing detection looks at (no
    version, no 'gone' answer): such variants are left out, so a run of re-checks costs its changes only. A
    deleted variant answering 304 is kept (it is restored)."""
    return [(r[0], r[1]) for r in db.conn.execute(
        "WITH unfinished AS (SELECT id FROM runs WHERE id<>? AND (finished_at IS NULL OR status<>'ok')"
        "  AND id > coalesce((SELECT max(id) FROM runs WHERE status='ok' AND id<?), 0))"
        " SELECT DISTINCT statement_id, lang FROM fetches WHERE run_id=? AND statement_id IS NOT NULL"
        "  AND outcome <> 'not_modified'"
        " UNION SELECT DISTINCT f.statement_id, f.lang FROM fetches f JOIN variants v"
        "  ON v.statement_id = f.statement_id AND v.lang = f.lang WHERE f.run_id=? AND f.outcome = 'not_modified'"
        "  AND (v.status <> 'active' OR v.confirm_version IS NOT NULL)"
        " UNION SELECT DISTINCT statement_id, lang FROM versions WHERE run_id=?"
        " UNION SELECT DISTINCT statement_id, lang FROM versions WHERE run_id IN unfinished"
        " UNION SELECT DISTINCT statement_id, lang FROM fetches WHERE run_id IN unfinished"
        "  AND statement_id IS NOT NULL ORDER BY 1, 2",
        (run_id, run_id, run_id, run_id, run_id)).fetchall()]


class KnownVariants:
    """The variants of a site the store had before `before` (UTC, the store's format), asked one at a time:
    `(numeric id, language) in known` is one primary-key lookup, so a crawl never reads the whole archive's list
    into memory (400,000 variants: ~100 MB and half a second a cycle). The crawl does not fetch them again unless
    the re-check policy says so."""

    def __init__(self, db: sqlite_utils.Database, site: str, before: str) -> None:
        self.db, self.site, self.before = db, site, before

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, tuple) or len(key) != 2 or key[0] is None:
            return False
        return self.db.conn.execute("SELECT 1 FROM variants WHERE statement_id=? AND lang=? AND first_seen_at < ?",
                                    (f"{self.site}:{key[0]}", key[1], self.before)).fetchone() is not None


def statement_ids(db: sqlite_utils.Database, ids: list[str] | None = None) -> list[str]:
    """Every statement id, or those of `ids` the store has."""
    if ids is None:
        return column(db.conn.execute("SELECT id FROM statements ORDER BY id"))
    marks, params = in_list(ids)
    return column(db.conn.execute(f"SELECT id FROM statements WHERE id IN {marks} ORDER BY id", params))


def archive_counts(db: sqlite_utils.Database) -> dict[str, object]:
    """Statements by status, variants (and deleted ones) by language, and the number of versions."""
    q = db.conn.execute
    return {
        "statements": dict(q("SELECT status, count(*) FROM statements GROUP BY status").fetchall()),
        "by_lang": [(lang, n, d or 0) for lang, n, d in q(
            "SELECT lang, count(*), sum(status='deleted') FROM variants GROUP BY lang ORDER BY count(*) DESC")],
        "versions": q("SELECT count(*) FROM versions").fetchone()[0],
    }


def awaiting_deletion(db: sqlite_utils.Database) -> list[tuple[str, str, str]]:
    """(statement, language, last check) of active variants whose last answer was 'gone', oldest check first."""
    return [tuple(r) for r in db.conn.execute(
        # Through the partial index of such variants (a handful): `+` keeps the planner from walking the whole
        # archive in check order to avoid sorting them (1.2 s at 400,000 variants).
        "SELECT statement_id, lang, last_checked_at FROM variants WHERE last_outcome = 'gone' AND status = 'active'"
        " ORDER BY +last_checked_at").fetchall()]


def failing_variants(db: sqlite_utils.Database, min_failures: int, limit: int = 20) -> list[tuple[str, str, int, str, str]]:
    """(statement, language, failures in a row, last outcome, last check) of variants failing repeatedly."""
    return [tuple(r) for r in db.conn.execute(
        "SELECT statement_id, lang, failures, last_outcome, last_checked_at FROM variants"
        " WHERE failures >= ? ORDER BY failures DESC LIMIT ?", (min_failures, limit)).fetchall()]


def await_confirmation(db: sqlite_utils.Database, sid: str, lang: str, version: int, after: str) -> None:
    """Hold a version's edit until a fetch at or after `after` shows the same text (the re-check policy makes
    the variant due then, and it is fetched without validators)."""
    db.conn.execute("UPDATE variants SET confirm_version=?, confirm_after=? WHERE statement_id=? AND lang=?"
                    " AND confirm_version IS NOT ?", (version, after, sid, lang, version))


def clear_confirmation(db: sqlite_utils.Database, sid: str, lang: str) -> None:
    """No edit of this variant awaits confirmation any more."""
    db.conn.execute("UPDATE variants SET confirm_version=NULL, confirm_after=NULL WHERE statement_id=? AND lang=?"
                    " AND confirm_version IS NOT NULL", (sid, lang))


def awaiting_confirmation(db: sqlite_utils.Database) -> list[tuple[str, str, int, str]]:
    """(statement, language, version, confirming fetch due from) of edits held for confirmation."""
    return [tuple(r) for r in db.conn.execute(
        "SELECT statement_id, lang, confirm_version, confirm_after FROM variants WHERE confirm_version IS NOT NULL"
        " ORDER BY confirm_after").fetchall()]


def statement_dates(db: sqlite_utils.Database, sid: str) -> tuple[str | None, str | None]:
    """(published at, first seen at) of a statement."""
    row = db.conn.execute("SELECT published_at, first_seen_at FROM statements WHERE id=?", (sid,)).fetchone()
    return (row[0], row[1]) if row else (None, None)


def current_versions(db: sqlite_utils.Database, statements: list[str] | None = None, site: str | None = None,
                     langs: list[str] | None = None) -> list[tuple[str, str, int]]:
    """(statement id, language, current version) of every variant with content, in order; narrowed to
    `statements`, a `site` and `langs` when given."""
    where, params = ["va.current_version IS NOT NULL"], []
    if statements:
        marks, ids = in_list(statements)
        where.append(f"va.statement_id IN {marks}")
        params += ids
    if site:
        where.append("s.site = ?")
        params.append(site)
    if langs:
        marks, codes = in_list(langs)
        where.append(f"va.lang IN {marks}")
        params += codes
    return [(r[0], r[1], r[2]) for r in db.conn.execute(
        "SELECT va.statement_id, va.lang, va.current_version FROM variants va JOIN statements s ON s.id = va.statement_id"
        f" WHERE {' AND '.join(where)} ORDER BY va.statement_id, va.lang", params).fetchall()]
