"""Crash safety: SIGKILL `crawl run` and `crawl watch` at many moments; nothing is half written, lost or sent twice.

A slowed-down mirror (every request waits 50 ms) makes a first crawl of one section (22 fetches) last
about two seconds; it is killed at 20 moments spread over the run (startup, after the k-th fetch row,
during change detection, after closing the run), mostly the whole machine (the `crawl` parent and its
crawler child), sometimes only the crawler child (the parent then closes the run as failed).
After each kill the database must pass `PRAGMA integrity_check` and hold no half-written statement,
and one complete run must end with exactly the content of an uninterrupted run.
"""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from fixtures.mirror import MirrorServer
from tests.helpers import EDITS_AT_ONCE

CRAWL = ["--delay", "0", "--timeout", "5", "--retries", "1", "--section", "news", "--lang", "ru", *EDITS_AT_ONCE]
REQUEST_DELAY = 0.05


def q(db: str, sql: str, *params) -> list[tuple]:
    conn = sqlite3.connect(db, timeout=30)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def children(pid: int) -> list[int]:
    try:
        return [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def kill_tree(proc: subprocess.Popen, *, child_only: bool = False) -> None:
    """SIGKILL the crawl: the crawler child's process group, and unless child_only the parent too."""
    kids = children(proc.pid)
    if not child_only:
        try:
            os.kill(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    for kid in kids:
        try:
            os.killpg(kid, signal.SIGKILL)   # the crawler runs in its own session
        except (ProcessLookupError, PermissionError):
            pass


def start(args: list[str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "scheduler.cli", *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


def complete(args: list[str]) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "scheduler.cli", *args], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc


def check_consistent(db: str) -> None:
    """integrity_check, and no statement half written."""
    assert q(db, "PRAGMA integrity_check") == [("ok",)]
    assert q(db, "PRAGMA foreign_key_check") == []
    # Every variant has its current version; every version has its variant; every statement a variant.
    assert q(db, "SELECT statement_id, lang FROM variants v WHERE current_version IS NULL OR NOT EXISTS"
                 " (SELECT 1 FROM versions w WHERE w.statement_id=v.statement_id AND w.lang=v.lang"
                 " AND w.version=v.current_version)") == []
    assert q(db, "SELECT statement_id, lang FROM versions w WHERE NOT EXISTS (SELECT 1 FROM variants v"
                 " WHERE v.statement_id=w.statement_id AND v.lang=w.lang)") == []
    assert q(db, "SELECT id FROM statements s WHERE NOT EXISTS (SELECT 1 FROM variants v WHERE v.statement_id=s.id)") == []
    assert q(db, "SELECT statement_id, lang FROM variants v WHERE NOT EXISTS (SELECT 1 FROM statements s"
                 " WHERE s.id=v.statement_id)") == []
    # Versions are numbered 1..n without gaps, and the variant's hash is its current version's.
    assert q(db, "SELECT statement_id, lang FROM versions GROUP BY statement_id, lang"
                 " HAVING max(version) <> count(*)") == []
    assert q(db, "SELECT v.statement_id FROM variants v JOIN versions w ON w.statement_id=v.statement_id"
                 " AND w.lang=v.lang AND w.version=v.current_version WHERE w.content_sha256 <> v.content_sha256") == []


def content(db: str) -> dict[str, list[tuple]]:
    """What must be identical to an uninterrupted run (no timestamps, run ids or ports)."""
    return {
        "statements": q(db, "SELECT id, section, kind, published_at, document_number, status FROM statements ORDER BY id"),
        "variants": q(db, "SELECT statement_id, lang, title, current_version, content_sha256, status FROM variants"
                          " ORDER BY 1, 2"),
        "versions": q(db, "SELECT statement_id, lang, version, content_sha256, title, body, rederived FROM versions"
                          " ORDER BY 1, 2, 3"),
        "changes": q(db, "SELECT kind, statement_id, lang, from_version, to_version FROM changes ORDER BY 2, 3, 1"),
    }


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    db = str(tmp_path_factory.mktemp("crash-ref") / "ref.db")
    with slow_mirror() as mirror:
        complete(["run", "--db", db, "--base-url", mirror.base_url, *CRAWL])
    assert q(db, "SELECT count(*) FROM fetches") == [(22,)]
    return {"content": content(db)}


def count(db: str, sql: str) -> int:
    """A plain reader polling the database while it is written (0 until the file and tables exist)."""
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return conn.execute(sql).fetchone()[0] or 0
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


# Kill moments, spread over the whole run: while starting up (by time), while crawling (after the
# mirror has served the k-th request: robots.txt, listing, feed, then 20 articles), while detecting
# changes (after the k-th change row), and right after the run was closed. The store commits pages in
# batches, so the crawl-phase kills land both before and after commits.
MOMENTS: list[tuple[str, float]] = (
    [("time", 0.05), ("time", 0.3)]
    + [("requests", k) for k in (1, 2, 3, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 23)]
    + [("changes", k) for k in (1, 6, 14)]
    + [("finished", 0)]
)
if os.environ.get("MW_SOAK"):
    # The randomised soak (see docs): `MW_SOAK=200 [MW_SOAK_SEED=7] pytest tests/test_crash.py -k sigkill`.
    import random

    _rng = random.Random(int(os.environ.get("MW_SOAK_SEED", "0")) or None)
    MOMENTS = [_rng.choice([("time", round(_rng.uniform(0, 1.5), 3)), ("requests", _rng.randint(1, 23)),
                            ("changes", _rng.randint(1, 20)), ("finished", 0)])
               for _ in range(int(os.environ["MW_SOAK"]))]
POLL = {"changes": "SELECT count(*) FROM changes",
        "finished": "SELECT count(*) FROM runs WHERE finished_at IS NOT NULL"}


def slow_mirror() -> MirrorServer:
    server = MirrorServer(state="initial")
    server.set_fault("/ru/*", "timeout", delay=REQUEST_DELAY)   # every page answers after 50 ms
    return server


def kill_and_recover(workdir: Path, i: int, moment: tuple[str, float]) -> dict:
    db = str(workdir / f"kill-{i}.db")
    kind, value = moment
    with slow_mirror() as mirror:   # its own mirror: its request log is this run's progress
        args = ["run", "--db", db, "--base-url", mirror.base_url, *CRAWL]
        proc = start(args)
        deadline = time.monotonic() + 60
        if kind == "time":
            time.sleep(value)
        elif kind == "requests":
            while len(mirror.requests) < value and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.002)
        else:
            while count(db, POLL[kind]) < max(value, 1) and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.002)
        child_only = kind == "requests" and i % 3 == 0
        kill_tree(proc, child_only=child_only)
        proc.wait(timeout=60)
        result = {"db": db, "at": moment, "child_only": child_only, "returncode": proc.returncode,
                  "stderr": proc.stderr.read(), "exists": Path(db).exists(), "served": len(mirror.requests)}
        proc.stderr.close()
        if result["exists"]:
            result["fetched"] = count(db, "SELECT count(*) FROM fetches")
            result["closed"] = count(db, "SELECT count(*) FROM runs WHERE finished_at IS NOT NULL")
            try:
                check_consistent(db)
            except AssertionError as exc:
                result["inconsistent"] = repr(exc)
        # The complete run re-checks nothing: whatever the killed run stored must not need a re-fetch to
        # be reported (a change detected late, or never, would be a lost change).
        complete([*args, "--recheck", "none"])
    result["content"] = content(db)
    check_consistent(db)
    return result


@pytest.mark.slow
def test_sigkill_at_many_moments_loses_nothing(reference, tmp_path):
    soak = bool(os.environ.get("MW_SOAK"))
    assert soak or len(MOMENTS) >= 20
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda a: kill_and_recover(tmp_path, *a), enumerate(MOMENTS)))
    for r in results:
        assert "inconsistent" not in r, (r["at"], r["inconsistent"])
        assert r["content"] == reference["content"], f"kill at {r['at']} (child only: {r['child_only']})"
        if r["child_only"] and r["exists"]:
            # The parent survived its child: it closed the run as failed, with no traceback.
            assert "Traceback" not in r["stderr"]
            assert r["returncode"] != 0 and r["closed"] == 1
    # The kills really were spread over the crawl: many runs died with only part of the site fetched.
    mid_crawl = [r for r in results if 0 < r["served"] < 23 and r["exists"]]
    assert soak or len(mid_crawl) >= 10, [(r["at"], r["served"], r.get("fetched"), r.get("closed")) for r in results]


