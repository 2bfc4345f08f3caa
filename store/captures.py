"""Web-archive captures of a variant: listed from the archive's index, read into versions or collapsed into the
version whose text they show again, and the sightings of each text that date an edit found between captures.

A capture is a dated observation of a page by a third party. Its text becomes a version (`source` web-archive,
`captured_at` the capture's time, `evidence_url` and `evidence_digest` the capture's URL and the index's digest)
unless the text seen just before it, or just after it, is the same: then it only adds a sighting to that version
(`captures.version`). So identical captures collapse, and versions read in time order are distinct neighbours.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

import sqlite_utils

from store.backfill import MAX_TRIES, save_page
from store.fetches import insert_fetch
from store.outcomes import Outcome
from store.raw import store_raw
from store.records import Fetch
from store.sources import Source
from store.sql import dict_rows, in_list, transaction
from store.timestamps import utcnow
from store.versions import content_sha256, insert_version, mark_web_archive, next_version_number

_CAPTURE_COLUMNS = "id, statement_id, lang, timestamp, original, digest, url, captured_at"


@dataclass(frozen=True)
class Point:
    """One sighting of a variant's text: a capture read, or a version fetched from the site (its first fetch)."""

    at: str              # UTC
    version: int
    sha: str
    live: bool           # the site's own fetch, not a capture


@dataclass(frozen=True)
class Sighting:
    """A run of sightings of one text with no other text seen in between: when it began and ended, the versions
    seen first and last in it, and whether those were the site's own fetches."""

    sha: str
    first: str           # UTC: its first sighting
    last: str            # UTC: its last sighting
    first_version: int
    last_version: int
    first_live: bool
    last_live: bool
    captures: int        # how many captures it holds
    fetches: int         # how many of the site's own versions it holds


@dataclass(frozen=True)
class CaptureResult:
    """What reading one capture wrote: the version it became (new) or showed again."""

    version: int
    new: bool


def variants_in_scope(db: sqlite_utils.Database, site: str, langs: Iterable[str] | None = None,
                      since: str | None = None, until: str | None = None) -> list[dict[str, Any]]:
    """The variants of a site whose captures a backfill looks for (statement_id, lang, url, section, source_id),
    narrowed to languages and to statements published within [since, until] (their own calendar day)."""
    where, params = ["s.site=?"], [site]
    if langs:
        marks, codes = in_list(langs)
        where.append(f"va.lang IN {marks}")
        params += codes
    if since:
        where.append("substr(s.published_at, 1, 10) >= ?")
        params.append(since)
    if until:
        where.append("substr(s.published_at, 1, 10) <= ?")
        params.append(until)
    return dict_rows(db.conn.execute(
        "SELECT va.statement_id, va.lang, va.url, s.section, s.source_id FROM variants va"
        f" JOIN statements s ON s.id = va.statement_id WHERE {' AND '.join(where)}"
        " ORDER BY s.published_at DESC, va.statement_id, va.lang", params))


def save_captures_page(db: sqlite_utils.Database, chain: str, sid: str, lang: str, rows: Iterable[Mapping[str, Any]],
                       *, complete: bool, resume_key: str | None, now: str | None = None) -> int:
    """One answer of the index about a variant: its captures listed (each once) and the chain moved on, in one
    transaction; how many captures were new."""
    now = now or utcnow()
    added = 0
    with transaction(db):
        for row in rows:
            cur = db.conn.execute(
                "INSERT OR IGNORE INTO captures (statement_id, lang, timestamp, original, digest, url, captured_at)"
                " VALUES (?,?,?,?,?,?,?)", (sid, lang, row["timestamp"], row["original"], row.get("digest"),
                                            row["url"], row["captured_at"]))
            added += cur.rowcount
        save_page(db, chain, "captures", complete=complete, resume_key=resume_key, now=now)
    return added


