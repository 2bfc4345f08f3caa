"""Run one crawl request in this process: plan it from the store, start Scrapy once, report how it ended."""
from __future__ import annotations

import os
import sys

from store.crawl_request import CrawlRequest
from store.exit_codes import ExitCode

# Scrapy's cookie middleware asks tldextract for the public suffix list, which it would download
# from the internet; the snapshot bundled with tldextract is enough, and a crawl must talk only to
# the configured host.
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")


def store_error_message(db: str, exc: object) -> str:
    """One line for a store that cannot be written (damaged, disk full, I/O error, read-only file or directory)."""
    from store.health import DAMAGE_MESSAGES, damaged_message

    if any(m in str(exc).lower() for m in DAMAGE_MESSAGES):
        return "error: " + damaged_message(db, str(exc)).replace("; nothing was written", "")
    return f"error: cannot write the database {db}: {exc} (is the disk full, or the file or directory read-only?)"


def load_scrapy() -> None:
    """Import Scrapy's TLS module first, near the bottom of the call stack (~15 ms instead of 60-110 ms).

    At import it builds three deprecated aliases, and each walks the whole call stack with inspect.stack(),
    which looks up every frame's module among all loaded ones: under the spiders' nested imports that stack
    is four times deeper. Every crawl child pays it once.
    """
    import scrapy.core.downloader.contextfactory  # noqa: F401


def run_crawl(request: CrawlRequest) -> ExitCode:
    """Crawl what the request asks into its run (opened and closed by the parent); the exit status."""
    import sqlite3

    load_scrapy()
    from scrapy.crawler import CrawlerProcess

    from crawler.pipeline import STORE_ERROR_STAT
    from crawler.settings import request_settings
    from crawler.spiders.archive import ArchiveSpider
    from crawler.spiders.mid import MidSpider
    from store.db import StoreError, open_db
    from store.timestamps import utcnow
    from store.variants import KnownVariants

    try:
        store = open_db(request.db, create=False)
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return ExitCode.FATAL
    try:
        plan = _plan(store, request)
        # What the store had when the crawl began, looked up one variant at a time while it runs.
        reader = open_db(request.db, readonly=True)
        plan["known"] = KnownVariants(reader, request.site, before=utcnow())
    except (sqlite3.OperationalError, StoreError) as exc:
        print(store_error_message(request.db, exc), file=sys.stderr)
        return ExitCode.FATAL
    finally:
        store.conn.close()
    settings = request_settings(request, progress=request.progress)
    process = CrawlerProcess(settings)
    set_log_levels(settings["LOG_LEVEL"], verbose=bool(request.verbose))
    spider = process.create_crawler(ArchiveSpider if request.site == "archive.mid.ru" else MidSpider)
    if request.parent_pid is not None:
        _stop_with_parent(request.parent_pid)
    process.crawl(spider, base_url=request.target, section_keys=list(request.sections) or None,
                  langs=list(request.langs) or None, since=request.since, max_pages=request.max_pages,
                  discover=request.discover, shard=request.shard, **plan)
    _tune_gc()
    process.start()
    failure = spider.stats.get_value(STORE_ERROR_STAT) if spider.stats is not None else None
    if failure:
        # The store could not be written (the pipeline stopped the crawl): one line, no traceback.
        print(store_error_message(request.db, failure), file=sys.stderr)
        return ExitCode.FATAL
    return ExitCode.OK


def set_log_levels(level: str, *, verbose: bool) -> None:
    """Scrapy's loggers at the crawl's level (call after Scrapy set up logging).

    Scrapy sets the level on its log handler only, so every request's "Crawled" and "Scraped" lines were built
    as records and then dropped (two per request). Without -v, requests that fail are not Scrapy's to report,
    line by line with tracebacks: the store records each one (fetches.outcome) and the parent sums them up in
    one line. Other errors (a bug) are still shown.
    """
    import logging

    logging.getLogger("scrapy").setLevel(level)
    if not verbose:
        for name in ("scrapy.downloadermiddlewares", "scrapy.core.downloader"):
            logging.getLogger(name).setLevel(logging.CRITICAL)


def _plan(store: object, request: CrawlRequest) -> dict[str, object]:
    """What the store says this crawl should fetch: due re-checks, the variants it has, listings not due."""
    from crawler.items import Recheck
    from store.discovery import index_pages_not_due, parse_discovery_policy
    from store.recheck import RecheckPolicy, parse_policy, variants_to_recheck

    policy = parse_policy(request.policy) if request.policy else RecheckPolicy()
    rechecks = [Recheck(**row) for row in variants_to_recheck(
        store, request.recheck, limit=request.max_requests, langs=list(request.langs) or None, policy=policy,
        site=request.site)]
    if request.shard is not None:
        index, count = request.shard
        rechecks = [r for r in rechecks if r.statement_id.rpartition(":")[2].isdigit()
                    and int(r.statement_id.rpartition(":")[2]) % count == index]
    return {"rechecks": rechecks, "skip_index": index_pages_not_due(store, policy=parse_discovery_policy(request.discovery))}


def _stop_with_parent(parent_pid: int, grace: float = 15.0) -> None:
    """The crawl stops when the process that started it dies (the child runs in a session of its own, so no
    signal of the parent's reaches it): a clean stop first (Scrapy's SIGINT handler), then an exit."""
    import signal
    import threading
    import time

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(0.5)
        print("error: the process that started this crawl has gone; stopping", file=sys.stderr)
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(grace)
        os._exit(ExitCode.INTERRUPTED)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _tune_gc() -> None:
    """Fewer, cheaper garbage collections in the crawler: ~7% less CPU over a mirror crawl.

    Every parsed page allocates thousands of objects (BeautifulSoup trees point to their parents, so they
    are cycles that only the collector frees); at the default threshold (700 allocations) it runs many times
    per page and each time walks the long-lived objects too. Freezing what start-up created takes those
    out of every collection; a higher first threshold lets a collection free several pages' trees at once
    (a few MB more at the peak, measured by the benchmark's peak-memory figure).
    """
    import gc

    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
