"""crawler/boundary.py: every request, redirects and robots.txt included, stays on the configured scheme, host
and port, judged by the URL the downloader would really use."""
import pytest
from scrapy.http import Request

from crawler.boundary import HostBoundaryMiddleware, OffsiteRequest
from fixtures.mirror import MirrorServer
from tests.helpers import query as q, run_cli

BASE = "http://127.0.0.1:8123"


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8124/ru/foreign_policy/news/",          # another port on the same host
    "https://127.0.0.1:8123/ru/",                              # another scheme
    "http://localhost:8123/ru/",                               # another name for the host
    "http://169.254.169.254\\@127.0.0.1:8123/ru/foreign_policy/news/1974990/",   # read by w3lib as 169.254.169.254
    "http://127.0.0.1/ru/",                                    # the default port is another port
])
def test_requests_off_the_configured_origin_are_refused(url):
    with pytest.raises(OffsiteRequest):
        HostBoundaryMiddleware(BASE).process_request(Request(url))


def test_requests_on_the_configured_origin_pass():
    middleware = HostBoundaryMiddleware(BASE)
    for url in (f"{BASE}/robots.txt", f"{BASE}/ru/foreign_policy/news/1974990/?lang=en", "HTTP://127.0.0.1:8123/"):
        assert middleware.process_request(Request(url)) is None
    assert HostBoundaryMiddleware("https://mid.ru").process_request(Request("https://mid.ru:443/ru/")) is None


@pytest.mark.slow
def test_redirects_to_another_port_or_a_disguised_host_are_never_followed(tmp_path):
    db = str(tmp_path / "b.db")
    with MirrorServer(state="initial") as other, MirrorServer(state="initial") as server:
        port = server.base_url.rsplit(":", 1)[1]
        # The listing and the feed send the crawler to another port; an article to a host disguised behind a '\\@'.
        server.set_fault("/ru/foreign_policy/news/", "redirect_offsite", host=other.base_url.split("//")[1])
        server.set_fault("/ru/rss.php", "redirect_offsite", host=other.base_url.split("//")[1])
        server.set_fault("/ru/foreign_policy/news/1975559/", "redirect_offsite",
                         host=f"169.254.169.254\\@127.0.0.1:{port}")
        crawl = ["run", "--db", db, "--base-url", server.base_url, "--delay", "0", "--timeout", "3", "--retries",
                 "0", "--section", "news", "--lang", "ru", "--recheck", "all"]
        run_cli(*crawl)
        server.clear_faults()
        server.set_fault("/ru/foreign_policy/news/1975559/", "redirect_offsite",
                         host=f"169.254.169.254\\@127.0.0.1:{port}")
        run_cli(*crawl)
        assert other.requests == []
    got = q(db, "SELECT outcome FROM fetches WHERE run_id=2 AND statement_id='mid.ru:1975559'")
    assert got == [("offsite",)]
    assert q(db, "SELECT count(*) FROM warc_records WHERE target_uri LIKE '%169.254%'") == [(0,)]
