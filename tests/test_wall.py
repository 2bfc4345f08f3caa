"""crawler/wall.py: the way through the anti-bot wall, in real `crawl run`s of a mirror behind the script challenge
(fixtures/mirror/wall.py): with the browser's cookie over plain HTTP, through the browser when the cookie does not
open the pages, and without the browser extra (challenge answers only). Plus the wall's rules, unit by unit."""
from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from scrapy import Request

from crawler.browser import CHROMIUM
from crawler.wall import Wall, wall_changed_since
from fixtures.mirror import MirrorServer
from tests.helpers import query as q

NEEDS_CHROMIUM = pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK),
                                    reason=f"no Chromium at {CHROMIUM} (Debian's chromium package; .ci/run installs it)")
CRAWL = ("--delay", "0", "--timeout", "10", "--retries", "1", "--lang", "en", "--section", "news")
CUT = "/en/foreign_policy/news/1975535/"          # answers a page cut after its 2nd paragraph (a whole response)
AWAY = "/en/foreign_policy/news/1964480/"         # redirects to another host


def crawl(db: Path, base_url: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scheduler.cli", "run", "--db", str(db), "--base-url", base_url,
                           *CRAWL, *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


def versions(db: Path) -> set[tuple]:
    return set(q(db, "SELECT statement_id, lang, content_sha256 FROM versions"))


def run_row(db: Path) -> dict:
    cols = ("pages_fetched", "challenge_pages", "versions_new", "browser_pages", "browser_fetched")
    return dict(zip(cols, q(db, f"SELECT {', '.join(cols)} FROM runs ORDER BY id DESC LIMIT 1")[0]))


@pytest.fixture(scope="module")
def crawls(tmp_path_factory):
    """The same crawl of the same mirror: without the wall, behind it (cookie; strict: browser), and behind it
    without the browser extra."""
    root = tmp_path_factory.mktemp("wall")
    shim = root / "shim" / "playwright"
    shim.mkdir(parents=True)
    (shim / "__init__.py").write_text("raise ImportError('the browser extra is not installed (test shim)')\n")
    out = {}
    with MirrorServer() as server, MirrorServer() as elsewhere:
        out["plain"] = crawl(root / "plain.db", server.base_url), root / "plain.db"
        server.set_fault("/*", "script_challenge")
        out["cookie"] = crawl(root / "cookie.db", server.base_url), root / "cookie.db"
        server.set_fault("/*", "script_challenge", strict=1, beacon=elsewhere.base_url)
        server.set_fault(CUT, "cut_whole")
        server.set_fault(AWAY, "redirect_offsite", host=f"127.0.0.1:{elsewhere.port}")
        out["strict"] = crawl(root / "strict.db", server.base_url), root / "strict.db"
        server.clear_faults()
        server.set_fault("/*", "script_challenge")
        out["missing"] = (crawl(root / "missing.db", server.base_url, env={"PYTHONPATH": str(shim.parent)}),
                          root / "missing.db")
        out["never"] = crawl(root / "never.db", server.base_url, "--browser-after", "0"), root / "never.db"
        out["elsewhere"] = list(elsewhere.requests)
    return out


@pytest.mark.slow
@NEEDS_CHROMIUM
def test_behind_the_wall_the_browsers_cookie_gets_the_same_versions(crawls):
    proc, db = crawls["cookie"]
    assert proc.returncode == 0, proc.stderr
    assert versions(db) == versions(crawls["plain"][1]) and versions(db)
    row = run_row(db)
    # Before the browser solved it every page got the challenge; after, every page came with its cookie.
    assert row["challenge_pages"] >= 2 and row["browser_fetched"] == 0
    assert row["browser_pages"] == row["pages_fetched"] - row["challenge_pages"] > 0
    assert q(db, "SELECT DISTINCT via FROM fetches WHERE outcome <> 'challenge'") == [("cookie",)]
    assert f"anti-bot wall: {row['browser_pages']} pages needed the browser: 0 fetched through it," in proc.stdout
    assert proc.stderr.count("the browser got through it") == 1
    # `crawl status` shows the count in its own column.
    status = subprocess.run([sys.executable, "-m", "scheduler.cli", "status", "--db", str(db)], capture_output=True,
                            text=True, timeout=60).stdout.splitlines()
    header = status[1].split()
    assert "browser" in header and status[3].split()[header.index("browser")] == str(row["browser_pages"])


@pytest.mark.slow
@NEEDS_CHROMIUM
def test_when_the_cookie_does_not_help_pages_come_through_the_browser_and_pass_every_check(crawls):
    proc, db = crawls["strict"]
    assert proc.returncode == 0, proc.stderr
    assert "fetched through the browser from now on" in proc.stderr
    plain = {v for v in versions(crawls["plain"][1]) if v[0] not in ("mid.ru:1975535", "mid.ru:1964480")}
    assert versions(db) == plain and plain
    row = run_row(db)
    assert row["browser_fetched"] == row["browser_pages"] == row["pages_fetched"] - row["challenge_pages"] > 0
    # A page cut short is refused through the browser as over plain HTTP; a redirect away is never followed.
    assert q(db, "SELECT outcome, via FROM fetches WHERE url LIKE ?", f"%{CUT}%") == [("truncated", "browser")]
    assert q(db, "SELECT outcome, via FROM fetches WHERE url LIKE ?", f"%{AWAY}%") == [("offsite", "browser")]
    # The WARC archive holds what the browser sent for each page it fetched (Scrapy sends no client hints).
    from warcio.archiveiterator import ArchiveIterator

    sent = 0
    for path in db.parent.joinpath(f"{db.stem}-warc").glob("*.warc.gz"):
        with open(path, "rb") as fh:
            sent += sum(1 for r in ArchiveIterator(fh) if r.rec_type == "request"
                        and r.http_headers.get_header("sec-ch-ua"))
    assert sent == q(db, "SELECT count(*) FROM fetches WHERE via='browser' AND page_type='article'")[0][0]


@pytest.mark.slow
@NEEDS_CHROMIUM
def test_the_browser_asks_nothing_of_another_host(crawls):
    # The strict wall's interstitial asks the other mirror for an image, a script, a frame, an XHR and a pop-up,
    # and one page redirects there: the browser made none of those requests.
    assert crawls["elsewhere"] == []


@pytest.mark.slow
def test_without_the_browser_extra_the_run_says_so_once_and_records_challenges_only(crawls):
    proc, db = crawls["missing"]
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.count("pip install 'ministry-watch[browser]'") == 1
    assert "the browser extra is not installed" in proc.stderr and "apt install chromium" in proc.stderr
    row = run_row(db)
    assert row["versions_new"] == 0 and row["browser_pages"] == 0 and row["challenge_pages"] == row["pages_fetched"] > 0
    assert q(db, "SELECT DISTINCT outcome, via FROM fetches") == [("challenge", None)]
    assert q(db, "SELECT count(*) FROM changes") == [(0,)]


@pytest.mark.slow
def test_browser_after_0_never_tries_the_browser(crawls):
    proc, db = crawls["never"]
    assert proc.returncode == 0, proc.stderr
    assert "anti-bot wall" not in proc.stderr and run_row(db)["browser_pages"] == 0
    assert q(db, "SELECT DISTINCT outcome FROM fetches") == [("challenge",)]


# -- the wall's rules, without a crawl -------------------------------------------------------------------------


def request(url: str, **meta) -> Request:
    return Request(url, meta={"page_type": "article", **meta})


def solving(wall: Wall) -> list[str]:
    asked: list[str] = []

    async def solve(url: str) -> None:
        asked.append(url)
        wall.mode, wall.epoch, wall.user_agent = "cookie", wall.epoch + 1, "Browser/1"
    wall._solve = solve
    return asked


def test_the_wall_is_up_after_n_different_pages_in_a_row():
    wall = Wall("http://127.0.0.1:1", threshold=3)
    asked = solving(wall)
    answer = lambda url, challenge: asyncio.run(wall.answered(request(url), challenge))  # noqa: E731
    answer("http://127.0.0.1:1/a", False)
    for url in ("a", "a", "b", "a"):
        answer(f"http://127.0.0.1:1/{url}", True)
    assert asked == []            # the same page again is not the wall
    answer("http://127.0.0.1:1/c", False)
    for url in ("d", "e"):
        answer(f"http://127.0.0.1:1/{url}", True)
    assert asked == []            # a real answer in between starts the count again
    answer("http://127.0.0.1:1/f", True)
    assert asked == ["http://127.0.0.1:1/f"] and wall.mode == "cookie"


def test_a_run_behind_the_wall_from_its_first_page_tries_at_the_second_challenge():
    wall = Wall("http://127.0.0.1:1", threshold=5)
    asked = solving(wall)
    asyncio.run(wall.answered(request("http://127.0.0.1:1/a"), True))
    assert asked == []
    asyncio.run(wall.answered(request("http://127.0.0.1:1/a", challenge_tries=1), True))
    assert asked == ["http://127.0.0.1:1/a"]


def test_after_the_solve_requests_carry_the_browsers_user_agent_and_stale_challenges_get_another_try():
    wall = Wall("http://127.0.0.1:1", threshold=1)
    solving(wall)
    early = request("http://127.0.0.1:1/a")
    wall.prepare(early)
    assert early.meta["wall_epoch"] == 0 and "via" not in early.meta
    asyncio.run(wall.answered(early, True))
    later = request("http://127.0.0.1:1/b")
    wall.prepare(later)
    assert later.meta["via"] == "cookie" and later.headers["User-Agent"] == b"Browser/1"

    class Crawler:
        pass

    class Spider:
        crawler = Crawler()
    from crawler import wall as wall_module
    wall_module._walls[Spider.crawler] = wall
    assert wall_changed_since(Spider(), early.meta) and not wall_changed_since(Spider(), later.meta)
    # The cookie shown useless (a page's retry answered the challenge, nothing else answered): the browser fetches.
    asyncio.run(wall.answered(request("http://127.0.0.1:1/b", challenge_tries=1, wall_epoch=1), True))
    assert wall.mode == "browser"
    page = request("http://127.0.0.1:1/c")
    wall.prepare(page)
    assert page.meta["via"] == "browser"


def test_threshold_0_never_tries():
    wall = Wall("http://127.0.0.1:1", threshold=0)
    asked = solving(wall)
    for n in range(10):
        asyncio.run(wall.answered(request(f"http://127.0.0.1:1/{n}", challenge_tries=1), True))
    assert asked == [] and wall.mode == "http"
