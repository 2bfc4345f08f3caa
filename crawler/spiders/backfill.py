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
                if state is None:
                    requests.append(self._listing_request(lang, key, 1))
                elif not state["complete"] and not self._read_past_since(state):
                    requests.append(self._listing_request(lang, key, int(state["next_page"])))
        for _, lang, url in self.queue:
            request = self._follow(url, lang)   # type: ignore[attr-defined]
            if request is not None:
                requests.append(request)
        return requests

    def _read_past_since(self, state: dict[str, Any]) -> bool:
        """A listing already read back beyond --since: nothing it has left is wanted now (a later backfill
        with an earlier --since goes on from its next page)."""
        return bool(self.since and state.get("reached") and str(state["reached"])[:10] < self.since)

    # -- what a page found ------------------------------------------------------------------------------------

    def in_range(self, entries: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], bool]:
        """The listed entries published within [--since, --until], and whether the listing went past --since
        (listings run newest first: nothing older follows)."""
        found, too_old = [], False
        for entry in entries:
            day = (entry.get("published_at") or "")[:10]
            if day and self.since and day < self.since:
                too_old = True
            elif not (day and self.until and day > self.until):
                found.append(entry)
        return found, too_old

    def _listed(self, response: Response, listed: list[dict[str, Any]], *, ended: bool, too_old: bool,
                last_page: int | None = None) -> Iterator[Any]:
        """A listing page read: every entry queued with its date (those out of the dates wait for a backfill
        that asks for them), those within the dates fetched, the next page asked unless the listing ended or
        went past --since."""
        meta = response.meta
        lang = meta["lang"]
        entries = [(e["source_id"], lang, e["url"]) for e in listed]
        dates = {(e["source_id"], lang): e["published_at"] for e in listed if e.get("published_at")}
        fetch = self._index_read(response, listed).fetch   # type: ignore[attr-defined]
        yield ChainPage(fetch, listing_chain(self.site, meta["section"], lang), "listing", self.site, entries,
                        "listings", ended, next_page=None if ended else meta["page"] + 1, last_page=last_page,
                        dates=dates)
        wanted, _ = self.in_range(listed)
        yield from self._follow_all([(e["source_id"], lang, e["url"]) for e in wanted])
        if not ended and not too_old:
            yield self._listing_request(lang, meta["section"], meta["page"] + 1)   # type: ignore[attr-defined]

    def _gone(self, response: Response) -> ChainPage:
        """A listing that does not exist (404): read to its end."""
        meta = response.meta
        return ChainPage(self._fetch(response, Outcome.GONE),   # type: ignore[attr-defined]
                         listing_chain(self.site, meta["section"], meta["lang"]), "listing", self.site, [],
                         "listings", True)

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
        dates = {(own, lang): record["published_at"] for _, lang, _ in found["translation"] if record.get("published_at")}
        if "links" in self.sources and self._within_dates(record):
            found["links"] = self.linked(_decoded(response).text, response.url, own)
        fetch = self._fetch(response, Outcome.OK, keep_body=True)   # type: ignore[attr-defined]
        yield FoundPage(record, fetch, found=found, dates=dates)
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
            yield self._gone(response)
            return
        items, listed = self.read_index(response, parse_listing)
        yield from items
        if listed is None:
            return   # the anti-bot page, an error: this page is asked again by the next backfill
        _, too_old = self.in_range(listed)
        # past the last page, the site shows an empty list
        yield from self._listed(response, listed, ended=not listed, too_old=too_old)


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
        if response.status in GONE_STATUSES:
            yield self._gone(response)
            return
        items, parsed = self.read_index(
            response, lambda text, url: (parse_g1_listing(text, url), parse_pager(text, url)))
        yield from items
        if parsed is None:
            return
        listed, pager = parsed
        _, too_old = self.in_range(listed)
        if pager["last"] is not None:
            more = response.meta["page"] < pager["last"]
        else:
            more = len(listed) >= self.delta   # no pager shown: a full page may have a successor
        yield from self._listed(response, listed, ended=not listed or not more, too_old=too_old,
                                last_page=pager["last"])
