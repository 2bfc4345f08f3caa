"""Fetch records (store.records.Fetch) built from what Scrapy handed the spider: a response or a failure."""
from __future__ import annotations

import hashlib
import time
from typing import Any, Callable

from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.urls import path_query
from store.ids import statement_id
from store.outcomes import Outcome
from store.records import Fetch
from store.timestamps import parse_timestamp


def fetch_of_response(response: Response, site: str, outcome: Outcome, *, error: str | None = None,
                      keep_body: bool = False) -> Fetch:
    """The fetch behind a response; `keep_body` for an article whose content is stored (body and headers)."""
    meta = response.meta
    sid = meta.get("source_id")
    started = meta.get("started")
    headers = {k.decode("latin-1"): b", ".join(v).decode("latin-1") for k, v in response.headers.items()}
    return Fetch(
        url=response.url, page_type=meta.get("page_type", "article"), outcome=outcome,
        http_status=response.status,
        statement_id=statement_id(site, sid) if sid and meta.get("page_type") == "article" else None,
        lang=meta.get("lang") if sid else None,
        etag=_header(response, "ETag"), last_modified=_header(response, "Last-Modified"),
        bytes=len(response.body), error=error,
        elapsed_ms=int((time.monotonic() - started) * 1000) if started else None,
        body=response.body if keep_body else None, headers=headers if keep_body else {}, via=meta.get("via"),
    )


def fetch_of_index(response: Response, site: str, entries: list[dict[str, Any]],
                   is_new: Callable[[str], bool]) -> Fetch:
    """The fetch of a listing or feed that was read, with what it listed: how many entries, a digest of their
    URLs (the store tracks when it changes), how many `is_new` (by URL) and the newest publication time."""
    fetch = fetch_of_response(response, site, Outcome.OK)
    fetch.entries = len(entries)
    fetch.entries_digest = hashlib.sha1(
        "\n".join(path_query(e["url"]) for e in entries).encode("utf-8")).hexdigest()
    fetch.entries_new = sum(1 for e in entries if is_new(e["url"]))
    published = [t for t in (parse_timestamp(e.get("published_at")) for e in entries) if t is not None]
    fetch.entries_newest = max(published).isoformat() if published else None
    return fetch


def fetch_of_failure(failure: Failure, site: str, outcome: Outcome) -> Fetch:
    """The fetch behind a request that got no response the spider reads (the error says which exception)."""
    request = failure.request
    meta = request.meta
    sid = meta.get("source_id")
    return Fetch(
        url=request.url, page_type=meta.get("page_type", "article"), outcome=outcome,
        statement_id=statement_id(site, sid) if sid else None, lang=meta.get("lang") if sid else None,
        error=f"{type(failure.value).__name__}: {failure.value}"[:500], via=meta.get("via"),
    )


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
