"""Where a version's page is archived (a WARC record or a raw response), and reading it back."""
from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from store.raw import load_raw
from store.records import Fetch

# What a query whose versions alias is v joins to read its page's WARC location (w.warc_file, w.warc_offset,
# w.payload_digest): since schema 18 the WARC record alone says it.
WARC_OF_VERSION = "LEFT JOIN warc_records w ON w.id = v.warc_record_id"


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
    """Where the page behind one version is archived, or None for an unknown version."""
    row = db.conn.execute(
        "SELECT v.raw_response_id, v.warc_record_id, w.warc_file, w.warc_offset, w.payload_digest FROM versions v"
        f" {WARC_OF_VERSION} WHERE v.statement_id=? AND v.lang=? AND v.version=?", (sid, lang, version)).fetchone()
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


def load_source_quietly(db: sqlite_utils.Database, source: Source) -> tuple[str, bytes] | None:
    """load_source for the crawl: a missing or damaged archive only means nothing to re-read."""
    from store.warc import WarcError

    try:
        return load_source(db, source)
    except WarcError:
        return None
