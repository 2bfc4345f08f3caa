"""Record what the crawler saw: runs, fetch outcomes, raw responses and versions, one transaction per page."""
from __future__ import annotations

import hashlib
import json
import os
import zlib
from dataclasses import dataclass, field
from datetime import timezone
from typing import TYPE_CHECKING, Any, Callable, Mapping
from urllib.parse import urlsplit

import sqlite_utils

from store.timestamps import parse_timestamp, utcnow

if TYPE_CHECKING:
    from store.warc import WarcRef

from store.outcomes import ALL_OUTCOMES as OUTCOMES, OK_OUTCOMES, TRANSIENT_OUTCOMES
from store.sql import transaction  # noqa: F401 - re-exported until every caller imports store.sql


def statement_id(site: str, source_id: int | str) -> str:
    """The stable id of a statement: '<site>:<numeric id>'."""
    return f"{site}:{source_id}"


def content_sha256(title: str, paragraphs: list[dict[str, Any]]) -> str:
    """Hash of the normalised content; equal hashes mean no new version."""
    canonical = json.dumps(
        {"title": title, "paragraphs": [[p.get("speaker"), p.get("text")] for p in paragraphs]},
        ensure_ascii=False, separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def start_run(db: sqlite_utils.Database, *, command: str, base_url: str | None,
              options: Mapping[str, Any] | None = None, owner_pid: int | None = None) -> int:
    """Insert a run row in state 'running' and return its id; `owner_pid` is the process that will close it."""
    with transaction(db):
        cur = db.conn.execute(
            "INSERT INTO runs (started_at, status, command, base_url, options, owner_pid)"
            " VALUES (?, 'running', ?, ?, ?, ?)",
            (utcnow(), command, base_url, json.dumps(dict(options or {}), ensure_ascii=False, default=str),
             owner_pid),
        )
    return int(cur.lastrowid)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def close_orphaned_runs(db: sqlite_utils.Database) -> list[int]:
    """Close runs left 'running' by a process that no longer exists (killed, crashed, machine restarted).

    Their pages are already stored (each page is atomic) and detection picks up their versions; only
    the run row was never finished. Runs without a recorded owner are left alone.
    """
    closed = []
    for run_id, pid in db.conn.execute(
            "SELECT id, owner_pid FROM runs WHERE status='running' AND owner_pid IS NOT NULL").fetchall():
        if not _alive(int(pid)):
            finish_run(db, int(run_id), "interrupted", "the process running it died (killed or crashed)")
            closed.append(int(run_id))
    return closed


def finish_run(db: sqlite_utils.Database, run_id: int, status: str, message: str | None = None) -> dict[str, Any]:
    """Close a run: count what it fetched and wrote (from the tables, so counts never drift)."""
    q = db.conn.execute
    counts = {
        "pages_fetched": q("SELECT count(*) FROM fetches WHERE run_id=? AND outcome NOT IN ('robots')", (run_id,)).fetchone()[0],
        "bytes_fetched": q("SELECT coalesce(sum(bytes),0) FROM fetches WHERE run_id=?", (run_id,)).fetchone()[0],
        "not_modified": q("SELECT count(*) FROM fetches WHERE run_id=? AND outcome='not_modified'", (run_id,)).fetchone()[0],
        "statements_new": q("SELECT count(DISTINCT statement_id) FROM versions v WHERE run_id=? AND version=1 AND NOT EXISTS "
                            "(SELECT 1 FROM versions w WHERE w.statement_id=v.statement_id AND w.run_id<>v.run_id)", (run_id,)).fetchone()[0],
        "variants_new": q("SELECT count(*) FROM versions WHERE run_id=? AND version=1", (run_id,)).fetchone()[0],
        "versions_new": q("SELECT count(*) FROM versions WHERE run_id=? AND rederived=0", (run_id,)).fetchone()[0],
        "edited": q("SELECT count(*) FROM changes WHERE run_id=? AND kind='edited'", (run_id,)).fetchone()[0],
        "deleted": q("SELECT count(*) FROM changes WHERE run_id=? AND kind='deleted'", (run_id,)).fetchone()[0],
        "restored": q("SELECT count(*) FROM changes WHERE run_id=? AND kind='restored'", (run_id,)).fetchone()[0],
        "errors": q("SELECT count(*) FROM fetches WHERE run_id=? AND outcome IN "
                    "('server_error','rate_limited','timeout','connection_error','parse_error','error','offsite')", (run_id,)).fetchone()[0],
        "challenge_pages": q("SELECT count(*) FROM fetches WHERE run_id=? AND outcome='challenge'", (run_id,)).fetchone()[0],
        "robots_skipped": q("SELECT count(*) FROM fetches WHERE run_id=? AND outcome='robots'", (run_id,)).fetchone()[0],
    }
    with transaction(db):
        sets = ", ".join(f"{k}=?" for k in counts)
        q(f"UPDATE runs SET finished_at=?, status=?, message=?, {sets} WHERE id=?",
          (utcnow(), status, message, *counts.values(), run_id))
    return {"id": run_id, "status": status, **counts}


@dataclass
class Fetch:
    """One HTTP exchange (or failure) as the crawler saw it."""

    url: str
    page_type: str                     # article | listing | feed
    outcome: str
    http_status: int | None = None
    statement_id: str | None = None
    lang: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    bytes: int | None = None
    elapsed_ms: int | None = None
    error: str | None = None
    body: bytes | None = None          # raw response body, kept for articles
    headers: dict[str, str] = field(default_factory=dict)
    warc: "WarcRef | None" = None      # where the exchange was archived (then raw_responses is not used)
    entries_digest: str | None = None  # listing/feed read: digest of the entry URLs it listed (discovery)
    entries: int | None = None         # listing/feed read: how many entries it listed
    entries_new: int | None = None     # listing/feed read: how many the store did not know when the run began
    entries_newest: str | None = None  # listing/feed read: publication time of its newest entry (ISO)


@dataclass
class PageResult:
    """What record_page wrote."""

    statement_id: str
    lang: str
    new_statement: bool
    new_variant: bool
    version: int | None                # the version written, None when the content was unchanged
    rederived: bool = False


def record_fetch(db: sqlite_utils.Database, run_id: int | None, fetch: Fetch) -> int:
    """Record a fetch that produced no content (listing, feed, failure, 304, gone) in its own transaction."""
    if fetch.outcome not in OUTCOMES:
        raise ValueError(f"unknown fetch outcome {fetch.outcome!r}")
    with transaction(db):
        fetch_id = _insert_fetch(db, run_id, fetch, utcnow())
        if fetch.page_type == "article" and fetch.statement_id and fetch.lang:
            _touch_variant(db, fetch, utcnow())
        elif fetch.page_type in ("listing", "feed") and not urlsplit(fetch.url).query:
            # discovery pages: listing page 1 and feeds (later pages, ?PAGEN_1=, are only ever followed)
            _touch_index_page(db, fetch, utcnow())
    return fetch_id


def _insert_fetch(db: sqlite_utils.Database, run_id: int | None, fetch: Fetch, now: str) -> int:
    cur = db.conn.execute(
        "INSERT INTO fetches (run_id, fetched_at, url, page_type, statement_id, lang, http_status, outcome,"
        " etag, last_modified, bytes, elapsed_ms, error, warc_record_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (run_id, now, fetch.url, fetch.page_type, fetch.statement_id, fetch.lang, fetch.http_status,
         fetch.outcome, fetch.etag, fetch.last_modified, fetch.bytes, fetch.elapsed_ms, fetch.error,
         fetch.warc.record_id if fetch.warc else None),
    )
    return int(cur.lastrowid)


