"""scheduler/doctor.py (and doctor_checks.py, cli_doctor.py, crawler/doctor.py, store/health.py): `crawl doctor`
against the mirror (plain, behind the script challenge with and without the browser), and its checks one by one."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from crawler.browser import CHROMIUM
from fixtures.mirror import MirrorServer
from scheduler.doctor import cdx_probe, clock_report, render_table
from scheduler.doctor_checks import Check, cdx_check, clock_check, database_checks, sink_checks
from store.db import open_db

NEEDS_CHROMIUM = pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK),
                                    reason=f"no Chromium at {CHROMIUM} (Debian's chromium package; .ci/run installs it)")
CAPTURES = [["timestamp", "original"], ["20211020101500", "https://mid.ru/ru/foreign_policy/news/1781234/"],
            ["20220301080000", "https://mid.ru/ru/foreign_policy/news/1802345/"]]


@pytest.fixture(scope="module")
def cdx():
    """A stand-in for the web archive's CDX endpoint: answers every query with two captures."""
    asked: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            asked.append(self.path)
            body = json.dumps(CAPTURES).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/cdx/search/cdx", asked
    server.shutdown()


def doctor(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scheduler.cli", "doctor", "--delay", "0", "--timeout", "10", *args],
                          capture_output=True, text=True, timeout=300, env={**os.environ, **(env or {})})


def verdicts(out: dict) -> dict[str, tuple[str, str]]:
    return {c["name"]: (c["verdict"], c["detail"]) for c in out["checks"]}


@pytest.fixture(scope="module")
def runs(tmp_path_factory, cdx):
    root = tmp_path_factory.mktemp("doctor")
    shim = root / "shim" / "playwright"
    shim.mkdir(parents=True)
    (shim / "__init__.py").write_text("raise ImportError('the browser extra is not installed (test shim)')\n")
    db = root / "fresh.db"
    with MirrorServer() as server:
        base = ("--base-url", server.base_url, "--db", str(db))
        out = {"json": doctor(*base, "--json", "--cdx-url", cdx[0]),
               "table": doctor(*base, "--site", "mid.ru", "--cdx-url", "")}
        server.set_fault("/*", "script_challenge", strict=1)
        out["wall"] = doctor(*base, "--site", "mid.ru", "--json", "--cdx-url", "")
        server.set_fault("/*", "script_challenge")
        out["no_browser"] = doctor(*base, "--site", "mid.ru", "--json", "--cdx-url", "",
                                   env={"PYTHONPATH": str(shim.parent)})
    out["db"] = db
    return out


@pytest.mark.slow
def test_json_says_what_parsed_on_each_portal(runs):
    proc = runs["json"]
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    v = verdicts(out)
    assert v["mid.ru robots.txt"][0] == "ok" and v["mid.ru listing"][0] == "ok"
    assert v["mid.ru article"][0] == "ok" and "2024-10-08T19:39:00+03:00" in v["mid.ru article"][1]
    assert v["mid.ru translations"] == ("ok", "1 of 1 parsed (en)")
    assert v["mid.ru anti-bot wall"] == ("ok", "not met (browser path available)")
    fields = out["portals"]["mid.ru"]["article"]["fields"]
    assert fields["document_number"] == "1895-08-10-2024" and fields["kind"] == "interview"
    assert fields["speakers"] == ["Вопрос", "С.В.Лавров"] and fields["languages"] == ["en", "ru"]
    # The older portal's pages are forbidden by robots.txt: said, and nothing of it asked.
    assert v["archive.mid.ru robots.txt"][0] == "warn" and "--ignore-robots" in v["archive.mid.ru robots.txt"][1]
    assert v["archive.mid.ru listing"][0] == "skip"
    assert v["web archive CDX"][0] == "ok" and "captures from 2021-10-20" in v["web archive CDX"][1]
    assert v["clock"][0] == "ok" and "the site's clock agrees" in v["clock"][1]
    assert v[f"database {runs['db']}"][0] == "skip" and not runs["db"].exists()   # read only: nothing created


@pytest.mark.slow
def test_the_table_has_one_line_per_check(runs):
    proc = runs["table"]
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["check", "verdict", "detail"] and set(lines[1]) <= {"-", " "}
    names = [line.split("  ")[0].strip() for line in lines[2:]]
    assert names[:5] == ["mid.ru robots.txt", "mid.ru listing", "mid.ru article", "mid.ru translations",
                         "mid.ru anti-bot wall"]
    assert "web archive CDX" in names and "clock" in names and "sinks" in names
    assert not any(name.startswith("archive.mid.ru") for name in names)


