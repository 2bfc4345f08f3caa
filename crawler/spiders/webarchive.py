"""The web archive's part of a backfill (one host: the CDX endpoint's): the index's statement URLs of a site, each
variant's captures in the index, and each capture fetched raw and read like a page of the site.

Index answers are read in order per chain, each handed to the store with its resume key, so a killed backfill asks
the next answer. A capture goes through the checks every page goes through (decoding, the anti-bot page, the
parser, crawler/parsers/integrity.py) and must be the variant it was listed for; captures of the older portal under
www.mid.ru are read by the older portal's parser (the original URL says which portal). A capture that holds no page
is set aside with its outcome and never stops the backfill; 429 and Retry-After are the retry middleware's.
"""
from __future__ import annotations

import time
from typing import Any, Iterable, Iterator

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.backfill_items import CaptureRead, CapturesListed, ChainPage, Entry
from crawler.cdx import BadAnswer, capture_url, index_query, is_listed, read_answer, timestamp_iso, variant_of
from crawler.encoding import decode_html, declared_charset
from crawler.fetches import fetch_of_failure, fetch_of_response
from crawler.items import FetchItem
from crawler.outcomes import outcome_of_failure, outcome_of_status
from crawler.parsers import ChallengePage, ParseError, is_challenge, parse_any_article
from crawler.parsers.integrity import check_page
from store.ids import statement_id
from store.outcomes import Outcome

# Outcomes of a capture that the archive would give again (the bytes it holds): set aside for good.
_PERMANENT = {Outcome.GONE, Outcome.PARSE_ERROR, Outcome.CHALLENGE, Outcome.TRUNCATED, Outcome.WRONG_PAGE,
              Outcome.SERVER_ERROR_TEXT, Outcome.MOJIBAKE, Outcome.ERROR}


