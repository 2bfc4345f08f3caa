"""Versions: every distinct text a language variant has had (append-only), written and read here."""
from __future__ import annotations

import hashlib
import json
from typing import Any, Mapping

import sqlite_utils

from store.paragraphs import join_body
from store.sources import Source
from store.texts import PARAGRAPH_SOURCE, kept_paragraphs, layout_of, paragraphs_of


def content_sha256(title: str, paragraphs: list[dict[str, Any]]) -> str:
    """Hash of the normalised content; equal hashes mean no new version."""
    canonical = json.dumps(
        {"title": title, "paragraphs": [[p.get("speaker"), p.get("text")] for p in paragraphs]},
        ensure_ascii=False, separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def insert_version(db: sqlite_utils.Database, sid: str, lang: str, number: int, record: Mapping[str, Any],
                   sha: str, now: str, run_id: int | None, source: Source, rederived: bool) -> int:
    """Append a version (the caller holds the transaction and updates the variant); returns its number."""
    paragraphs = list(record["paragraphs"])
    body = record.get("body")
    if body is None:
        body = join_body(paragraphs)
    layout = layout_of(paragraphs, body)
    cur = db.conn.execute(
        "INSERT INTO versions (statement_id, lang, version, title, body, layout, content_sha256, published_at,"
        " document_number, captured_at, run_id, parser_version, raw_response_id, rederived, warc_record_id)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (sid, lang, number, record["title"], body, layout, sha,
         record.get("published_at"), record.get("document_number"), now, run_id,
         record.get("parser_version", "unknown"), source.raw_response_id, int(rederived), source.warc_record_id),
    )
    if layout is None:  # the body cannot give these paragraphs back: they are kept as they are
        db.conn.execute("INSERT INTO version_paragraphs (version_id, paragraphs) VALUES (?, ?)",
                        (cur.lastrowid, kept_paragraphs(paragraphs)))
    return number


_VERSION_COLUMNS = ("version", "title", "content_sha256", "captured_at", "rederived", "parser_version")


def load_version(db: sqlite_utils.Database, sid: str, lang: str, version: int) -> dict[str, Any] | None:
    """One stored version as a dict with its body and paragraphs, or None."""
    row = db.conn.execute(
        f"SELECT {', '.join('v.' + c for c in _VERSION_COLUMNS)}, {PARAGRAPH_SOURCE} FROM versions v"
        " WHERE v.statement_id=? AND v.lang=? AND v.version=?", (sid, lang, version)).fetchone()
    if row is None:
        return None
    n = len(_VERSION_COLUMNS)
    out = dict(zip(_VERSION_COLUMNS, row[:n]))
    out["body"] = row[n]
    out["paragraphs"] = paragraphs_of(*row[n:])
    return out


def parser_of(db: sqlite_utils.Database, sid: str, lang: str, version: int) -> str | None:
    """The parser version that produced one version."""
    row = db.conn.execute("SELECT parser_version FROM versions WHERE statement_id=? AND lang=? AND version=?",
                          (sid, lang, version)).fetchone()
    return row[0] if row else None


def reported_versions(db: sqlite_utils.Database, sid: str, lang: str) -> list[int]:
    """The numbers of a variant's versions fetched from the site that are content (not parser re-readings),
    oldest first. Versions recovered from web-archive captures are dated by their captures, not by their
    number, and are reported apart (scheduler/detect_captures.py)."""
    return [r[0] for r in db.conn.execute(
        "SELECT version FROM versions WHERE statement_id=? AND lang=? AND rederived=0 AND source='live'"
        " ORDER BY version", (sid, lang)).fetchall()]


def live_versions(db: sqlite_utils.Database, sid: str, lang: str) -> list[int]:
    """The numbers of every version fetched from the site (re-derived ones included), oldest first: the
    variant's own history, in which each version follows the one before it."""
    return [r[0] for r in db.conn.execute(
        "SELECT version FROM versions WHERE statement_id=? AND lang=? AND source='live' ORDER BY version",
        (sid, lang)).fetchall()]


def next_version_number(db: sqlite_utils.Database, sid: str, lang: str) -> int:
    """The number a new version of a variant gets (versions are numbered in the order they were stored)."""
    row = db.conn.execute("SELECT max(version) FROM versions WHERE statement_id=? AND lang=?", (sid, lang)).fetchone()
    return int(row[0] or 0) + 1


def mark_web_archive(db: sqlite_utils.Database, sid: str, lang: str, version: int, evidence_url: str,
                     evidence_digest: str | None) -> None:
    """Say that a version was recovered from a web-archive capture, and which one (its URL and digest)."""
    db.conn.execute("UPDATE versions SET source='web-archive', evidence_url=?, evidence_digest=?"
                    " WHERE statement_id=? AND lang=? AND version=?", (evidence_url, evidence_digest, sid, lang, version))


def earlier_version_with(db: sqlite_utils.Database, sid: str, lang: str, below: int, sha: str) -> int | None:
    """The newest version fetched from the site before `below` whose text has this hash (a flip back to an old
    text), or None."""
    row = db.conn.execute(
        "SELECT max(version) FROM versions WHERE statement_id=? AND lang=? AND version<? AND content_sha256=?"
        " AND source='live'", (sid, lang, below, sha)).fetchone()
    return row[0] if row else None


def is_late_translation(db: sqlite_utils.Database, sid: str, lang: str) -> bool:
    """True when another language of the statement was stored in an earlier run than this variant's first version."""
    return db.conn.execute(
        "SELECT 1 FROM versions o, versions me WHERE me.statement_id=? AND me.lang=? AND me.version=1"
        " AND o.statement_id=me.statement_id AND o.lang<>me.lang AND o.run_id < me.run_id LIMIT 1",
        (sid, lang)).fetchone() is not None


def versions_before(db: sqlite_utils.Database, sid: str, lang: str, below: int) -> list[tuple[int, str, str]]:
    """(version, content hash, parser version) of a variant's versions fetched from the site before `below`,
    oldest first (a capture's page is archived under the capture's address, not the page's own)."""
    return [(r[0], r[1], r[2]) for r in db.conn.execute(
        "SELECT version, content_sha256, parser_version FROM versions WHERE statement_id=? AND lang=? AND version<?"
        " AND source='live' ORDER BY version", (sid, lang, below)).fetchall()]
