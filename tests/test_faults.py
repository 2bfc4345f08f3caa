"""Fault injection: every fault mode of the mirror, through real `crawl run` subprocesses.

One baseline crawl (news, ru) fills a template database; each case copies it, switches the mirror to a
state with one more statement, injects a fault on a known article and on the new one (or on the listing
and the feed), crawls, then crawls again with the fault gone. Each case asserts: the run completes; no
false edited/deleted/new change; no stored version lost or rewritten; the error is counted in `runs` and
shown by `crawl status`; the next clean run recovers. Cases run three at a time, each on its own mirror.
"""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from fixtures.mirror import MirrorServer
from fixtures.mirror.site import DEFAULT_ROOT

KNOWN = "/ru/foreign_policy/news/1975559/"        # in the template, re-checked by every case
NEW = "/ru/foreign_policy/news/1976115/"          # appears in state "plus" only
LISTING = "/ru/foreign_policy/news/"
FEED = "/ru/rss.php"
KNOWN_ID, NEW_ID = "mid.ru:1975559", "mid.ru:1976115"
CRAWL = ["--delay", "0", "--timeout", "2", "--retries", "1", "--section", "news", "--lang", "ru"]
ERROR_COLUMNS = {"errors", "challenge_pages"}

# Expected outcome of an article fetch under each fault (None: the page must be handled correctly).
OUTCOME = {"500": "server_error", "502": "server_error", "503": "server_error", "429": "rate_limited",
           "timeout": "timeout", "reset": "connection_error", "truncate": "connection_error",
           "challenge": "challenge", "redirect_loop": "error", "redirect_offsite": "offsite",
           "soft404": "parse_error", "empty": "parse_error", "mojibake": "mojibake",
           "wrong_charset": None, "no_charset": None, "cp1251": None, "cp1251_undeclared": None, "huge": None,
           # Well formed but wrong (issue 15): never a version, never an edit or a deletion.
           "cut_whole": "truncated", "php_fatal": "server_error_text", "koi8r_as_cp1251": "mojibake",
           "other_page": "wrong_page", "waf_bounce": "challenge"}
# case -> {path: (mode, options)}; two modes per case (one on the known article, one on the new one)
# keeps the suite cheap while every mode goes through a real crawl.
CASES: dict[str, dict[str, tuple[str, dict]]] = {
    "500+502": {KNOWN: ("500", {}), NEW: ("502", {})},
    "503+429": {KNOWN: ("503", {}), NEW: ("429", {"retry_after": 1})},
    "timeout+mojibake": {KNOWN: ("timeout", {"delay": 3}), NEW: ("mojibake", {})},
    "reset+truncate": {KNOWN: ("reset", {}), NEW: ("truncate", {})},
    "challenge": {KNOWN: ("challenge", {}), NEW: ("challenge", {"variant": "tspd"})},
    "offsite+loop": {KNOWN: ("redirect_offsite", {}), NEW: ("redirect_loop", {})},
    "soft404+empty": {KNOWN: ("soft404", {}), NEW: ("empty", {})},
    "wrong_charset+no_charset": {KNOWN: ("wrong_charset", {}), NEW: ("no_charset", {})},
    "cp1251+undeclared": {KNOWN: ("cp1251", {}), NEW: ("cp1251_undeclared", {})},
    "huge": {KNOWN: ("huge", {}), NEW: ("huge", {})},
    "listing_503+feed_empty": {LISTING: ("503", {}), FEED: ("empty", {})},
    # The article cut after its 2nd paragraph: with a matching Content-Length, and with none (connection closed).
    "cut+cut_without_length": {KNOWN: ("cut_whole", {}), NEW: ("cut_whole", {"length": "0"})},
    "php_fatal+koi8r": {KNOWN: ("php_fatal", {}), NEW: ("koi8r_as_cp1251", {})},
    # Another statement's page at this URL; a firewall's bounce to the home page with a query.
    "other_page+waf_bounce": {KNOWN: ("other_page", {}), NEW: ("waf_bounce", {})},
    "listing_challenge+feed_soft404": {LISTING: ("challenge", {}), FEED: ("soft404", {})},
}
if os.environ.get("MW_SOAK"):
    # The randomised soak (see docs): `MW_SOAK=40 [MW_SOAK_SEED=7] pytest tests/test_faults.py`.
    import random

    _rng = random.Random(int(os.environ.get("MW_SOAK_SEED", "0")) or None)
    _OPTS = {"timeout": {"delay": 3}, "429": {"retry_after": 1}}
    for _n in range(int(os.environ["MW_SOAK"])):
        _a, _b = _rng.choice(sorted(OUTCOME)), _rng.choice(sorted(OUTCOME))
        CASES[f"soak{_n}-{_a}+{_b}"] = {KNOWN: (_a, _OPTS.get(_a, {})), NEW: (_b, _OPTS.get(_b, {}))}
