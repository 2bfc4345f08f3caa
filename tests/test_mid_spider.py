"""crawler.spiders.mid callbacks: what the spider fetches next and what it records, from saved responses."""
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request

from crawler.items import FetchItem, PageItem, Recheck
from crawler.spiders.mid import MidSpider
from crawler.urls import article_id, rebase, with_lang

CASES = Path(__file__).parent.parent / "fixtures" / "parser-cases"
REAL = Path(__file__).parent.parent / "fixtures" / "reference-pages"
BASE = "http://127.0.0.1:8000"


def response(url, body, status=200, meta=None, headers=None):
    request = Request(url, meta=dict(meta or {}))
    return HtmlResponse(url, status=status, body=body, encoding="utf-8", request=request, headers=headers)


def article_meta(source_id=1974990, lang="ru"):
    return {"page_type": "article", "lang": lang, "source_id": source_id, "handle_httpstatus_all": True}


@pytest.fixture
def spider():
    return MidSpider(base_url=BASE, langs=["ru", "en", "de"], section_keys=["news"])


def test_start_reads_page_one_and_rss_per_language_and_rechecks_known(spider):
    spider.rechecks = [Recheck("mid.ru:1974990", "en", "https://mid.ru/ru/foreign_policy/news/1974990/?lang=en",
                               etag='"abc"')]
    requests = spider.start_requests_list()
    urls = [r.url for r in requests]
    assert f"{BASE}/ru/foreign_policy/news/1974990/?lang=en" in urls          # re-check, moved to the mirror host
    assert requests[0].headers.get("If-None-Match") == b'"abc"'
    assert f"{BASE}/ru/foreign_policy/news/" in urls and f"{BASE}/en/foreign_policy/news/" in urls
    assert f"{BASE}/de/rss.php" in urls
    assert not any("PAGEN" in u for u in urls)


def test_listing_yields_articles_in_listing_language(spider):
    body = (CASES / "listing-ru.html").read_bytes()
    out = list(spider.parse_listing(response(f"{BASE}/ru/foreign_policy/news/", body,
                                             meta={"page_type": "listing", "lang": "ru", "section": "news", "page": 1})))
    fetches = [o for o in out if isinstance(o, FetchItem)]
    requests = [o for o in out if isinstance(o, Request)]
    assert fetches[0].fetch.outcome == "ok"
    assert requests and all(r.url.startswith(BASE) and r.url.endswith("?lang=ru") for r in requests)
    assert all(r.meta["page_type"] == "article" for r in requests)  # max_pages=1: no page 2


def test_listing_follows_next_page_when_allowed(spider):
    spider.max_pages = 3
    body = (CASES / "listing-ru.html").read_bytes()
    out = list(spider.parse_listing(response(f"{BASE}/ru/foreign_policy/news/", body,
                                             meta={"page_type": "listing", "lang": "ru", "section": "news", "page": 1})))
    assert any(isinstance(o, Request) and o.url.endswith("?PAGEN_1=2") for o in out)


def test_empty_listing_stops_paging(spider):
    spider.max_pages = 3
    body = (CASES / "listing-empty.html").read_bytes()
    out = list(spider.parse_listing(response(f"{BASE}/ru/foreign_policy/news/?PAGEN_1=9", body,
                                             meta={"page_type": "listing", "lang": "ru", "section": "news", "page": 9})))
    assert not [o for o in out if isinstance(o, Request)]


def test_article_yields_record_and_each_translation_once(spider):
    body = (REAL / "08-10-2024_3.html").read_bytes()
    url = f"{BASE}/ru/foreign_policy/news/1974990/?lang=ru"
    spider.seen.add((1974990, "ru"))
    out = list(spider.parse_article(response(url, body, meta=article_meta())))
    page = [o for o in out if isinstance(o, PageItem)][0]
    assert page.record["source_id"] == 1974990 and page.fetch.body == body
    follow = [o for o in out if isinstance(o, Request)]
    assert [r.url for r in follow] == [f"{BASE}/ru/foreign_policy/news/1974990/?lang=en"]
    # The English page links back to Russian and to itself: nothing new to fetch.
    assert not [o for o in spider.parse_article(response(url, body, meta=article_meta())) if isinstance(o, Request)]


@pytest.mark.parametrize("status,outcome", [(404, "gone"), (410, "gone"), (503, "server_error"),
                                            (429, "rate_limited"), (304, "not_modified")])
def test_article_status_outcomes(spider, status, outcome):
    out = list(spider.parse_article(response(f"{BASE}/ru/foreign_policy/news/1974990/?lang=ru", b"", status=status,
                                             meta=article_meta())))
    assert [o.fetch.outcome for o in out] == [outcome]
    assert out[0].fetch.statement_id == "mid.ru:1974990"


def test_redirect_to_listing_counts_as_gone(spider):
    # Article requests see redirects themselves (Scrapy's redirect middleware leaves them alone).
    out = list(spider.parse_article(response(f"{BASE}/ru/foreign_policy/news/1974990/?lang=ru", b"", status=302,
                                             meta=article_meta(), headers={"Location": "/ru/foreign_policy/news/"})))
    assert [o.fetch.outcome for o in out] == ["gone"]


@pytest.mark.parametrize("case", ["challenge-data-processing.html", "challenge-bobcmn.html"])
def test_challenge_page_is_counted_and_retried_later_never_parsed(spider, case):
    body = (CASES / case).read_bytes()
    out = list(spider.parse_article(response(f"{BASE}/ru/foreign_policy/news/1974990/?lang=ru", body,
                                             meta=article_meta())))
    assert [o.fetch.outcome for o in out if isinstance(o, FetchItem)] == ["challenge"]
    retry = [o for o in out if isinstance(o, Request)]
    assert len(retry) == 1 and retry[0].dont_filter and retry[0].priority < 0
    assert not [o for o in out if isinstance(o, PageItem)]


def test_error_page_is_a_parse_error_not_content(spider):
    body = (CASES / "404.html").read_bytes()
    out = list(spider.parse_article(response(f"{BASE}/ru/foreign_policy/news/1974990/?lang=ru", body,
                                             meta=article_meta())))
    assert [o.fetch.outcome for o in out] == ["parse_error"]


def test_url_helpers():
    assert article_id("https://mid.ru/ru/press_service/spokesman/briefings/1975319/?lang=en") == 1975319
    assert article_id("https://mid.ru/ru/foreign_policy/news/") is None
    assert rebase("https://mid.ru/ru/a/1975319/?lang=en", "http://127.0.0.1:9") == "http://127.0.0.1:9/ru/a/1975319/?lang=en"
    assert with_lang("http://h/ru/a/1975319/?x=1&lang=ru", "en") == "http://h/ru/a/1975319/?x=1&lang=en"
