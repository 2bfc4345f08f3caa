"""crawler/cdx.py: the web archive's index queries and answers, raw capture addresses, captured URLs as variants."""
from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from crawler.cdx import (BadAnswer, capture_of, capture_url, discovery_prefixes, index_query, read_answer,
                         timestamp_iso, variant_of, variant_prefixes)

CDX = "https://web.archive.org/cdx/search/cdx"


def test_index_query_asks_json_statuses_200_paged():
    query = parse_qs(urlsplit(index_query(CDX, "mid.ru/ru/foreign_policy/news/", collapse="urlkey",
                                          since="2023-01-05", resume_key="ru,mid)/x 2023")).query)
    assert query["url"] == ["mid.ru/ru/foreign_policy/news/"]
    assert query["matchType"] == ["prefix"] and query["output"] == ["json"]
    assert query["filter"] == ["statuscode:200"] and query["collapse"] == ["urlkey"]
    assert query["showResumeKey"] == ["true"] and query["resumeKey"] == ["ru,mid)/x 2023"]
    assert query["from"] == ["20230105"]   # nothing published on a day can have been captured before it
    assert "resumeKey" not in index_query(CDX, "mid.ru/", collapse="digest")


def test_read_answer_rows_and_resume_key():
    header = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]
    row = ["ru,mid)/ru/foreign_policy/news/1975345/", "20241010120000", "https://mid.ru/ru/foreign_policy/news/1975345/",
           "text/html", "200", "ABC", "100"]
    answer = read_answer(json.dumps([header, row, [], ["ru,mid)/ru/foreign_policy/news/1975345/ 20241010120000"]]))
    assert answer.resume_key == "ru,mid)/ru/foreign_policy/news/1975345/ 20241010120000"
    assert answer.rows == [dict(zip(header, row))]
    assert read_answer(json.dumps([header, row])).resume_key is None     # no key: the listing is complete
    assert read_answer("[]").rows == [] and read_answer("").rows == []
    for bad in ("<html>Service unavailable</html>", '{"error": 1}', json.dumps([header, ["x", "not-a-time", "u"]])):
        with pytest.raises(BadAnswer):
            read_answer(bad)


def test_capture_addresses_and_times():
    url = capture_url("http://127.0.0.1:8000", "20241004140510", "https://mid.ru/ru/foreign_policy/news/1968405/?lang=ru")
    assert url == "http://127.0.0.1:8000/web/20241004140510id_/https://mid.ru/ru/foreign_policy/news/1968405/?lang=ru"
    assert capture_of(url) == ("20241004140510", "https://mid.ru/ru/foreign_policy/news/1968405/?lang=ru")
    assert capture_of("https://web.archive.org/web/2024/https://mid.ru/") is None   # no id_: the rewritten page
    assert timestamp_iso("20241004140510") == "2024-10-04T14:05:10+00:00"
    assert timestamp_iso("2024") == "2024-01-01T00:00:00+00:00"


@pytest.mark.parametrize("original,expected", [
    ("https://mid.ru/ru/foreign_policy/news/1975345/", (1975345, "ru")),
    ("http://www.mid.ru/en/foreign_policy/news/1975345/", (1975345, "en")),
    ("https://mid.ru/ru/foreign_policy/news/1975345/?lang=en", (1975345, "en")),
    ("https://mid.ru/ru/press_service/spokesman/briefings/1973703/", (1973703, "ru")),
    ("https://mid.ru/ru/foreign_policy/news/?PAGEN_1=2", None),                    # a listing page
    ("https://mid.ru/ru/about/structure/deputy_ministers/579809/", None),           # not a statement section
    ("https://mid.ru/upload/medialibrary/6a1/1975345.jpg", None),                   # an attachment
    ("https://mid.ru/ru/foreign_policy/news/-/asset_publisher/cKNonkJE02Bw/content/id/3929435", None),
])
def test_current_site_variants(original, expected):
    assert variant_of("mid.ru", original) == expected


@pytest.mark.parametrize("original,expected", [
    ("https://www.mid.ru/ru/foreign_policy/news/-/asset_publisher/cKNonkJE02Bw/content/id/3929435", (3929435, "ru")),
    ("https://archive.mid.ru/en/foreign_policy/news/-/asset_publisher/cKNonkJE02Bw/content/id/3929435", (3929435, "en")),
    ("http://www.mid.ru/foreign_policy/news/-/asset_publisher/cKNonkJE02Bw/content/id/3514009"
     "?p_p_id=101_INSTANCE_cKNonkJE02Bw&_101_INSTANCE_cKNonkJE02Bw_languageId=de_DE", (3514009, "de")),
    ("http://www.mid.ru/foreign_policy/news/-/asset_publisher/cKNonkJE02Bw/content/id/3514009", (3514009, "ru")),
    ("https://mid.ru/ru/foreign_policy/news/1975345/", None),
])
def test_older_portal_variants(original, expected):
    assert variant_of("archive.mid.ru", original) == expected


def test_prefixes_per_section_language_and_variant():
    assert discovery_prefixes("mid.ru", "briefings", "en") == ["mid.ru/en/press_service/spokesman/briefings/"]
    assert discovery_prefixes("mid.ru", "deputy_speeches", "en") == []      # no such listing in English
    assert discovery_prefixes("archive.mid.ru", "news", "de") == [
        "mid.ru/de/foreign_policy/news/-/asset_publisher/cKNonkJE02Bw/content/id/",
        "archive.mid.ru/de/foreign_policy/news/-/asset_publisher/cKNonkJE02Bw/content/id/"]
    assert discovery_prefixes("archive.mid.ru", "comments", "en") == []     # /ru/kommentarii only
    assert variant_prefixes("mid.ru", "https://mid.ru/ru/foreign_policy/news/1974990/?lang=en", "en") == [
        "mid.ru/en/foreign_policy/news/1974990"]
    g1 = ("https://archive.mid.ru/ru/foreign_policy/news/-/asset_publisher/cKNonkJE02Bw/content/id/3929435"
          "?p_p_id=101_INSTANCE_cKNonkJE02Bw&_101_INSTANCE_cKNonkJE02Bw_languageId=ru_RU")
    assert variant_prefixes("archive.mid.ru", g1, "ru") == [
        "mid.ru/ru/foreign_policy/news/-/asset_publisher/cKNonkJE02Bw/content/id/3929435",
        "archive.mid.ru/ru/foreign_policy/news/-/asset_publisher/cKNonkJE02Bw/content/id/3929435"]