# ------------------------------------------------------------------------------ crawl watch mid-emission

def jsonl_ids(path: Path) -> list[int]:
    ids = []
    if not path.exists():
        return ids
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            ids.append(int(json.loads(line)["change_id"]))
        except (ValueError, KeyError, TypeError):
            continue   # a line torn by the kill (never counted as delivered)
    return ids


def watch_once(mirror, db: str, jsonl: Path) -> list[str]:
    # --backlog --announce-initial: the sink is new and the template's changes are its first fill, which a new
    # sink is otherwise not sent; here they are what makes the emission window wide enough to hit.
    return ["watch", "--once", "--db", db, "--base-url", mirror.base_url, *CRAWL, "--recheck", "all",
            "--delete-after", "0s", "--jsonl", str(jsonl), "--backlog", "--announce-initial"]


@pytest.fixture
def mirror():
    with slow_mirror() as server:
        yield server


@pytest.mark.slow
def test_watch_killed_around_emission_sends_every_change_exactly_once(mirror, tmp_path):
    template = str(tmp_path / "template.db")
    complete(["run", "--db", template, "--base-url", mirror.base_url, *CRAWL])   # 20 changes pending for the sink
    mirror.set_state("later")
    cases = []

    def attempt(i: int, at) -> tuple:
        db = str(tmp_path / f"watch-{i}.db")
        src, dst = sqlite3.connect(template), sqlite3.connect(db)
        src.backup(dst)
        src.close()
        dst.close()
        jsonl = tmp_path / f"watch-{i}.jsonl"
        proc = start(watch_once(mirror, db, jsonl))
        deadline = time.monotonic() + 60
        if at == "emission":
            # Freeze the process the moment the sink file has data (between writing the lines and recording
            # their delivery, if we are quick enough), then kill it.
            while proc.poll() is None and time.monotonic() < deadline:
                try:
                    if os.stat(jsonl).st_size:
                        break
                except FileNotFoundError:
                    pass
            try:
                os.kill(proc.pid, signal.SIGSTOP)
            except ProcessLookupError:
                pass
        elif at == "after":
            while not count(db, "SELECT count(*) FROM emissions") and time.monotonic() < deadline:
                time.sleep(0.01)
        else:
            time.sleep(at)
        kill_tree(proc)
        proc.wait(timeout=60)
        proc.stderr.close()
        before = (jsonl_ids(jsonl), q(db, "SELECT count(*) FROM emissions")[0][0])
        check_consistent(db)
        # Restart: the next cycle completes and delivers whatever was not delivered.
        complete(watch_once(mirror, db, jsonl))
        return at, before, db, jsonl

    try:
        for i, at in enumerate((1.5, "after")):
            cases.append(attempt(i, at))
        for i in range(2, 8):   # kill in the window; the window is short, so try until it was hit twice
            cases.append(attempt(i, "emission"))
            if sum(1 for c in cases if c[1][0] and c[1][1] < len(c[1][0])) >= 2:
                break
    finally:
        mirror.set_state("initial")
    for at, (lines_before, emitted_before), db, jsonl in cases:
        ids = jsonl_ids(jsonl)
        changes = [c for (c,) in q(db, "SELECT id FROM changes ORDER BY id")]
        emitted = [c for (c,) in q(db, "SELECT change_id FROM emissions ORDER BY change_id")]
        assert sorted(ids) == changes, f"kill at {at}: file has {len(ids)} lines for {len(changes)} changes"
        assert len(ids) == len(set(ids)), f"kill at {at}: a change was sent twice"
        assert emitted == changes, f"kill at {at}"
        kinds = {k for (k,) in q(db, "SELECT kind FROM changes")}
        assert {"new", "edited"} <= kinds
    # At least one kill landed in the dangerous window: lines written, deliveries not yet recorded.
    assert any(lines and emitted < len(lines) for _, (lines, emitted), _, _ in cases), \
        [(at, len(b[0]), b[1]) for at, b, _, _ in cases]


