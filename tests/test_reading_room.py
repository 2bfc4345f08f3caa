"""The reading room's pages in-process (Datasette's test client) on an archive crawled from the mirror: what each
page shows, its filters, `lang` on every text, and hostile page text kept inert; the metadata Datasette gets."""
from __future__ import annotations

import asyncio
import re
import xml.etree.ElementTree as ET

import pytest
from bs4 import BeautifulSoup
from datasette.app import Datasette

from tests.test_hostile import BIDI, SID as HOSTILE_SID, hostile  # noqa: F401 - the hostile archive fixture

pytestmark = pytest.mark.slow  # the session's archive_db: two full crawls of the mirror
CYRILLIC = re.compile("[а-яА-ЯёЁ]")


@pytest.fixture(scope="module")
def ds(archive_db):
    return Datasette([str(archive_db)])   # no metadata given: the plugin's entry point brings it


def fetch(ds, path, status=200):
    async def run():
        return await ds.client.get(path)
    response = asyncio.run(run())
    assert response.status_code == status, (path, response.status_code, response.text[:800])
    return response.text


def page(ds, path):
    return BeautifulSoup(fetch(ds, path), "html.parser")


def assert_lang_on_every_text(soup):
    """Every text with Cyrillic letters sits inside an element whose nearest `lang` is Russian."""
    for node in soup.find_all(string=CYRILLIC):
        if node.parent.name in ("title", "style", "script") or not node.strip():
            continue
        holder = node.find_parent(attrs={"lang": True})
        assert holder is not None and holder["lang"] == "ru", (str(node)[:80], holder and holder.get("lang"))
    assert soup.html["lang"] == "en"


def test_start_page_leads_with_this_weeks_substantive_changes(ds):
    soup = page(ds, "/-/reading-room")
    week = soup.find(id="this-week")
    items = [li.get_text(" ", strip=True) for li in week.find("ul", class_="changes").find_all("li")]
    assert any("Ответы Министра" in t and "1 paragraph edited" in t for t in items)
    assert sum("deleted" in t for t in items) == 2   # 1969120 in ru and en
    assert "1 cosmetic edit" in week.get_text()     # 1968405's English title: folded
    assert soup.find("form", role="search")["action"] == "/-/search"
    assert len(soup.find(id="charts").find_all("svg")) == 3
    assert soup.find(id="look").find("a", href="/-/statement/mid.ru:1969120?lang=ru")
    assert soup.find("link", rel="stylesheet")["href"] == "/-/reading-room/style.css"
    assert_lang_on_every_text(soup)


def test_statement_page_shows_languages_edits_and_citations(ds):
    soup = page(ds, "/-/statement/mid.ru:1974990")
    assert soup.h1["lang"] == "ru" and soup.h1.get_text().startswith("Ответы Министра")
    matrix = [tr.find("td").get_text(" ", strip=True) for tr in soup.find("table", class_="matrix").tbody("tr")]
    assert matrix == ["Russian ru", "English en"]
    edit = soup.find("details", class_="edit")
    assert edit.has_attr("open")
    table = edit.find("table", class_="sbs")
    assert table["lang"] == "ru"
    assert [d.get_text() for d in table.find_all("del")] == [". Честный", "Там таких"]
    assert [i.get_text() for i in table.find_all("ins")] == [", честный", "Таких в Европе сейчас"]
    cite = soup.find("details", id="cite-v2")
    assert cite.has_attr("open")
    facts = dict(zip([dt.get_text() for dt in cite.find_all("dt")], [dd.get_text(" ", strip=True) for dd in cite.find_all("dd")]))
    assert facts["WARC file"].endswith(".warc.gz") and facts["Offset"].isdigit()
    assert facts["Payload digest"].startswith("sha1:") and facts["WARC record"].startswith("<urn:uuid:")
    assert facts["Permalink"] == "http://localhost/-/statement/mid.ru:1974990?lang=ru&version=2"
    line = cite.find("p", class_="cite-line").get_text()
    assert "Ministry of Foreign Affairs of the Russian Federation" in line and "Version 2, captured" in line
    assert facts["WARC file"] in line and facts["Payload digest"] in line and facts["Permalink"] in line
    assert soup.find("details", id="cite-v1") is not None
    assert_lang_on_every_text(soup)


def test_one_version_by_its_permalink(ds):
    soup = page(ds, "/-/statement/1974990?lang=ru&version=1")   # the short id works too
    text = soup.find(id="text")
    assert "version 1 of 2" in text.h2.get_text() and "not the current text" in text.get_text()
    assert "Честный политик. Там таких немного." in text.get_text()
    assert soup.find("details", id="cite-v1").has_attr("open")


