"""store/discovery.py: busy listings and feeds every run, quiet ones less often, 404s daily; and a real crawl honouring it."""
import re
from datetime import datetime, timedelta, timezone

import pytest

from fixtures.mirror import MirrorServer
from store.db import open_db
from store.discovery import DiscoveryPolicy, index_pages_not_due, parse_discovery_policy
from store.fetches import record_fetch
from store.records import Fetch
from tests.helpers import query, run_cli as crawl

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)


@pytest.fixture()
def db(tmp_path):
    return open_db(tmp_path / "mw.db")


def read(db, path, digest, at, *, page_type="listing", outcome="ok", new=None, newest=None):
    """Record one fetch of an index page at `at`; `new` entries the store did not know, the newest published
    at `newest`."""
    record_fetch(db, None, Fetch(url=f"https://mid.ru{path}", page_type=page_type, outcome=outcome,
                                 http_status=200 if outcome == "ok" else 404,
                                 entries_digest=digest if outcome == "ok" else None,
                                 entries=20 if outcome == "ok" else None, entries_new=new,
                                 entries_newest=newest.isoformat() if newest else None), now=at.isoformat())


def test_a_listing_that_changed_today_is_asked_every_run(db):
    read(db, "/ru/foreign_policy/news/", "a", NOW - timedelta(hours=20))
    read(db, "/ru/foreign_policy/news/", "b", NOW - timedelta(minutes=30))   # changed 30 min ago
    assert index_pages_not_due(db, now=NOW) == []


def test_a_russian_listing_unchanged_for_days_waits_an_hour_then_three(db):
    read(db, "/ru/rss.php", "f1", NOW - timedelta(hours=2), page_type="feed")   # the Russian feed works
    read(db, "/ru/rss.php", "f2", NOW - timedelta(minutes=30), page_type="feed")
    # Same entries for 3 days: hourly. Asked 20 minutes ago: not due; 70 minutes ago: due.
    read(db, "/ru/press_service/spokesman/answers/", "x", NOW - timedelta(days=3))
    read(db, "/ru/press_service/spokesman/answers/", "x", NOW - timedelta(minutes=20))
    read(db, "/ru/press_service/spokesman/kommentarii/", "y", NOW - timedelta(days=3))
    read(db, "/ru/press_service/spokesman/kommentarii/", "y", NOW - timedelta(minutes=70))
    # Unchanged for 10 days: every 3 hours; asked 2 hours ago, not due yet.
    read(db, "/ru/press_service/spokesman/briefings/", "z", NOW - timedelta(days=10))
    read(db, "/ru/press_service/spokesman/briefings/", "z", NOW - timedelta(hours=2))
    assert sorted(index_pages_not_due(db, now=NOW)) == ["/ru/press_service/spokesman/answers/",
                                                         "/ru/press_service/spokesman/briefings/"]
    # Without a working Russian feed (here: the anti-bot page instead of RSS) nothing would show what a quiet
    # Russian section publishes: every Russian listing is asked on every run.
    read(db, "/ru/rss.php", None, NOW - timedelta(minutes=1), page_type="feed", outcome="challenge")
    assert index_pages_not_due(db, now=NOW) == []


def test_translation_listings_are_a_slower_backstop(db):
    # Busy English listing: hourly (translations of fresh statements come through the Russian page's links).
    read(db, "/en/foreign_policy/news/", "a", NOW - timedelta(hours=5))
    read(db, "/en/foreign_policy/news/", "b", NOW - timedelta(minutes=40))
    read(db, "/de/foreign_policy/news/", "c", NOW - timedelta(hours=5))
    read(db, "/de/foreign_policy/news/", "d", NOW - timedelta(minutes=65))
    # Unchanged for 10 days: every 6 hours.
    read(db, "/es/press_service/spokesman/briefings/", "z", NOW - timedelta(days=10))
    read(db, "/es/press_service/spokesman/briefings/", "z", NOW - timedelta(hours=5))
    assert sorted(index_pages_not_due(db, now=NOW)) == ["/en/foreign_policy/news/",
                                                         "/es/press_service/spokesman/briefings/"]