def test_death_between_writing_and_recording_does_not_duplicate(tmp_path, monkeypatch):
    """Deterministic version of the window above: the process dies right after the sink wrote its lines."""
    from scheduler import sinks
    from store.db import open_db
    from store.emissions import record_deliveries as real_record

    db = open_db(tmp_path / "e.db")
    conn = db.conn
    conn.execute("INSERT INTO statements (id, site, source_id, first_seen_at, last_seen_at) VALUES"
                 " ('mid.ru:1', 'mid.ru', 1, 'x', 'x')")
    for n in (1, 2, 3):
        conn.execute("INSERT INTO changes (key, statement_id, lang, kind, detected_at, summary) VALUES"
                     " (?, 'mid.ru:1', 'ru', 'new', 'x', 's')", (f"k{n}",))
    path = tmp_path / "c.jsonl"

    class Died(BaseException):
        pass

    def dying_record(*args, **kwargs):
        raise Died()

    monkeypatch.setattr(sinks, "record_deliveries", dying_record)
    with pytest.raises(Died):
        sinks.emit(db, [sinks.JsonlSink(path)])
    assert jsonl_ids(path) == [1, 2, 3]
    assert conn.execute("SELECT count(*) FROM emissions").fetchone()[0] == 0
    monkeypatch.setattr(sinks, "record_deliveries", real_record)
    sinks.emit(db, [sinks.JsonlSink(path)])   # the restarted process
    assert jsonl_ids(path) == [1, 2, 3]
    assert [r[0] for r in conn.execute("SELECT change_id FROM emissions ORDER BY 1")] == [1, 2, 3]


def test_torn_jsonl_line_is_not_glued_to_the_next_record(tmp_path):
    """A kill in the middle of a line: the next emission starts on a fresh line and resends that change."""
    from scheduler.sinks import JsonlSink

    path = tmp_path / "c.jsonl"
    path.write_text('{"change_id": 1, "summary": "ok"}\n{"change_id": 2, "summ', encoding="utf-8")
    change = {"statement_id": "mid.ru:1", "lang": "ru", "kind": "new", "cosmetic": 0, "from_version": None,
              "to_version": 1, "detected_at": "2024-10-10T00:00:00+00:00", "summary": "s", "title": "t",
              "url": None, "diff": None}
    JsonlSink(path).send([{**change, "id": 1}, {**change, "id": 2}, {**change, "id": 3}])
    assert jsonl_ids(path) == [1, 2, 3]
