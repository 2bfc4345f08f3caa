"""Scrapy item pipeline: hand every page and fetch outcome to the store, in batched transactions.

Items are buffered and written BATCH_PAGES at a time (or every BATCH_SECONDS, or at the end) in one
transaction; each page inside it is its own savepoint, so a page is still written whole or not at all.
A crash loses at most the uncommitted batch, which the next run simply fetches again.
"""
from __future__ import annotations

import sqlite3
import sys
import time
from typing import Any

from crawler.encoding import decode_html
from crawler.parsers import ParseError, parse_any_article
from crawler.items import FetchItem, PageItem
from store.db import open_db
from store.warc import DEFAULT_MAX_SIZE, WarcArchive, WarcRef, default_warc_dir, parse_size
from store.fetches import record_fetch
from store.outcomes import ERROR_OUTCOMES, Outcome
from store.health import is_damage
from store.pages import record_page
from store.sql import transaction

BATCH_PAGES = 100
BATCH_SECONDS = 1.0
# Problems of the store itself (disk full, I/O error, read-only): no page can be written, stop the crawl.
STORE_ERRORS = (sqlite3.DatabaseError, OSError)
STORE_ERROR_STAT = "mw/store_error"


def reparse(body: bytes, url: str) -> dict[str, Any] | None:
    """Re-read an archived raw response with the running parser (None if it no longer parses)."""
    try:
        return parse_any_article(decode_html(body).text, url)
    except ParseError:
        return None