def test_a_change_makes_a_quiet_listing_busy_again(db):
    read(db, "/ru/foreign_policy/news/", "old", NOW - timedelta(days=9))
    read(db, "/ru/foreign_policy/news/", "new", NOW - timedelta(minutes=5))
    assert index_pages_not_due(db, now=NOW) == []


def test_errors_never_make_a_page_wait_and_never_count_as_a_change(db):
    read(db, "/ru/rss.php", "f", NOW - timedelta(days=5), page_type="feed")
    read(db, "/ru/rss.php", None, NOW - timedelta(minutes=5), page_type="feed", outcome="timeout")
    assert index_pages_not_due(db, now=NOW) == []                        # retried next run
    row = db.conn.execute("SELECT last_outcome, entries_digest, last_changed_at FROM index_pages").fetchone()
    assert row[0] == "timeout" and row[1] == "f"
    assert row[2] == (NOW - timedelta(days=5)).isoformat()                # a timeout is not a change


def test_a_first_read_of_known_entries_is_dated_by_the_newest_one(db):
    """A store upgraded or restored meets its listings for the first time: one showing only statements it
    already has is as busy as its newest entry says, not 'changed now'."""
    read(db, "/ru/rss.php", "f1", NOW - timedelta(hours=2), page_type="feed", new=3)  # the Russian feed works
    quiet, busy = "/ru/press_service/spokesman/briefings/", "/ru/foreign_policy/news/"
    read(db, quiet, "q", NOW - timedelta(minutes=40), new=0, newest=NOW - timedelta(days=12))
    read(db, busy, "b", NOW - timedelta(minutes=40), new=0, newest=NOW - timedelta(hours=3))
    # ... and one listing a statement the store did not know has changed now, whatever its dates say.
    fresh = "/ru/press_service/spokesman/answers/"
    read(db, fresh, "n", NOW - timedelta(minutes=40), new=1, newest=NOW - timedelta(days=12))
    assert index_pages_not_due(db, now=NOW) == [quiet]                       # every 3 h; the others every run
    changed = dict(db.conn.execute("SELECT path, last_changed_at FROM index_pages").fetchall())
    assert changed[quiet] == (NOW - timedelta(days=12)).isoformat()
    assert changed[fresh] == (NOW - timedelta(minutes=40)).isoformat()
    # A page that only failed before is dated the same way by its first successful read.
    late = "/en/press_service/spokesman/briefings/"
    read(db, late, None, NOW - timedelta(hours=1), outcome="timeout")
    read(db, late, "l", NOW - timedelta(minutes=30), new=0, newest=NOW - timedelta(days=12))
    assert late in index_pages_not_due(db, now=NOW)
    # Later reads: a new list of entries is a change now.
    read(db, quiet, "q2", NOW - timedelta(minutes=5), new=0, newest=NOW - timedelta(days=12))
    assert quiet not in index_pages_not_due(db, now=NOW)


def test_404_is_asked_again_after_a_day(db):
    read(db, "/en/press_service/deputy_ministers_speeches/", None, NOW - timedelta(hours=23), outcome="gone")
    read(db, "/pt/rss.php", None, NOW - timedelta(hours=25), page_type="feed", outcome="gone")
    assert index_pages_not_due(db, now=NOW) == ["/en/press_service/deputy_ministers_speeches/"]


def test_policy_names():
    assert parse_discovery_policy("all").interval("de", timedelta(days=100)) == timedelta(0)
    assert parse_discovery_policy("adaptive") == DiscoveryPolicy()
    assert DiscoveryPolicy().interval("ru", timedelta(days=30)) == timedelta(hours=3)
    assert DiscoveryPolicy().interval("en", timedelta(hours=2)) == timedelta(hours=1)
    with pytest.raises(ValueError):
        parse_discovery_policy("often")


