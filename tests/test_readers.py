"""Concurrent readers: plain sqlite3 readers polling during a crawl never see "database is locked" and
never see a half-written statement."""
from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time

import pytest

from fixtures.mirror import MirrorServer

pytestmark = pytest.mark.slow  # A `crawl run` subprocess with readers polling it.

HALF_WRITTEN = (
    "SELECT count(*) FROM variants v WHERE current_version IS NULL OR NOT EXISTS (SELECT 1 FROM versions w"
    " WHERE w.statement_id=v.statement_id AND w.lang=v.lang AND w.version=v.current_version)"
)
ORPHANS = ("SELECT (SELECT count(*) FROM versions w WHERE NOT EXISTS (SELECT 1 FROM variants v WHERE"
           " v.statement_id=w.statement_id AND v.lang=w.lang))"
           " + (SELECT count(*) FROM statements s WHERE NOT EXISTS (SELECT 1 FROM variants v WHERE v.statement_id=s.id))")


def reader(db: str, stop: threading.Event, errors: list, stats: dict, ro: bool) -> None:
    while not stop.is_set():
        try:
            if ro:
                conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)   # Datasette opens files like this
            else:
                conn = sqlite3.connect(db)
            try:
                if conn.execute("PRAGMA user_version").fetchone()[0] == 0:
                    continue   # the crawler has not created the schema yet
                conn.execute("BEGIN")   # one snapshot for all the checks
                half = conn.execute(HALF_WRITTEN).fetchone()[0]
                orphans = conn.execute(ORPHANS).fetchone()[0]
                n = conn.execute("SELECT count(*) FROM versions").fetchone()[0]
                conn.execute("SELECT s.id, v.title, w.body FROM statements s JOIN variants v ON v.statement_id=s.id"
                             " JOIN versions w ON w.statement_id=v.statement_id AND w.lang=v.lang"
                             " AND w.version=v.current_version").fetchall()
                conn.execute("COMMIT")
                if half or orphans:
                    errors.append(f"half-written: {half} variants without version, {orphans} orphans")
                stats["reads"] += 1
                stats["max_versions"] = max(stats["max_versions"], n)
                stats.setdefault("seen", set()).add(n)
            finally:
                conn.close()
        except sqlite3.OperationalError as exc:
            if "unable to open" in str(exc) or "no such table" in str(exc):
                time.sleep(0.01)   # the database file or schema is not there yet
                continue
            errors.append(str(exc))
        time.sleep(0.005)


def test_readers_during_a_crawl_never_block_or_see_half_written_rows(tmp_path):
    db = str(tmp_path / "r.db")
    with MirrorServer(state="initial") as server:
        server.set_fault("/ru/*", "timeout", delay=0.03)   # a crawl of ~2 s, so readers overlap many commits
        stop = threading.Event()
        errors: list[str] = []
        stats = [{"reads": 0, "max_versions": 0} for _ in range(3)]
        threads = [threading.Thread(target=reader, args=(db, stop, errors, stats[i], i == 2)) for i in range(3)]
        for t in threads:
            t.start()
        try:
            proc = subprocess.run([sys.executable, "-m", "scheduler.cli", "run", "--db", db, "--base-url",
                                   server.base_url, "--delay", "0", "--timeout", "5", "--retries", "1",
                                   "--section", "news", "--lang", "ru", "--lang", "en"],
                                  capture_output=True, text=True, timeout=120)
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=10)
    assert proc.returncode == 0, proc.stderr
    assert "locked" not in proc.stderr
    assert errors == [], errors[:5]
    assert all(s["reads"] >= 20 for s in stats), [s["reads"] for s in stats]
    final = sqlite3.connect(db).execute("SELECT count(*) FROM versions").fetchone()[0]
    # The readers watched the archive grow (several commits), not just the finished result.
    assert max(s["max_versions"] for s in stats) == final
    assert any(len(s.get("seen", ())) >= 2 for s in stats)
