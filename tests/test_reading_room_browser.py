"""The reading room in a real browser (Playwright driving Debian's Chromium) against `crawl serve`: the flows a
reader follows, hostile text inert (no dialog, no script), and a phone-sized screen without sideways scrolling."""
from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.test_hostile import hostile  # noqa: F401 - the hostile archive fixture

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.slow,   # a Datasette subprocess and a browser; the session's archive_db (two crawls of the mirror)
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"
                       " (`apt-get install chromium`; .ci/run installs it)"),
]
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(db: str):
    """`crawl serve` on a free port; yields its base URL and stops it afterwards."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "scheduler.cli", "serve", "--db", db, "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{base}/-/reading-room/style.css", timeout=2).close()
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
                time.sleep(0.2)
        yield base
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=20)


@pytest.fixture(scope="module")
def server(archive_db):
    yield from serve(str(archive_db))


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 900}, java_script_enabled=False)
    yield context.new_page()
    context.close()


def test_search_open_compare_and_cite(server, page):
    from playwright.sync_api import expect

    page.goto(f"{server}/-/reading-room")
    page.get_by_role("searchbox").fill("Кремль")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/-/search\?q="))
    hit = page.locator("article.hit").filter(has_text="Москва. Кремль. Путин").first
    expect(hit.locator("mark").first).to_have_text(re.compile("кремль", re.IGNORECASE))
    hit.locator("h2 a").click()
    expect(page).to_have_url(re.compile(r"/-/statement/mid\.ru:1974990"))
    expect(page.locator("h1")).to_have_attribute("lang", "ru")

    # The edit, side by side: removed words on the left, inserted on the right.
    edit = page.locator("details.edit").first
    expect(edit.locator("del").first).to_be_visible()
    expect(edit.locator("del").first).to_have_text(". Честный")
    expect(edit.locator("ins").first).to_have_text(", честный")

    # The citation of version 1 is folded: open it.
    cite = page.locator("details#cite-v1")
    expect(cite.locator(".cite-line")).not_to_be_visible()
    cite.locator("summary").click()
    line = cite.locator(".cite-line")
    expect(line).to_be_visible()
    expect(line).to_contain_text("Version 1, captured")
    expect(line).to_contain_text("WARC ")
    expect(line).to_contain_text("sha1:")
    permalink = cite.locator("a.permalink")
    expect(permalink).to_have_attribute("href", re.compile(r"\?lang=ru&version=1$"))
    permalink.click()
    expect(page.locator("#text")).to_contain_text("not the current text")

    # The cross-language view.
    page.get_by_role("link", name="Russian ↔ English").first.click()
    expect(page).to_have_url(re.compile(r"against=en"))
    rows = page.locator("#compare table.align tbody tr")
    expect(rows.first).to_be_visible()
    expect(rows.first.locator("td").nth(0)).to_have_attribute("lang", "ru")
    expect(rows.first.locator("td").nth(1)).to_have_attribute("lang", "en")
    expect(page.locator("#compare")).to_contain_text("Lavrov")


def test_filter_the_change_list(server, page):
    from playwright.sync_api import expect

    page.goto(f"{server}/-/reading-room")
    page.get_by_role("link", name="Changes", exact=True).click()
    expect(page.locator("article.change").first).to_be_visible()
    page.get_by_label("deleted").check()
    page.get_by_label("English").check()
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"kind=deleted"))
    items = page.locator("article.change")
    expect(items).to_have_count(1)
    expect(items.first.locator(".badge")).to_have_text("deleted")
    expect(items.first).to_contain_text("Arctic")
    expect(page.get_by_label("deleted")).to_be_checked()
    # The same filter as a feed.
    href = page.locator("link[type='application/atom+xml']").get_attribute("href")
    assert href == "/-/changes.atom?kind=deleted&lang=en"


def test_a_phone_sized_screen_needs_no_sideways_scrolling(server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
    try:
        page = context.new_page()
        for path in ("/-/reading-room", "/-/statement/mid.ru:1974990", "/-/statement/mid.ru:1974990?lang=ru&against=en",
                     "/-/changes", "/-/search?q=%D0%9B%D0%B0%D0%B2%D1%80%D0%BE%D0%B2"):
            page.goto(server + path)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 391, (path, width)
            size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('main p, main li')).fontSize)")
            assert size >= 14, (path, size)
    finally:
        context.close()


@pytest.fixture(scope="module")
def hostile_server(hostile):  # noqa: F811
    yield from serve(hostile["db"])


def test_hostile_pages_run_nothing(hostile_server, browser):
    from tests.test_hostile import SID

    context = browser.new_context()   # JavaScript on: nothing the page text carries may run
    dialogs: list[str] = []
    try:
        page = context.new_page()
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        for path in (f"/-/statement/mid.ru:{SID}", f"/-/statement/mid.ru:{SID}?version=1", "/-/changes",
                     "/-/reading-room", "/-/search?q=script"):
            page.goto(hostile_server + path)
            page.wait_for_load_state("load")
            assert page.evaluate("document.querySelectorAll('script, img, iframe, [onclick], [onerror]').length") == 0
        page.goto(f"{hostile_server}/-/statement/mid.ru:{SID}")
        assert "<script>alert('t')</script>" in page.locator("h1").inner_text()
    finally:
        context.close()
    assert dialogs == []
