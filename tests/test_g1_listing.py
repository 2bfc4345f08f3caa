"""Listing parser of the older portal (G1): entries and the div.paginates pager."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from crawler.parsers import ChallengePage, parse_page
from crawler.parsers.g1_listing import has_g1_listing, parse_listing, parse_pager
from fixtures.mirror.archive import handle_archive

INST = "cKNonkJE02Bw"
HOST = "http://127.0.0.1:8765"


def listing(path: str, query: str = "") -> tuple[str, str]:
    status, _, body = handle_archive(path, parse_qs(query, keep_blank_values=True), "initial")
    assert status == 200
    return body.decode("utf-8"), HOST + path + (f"?{query}" if query else "")


PAGES = {
    "news.ru.1": ("/ru/foreign_policy/news", ""),
    "news.ru.2": ("/ru/foreign_policy/news", f"p_p_id=101_INSTANCE_{INST}&_101_INSTANCE_{INST}_cur=2"),
    "news.en.1": ("/en/foreign_policy/news", ""),
    "speeches.ru.1": ("/ru/press_service/minister_speeches", ""),
}


@pytest.mark.parametrize("name", sorted(PAGES))
def test_g1_listing_golden(golden, name):
    html, url = listing(*PAGES[name])
    golden(f"parsers/g1/listing_{name}.json", {"entries": parse_listing(html, url),
                                               "pager": parse_pager(html, url)})


def test_first_page_entries_and_pager():
    html, url = listing("/ru/foreign_policy/news")
    entries = parse_listing(html, url)
    assert [e["source_id"] for e in entries] == [3930112, 3929435, 3928876, 3927001, 121364]
    first = entries[1]
    assert first["title"].startswith("Вступительное слово Министра иностранных дел России С.В.Лаврова")
    assert first["published_at"] == "2020-02-03T14:15:00+03:00"
    # full archive.mid.ru URLs in the page, moved to the host the listing came from
    assert first["url"] == f"{HOST}/ru/foreign_policy/news/-/asset_publisher/{INST}/content/id/3929435"
    assert first["tags"] == []
    assert entries[-1]["published_at"] == "2013-07-01T17:45:00+04:00"
    assert parse_pager(html, url) == {"current": 1, "last": 2, "next": 2}
    assert has_g1_listing(html)


def test_second_page_and_dispatch():
    html, url = listing(*PAGES["news.ru.2"])
    entries = parse_listing(html, url)
    assert [(e["source_id"], e["published_at"]) for e in entries] == [(203977, "2010-12-09T18:20:00+03:00")]
    assert parse_pager(html, url) == {"current": 2, "last": 2, "next": None}
    assert parse_page(html, url) == entries


def test_pager_variants():
    # only li.last > a carries the last page (by its _cur parameter); current from the url
    html = ('<div class="paginates"><ul><li><a href="?_101_INSTANCE_X_cur=1">«</a></li>'
            '<li class="last"><a href="/ru/x?p_p_id=101_INSTANCE_X&amp;_101_INSTANCE_X_cur=358">Последняя</a></li>'
            '</ul></div>')
    assert parse_pager(html, "https://archive.mid.ru/ru/x?_101_INSTANCE_X_cur=7") == \
        {"current": 7, "last": 358, "next": 8}
    # numbers only, current page without a link
    html = '<div class="paginates"><ul><li><span>1</span></li><li><a href="#">2</a></li><li><a href="#">3</a></li></ul></div>'
    assert parse_pager(html, "https://archive.mid.ru/ru/x") == {"current": 1, "last": 3, "next": 2}
    assert parse_pager("<html></html>", "https://archive.mid.ru/ru/x") == {"current": 1, "last": None, "next": None}


def test_listing_without_the_block_and_with_relative_links():
    html = """<html><body><div class="portlet-column portlet-column-first">
    <ul><li><span class="date">15 May 2019 21:30</span>
      <a class="anons-title" href="/en/foreign_policy/news/-/asset_publisher/cKNonkJE02Bw/content/id/3648855"> Title A </a></li>
    <li><a class="anons-title" href="/en/foreign_policy/news/-/asset_publisher/cKNonkJE02Bw/content/id/3648855">dup</a></li>
    <li><a class="anons-title" href="/en/foreign_policy/news">not an article</a></li></ul>
    </div></body></html>"""
    entries = parse_listing(html, "https://www.mid.ru/en/foreign_policy/news")
    assert entries == [{
        "source_id": 3648855,
        "url": "https://www.mid.ru/en/foreign_policy/news/-/asset_publisher/cKNonkJE02Bw/content/id/3648855",
        "title": "Title A", "published_at": "2019-05-15T21:30:00+03:00", "tags": [],
    }]


def test_challenge_and_empty():
    with pytest.raises(ChallengePage):
        parse_listing("<html><script>window[\"bobcmn\"]=1</script><body>x</body></html>", HOST + "/ru/x")
    assert parse_listing("", HOST + "/ru/x") == []
    html, url = listing("/ru/foreign_policy/news", f"_101_INSTANCE_{INST}_cur=5")
    assert parse_listing(html, url) == []
    q = parse_qs(urlsplit(url).query)
    assert q[f"_101_INSTANCE_{INST}_cur"] == ["5"]


OLDER_LISTING = """<html><body><div class="page-content">
<div class="portlet-column portlet-column-first"><div class="portlet-body">
<ul class="anons-list news-anons-list">
 <li><div class="anons-status-line"><i>09:40</i> <span>10 December 2009</span></div>
   <h3 class="anons-title"><a href="/en/foreign_policy/news/-/asset_publisher/cKNonkJE02Bw/content/id/260001">First</a></h3>
   <div class="anons-text">Following <a href="/en/foreign_policy/news/-/asset_publisher/cKNonkJE02Bw/content/id/100">an older one</a>.</div></li>
 <li><div class="anons-status-line"><i>18:05</i> <span>9 декабря 2009 г.</span> <b class="doc-number">2300-09-12-2009</b></div>
   <a class="anons-title" href="https://www.mid.ru/ru/foreign_policy/news/-/asset_publisher/cKNonkJE02Bw/content/id/260000">Второе</a></li>
</ul></div></div>
<div class="portlet-column portlet-column-last">
 <a href="/en/foreign_policy/news/-/asset_publisher/cKNonkJE02Bw/content/id/999">a sidebar link</a></div>
</div></body></html>"""


def test_older_listing_markup_anons_list():
    url = "https://archive.mid.ru/en/foreign_policy/news"
    entries = parse_listing(OLDER_LISTING, url)
    # one entry per li (its title link, not the link in its summary), nothing from the sidebar
    assert [(e["source_id"], e["title"], e["published_at"]) for e in entries] == [
        (260001, "First", "2009-12-10T09:40:00+03:00"),
        (260000, "Второе", "2009-12-09T18:05:00+03:00"),
    ]
    # www.mid.ru (the portal's host before 2021) is moved to the listing's host
    assert entries[1]["url"].startswith("https://archive.mid.ru/ru/foreign_policy/news/-/asset_publisher/")
    assert parse_page(OLDER_LISTING, url) == entries