def test_cross_language_view_aligns_russian_and_english(ds):
    soup = page(ds, "/-/statement/mid.ru:1974990?lang=ru&against=en")
    compare = soup.find(id="compare")
    assert "Russian beside English" in compare.h2.get_text()
    rows = compare.find("table", class_="align").tbody("tr")
    assert len(rows) >= 4
    assert all(r("td")[0]["lang"] == "ru" and r("td")[1]["lang"] == "en" for r in rows)
    assert any("Lavrov" in r("td")[1].get_text() for r in rows)
    assert soup.find("nav", class_="tabs").find("a", attrs={"aria-current": "page"}).get_text() == "Russian ↔ English"
    assert_lang_on_every_text(soup)


def test_deleted_statement_is_marked(ds):
    soup = page(ds, "/-/statement/mid.ru:1969120")
    assert "deleted from the site" in soup.find("dl", class_="facts").get_text()
    assert soup.find("li", class_="event deleted")


def test_unknown_statement_is_404(ds):
    fetch(ds, "/-/statement/mid.ru:1", status=404)


def change_ids(soup):
    return [(a["id"], a.h3.get_text(" ", strip=True)) for a in soup.find_all("article", class_="change")]


def test_change_list_filters(ds):
    default = page(ds, "/-/changes")
    kinds = {h.split()[0] for _, h in change_ids(default)}
    assert kinds == {"new", "edited", "deleted"} and not default.find("span", class_="cosmetic")
    edit = [a for a in default.find_all("article", class_="change") if a.h3.find(class_="badge").get_text() == "edited"]
    assert edit[0].find("del") and edit[0].find("ins") and edit[0].find("table", class_="sbs")["lang"] == "ru"
    cosmetic = page(ds, "/-/changes?kind=edited&cosmetic=1")
    assert len(change_ids(cosmetic)) == 2 and "edited, cosmetic" in cosmetic.get_text()
    deleted = page(ds, "/-/changes?kind=deleted")
    assert [h.split()[0] for _, h in change_ids(deleted)] == ["deleted", "deleted"]
    english = page(ds, "/-/changes?lang=en&kind=deleted")
    assert len(change_ids(english)) == 1
    speaker = page(ds, "/-/changes?speaker=%D0%9B%D0%B0%D0%B2%D1%80%D0%BE%D0%B2&kind=edited")   # Лавров
    assert len(change_ids(speaker)) == 1 and "Ответы Министра" in change_ids(speaker)[0][1]
    none = page(ds, "/-/changes?since=2000-01-01&until=2000-01-02")
    assert change_ids(none) == [] and "No changes match these filters" in none.get_text()
    bad = page(ds, "/-/changes?since=yesterday")
    assert "is not a date" in bad.find(class_="problem").get_text()
    section = page(ds, "/-/changes?section=press_service%2Fspokesman%2Fbriefings&kind=new")
    assert change_ids(section) and all("брифинг" in h.lower() or "briefing" in h.lower() for _, h in change_ids(section))
    assert_lang_on_every_text(default)


def test_change_list_is_paginated(ds):
    first = page(ds, "/-/changes")
    assert len(change_ids(first)) == 20
    older = first.find("a", rel="next")["href"]
    second = page(ds, older)
    ids = [int(i.split("-")[1]) for i, _ in change_ids(first) + change_ids(second)]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == len(ids)


def test_atom_feed_has_the_same_filters(ds):
    soup = page(ds, "/-/changes?kind=deleted")
    href = soup.find("link", type="application/atom+xml")["href"]
    assert href == "/-/changes.atom?kind=deleted"
    root = ET.fromstring(fetch(ds, href))
    ns = {"a": "http://www.w3.org/2005/Atom"}
    titles = [e.find("a:title", ns).text for e in root.findall("a:entry", ns)]
    assert len(titles) == 2 and all(t.startswith("[deleted]") for t in titles)
    links = [e.find("a:link", ns).get("href") for e in root.findall("a:entry", ns)]
    assert all(link.startswith("http://localhost/-/statement/mid.ru:1969120") for link in links)


def hits(soup):
    return [(h.h2.a["href"], h.h2.get_text(" ", strip=True)) for h in soup.find_all("article", class_="hit")]


def test_search_groups_by_statement_with_highlighted_snippets(ds):
    soup = page(ds, "/-/search?q=%D0%BB%D0%B0%D0%B2%D1%80%D0%BE%D0%B2")   # лавров
    found = hits(soup)
    statements = [href.split("?")[0] for href, _ in found]
    assert len(found) >= 5 and len(set(statements)) == len(statements)   # one entry per statement
    assert "/-/statement/mid.ru:1974990" in statements
    for hit in soup.find_all("article", class_="hit"):
        assert hit.find("mark") and hit.find("p", class_="snippet")["lang"] in ("ru", "en", "de", "fr", "es")
    # Word forms: the title says "С.В.Лаврова"; the prefix search finds it, the exact word does not match it.
    assert any(m.get_text().lower().startswith("лаврова") for m in soup.find_all("mark"))
    exact = page(ds, "/-/search?q=%D0%BB%D0%B0%D0%B2%D1%80%D0%BE%D0%B2&exact=1")
    assert all(m.get_text().lower() == "лавров" for m in exact.find_all("mark"))
    assert_lang_on_every_text(soup)


