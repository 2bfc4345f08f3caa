"""The backfill's item pipeline: pages and fetches as in a crawl, plus each item's bookkeeping in the same
transaction (a listing page with the statements it listed, an article with the variants it points to, an index
answer with its resume key, a capture with the version it became), so a backfill killed at any moment continues
where its store says it stopped. Capture responses go into the WARC archive like article responses."""
from __future__ import annotations

from typing import Any

from crawler.backfill_items import CaptureRead, CapturesListed, ChainPage, FoundPage
from crawler.items import FetchItem
from crawler.pipeline import StorePipeline, reparse
from store.backfill import save_listing_page, settle, enqueue
from store.captures import record_capture, refuse_capture, save_captures_page
from store.fetches import record_fetch
from store.outcomes import ERROR_OUTCOMES, Outcome
from store.pages import record_page
from store.sql import transaction


class BackfillPipeline(StorePipeline):
    """StorePipeline for `crawl backfill`'s crawler children."""

    archived_page_types = ("article", "capture")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.counts.update({"chain_pages": 0, "queued": 0, "captures_listed": 0, "captures_read": 0,
                            "capture_versions": 0})

    def process_item(self, item: Any, spider: Any = None) -> Any:
        # Every item committed at once (a crawl batches 100): after a kill, only the requests whose answers were
        # still in flight are asked again. At a backfill's pace (a request a second) the commits cost nothing.
        item = super().process_item(item, spider)
        if self._pending:
            self._flush_safely()
        return item

    def _write(self, item: Any) -> None:
        if isinstance(item, FoundPage):
            self._found_page(item)
        elif isinstance(item, ChainPage):
            with transaction(self.db):
                self._fetch(item.fetch)
                self.counts["queued"] += save_listing_page(
                    self.db, item.site, item.chain, entries=item.entries, via=item.via, complete=item.complete,
                    next_page=item.next_page, last_page=item.last_page, resume_key=item.resume_key, kind=item.kind,
                    dates=item.dates)
            self.counts["chain_pages"] += 1
        elif isinstance(item, CapturesListed):
            with transaction(self.db):
                self._fetch(item.fetch)
                self.counts["captures_listed"] += save_captures_page(
                    self.db, item.chain, item.statement_id, item.lang, item.rows, complete=item.complete,
                    resume_key=item.resume_key)
        elif isinstance(item, CaptureRead):
            self._capture(item)
        elif isinstance(item, FetchItem):
            with transaction(self.db):
                super()._write(item)
                self._settle(item.fetch)
        else:
            super()._write(item)

    def _found_page(self, item: FoundPage) -> None:
        """The article (as `crawl run` stores it), the variants it points to queued, its own queue entry settled."""
        with transaction(self.db):
            result = record_page(self.db, self.run_id, item.record, item.fetch, reparse=reparse)
            site = item.record["site"]
            for via, entries in item.found.items():
                self.counts["queued"] += enqueue(self.db, site, entries, via, dates=item.dates)
            settle(self.db, site, int(item.record["source_id"]), result.lang, item.fetch.outcome)
        self.counts["pages"] += 1
        self.counts["new_versions"] += result.version is not None and not result.rederived
        self.counts["new_variants"] += result.new_variant

    def _capture(self, item: CaptureRead) -> None:
        if item.record is not None:
            result = record_capture(self.db, self.run_id, item.capture, item.record, item.fetch)
            self.counts["capture_versions"] += result.new
        else:
            refuse_capture(self.db, self.run_id, item.capture, item.fetch, permanent=item.permanent)
            self.counts["errors"] += item.fetch.outcome in ERROR_OUTCOMES
        self.counts["captures_read"] += 1
        self.counts["pages"] += 1

    def _fetch(self, fetch: Any) -> None:
        record_fetch(self.db, self.run_id, fetch)
        self.counts["pages"] += fetch.outcome != Outcome.ROBOTS
        self.counts["errors"] += fetch.outcome in ERROR_OUTCOMES

    def _settle(self, fetch: Any) -> None:
        """An article fetch that stored nothing: what it says about the queued variant (gone, or tried once more)."""
        if fetch.page_type != "article" or not fetch.statement_id or not fetch.lang:
            return
        site, _, source_id = fetch.statement_id.rpartition(":")
        if source_id.isdigit():
            settle(self.db, site, int(source_id), fetch.lang, fetch.outcome)
