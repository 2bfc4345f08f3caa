"""The way through the anti-bot wall: notice when it stays up, solve it once in the browser, go on with its cookie
over plain HTTP, and fetch through the browser the pages the cookie does not open.

Three Scrapy components share one `Wall` per crawl:

- `WallMiddleware` (downloader middleware, after decompression): counts the challenge answers in a row and,
  at `MW_BROWSER_AFTER` different pages, has the browser solve the wall while new requests wait; afterwards
  it gives each request the browser's User-Agent (the wall's cookie belongs to the client that earned it) and
  marks it `via` "cookie", or "browser" for every page once the wall has answered the cookie as well;
- `WallCookiesMiddleware` (Scrapy's cookie middleware): puts the browser's cookies in the crawl's cookie jar;
- `WallDownloadHandler` (the http/https handler): downloads a request marked "browser" in the browser, after
  the politeness delay like any other download, and hands the server's answer on as a normal response (every
  downloader middleware, the WARC archive and the page checks see it as they see any other).

Without the browser extra or Chromium, the run says once that the wall is up and what to install, and goes on
as before: challenge answers are recorded as such, never as versions or deletions.
"""
from __future__ import annotations

import asyncio
import sys
from http.cookiejar import Cookie
from typing import Any
from weakref import WeakKeyDictionary

from scrapy.downloadermiddlewares.cookies import CookiesMiddleware
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.exceptions import DownloadFailedError, DownloadTimeoutError
from scrapy.http import Headers, Request, Response
from scrapy.responsetypes import responsetypes

DEFAULT_BROWSER_AFTER = 5
# Plain answers carrying a challenge marker are tested for it (crawler/parsers/challenge.py) only when one of
# these ASCII markers is in the bytes: most pages never pay for decoding.
_MARKERS = (b"bobcmn", b"/TSPD/", b"/tspd/", b"rocessing", b"ROCESSING", b"nable", b"NABLE")
_walls: "WeakKeyDictionary[Any, Wall]" = WeakKeyDictionary()


def wall_of(crawler: Any) -> "Wall":
    """The one Wall of a crawl (made on first use from the crawl's settings)."""
    wall = _walls.get(crawler)
    if wall is None:
        s = crawler.settings
        wall = _walls[crawler] = Wall(s.get("MW_BASE_URL"), threshold=s.getint("MW_BROWSER_AFTER", DEFAULT_BROWSER_AFTER),
                                      wait=min(max(s.getfloat("DOWNLOAD_TIMEOUT", 30.0), 10.0), 30.0))
    return wall


def is_challenge_answer(response: Response) -> bool:
    """Whether a downloaded answer is the anti-bot page (a cheap byte test first)."""
    from crawler.parsers.challenge import is_challenge

    body = response.body
    return bool(body) and any(marker in body for marker in _MARKERS) and is_challenge(body)


