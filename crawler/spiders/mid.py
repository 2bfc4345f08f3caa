"""Spider for the current mid.ru: listings and RSS for discovery, articles in every language, re-checks of known variants."""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Iterable, Iterator
from urllib.parse import urlencode, urljoin, urlsplit, urlunsplit, parse_qsl

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler import sections
from crawler.encoding import decode_html, declared_charset, looks_like_mojibake
from crawler.parsers import ChallengePage, ParseError, is_challenge, parse_article, parse_feed, parse_listing
from store.timestamps import parse_timestamp
from store.records import Fetch

CHALLENGE_RETRIES = 2
MAX_ARTICLE_REDIRECTS = 5
# Our own request meta keys (Scrapy adds internal ones to response.meta that must not be copied).
OWN_META = ("page_type", "lang", "section", "page", "source_id", "recheck", "handle_httpstatus_all",
            "handle_httpstatus_list", "challenge_tries", "article_redirects")


@dataclass
class Recheck:
    """A known variant to fetch again, with the validators from its last fetch."""

    statement_id: str
    lang: str
    url: str
    etag: str | None = None
    last_modified: str | None = None


@dataclass
class PageItem:
    """A parsed article and the fetch that produced it."""

    record: dict[str, Any]
    fetch: Fetch


@dataclass
class FetchItem:
    """A fetch that produced no article content (listing, feed, failure, 304, gone)."""

    fetch: Fetch
    note: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def rebase(url: str, base_url: str) -> str:
    """The same path and query on the configured host: only that host is ever crawled."""
    parts = urlsplit(url)
    base = urlsplit(base_url)
    return urlunsplit((base.scheme, base.netloc, parts.path or "/", parts.query, ""))


