"""The Atom feed of changes parses cleanly and carries stable ids, titles and safe HTML."""
from __future__ import annotations

from datetime import datetime, timezone

import feedparser

from scheduler.diff.compute import diff_versions
from scheduler.diff.html_format import render_html
from scheduler.feed import build_atom_feed, change_entry_id, entry_title


def version(title: str, *texts: str) -> dict:
    return {"title": title, "paragraphs": [{"speaker": "Вопрос" if k % 2 else None, "text": t} for k, t in enumerate(texts)]}


OLD = version("Заявление МИД России", "Мы выражаем глубокую озабоченность.", "Когда будет ответ?")
NEW = version("Заявление МИД России", "Мы выражаем крайнюю озабоченность.", "Когда будет ответ?")
DIFF_HTML = render_html(diff_versions(OLD, NEW), title=NEW["title"])

CHANGES = [
    {
        "id": 7,
        "statement_id": 1974990,
        "lang": "ru",
        "kind": "edited",
        "cosmetic": 0,
        "summary": "1 paragraph edited",
        "diff_html": DIFF_HTML,
        "detected_at": "2026-03-02T10:15:00+00:00",
        "url": "https://mid.ru/ru/foreign_policy/news/1974990/?lang=ru",
        "title": "Заявление МИД России",
    },
    {
        "id": 8,
        "statement_id": 1974991,
        "lang": "en",
        "kind": "new",
        "cosmetic": 0,
        "summary": "new statement",
        "diff_html": None,
        "detected_at": "2026-03-02T11:00:00Z",
        "url": "https://mid.ru/en/foreign_policy/news/1974991/?lang=en&x=1",
        "title": "Foreign Minister Sergey Lavrov’s remarks",
    },
    {
        "id": 9,
        "statement_id": 1974990,
        "lang": "de",
        "kind": "edited",
        "cosmetic": 1,
        "summary": "1 paragraph edited",
        "diff_html": None,
        "detected_at": "2026-03-01T09:00:00",  # naive: treated as UTC
        "url": "javascript:alert(1)",
        "title": "Erklärung <script>alert(1)</script>\u202e\x1b[31m",
    },
]


def build(changes=CHANGES, **kw) -> bytes:
    return build_atom_feed(
        changes, feed_id="tag:ministry-watch,2026:feed/all", title="ministry-watch: МИД России", link="https://example.org/", **kw
    )


def test_feed_parses_cleanly() -> None:
    parsed = feedparser.parse(build())
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.title == "ministry-watch: МИД России"
    assert len(parsed.entries) == 3
    # Newest first.
    assert [e.id for e in parsed.entries] == [change_entry_id(8), change_entry_id(7), change_entry_id(9)]


def test_entry_fields() -> None:
    entries = {e.id: e for e in feedparser.parse(build()).entries}
    e = entries["tag:ministry-watch,2026:change/7"]
    assert e.title == "[edited] Заявление МИД России (ru)"
    assert e.link == "https://mid.ru/ru/foreign_policy/news/1974990/?lang=ru"
    assert e.summary == "1 paragraph edited"
    assert e.updated_parsed[:5] == (2026, 3, 2, 10, 15)
    content = e.content[0]
    assert content.type == "text/html"
    assert "<del>глубокую</del><ins>крайнюю</ins>" in content.value
    assert {t.term for t in e.tags} == {"edited", "ru"}

    e = entries["tag:ministry-watch,2026:change/8"]
    assert e.title == "[new] Foreign Minister Sergey Lavrov’s remarks (en)"
    assert e.link == "https://mid.ru/en/foreign_policy/news/1974991/?lang=en&x=1"
    assert "<p>new statement</p>" in e.content[0].value


def test_hostile_change_is_inert() -> None:
    raw = build()
    assert b"<script" not in raw and b"javascript:" not in raw and b"\x1b" not in raw
    e = {e.id: e for e in feedparser.parse(raw).entries}["tag:ministry-watch,2026:change/9"]
    # Plain text (escaped in the XML); bidi override and ESC sequence stripped.
    assert e.title == "[edited, cosmetic] Erklärung <script>alert(1)</script> (de)"
    # A non-http URL is dropped rather than linked (feedparser then falls back to the id).
    assert not e.get("links") and not e.link.startswith("javascript")
    assert e.updated_parsed[:4] == (2026, 3, 1, 9)


def test_entry_ids_are_stable() -> None:
    a = feedparser.parse(build()).entries
    renamed = [dict(c, title="Другое название", url="https://mid.ru/x") for c in CHANGES]
    b = feedparser.parse(build(renamed)).entries
    assert [e.id for e in a] == [e.id for e in b]


def test_empty_feed_and_explicit_updated() -> None:
    when = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)
    parsed = feedparser.parse(build([], updated=when))
    assert parsed.bozo == 0 and parsed.entries == []
    assert parsed.feed.updated_parsed[:4] == (2026, 1, 1, 12)


def test_entry_title_helper() -> None:
    assert entry_title({"kind": "deleted", "title": "Брифинг", "lang": "fr", "cosmetic": 0}) == "[deleted] Брифинг (fr)"
    assert entry_title({"kind": "restored", "title": "", "lang": "es", "statement_id": 5}) == "[restored] statement 5 (es)"


def test_xml_invalid_characters_are_stripped_from_every_field() -> None:
    bad = {**CHANGES[1], "id": 10, "title": "Заявление\uffff \ufffe\x0b\x00", "summary": "new \uffffstatement",
           "lang": "e\uffffn", "kind": "new", "url": "https://mid.ru/en/\uffff1974991/"}
    raw = build([bad], )
    assert "\uffff".encode() not in raw and "\ufffe".encode() not in raw
    parsed = feedparser.parse(raw)
    assert parsed.bozo == 0
    [entry] = parsed.entries
    assert entry.title == "[new] Заявление (en)"
    assert entry.summary == "new statement"


def test_self_link_only_for_an_http_address() -> None:
    def links(**kw):
        return [(l.rel, l.href) for l in feedparser.parse(build_atom_feed(
            [], feed_id="tag:ministry-watch,2026:changes", title="t", **kw)).feed.get("links", [])]

    assert links(self_link="https://example.org/changes.atom") == [("self", "https://example.org/changes.atom")]
    assert links() == []                                     # no file:// path is ever published
    assert links(self_link="file:///var/lib/ministry-watch/changes.atom") == []