MAX_RSS_KB = 400 * 1024  # the 10 MB page must not blow up the crawler (about 170 MB measured, 90 MB without it)


def crawl(*args: str, measure: bool = False) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "scheduler.cli", *args]
    if measure:
        # Report the peak RSS of the crawl's process tree (the crawler child included) on stderr.
        cmd = [sys.executable, "-c", "import resource, subprocess, sys; rc = subprocess.run(sys.argv[1:]).returncode;"
               " print('MAXRSS', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr);"
               " sys.exit(rc)", *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def q(db: str, sql: str, *params) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def copy_db(src: str, dst: str) -> None:
    a, b = sqlite3.connect(src), sqlite3.connect(dst)
    try:
        a.backup(b)
    finally:
        a.close()
        b.close()


def add_plus_state(server: MirrorServer) -> None:
    later = json.loads((DEFAULT_ROOT / "states" / "later" / "state.json").read_text(encoding="utf-8"))
    files = {f"bodies/1976115.{lang}.html": (DEFAULT_ROOT / "states" / "later" / "bodies" / f"1976115.{lang}.html")
             .read_text(encoding="utf-8") for lang in ("ru", "en")}
    server.add_state("plus", {"add": later["add"]}, files=files)
    server.set_state("plus")


def snapshot(db: str) -> set[tuple]:
    return set(q(db, "SELECT statement_id, lang, version, content_sha256, title, body, captured_at FROM versions"))


def run_case(name: str, template: str, workdir: Path) -> dict:
    db = str(workdir / f"case-{name}.db")   # same directory as the template: its archive paths still resolve
    copy_db(template, db)
    before = snapshot(db)
    with MirrorServer(state="initial") as server:
        add_plus_state(server)
        for path, (mode, opts) in CASES[name].items():
            server.set_fault(path, mode, **opts)
        base = ["--db", db, "--base-url", server.base_url, *CRAWL, "--recheck", "all"]
        faulted = crawl("run", *base, measure=(name == "huge"))
        after_fault = snapshot(db)
        copy_db(db, db + ".faulted")   # the state right after the faulted run, before recovery
        status = crawl("status", "--db", db)
        server.clear_faults()
        requests = list(server.requests)
        recovery = crawl("run", *base)
    return {"db": db, "faulted_db": db + ".faulted", "before": before, "after_fault": after_fault,
            "faulted": faulted, "status": status, "recovery": recovery, "requests": requests}


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("faults")
    template = str(workdir / "template.db")
    with MirrorServer(state="initial") as server:
        first = crawl("run", "--db", template, "--base-url", server.base_url, *CRAWL)
    assert first.returncode == 0, first.stderr
    assert q(template, "SELECT count(*) FROM versions WHERE statement_id=?", KNOWN_ID) == [(1,)]
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = {name: pool.submit(run_case, name, template, workdir) for name in CASES}
        return {name: f.result() for name, f in futures.items()}


def outcomes(db: str, run_id: int, sid: str) -> list[str]:
    return [o for (o,) in q(db, "SELECT outcome FROM fetches WHERE run_id=? AND statement_id=? ORDER BY id", run_id, sid)]


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CASES))
def test_fault_is_survived_counted_and_recovered(results, name):
    faults = CASES[name]
    r = results[name]
    db, fdb = r["db"], r["faulted_db"]
    # 1. The run completes.
    assert r["faulted"].returncode == 0, r["faulted"].stderr
    assert "Traceback" not in r["faulted"].stderr
    assert q(db, "SELECT status, finished_at IS NOT NULL FROM runs WHERE id=2") == [("ok", 1)]
    # 2. No version lost or rewritten, whatever happened.
    assert r["before"] <= r["after_fault"]
    assert q(fdb, "SELECT status, current_version FROM variants WHERE statement_id=? AND lang='ru'",
             KNOWN_ID) == [("active", 1)]
    changes = q(db, "SELECT kind, statement_id FROM changes WHERE run_id=2")
    # 3. No false change: the new statement is reported only if it was read correctly.
    new_fault = faults.get(NEW)
    new_readable = new_fault is None or OUTCOME[new_fault[0]] is None
    discovered = LISTING not in faults or FEED not in faults
    if new_readable and discovered:
        assert changes == [("new", NEW_ID)]
        title, body = q(db, "SELECT title, body FROM versions WHERE statement_id=? AND lang='ru'", NEW_ID)[0]
        assert title.startswith("О встрече заместителя Министра иностранных дел России")
        assert "Ð" not in title + body and "\ufffd" not in title + body and "Ã" not in body
        assert len(r["after_fault"] - r["before"]) == 1
    else:
        assert changes == [] and r["after_fault"] == r["before"]
        assert q(fdb, "SELECT count(*) FROM variants WHERE statement_id=?", NEW_ID) == [(0,)]
    for path, sid in ((KNOWN, KNOWN_ID), (NEW, NEW_ID)):
        if path not in faults:
            continue
        expected = OUTCOME[faults[path][0]]
        got = outcomes(db, 2, sid)
        if expected is None:
            assert got == (["unchanged"] if sid == KNOWN_ID else ["ok"])   # same content however encoded
        else:
            assert got and set(got) == {expected}, got
    if KNOWN in faults and OUTCOME[faults[KNOWN][0]]:
        # A transient failure is bookkept as such, never as 'gone'.
        got = outcomes(db, 2, KNOWN_ID)
        assert q(fdb, "SELECT failures, last_outcome FROM variants WHERE statement_id=? AND lang='ru'",
                 KNOWN_ID) == [(len(got), got[-1])]
    elif KNOWN not in faults:
        assert outcomes(db, 2, KNOWN_ID) == ["not_modified"]   # re-checks go on without listing and feed
    # 4. The errors are counted in runs and visible in `crawl status`.
    counts = dict(zip(("errors", "challenge_pages"), q(db, "SELECT errors, challenge_pages FROM runs WHERE id=2")[0]))
    modes = [mode for mode, _ in faults.values() if OUTCOME[mode] is not None or mode in ("empty", "soft404")]
    want_errors = sum(1 for path, (mode, _) in faults.items() if OUTCOME[mode] != "challenge" and
                      (OUTCOME[mode] is not None or path in (LISTING, FEED)))
    want_challenges = sum(1 for mode, _ in faults.values() if OUTCOME[mode] == "challenge")
    assert counts["errors"] >= want_errors and counts["challenge_pages"] >= want_challenges, counts
    assert bool(counts["errors"] + counts["challenge_pages"]) == bool(modes), counts
    status = r["status"]
    assert status.returncode == 0, status.stderr
    line = next(l for l in status.stdout.splitlines() if l.split()[:1] == ["2"])
    assert str(counts["errors"]) in line.split() and str(counts["challenge_pages"]) in line.split()
    # ... and by name: `crawl status` says what the refused or failed answers of the last run were.
    named = {OUTCOME[mode] for path, (mode, _) in faults.items() if OUTCOME[mode] and path in (KNOWN, NEW)}
    if named:
        refused = next(l for l in status.stdout.splitlines() if "answers that were not content" in l)
        assert all(f"{outcome} " in refused for outcome in named), (named, refused)
    # A listing or feed that failed is shown as failing (step 5 shows it is asked again on the next run).
    for path in (LISTING, FEED):
        if path not in faults:
            continue
        last = q(r["faulted_db"], "SELECT last_outcome FROM index_pages WHERE path=?", path)
        assert last, f"{path} was not recorded"
        if last[0][0] not in ("ok", "gone"):
            assert f"failing: {path} ({last[0][0]}" in status.stdout, status.stdout
    if LISTING in faults:   # a 503 or the anti-bot page instead of the listing: failing, whatever the feed did
        assert f"failing: {LISTING} (" in status.stdout, status.stdout
    # 5. The next clean run recovers: the known page answers normally, nothing spurious is reported.
    assert r["recovery"].returncode == 0, r["recovery"].stderr
    assert set(outcomes(db, 3, KNOWN_ID)) <= {"not_modified", "unchanged"} and outcomes(db, 3, KNOWN_ID)
    assert q(db, "SELECT errors, challenge_pages FROM runs WHERE id=3") == [(0, 0)]
    later = q(db, "SELECT kind, statement_id FROM changes WHERE run_id=3")
    assert later == ([] if changes else [("new", NEW_ID)])
    assert q(db, "SELECT failures FROM variants WHERE statement_id=? AND lang='ru'", KNOWN_ID) == [(0,)]
    assert r["before"] <= snapshot(db)
    assert q(db, "PRAGMA integrity_check") == [("ok",)]