def with_lang(url: str, lang: str) -> str:
    """Article URL with ?lang= set to the content language (other query parameters kept)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "lang"]
    query.append(("lang", lang))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def _path_query(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def article_id(url: str) -> int | None:
    """The numeric id in an article path (/<ui>/<section>/<id>/), or None."""
    for segment in reversed([s for s in urlsplit(url).path.split("/") if s]):
        if segment.isdigit() and 6 <= len(segment) <= 8:
            return int(segment)
    return None


class MidSpider(scrapy.Spider):
    """Crawl mid.ru (or a mirror at base_url): discover, fetch every language variant, re-check known ones."""

    name = "mid"
    site = "mid.ru"  # statement ids are "<site>:<source id>"; subclasses for other portals override

    def __init__(self, base_url: str = "https://mid.ru", section_keys: Iterable[str] | None = None,
                 langs: Iterable[str] | None = None, since: str | None = None, max_pages: int = 1,
                 rechecks: Iterable[Recheck] = (), discover: bool = True, feeds: bool = True,
                 known: Iterable[tuple[int, str]] = (), skip_index: Iterable[str] = (), shard: tuple[int, int] | None = None,
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
        # come in `rechecks`); a listing showing them again is no reason to spend a request on the site.
        self.seen: set[tuple[int, str]] = set(known)
        # ... and what the store knew when the run began (a listing that shows only these, read for the first
        # time, is dated by its newest entry rather than counted as changed now: store/index_pages.first_change).
        self.known: frozenset[tuple[int, str]] = frozenset(self.seen)
        # Listing and feed pages (path and query, any host) not due this run: quiet lately, or a recent 404
        # (store/discovery.py decides).
        self.skip_index: set[str] = {_path_query(url) for url in skip_index}

    # -- what to fetch ---------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for request in self.start_requests_list():
            if request.meta.get("page_type") in ("listing", "feed") and _path_query(request.url) in self.skip_index:
                continue  # not due: unchanged for a while, or this section does not exist in this language
            yield request

    def start_requests_list(self) -> list[scrapy.Request]:
        requests: list[scrapy.Request] = []
        for known in self.rechecks:
            site, _, sid = known.statement_id.partition(":")
            if site != self.site or not sid.isdigit():
                continue  # a variant of another portal: its own spider re-checks it
            source_id = int(sid)
            self.seen.add((source_id, known.lang))
            headers = {}
            if known.etag:
                headers["If-None-Match"] = known.etag
            if known.last_modified:
                headers["If-Modified-Since"] = known.last_modified
            requests.append(self._article_request(rebase(known.url, self.base_url), known.lang, source_id,
                                                  headers=headers, recheck=True))
        if self.discover:
            for lang in self.langs:
                for key in self.section_keys:
                    path = sections.listing_path(key, lang)
                    if path:
                        requests.append(scrapy.Request(
                            f"{self.base_url}{path}", callback=self.parse_listing, errback=self.failed,
                            meta={"page_type": "listing", "lang": lang, "section": key, "page": 1,
                                  "handle_httpstatus_list": [404, 410]},
                        ))
                if self.feeds:
                    requests.append(scrapy.Request(
                        f"{self.base_url}/{lang}/rss.php", callback=self.parse_feed, errback=self.failed,
                        meta={"page_type": "feed", "lang": lang, "handle_httpstatus_list": [404, 410]},
                    ))
        return requests

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
        if source_id is None or lang not in self.langs or (source_id, lang) in self.seen:
            return None
        if self.shard is not None and source_id % self.shard[1] != self.shard[0]:
            return None  # another crawler process (--workers) fetches this statement
        self.seen.add((source_id, lang))
        return source_id, lang

    # -- callbacks -------------------------------------------------------------------------------

    def read_index(self, response: Response, parse: Any) -> tuple[list[Any], Any]:
        """Read a listing or feed page with `parse`: returns (items to yield, the parsed page or None).

        A 404 is 'gone' (not every section exists in every language, e.g. no English deputy
        ministers' speeches), the anti-bot page is counted and retried, a page the parser refuses is
        a parse error: none of them is ever taken for an empty list.
        """
        if response.status in (404, 410):
            return [FetchItem(self._fetch(response, "gone"))], None
        text = _decoded(response).text
        try:
            if is_challenge(text):
                raise ChallengePage("anti-bot page")
            parsed = parse(text, response.url)
        except ChallengePage:
            return list(self._challenge(response)), None
        except ParseError as exc:
            return [FetchItem(self._fetch(response, "parse_error", error=str(exc)))], None
        return [], parsed

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
            want = self._want_article(entry["url"], lang)
            if want:
                requests.append(self._article_request(rebase(entry["url"], self.base_url), lang, want[0]))
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
            page = meta["page"] + 1
            path = sections.listing_path(meta["section"], meta["lang"])
            yield scrapy.Request(
                f"{self.base_url}{path}?PAGEN_1={page}", callback=self.parse_listing, errback=self.failed,
                meta={"page_type": "listing", "lang": meta["lang"], "section": meta["section"], "page": page,
                      "handle_httpstatus_list": [404, 410]},
            )

    def parse_feed(self, response: Response) -> Iterator[Any]:
        items, entries = self.read_index(response, parse_feed)
        yield from items
        if entries is None:
            return
        yield self._index_read(response, entries)
        yield from self.follow_entries(entries, response.meta["lang"])[0]

    def parse_article(self, response: Response) -> Iterator[Any]:
        status = response.status
        if status == 304:
            yield FetchItem(self._fetch(response, "not_modified"))
            return
        if status in (404, 410):
            yield FetchItem(self._fetch(response, "gone"))
            return
        if status == 429:
            yield FetchItem(self._fetch(response, "rate_limited"))
            return
        if status >= 500:
            yield FetchItem(self._fetch(response, "server_error"))
            return
        if status in (301, 302, 303, 307, 308):
            yield from self._article_redirect(response)
            return
        if status != 200:
            yield FetchItem(self._fetch(response, "error", error=f"HTTP {status}"))
            return
        decoded = _decoded(response)
        text = decoded.text
        if not decoded.lossless:
            if is_challenge(text):
                yield from self._challenge(response)
                return
            # Bytes no charset explains: storing them would make an "edit" of replacement characters.
            yield FetchItem(self._fetch(response, "parse_error", error=f"undecodable bytes ({decoded.encoding})"))
            return
        try:  # (the parser tells the anti-bot page apart itself: ChallengePage)
            record = self.parse_record(text, response.url)
        except ChallengePage:
            yield from self._challenge(response)
            return
        except ParseError as exc:
            yield FetchItem(self._fetch(response, "parse_error", error=str(exc)))
            return
        if looks_like_mojibake(f"{record.get('title', '')}\n{record.get('body', '')}"):
            # Text decoded with the wrong charset upstream ("Ð¡ÐžÐ..."): never a version, never an edit.
            yield FetchItem(self._fetch(response, "parse_error", error="mojibake: text decoded with a wrong charset"))
            return
        # The page answered for the requested variant; keep the lang we asked for if the page says otherwise.
        yield PageItem(record, self._fetch(response, "ok", keep_body=True))
        for lang, url in (record.get("languages") or {}).items():
            want = self._want_article(url, lang)
            if want:
                yield self._article_request(rebase(url, self.base_url), lang, want[0])

    def failed(self, failure: Failure) -> Iterator[Any]:
        """Errback: network failures, robots refusals, offsite redirects. Never evidence of deletion."""
        request = failure.request
        meta = request.meta
        from scrapy.exceptions import IgnoreRequest
        from twisted.internet.error import ConnectionLost, ConnectionRefusedError, DNSLookupError, TimeoutError
        from twisted.internet.error import TCPTimedOutError
        from scrapy.spidermiddlewares.httperror import HttpError

        if failure.check(IgnoreRequest):
            text = str(failure.value)
            outcome = "robots" if "robots" in text.lower() else "offsite" if "offsite" in text.lower() else "error"
        elif failure.check(TimeoutError, TCPTimedOutError) or "Timeout" in type(failure.value).__name__:
            # Scrapy >= 2.13 raises its own DownloadTimeoutError instead of Twisted's TimeoutError.
            outcome = "timeout"
        elif failure.check(ConnectionRefusedError, ConnectionLost, DNSLookupError):
            outcome = "connection_error"
        elif failure.check(HttpError):
            response = failure.value.response
            outcome = "server_error" if response.status >= 500 else "error"
        else:
            name = type(failure.value).__name__
            outcome = "connection_error" if ("Connection" in name or "ResponseNeverReceived" in name
                                             or "ResponseFailed" in name or "DataLoss" in name) else "error"
        sid = meta.get("source_id")
        yield FetchItem(Fetch(
            url=request.url, page_type=meta.get("page_type", "article"), outcome=outcome,
            statement_id=f"{self.site}:{sid}" if sid else None, lang=meta.get("lang") if sid else None,
            error=f"{type(failure.value).__name__}: {failure.value}"[:500],
        ))

    # -- helpers ---------------------------------------------------------------------------------

    def _index_read(self, response: Response, entries: list[dict[str, Any]]) -> FetchItem:
        """The fetch of a listing or feed that was read, with what it listed (the store tracks when that changes)."""
        fetch = self._fetch(response, "ok")
        fetch.entries = len(entries)
        fetch.entries_digest = hashlib.sha1(
            "\n".join(_path_query(e["url"]) for e in entries).encode("utf-8")).hexdigest()
        lang = response.meta.get("lang")
        fetch.entries_new = sum(1 for e in entries if (self.source_id_of(e["url"]), lang) not in self.known)
        published = [t for t in (parse_timestamp(e.get("published_at")) for e in entries) if t is not None]
        fetch.entries_newest = max(published).isoformat() if published else None
        return FetchItem(fetch)

    def _challenge(self, response: Response) -> Iterator[Any]:
        """The anti-bot page: count it, try again at the back of the queue, never parse it."""
        yield FetchItem(self._fetch(response, "challenge"))
        tries = response.meta.get("challenge_tries", 0)
        if tries < CHALLENGE_RETRIES:
            own = {k: v for k, v in response.meta.items() if k in OWN_META}
            yield response.request.replace(
                dont_filter=True, priority=-10,
                meta={**own, "challenge_tries": tries + 1, "started": time.monotonic()},
            )

    def _article_redirect(self, response: Response) -> Iterator[Any]:
        """Article requests handle redirects themselves: only the configured host is ever followed, a
        loop is an error, and only a landing on the home page or a listing counts as 'gone'."""
        location = (response.headers.get("Location") or b"").decode("latin-1").strip()
        if not location:
            yield FetchItem(self._fetch(response, "error", error=f"HTTP {response.status} without Location"))
            return
        target = urljoin(response.url, location)
        parts, base = urlsplit(target), urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or (parts.hostname, parts.port) != (base.hostname, base.port):
            yield FetchItem(self._fetch(response, "offsite", error=f"redirected to another host: {target}"[:500]))
            return
        hops = response.meta.get("article_redirects", 0) + 1
        if self.source_id_of(target) == response.meta.get("source_id"):
            if hops > MAX_ARTICLE_REDIRECTS:
                yield FetchItem(self._fetch(response, "error", error=f"redirect loop ({hops - 1} redirects)"))
                return
            own = {k: v for k, v in response.meta.items() if k in OWN_META}
            yield response.request.replace(url=target, dont_filter=True,
                                           meta={**own, "article_redirects": hops, "started": time.monotonic()})
            return
        _, section, other_id = sections.split_article_path(parts.path)
        if other_id is None and (section is None or sections.section_key(section) is not None):
            # The article URL now lands on a listing or the home page: the way the site removes pages.
            yield FetchItem(self._fetch(response, "gone", error=f"redirected to {target}"[:500]))
            return
        yield FetchItem(self._fetch(response, "error", error=f"redirected to {target}"[:500]))

    def _fetch(self, response: Response, outcome: str, *, error: str | None = None,
               keep_body: bool = False) -> Fetch:
        meta = response.meta
        sid = meta.get("source_id")
        started = meta.get("started")
        headers = {k.decode("latin-1"): b", ".join(v).decode("latin-1") for k, v in response.headers.items()}
        return Fetch(
            url=response.url, page_type=meta.get("page_type", "article"), outcome=outcome,
            http_status=response.status,
            statement_id=f"{self.site}:{sid}" if sid and meta.get("page_type") == "article" else None,
            lang=meta.get("lang") if sid else None,
            etag=_header(response, "ETag"), last_modified=_header(response, "Last-Modified"),
            bytes=len(response.body), error=error,
            elapsed_ms=int((time.monotonic() - started) * 1000) if started else None,
            body=response.body if keep_body else None, headers=headers if keep_body else {},
        )


def _decoded(response: Response) -> Any:
    """The body as text, whatever charset the headers claim (see crawler/encoding.py)."""
    return decode_html(response.body, declared_charset(response.headers.get("Content-Type")))


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
