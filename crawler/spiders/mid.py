"""Spider for the current mid.ru: listings and RSS for discovery, articles in every language, re-checks of known variants."""
from __future__ import annotations

import time
from collections.abc import Container
from typing import Any, AsyncIterator, Iterable, Iterator
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler import sections
from crawler.encoding import Decoded, decode_html, declared_charset
from crawler.fetches import fetch_of_failure, fetch_of_index, fetch_of_response
from crawler.items import FetchItem, PageItem, Recheck
from crawler.outcomes import GONE_STATUSES, REDIRECT_STATUSES, outcome_of_failure, outcome_of_status
from crawler.parsers import ChallengePage, ParseError, is_challenge, parse_article, parse_feed, parse_listing
from crawler.parsers.integrity import Rejection, check_page
from crawler.urls import article_id, is_bot_check, is_index_page, path_query, rebase, same_host, with_lang
from crawler.wall import wall_changed_since
from store.ids import site_of, source_id_of
from store.outcomes import Outcome
from store.records import Fetch

CHALLENGE_RETRIES = 2
MAX_ARTICLE_REDIRECTS = 5
# Our own request meta keys (Scrapy adds internal ones to response.meta that must not be copied).
OWN_META = ("page_type", "lang", "section", "page", "source_id", "recheck", "handle_httpstatus_all",
            "handle_httpstatus_list", "challenge_tries", "article_redirects")
# Listings and feeds read a 404/410 themselves ('gone': not every section exists in every language).
INDEX_STATUSES = sorted(GONE_STATUSES)


