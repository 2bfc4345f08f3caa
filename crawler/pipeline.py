"""Scrapy item pipeline: hand every page and fetch outcome to the store, one transaction each."""
from __future__ import annotations

import sys
import time
from typing import Any

from crawler.parsers import ParseError, parse_article
from crawler.spiders.mid import FetchItem, PageItem
from store.db import open_db
from store.writes import record_fetch, record_page


def reparse(body: bytes, url: str) -> dict[str, Any] | None:
    """Re-read an archived raw response with the running parser (None if it no longer parses)."""
    try:
        return parse_article(body.decode("utf-8", errors="replace"), url)
    except ParseError:
        return None


class StorePipeline:
    """Writes items to the SQLite store; counts them for the progress line and the summary."""

    def __init__(self, db_path: str, run_id: int | None, progress: bool) -> None:
        self.db_path = db_path
        self.run_id = run_id
        self.progress = progress
        self.counts = {"pages": 0, "new_versions": 0, "new_variants": 0, "errors": 0, "challenges": 0}
        self._last_print = 0.0

    @classmethod
    def from_crawler(cls, crawler: Any) -> "StorePipeline":
        s = crawler.settings
        return cls(s.get("MW_DB"), s.getint("MW_RUN_ID") or None, s.getbool("MW_PROGRESS"))

    def open_spider(self, spider: Any = None) -> None:
        self.db = open_db(self.db_path)

    def close_spider(self, spider: Any = None) -> None:
        if self.progress:
            sys.stderr.write("\r" + " " * 78 + "\r")
            sys.stderr.flush()
        self.db.conn.close()

    def process_item(self, item: Any, spider: Any = None) -> Any:
        if isinstance(item, PageItem):
            result = record_page(self.db, self.run_id, item.record, item.fetch, reparse=reparse)
            self.counts["pages"] += 1
            if result.version is not None and not result.rederived:
                self.counts["new_versions"] += 1
            if result.new_variant:
                self.counts["new_variants"] += 1
        elif isinstance(item, FetchItem):
            record_fetch(self.db, self.run_id, item.fetch)
            outcome = item.fetch.outcome
            self.counts["pages"] += outcome != "robots"
            self.counts["challenges"] += outcome == "challenge"
            self.counts["errors"] += outcome in ("server_error", "rate_limited", "timeout",
                                                 "connection_error", "parse_error", "error")
        self._show_progress()
        return item

    def _show_progress(self) -> None:
        if not self.progress or time.monotonic() - self._last_print < 0.5:
            return
        self._last_print = time.monotonic()
        c = self.counts
        sys.stderr.write(f"\r  fetched {c['pages']} pages, {c['new_versions']} new versions, "
                         f"{c['errors']} errors, {c['challenges']} challenge pages ")
        sys.stderr.flush()
