"""crawler/browser.py: headless Chromium confined to the crawl's one host, in a thread of its own."""
from __future__ import annotations

import os
import time

import pytest

from crawler import browser as browser_module
from crawler.browser import CHROMIUM, Browser, browser_missing
from fixtures.mirror import MirrorServer

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK),
                                                   reason=f"no Chromium at {CHROMIUM} (Debian's chromium package;"
                                                          " .ci/run installs it)")]
PAGE = "/ru/foreign_policy/news/1975559/"


@pytest.fixture(scope="module")
def mirrors():
    with MirrorServer() as site, MirrorServer() as elsewhere:
        browser = Browser(site.base_url, wait=6)
        try:
            yield site, elsewhere, browser
        finally:
            browser.close()


def test_solving_the_wall_gives_the_cookie_and_user_agent_and_asks_nothing_elsewhere(mirrors):
    site, elsewhere, browser = mirrors
    site.set_fault("/*", "script_challenge", beacon=elsewhere.base_url)
    try:
        solved = browser.solve(site.url(PAGE)).result(timeout=60)
    finally:
        site.clear_faults()
    assert solved.passed and solved.page.status == 200 and b"article-content" in solved.page.body
    assert [c["name"] for c in solved.cookies] == ["TS01mw"] and "Chrome" in solved.user_agent
    assert elsewhere.requests == []
    assert any(f"{elsewhere.base_url}/beacon" in r for r in browser.refused)


def test_a_redirect_off_the_site_is_handed_over_never_followed(mirrors):
    site, elsewhere, browser = mirrors
    site.set_fault(PAGE, "redirect_offsite", host=f"127.0.0.1:{elsewhere.port}")
    try:
        page = browser.fetch(site.url(PAGE)).result(timeout=60)
    finally:
        site.clear_faults()
    assert page.status == 302 and dict(page.headers)["Location"] == f"http://127.0.0.1:{elsewhere.port}{PAGE}"
    assert elsewhere.requests == []
    assert any(f"127.0.0.1:{elsewhere.port}" in r for r in browser.proxy_refused)


def test_a_redirect_on_the_site_to_another_url_is_handed_over_too(mirrors):
    site, _, browser = mirrors
    page = browser.fetch(site.url(PAGE.rstrip("/"))).result(timeout=60)
    assert page.status == 301 and dict(page.headers)["Location"] == PAGE


def test_a_wall_no_script_passes_is_handed_over_as_it_is_when_the_wait_is_over(mirrors):
    site, _, browser = mirrors
    site.set_fault(PAGE, "challenge")
    began = time.monotonic()
    try:
        page = browser.fetch(site.url(PAGE)).result(timeout=60)
    finally:
        site.clear_faults()
    assert page.challenge and 5 < time.monotonic() - began < 30


def test_the_browser_path_says_what_is_missing(monkeypatch):
    assert browser_missing() is None
    monkeypatch.setattr(browser_module, "CHROMIUM", "/nonexistent/chromium")
    assert browser_missing() == "no Chromium at /nonexistent/chromium"