class Wall:
    """How the crawl stands with the wall: `mode` is "http" (nothing done), "cookie" (plain HTTP with the
    browser's cookie), "browser" (the cookie does not open the pages: they are fetched through the browser) or
    "closed" (no way through: no browser here, or it did not get past the wall)."""

    def __init__(self, base_url: str, *, threshold: int = DEFAULT_BROWSER_AFTER, wait: float = 20.0) -> None:
        self.base_url = base_url
        self.threshold = threshold        # different pages answering the challenge in a row; 0: never the browser
        self.wait = wait
        self.mode = "http"
        self.epoch = 0                    # how many times the way through changed (a solve, the switch to the browser)
        self.streak: set[str] = set()     # the pages that answered the challenge since the last real answer
        self.real_answers = 0             # pages (robots.txt aside) that answered with anything but the challenge
        self.user_agent: str | None = None
        self.cookies: list[dict[str, Any]] = []
        self.new_cookies = False          # cookies the jar has not had yet
        self.browser: Any = None
        self.refused_offsite: list[str] = []   # what the site's pages asked of other hosts in the browser (refused)
        self.refused_at_proxy: list[str] = []  # refused at the browser's proxy (redirects off the site, Chromium's own)
        self._solving: asyncio.Future[None] | None = None

    # -- what the middleware reports -------------------------------------------------------------------------

    def wall_is_up(self, request: Request) -> bool:
        """`threshold` different pages in a row answered the challenge, or nothing but the challenge has answered
        yet and a page answers it a second time (a run of a few pages behind the wall)."""
        if not self.threshold:
            return False
        return len(self.streak) >= self.threshold or (not self.real_answers and bool(request.meta.get("challenge_tries")))

    async def answered(self, request: Request, challenge: bool) -> None:
        """Count an answer; when the wall is up, try the way through (requests wait meanwhile)."""
        if not challenge:
            self.streak.clear()
            self.real_answers += "page_type" in request.meta
            return
        if request.meta.get("wall_epoch", self.epoch) < self.epoch:
            return   # asked before the way through changed: says nothing of the new way
        self.streak.add(request.url)
        if self._solving is not None or not self.wall_is_up(request):
            return
        if self.mode == "http":
            await self._solve(request.url)
        elif self.mode == "cookie":
            self.mode = "browser"
            self.epoch += 1
            self.streak.clear()
            _say("the anti-bot wall does not take the browser's cookie over plain HTTP: the run's pages are"
                 " fetched through the browser from now on")
        elif self.mode == "browser" and request.meta.get("via") == "browser":
            self.mode = "closed"
            _say("warning: the anti-bot wall no longer lets the browser through; the run goes on over plain HTTP,"
                 " those pages are recorded as challenge answers")

    async def ready(self) -> None:
        """Wait while the browser is solving the wall (nothing else is sent to the site meanwhile)."""
        while self._solving is not None:
            await asyncio.shield(self._solving)

    def prepare(self, request: Request) -> None:
        """Mark a request for the way it goes: plain, with the browser's cookie, or through the browser."""
        request.meta.pop("via", None)
        request.meta.pop("sent_headers", None)
        request.meta["wall_epoch"] = self.epoch
        if self.mode not in ("cookie", "browser"):
            return
        request.meta["via"] = "cookie"
        if self.user_agent:
            request.headers["User-Agent"] = self.user_agent
        if self.mode == "browser" and "page_type" in request.meta:
            # The wall answers plain HTTP whatever it carries: asking that way first would only double the requests.
            request.meta["via"] = "browser"

    def take_cookies(self) -> list[dict[str, Any]]:
        """The browser's cookies, once (the jar keeps them, and the server's later Set-Cookie updates them)."""
        if not self.new_cookies:
            return []
        self.new_cookies = False
        return self.cookies

    # -- the browser -------------------------------------------------------------------------------------------

    async def _solve(self, url: str) -> None:
        from crawler.browser import INSTALL_HINT, Browser, browser_missing

        pages = len(self.streak)
        missing = browser_missing()
        if missing:
            self.mode = "closed"
            _say(f"warning: the anti-bot wall is up ({_streak(pages)}) and {missing}:"
                 f" to get through it, {INSTALL_HINT}. The run goes on; those pages are recorded as challenge"
                 " answers, never as versions or deletions")
            return
        self._solving = asyncio.get_running_loop().create_future()
        try:
            if self.browser is None:
                self.browser = Browser(self.base_url, wait=self.wait)
            solved = await asyncio.wait_for(asyncio.wrap_future(self.browser.solve(url)), self.wait + 60)
            if solved.passed:
                self.mode, self.user_agent = "cookie", solved.user_agent
                self.epoch += 1
                self.cookies, self.new_cookies = solved.cookies, True
                self.streak.clear()
                _say(f"the anti-bot wall is up ({_streak(pages)}): the browser got"
                     " through it; going on over plain HTTP with its cookie")
            else:
                self.mode = "closed"
                _say(f"warning: the anti-bot wall is up and the browser did not get through it within"
                     f" {self.wait:.0f}s; the run goes on, those pages are recorded as challenge answers")
        except Exception as exc:  # noqa: BLE001 - the browser failing must never stop the crawl
            self.mode = "closed"
            _say(f"warning: the anti-bot wall is up and the browser failed: {type(exc).__name__}: {exc}"[:400])
        finally:
            solving, self._solving = self._solving, None
            solving.set_result(None)

    async def fetch(self, request: Request) -> Response:
        """The answer to `request` through the browser, as a Scrapy response."""
        from crawler.browser import Browser, BrowserTimeout

        if self.browser is None:
            self.browser = Browser(self.base_url, wait=self.wait)
        try:
            # (the browser bounds its own wait; this bounds a browser that stopped answering)
            page = await asyncio.wait_for(asyncio.wrap_future(self.browser.fetch(request.url)), self.wait + 60)
        except asyncio.TimeoutError:
            raise DownloadTimeoutError("the browser did not answer") from None
        except BrowserTimeout as exc:
            raise DownloadTimeoutError(f"the browser: {exc}") from None
        except Exception as exc:  # noqa: BLE001 - whatever the browser met is a failed download, never content
            raise DownloadFailedError(f"the browser: {type(exc).__name__}: {exc}"[:500]) from None
        # The WARC archive records what the browser sent, not what Scrapy would have.
        request.meta["sent_headers"] = page.request_headers
        headers = Headers(page.headers)
        cls = responsetypes.from_args(headers=headers, url=page.url, body=page.body)
        return cls(url=page.url, status=page.status, headers=headers, body=page.body, request=request,
                   protocol="HTTP/1.1")

    def close(self) -> None:
        if self.browser is not None:
            self.refused_offsite = list(self.browser.refused)
            self.refused_at_proxy = list(self.browser.proxy_refused)
            self.browser.close()
            self.browser = None