@pytest.mark.slow
@NEEDS_CHROMIUM
def test_behind_the_wall_it_says_the_wall_is_up_and_the_browser_got_through(runs):
    proc = runs["wall"]
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    v = verdicts(out)
    verdict, detail = v["mid.ru anti-bot wall"]
    assert verdict == "ok" and detail.startswith("up (") and "the browser got through: pages come only through" in detail
    assert v["mid.ru article"][0] == "ok" and v["mid.ru article"][1].endswith("(through the browser)")
    assert out["portals"]["mid.ru"]["article"]["via"] == "browser"
    assert v["mid.ru translations"][0] == "ok"


@pytest.mark.slow
def test_behind_the_wall_without_the_browser_it_fails_and_says_what_to_install(runs):
    proc = runs["no_browser"]
    assert proc.returncode == 3, proc.stderr
    v = verdicts(json.loads(proc.stdout))
    verdict, detail = v["mid.ru anti-bot wall"]
    assert verdict == "fail" and "the browser extra is not installed" in detail
    assert "pip install 'ministry-watch[browser]'" in detail and "chromium" in detail
    assert v["mid.ru listing"][0] == "fail" and "challenge" in v["mid.ru listing"][1]


# -- the checks one by one ---------------------------------------------------------------------------------------


def test_database_health_is_read_only_and_finds_damage(tmp_path):
    good = tmp_path / "good.db"
    open_db(good).conn.close()
    checks, health = database_checks(str(good))
    assert checks[0].verdict == "ok" and "quick_check ok" in checks[0].detail and health["runs"] == 0
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"SQLite format 3\x00" + b"\x00" * 84 + os.urandom(4000))
    checks, _ = database_checks(str(bad))
    assert checks[0].verdict == "fail"
    other = tmp_path / "notes.txt"
    other.write_text("not a database")
    assert database_checks(str(other))[0][0].verdict == "fail"
    assert database_checks(str(tmp_path / "none.db"))[0][0].verdict == "skip"
    assert not (tmp_path / "none.db").exists()


def test_sinks_are_checked_as_crawl_run_checks_them(tmp_path):
    checks = sink_checks(atom=str(tmp_path / "feed.atom"), jsonl=str(tmp_path / "no" / "dir" / "c.jsonl"),
                         notify=("json://localhost/hook",), feed_url="file:///tmp/x",
                         registered=[f"jsonl:{tmp_path}/kept.jsonl", "apprise:json:0123456789ab"])
    got = {c.name: c.verdict for c in checks}
    assert got[f"sink --atom {tmp_path}/feed.atom"] == "ok"
    assert got[f"sink --jsonl {tmp_path}/no/dir/c.jsonl"] == "fail"
    assert got["sink --notify #1 (json://...)"] == "ok"
    assert got["--feed-url"] == "fail"
    assert got[f"sink jsonl {tmp_path}/kept.jsonl (remembered)"] == "ok"
    assert [c.verdict for c in sink_checks(atom=None, jsonl=None, notify=(), feed_url=None,
                                           registered=["apprise:json:0123456789ab"])] == ["skip"]


def test_cdx_probe_reads_the_captures_and_says_when_it_has_no_answer(cdx):
    url, asked = cdx
    report = cdx_probe(url, timeout=5)
    assert [c["timestamp"] for c in report["captures"]] == ["20211020101500", "20220301080000"]
    assert "matchType=prefix" in asked[-1] and "limit=3" in asked[-1]
    assert cdx_check(report).verdict == "ok"
    closed = cdx_probe("http://127.0.0.1:9/cdx", timeout=2)
    assert cdx_check(closed).verdict == "warn" and "no answer" in cdx_check(closed).detail


def test_clock_against_the_sites():
    from datetime import datetime, timedelta, timezone
    from email.utils import format_datetime

    now = datetime.now(timezone.utc).replace(microsecond=0)   # (HTTP dates have whole seconds)
    late = format_datetime(now - timedelta(hours=1), usegmt=True)
    clock = clock_report([(late, now.isoformat())])
    assert clock["skew_seconds"] == 3600 and "moscow" in clock
    assert clock_check(clock).verdict == "warn" and "3600s ahead of the site's" in clock_check(clock).detail
    assert clock_check(clock_report([])).verdict == "ok"


def test_render_table():
    table = render_table([Check("clock", "ok", "fine"), Check("database x.db", "fail", "corrupt")])
    assert table.splitlines()[2:] == ["clock          ok       fine", "database x.db  fail     corrupt"]
