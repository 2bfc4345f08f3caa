"""Record one parsed article page: its statement, its variant, the fetch and, if the text changed, a version."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

import sqlite_utils

from store.fetches import insert_fetch, touch_variant
from store.records import Fetch
from store.ids import statement_id
from store.outcomes import Outcome
from store.raw import store_raw
from store.sources import Source, load_source_quietly, version_source
from store.sql import transaction
from store.timestamps import utcnow
from store.versions import content_sha256, insert_version, next_version_number, parser_of

# Re-reads an archived page (raw body, url) with the running parser: a record, or None if it no longer parses.
Reparser = Callable[[bytes, str], "dict[str, Any] | None"]


@dataclass
class PageResult:
    """What record_page wrote."""

    statement_id: str
    lang: str
    new_statement: bool
    new_variant: bool
    version: int | None                # the version written, None when the content was unchanged
    rederived: bool = False


def record_page(db: sqlite_utils.Database, run_id: int | None, record: Mapping[str, Any], fetch: Fetch,
                reparse: Reparser | None = None, *, now: str | None = None) -> PageResult:
    """Store one parsed article atomically: statement, variant, raw response, fetch row and, if the
    normalised content changed, a new version.

    `reparse(raw_body, url)` re-reads an old raw response with the running parser. When the current
    version was made by another parser version, the old page is re-read first, so that a parser upgrade
    is recorded as a re-derived version (rederived=1) and never shows up as an edit.
    """
    now = now or utcnow()
    sid = statement_id(record["site"], record["source_id"])
    lang = record["lang"]
    sha = content_sha256(record["title"], list(record["paragraphs"]))
    with transaction(db):
        new_statement = _upsert_statement(db, sid, lang, record, now)
        fetch.statement_id, fetch.lang = sid, lang
        # The page is kept once: in the WARC archive when the crawler archived it, else in raw_responses.
        source = Source.of(fetch, None if fetch.warc is not None else store_raw(db, fetch, now))
        variant = db.conn.execute(
            "SELECT current_version, content_sha256 FROM variants WHERE statement_id=? AND lang=?", (sid, lang)
        ).fetchone()
        written, rederived = None, False
        if variant is None:
            db.conn.execute(
                "INSERT INTO variants (statement_id, lang, url, title, first_seen_at, status)"
                " VALUES (?,?,?,?,?, 'active')", (sid, lang, record["url"], record["title"], now))
            written = insert_version(db, sid, lang, 1, record, sha, now, run_id, source, False)
        elif variant[1] != sha:
            written, rederived = _new_version(db, sid, lang, int(variant[0]), variant[1], record, sha, now,
                                              run_id, source, reparse)
        if written is not None:
            db.conn.execute(
                "UPDATE variants SET current_version=?, content_sha256=?, title=?, url=?,"
                " last_changed_at=CASE WHEN ? THEN last_changed_at ELSE ? END WHERE statement_id=? AND lang=?",
                (written, sha, record["title"], record["url"], rederived or variant is None, now, sid, lang),
            )
        if written is None and fetch.outcome == Outcome.OK:
            fetch.outcome = Outcome.UNCHANGED
        touch_variant(db, fetch, now)
        insert_fetch(db, run_id, fetch, now)
    return PageResult(sid, lang, new_statement, variant is None, written, rederived)


def _upsert_statement(db: sqlite_utils.Database, sid: str, lang: str, record: Mapping[str, Any], now: str) -> bool:
    """Insert the statement, or refresh what this page says about it; True when it is new."""
    conn = db.conn
    if conn.execute("SELECT 1 FROM statements WHERE id=?", (sid,)).fetchone() is None:
        conn.execute(
            "INSERT INTO statements (id, site, source_id, section, kind, published_at, document_number,"
            " first_seen_at, last_seen_at, status) VALUES (?,?,?,?,?,?,?,?,?, 'active')",
            (sid, record["site"], int(record["source_id"]), record.get("section"), record.get("kind"),
             record.get("published_at"), record.get("document_number"), now, now),
        )
        return True
    # Russian is the original: its metadata wins; other languages only fill gaps.
    conn.execute(
        "UPDATE statements SET last_seen_at=?,"
        " kind=CASE WHEN ?='ru' OR kind IS NULL THEN coalesce(?, kind) ELSE kind END,"
        " section=coalesce(section, ?),"
        " published_at=CASE WHEN ?='ru' OR published_at IS NULL THEN coalesce(?, published_at) ELSE published_at END,"
        " document_number=coalesce(document_number, ?) WHERE id=?",
        (now, lang, record.get("kind"), record.get("section"), lang, record.get("published_at"),
         record.get("document_number"), sid),
    )
    return False


def _new_version(db: sqlite_utils.Database, sid: str, lang: str, current: int, current_sha: str,
                 record: Mapping[str, Any], sha: str, now: str, run_id: int | None, source: Source,
                 reparse: Reparser | None) -> tuple[int, bool]:
    """Append the version for a changed text; returns (its number, whether it is only a parser re-reading).

    When the current version came from another parser version, the page behind it is re-read with the
    running parser first: the same text means only our reading changed (a re-derived version); a
    different one is written as a re-derived version of the old page first, so that the edit is diffed
    parser-to-same-parser.
    """
    old_parser = parser_of(db, sid, lang, current)
    old_source = version_source(db, sid, lang, current)
    if (reparse is not None and old_parser is not None and old_parser != record["parser_version"]
            and old_source is not None and old_source.archived):
        raw = load_source_quietly(db, old_source)
        fresh_old = reparse(raw[1], raw[0]) if raw else None
        if fresh_old is not None:
            old_sha = content_sha256(fresh_old["title"], list(fresh_old["paragraphs"]))
            if old_sha == sha:
                return insert_version(db, sid, lang, next_version_number(db, sid, lang), record, sha, now, run_id,
                                      source, True), True
            if old_sha != current_sha:
                insert_version(db, sid, lang, next_version_number(db, sid, lang), fresh_old, old_sha, now, run_id,
                               old_source, True)
    # (the next number, not current + 1: versions recovered from web-archive captures may follow the current one)
    return insert_version(db, sid, lang, next_version_number(db, sid, lang), record, sha, now, run_id, source,
                          False), False