def wall_changed_since(spider: Any, meta: dict[str, Any]) -> bool:
    """Whether the way through the wall changed after this request was sent (it deserves another try, whatever
    its retries: its challenge answer says nothing of the new way)."""
    crawler = getattr(spider, "crawler", None)
    return crawler is not None and "wall_epoch" in meta and meta["wall_epoch"] < wall_of(crawler).epoch


def _streak(pages: int) -> str:
    return "the page asked got its challenge" if pages == 1 else f"the last {pages} pages asked got its challenge"


def _say(message: str) -> None:
    """One line for the user (the crawl's stderr reaches the terminal, or the watcher's log)."""
    print(message if message.startswith("warning:") else f"note: {message}", file=sys.stderr, flush=True)


class WallMiddleware:
    """Downloader middleware: counts challenge answers, holds requests while the browser solves the wall, and
    sends each request the way the wall allows (see the module's docstring)."""

    def __init__(self, wall: Wall) -> None:
        self.wall = wall

    @classmethod
    def from_crawler(cls, crawler: Any) -> "WallMiddleware":
        return cls(wall_of(crawler))

    async def process_request(self, request: Request, spider: Any = None) -> None:
        await self.wall.ready()
        self.wall.prepare(request)
        return None

    async def process_response(self, request: Request, response: Response, spider: Any = None) -> Response:
        await self.wall.answered(request, is_challenge_answer(response))
        return response


class WallCookiesMiddleware(CookiesMiddleware):
    """Scrapy's cookie middleware, which also takes the cookies the browser earned into the crawl's jar."""

    @classmethod
    def from_crawler(cls, crawler: Any) -> "WallCookiesMiddleware":
        middleware = super().from_crawler(crawler)
        middleware.wall = wall_of(crawler)
        return middleware

    def process_request(self, request: Request, spider: Any = None) -> Request | Response | None:
        cookies = self.wall.take_cookies()
        if cookies:
            jar = self.jars[request.meta.get("cookiejar")]
            for cookie in cookies:
                jar.set_cookie(_jar_cookie(cookie))
        return super().process_request(request)


class WallDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 handler, except for requests marked "browser": those are loaded in the browser."""

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        self.wall = wall_of(crawler)

    async def download_request(self, request: Request) -> Response:
        if request.meta.get("via") == "browser":
            return await self.wall.fetch(request)
        return await super().download_request(request)

    async def close(self) -> None:
        await super().close()
        await asyncio.get_running_loop().run_in_executor(None, self.wall.close)


def _jar_cookie(c: dict[str, Any]) -> Cookie:
    """A Playwright cookie as the standard library's cookie jar holds it."""
    domain = str(c.get("domain") or "")
    expires = c.get("expires")
    expires = int(expires) if isinstance(expires, (int, float)) and expires > 0 else None
    return Cookie(version=0, name=str(c["name"]), value=str(c["value"]), port=None, port_specified=False,
                  domain=domain, domain_specified=domain.startswith("."), domain_initial_dot=domain.startswith("."),
                  path=str(c.get("path") or "/"), path_specified=True, secure=bool(c.get("secure")),
                  expires=expires, discard=expires is None, comment=None, comment_url=None,
                  rest={"HttpOnly": ""} if c.get("httpOnly") else {}, rfc2109=False)
