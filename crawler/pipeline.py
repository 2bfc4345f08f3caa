"""Scrapy item pipeline: hand every page and fetch outcome to the store, one transaction each."""
from __future__ import annotations

import os
import sys
import time
from typing import Any

from crawler.encoding import decode_html
from crawler.parsers import ParseError, parse_any_article
from crawler.spiders.mid import FetchItem, PageItem
from store.db import open_db
from store.warc import DEFAULT_MAX_SIZE, ENV_DIR, ENV_MAX_SIZE, WarcArchive, WarcRef, default_warc_dir, parse_size
from store.writes import record_fetch, record_page


def reparse(body: bytes, url: str) -> dict[str, Any] | None:
    """Re-read an archived raw response with the running parser (None if it no longer parses)."""
    try:
        return parse_any_article(decode_html(body).text, url)
    except ParseError:
        return None


class StorePipeline:
    """Writes items to the SQLite store; counts them for the progress line and the summary."""

    def __init__(self, db_path: str, run_id: int | None, progress: bool, warc_dir: str | None = None,
                 warc_max_size: int = DEFAULT_MAX_SIZE) -> None:
        self.db_path = db_path
        self.run_id = run_id
        self.progress = progress
        self.warc_dir = warc_dir or str(default_warc_dir(db_path))
        self.warc_max_size = warc_max_size
        self.archive: WarcArchive | None = None
        self._archived: dict[str, WarcRef] = {}   # response url -> where it was archived, until its item
        self.counts = {"pages": 0, "new_versions": 0, "new_variants": 0, "errors": 0, "challenges": 0}
        self._last_print = 0.0

    @classmethod
    def from_crawler(cls, crawler: Any) -> "StorePipeline":
        from scrapy import signals

        s = crawler.settings
        size = s.get("MW_WARC_MAX_SIZE") or os.environ.get(ENV_MAX_SIZE) or DEFAULT_MAX_SIZE
        pipeline = cls(s.get("MW_DB"), s.getint("MW_RUN_ID") or None, s.getbool("MW_PROGRESS"),
                       warc_dir=s.get("MW_WARC_DIR") or os.environ.get(ENV_DIR) or None,
                       warc_max_size=parse_size(size))
        # Every response to an article request is archived as it arrives, before the spider sees it.
        crawler.signals.connect(pipeline.response_received, signal=signals.response_received)
        return pipeline

    def open_spider(self, spider: Any = None) -> None:
        self.db = open_db(self.db_path)
        self.archive = WarcArchive(self.db, self.warc_dir, self.warc_max_size)

    def close_spider(self, spider: Any = None) -> None:
        if self.progress:
            sys.stderr.write("\r" + " " * 78 + "\r")
            sys.stderr.flush()
        if self.archive is not None:
            self.archive.close()
        self.db.conn.close()

    def response_received(self, response: Any, request: Any, **kwargs: Any) -> None:
        """Write the exchange of an article page to the WARC archive (request and response records)."""
        if self.archive is None or request.meta.get("page_type") != "article":
            return
        sent = response.request if response.request is not None else request
        headers = [(k.decode("latin-1"), v.decode("latin-1"))
                   for k, values in response.headers.items() for v in values]
        req_headers = [(k.decode("latin-1"), v.decode("latin-1"))
                       for k, values in sent.headers.items() for v in values]
        protocol = getattr(response, "protocol", None) or "HTTP/1.1"
        ip = getattr(response, "ip_address", None)
        self._archived[response.url] = self.archive.write_exchange(
            url=response.url, status=response.status, body=response.body, response_headers=headers,
            request_headers=req_headers, method=sent.method, protocol=protocol,
            ip_address=str(ip) if ip else None)

    def process_item(self, item: Any, spider: Any = None) -> Any:
        fetch = getattr(item, "fetch", None)
        if fetch is not None and fetch.page_type == "article" and fetch.warc is None:
            fetch.warc = self._archived.pop(fetch.url, None)
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
                                                 "connection_error", "parse_error", "error", "offsite")
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
