"""Spider for the older portal (G1, Liferay; archive.mid.ru): asset-publisher listings, every translation.

Same items, outcomes and re-check handling as ``MidSpider`` (it subclasses it); only what differs
is here: statement ids ``archive.mid.ru:<asset id>``, the G1 parsers, listing URLs with the
asset publisher's ``_cur``/``_delta`` parameters, and article URLs in the canonical G1 form
(``/<lang>/<section>/-/asset_publisher/<instance>/content/id/<asset>?p_p_id=…&…_languageId=ll_CC``).
No RSS exists on the portal.

Note: the real site's robots.txt disallows ``/-/asset_publisher/`` and ``p_p_id`` URLs, so with
robots.txt obeyed (the default) nothing of the archive can be fetched; ``--ignore-robots`` is
needed, and a generous ``--delay`` is then the user's responsibility.
"""
from __future__ import annotations

import time
from typing import Any, Iterable, Iterator

import scrapy
from scrapy.http import Response

from crawler.parsers.g1_article import parse_article as parse_g1_article
from crawler.parsers.g1_listing import parse_listing as parse_g1_listing
from crawler.parsers.g1_listing import parse_pager
from crawler.parsers.g1_urls import (
    ARCHIVE_LANGS, ARCHIVE_SECTIONS, SITE, canonical_article_url, listing_url, split_g1_url,
)
from crawler.items import FetchItem, Recheck
from crawler.spiders.mid import INDEX_STATUSES, MidSpider
from store.outcomes import Outcome

__all__ = ["ArchiveSpider", "DEFAULT_DELTA"]

DEFAULT_DELTA = 20
# Sections that exist under one language prefix only (§3.2: /ru/kommentarii).
_ONLY_LANG = {"comments": "ru"}


class ArchiveSpider(MidSpider):
    """Crawl archive.mid.ru (or a mirror at base_url): listings, every translation, re-checks."""

    name = "archive"
    site = SITE

    def __init__(self, base_url: str = "https://archive.mid.ru", section_keys: Iterable[str] | None = None,
                 langs: Iterable[str] | None = None, since: str | None = None, max_pages: int = 1,
                 rechecks: Iterable[Recheck] = (), discover: bool = True, delta: int = DEFAULT_DELTA,
                 **kwargs: Any) -> None:
        kwargs.pop("feeds", None)
        super().__init__(base_url=base_url, section_keys=section_keys or list(ARCHIVE_SECTIONS),
                         langs=langs or ARCHIVE_LANGS, since=since, max_pages=max_pages,
                         rechecks=rechecks, discover=discover, feeds=False, **kwargs)
        self.delta = max(1, int(delta))

    # -- what to fetch ---------------------------------------------------------------------------

    def discovery_requests(self) -> list[scrapy.Request]:
        """Page 1 of each section's listing in each language the portal has it in (no feeds)."""
        requests: list[scrapy.Request] = []
        for lang in self.langs:
            if lang not in ARCHIVE_LANGS:
                continue
            for key in self.section_keys:
                if key not in ARCHIVE_SECTIONS or _ONLY_LANG.get(key, lang) != lang:
                    continue
                requests.append(self._listing_request(lang, key, 1))
        return requests

    def _listing_request(self, lang: str, key: str, page: int) -> scrapy.Request:
        path, instance = ARCHIVE_SECTIONS[key]
        return scrapy.Request(
            listing_url(self.base_url, lang, path, instance, page, self.delta),
            callback=self.parse_listing, errback=self.failed,
            meta={"page_type": "listing", "lang": lang, "section": key, "page": page,
                  "handle_httpstatus_list": INDEX_STATUSES},
        )

    def _article_request(self, url: str, lang: str, source_id: int, *, headers: dict[str, str] | None = None,
                         recheck: bool = False, priority: int = 0) -> scrapy.Request:
        parts = split_g1_url(url)
        if parts is not None:
            url = canonical_article_url(url, lang, parts.section, parts.instance, parts.asset_id)
        return scrapy.Request(
            url, callback=self.parse_article, errback=self.failed, headers=headers or None, priority=priority,
            meta={"page_type": "article", "lang": lang, "source_id": source_id, "recheck": recheck,
                  "handle_httpstatus_all": True, "started": time.monotonic()},
        )

    # -- hooks used by MidSpider's callbacks ----------------------------------------------------

    def source_id_of(self, url: str) -> int | None:
        parts = split_g1_url(url)
        return parts.asset_id if parts is not None else None

    def parse_record(self, html: str, url: str) -> dict[str, Any]:
        return parse_g1_article(html, url)

    # -- callbacks -------------------------------------------------------------------------------

    def parse_listing(self, response: Response) -> Iterator[Any]:
        meta = response.meta
        # (The comments section exists under /ru/ only: other languages answer 404, recorded as 'gone'.)
        items, parsed = self.read_index(
            response, lambda text, url: (parse_g1_listing(text, url), parse_pager(text, url)))
        yield from items
        if parsed is None:
            return
        entries, pager = parsed
        yield FetchItem(self._fetch(response, Outcome.OK), extra={"entries": len(entries), "pager": pager})
        requests, too_old = self.follow_entries(entries, meta["lang"])
        yield from requests
        page = meta["page"]
        if pager["last"] is not None:
            more = page < pager["last"]
        else:
            more = len(entries) >= self.delta  # no pager shown: a full page may have a successor
        if entries and more and not too_old and page < self.max_pages:
            yield self._listing_request(meta["lang"], meta["section"], page + 1)
