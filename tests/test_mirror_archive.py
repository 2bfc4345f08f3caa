"""The older portal's mirror handler (fixtures/mirror/archive.py): URL schemes, languages, paging, states."""
from __future__ import annotations

from urllib.parse import parse_qs

import pytest

from crawler.parsers import NotAnArticle
from crawler.parsers.g1_article import parse_article
from crawler.parsers.g1_listing import parse_listing, parse_pager
from fixtures.mirror.archive import ARCHIVE_ROOT, handle_archive, load_manifest

INST = "cKNonkJE02Bw"
ASEAN = f"/foreign_policy/news/-/asset_publisher/{INST}/content/id/3929435"
HOST = "http://127.0.0.1:8765"


def get(path: str, query: str = "", state: str = "initial"):
    return handle_archive(path, parse_qs(query, keep_blank_values=True), state)


def title_of(body: bytes, url: str) -> str:
    return parse_article(body.decode("utf-8"), url)["title"]


def titles() -> dict[str, str]:
    st = load_manifest()["by_id"][3929435]
    return {lang: data["title"] for lang, data in st["langs"].items()}


@pytest.mark.parametrize("lang", ["ru", "en", "de", "fr", "es"])
def test_article_by_language_prefix(lang):
    status, headers, body = get(f"/{lang}{ASEAN}")
    assert status == 200
    assert headers["Content-Type"].startswith("text/html")
    assert headers["ETag"].startswith('"') and headers["Last-Modified"].endswith("GMT")
    assert title_of(body, HOST + f"/{lang}{ASEAN}") == titles()[lang]


@pytest.mark.parametrize("locale,lang", [("de_DE", "de"), ("en_GB", "en"), ("fr_FR", "fr"), ("es_ES", "es"),
                                         ("ru_RU", "ru")])
def test_article_by_language_parameter_without_prefix(locale, lang):
    query = f"p_p_id=101_INSTANCE_{INST}&_101_INSTANCE_{INST}_languageId={locale}"
    status, _, body = get(ASEAN, query)
    assert status == 200
    assert title_of(body, f"{HOST}{ASEAN}?{query}") == titles()[lang]


def test_parameter_wins_over_prefix_and_works_without_p_p_id():
    query = f"_101_INSTANCE_{INST}_languageId=fr_FR"
    status, _, body = get(f"/en{ASEAN}", query)
    assert status == 200
    assert title_of(body, f"{HOST}/en{ASEAN}?{query}") == titles()["fr"]
    assert titles()["en"].encode() not in body


def test_locale_prefix_and_default_language():
    assert titles()["en"].encode() in get(f"/en_GB{ASEAN}")[2]
    assert titles()["ru"].encode() in get(ASEAN)[2]  # no prefix, no parameter: the portal's default


def test_same_asset_under_a_second_section():
    status, _, body = get("/ru/press_service/minister_speeches/-/asset_publisher/7OvQR5KJWVmR/content/id/3929435")
    assert status == 200 and titles()["ru"].encode() in body


@pytest.mark.parametrize("path", [
    f"/ru/foreign_policy/news/-/asset_publisher/{INST}/content/id/1234567",          # unknown asset
    "/ru/foreign_policy/news/-/asset_publisher/7OvQR5KJWVmR/content/id/3929435",     # wrong instance
    "/ru/press_service/minister_speeches/-/asset_publisher/7OvQR5KJWVmR/content/id/3930112",  # not there
    f"/en/foreign_policy/news/-/asset_publisher/{INST}/content/id/3927001",          # no English text
])
def test_not_found(path):
    status, headers, body = get(path)
    assert status == 404
    with pytest.raises(NotAnArticle):
        parse_article(body.decode(), HOST + path)


@pytest.mark.parametrize("path,query", [
    ("/robots.txt", ""), ("/", ""), ("/ru/", ""), ("/ru/foreign_policy/news/", ""),
    ("/ru/foreign_policy/news/1974990/", "lang=ru"), ("/ru/rss.php", ""), ("/ru/unknown_section", ""),
    ("/xx/foreign_policy/news", ""), ("/__mirror__/state", ""),
])
def test_not_an_archive_url(path, query):
    assert get(path, query) is None


