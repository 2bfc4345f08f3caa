"""The one check every request passes before it is sent: only the configured scheme, host and port are ever asked."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request
from scrapy.utils.httpobj import urlparse_cached

_DEFAULT_PORTS = {"http": 80, "https": 443}


class OffsiteRequest(IgnoreRequest):
    """A request (a link, a redirect, robots.txt of another host) that would leave the configured site."""


def origin(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of a URL, the port made explicit."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or _DEFAULT_PORTS.get(scheme, 0)


class HostBoundaryMiddleware:
    """Refuses every request whose scheme, host or port differs from the crawl's base URL.

    It reads the URL with the parser the downloader itself uses (`urlparse_cached` over the request's URL,
    which Scrapy has already normalised the WHATWG way), so a URL that other parsers read differently
    (`http://169.254.169.254\\@127.0.0.1/`) is judged by the host that would really be contacted. It runs
    before every other downloader middleware, so nothing (robots.txt included) is fetched from elsewhere,
    and it ignores `dont_filter`.
    """

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.allowed = origin(base_url)

    @classmethod
    def from_crawler(cls, crawler: Any) -> "HostBoundaryMiddleware":
        return cls(crawler.settings.get("MW_BASE_URL"))

    def process_request(self, request: Request, spider: Any = None) -> None:
        parsed = urlparse_cached(request)
        scheme = (parsed.scheme or "").lower()
        try:
            port = parsed.port or _DEFAULT_PORTS.get(scheme, 0)
        except ValueError:
            port = -1
        if (scheme, (parsed.hostname or "").lower(), port) != self.allowed:
            raise OffsiteRequest(f"offsite: {request.url} is not on {self.base_url}")
        return None
