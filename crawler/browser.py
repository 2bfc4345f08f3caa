"""Headless Chromium (Playwright, the system's browser by path) in a thread of its own: pages the anti-bot wall
answers only to a browser, loaded on the crawl's one host and nowhere else.

Playwright's sync API runs in one worker thread, so the crawl's reactor never waits on it: callers get a
concurrent Future (`solve`, `fetch`). The browser starts on the first call, never before (most runs never meet
the wall). Every request a page makes passes `_route`: another scheme, host or port is refused, and so are images,
fonts, media and style sheets (a wall needs none of them). Playwright does not route the hops of a redirect, so
the browser's only way out is a proxy that reaches the site alone (crawler/browser_proxy.py): a redirect off the
site, a pop-up, Chromium's own background traffic are refused there; and no host name but the site's resolves.
"""
from __future__ import annotations

import os
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from crawler.boundary import origin
from crawler.browser_proxy import OneHostProxy
from crawler.parsers.challenge import is_challenge

# Debian's chromium; MW_CHROMIUM names another build of it (never a browser downloaded by Playwright).
CHROMIUM = os.environ.get("MW_CHROMIUM", "/usr/bin/chromium")
INSTALL_HINT = "pip install 'ministry-watch[browser]' and Debian's chromium (apt install chromium)"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--no-first-run", "--disable-sync", "--disable-domain-reliability", "--no-pings",
               "--disable-client-side-phishing-detection", "--dns-prefetch-disable"]
# Resource types a wall never needs: refused, so a browser page costs the site little more than a plain request.
SKIPPED_TYPES = frozenset({"image", "media", "font", "stylesheet", "texttrack", "manifest"})
# Headers of the browser's answer that no longer describe the body Playwright hands over (already decoded).
_STALE_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


class BrowserTimeout(Exception):
    """The page did not load within the time given."""


class BrowserFailed(Exception):
    """The browser could not load the page (a network error, the browser gone)."""


