"""What the reading room's statement and start pages read: a statement, its variants, versions and events.

Only metadata is read here; a version's text is read through store.versions.load_version (its storage may
change). Every function takes a sqlite_utils Database, so Datasette's `db.execute_fn` can call it on its own
read-only connection (wrapped with :func:`wrap`).
"""
from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import quote

import sqlite_utils

from store.sources import WARC_OF_VERSION
from store.sql import dict_row, dict_rows, in_list

# The tables every page reads: a database without them is not a ministry-watch archive.
_NEEDED = {"statements", "variants", "versions", "changes"}


def wrap(conn: sqlite3.Connection) -> sqlite_utils.Database:
    """A connection someone else opened (Datasette's), as the Database every store function takes."""
    return sqlite_utils.Database(conn, recursive_triggers=False, execute_plugins=False)


def is_archive(db: sqlite_utils.Database) -> bool:
    """Whether this database holds a ministry-watch archive (its main tables are there)."""
    names = {r[0] for r in db.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    return _NEEDED <= names


def is_archive_file(path: str | Path) -> bool:
    """The same check on a file, through a read-only connection of its own (False for anything unreadable)."""
    try:
        conn = sqlite3.connect(f"file:{quote(str(Path(path).resolve()))}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return False
    try:
        return is_archive(sqlite_utils.Database(conn))
    except sqlite3.Error:
        return False
    finally:
        conn.close()


def statement(db: sqlite_utils.Database, sid: str) -> dict[str, Any] | None:
    """The statement's own row (id, site, source id, section, kind, dates, number, title, status), or None."""
    return dict_row(db.conn.execute(
        "SELECT id, site, source_id, section, kind, published_at, document_number, title, status, first_seen_at,"
        " last_seen_at FROM statements WHERE id=?", (sid,)))


def variants(db: sqlite_utils.Database, sid: str) -> list[dict[str, Any]]:
    """Each language variant: url, title, status, current version, how many versions, when first captured."""
    return dict_rows(db.conn.execute(
        "SELECT va.lang, va.url, va.title, va.status, va.current_version, va.first_seen_at, va.last_changed_at,"
        " va.last_checked_at, va.last_outcome,"
        " (SELECT count(*) FROM versions v WHERE v.statement_id=va.statement_id AND v.lang=va.lang) AS n_versions,"
        " (SELECT captured_at FROM versions v WHERE v.statement_id=va.statement_id AND v.lang=va.lang"
        "  AND v.version=1) AS first_captured_at"
        " FROM variants va WHERE va.statement_id=? ORDER BY va.lang <> 'ru', va.lang", (sid,)))


def versions(db: sqlite_utils.Database, sid: str, lang: str) -> list[dict[str, Any]]:
    """Every version of a variant without its text, oldest first: what a timeline and a citation need."""
    return dict_rows(db.conn.execute(
        "SELECT v.id, v.version, v.title, v.captured_at, v.published_at, v.document_number, v.run_id,"
        " v.parser_version, v.rederived, v.content_sha256, v.warc_record_id, w.warc_file, w.warc_offset,"
        f" w.payload_digest FROM versions v {WARC_OF_VERSION}"
        " WHERE v.statement_id=? AND v.lang=? ORDER BY v.version", (sid, lang)))


def variant_changes(db: sqlite_utils.Database, sid: str, lang: str) -> list[dict[str, Any]]:
    """The changes recorded for one variant (new, edited, deleted, restored, flapping ...), oldest first."""
    return dict_rows(db.conn.execute(
        "SELECT id, kind, cosmetic, from_version, to_version, detected_at, summary FROM changes"
        " WHERE statement_id=? AND lang=? AND kind NOT LIKE 'divergence%' ORDER BY id", (sid, lang)))


def warc_record_uri(db: sqlite_utils.Database, warc_record_id: int | None) -> dict[str, Any] | None:
    """A version's WARC record: its WARC-Record-ID, target URI and date, or None."""
    if warc_record_id is None:
        return None
    try:
        return dict_row(db.conn.execute(
            "SELECT record_id, target_uri, warc_date FROM warc_records WHERE id=?", (warc_record_id,)))
    except sqlite3.OperationalError:  # an archive from before the WARC index
        return None


# --------------------------------------------------------------------------------------------
# the start page


def changes_since(db: sqlite_utils.Database, since: str, kinds: tuple[str, ...],
                  limit: int = 200) -> list[dict[str, Any]]:
    """Changes of these kinds detected since ``since`` (newest first), with the variant's title."""
    marks, values = in_list(kinds)
    return dict_rows(db.conn.execute(
        "SELECT c.id, c.statement_id, c.lang, c.kind, c.cosmetic, c.from_version, c.to_version, c.detected_at,"
        " c.summary, c.initial_fill, va.title, s.kind AS statement_kind, s.published_at FROM changes c"
        " LEFT JOIN variants va ON va.statement_id=c.statement_id AND va.lang=c.lang"
        " LEFT JOIN statements s ON s.id=c.statement_id"
        f" WHERE c.detected_at >= ? AND c.kind IN {marks} ORDER BY c.detected_at DESC, c.id DESC LIMIT ?",
        (since, *values, limit)))


def count_changes_since(db: sqlite_utils.Database, since: str, kind: str) -> tuple[int, int]:
    """How many changes of one kind were detected since ``since``, and in how many statements."""
    row = db.conn.execute("SELECT count(*), count(DISTINCT statement_id) FROM changes WHERE detected_at >= ?"
                          " AND kind = ?", (since, kind)).fetchone()
    return int(row[0]), int(row[1])


def deleted_statements(db: sqlite_utils.Database, limit: int = 20) -> list[dict[str, Any]]:
    """Variants confirmed deleted, the most recent deletion first."""
    return dict_rows(db.conn.execute(
        "SELECT c.statement_id, c.lang, c.detected_at, va.title, s.published_at FROM changes c"
        " JOIN variants va ON va.statement_id=c.statement_id AND va.lang=c.lang AND va.status='deleted'"
        " LEFT JOIN statements s ON s.id=c.statement_id"
        " WHERE c.kind='deleted' ORDER BY c.detected_at DESC, c.id DESC LIMIT ?", (limit,)))


def open_divergences(db: sqlite_utils.Database, limit: int = 20) -> list[dict[str, Any]]:
    """Open cross-language divergences, newest first, with the original's title."""
    try:
        return dict_rows(db.conn.execute(
            "SELECT d.id, d.statement_id, d.lang_a, d.lang_b, d.kind, d.summary, d.detected_at, va.title"
            " FROM divergences d LEFT JOIN variants va ON va.statement_id=d.statement_id AND va.lang=d.lang_a"
            " WHERE d.resolved_at IS NULL ORDER BY d.detected_at DESC, d.id DESC LIMIT ?", (limit,)))
    except sqlite3.OperationalError:  # an archive from before the divergence checks
        return []


def missing_translations(db: sqlite_utils.Database, limit: int = 20, lang: str = "en") -> list[dict[str, Any]]:
    """The newest statements of kinds that are normally translated with no active variant in ``lang``."""
    return dict_rows(db.conn.execute(
        "SELECT s.id AS statement_id, s.published_at, s.kind, s.title FROM statements s"
        " WHERE s.status='active' AND s.kind IN ('speech', 'interview', 'briefing')"
        " AND NOT EXISTS (SELECT 1 FROM variants va WHERE va.statement_id=s.id AND va.lang=? AND va.status='active')"
        " ORDER BY s.published_at DESC LIMIT ?", (lang, limit)))


def statement_langs(db: sqlite_utils.Database, sids: list[str]) -> dict[str, list[str]]:
    """statement id -> its active languages (Russian first), for the statements listed on a page."""
    out: dict[str, list[str]] = {sid: [] for sid in sids}
    if not sids:
        return out
    marks = ",".join("?" * len(sids))
    for sid, lang in db.conn.execute(
            f"SELECT statement_id, lang FROM variants WHERE statement_id IN ({marks}) AND status='active'"
            " ORDER BY lang <> 'ru', lang", sids):
        out[sid].append(lang)
    return out
