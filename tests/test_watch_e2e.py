"""`crawl watch` end to end: cycles against the fixture server, a state switch between cycles, SIGTERM, the lock."""
import json
import signal
import subprocess
import sys

import pytest

from fixtures.mirror import MirrorServer
from tests.helpers import live_query as query, wait_for
from store.exit_codes import ExitCode

pytestmark = pytest.mark.slow  # `crawl watch` subprocesses against the mirror.


def test_watch_cycles_pick_up_changes_and_stop_cleanly(tmp_path):
    db = str(tmp_path / "watch.db")
    with MirrorServer(state="initial") as server:
        cmd = [sys.executable, "-m", "scheduler.cli", "watch", "--db", db, "--base-url", server.base_url,
               "--every", "2s", "--delay", "0", "--timeout", "5", "--retries", "1", "--policy", "*:0",
               "--delete-after", "0s", "--confirm-delay", "0s", "--jsonl", str(tmp_path / "changes.jsonl")]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert wait_for(lambda: query(db, "SELECT count(*) FROM runs WHERE status='ok'") >= [(1,)])
            # A second scheduler on the same database refuses to start and touches nothing.
            second = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
            assert second.returncode == ExitCode.ALREADY_RUNNING
            assert "already running" in second.stderr
            server.set_state("later")
            assert wait_for(lambda: query(
                db, "SELECT count(*) FROM changes WHERE kind='deleted' AND statement_id='mid.ru:1969120'") == [(2,)])
            kinds = set(query(db, "SELECT kind, statement_id, lang FROM changes WHERE kind<>'new' OR statement_id="
                                  "'mid.ru:1976115'"))
            assert ("edited", "mid.ru:1974990", "ru") in kinds
            assert ("new", "mid.ru:1976115", "ru") in kinds
            sink = tmp_path / "changes.jsonl"
            assert wait_for(lambda: sink.exists() and sink.read_text().count('"kind": "deleted"') == 2)
        finally:
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        runs = query(db, "SELECT status, finished_at IS NOT NULL FROM runs")
        assert len(runs) >= 3
        assert all(finished for _, finished in runs)            # no run left 'running'
        assert query(db, "PRAGMA integrity_check") == [("ok",)]
        # Every change went to the JSON-lines sink at most once, and each one recorded as delivered. The first
        # cycle's changes are the database's first fill: recorded, never announced. The deletions, found several
        # cycles before SIGTERM, all went. (The last cycle's may not have: SIGTERM can land between its detection
        # and its emission.)
        sent = [json.loads(line)["change_id"] for line in (tmp_path / "changes.jsonl").read_text().splitlines()]
        assert len(sent) == len(set(sent))
        assert sorted(sent) == [c for (c,) in query(db, "SELECT change_id FROM emissions ORDER BY change_id")]
        first_cycle = {c for (c,) in query(db, "SELECT id FROM changes WHERE run_id=1")}
        later = {c for (c,) in query(db, "SELECT id FROM changes WHERE run_id>1")}
        deletions = {c for (c,) in query(db, "SELECT id FROM changes WHERE kind='deleted'")}
        assert first_cycle and not first_cycle & set(sent)
        assert deletions and deletions <= set(sent) <= later


def test_watch_once_runs_one_cycle(tmp_path):
    db = str(tmp_path / "once.db")
    with MirrorServer(state="initial") as server:
        proc = subprocess.run([sys.executable, "-m", "scheduler.cli", "watch", "--once", "--db", db, "--base-url",
                               server.base_url, "--delay", "0", "--section", "briefings", "--lang", "en"],
                              capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert query(db, "SELECT command, status FROM runs") == [("watch", "ok")]
    assert "cycle 1: run 1 ok" in proc.stderr
