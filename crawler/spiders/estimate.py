"""`crawl backfill --dry-run`: what a backfill has left, from the store, and the first page of each listing of the
older portal not begun yet (its pager gives the number of pages). Stores nothing."""
from __future__ import annotations

from typing import Any, Iterable

import scrapy
from scrapy.http import Response

from crawler.parsers.g1_listing import parse_listing as parse_g1_listing
from crawler.parsers.g1_listing import parse_pager
from crawler.parsers.g1_urls import ARCHIVE_LANGS, ARCHIVE_SECTIONS, listing_url
from crawler.spiders.archive import DEFAULT_DELTA
from crawler.spiders.backfill import listing_chain


class EstimateSpider(scrapy.Spider):
    """Counts what is left; `estimate` is the result (JSON-ready) once the crawl has closed."""

    name = "backfill-estimate"

    def __init__(self, *, site: str, base_url: str, section_keys: Iterable[str], langs: Iterable[str],
                 sources: Iterable[str], progress: dict[str, dict[str, Any]], queue: list[Any],
                 pending_index: list[Any], capture_work: tuple[list[Any], list[Any]] | None, delay: float,
                 **kwargs: Any) -> None:
        for unused in ("since", "until", "known", "shard"):
            kwargs.pop(unused, None)
        super().__init__(**kwargs)
        self.site, self.base_url = site, base_url.rstrip("/")
        self.sources = set(sources)
        keys, langs = list(section_keys), list(langs)
        listings = []
        if "listings" in self.sources:
            from crawler import sections

            for lang in langs:
                for key in keys:
                    exists = (key in ARCHIVE_SECTIONS and lang in ARCHIVE_LANGS and (key != "comments" or lang == "ru")
                              if site == "archive.mid.ru" else bool(sections.listing_path(key, lang)))
                    if exists:
                        state = progress.get(listing_chain(site, key, lang)) or {}
                        listings.append({"chain": listing_chain(site, key, lang), "key": key, "lang": lang,
                                         "complete": bool(state.get("complete")),
                                         "pages_done": int(state.get("pages_done") or 0),
                                         "last_page": state.get("last_page"), "per_page": None})
        capture_chains, captures = capture_work or ([], [])
        self.estimate: dict[str, Any] = {
            "site": site, "delay": delay, "sources": sorted(self.sources), "listings": listings,
            "queue": len(queue), "index_chains": len(pending_index), "captures": capture_work is not None,
            "capture_chains": len(capture_chains), "captures_pending": len(captures), "probed": 0}

    async def start(self) -> Any:
        if self.site != "archive.mid.ru":
            return   # the current site's listings show no pager: their length is not known before reading them
        for item in self.estimate["listings"]:
            if not item["complete"] and item["pages_done"] == 0:
                path, instance = ARCHIVE_SECTIONS[item["key"]]
                yield scrapy.Request(listing_url(self.base_url, item["lang"], path, instance, 1, DEFAULT_DELTA),
                                     callback=self.parse, errback=self.failed, meta={"item": item})

    def parse(self, response: Response) -> None:
        item = response.meta["item"]
        self.estimate["probed"] += 1
        try:
            text = response.text
        except AttributeError:
            return
        pager = parse_pager(text, response.url)
        item["last_page"] = pager["last"] or 1
        item["per_page"] = len(parse_g1_listing(text, response.url))

    def failed(self, failure: Any) -> None:
        self.estimate["probed"] += 1