class WebArchiveSpider(scrapy.Spider):
    """Ask the index (discovery chains, or variants' captures) and fetch the captures listed."""

    name = "webarchive"

    def __init__(self, *, base_url: str, site: str, cdx_url: str, since: str | None = None,
                 index_chains: Iterable[tuple[str, str, str | None]] = (),
                 capture_chains: Iterable[tuple[str, str, str, str, str | None]] = (),
                 captures: Iterable[dict[str, Any]] = (), langs: Iterable[str] = (), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.base_url = base_url.rstrip("/")
        self.site = site
        self.cdx_url = cdx_url
        self.since = since
        self.langs = set(langs)
        self.index_chains = list(index_chains)        # (chain, url prefix, resume key)
        self.capture_chains = list(capture_chains)    # (chain, statement id, lang, url prefix, resume key)
        self.captures = list(captures)                # listed earlier, not read yet
        self.asked: set[tuple[str, str, str, str]] = set()

    async def start(self) -> Any:
        for chain, prefix, key in self.index_chains:
            yield self._index_request(chain, prefix, key, collapse="urlkey", since=self.since)
        for chain, sid, lang, prefix, key in self.capture_chains:
            yield self._index_request(chain, prefix, key, collapse="digest", variant=(sid, lang))
        for capture in self.captures:
            request = self._capture_request(capture)
            if request is not None:
                yield request

    def _index_request(self, chain: str, prefix: str, resume_key: str | None, *, collapse: str,
                       since: str | None = None, variant: tuple[str, str] | None = None) -> scrapy.Request:
        return scrapy.Request(
            index_query(self.cdx_url, prefix, collapse=collapse, since=since, resume_key=resume_key),
            callback=self.parse_index, errback=self.failed, dont_filter=True,
            meta={"page_type": "index", "chain": chain, "prefix": prefix, "collapse": collapse, "since": since,
                  "variant": variant, "started": time.monotonic()})

    def _capture_request(self, capture: dict[str, Any]) -> scrapy.Request | None:
        key = (capture["statement_id"], capture["lang"], capture["timestamp"], capture["original"])
        if key in self.asked:
            return None
        self.asked.add(key)
        return scrapy.Request(
            capture["url"], callback=self.parse_capture, errback=self.failed_capture,
            meta={"page_type": "capture", "capture": capture, "handle_httpstatus_all": True,
                  "dont_redirect": True, "started": time.monotonic()})

    # -- the index ----------------------------------------------------------------------------------------------

    def parse_index(self, response: Response) -> Iterator[Any]:
        meta = response.meta
        if response.status != 200:
            yield self._fetch_item(response, outcome_of_status(response.status) or Outcome.ERROR,
                                   f"HTTP {response.status}")
            return
        try:
            answer = read_answer(response.text)
        except (BadAnswer, AttributeError, UnicodeDecodeError) as exc:
            yield self._fetch_item(response, Outcome.PARSE_ERROR, str(exc))
            return
        rows = [r for r in answer.rows if is_listed(r)]
        fetch = fetch_of_response(response, self.site, Outcome.OK)
        complete = answer.resume_key is None
        if meta["variant"] is None:
            entries = self._statements(rows)
            yield ChainPage(fetch, meta["chain"], "cdx", self.site, entries, "web-archive", complete,
                            resume_key=answer.resume_key)
        else:
            sid, lang = meta["variant"]
            listed = self._captures_of(sid, lang, rows)
            yield CapturesListed(fetch, meta["chain"], sid, lang, listed, complete, answer.resume_key)
            for capture in listed:
                request = self._capture_request(capture)
                if request is not None:
                    yield request
        if not complete:
            yield self._index_request(meta["chain"], meta["prefix"], answer.resume_key, collapse=meta["collapse"],
                                      since=meta["since"], variant=meta["variant"])

    def _statements(self, rows: list[dict[str, str]]) -> list[Entry]:
        """The site's statement variants among the index's URLs (each once, the first URL kept)."""
        out: dict[tuple[int, str], str] = {}
        for row in rows:
            found = variant_of(self.site, row["original"])
            if found is not None and (not self.langs or found[1] in self.langs):
                out.setdefault(found, row["original"])
        return [(sid, lang, url) for (sid, lang), url in out.items()]

    def _captures_of(self, sid: str, lang: str, rows: list[dict[str, str]]) -> list[dict[str, Any]]:
        """The rows that are captures of this variant (the prefix also lists other ids and languages)."""
        source_id = int(sid.rpartition(":")[2])
        listed = []
        for row in rows:
            if variant_of(self.site, row["original"]) != (source_id, lang):
                continue
            listed.append({"statement_id": sid, "lang": lang, "timestamp": row["timestamp"],
                           "original": row["original"], "digest": row.get("digest"),
                           "url": capture_url(self.base_url, row["timestamp"], row["original"]),
                           "captured_at": timestamp_iso(row["timestamp"])})
        return listed

    # -- a capture ----------------------------------------------------------------------------------------------

    def parse_capture(self, response: Response) -> Iterator[Any]:
        capture = response.meta["capture"]
        if response.status != 200:
            outcome = outcome_of_status(response.status) or Outcome.ERROR
            why = f"HTTP {response.status}"
            if 300 <= response.status < 400:   # an inexact time: the archive points at another capture
                why += f" to {(response.headers.get('Location') or b'').decode('latin-1')}"[:300]
            yield self._refused(response, outcome, why, permanent=outcome in _PERMANENT)
            return
        decoded = decode_html(response.body, declared_charset(response.headers.get("Content-Type")))
        if is_challenge(decoded.text):
            yield self._refused(response, Outcome.CHALLENGE, "an anti-bot page was archived", permanent=True)
            return
        if not decoded.lossless:
            yield self._refused(response, Outcome.PARSE_ERROR, f"undecodable bytes ({decoded.encoding})")
            return
        try:
            # The original URL says which portal's parser reads it (www.mid.ru asset-publisher pages: the older one).
            record = parse_any_article(decoded.text, capture["original"])
        except ChallengePage:
            yield self._refused(response, Outcome.CHALLENGE, "an anti-bot page was archived", permanent=True)
            return
        except ParseError as exc:
            yield self._refused(response, Outcome.PARSE_ERROR, str(exc))
            return
        rejection = self._rejection(decoded.text, record, capture)
        if rejection is not None:
            yield self._refused(response, Outcome(rejection[0]), rejection[1])
            return
        yield CaptureRead(fetch_of_response(response, self.site, Outcome.OK, keep_body=True), capture, record)

    def _rejection(self, html: str, record: dict[str, Any], capture: dict[str, Any]) -> tuple[str, str] | None:
        """Why a parsed capture is not the variant it was listed for, or not whole, or None."""
        sid = statement_id(record["site"], record["source_id"])
        if (sid, record["lang"]) != (capture["statement_id"], capture["lang"]):
            return Outcome.WRONG_PAGE.value, f"the capture holds {sid} [{record['lang']}]"
        source_id = int(capture["statement_id"].rpartition(":")[2])
        found = check_page(html, record, source_id=source_id, lang=capture["lang"])
        return (found.outcome, found.reason) if found is not None else None

    def _refused(self, response: Response, outcome: Outcome, why: str, *, permanent: bool = True) -> CaptureRead:
        fetch = fetch_of_response(response, self.site, outcome, error=why[:500])
        return CaptureRead(fetch, response.meta["capture"], None, permanent=permanent and outcome in _PERMANENT)

    # -- failures -----------------------------------------------------------------------------------------------

    def failed(self, failure: Failure) -> Iterator[Any]:
        """An index answer that never came (refused, timed out): the chain is asked again by the next backfill."""
        yield FetchItem(fetch_of_failure(failure, self.site, outcome_of_failure(failure)))

    def failed_capture(self, failure: Failure) -> Iterator[Any]:
        """A capture that never came: asked again by the next backfill (robots.txt refusals included)."""
        fetch = fetch_of_failure(failure, self.site, outcome_of_failure(failure))
        yield CaptureRead(fetch, failure.request.meta["capture"], None, permanent=False)

    def _fetch_item(self, response: Response, outcome: Outcome, why: str | None) -> FetchItem:
        return FetchItem(fetch_of_response(response, self.site, outcome, error=why))

