"""Re-derived versions: today's parser reading of the page behind a current version, appended on top of it."""
from __future__ import annotations

from typing import Any, Mapping

import sqlite_utils

from store.sources import Source
from store.sql import transaction
from store.timestamps import utcnow
from store.variants import current_version
from store.versions import insert_version


def append_rederived(db: sqlite_utils.Database, sid: str, lang: str, on_top_of: int, record: Mapping[str, Any],
                     sha: str, source: Source, run_id: int | None, *, now: str | None = None) -> int | None:
    """Append `record` (re-read from `source`, the page behind version `on_top_of`) as version on_top_of + 1
    with rederived=1, and make it the variant's current one; returns its number.

    Nothing is written (None) when the variant's current version is no longer `on_top_of`: another writer
    moved on since it was read. The page did not change, only our reading of it, so the variant's
    last_changed_at stays; a Russian page's metadata is taken as in store.pages.record_page (a parser fix may
    correct it).
    """
    now = now or utcnow()
    with transaction(db):
        if current_version(db, sid, lang) != on_top_of:
            return None
        number = insert_version(db, sid, lang, on_top_of + 1, record, sha, now, run_id, source, True)
        db.conn.execute("UPDATE variants SET current_version=?, content_sha256=?, title=? WHERE statement_id=? AND lang=?",
                        (number, sha, record["title"], sid, lang))
        if lang == "ru":
            db.conn.execute(
                "UPDATE statements SET kind=coalesce(?, kind), published_at=coalesce(?, published_at),"
                " document_number=coalesce(?, document_number) WHERE id=?",
                (record.get("kind"), record.get("published_at"), record.get("document_number"), sid))
    return number
