"""Run one crawl request as child processes (`python -m crawler run --request -`), stopping them on a signal or
at a time limit."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, replace
from typing import Any

from store.crawl_request import CrawlRequest

# How long children get to finish their pages and close cleanly after a stop request, before they are killed.
STOP_GRACE = 15.0

# The crawl children in flight (cycles never overlap), so a signal can stop them cleanly.
_current: list["subprocess.Popen[Any]"] = []
_asked: set[int] = set()   # pids already asked to stop (a second SIGINT would make Scrapy quit uncleanly)
_stop_requested = threading.Event()


def stop_current() -> None:
    """Ask the running crawl to stop (SIGINT: Scrapy finishes in-flight pages, then exits); a crawl not started
    yet will not start. A second request kills the children at once."""
    again = _stop_requested.is_set()
    _stop_requested.set()
    for proc in list(_current):
        _signal_group(proc, signal.SIGKILL if again else signal.SIGINT)


def stop_on_signals() -> None:
    """SIGTERM and SIGINT (Ctrl-C) stop the crawl in flight in order (a second one kills it); the cycle then
    records what was fetched and closes its run as interrupted."""
    def handler(signum: int, frame: Any) -> None:
        stop_current()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def reset_stop() -> None:
    """Forget an earlier stop request (the scheduler of `crawl watch` runs on after a cycle was stopped)."""
    _stop_requested.clear()


@dataclass
class CrawlResult:
    """How the crawl children ended: the first non-zero exit status, and whether they were stopped."""

    returncode: int
    timed_out: bool = False
    interrupted: bool = False


def run_crawl(request: CrawlRequest, *, workers: int = 1, time_limit: float | None = None,
              quiet: bool = False) -> CrawlResult:
    """Start `workers` crawler children on the request's run (each takes the statements whose id modulo
    `workers` is its own), wait for them and say how they ended. At `time_limit` seconds they are asked to stop
    (and killed STOP_GRACE seconds later); each child also stops by itself if this process dies."""
    if _stop_requested.is_set():
        return CrawlResult(0, interrupted=True)
    request = replace(request, parent_pid=os.getpid())
    requests = [request] if workers <= 1 else [
        replace(request, shard=(i, workers), progress=False) for i in range(workers)]
    procs = [_start(r, quiet) for r in requests]
    _current[:] = procs
    try:
        return _wait(procs, time_limit)
    finally:
        _current.clear()
        _asked.clear()


def _start(request: CrawlRequest, quiet: bool) -> "subprocess.Popen[Any]":
    # Own process group: a hung crawl (and anything it spawned) can be stopped as a whole, and a Ctrl-C in the
    # terminal reaches this process only, which then stops the crawl in order.
    proc = subprocess.Popen([sys.executable, "-m", "crawler", "run", "--request", "-"], stdin=subprocess.PIPE,
                            stdout=subprocess.DEVNULL if quiet else None, start_new_session=True, text=True)
    assert proc.stdin is not None
    proc.stdin.write(request.to_json())
    proc.stdin.close()
    return proc


def _wait(procs: list["subprocess.Popen[Any]"], time_limit: float | None) -> CrawlResult:
    """Wait for the children; at the time limit or on a stop request ask them to stop, then kill them."""
    deadline = None if time_limit is None else time.monotonic() + time_limit
    timed_out, kill_at = False, None
    while any(p.poll() is None for p in procs):
        now = time.monotonic()
        if kill_at is None and (_stop_requested.is_set() or (deadline is not None and now >= deadline)):
            timed_out = not _stop_requested.is_set()
            for proc in procs:
                if proc.pid not in _asked:
                    _signal_group(proc, signal.SIGINT)
            kill_at = now + STOP_GRACE
        elif kill_at is not None and now >= kill_at:
            for proc in procs:
                _signal_group(proc, signal.SIGKILL)
        time.sleep(0.05)
    codes = [p.wait() for p in procs]
    stopped = timed_out or _stop_requested.is_set()
    if stopped:  # the ends of a stop are not failures of the crawl
        codes = [c for c in codes if c not in (-signal.SIGINT, -signal.SIGKILL, -signal.SIGTERM)]
    return CrawlResult(next((c for c in codes if c), 0), timed_out, _stop_requested.is_set())


def _signal_group(proc: "subprocess.Popen[Any]", signum: int) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signum)
        _asked.add(proc.pid)
    except ProcessLookupError:
        pass