def pending_captures(db: sqlite_utils.Database, site: str, langs: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Captures of a site's variants listed but not read yet, by variant and time."""
    where, params = ["state='pending'", "substr(statement_id, 1, length(?) + 1) = ? || ':'"], [site, site]
    if langs:
        marks, codes = in_list(langs)
        where.append(f"lang IN {marks}")
        params += codes
    return dict_rows(db.conn.execute(
        f"SELECT {_CAPTURE_COLUMNS} FROM captures WHERE {' AND '.join(where)} ORDER BY statement_id, lang, timestamp",
        params))


def points(db: sqlite_utils.Database, sid: str, lang: str) -> list[Point]:
    """Every sighting of a variant's texts in time order: each capture read (with the version it became or
    showed again), and each version fetched from the site at its first fetch; parser re-readings left out."""
    versions = {int(v): (sha, source, at) for v, sha, source, at in db.conn.execute(
        "SELECT version, content_sha256, source, captured_at FROM versions WHERE statement_id=? AND lang=?"
        " AND rederived=0", (sid, lang)).fetchall()}
    out = [Point(at, v, sha, True) for v, (sha, source, at) in versions.items() if source == "live"]
    out += [Point(at, int(v), versions[int(v)][0], False) for v, at in db.conn.execute(
        "SELECT version, captured_at FROM captures WHERE statement_id=? AND lang=? AND state='read'"
        " AND version IS NOT NULL", (sid, lang)).fetchall() if int(v) in versions]
    return sorted(out, key=lambda p: (p.at, p.version, not p.live))


def timeline(db: sqlite_utils.Database, sid: str, lang: str) -> list[Sighting]:
    """The texts of a variant in the order they were seen, each run of sightings of one text as one item."""
    runs: list[list[Point]] = []
    for point in points(db, sid, lang):
        if runs and runs[-1][-1].sha == point.sha:
            runs[-1].append(point)
        else:
            runs.append([point])
    return [Sighting(run[0].sha, run[0].at, run[-1].at, run[0].version, run[-1].version, run[0].live, run[-1].live,
                     sum(1 for p in run if not p.live), sum(1 for p in run if p.live)) for run in runs]


def collapse_target(seen: list[Point], at: str, sha: str) -> int | None:
    """The version a text seen at `at` collapses into: that of the sighting just before it, or just after it,
    when it is the same text; None when the text is new there."""
    before = [p for p in seen if p.at <= at]
    after = [p for p in seen if p.at > at]
    if before and before[-1].sha == sha:
        return before[-1].version
    if after and after[0].sha == sha:
        return after[0].version
    return None


def record_capture(db: sqlite_utils.Database, run_id: int | None, key: Mapping[str, Any], record: Mapping[str, Any],
                   fetch: Fetch, *, now: str | None = None) -> CaptureResult:
    """Store one capture read as a page: a new version dated by the capture, or a sighting of the version with
    the same text next to it; the fetch is recorded either way (page_type capture). Atomic. `key`: the capture's
    statement_id, lang, timestamp and original URL, as listed."""
    now = now or utcnow()
    capture = _capture(db, key)
    sid, lang = capture["statement_id"], capture["lang"]
    sha = content_sha256(record["title"], list(record["paragraphs"]))
    with transaction(db):
        target = collapse_target(points(db, sid, lang), capture["captured_at"], sha)
        new = target is None
        if new:
            source = Source.of(fetch, None if fetch.warc is not None else store_raw(db, fetch, now))
            target = insert_version(db, sid, lang, next_version_number(db, sid, lang), record, sha,
                                    capture["captured_at"], run_id, source, False)
            mark_web_archive(db, sid, lang, target, capture["url"], capture["digest"])
        fetch.statement_id, fetch.lang = sid, lang
        fetch.outcome = Outcome.OK if new else Outcome.UNCHANGED
        insert_fetch(db, run_id, fetch, now)
        db.conn.execute("UPDATE captures SET state='read', version=?, tries=tries+1, fetched_at=?, run_id=?,"
                        " error=NULL WHERE id=?", (target, now, run_id, capture["id"]))
    return CaptureResult(int(target), new)


def refuse_capture(db: sqlite_utils.Database, run_id: int | None, key: Mapping[str, Any], fetch: Fetch, *,
                   permanent: bool, now: str | None = None) -> None:
    """A capture that gave no page: a broken one (permanent: the archive keeps serving the same bytes) is set
    aside with its outcome; a failure of the moment (a 429 after its retries, a timeout) is asked again by the
    next backfill, up to MAX_TRIES times. Never a version, never an edit. Atomic."""
    now = now or utcnow()
    capture = _capture(db, key)
    fetch.statement_id, fetch.lang = capture["statement_id"], capture["lang"]
    with transaction(db):
        insert_fetch(db, run_id, fetch, now)
        db.conn.execute(
            "UPDATE captures SET tries=tries+1, fetched_at=?, run_id=?, error=?,"
            " state=CASE WHEN ? OR tries+1 >= ? THEN ? ELSE 'pending' END WHERE id=?",
            (now, run_id, fetch.error, int(permanent), MAX_TRIES, str(fetch.outcome), capture["id"]))


def _capture(db: sqlite_utils.Database, key: Mapping[str, Any]) -> dict[str, Any]:
    rows = dict_rows(db.conn.execute(
        f"SELECT {_CAPTURE_COLUMNS} FROM captures WHERE statement_id=? AND lang=? AND timestamp=? AND original=?",
        (key["statement_id"], key["lang"], key["timestamp"], key["original"])))
    if not rows:
        raise KeyError(f"no capture of {key['statement_id']} [{key['lang']}] at {key['timestamp']}")
    return rows[0]


def variants_with_new_captures(db: sqlite_utils.Database, run_id: int) -> list[tuple[str, str]]:
    """Variants with captures read by this run, or by an earlier run that did not end well (killed midway)."""
    return [(r[0], r[1]) for r in db.conn.execute(
        "SELECT DISTINCT statement_id, lang FROM captures WHERE state='read' AND (run_id=? OR run_id IN"
        " (SELECT id FROM runs WHERE finished_at IS NULL OR status<>'ok')) ORDER BY 1, 2", (run_id,)).fetchall()]


def unsettled(db: sqlite_utils.Database) -> set[tuple[str, str]]:
    """Variants whose captures are not all read yet (listed but pending): their edits wait for the rest."""
    return {(r[0], r[1]) for r in db.conn.execute(
        "SELECT DISTINCT statement_id, lang FROM captures WHERE state='pending'").fetchall()}


def capture_counts(db: sqlite_utils.Database, site: str | None = None) -> dict[str, int]:
    """Captures by state: pending, read (of which `versions`: new texts), and every refusal's outcome."""
    where, params = ("WHERE substr(statement_id, 1, length(?) + 1) = ? || ':'", [site, site]) if site else ("", [])
    counts = {str(k): int(n) for k, n in db.conn.execute(
        f"SELECT state, count(*) FROM captures {where} GROUP BY state", params).fetchall()}
    counts.setdefault("pending", 0)
    counts.setdefault("read", 0)
    return counts


def set_edit_window(db: sqlite_utils.Database, change_id: int, after: str, before: str) -> None:
    """When an edit found in captures was made: after the last sighting of the old text, before the first of
    the new one."""
    db.conn.execute("UPDATE changes SET changed_after=?, changed_before=? WHERE id=?", (after, before, change_id))


def run_capture_counts(db: sqlite_utils.Database, run_id: int) -> dict[str, int]:
    """What one run did with captures: read (with a page), new texts among them, refused (no page)."""
    q = db.conn.execute
    read = q("SELECT count(*) FROM fetches WHERE run_id=? AND page_type='capture' AND outcome IN ('ok', 'unchanged')",
             (run_id,)).fetchone()[0]
    refused = q("SELECT count(*) FROM fetches WHERE run_id=? AND page_type='capture' AND outcome NOT IN ('ok', 'unchanged')",
                (run_id,)).fetchone()[0]
    new = q("SELECT count(*) FROM versions WHERE run_id=? AND source='web-archive'", (run_id,)).fetchone()[0]
    return {"read": int(read), "new_texts": int(new), "refused": int(refused)}