@pytest.mark.slow
def test_nothing_but_the_mirror_is_contacted_on_offsite_redirects(results):
    r = results["offsite+loop"]
    errors = q(r["db"], "SELECT error FROM fetches WHERE run_id=2 AND outcome='offsite'")
    assert errors and all("evil.example" in e for (e,) in errors)
    # The mirror saw one request per target: the redirect was not followed anywhere.
    assert [p for _, p, _ in r["requests"] if p.startswith(KNOWN)] == [KNOWN + "?lang=ru"]


@pytest.mark.slow
def test_redirect_loop_gives_up(results):
    r = results["offsite+loop"]
    hops = [p for _, p, _ in r["requests"] if p.startswith(NEW)]
    assert 2 <= len(hops) <= 8
    assert q(r["db"], "SELECT error FROM fetches WHERE run_id=2 AND statement_id=?", NEW_ID)[0][0].startswith(
        "redirect loop")


@pytest.mark.slow
def test_huge_page_is_handled_in_bounded_memory(results):
    r = results["huge"]
    size = q(r["db"], "SELECT max(bytes) FROM fetches WHERE run_id=2")[0][0]
    assert size >= 10 * 1024 * 1024
    rss = [int(line.split()[1]) for line in r["faulted"].stderr.splitlines() if line.startswith("MAXRSS")]
    assert rss and rss[0] < MAX_RSS_KB, f"peak RSS {rss[0] // 1024} MB"


