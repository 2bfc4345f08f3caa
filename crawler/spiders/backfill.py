"""The site's part of a backfill: every listing page newest to oldest, continuing where the store says the last
backfill stopped; the statements queued by the web archive's index or by earlier pages; the links inside articles.

Each listing page is handed to the store with what it listed (one transaction), each article with the variants it
points to (its translations, and with `--source links` the statements it links to), so that whatever a killed
backfill had found is in the queue when it continues. Re-checks, feeds and adaptive discovery are `crawl run`'s.
"""
from __future__ import annotations

from typing import Any, Iterable, Iterator
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response

from crawler import sections
from crawler.backfill_items import ChainPage, Entry, FoundPage
from crawler.cdx import variant_of
from crawler.outcomes import GONE_STATUSES
from crawler.parsers import parse_listing
from crawler.parsers.g1_listing import parse_listing as parse_g1_listing
from crawler.parsers.g1_listing import parse_pager
from crawler.parsers.g1_urls import ARCHIVE_LANGS, ARCHIVE_SECTIONS, split_g1_url
from crawler.parsers.links import page_links
from crawler.spiders.archive import ArchiveSpider
from crawler.spiders.mid import MidSpider, _decoded
from store.outcomes import Outcome

_SITE_HOSTS = {"mid.ru": {"mid.ru", "www.mid.ru"}, "archive.mid.ru": {"archive.mid.ru", "mid.ru", "www.mid.ru"}}


def listing_chain(site: str, key: str, lang: str) -> str:
    """The progress name of one listing (a section in one language)."""
    return f"listing {site} {key} {lang}"


class BackfillMixin:
    """What a backfill adds to a site's spider (MidSpider or ArchiveSpider below)."""

    site: str
    base_url: str
    langs: list[str]
    section_keys: list[str]
    since: str | None

    def setup_backfill(self, sources: Iterable[str], until: str | None, progress: dict[str, dict[str, Any]],
                       queue: Iterable[Entry]) -> None:
        self.sources = set(sources)
        self.until = until
        self.progress = progress          # chain -> its row in backfill_progress (listings begun)
        self.queue = list(queue)          # variants queued and not stored yet

    def listing_chains(self) -> list[tuple[str, str]]:
        """(lang, section key) of every listing of the site in scope."""
        raise NotImplementedError

    def discovery_requests(self) -> list[scrapy.Request]:
        """The next page of every listing not read to its end, then every variant waiting in the queue."""
        requests: list[scrapy.Request] = []
        if "listings" in self.sources:
            for lang, key in self.listing_chains():
                state = self.progress.get(listing_chain(self.site, key, lang))
                if state is None or not state["complete"]:
                    requests.append(self._listing_request(lang, key, int(state["next_page"]) if state else 1))
        for _, lang, url in self.queue:
            request = self._follow(url, lang)   # type: ignore[attr-defined]
            if request is not None:
                requests.append(request)
        return requests

    # -- what a page found ------------------------------------------------------------------------------------

    def in_range(self, entries: list[dict[str, Any]], lang: str) -> tuple[list[Entry], bool]:
        """The listed entries published within [--since, --until], and whether the listing went past --since
        (listings run newest first: nothing older follows)."""
        found, too_old = [], False
        for entry in entries:
            day = (entry.get("published_at") or "")[:10]
            if day and self.since and day < self.since:
                too_old = True
            elif not (day and self.until and day > self.until):
                found.append((entry["source_id"], lang, entry["url"]))
        return found, too_old

    def _chain_page(self, response: Response, entries: list[Entry], *, complete: bool,
                    last_page: int | None = None, listed: list[dict[str, Any]] | None = None) -> ChainPage:
        meta = response.meta
        fetch = (self._index_read(response, listed).fetch if listed is not None   # type: ignore[attr-defined]
                 else self._fetch(response, Outcome.GONE))                  # type: ignore[attr-defined]
        return ChainPage(fetch, listing_chain(self.site, meta["section"], meta["lang"]), "listing", self.site,
                         entries, "listings", complete, next_page=None if complete else meta["page"] + 1,
                         last_page=last_page)

    def _follow_all(self, entries: list[Entry]) -> Iterator[scrapy.Request]:
        for _, lang, url in entries:
            request = self._follow(url, lang)   # type: ignore[attr-defined]
            if request is not None:
                yield request

    def _article_page(self, response: Response) -> Iterator[Any]:
        """An article: stored with the variants it points to (queued in the same transaction), then followed."""
        items, record = self._read_article(response)   # type: ignore[attr-defined]
        yield from items
        if record is None:
            return
        own = record["source_id"]
        found: dict[str, list[Entry]] = {"translation": [
            (own, lang, url) for lang, url in (record.get("languages") or {}).items()
            if lang in self.langs and lang != record["lang"]]}
        if "links" in self.sources and self._within_dates(record):
            found["links"] = self.linked(_decoded(response).text, response.url, own)
        yield FoundPage(record, self._fetch(response, Outcome.OK, keep_body=True), found=found)  # type: ignore[attr-defined]
        for entries in found.values():
            yield from self._follow_all(entries)

    def _within_dates(self, record: dict[str, Any]) -> bool:
        """Links are followed from statements within [--since, --until] only: the walk back through "previous
        briefing" links stops at the first statement out of range."""
        day = (record.get("published_at") or "")[:10]
        return not day or ((not self.since or day >= self.since) and (not self.until or day <= self.until))

    def linked(self, html: str, url: str, own: int) -> list[Entry]:
        """Statements of the site in scope that a page links to (related materials, the previous briefing)."""
        hosts = _SITE_HOSTS[self.site] | {urlsplit(self.base_url).hostname or ""}
        out: list[Entry] = []
        for link in page_links(html, url):
            if urlsplit(link).hostname not in hosts:
                continue
            found = variant_of(self.site, link)
            if found is None or found[0] == own or found[1] not in self.langs or not self._in_sections(link):
                continue
            out.append((found[0], found[1], link))
        return out

    def _in_sections(self, url: str) -> bool:
        raise NotImplementedError


