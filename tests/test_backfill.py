"""`crawl backfill` end to end against the mirror: the older portal's many listing pages (killed with SIGKILL midway
and resumed), statements that only the web archive's index knows, links inside articles, and captures with an
earlier text (the edit found and dated by the captures around it)."""
from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fixtures.mirror import MirrorServer
from fixtures.mirror.archive import statements_in
from tests.helpers import query as rows
from tests.helpers import run_cli as crawl

pytestmark = pytest.mark.slow   # `crawl` subprocesses against the mirror

FAST = ["--delay", "0", "--timeout", "5", "--retries", "1"]


def children(pid: int) -> list[int]:
    try:
        return [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def path_of(url: str) -> str:
    """Path and query of a URL as the mirror logs it."""
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def test_older_portal_killed_midway_and_resumed_ends_with_the_mirrors_statements_and_no_request_twice(tmp_path):
    db = str(tmp_path / "portal.db")
    with MirrorServer(state="backfill") as server:
        for prefix in ("/ru/*", "/en/*"):
            server.set_fault(prefix, "timeout", delay=0.03)   # every page answers after 30 ms: a kill lands midway
        cmd = [sys.executable, "-m", "scheduler.cli", "backfill", "--db", db, "--site", "archive.mid.ru",
               "--base-url", server.base_url, "--ignore-robots", "--section", "news", "--lang", "ru", "--lang", "en",
               *FAST]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while sum("/content/id/" in p for _, p, _ in server.requests) < 30 and time.monotonic() < deadline:
            time.sleep(0.02)
        kids = children(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)
        for kid in kids:
            os.killpg(kid, signal.SIGKILL)       # the crawler child runs in its own session
        proc.wait()
        killed_at = len(server.requests)
        assert rows(db, "PRAGMA integrity_check") == [("ok",)]
        stored_before = {path_of(u) for (u,) in rows(db, "SELECT url FROM fetches")}
        assert 0 < len(stored_before) < 100                      # killed midway
        pages_before = rows(db, "SELECT sum(pages_done) FROM backfill_progress")[0][0]

        out = crawl(*cmd[3:]).stdout                             # the same command again
        assert "backfill run 2 ok" in out
        requests = [p for _, p, _ in server.requests if p != "/robots.txt"]

    # exactly the mirror's statements, every language variant
    expected = {(f"archive.mid.ru:{st['asset_id']}", lang) for st in statements_in("backfill")
                if "foreign_policy/news" in st["sections"] for lang in st["langs"] if lang in ("ru", "en")}
    assert set(rows(db, "SELECT statement_id, lang FROM variants")) == expected
    assert len(expected) > 100
    assert rows(db, "SELECT id, status FROM runs") == [(1, "interrupted"), (2, "ok")]
    assert rows(db, "SELECT count(*) FROM backfill_progress WHERE NOT complete") == [(0,)]
    assert rows(db, "SELECT sum(pages_done) FROM backfill_progress")[0][0] > pages_before
    # nothing stored was asked again: a URL asked twice is one whose answer had not been written at the kill
    # (up to 8 requests in flight with --delay 0, plus answers received and not yet written on a loaded machine)
    twice = [p for p, n in collections.Counter(requests).items() if n > 1]
    assert all(p not in stored_before for p in twice), twice
    assert len(twice) <= 16 and killed_at - 1 <= len(requests)
    assert all(n <= 2 for n in collections.Counter(requests).values())
    # and run 2 asked no listing page that run 1 had read to the end of
    assert rows(db, "SELECT count(*) FROM fetches f JOIN fetches g ON f.url = g.url AND f.run_id=1 AND g.run_id=2") == [(0,)]


def test_statements_only_the_web_archive_knows_and_links_inside_articles(tmp_path):
    db = str(tmp_path / "site.db")
    with MirrorServer(state="backfill") as site, MirrorServer(state="backfill") as archive:
        crawl("run", "--db", db, "--base-url", site.base_url, *FAST)
        known = {r[0] for r in rows(db, "SELECT id FROM statements")}
        assert "mid.ru:1889012" not in known                      # page 1 of the listings does not show it
        out = crawl("backfill", "--db", db, "--base-url", site.base_url,
                    "--cdx-url", f"{archive.base_url}/cdx/search/cdx", *FAST).stdout
        site_paths = [p for _, p, _ in site.requests]
        archive_paths = [p for _, p, _ in archive.requests]
    found = {r[0] for r in rows(db, "SELECT id FROM statements")} - known
    # three older statements no listing shows (only the index), one the index does not know either (only a
    # link inside a briefing, "previous briefing"), and one too far down the listings for page 1
    assert {"mid.ru:1889012", "mid.ru:1905551", "mid.ru:1923458", "mid.ru:1871120"} <= found
    assert rows(db, "SELECT via FROM backfill_queue WHERE source_id=1871120") == [("links",)]
    assert rows(db, "SELECT via FROM backfill_queue WHERE source_id=1889012 AND lang='ru'") == [("web-archive",)]
    assert set(rows(db, "SELECT lang FROM variants WHERE statement_id='mid.ru:1889012'")) == {("ru",), ("en",)}
    # the index was paged with resume keys, its answers asked of the archive only; the site's pages of the site
    assert sum("resumeKey=" in p for p in archive_paths) >= 1
    assert all(p.startswith(("/cdx/", "/robots.txt")) for p in archive_paths)
    assert not any(p.startswith(("/cdx/", "/web/")) for p in site_paths)
    # the new statements are the archive's past: recorded, never announced as news
    assert rows(db, "SELECT count(*) FROM changes WHERE run_id=2 AND kind='new' AND NOT initial_fill") == [(0,)]
    assert "backfill run 2 ok" in out
    # the same command again asks the index nothing new and the site for nothing
    with MirrorServer(state="backfill") as site2, MirrorServer(state="backfill") as archive2:
        crawl("backfill", "--db", db, "--base-url", site2.base_url, "--cdx-url", f"{archive2.base_url}/cdx/search/cdx",
              *FAST)
        assert [p for _, p, _ in site2.requests if p != "/robots.txt"] == []
        assert [p for _, p, _ in archive2.requests if p != "/robots.txt"] == []


def test_captures_with_an_earlier_text_become_versions_and_the_edit_is_dated(tmp_path):
    db = str(tmp_path / "captures.db")
    with MirrorServer(state="initial") as site, MirrorServer(state="initial") as archive:
        crawl("run", "--db", db, "--base-url", site.base_url, *FAST)
        # the archive answers the first ask for one capture with 429 Retry-After: 1 (respected, then read)
        archive.set_fault("/web/20241003183000id_/*", "429", times=1, retry_after=1)
        out = crawl("backfill", "--db", db, "--base-url", site.base_url, "--cdx-url",
                    f"{archive.base_url}/cdx/search/cdx", "--source", "links", "--captures", *FAST).stdout
        asked = [(p, s) for _, p, s in archive.requests if p.startswith("/web/20241003183000id_/")]
    assert [s for _, s in asked] == [429, 200]
    sid = "mid.ru:1967950"
    versions = rows(db, "SELECT version, source, captured_at, evidence_url FROM versions WHERE statement_id=?"
                        " AND lang='ru' ORDER BY version", sid)
    assert [v[:3] for v in versions] == [(1, "live", versions[0][2]), (2, "web-archive", "2024-10-03T10:15:00+00:00")]
    assert versions[1][3] == f"{archive.base_url}/web/20241003101500id_/https://mid.ru/ru/foreign_policy/news/1967950/"
    digest = rows(db, "SELECT evidence_digest FROM versions WHERE statement_id=? AND version=2", sid)[0][0]
    assert digest and len(digest) == 32                                         # the index's SHA-1, base32
    body = rows(db, "SELECT body FROM versions WHERE statement_id=? AND lang='ru' AND version=2", sid)[0][0]
    assert "Его изучают миллионы людей по всему миру." in body
    change = rows(db, "SELECT kind, from_version, to_version, changed_after, changed_before, summary, initial_fill"
                      " FROM changes WHERE statement_id=? AND key LIKE 'capture:%'", sid)
    assert len(change) == 1
    kind, old, new, after, before, summary, fill = change[0]
    # made after the second capture of the earlier text (18:30) and before the first capture of today's (next day)
    assert (kind, old, new, after, before, fill) == ("edited", 2, 1, "2024-10-03T18:30:00+00:00",
                                                    "2024-10-04T09:30:00+00:00", 0)
    assert summary.startswith("1 paragraph edited (web archive:") and "2 captures" in summary
    # identical captures collapsed: the second capture of the earlier text is a sighting of version 2
    assert rows(db, "SELECT timestamp, version FROM captures WHERE statement_id=? AND lang='ru' ORDER BY timestamp",
                sid)[:2] == [("20241003101500", 2), ("20241003183000", 2)]
    # the broken captures (cut short, an archived anti-bot page) are set aside; the backfill went on
    refused = dict(rows(db, "SELECT statement_id || ' ' || lang, state FROM captures WHERE state NOT IN ('read')"))
    assert refused == {"mid.ru:1967950 en": "parse_error", "mid.ru:1975354 ru": "challenge"}
    assert rows(db, "SELECT count(*) FROM versions WHERE source='web-archive'") == [(1,)]
    # every capture response is in the WARC archive, like every page
    assert rows(db, "SELECT count(*) FROM fetches WHERE page_type='capture' AND warc_record_id IS NULL") == [(0,)]
    assert "1 edit found in them" in out
    # a second backfill reads no capture again and finds nothing new
    with MirrorServer(state="initial") as site2, MirrorServer(state="initial") as archive2:
        crawl("backfill", "--db", db, "--base-url", site2.base_url, "--cdx-url", f"{archive2.base_url}/cdx/search/cdx",
              "--source", "links", "--captures", *FAST)
        assert not any(p.startswith("/web/") for _, p, _ in archive2.requests)
    assert rows(db, "SELECT count(*) FROM changes WHERE key LIKE 'capture:%'") == [(1,)]


def test_a_capture_of_the_older_portal_under_www_mid_ru_is_read_by_its_parser(tmp_path):
    db = str(tmp_path / "portal.db")
    with MirrorServer(state="later") as server:   # the Russian ASEAN remarks edited since the 2020 capture
        base = ["--db", db, "--site", "archive.mid.ru", "--base-url", server.base_url, "--ignore-robots",
                "--section", "news", "--lang", "ru", *FAST]
        crawl("run", *base)
        crawl("backfill", *base, "--cdx-url", f"{server.base_url}/cdx/search/cdx", "--captures")
    sid = "archive.mid.ru:3929435"
    assert rows(db, "SELECT original, state, version FROM captures WHERE statement_id=? AND timestamp='20200204093000'",
                sid) == [("https://www.mid.ru/ru/foreign_policy/news/-/asset_publisher/cKNonkJE02Bw/content/id/3929435",
                          "read", 2)]
    assert rows(db, "SELECT kind, from_version, to_version, changed_after FROM changes WHERE key LIKE 'capture:%'") == [
        ("edited", 2, 1, "2020-02-04T09:30:00+00:00")]


def test_dry_run_estimates_and_writes_nothing(tmp_path):
    db = tmp_path / "none.db"
    with MirrorServer(state="backfill") as server:
        out = crawl("backfill", "--db", str(db), "--site", "archive.mid.ru", "--base-url", server.base_url,
                    "--ignore-robots", "--section", "news", "--lang", "ru", "--lang", "en", "--dry-run",
                    "--delay", "2").stdout
        asked = [p for _, p, _ in server.requests if p != "/robots.txt"]
    assert not db.exists()
    assert len(asked) == 2 and all("_cur=1" in p for p in asked)              # the first page of each listing
    assert "nothing was written" in out
    assert "listings: 2 of 2 to read, 23 pages left" in out   # 14 in Russian, 9 in English
    requests = int(out.split("at least ")[1].split(" requests")[0])
    assert requests >= 23 + 100
    assert f"~{requests * 2 // 3600}:" in out                                  # the time at --delay 2


def test_bad_backfill_options_are_refused_before_anything_is_written(tmp_path):
    db = tmp_path / "x.db"
    proc = crawl("backfill", "--db", str(db), "--cdx-url", "ftp://example.org/cdx", check=False)
    assert proc.returncode == 2 and "cdx_url" in proc.stderr and not db.exists()
    proc = crawl("backfill", "--db", str(db), "--source", "rss", check=False)
    assert proc.returncode == 2 and not db.exists()


def test_dates_narrow_a_backfill_and_a_wider_one_goes_on_from_there(tmp_path):
    db = str(tmp_path / "dates.db")
    with MirrorServer(state="backfill") as server:
        base = ["backfill", "--db", db, "--site", "archive.mid.ru", "--base-url", server.base_url, "--ignore-robots",
                "--section", "news", "--lang", "ru", *FAST]
        crawl(*base, "--since", "2009-11-20", "--until", "2009-12-05")
        days = rows(db, "SELECT min(published_at), max(published_at), count(*) FROM statements")[0]
        assert (days[0][:10], days[1][:10], days[2]) == ("2009-11-20", "2009-12-05", 16)
        # the listing was read back to --since only; what it showed out of the dates waits in the queue
        assert rows(db, "SELECT complete, next_page FROM backfill_progress") == [(0, 7)]
        assert rows(db, "SELECT count(*) FROM backfill_queue WHERE state='pending'") == [(14,)]
        server.clear_requests()
        crawl(*base, "--since", "2009-11-20", "--until", "2009-12-05")   # nothing left in these dates
        assert [p for _, p, _ in server.requests if p != "/robots.txt"] == []
        crawl(*base)                                                       # all of it: from page 7 on
        first = [p for _, p, _ in server.requests if "_cur=" in p][0]
    assert first.endswith("_cur=7")
    expected = {st["asset_id"] for st in statements_in("backfill") if "foreign_policy/news" in st["sections"]
                and "ru" in st["langs"]}
    assert {r[0] for r in rows(db, "SELECT source_id FROM statements")} == expected
