"""Scrapy settings for a polite crawl: robots.txt, one request at a time per host, delay with jitter, retries."""
from __future__ import annotations

from typing import Any

from store.crawl_request import CrawlRequest

USER_AGENT = "ministry-watch/0.1 (+https://github.com/ministry-watch/ministry-watch; archive of public MFA statements)"


def request_settings(request: CrawlRequest, *, progress: bool) -> dict[str, Any]:
    """The settings of the crawl a request asks for (`crawl run` and every part of a backfill alike)."""
    return crawl_settings(
        db=request.db, run_id=request.run_id, base_url=request.target, delay=request.delay,
        ignore_robots=request.ignore_robots, timeout=request.timeout, retries=request.retries, progress=progress,
        log_level=["ERROR", "INFO", "DEBUG"][min(request.verbose, 2)], warc_dir=request.warc_dir,
        warc_max_size=request.warc_max_size, browser_after=request.browser_after)


def crawl_settings(*, db: str, run_id: int | None, base_url: str, delay: float = 1.0, ignore_robots: bool = False,
                   timeout: float = 30.0, retries: int = 3, progress: bool = False,
                   log_level: str = "WARNING", max_retry_after: float = 120.0, warc_dir: str | None = None,
                   warc_max_size: str | None = None, browser_after: int = 5) -> dict[str, Any]:
    """The settings of one crawl; `delay` 0 is for a local mirror only; `browser_after` different pages answering
    the anti-bot challenge in a row bring in the browser (crawler/wall.py; 0: never)."""
    return {
        "BOT_NAME": "ministry-watch",
        "USER_AGENT": USER_AGENT,
        "ROBOTSTXT_OBEY": not ignore_robots,
        "CONCURRENT_REQUESTS": 8,
        # One request at a time on the real site; a local mirror (delay 0) is limited only by the machine.
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1 if delay > 0 else 8,
        "DOWNLOAD_DELAY": delay,
        "DOWNLOAD_DELAY_JITTER": 0.5,
        "AUTOTHROTTLE_ENABLED": delay > 0,
        "AUTOTHROTTLE_START_DELAY": max(delay, 0.1),
        "AUTOTHROTTLE_MAX_DELAY": max(60.0, delay * 10),
        "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,
        "DOWNLOAD_TIMEOUT": timeout,
        "RETRY_ENABLED": True,
        "RETRY_TIMES": retries,
        "RETRY_HTTP_CODES": [500, 502, 503, 504, 522, 524, 408, 429],
        "DOWNLOADER_MIDDLEWARES": {
            # First of all: nothing leaves the configured scheme, host and port (robots.txt included).
            "crawler.boundary.HostBoundaryMiddleware": 50,
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
            "crawler.middleware.RetryAfterMiddleware": 550,
            # The anti-bot wall (crawler/wall.py): after decompression, so it reads the page; Scrapy's cookie
            # middleware replaced by one that also takes the browser's cookies.
            "crawler.wall.WallMiddleware": 560,
            "scrapy.downloadermiddlewares.cookies.CookiesMiddleware": None,
            "crawler.wall.WallCookiesMiddleware": 700,
        },
        # Plain HTTP/1.1 as before, except the pages the wall lets through to a browser only.
        "DOWNLOAD_HANDLERS": {"http": "crawler.wall.WallDownloadHandler", "https": "crawler.wall.WallDownloadHandler"},
        # Every item and request a callback yields passes through each spider middleware (an async generator
        # layer each): these three do nothing for this crawl (no depth limit, URLs the site wrote itself,
        # a debugging aid), so they go.
        "SPIDER_MIDDLEWARES": {
            "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
            "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
            "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
        },
        "ITEM_PIPELINES": {"crawler.pipeline.StorePipeline": 300},
        "MW_DB": db,
        "MW_BASE_URL": base_url,
        "MW_RUN_ID": run_id or 0,
        "MW_PROGRESS": progress,
        "MW_WARC_DIR": warc_dir,
        "MW_WARC_MAX_SIZE": warc_max_size,
        "MW_MAX_RETRY_AFTER": max_retry_after,
        "MW_BROWSER_AFTER": browser_after,
        # Backoff grows from the politeness delay: 1 s, 2 s, 4 s on the real site; none on a local mirror.
        "MW_RETRY_BACKOFF": delay,
        "TELNETCONSOLE_ENABLED": False,
        # Scrapy's remote-control endpoint runs code sent to it: never in a crawler. Left out of the extensions
        # Scrapy loads at all, not switched off in EXTENSIONS: Scrapy imports every extension named there, and
        # this one's module imports aiohttp's web server (~0.1 s of every crawl's start).
        "REMOTE_CONTROL_ENABLED": False,
        # Scrapy's downloader stats measure each request and response by serialising it again; the store counts
        # what it fetched itself (runs.bytes_fetched, fetches), so these are work for nothing (~2% of a re-check's
        # CPU under the profiler).
        "DOWNLOADER_STATS": False,
        "EXTENSIONS_BASE": _extensions_base(),
        "LOG_LEVEL": log_level,
        "COOKIES_ENABLED": True,
        "HTTPCACHE_ENABLED": False,
        "REDIRECT_MAX_TIMES": 5,
        "DOWNLOAD_MAXSIZE": 20 * 1024 * 1024,
        "DOWNLOAD_WARNSIZE": 0,
        "DEPTH_LIMIT": 0,
        # A page yields at most one item: Scrapy's default of 100 parallel item workers costs 100 asyncio
        # tasks per response for nothing.
        "CONCURRENT_ITEMS": 1,
        # Scrapy re-reads and parses the callback's source (inspect + ast) to warn about `return value` in
        # generators, and its cache misses on bound methods: a measurable share of a mirror crawl.
        "WARN_ON_GENERATOR_RETURN_VALUE": False,
    }


_NEVER_LOADED = ("scrapy.extensions.remote_control.RemoteControl", "scrapy.extensions.telnet.TelnetConsole")


def _extensions_base() -> dict[str, int]:
    """Scrapy's own default extensions, less the two consoles a crawler never opens."""
    from scrapy.settings.default_settings import EXTENSIONS_BASE

    return {name: order for name, order in EXTENSIONS_BASE.items() if name not in _NEVER_LOADED}
