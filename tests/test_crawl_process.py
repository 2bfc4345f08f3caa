"""scheduler/crawl_process.py and the crawler child: a crawl stops in order on SIGTERM in every mode, stops by
itself when its parent dies, and ends at its time limit as an interrupted run with its own exit status."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fixtures.mirror import MirrorServer
from store.exit_codes import ExitCode
from tests.helpers import live_query as rows, wait_for

pytestmark = pytest.mark.slow


def crawlers_of(db: str) -> list[int]:
    """Pids of crawler children working on this database (their request names it on stdin, so look for the
    `crawler run` processes whose parent chain or open files mention it)."""
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            if b"crawler" in cmd and b"run" in cmd and any(
                    os.readlink(f"/proc/{pid}/fd/{fd}") == db for fd in os.listdir(f"/proc/{pid}/fd")):
                out.append(int(pid))
        except OSError:
            continue
    return out


@pytest.fixture
def slow_mirror():
    """A mirror whose every article takes a minute to answer: a crawl is always in flight."""
    with MirrorServer(state="initial") as server:
        server.set_fault("/ru/foreign_policy/news/*", "timeout", delay=60)
        yield server


def start(args, db, server, *extra):
    cmd = [sys.executable, "-m", "scheduler.cli", *args, "--db", db, "--base-url", server.base_url, "--delay", "0",
           "--timeout", "50", "--retries", "0", "--section", "news", "--lang", "ru", *extra]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize("args, expected", [(["run"], ExitCode.INTERRUPTED), (["watch", "--once"], ExitCode.OK)])
def test_sigterm_stops_the_crawl_in_order_and_leaves_no_orphan(tmp_path, slow_mirror, args, expected):
    db = str(tmp_path / "t.db")
    proc = start(args, db, slow_mirror)
    assert wait_for(lambda: crawlers_of(db)), proc.communicate(timeout=5)
    time.sleep(1.0)
    began = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=40)
    assert time.monotonic() - began < 30
    assert proc.returncode == expected, err
    assert rows(db, "SELECT status FROM runs") == [("interrupted",)]
    assert not crawlers_of(db)


def test_a_crawl_whose_parent_died_stops_by_itself_and_its_run_is_closed(tmp_path, slow_mirror):
    db = str(tmp_path / "t.db")
    proc = start(["run"], db, slow_mirror)
    assert wait_for(lambda: crawlers_of(db))
    children = crawlers_of(db)
    proc.kill()   # SIGKILL: the parent cannot pass anything on
    proc.wait()
    assert wait_for(lambda: not crawlers_of(db), timeout=40), children
    assert rows(db, "SELECT status FROM runs") == [("running",)]
    slow_mirror.clear_faults()
    after = subprocess.run([sys.executable, "-m", "scheduler.cli", "run", "--db", db, "--base-url",
                            slow_mirror.base_url, "--delay", "0", "--section", "news", "--lang", "ru"],
                           capture_output=True, text=True, timeout=120)
    assert after.returncode == 0, after.stderr
    assert rows(db, "SELECT id, status FROM runs ORDER BY id") == [(1, "interrupted"), (2, "ok")]


def test_the_time_limit_ends_the_run_as_interrupted_with_its_exit_status(tmp_path, slow_mirror):
    db = str(tmp_path / "t.db")
    began = time.monotonic()
    proc = start(["run"], db, slow_mirror, "--time-limit", "3s")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == ExitCode.TIME_LIMIT, err
    assert time.monotonic() - began < 3 + 15 + 25   # the limit, the grace to finish, a loaded machine
    assert rows(db, "SELECT status, message FROM runs") == [("interrupted", "stopped at the time limit of 3s")]
    assert not crawlers_of(db)