def test_page_with_undecodable_bytes_is_refused_not_stored():
    """Unit level: bytes no charset explains never become a version full of replacement characters."""
    from crawler.encoding import decode_html, looks_like_mojibake

    text = "<p>Сообщение для СМИ: встреча заместителя Министра</p>"
    assert decode_html(text.encode("utf-8"), "iso-8859-1").text == text
    assert decode_html(text.encode("cp1251"), None).text == text
    assert decode_html(text.encode("cp1251"), "iso-8859-1").text == text
    broken = text.encode("utf-8")[:-20] + b"\xff\xfe" + text.encode("utf-8")[-20:]
    assert not decode_html(broken, "utf-8").lossless
    assert looks_like_mojibake(text.encode("utf-8").decode("cp1252", "replace"))
    assert not looks_like_mojibake("Le ministère des Affaires étrangères; Straße; añadió; Guðrún Þór")


def test_a_page_flipping_between_two_texts_is_one_flapping_change(tmp_path):
    """Six runs against a page that alternates between its text and a shorter one on every fetch: the versions
    are all recorded, but the sinks hear of it once, as flapping; the last run's text is the whole one."""
    db = str(tmp_path / "flip.db")
    with MirrorServer(state="initial") as server:
        base = ["run", "--db", db, "--base-url", server.base_url, *CRAWL, "--recheck", "all",
                "--jsonl", str(tmp_path / "changes.jsonl")]
        assert crawl(*base, "--announce-initial").returncode == 0
        server.set_fault(KNOWN, "flip")
        for _ in range(6):
            assert crawl(*base).returncode == 0
        server.clear_faults()
        assert crawl(*base).returncode == 0
    announced = [json.loads(line) for line in open(tmp_path / "changes.jsonl", encoding="utf-8")]
    assert [c["kind"] for c in announced if c["statement_id"] == KNOWN_ID] == ["new", "flapping"]
    kinds = [k for (k,) in q(db, "SELECT kind FROM changes WHERE statement_id=? ORDER BY id", KNOWN_ID)]
    assert kinds.count("flapping") == 1 and "edited" not in kinds
    (summary,) = q(db, "SELECT summary FROM changes WHERE statement_id=? AND kind='flapping'", KNOWN_ID)[0]
    assert "flips" in summary
    # The whole text is current again, and it is version 1's.
    current = q(db, "SELECT v.content_sha256 FROM variants va JOIN versions v ON v.statement_id=va.statement_id"
                    " AND v.lang=va.lang AND v.version=va.current_version WHERE va.statement_id=? AND va.lang='ru'",
                KNOWN_ID)
    assert current == q(db, "SELECT content_sha256 FROM versions WHERE statement_id=? AND lang='ru' AND version=1",
                        KNOWN_ID)


def test_the_russian_page_answering_for_english_is_refused(tmp_path):
    """?lang=en answered with the Russian text (a misrouted cache): wrong_page, and the English text stays."""
    en = "/en/press_service/minister_speeches/1974990/"
    db = str(tmp_path / "lang.db")
    with MirrorServer(state="initial") as server:
        base = ["run", "--db", db, "--base-url", server.base_url, "--delay", "0", "--timeout", "2", "--retries", "1",
                "--section", "minister_speeches", "--lang", "ru", "--lang", "en", "--recheck", "all"]
        assert crawl(*base).returncode == 0
        english = q(db, "SELECT content_sha256 FROM variants WHERE statement_id='mid.ru:1974990' AND lang='en'")
        assert english
        server.set_fault(en + "?lang=en", "other_page", lang="ru")
        assert crawl(*base).returncode == 0
        got = q(db, "SELECT outcome, error FROM fetches WHERE run_id=2 AND statement_id='mid.ru:1974990'"
                    " AND lang='en'")
        assert [o for o, _ in got] == ["wrong_page"] and "cyrillic" in got[0][1]
        assert q(db, "SELECT content_sha256 FROM variants WHERE statement_id='mid.ru:1974990' AND lang='en'") == english
        assert q(db, "SELECT count(*) FROM changes WHERE run_id=2 AND kind<>'new'") == [(0,)]