class MidBackfillSpider(BackfillMixin, MidSpider):
    """The current site: listing pages by `?PAGEN_1=` (robots.txt forbids them: `--ignore-robots`), the queue, links."""

    name = "mid-backfill"

    def __init__(self, *, sources: Iterable[str] = ("links",), until: str | None = None,
                 progress: dict[str, dict[str, Any]] | None = None, queue: Iterable[Entry] = (), **kwargs: Any) -> None:
        kwargs.update(feeds=False, rechecks=(), skip_index=())
        super().__init__(**kwargs)
        self.setup_backfill(sources, until, progress or {}, queue)

    def listing_chains(self) -> list[tuple[str, str]]:
        return [(lang, key) for lang in self.langs for key in self.section_keys if sections.listing_path(key, lang)]

    def _in_sections(self, url: str) -> bool:
        _, section, _ = sections.split_article_path(urlsplit(url).path)
        return sections.section_key(section) in self.section_keys

    def parse_listing(self, response: Response) -> Iterator[Any]:
        if response.status in GONE_STATUSES:   # no such section in this language: nothing to read there
            yield self._chain_page(response, [], complete=True)
            return
        items, listed = self.read_index(response, parse_listing)
        yield from items
        if listed is None:
            return   # the anti-bot page, an error: this page is asked again by the next backfill
        entries, too_old = self.in_range(listed, response.meta["lang"])
        complete = not listed or too_old   # past the last page, the site shows an empty list
        yield self._chain_page(response, entries, complete=complete, listed=listed)
        yield from self._follow_all(entries)
        if not complete:
            yield self._listing_request(response.meta["lang"], response.meta["section"], response.meta["page"] + 1)


class ArchiveBackfillSpider(BackfillMixin, ArchiveSpider):
    """The older portal: every page of every listing by its pager (`_cur`), the queue, links."""

    name = "archive-backfill"

    def __init__(self, *, sources: Iterable[str] = ("listings", "links"), until: str | None = None,
                 progress: dict[str, dict[str, Any]] | None = None, queue: Iterable[Entry] = (), **kwargs: Any) -> None:
        kwargs.update(rechecks=(), skip_index=())
        super().__init__(**kwargs)
        self.setup_backfill(sources, until, progress or {}, queue)

    def listing_chains(self) -> list[tuple[str, str]]:
        return [(lang, key) for lang in self.langs if lang in ARCHIVE_LANGS for key in self.section_keys
                if key in ARCHIVE_SECTIONS and (key != "comments" or lang == "ru")]

    def _in_sections(self, url: str) -> bool:
        parts = split_g1_url(url)
        return parts is not None and any(path == parts.section for key, (path, _) in ARCHIVE_SECTIONS.items()
                                         if key in self.section_keys)

    def parse_listing(self, response: Response) -> Iterator[Any]:
        meta = response.meta
        if response.status in GONE_STATUSES:
            yield self._chain_page(response, [], complete=True)
            return
        items, parsed = self.read_index(
            response, lambda text, url: (parse_g1_listing(text, url), parse_pager(text, url)))
        yield from items
        if parsed is None:
            return
        listed, pager = parsed
        entries, too_old = self.in_range(listed, meta["lang"])
        if pager["last"] is not None:
            more = meta["page"] < pager["last"]
        else:
            more = len(listed) >= self.delta   # no pager shown: a full page may have a successor
        complete = not listed or too_old or not more
        yield self._chain_page(response, entries, complete=complete, last_page=pager["last"], listed=listed)
        yield from self._follow_all(entries)
        if not complete:
            yield self._listing_request(meta["lang"], meta["section"], meta["page"] + 1)
