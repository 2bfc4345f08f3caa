"""ArchiveSpider callbacks over responses built from the archive fixtures (no network)."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import scrapy
from scrapy.http import HtmlResponse

from crawler.spiders.archive import ArchiveSpider
from crawler.items import FetchItem, PageItem, Recheck
from crawler.spiders.mid import MidSpider
from fixtures.mirror.archive import handle_archive

BASE = "http://127.0.0.1:8765"
INST = "cKNonkJE02Bw"


def respond(request: scrapy.Request, state: str = "initial", status: int | None = None,
            body: bytes | None = None) -> HtmlResponse:
    parts = urlsplit(request.url)
    if body is None:
        result = handle_archive(parts.path, parse_qs(parts.query, keep_blank_values=True), state)
        assert result is not None, request.url
        code, headers, body = result
    else:
        code, headers = 200, {"Content-Type": "text/html; charset=UTF-8"}
    return HtmlResponse(request.url, status=status or code, headers=headers, body=body,
                        encoding="utf-8", request=request)


def split(results):
    results = list(results)
    items = [r for r in results if not isinstance(r, scrapy.Request)]
    requests = [r for r in results if isinstance(r, scrapy.Request)]
    return items, requests


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query, keep_blank_values=True)


def spider(**kw) -> ArchiveSpider:
    kw.setdefault("base_url", BASE)
    kw.setdefault("langs", ["ru"])
    kw.setdefault("section_keys", ["news"])
    return ArchiveSpider(**kw)


def test_start_requests_are_asset_publisher_listings():
    s = spider(langs=["ru", "en", "pt"], section_keys=["news", "minister_speeches", "comments"])
    urls = [r.url for r in s.start_requests_list()]
    paths = sorted(urlsplit(u).path for u in urls)
    assert paths == ["/en/foreign_policy/news", "/en/press_service/minister_speeches", "/ru/foreign_policy/news",
                     "/ru/kommentarii", "/ru/press_service/minister_speeches"]
    q = query(next(u for u in urls if u.endswith(f"_101_INSTANCE_{INST}_cur=1")))
    assert q["p_p_id"] == [f"101_INSTANCE_{INST}"]
    assert q[f"_101_INSTANCE_{INST}_cur"] == ["1"]
    assert q[f"_101_INSTANCE_{INST}_delta"] == ["20"]
    assert all(u.startswith(BASE + "/") for u in urls)
    assert s.name == "archive" and s.site == "archive.mid.ru" and not s.feeds


def test_listing_yields_articles_and_the_next_page():
    s = spider(max_pages=3)
    listing = s.start_requests_list()[0]
    items, requests = split(s.parse_listing(respond(listing)))
    assert len(items) == 1 and isinstance(items[0], FetchItem)
    assert items[0].fetch.outcome == "ok" and items[0].fetch.page_type == "listing"
    articles = [r for r in requests if r.meta["page_type"] == "article"]
    listings = [r for r in requests if r.meta["page_type"] == "listing"]
    assert [r.meta["source_id"] for r in articles] == [3930112, 3929435, 3928876, 3927001, 121364]
    asean = articles[1]
    assert asean.url == (f"{BASE}/ru/foreign_policy/news/-/asset_publisher/{INST}/content/id/3929435"
                         f"?p_p_id=101_INSTANCE_{INST}&_101_INSTANCE_{INST}_languageId=ru_RU")
    assert asean.meta["lang"] == "ru" and asean.callback == s.parse_article
    assert len(listings) == 1 and listings[0].meta["page"] == 2
    assert query(listings[0].url)[f"_101_INSTANCE_{INST}_cur"] == ["2"]
    # page 2: the last one, no further page
    items, requests = split(s.parse_listing(respond(listings[0])))
    assert [r.meta["source_id"] for r in requests] == [203977]


def test_listing_respects_max_pages_and_since():
    s = spider(max_pages=1)
    _, requests = split(s.parse_listing(respond(s.start_requests_list()[0])))
    assert requests and all(r.meta["page_type"] == "article" for r in requests)   # no next page
    s = spider(max_pages=5, since="2015-01-01")
    _, requests = split(s.parse_listing(respond(s.start_requests_list()[0])))
    assert [r.meta["source_id"] for r in requests] == [3930112, 3929435, 3928876, 3927001]  # 2013 skipped


def test_article_yields_page_item_and_the_other_languages():
    s = spider(langs=["ru", "en", "de", "fr", "es"])
    request = s._article_request(f"{BASE}/en/foreign_policy/news/-/asset_publisher/{INST}/content/id/3929435",
                                 "en", 3929435)
    s.seen.add((3929435, "en"))
    items, requests = split(s.parse_article(respond(request)))
    assert len(items) == 1 and isinstance(items[0], PageItem)
    page = items[0]
    assert page.record["site"] == "archive.mid.ru" and page.record["lang"] == "en"
    assert page.record["published_at"] == "2020-02-03T14:15:00+03:00"
    assert page.fetch.statement_id == "archive.mid.ru:3929435" and page.fetch.lang == "en"
    assert page.fetch.outcome == "ok" and page.fetch.body and page.fetch.etag
    langs = sorted(r.meta["lang"] for r in requests)
    assert langs == ["de", "es", "fr", "ru"]
    for r in requests:
        locale = query(r.url)[f"_101_INSTANCE_{INST}_languageId"][0]
        assert locale[:2] == r.meta["lang"] and r.meta["source_id"] == 3929435
        assert r.url.startswith(BASE + f"/{r.meta['lang']}/foreign_policy/news/-/asset_publisher/")
    # every variant parses as the same statement; nothing is requested twice
    for r in requests:
        items2, again = split(s.parse_article(respond(r)))
        assert items2[0].record["source_id"] == 3929435 and items2[0].record["lang"] == r.meta["lang"]
        assert items2[0].fetch.statement_id == "archive.mid.ru:3929435"
        assert again == []


def test_langs_limit_which_translations_are_followed():
    s = spider(langs=["ru", "en"])
    request = s._article_request(f"{BASE}/ru/foreign_policy/news/-/asset_publisher/{INST}/content/id/3929435",
                                 "ru", 3929435)
    s.seen.add((3929435, "ru"))
    _, requests = split(s.parse_article(respond(request)))
    assert [r.meta["lang"] for r in requests] == ["en"]


@pytest.mark.parametrize("status,outcome", [(404, "gone"), (410, "gone"), (503, "server_error"),
                                            (429, "rate_limited")])
def test_error_statuses(status, outcome):
    s = spider()
    path = f"/ru/foreign_policy/news/-/asset_publisher/{INST}/content/id/1234567"
    request = s._article_request(BASE + path, "ru", 1234567)
    response = respond(request) if status == 404 else respond(request, status=status, body=b"<html>x</html>")
    assert response.status == status
    items, requests = split(s.parse_article(response))
    assert requests == []
    assert [i.fetch.outcome for i in items] == [outcome]
    assert items[0].fetch.statement_id == "archive.mid.ru:1234567" and items[0].fetch.lang == "ru"


def test_challenge_is_retried():
    s = spider()
    request = s._article_request(f"{BASE}/ru/foreign_policy/news/-/asset_publisher/{INST}/content/id/3929435",
                                 "ru", 3929435)
    items, requests = split(s.parse_article(respond(
        request, body=b"<html><body>Data processing... Please, wait.</body></html>")))
    assert [i.fetch.outcome for i in items] == ["challenge"]
    assert len(requests) == 1 and requests[0].dont_filter


def test_rechecks_are_split_by_portal():
    archive_url = (f"https://archive.mid.ru/de/foreign_policy/news/-/asset_publisher/{INST}/content/id/3929435"
                   f"?p_p_id=101_INSTANCE_{INST}&_101_INSTANCE_{INST}_languageId=de_DE")
    rechecks = [Recheck("archive.mid.ru:3929435", "de", archive_url, etag='"abc"'),
                Recheck("mid.ru:1974990", "ru", "https://mid.ru/ru/foreign_policy/news/1974990/?lang=ru")]
    s = spider(rechecks=rechecks, discover=False)
    requests = s.start_requests_list()
    assert len(requests) == 1
    assert requests[0].url == archive_url.replace("https://archive.mid.ru", BASE)
    assert requests[0].headers.get("If-None-Match") == b'"abc"' and requests[0].meta["recheck"]
    mid = MidSpider(base_url=BASE, rechecks=rechecks, discover=False)
    assert [r.meta["source_id"] for r in mid.start_requests_list()] == [1974990]


def test_state_later_changes_only_the_russian_text():
    s = spider(langs=["ru", "en"])
    url = f"{BASE}/ru/foreign_policy/news/-/asset_publisher/{INST}/content/id/3929435"
    first = split(s.parse_article(respond(s._article_request(url, "ru", 3929435))))[0][0].record
    later = split(s.parse_article(respond(s._article_request(url, "ru", 3929435), state="later")))[0][0].record
    assert first["title"] == later["title"] and first["paragraphs"] != later["paragraphs"]


def test_missing_listing_is_gone_not_an_error():
    s = spider(section_keys=["briefings"])
    listing = s.start_requests_list()[0]
    assert 404 in listing.meta["handle_httpstatus_list"]
    response = respond(listing, status=404, body=b"<html>not found</html>")
    items, requests = split(s.parse_listing(response))
    assert [i.fetch.outcome for i in items] == ["gone"] and requests == []