def test_listing_plain_path_is_page_one_with_pager():
    status, _, body = get("/ru/foreign_policy/news")
    assert status == 200
    html = body.decode()
    entries = parse_listing(html, HOST + "/ru/foreign_policy/news")
    assert [e["source_id"] for e in entries] == [3930112, 3929435, 3928876, 3927001, 121364]
    assert parse_pager(html, HOST + "/ru/foreign_policy/news") == {"current": 1, "last": 2, "next": 2}
    assert 'class="paginates"' in html and '<li class="last">' in html


def test_listing_paging_parameters():
    query = (f"p_p_id=101_INSTANCE_{INST}&p_p_lifecycle=0&p_p_state=normal&p_p_mode=view&p_p_col_id=column-1"
             f"&p_p_col_pos=1&p_p_col_count=2&_101_INSTANCE_{INST}_delta=5&_101_INSTANCE_{INST}_keywords="
             f"&_101_INSTANCE_{INST}_advancedSearch=false&_101_INSTANCE_{INST}_andOperator=true"
             f"&p_r_p_564233524_resetCur=false&_101_INSTANCE_{INST}_cur=2")
    status, _, body = get("/ru/foreign_policy/news", query)
    assert status == 200
    entries = parse_listing(body.decode(), f"{HOST}/ru/foreign_policy/news?{query}")
    assert [e["source_id"] for e in entries] == [203977]
    # a trailing slash is fine when the portlet parameters say it is the asset publisher
    assert get("/ru/foreign_policy/news/", query)[0] == 200


def test_listing_delta_is_capped_and_honoured():
    body = get("/ru/foreign_policy/news", f"_101_INSTANCE_{INST}_delta=2&_101_INSTANCE_{INST}_cur=3")[2].decode()
    url = f"{HOST}/ru/foreign_policy/news?_101_INSTANCE_{INST}_delta=2&_101_INSTANCE_{INST}_cur=3"
    assert [e["source_id"] for e in parse_listing(body, url)] == [121364, 203977]
    assert parse_pager(body, url) == {"current": 3, "last": 3, "next": None}
    body = get("/ru/foreign_policy/news", f"_101_INSTANCE_{INST}_delta=100")[2].decode()
    assert len(parse_listing(body, HOST + "/ru/foreign_policy/news")) == load_manifest()["max_delta"]


def test_listing_per_language_and_past_the_end():
    en = parse_listing(get("/en/foreign_policy/news")[2].decode(), HOST + "/en/foreign_policy/news")
    assert 3927001 not in [e["source_id"] for e in en]  # Russian-only statement
    assert len(en) == 5
    body = get("/ru/foreign_policy/news", f"_101_INSTANCE_{INST}_cur=9")[2].decode()
    assert parse_listing(body, HOST + "/ru/foreign_policy/news") == []
    speeches = get("/ru/press_service/minister_speeches")[2].decode()
    assert [e["source_id"] for e in parse_listing(speeches, HOST + "/x")] == [3929435, 3925710, 196424]


def test_state_later_edits_one_russian_paragraph():
    path = f"/ru{ASEAN}"
    before = get(path)
    after = get(path, state="later")
    assert before[2] != after[2] and before[1]["ETag"] != after[1]["ETag"]
    a = parse_article(before[2].decode(), HOST + path)["paragraphs"]
    b = parse_article(after[2].decode(), HOST + path)["paragraphs"]
    assert len(a) == len(b)
    assert sum(x != y for x, y in zip(a, b)) == 1
    for lang in ("en", "de", "fr", "es"):
        assert get(f"/{lang}{ASEAN}")[2] == get(f"/{lang}{ASEAN}", state="later")[2]
    assert get(path, state="no-such-state")[2] == before[2]


def test_manifest_files_exist():
    manifest = load_manifest()
    for st in manifest["statements"]:
        for data in st["langs"].values():
            assert (ARCHIVE_ROOT / data["file"]).is_file()
    for state in manifest["states"].values():
        for rel in state["files"].values():
            assert (ARCHIVE_ROOT / rel).is_file()