def _touch_variant(db: sqlite_utils.Database, fetch: Fetch, now: str) -> None:
    """Update the check bookkeeping of a known variant (never its content)."""
    ok = fetch.outcome in OK_OUTCOMES
    transient = fetch.outcome in TRANSIENT_OUTCOMES
    db.conn.execute(
        "UPDATE variants SET last_checked_at=?, last_outcome=?,"
        " last_ok_at=CASE WHEN ? THEN ? ELSE last_ok_at END,"
        " failures=CASE WHEN ? THEN failures+1 ELSE 0 END,"
        " etag=CASE WHEN ? AND ? IS NOT NULL THEN ? ELSE etag END,"
        " last_modified=CASE WHEN ? AND ? IS NOT NULL THEN ? ELSE last_modified END"
        " WHERE statement_id=? AND lang=?",
        (now, fetch.outcome, ok, now, transient, ok, fetch.etag, fetch.etag, ok, fetch.last_modified,
         fetch.last_modified, fetch.statement_id, fetch.lang),
    )


def _touch_index_page(db: sqlite_utils.Database, fetch: Fetch, now: str) -> None:
    """Update a discovery page's bookkeeping; only a successful read can move `last_changed_at`."""
    parts = urlsplit(fetch.url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    first = path.strip("/").split("/", 1)[0]
    lang = fetch.lang or (first if first.isalpha() and len(first) <= 3 else None)  # the UI prefix: /ru/, /en/
    read = fetch.outcome == "ok" and fetch.entries_digest is not None
    db.conn.execute(
        "INSERT INTO index_pages (path, page_type, lang, first_fetched_at, last_fetched_at, last_outcome,"
        " last_ok_at, entries, entries_digest, last_changed_at) VALUES (?,?,?,?,?,?,?,?,?,?)"
        " ON CONFLICT(path) DO UPDATE SET last_fetched_at=excluded.last_fetched_at,"
        " last_outcome=excluded.last_outcome,"
        " last_ok_at=coalesce(excluded.last_ok_at, last_ok_at),"
        " entries=coalesce(excluded.entries, entries),"
        # The first successful read dates the page (_first_change); a changed list of entries is a change now.
        " last_changed_at=CASE WHEN excluded.entries_digest IS NULL THEN last_changed_at"
        "   WHEN entries_digest IS NULL THEN excluded.last_changed_at"
        "   WHEN excluded.entries_digest IS NOT entries_digest THEN ? ELSE last_changed_at END,"
        " entries_digest=coalesce(excluded.entries_digest, entries_digest)",
        (path, fetch.page_type, lang, now, now, fetch.outcome, now if read else None,
         fetch.entries if read else None, fetch.entries_digest if read else None,
         _first_change(fetch, now) if read else None, now),
    )


def _first_change(fetch: Fetch, now: str) -> str:
    """When a discovery page read for the first time last changed, as far as can be told.

    A page listing a statement the store did not know changed now: it is watched closely for a day (a new
    installation, a section that just started). A page listing only known statements (the store was
    upgraded or restored, the page is newly tracked) changed when its newest entry was published: a
    section quiet for weeks is not asked on every run for a day just because it is new to the bookkeeping.
    """
    newest = parse_timestamp(fetch.entries_newest)
    if fetch.entries_new != 0 or newest is None:
        return now
    return min(newest.astimezone(timezone.utc).replace(microsecond=0).isoformat(), now)


def store_raw(db: sqlite_utils.Database, fetch: Fetch, now: str) -> int | None:
    """Keep the raw response (zlib), once per distinct body; returns its id."""
    if fetch.body is None:
        return None
    digest = hashlib.sha256(fetch.body).hexdigest()
    row = db.conn.execute("SELECT id FROM raw_responses WHERE sha256=?", (digest,)).fetchone()
    if row:
        return int(row[0])
    cur = db.conn.execute(
        "INSERT INTO raw_responses (sha256, url, http_status, headers, body, fetched_at) VALUES (?,?,?,?,?,?)",
        (digest, fetch.url, fetch.http_status, json.dumps(fetch.headers, ensure_ascii=False),
         zlib.compress(fetch.body, 6), now),
    )
    return int(cur.lastrowid)


def load_raw(db: sqlite_utils.Database, raw_id: int) -> tuple[str, bytes] | None:
    """The (url, body) of a stored raw response."""
    row = db.conn.execute("SELECT url, body FROM raw_responses WHERE id=?", (raw_id,)).fetchone()
    return (row[0], zlib.decompress(row[1])) if row else None


@dataclass(frozen=True)
class Source:
    """Where a version's page is archived: a WARC response record, or (older databases) raw_responses."""

    raw_response_id: int | None = None
    warc_record_id: int | None = None
    warc_file: str | None = None
    warc_offset: int | None = None
    payload_digest: str | None = None

    @classmethod
    def of(cls, fetch: Fetch, raw_id: int | None) -> "Source":
        if fetch.warc is not None:
            w = fetch.warc
            return cls(None, w.payload_record_id, w.payload_file, w.payload_offset, w.payload_digest)
        return cls(raw_response_id=raw_id)

    @property
    def archived(self) -> bool:
        return self.raw_response_id is not None or self.warc_offset is not None


def version_source(db: sqlite_utils.Database, sid: str, lang: str, version: int) -> Source | None:
    row = db.conn.execute(
        "SELECT raw_response_id, warc_record_id, warc_file, warc_offset, payload_digest FROM versions"
        " WHERE statement_id=? AND lang=? AND version=?", (sid, lang, version)).fetchone()
    return Source(*row) if row else None


def load_source(db: sqlite_utils.Database, source: Source) -> tuple[str, bytes] | None:
    """The (url, body) of a version's archived page: from its WARC record, else from raw_responses.

    Raises store.warc.WarcError when the WARC record is missing or its digest does not match.
    """
    if source.warc_file is not None and source.warc_offset is not None:
        from store.warc import load_payload

        return load_payload(db, source.warc_file, source.warc_offset, source.payload_digest)
    if source.raw_response_id is not None:
        return load_raw(db, source.raw_response_id)
    return None


Reparser = Callable[[bytes, str], "dict[str, Any] | None"]


def record_page(db: sqlite_utils.Database, run_id: int | None, record: Mapping[str, Any], fetch: Fetch,
                reparse: Reparser | None = None) -> PageResult:
    """Store one parsed article atomically: statement, variant, raw response, fetch row and, if the
    normalised content changed, a new version.

    `reparse(raw_body, url)` re-reads an old raw response with the running parser. When the current
    version was made by another parser version, the old page is re-read first, so that a parser upgrade
    is recorded as a re-derived version (rederived=1) and never shows up as an edit.
    """
    now = utcnow()
    sid = statement_id(record["site"], record["source_id"])
    lang = record["lang"]
    paragraphs = list(record["paragraphs"])
    sha = content_sha256(record["title"], paragraphs)
    with transaction(db):
        conn = db.conn
        existing = conn.execute("SELECT 1 FROM statements WHERE id=?", (sid,)).fetchone()
        if existing is None:
            conn.execute(
                "INSERT INTO statements (id, site, source_id, section, kind, published_at, document_number,"
                " first_seen_at, last_seen_at, status) VALUES (?,?,?,?,?,?,?,?,?, 'active')",
                (sid, record["site"], int(record["source_id"]), record.get("section"), record.get("kind"),
                 record.get("published_at"), record.get("document_number"), now, now),
            )
        else:
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
        fetch.statement_id, fetch.lang = sid, lang
        # The page is kept once: in the WARC archive when the crawler archived it, else in raw_responses.
        source = Source.of(fetch, None if fetch.warc is not None else store_raw(db, fetch, now))
        variant = conn.execute(
            "SELECT current_version, content_sha256 FROM variants WHERE statement_id=? AND lang=?", (sid, lang)
        ).fetchone()
        written: int | None = None
        rederived = False
        if variant is None:
            conn.execute(
                "INSERT INTO variants (statement_id, lang, url, title, first_seen_at, status) VALUES (?,?,?,?,?, 'active')",
                (sid, lang, record["url"], record["title"], now),
            )
            written = _insert_version(db, sid, lang, 1, record, paragraphs, sha, now, run_id, source, False)
        elif variant[1] != sha:
            current = int(variant[0])
            old = conn.execute(
                "SELECT parser_version FROM versions WHERE statement_id=? AND lang=? AND version=?",
                (sid, lang, current),
            ).fetchone()
            old_source = version_source(db, sid, lang, current)
            if (reparse is not None and old and old[0] != record["parser_version"] and old_source is not None
                    and old_source.archived):
                raw = _load_quietly(db, old_source)
                fresh_old = reparse(raw[1], raw[0]) if raw else None
                if fresh_old is not None:
                    old_sha = content_sha256(fresh_old["title"], list(fresh_old["paragraphs"]))
                    if old_sha == sha:
                        # The page did not change; only our reading of it did.
                        written = _insert_version(db, sid, lang, current + 1, record, paragraphs, sha, now,
                                                  run_id, source, True)
                        rederived = True
                    elif old_sha != variant[1]:
                        # Re-read the old page first, so the edit is diffed parser-to-same-parser.
                        _insert_version(db, sid, lang, current + 1, fresh_old, list(fresh_old["paragraphs"]),
                                        old_sha, now, run_id, old_source, True)
                        current += 1
            if written is None:
                written = _insert_version(db, sid, lang, current + 1, record, paragraphs, sha, now,
                                          run_id, source, False)
        if written is not None:
            conn.execute(
                "UPDATE variants SET current_version=?, content_sha256=?, title=?, url=?,"
                " last_changed_at=CASE WHEN ? THEN last_changed_at ELSE ? END WHERE statement_id=? AND lang=?",
                (written, sha, record["title"], record["url"], rederived or variant is None, now, sid, lang),
            )
        if written is None and fetch.outcome == "ok":
            fetch.outcome = "unchanged"
        _touch_variant(db, fetch, now)
        _insert_fetch(db, run_id, fetch, now)
    return PageResult(sid, lang, existing is None, variant is None, written, rederived)


def _load_quietly(db: sqlite_utils.Database, source: Source) -> tuple[str, bytes] | None:
    """load_source for the crawl: a missing or damaged archive only means no re-derivation."""
    from store.warc import WarcError

    try:
        return load_source(db, source)
    except WarcError:
        return None


def insert_version(db: sqlite_utils.Database, sid: str, lang: str, number: int, record: Mapping[str, Any],
                   sha: str, now: str, run_id: int | None, source: Source, rederived: bool) -> int:
    """Append a version (the caller holds the transaction and updates the variant)."""
    return _insert_version(db, sid, lang, number, record, list(record["paragraphs"]), sha, now, run_id, source,
                           rederived)


def _insert_version(db: sqlite_utils.Database, sid: str, lang: str, number: int, record: Mapping[str, Any],
                    paragraphs: list[dict[str, Any]], sha: str, now: str, run_id: int | None,
                    source: Source, rederived: bool) -> int:
    body = record.get("body")
    if body is None:
        body = "\n\n".join(
            (f"{p['speaker']}: {p['text']}" if p.get("speaker") else p["text"]) for p in paragraphs
        )
    db.conn.execute(
        "INSERT INTO versions (statement_id, lang, version, title, body, paragraphs, content_sha256, published_at,"
        " document_number, captured_at, run_id, parser_version, raw_response_id, rederived, warc_record_id,"
        " warc_file, warc_offset, payload_digest) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (sid, lang, number, record["title"], body, json.dumps(paragraphs, ensure_ascii=False), sha,
         record.get("published_at"), record.get("document_number"), now, run_id,
         record.get("parser_version", "unknown"), source.raw_response_id, int(rederived), source.warc_record_id,
         source.warc_file, source.warc_offset, source.payload_digest),
    )
    return number
