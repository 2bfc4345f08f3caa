"""crawler/parsers/g2_listing.py: listing pages (both templates)."""
from __future__ import annotations

from pathlib import Path

import pytest

from crawler.parsers import LISTING_PARSER_VERSION, ChallengePage, has_listing, parse_listing, parse_page

CASES = Path(__file__).resolve().parent.parent / "fixtures" / "parser-cases"
REFERENCE = Path(__file__).resolve().parent.parent / "fixtures" / "reference-pages"

LISTING_CASES = {
    "listing-ru": "http://127.0.0.1:8765/ru/foreign_policy/news/",
    "listing-en": "https://mid.ru/en/foreign_policy/news/?PAGEN_1=2",
    "listing-empty": "https://mid.ru/ru/foreign_policy/news/?PAGEN_1=99",
    "announcements-listing": "https://mid.ru/ru/foreign_policy/news/",
}


def load(stem: str) -> str:
    return (CASES / f"{stem}.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("stem", sorted(LISTING_CASES))
def test_listing_golden(stem, golden):
    entries = parse_listing(load(stem), LISTING_CASES[stem])
    for e in entries:
        assert list(e) == ["source_id", "url", "title", "published_at", "tags"]
        assert str(e["source_id"]) in e["url"] and e["title"]
    golden(f"parsers/{stem}.json", entries)


def test_russian_listing():
    entries = parse_listing(load("listing-ru"), LISTING_CASES["listing-ru"])
    # the banner li (extra modifier, no article link) and the separator li are skipped
    assert [e["source_id"] for e in entries] == [1975580, 1975554, 1975354, 1975319]
    first = entries[0]
    assert first["url"] == "http://127.0.0.1:8765/ru/foreign_policy/news/1975580/"
    assert first["published_at"] == "2024-10-10T21:15:00+03:00"
    assert first["tags"] == ["Швейцария", "Двусторонние отношения"]
    assert entries[2]["tags"] == []
    assert entries[2]["title"].startswith("О заседании в МИД России Межведомственной комиссии")
    # absolute links to mid.ru stay on the host the listing came from (mirror)
    assert entries[3]["url"] == "http://127.0.0.1:8765/ru/foreign_policy/news/1975319/"
    assert entries[3]["tags"] == ["Брифинги", "Ближний Восток", "Украина"]


def test_english_listing_link_variant():
    entries = parse_listing(load("listing-en"), LISTING_CASES["listing-en"])
    assert [e["source_id"] for e in entries] == [1975590, 1975340]
    assert entries[0]["url"] == "https://mid.ru/en/foreign_policy/news/1975590/"
    assert entries[0]["published_at"] == "2024-10-10T20:05:00+03:00"


def test_empty_listing_and_non_listings():
    assert parse_listing(load("listing-empty"), LISTING_CASES["listing-empty"]) == []
    assert has_listing(load("listing-empty"))
    article = (REFERENCE / "09-10-2024_6.html").read_text(encoding="utf-8")
    assert parse_listing(article, "https://mid.ru/ru/foreign_policy/news/") == []
    assert not has_listing(article)
    assert parse_listing("", "https://mid.ru/ru/foreign_policy/news/") == []


def test_announcements_template():
    entries = parse_listing(load("announcements-listing"), LISTING_CASES["announcements-listing"])
    assert [(e["source_id"], e["published_at"]) for e in entries] == [
        (1975610, "2024-10-11T10:00:00+03:00"), (1975611, None)]
    assert entries[0]["title"] == "Анонс брифинга официального представителя МИД России М.В.Захаровой"


@pytest.mark.parametrize("name", ["challenge-data-processing.html", "challenge-bobcmn.html"])
def test_challenge_raises(name):
    with pytest.raises(ChallengePage):
        parse_listing((CASES / name).read_text(encoding="utf-8"), "https://mid.ru/ru/foreign_policy/news/")


def test_dispatch_and_version():
    url = LISTING_CASES["listing-ru"]
    assert parse_page(load("listing-ru"), url) == parse_listing(load("listing-ru"), url)
    assert LISTING_PARSER_VERSION.startswith("g2-listing/")


def test_duplicates_are_dropped_and_bytes_accepted():
    html = load("listing-ru").replace("1975554", "1975580")
    entries = parse_listing(html.encode("utf-8"), LISTING_CASES["listing-ru"])
    assert [e["source_id"] for e in entries] == [1975580, 1975354, 1975319]
