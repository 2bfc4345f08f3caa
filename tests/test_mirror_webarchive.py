"""The mirror's web archive (fixtures/mirror/webarchive.py) and its state `backfill` (unlisted statements, a long
older portal): the index answers as the public CDX server does, raw captures as the Wayback Machine serves them."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from urllib.parse import urlencode

import pytest

from crawler.parsers import parse_any_article
from crawler.parsers.g1_listing import parse_listing as parse_g1_listing
from crawler.parsers.g1_listing import parse_pager
from fixtures.mirror import MirrorServer
from fixtures.mirror.archive import handle_archive
from fixtures.mirror.archive_generated import COUNT, statements_for
from fixtures.mirror.webarchive import CAP, surt


@pytest.fixture(scope="module")
def mirror():
    with MirrorServer(state="backfill") as server:
        yield server


def get(server, path: str) -> tuple[int, dict, bytes]:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(server.base_url + path) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def cdx(server, **params) -> list:
    status, _, body = get(server, "/cdx/search/cdx?" + urlencode({"output": "json", **params}, doseq=True))
    assert status == 200
    return json.loads(body)


def all_pages(server, **params) -> tuple[list[list[str]], int]:
    rows, answers, key = [], 0, None
    while True:
        data = cdx(server, showResumeKey="true", **params, **({"resumeKey": key} if key else {}))
        answers += 1
        key = data[-1][0] if len(data) >= 2 and data[-2] == [] else None
        body = data[1:-2] if key else data[1:]
        assert len(body) <= CAP
        rows += body
        if key is None:
            return rows, answers


def test_surt():
    assert surt("https://www.mid.ru/ru/foreign_policy/news/1975345/?lang=en&b=1") == \
        "ru,mid)/ru/foreign_policy/news/1975345/?b=1&lang=en"
    assert surt("archive.mid.ru/EN/x") == "ru,mid,archive)/en/x"


def test_prefix_query_pages_with_resume_keys_and_lists_unlisted_statements(mirror):
    rows, answers = all_pages(mirror, url="mid.ru/ru/foreign_policy/news/", matchType="prefix",
                              filter="statuscode:200", collapse="urlkey")
    assert answers > 1                                    # capped: the client must page
    keys = [r[0] for r in rows]
    assert keys == sorted(keys) and len(keys) == len(set(keys))   # every URL once, in order, none lost
    originals = {r[2] for r in rows}
    assert "https://mid.ru/ru/foreign_policy/news/1889012/" in originals      # unlisted: only the index knows it
    assert not any("1871120" in o for o in originals)                         # uncaptured: not even the index
    assert "https://mid.ru/ru/foreign_policy/news/1975559/" in originals      # its 404 capture left out, its 200 kept
    assert all(r[4] == "200" for r in rows)
    status, _, listing = get(mirror, "/ru/foreign_policy/news/?PAGEN_1=1")
    assert b"1889012" not in listing and b"1889012" not in get(mirror, "/ru/rss.php")[2]


def test_filters_collapse_and_exact_match(mirror):
    url = "mid.ru/ru/foreign_policy/news/1967950"
    every = cdx(mirror, url=url, matchType="prefix")[1:]
    assert [r[1] for r in every] == ["20241003101500", "20241003183000", "20241004093000", "20241005083000"]
    # the last two hold the same bytes (the page as it is now) and come one after the other: collapsed
    assert [r[1] for r in cdx(mirror, url=url, matchType="prefix", collapse="digest")[1:]] == [
        "20241003101500", "20241003183000", "20241004093000"]
    assert cdx(mirror, url=url + "/", fl="timestamp")[1:] == [["20241003101500"], ["20241003183000"],
                                                              ["20241004093000"]]   # exact: not the ?lang=ru one
    assert cdx(mirror, url=url, matchType="prefix", **{"from": "20241005"})[1][1] == "20241005083000"
    assert cdx(mirror, url="mid.ru/upload/", matchType="prefix", filter="!mimetype:image/.*") == []
    assert cdx(mirror, url="mid.ru/nothing/here") == []


def test_raw_captures(mirror):
    original = "https://mid.ru/ru/foreign_policy/news/1967950/"
    status, headers, body = get(mirror, f"/web/20241003101500id_/{original}")
    assert status == 200 and "Memento-Datetime" in headers
    assert "Его изучают миллионы людей по всему миру.".encode() in body      # the earlier text
    status, headers, body = get(mirror, f"/web/20241003110000id_/{original}")      # no capture at that time
    assert status == 302 and headers["Location"] == f"/web/20241003101500id_/{original}"
    assert get(mirror, "/web/20241003101500id_/https://mid.ru/ru/nothing/1/")[0] == 404
    whole = get(mirror, "/web/20241004093000id_/https://mid.ru/en/foreign_policy/news/1967950/")
    cut = get(mirror, "/web/20241003200000id_/https://mid.ru/en/foreign_policy/news/1967950/")
    assert whole[0] == cut[0] == 200 and len(cut[2]) < len(whole[2]) * 0.6 and not cut[2].rstrip().endswith(b"</html>")
    assert b"TSPD" in get(mirror, "/web/20241010121500id_/https://mid.ru/ru/foreign_policy/news/1975354/")[2]
    g1 = "https://www.mid.ru/ru/foreign_policy/news/-/asset_publisher/cKNonkJE02Bw/content/id/3929435"
    record = parse_any_article(get(mirror, f"/web/20200204093000id_/{g1}")[2].decode(), g1)
    assert (record["site"], record["source_id"], record["lang"]) == ("archive.mid.ru", 3929435, "ru")


def test_the_long_older_portal_of_the_backfill_state():
    generated = statements_for("backfill")
    assert len(generated) == COUNT and statements_for("initial") == ()
    status, _, body = handle_archive("/ru/foreign_policy/news", {}, "backfill")
    html = body.decode()
    assert status == 200 and "anons-list news-anons-list" in html
    entries = parse_g1_listing(html, "https://archive.mid.ru/ru/foreign_policy/news")
    assert len(entries) == 5 and all(e["published_at"] for e in entries)
    ru = [st for st in generated if "ru" in st["langs"]]
    assert parse_pager(html, "https://archive.mid.ru/ru/foreign_policy/news")["last"] == -(-(len(ru) + 6) // 5)
    last = generated[-1]
    status, _, page = handle_archive(f"/en/foreign_policy/news/-/asset_publisher/cKNonkJE02Bw/content/id/{generated[0]['asset_id']}",
                                     {}, "backfill")
    record = parse_any_article(page.decode(), f"https://archive.mid.ru/en/foreign_policy/news/-/asset_publisher/"
                                              f"cKNonkJE02Bw/content/id/{generated[0]['asset_id']}")
    assert record["published_at"] == "2009-12-10T09:00:00+03:00" and set(record["languages"]) == {"ru", "en"}
    assert handle_archive(f"/ru/foreign_policy/news/-/asset_publisher/cKNonkJE02Bw/content/id/{last['asset_id']}",
                          {}, "initial")[0] == 404