def test_search_filters(ds):
    english = hits(page(ds, "/-/search?q=Lavrov&lang=en"))
    assert english and all("lang=en" in href or "?" not in href for href, _ in english)
    briefings = hits(page(ds, "/-/search?q=%D0%B1%D1%80%D0%B8%D1%84%D0%B8%D0%BD%D0%B3&kind=briefing"))   # брифинг
    assert briefings and all("Брифинг" in title for _, title in briefings)
    assert hits(page(ds, "/-/search?q=Lavrov&year=1999")) == []
    assert "Nothing found" in page(ds, "/-/search?q=xyzzyqq").get_text()
    # FTS5 syntax typed by a reader is only words: no error, no column filter, no NEAR.
    assert page(ds, '/-/search?q=title%3A%22a+NEAR%28b%29%22+OR+*').find("main")


def test_earlier_version_matches_are_labelled(ds):
    # "Там таких немного" is only in version 1 of 1974990.
    soup = page(ds, "/-/search?q=%22%D0%A2%D0%B0%D0%BC+%D1%82%D0%B0%D0%BA%D0%B8%D1%85+%D0%BD%D0%B5%D0%BC%D0%BD%D0%BE%D0%B3%D0%BE%22")
    hit, = soup.find_all("article", class_="hit")
    assert "in an earlier version" in hit.get_text() and "version=1" in hit.h2.a["href"]


def test_datasette_index_leads_with_the_reading_room(ds):
    soup = page(ds, "/")
    first = soup.find("main") or soup
    assert first.find("a", href="/-/reading-room")
    data = asyncio.run(ds.client.get("/mw.json")).json()
    tables = {t["name"]: t for t in data["tables"]}
    for hidden in ("runs", "fetches", "warc_records", "index_pages", "emissions", "sinks", "raw_responses"):
        assert tables[hidden]["hidden"], hidden
    for shown in ("statements", "variants", "versions", "changes", "divergences"):
        assert not tables[shown]["hidden"], shown
    fetch(ds, "/mw/fetches")   # still reachable
    menu = fetch(ds, "/mw")
    assert 'href="/-/reading-room"' in menu


def test_canned_queries_answer_the_everyday_questions(ds):
    def rows(name):
        return asyncio.run(ds.client.get(f"/mw/{name}.json?_shape=objects")).json()["rows"]
    assert {(r["statement_id"], r["lang"]) for r in rows("deleted_statements")} == {("mid.ru:1969120", "ru"),
                                                                                 ("mid.ru:1969120", "en")}
    edited = rows("edited_last_7_days")
    assert [r["statement_id"] for r in edited] == ["mid.ru:1974990"]   # the cosmetic edit is left out
    assert edited[0]["reading_room"] == "/-/statement/mid.ru:1974990?lang=ru&version=2"
    without = {r["statement_id"] for r in rows("statements_without_english")}
    assert "mid.ru:1975319" in without and "mid.ru:1974990" not in without


# ---------------------------------------------------------------- hostile page text


@pytest.fixture(scope="module")
def hostile_ds(hostile):  # noqa: F811
    return Datasette([hostile["db"]])


def assert_inert(html):
    assert "<script" not in html.lower()                                  # the pages have no script at all
    assert not re.search(r"<[^>]*\son\w+\s*=", html, re.I)                # no event-handler attribute
    assert not re.search(r"""(href|src)\s*=\s*["']?\s*javascript:""", html, re.I)
    assert "<img" not in html
    assert not re.search(f"[{BIDI}\x1b]", html)


@pytest.mark.parametrize("path", [f"/-/statement/mid.ru:{HOSTILE_SID}", f"/-/statement/mid.ru:{HOSTILE_SID}?version=1",
                                  "/-/changes", "/-/changes?kind=edited", "/-/reading-room",
                                  "/-/search?q=%D0%97%D0%B0%D1%8F%D0%B2%D0%BB%D0%B5%D0%BD%D0%B8%D0%B5",   # Заявление
                                  "/-/search?q=script"])
def test_hostile_text_stays_inert(hostile_ds, path):
    html = fetch(hostile_ds, path)
    assert_inert(html)
    assert "&lt;script&gt;" in html or "&lt;<mark>script</mark>&gt;" in html or "script" not in path


def test_hostile_edit_is_shown_as_text(hostile_ds):
    soup = page(hostile_ds, f"/-/statement/mid.ru:{HOSTILE_SID}")
    assert "Заявление <script>alert('t')</script> титул" in soup.h1.get_text()
    table = soup.find("table", class_="sbs")
    assert [d.get_text() for d in table.find_all("del")] == ["старыми"]
    assert table.find("ins").get_text().startswith("новыми⟨U+202E⟩")
    feed = fetch(hostile_ds, "/-/changes.atom")
    ET.fromstring(feed)
    assert "\x1b" not in feed and not re.search(f"[{BIDI}]", feed)
