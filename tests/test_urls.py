"""crawler.urls: the configured host, ?lang=, article ids and the pages the site sends removed articles to."""
from crawler.urls import article_id, is_index_page, path_query, rebase, same_host, with_lang

BASE = "http://127.0.0.1:8000"


def test_rebase_and_lang():
    url = rebase("https://mid.ru/ru/foreign_policy/news/1974990/?lang=en&x=1", BASE)
    assert url == f"{BASE}/ru/foreign_policy/news/1974990/?lang=en&x=1"
    assert with_lang(url, "de") == f"{BASE}/ru/foreign_policy/news/1974990/?x=1&lang=de"
    assert article_id(url) == 1974990 and article_id(f"{BASE}/ru/foreign_policy/news/") is None


def test_path_query_ignores_the_host():
    assert path_query("https://mid.ru/ru/rss.php") == path_query(f"{BASE}/ru/rss.php") == "/ru/rss.php"
    assert path_query(f"{BASE}/ru/foreign_policy/news/?PAGEN_1=2") == "/ru/foreign_policy/news/?PAGEN_1=2"


def test_same_host_means_scheme_host_and_port():
    assert same_host(f"{BASE}/ru/x/", BASE)
    assert not same_host("http://127.0.0.1:8001/ru/x/", BASE)
    assert not same_host("http://evil.example/ru/x/", BASE)
    assert not same_host("ftp://127.0.0.1:8000/ru/x/", BASE)


def test_index_pages_are_the_home_page_and_section_listings():
    assert is_index_page(f"{BASE}/") and is_index_page(f"{BASE}/ru/")
    assert is_index_page(f"{BASE}/ru/foreign_policy/news/")
    assert not is_index_page(f"{BASE}/ru/foreign_policy/news/1974991/")   # another article
    assert not is_index_page(f"{BASE}/ru/some/other/place/")