@pytest.mark.slow
def test_crawl_skips_quiet_listings_and_still_finds_new_statements_through_busy_ones(tmp_path):
    db = str(tmp_path / "mw.db")
    with MirrorServer(state="initial") as server:
        base = ["--db", db, "--base-url", server.base_url, "--delay", "0", "--timeout", "5", "--retries", "1"]
        crawl("run", *base)
        # Pretend every listing and feed has shown the same entries for ten days and was read 10 minutes ago.
        con = open_db(db)
        with con.conn:
            con.conn.execute("UPDATE index_pages SET last_changed_at=?, first_fetched_at=?, last_fetched_at=?",
                             ((datetime.now(timezone.utc) - timedelta(days=10)).isoformat(),) * 2
                             + ((datetime.now(timezone.utc) - timedelta(minutes=10)).isoformat(),))
            # ... except the Russian news listing, which changed an hour ago.
            con.conn.execute("UPDATE index_pages SET last_changed_at=? WHERE path='/ru/foreign_policy/news/'",
                             ((datetime.now(timezone.utc) - timedelta(hours=1)).isoformat(),))
        con.conn.close()
        server.set_state("later")
        mark = len(server.requests)
        crawl("run", *base)
        asked = [path for _, path, _ in server.requests[mark:]]
        index = [p for p in asked if not re.search(r"/\d{6,8}/", p) and not p.startswith(("/robots", "/__"))]
        assert index == ["/ru/foreign_policy/news/"], index
        # the new statement, in Russian from the busy listing and in English through its language links
        assert "1976115/?lang=ru" in " ".join(asked) and "1976115/?lang=en" in " ".join(asked)
        mark = len(server.requests)
        crawl("run", *base, "--discovery", "all", "--recheck", "none")
        asked_all = {path for _, path, _ in server.requests[mark:]}
        assert {"/en/foreign_policy/news/", "/ru/rss.php", "/en/rss.php"} <= asked_all
    assert query(db, "SELECT lang FROM changes WHERE kind='new' AND statement_id='mid.ru:1976115' ORDER BY lang") \
        == [("en",), ("ru",)]


@pytest.mark.slow
def test_crawl_dates_first_reads_by_what_the_store_knew(tmp_path):
    """A fresh store: every listing shows new statements, so each counts as changed by the run. The same
    store meeting its listings again (bookkeeping lost, as after an upgrade): dated by their newest entry."""
    db = str(tmp_path / "mw.db")
    with MirrorServer(state="initial") as server:
        base = ["--db", db, "--base-url", server.base_url, "--delay", "0", "--timeout", "5", "--retries", "1"]
        crawl("run", *base)
        first = dict(query(db, "SELECT path, last_changed_at FROM index_pages WHERE last_outcome='ok'"))
        runs = query(db, "SELECT started_at FROM runs")
        assert first and all(changed >= runs[0][0] for changed in first.values())
        con = open_db(db)
        with con.conn:
            con.conn.execute("DELETE FROM index_pages")
        con.conn.close()
        crawl("run", *base, "--recheck", "none")
    again = dict(query(db, "SELECT path, last_changed_at FROM index_pages WHERE last_outcome='ok' AND entries > 0"))
    assert again.keys() <= first.keys() and len(again) >= 10
    # The mirror's statements are from 2024: the listings are as quiet as their newest entries. (An empty
    # listing says nothing about when it last changed: it counts as changed by the run.)
    assert all(changed < runs[0][0] for changed in again.values()), again
    newest = query(db, "SELECT max(published_at) FROM statements s WHERE section='foreign_policy/news'"
                       " AND EXISTS (SELECT 1 FROM variants v WHERE v.statement_id=s.id AND v.lang='ru')")[0][0]
    assert datetime.fromisoformat(again["/ru/foreign_policy/news/"]) == datetime.fromisoformat(newest)