class MidSpider(scrapy.Spider):
    """Crawl mid.ru (or a mirror at base_url): discover, fetch every language variant, re-check known ones."""

    name = "mid"
    site = "mid.ru"  # statement ids are "<site>:<source id>"; subclasses for other portals override

    def __init__(self, base_url: str = "https://mid.ru", section_keys: Iterable[str] | None = None,
                 langs: Iterable[str] | None = None, since: str | None = None, max_pages: int = 1,
                 rechecks: Iterable[Recheck] = (), discover: bool = True, feeds: bool = True,
                 known: Container[tuple[int, str]] | Iterable[tuple[int, str]] = (), skip_index: Iterable[str] = (), shard: tuple[int, int] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # (index, count) with --workers: only statements with id % count == index are fetched here.
        self.shard = tuple(shard) if shard else None
        self.base_url = base_url.rstrip("/")
        self.allowed_domains = [urlsplit(self.base_url).hostname or ""]
        self.section_keys = list(section_keys or sections.SECTIONS)
        self.langs = list(langs or sections.LANGUAGES)
        self.since = since
        self.max_pages = max(1, int(max_pages))
        self.rechecks = list(rechecks)
        self.discover = discover
        self.feeds = feeds
        # Variants we already have are fetched only when the re-check policy says they are due (they
        # come in `rechecks`); a listing showing them again is no reason to spend a request on the site. `known`
        # is what the store had when the run began (store.variants.KnownVariants, asked one at a time; a listing
        # that shows only these, read for the first time, is dated by its newest entry rather than counted as
        # changed now: store/index_pages.first_change); `seen`, what this run asked for.
        self.known: Container[tuple[int, str]] = known if isinstance(known, Container) else frozenset(known)
        self.seen: set[tuple[int, str]] = set()
        # Listing and feed pages (path and query, any host) not due this run: quiet lately, or a recent 404
        # (store/discovery.py decides).
        self.skip_index: set[str] = {path_query(url) for url in skip_index}

    # -- what to fetch ---------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for request in self.start_requests_list():
            if request.meta.get("page_type") in ("listing", "feed") and path_query(request.url) in self.skip_index:
                continue  # not due: unchanged for a while, or this section does not exist in this language
            yield request

    def start_requests_list(self) -> list[scrapy.Request]:
        """The re-checks of known variants first, then (when discovering) the listings and feeds."""
        requests = self.recheck_requests()
        if self.discover:
            requests += self.discovery_requests()
        return requests

    def recheck_requests(self) -> list[scrapy.Request]:
        """Conditional requests for the known variants of this site that are due."""
        requests: list[scrapy.Request] = []
        for known in self.rechecks:
            source_id = source_id_of(known.statement_id)
            if site_of(known.statement_id) != self.site or source_id is None:
                continue  # a variant of another portal: its own spider re-checks it
            self.seen.add((source_id, known.lang))
            requests.append(self._article_request(rebase(known.url, self.base_url), known.lang, source_id,
                                                  headers=known.conditional_headers(), recheck=True))
        return requests

    def discovery_requests(self) -> list[scrapy.Request]:
        """Page 1 of each section's listing in each language, and each language's feed."""
        requests: list[scrapy.Request] = []
        for lang in self.langs:
            for key in self.section_keys:
                if sections.listing_path(key, lang):
                    requests.append(self._listing_request(lang, key, 1))
            if self.feeds:
                requests.append(scrapy.Request(
                    f"{self.base_url}/{lang}/rss.php", callback=self.parse_feed, errback=self.failed,
                    meta={"page_type": "feed", "lang": lang, "handle_httpstatus_list": INDEX_STATUSES},
                ))
        return requests

    def _listing_request(self, lang: str, key: str, page: int) -> scrapy.Request:
        # (mid.ru's robots.txt forbids ?PAGEN_1=: pages after the first are asked only with --max-pages)
        query = f"?PAGEN_1={page}" if page > 1 else ""
        return scrapy.Request(
            f"{self.base_url}{sections.listing_path(key, lang)}{query}", callback=self.parse_listing,
            errback=self.failed,
            meta={"page_type": "listing", "lang": lang, "section": key, "page": page,
                  "handle_httpstatus_list": INDEX_STATUSES},
        )

    def _article_request(self, url: str, lang: str, source_id: int, *, headers: dict[str, str] | None = None,
                         recheck: bool = False, priority: int = 0) -> scrapy.Request:
        return scrapy.Request(
            with_lang(url, lang), callback=self.parse_article, errback=self.failed, headers=headers or None,
            priority=priority,
            meta={"page_type": "article", "lang": lang, "source_id": source_id, "recheck": recheck,
                  "handle_httpstatus_all": True, "started": time.monotonic()},
        )

    def source_id_of(self, url: str) -> int | None:
        """The document id in an article URL (hook for other portals)."""
        return article_id(url)

    def parse_record(self, html: str, url: str) -> dict[str, Any]:
        """Parse an article page into a record (hook for other portals)."""
        return parse_article(html, url)

    def _want_article(self, url: str, lang: str) -> tuple[int, str] | None:
        source_id = self.source_id_of(url)
        if (source_id is None or lang not in self.langs or (source_id, lang) in self.seen
                or (source_id, lang) in self.known):
            return None
        if self.shard is not None and source_id % self.shard[1] != self.shard[0]:
            return None  # another crawler process (--workers) fetches this statement
        self.seen.add((source_id, lang))
        return source_id, lang

    def _follow(self, url: str, lang: str) -> scrapy.Request | None:
        """The request for an article variant met in a listing, feed or language switcher, unless not ours to fetch."""
        want = self._want_article(url, lang)
        return self._article_request(rebase(url, self.base_url), lang, want[0]) if want else None

    # -- callbacks -------------------------------------------------------------------------------

    def read_index(self, response: Response, parse: Any) -> tuple[list[Any], Any]:
        """Read a listing or feed page with `parse`: returns (items to yield, the parsed page or None).

        A 404 is 'gone' (not every section exists in every language, e.g. no English deputy
        ministers' speeches), the anti-bot page is counted and retried, a page the parser refuses is
        a parse error: none of them is ever taken for an empty list.
        """
        if response.status in GONE_STATUSES:
            return [FetchItem(self._fetch(response, Outcome.GONE))], None
        text = _decoded(response).text
        if is_challenge(text):
            return list(self._challenge(response)), None
        return self._parsed(response, text, parse)

    def too_old(self, entry: dict[str, Any]) -> bool:
        """Published before --since (entries without a date are kept)."""
        return bool(self.since and entry.get("published_at") and entry["published_at"][:10] < self.since)

    def follow_entries(self, entries: list[dict[str, Any]], lang: str) -> tuple[list[scrapy.Request], bool]:
        """Article requests for the listed entries not fetched yet, and whether any was older than --since."""
        requests: list[scrapy.Request] = []
        too_old = False
        for entry in entries:
            if self.too_old(entry):
                too_old = True
                continue
            request = self._follow(entry["url"], lang)
            if request is not None:
                requests.append(request)
        return requests, too_old

    def parse_listing(self, response: Response) -> Iterator[Any]:
        meta = response.meta
        items, entries = self.read_index(response, parse_listing)
        yield from items
        if entries is None:
            return
        yield self._index_read(response, entries)
        requests, too_old = self.follow_entries(entries, meta["lang"])
        yield from requests
        if entries and not too_old and meta["page"] < self.max_pages:
            yield self._listing_request(meta["lang"], meta["section"], meta["page"] + 1)

    def parse_feed(self, response: Response) -> Iterator[Any]:
        items, entries = self.read_index(response, parse_feed)
        yield from items
        if entries is None:
            return
        yield self._index_read(response, entries)
        yield from self.follow_entries(entries, response.meta["lang"])[0]

    def parse_article(self, response: Response) -> Iterator[Any]:
        """An article's answer: a status that says it all, a redirect to judge, or the page to read."""
        outcome = outcome_of_status(response.status)
        if outcome is not None:
            error = f"HTTP {response.status}" if outcome is Outcome.ERROR else None
            yield FetchItem(self._fetch(response, outcome, error=error))
        elif response.status in REDIRECT_STATUSES:
            yield from self._article_redirect(response)
        else:
            yield from self._article_page(response)

    def failed(self, failure: Failure) -> Iterator[Any]:
        """Errback: network failures, robots refusals, offsite redirects. Never evidence of deletion."""
        yield FetchItem(fetch_of_failure(failure, self.site, outcome_of_failure(failure)))

    # -- reading an article ----------------------------------------------------------------------

    def _article_page(self, response: Response) -> Iterator[Any]:
        """A 200: the parsed article and requests for its other languages, or why it could not be read."""
        items, record = self._read_article(response)
        yield from items
        if record is None:
            return
        # The page answered for the requested variant; keep the lang we asked for if the page says otherwise.
        yield PageItem(record, self._fetch(response, Outcome.OK, keep_body=True))
        for lang, url in (record.get("languages") or {}).items():
            request = self._follow(url, lang)
            if request is not None:
                yield request

    def _read_article(self, response: Response) -> tuple[list[Any], dict[str, Any] | None]:
        """(items, the parsed record) of a 200; no record for the anti-bot page or a page refused as content."""
        decoded = _decoded(response)
        if not decoded.lossless:
            if is_challenge(decoded.text):
                return list(self._challenge(response)), None
            # Bytes no charset explains: storing them would make an "edit" of replacement characters.
            return [self._refused(response, f"undecodable bytes ({decoded.encoding})")], None
        items, record = self._parsed(response, decoded.text, self.parse_record)
        if record is None:
            return items, None
        rejection = self._rejection(response, decoded.text, record)
        if rejection is not None:
            # Well formed but not whole, not this page, or garbled: never a version, never an edit.
            return [FetchItem(self._fetch(response, Outcome(rejection.outcome), error=rejection.reason))], None
        return items, record

    def _rejection(self, response: Response, html: str, record: dict[str, Any]) -> Rejection | None:
        """Why a parsed page is not the version it seems to be (crawler/parsers/integrity.py), or None."""
        asked = response.meta.get("source_id")
        landed = self.source_id_of(response.url)
        if asked is not None and landed is not None and landed != asked:
            return Rejection(Outcome.WRONG_PAGE.value, f"the answer came from statement {landed}, not {asked}")
        return check_page(html, record, source_id=asked, lang=response.meta.get("lang") or record["lang"])

    def _parsed(self, response: Response, text: str, parse: Any) -> tuple[list[Any], Any]:
        """(items, what `parse` made of the page); no result for the anti-bot page (the parsers tell it apart
        themselves: ChallengePage) or a page the parser refuses."""
        try:
            return [], parse(text, response.url)
        except ChallengePage:
            return list(self._challenge(response)), None
        except ParseError as exc:
            return [self._refused(response, str(exc))], None

    def _refused(self, response: Response, why: str) -> FetchItem:
        """A 200 the parser refused (not an article or listing, undecodable, mojibake): never a version."""
        return FetchItem(self._fetch(response, Outcome.PARSE_ERROR, error=why))

    def _article_redirect(self, response: Response) -> Iterator[Any]:
        """Article requests handle redirects themselves: only the configured host is ever followed, a
        loop is an error, and only a landing on the home page or a listing counts as 'gone'."""
        location = (response.headers.get("Location") or b"").decode("latin-1").strip()
        if not location:
            yield FetchItem(self._fetch(response, Outcome.ERROR, error=f"HTTP {response.status} without Location"))
            return
        target = urljoin(response.url, location)
        if not same_host(target, self.base_url):
            yield FetchItem(self._fetch(response, Outcome.OFFSITE, error=f"redirected to another host: {target}"[:500]))
        elif self.source_id_of(target) == response.meta.get("source_id"):
            yield self._same_article_elsewhere(response, target)
        elif is_bot_check(target):
            # A firewall's bounce (a query, a bot-check path) is the anti-bot wall, never a removal.
            yield from self._challenge(response, why=f"redirected to a bot check: {target}"[:500])
        else:
            # Landing on a listing or the home page is the way the site removes pages; elsewhere is an error.
            outcome = Outcome.GONE if is_index_page(target) else Outcome.ERROR
            yield FetchItem(self._fetch(response, outcome, error=f"redirected to {target}"[:500]))

    def _same_article_elsewhere(self, response: Response, target: str) -> scrapy.Request | FetchItem:
        """A redirect to the same article: ask again at `target`, unless the redirects go round in a loop."""
        hops = response.meta.get("article_redirects", 0) + 1
        if hops > MAX_ARTICLE_REDIRECTS:
            return FetchItem(self._fetch(response, Outcome.ERROR, error=f"redirect loop ({hops - 1} redirects)"))
        return _again(response, url=target, article_redirects=hops)

    # -- helpers ---------------------------------------------------------------------------------

    def _index_read(self, response: Response, entries: list[dict[str, Any]]) -> FetchItem:
        """The fetch of a listing or feed that was read, with what it listed."""
        lang = response.meta.get("lang")
        return FetchItem(fetch_of_index(response, self.site, entries,
                                        lambda url: (self.source_id_of(url), lang) not in self.known))

    def _challenge(self, response: Response, why: str | None = None) -> Iterator[Any]:
        """The anti-bot page: count it, try again at the back of the queue (once more when the way through the
        wall changed since it was asked: crawler/wall.py), never parse it."""
        yield FetchItem(self._fetch(response, Outcome.CHALLENGE, error=why))
        tries = response.meta.get("challenge_tries", 0)
        if tries < CHALLENGE_RETRIES or wall_changed_since(self, response.meta):
            yield _again(response, priority=-10, challenge_tries=tries + 1)

    def _fetch(self, response: Response, outcome: Outcome, *, error: str | None = None,
               keep_body: bool = False) -> Fetch:
        return fetch_of_response(response, self.site, outcome, error=error, keep_body=keep_body)


def _again(response: Response, *, url: str | None = None, priority: int | None = None,
           **meta: Any) -> scrapy.Request:
    """The request of `response` once more (at `url`), with our own meta keys and `meta` on top."""
    own = {k: v for k, v in response.meta.items() if k in OWN_META}
    request = response.request
    return request.replace(url=url or request.url, dont_filter=True,
                           priority=request.priority if priority is None else priority,
                           meta={**own, **meta, "started": time.monotonic()})


def _decoded(response: Response) -> Decoded:
    """The body as text, whatever charset the headers claim (see crawler/encoding.py)."""
    return decode_html(response.body, declared_charset(response.headers.get("Content-Type")))