class StorePipeline:
    """Writes items to the SQLite store; counts them for the progress line and the summary."""

    # The requests whose responses go into the WARC archive (a backfill adds its web-archive captures).
    archived_page_types: tuple[str, ...] = ("article",)

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
        self._pending: list[Any] = []
        self._pending_since = 0.0
        self._timer: Any = None
        self.crawler: Any = None
        self.store_error: str | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> "StorePipeline":
        from scrapy import signals

        s = crawler.settings
        size = s.get("MW_WARC_MAX_SIZE")
        pipeline = cls(s.get("MW_DB"), s.getint("MW_RUN_ID") or None, s.getbool("MW_PROGRESS"),
                       warc_dir=s.get("MW_WARC_DIR") or None,
                       warc_max_size=parse_size(size) if size else DEFAULT_MAX_SIZE)
        # Every response to an article request is archived as it arrives, before the spider sees it.
        crawler.signals.connect(pipeline.response_received, signal=signals.response_received)
        pipeline.crawler = crawler
        return pipeline

    def _store_failed(self, exc: BaseException, *, stop: bool = True) -> None:
        """The store cannot be written: remember why (the CLI reports it in one line) and stop the crawl;
        fetching on would only throw pages away."""
        if self.store_error is not None:
            return
        self.store_error = f"{exc}" or type(exc).__name__
        if self.crawler is None:
            return
        if self.crawler.stats is not None:
            self.crawler.stats.set_value(STORE_ERROR_STAT, self.store_error)
        if stop and self.crawler.engine is not None:
            from scrapy.utils.defer import deferred_from_coro

            deferred_from_coro(self.crawler.engine.close_spider_async(reason="store_error"))

    def open_spider(self, spider: Any = None) -> None:
        self.db = open_db(self.db_path)
        self.archive = WarcArchive(self.db, self.warc_dir, self.warc_max_size)
        try:  # flush a quiet batch after BATCH_SECONDS even when no further item arrives
            from twisted.internet import task

            self._timer = task.LoopingCall(self._flush_if_old)
            self._timer.start(BATCH_SECONDS, now=False)
        except Exception:  # noqa: BLE001 - no reactor (unit tests): batches flush on size and at close
            self._timer = None

    def close_spider(self, spider: Any = None) -> None:
        if self._timer is not None and self._timer.running:
            self._timer.stop()
        try:
            self.flush()
        except STORE_ERRORS as exc:
            self._store_failed(exc, stop=False)
        if self.progress:
            sys.stderr.write("\r" + " " * 78 + "\r")
            sys.stderr.flush()
        try:
            if self.archive is not None:
                self.archive.close()
            self.db.conn.close()
        except STORE_ERRORS as exc:
            self._store_failed(exc, stop=False)

    def response_received(self, response: Any, request: Any, **kwargs: Any) -> None:
        """Write the exchange of an article page to the WARC archive (request and response records).

        A 304 is not archived: it carries no page, only "what you have is still current", and that is recorded
        in `fetches` (time, status, validators); the page it confirms is in the record the current version names.
        Re-checks are mostly 304s, and archiving them cost ~0.3 ms and ~700 bytes each, forever."""
        if (self.archive is None or request.meta.get("page_type") not in self.archived_page_types
                or self.store_error or response.status == 304):
            return
        sent = response.request if response.request is not None else request
        headers = [(k.decode("latin-1"), v.decode("latin-1"))
                   for k, values in response.headers.items() for v in values]
        # (a page fetched by the browser: what the browser sent, crawler/wall.py)
        req_headers = sent.meta.get("sent_headers") or [(k.decode("latin-1"), v.decode("latin-1"))
                                                        for k, values in sent.headers.items() for v in values]
        protocol = getattr(response, "protocol", None) or "HTTP/1.1"
        ip = getattr(response, "ip_address", None)
        try:
            self._archived[response.url] = self.archive.write_exchange(
                url=response.url, status=response.status, body=response.body, response_headers=headers,
                request_headers=req_headers, method=sent.method, protocol=protocol,
                ip_address=str(ip) if ip else None)
        except STORE_ERRORS as exc:
            self._store_failed(exc)

    def process_item(self, item: Any, spider: Any = None) -> Any:
        if self.store_error:
            return item   # the crawl is stopping: nothing can be stored
        fetch = getattr(item, "fetch", None)
        if fetch is not None and fetch.page_type in self.archived_page_types and fetch.warc is None:
            fetch.warc = self._archived.pop(fetch.url, None)
        if not self._pending:
            self._pending_since = time.monotonic()
        self._pending.append(item)
        if len(self._pending) >= BATCH_PAGES or time.monotonic() - self._pending_since >= BATCH_SECONDS:
            self._flush_safely()
        return item

    def _flush_if_old(self) -> None:
        if self._pending and time.monotonic() - self._pending_since >= BATCH_SECONDS:
            self._flush_safely()

    def _flush_safely(self) -> None:
        try:
            self.flush()
        except STORE_ERRORS as exc:
            self._store_failed(exc)

    def flush(self) -> None:
        """Write the buffered items in one transaction (one savepoint per page)."""
        items, self._pending = self._pending, []
        if not items:
            return
        with transaction(self.db):
            for item in items:
                try:
                    self._write(item)
                except STORE_ERRORS as exc:
                    if isinstance(exc, (sqlite3.OperationalError, OSError)) or is_damage(exc):
                        raise   # not this page's fault: the whole batch is rolled back and the crawl stops
                    sys.stderr.write(f"error: could not store {getattr(item.fetch, 'url', '?')}: "
                                     f"{type(exc).__name__}: {exc}\n")
                except Exception as exc:  # noqa: BLE001 - that page is rolled back alone; keep the others
                    sys.stderr.write(f"error: could not store {getattr(item.fetch, 'url', '?')}: "
                                     f"{type(exc).__name__}: {exc}\n")
        self._show_progress()

    def _write(self, item: Any) -> None:
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
            self.counts["pages"] += outcome != Outcome.ROBOTS
            self.counts["challenges"] += outcome == Outcome.CHALLENGE
            self.counts["errors"] += outcome in ERROR_OUTCOMES

    def _show_progress(self) -> None:
        if not self.progress or time.monotonic() - self._last_print < 0.5:
            return
        self._last_print = time.monotonic()
        c = self.counts
        sys.stderr.write(f"\r  fetched {c['pages']} pages, {c['new_versions']} new versions, "
                         f"{c['errors']} errors, {c['challenges']} challenge pages ")
        sys.stderr.flush()
