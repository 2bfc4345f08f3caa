"""crawler/parsers/rss.py: RSS 2.0 / Atom feeds."""
from __future__ import annotations

from pathlib import Path

import pytest

from crawler.parsers import ChallengePage, ParseError, parse_feed, parse_page

CASES = Path(__file__).resolve().parent.parent / "fixtures" / "parser-cases"

FEED_CASES = {
    "rss": ("rss.xml", "http://127.0.0.1:8765/ru/rss.php"),
    "atom": ("atom.xml", "https://mid.ru/en/rss/"),
    "rss-entities": ("rss-entities.xml", "https://mid.ru/ru/rss.php"),
}


def load(name: str) -> str:
    return (CASES / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("stem", sorted(FEED_CASES))
def test_feed_golden(stem, golden):
    name, url = FEED_CASES[stem]
    entries = parse_feed(load(name), url)
    for e in entries:
        assert list(e) == ["source_id", "url", "title", "published_at", "tags"]
    golden(f"parsers/feed-{stem}.json", entries)


def test_rss():
    entries = parse_feed(load("rss.xml"), "http://127.0.0.1:8765/ru/rss.php")
    assert [e["source_id"] for e in entries] == [1975580, 1975319]  # the /ru/about/ item has no id
    assert entries[0]["url"] == "http://127.0.0.1:8765/ru/foreign_policy/news/1975580/"  # stays on the mirror
    assert entries[0]["published_at"] == "2024-10-10T21:15:00+03:00"
    assert entries[0]["tags"] == ["Швейцария"]
    assert entries[1]["title"] == "Брифинг официального представителя МИД России М.В.Захаровой, Москва, 9 октября 2024 года"
    assert entries[1]["published_at"] == "2024-10-09T18:16:00+03:00"
    # bytes input and the real host work too
    real = parse_feed(load("rss.xml").encode("utf-8"), "https://mid.ru/ru/rss.php")
    assert real[0]["url"] == "https://mid.ru/ru/foreign_policy/news/1975580/"


def test_atom():
    entries = parse_feed(load("atom.xml"), "https://mid.ru/en/rss/")
    assert entries == [{
        "source_id": 1975590,
        "url": "https://mid.ru/en/foreign_policy/news/1975590/",
        "title": "Foreign Minister Sergey Lavrov’s meeting with Deputy Prime Minister and Foreign Minister of Laos Saleumxay Kommasith",
        "published_at": "2024-10-10T20:05:00+03:00",
        "tags": ["Laos"],
    }]


def test_entities_are_not_expanded():
    entries = parse_feed(load("rss-entities.xml"), "https://mid.ru/ru/rss.php")
    assert entries[0]["title"] == "Safe title"
    assert "root:" not in entries[0]["title"] and "lol" not in entries[0]["title"]


def test_declared_encoding_in_a_str_is_ignored():
    xml = load("rss.xml").replace('encoding="UTF-8"', 'encoding="windows-1251"')
    assert parse_feed(xml, "https://mid.ru/ru/rss.php")[0]["source_id"] == 1975580
    cp1251 = xml.encode("cp1251")
    assert parse_feed(cp1251, "https://mid.ru/ru/rss.php")[0]["tags"] == ["Швейцария"]


def test_challenge_stub_instead_of_feed():
    with pytest.raises(ChallengePage):
        parse_feed(load("challenge-bobcmn.html"), "https://mid.ru/ru/rss.php")
    with pytest.raises(ChallengePage):
        parse_page(load("challenge-bobcmn.html"), "https://mid.ru/ru/rss.php")


@pytest.mark.parametrize("text", ["", "<html><body>Not a feed</body></html>", "<rss><channel>", "<other/>"])
def test_not_a_feed(text):
    with pytest.raises(ParseError):
        parse_feed(text, "https://mid.ru/ru/rss.php")


def test_dispatch_by_url_and_markup():
    assert parse_page(load("rss.xml"), "https://mid.ru/ru/rss.php")[0]["source_id"] == 1975580
    assert parse_page(load("atom.xml"), "https://mid.ru/en/feeds/latest")[0]["source_id"] == 1975590