def browser_missing() -> str | None:
    """Why the browser path cannot run here (the extra or Chromium missing), or None when it can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the browser extra is not installed"
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f"no Chromium at {CHROMIUM}"
    return None


@dataclass
class BrowserPage:
    """The server's answer to the browser's navigation (the raw body, not the rendered page)."""

    url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    request_headers: list[tuple[str, str]] = field(default_factory=list)

    @property
    def challenge(self) -> bool:
        return self.status not in _REDIRECTS and is_challenge(self.body)


@dataclass
class Solved:
    """What a solved wall leaves the browser with: its cookies for the site and its User-Agent."""

    page: BrowserPage
    cookies: list[dict[str, Any]]
    user_agent: str

    @property
    def passed(self) -> bool:
        return not self.page.challenge


class Browser:
    """One headless Chromium for one crawl, confined to `base_url`'s scheme, host and port."""

    def __init__(self, base_url: str, *, wait: float = 20.0, user_agent: str | None = None) -> None:
        self.base_url = base_url
        self.origin = origin(base_url)
        self.wait = wait
        self.user_agent = user_agent
        self.refused: list[str] = []        # what the site's pages asked of other hosts (refused)
        self.proxy_refused: list[str] = []  # refused at the proxy: redirects off the site, Chromium's own traffic
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="browser")
        self._playwright: Any = None
        self._browser: Any = None
        self._context: Any = None
        self._proxy: Any = None
        self._lock = threading.Lock()

    # -- the crawl's side (any thread) ---------------------------------------------------------------------

    def solve(self, url: str) -> "Future[Solved]":
        """Load `url` until the wall lets the browser through (or `wait` runs out); its cookies and User-Agent."""
        return self._executor.submit(self._solve, url)

    def fetch(self, url: str) -> "Future[BrowserPage]":
        """The server's answer to `url` as the browser gets it, past the wall when the browser can pass it."""
        return self._executor.submit(self._load, url)

    def close(self) -> None:
        """Stop the browser and its thread (waits for a page in flight)."""
        try:
            self._executor.submit(self._stop).result(timeout=30)
        except Exception:  # noqa: BLE001 - closing must never fail a crawl
            pass
        self._executor.shutdown(wait=False)

    # -- the browser thread ----------------------------------------------------------------------------------

    def _start(self) -> None:
        if self._context is not None:
            return
        from playwright.sync_api import sync_playwright

        host = urlsplit(self.base_url).hostname or ""
        self._proxy = OneHostProxy(self.base_url, self._refuse_at_proxy)
        self._playwright = sync_playwright().start()
        # Every request leaves through the proxy, which reaches the site only; no host name but the site's resolves.
        self._browser = self._playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, proxy={"server": self._proxy.address},
            args=[*LAUNCH_ARGS, f"--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE {host}"])
        self._context = self._browser.new_context(service_workers="block", user_agent=self.user_agent,
                                                  accept_downloads=False)
        self._context.route("**/*", self._route)
        self._context.route_web_socket("**/*", lambda ws: ws.close())

    def _refuse(self, target: str) -> None:
        with self._lock:
            self.refused.append(target)

    def _refuse_at_proxy(self, target: str) -> None:
        with self._lock:
            self.proxy_refused.append(target)

    def _stop(self) -> None:
        for close in (lambda: self._context.close(), lambda: self._browser.close(), lambda: self._playwright.stop(),
                      lambda: self._proxy.close()):
            try:
                close()
            except Exception:  # noqa: BLE001 - already gone
                pass
        self._context = self._browser = self._playwright = None

    def _route(self, route: Any) -> None:
        request = route.request
        if origin(request.url) != self.origin:
            self._refuse(f"{request.method} {request.url}"[:300])
            route.abort("blockedbyclient")
        elif request.resource_type in SKIPPED_TYPES:
            route.abort("blockedbyclient")
        else:
            route.continue_()

    def _solve(self, url: str) -> Solved:
        page = self._load(url)
        return Solved(page, list(self._context.cookies(self.base_url)), self._user_agent())

    def _user_agent(self) -> str:
        probe = self._context.new_page()
        try:
            return str(probe.evaluate("navigator.userAgent"))
        finally:
            probe.close()

    def _load(self, url: str) -> BrowserPage:
        """Navigate to `url`; while the answer is the wall, let its script run and wait for the next navigation."""
        from playwright.sync_api import Error as PlaywrightError

        self._start()
        page = self._context.new_page()
        answers: list[Any] = []
        done: set[Any] = set()   # requests whose answer has come whole (or failed): a body to read without waiting
        page.on("response", lambda r: answers.append(r) if _document_of(page, r) else None)
        page.on("requestfinished", lambda r: done.add(r))
        page.on("requestfailed", lambda r: done.add(r))
        deadline = time.monotonic() + self.wait
        try:
            try:
                page.goto(url, wait_until="commit", timeout=self.wait * 1000)
            except PlaywrightError as exc:
                hop = _redirect_away(answers, url)
                if hop is not None:
                    return hop
                raise self._failure(exc) from None
            while True:
                hop = _redirect_away(answers, url)
                if hop is not None:
                    return hop
                answer = _read(answers[-1]) if answers and answers[-1].request in done else None
                late = time.monotonic() >= deadline
                if answer is not None and answer.status not in _REDIRECTS and (not answer.challenge or late):
                    return answer
                if late:
                    raise BrowserTimeout(f"no answer from {url} within {self.wait:.0f}s")
                page.wait_for_timeout(100)
        finally:
            try:
                page.close()
            except PlaywrightError:
                pass

    @staticmethod
    def _failure(exc: Exception) -> Exception:
        first = str(exc).splitlines()[0][:300]
        if "Timeout" in type(exc).__name__ or "timeout" in first.lower():
            return BrowserTimeout(first)
        return BrowserFailed(first)


def _document_of(page: Any, response: Any) -> bool:
    """Whether a response is the main frame's document (a navigation), not a script or an XHR."""
    try:
        return response.request.is_navigation_request() and response.frame == page.main_frame
    except Exception:  # noqa: BLE001 - a frame already detached
        return False


def _read(response: Any) -> BrowserPage | None:
    """The answer as a BrowserPage, or None while its body is not there yet (or no longer there)."""
    from playwright.sync_api import Error as PlaywrightError

    try:
        status = response.status
        body = b"" if status in _REDIRECTS else response.body()
        headers = [(h["name"], h["value"]) for h in response.headers_array()
                   if h["name"].lower() not in _STALE_HEADERS]
        sent = [(h["name"], h["value"]) for h in response.request.headers_array()]
    except PlaywrightError:
        return None
    # (no server address: the browser's connection is to its proxy)
    return BrowserPage(response.url, status, headers, body, sent)


def _redirect_away(answers: list[Any], asked: str) -> BrowserPage | None:
    """The first redirect that leads away from the URL asked for, as it was answered: the crawl judges redirects on
    its own (a removal, a loop, another host), never the page the browser was taken to. A wall's bounce back to
    the same URL is not one."""
    for response in list(answers):
        try:
            status, location = response.status, response.headers.get("location") or ""
        except Exception:  # noqa: BLE001 - gone with its page
            continue
        if status in _REDIRECTS and location and not _same_url(asked, location, response.url):
            return _read(response)
    return None


def _same_url(asked: str, location: str, at: str) -> bool:
    from urllib.parse import urljoin

    return urljoin(at, location) == asked
