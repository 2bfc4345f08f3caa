"""Run one part of a `crawl backfill` in this process: plan it from the store (what is left of each listing, index
query and variant's captures), start Scrapy once on the part's one host, report how it ended."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from crawler import sections
from crawler.cdx import capture_url, discovery_prefixes, variant_prefixes
from crawler.parsers.g1_urls import ARCHIVE_SECTIONS
from crawler.runner import _stop_with_parent, _tune_gc, load_scrapy, set_log_levels, store_error_message
from crawler.spiders.backfill import listing_chain
from store.crawl_request import CrawlRequest
from store.exit_codes import ExitCode


def run_backfill(request: CrawlRequest) -> ExitCode:
    """Crawl the backfill part the request names into its run (opened and closed by the parent)."""
    import sqlite3

    load_scrapy()
    from scrapy.crawler import CrawlerProcess

    from crawler.pipeline import STORE_ERROR_STAT
    from crawler.settings import request_settings
    from store.db import StoreError, open_db

    assert request.backfill is not None
    try:
        store = open_db(request.db, create=False)
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return ExitCode.FATAL
    try:
        spider_class, kwargs = _plan(store, request)
    except (sqlite3.OperationalError, StoreError) as exc:
        print(store_error_message(request.db, exc), file=sys.stderr)
        return ExitCode.FATAL
    finally:
        store.conn.close()
    settings = request_settings(request, progress=False)   # (the parent draws the backfill's own progress)
    estimate = request.backfill.phase == "estimate"
    settings["ITEM_PIPELINES"] = {} if estimate else {"crawler.backfill_pipeline.BackfillPipeline": 300}
    process = CrawlerProcess(settings)
    set_log_levels(settings["LOG_LEVEL"], verbose=bool(request.verbose))
    crawler = process.create_crawler(spider_class)
    if request.parent_pid is not None:
        _stop_with_parent(request.parent_pid)
    process.crawl(crawler, **kwargs)
    _tune_gc()
    process.start()
    failure = crawler.stats.get_value(STORE_ERROR_STAT) if crawler.stats is not None else None
    if failure:
        print(store_error_message(request.db, failure), file=sys.stderr)
        return ExitCode.FATAL
    if estimate and request.backfill.estimate_file:
        Path(request.backfill.estimate_file).write_text(json.dumps(crawler.spider.estimate), encoding="utf-8")
    return ExitCode.OK


def _plan(store: Any, request: CrawlRequest) -> tuple[type, dict[str, Any]]:
    """The spider of the request's part and what it is given: the rest of each chain, the queue, the captures."""
    from store.backfill import chains, pending
    from store.db import open_db
    from store.timestamps import utcnow
    from store.variants import KnownVariants

    spec = request.backfill
    assert spec is not None
    keys = list(request.sections) or list(sections.SECTIONS)
    langs = list(request.langs) or list(sections.LANGUAGES)
    common = {"base_url": request.target, "section_keys": keys, "langs": langs, "since": request.since}
    if spec.phase == "index":
        from crawler.spiders.webarchive import WebArchiveSpider

        return WebArchiveSpider, {"base_url": request.target, "site": request.site, "cdx_url": spec.cdx_url,
                                  "since": request.since, "langs": langs,
                                  "index_chains": _index_chains(store, request.site, keys, langs, request.since)}
    if spec.phase == "captures":
        from crawler.spiders.webarchive import WebArchiveSpider

        capture_chains, captures = _capture_work(store, request, keys, langs)
        return WebArchiveSpider, {"base_url": request.target, "site": request.site, "cdx_url": spec.cdx_url,
                                  "langs": langs, "capture_chains": capture_chains, "captures": captures}
    from crawler.spiders.backfill import ArchiveBackfillSpider, MidBackfillSpider

    site_kwargs = {**common, "sources": spec.sources, "until": spec.until, "shard": request.shard,
                   "progress": chains(store, f"listing {request.site} "),
                   "queue": pending(store, request.site, langs, request.since, spec.until),
                   # what the store had when the crawl began, looked up one variant at a time while it runs
                   "known": KnownVariants(open_db(request.db, readonly=True), request.site, before=utcnow())}
    if spec.phase == "estimate":
        from crawler.spiders.estimate import EstimateSpider

        return EstimateSpider, {**site_kwargs, "site": request.site, "delay": request.delay,
                                "pending_index": _index_chains(store, request.site, keys, langs, request.since),
                                "capture_work": _capture_work(store, request, keys, langs) if spec.captures else None}
    return (ArchiveBackfillSpider if request.site == "archive.mid.ru" else MidBackfillSpider), site_kwargs


def _index_chains(store: Any, site: str, keys: list[str], langs: list[str],
                  since: str | None) -> list[tuple[str, str, str | None]]:
    """(chain, URL prefix, resume key) of every index query of the site not read to its end."""
    from store.backfill import chains

    progress = chains(store, f"cdx {site} ")
    out = []
    for key in keys:
        for lang in langs:
            for prefix in discovery_prefixes(site, key, lang):
                # (asked `from` --since: a later backfill reaching further back asks its own query)
                chain = f"cdx {site} {key} {lang} {prefix}" + (f" from {since}" if since else "")
                state = progress.get(chain)
                if state is None or not state["complete"]:
                    out.append((chain, prefix, state["resume_key"] if state else None))
    return out


def _section_key(site: str, path: str | None) -> str | None:
    if site == "archive.mid.ru":
        return next((key for key, (p, _) in ARCHIVE_SECTIONS.items() if p == path), None)
    return sections.section_key(path)


def _capture_work(store: Any, request: CrawlRequest, keys: list[str],
                  langs: list[str]) -> tuple[list[tuple[str, str, str, str, str | None]], list[dict[str, Any]]]:
    """The index queries for the captures of every variant in scope not listed to the end, and the captures
    listed but not read yet."""
    from store.backfill import chains
    from store.captures import pending_captures, variants_in_scope

    spec = request.backfill
    assert spec is not None
    variants = [v for v in variants_in_scope(store, request.site, langs, request.since, spec.until)
                if _section_key(request.site, v["section"]) in keys]
    wanted = {(v["statement_id"], v["lang"]) for v in variants}
    progress = chains(store, "captures ")
    work = []
    for v in variants:
        for prefix in variant_prefixes(request.site, v["url"], v["lang"], also=v["section"]):
            chain = f"captures {v['statement_id']} {v['lang']} {prefix}"
            state = progress.get(chain)
            if state is None or not state["complete"]:
                work.append((chain, v["statement_id"], v["lang"], prefix, state["resume_key"] if state else None))
    # (each capture asked at the archive of this backfill, should --cdx-url have changed since it was listed)
    captures = [{**c, "url": capture_url(spec.archive_origin, c["timestamp"], c["original"])}
                for c in pending_captures(store, request.site, langs) if (c["statement_id"], c["lang"]) in wanted]
    return work, captures


__all__ = ["run_backfill", "listing_chain"]
