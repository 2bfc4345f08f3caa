"""Run one crawl request as child processes (`python -m crawler run --request -`), with a time limit."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, replace
from typing import Any

from store.crawl_request import CrawlRequest

# The crawl children in flight (cycles never overlap), so a signal can stop them cleanly.
_current: list["subprocess.Popen[Any]"] = []
_stop_requested = threading.Event()


def stop_current() -> None:
    """Ask the running crawl to stop (SIGINT: Scrapy finishes in-flight pages, then exits)."""
    _stop_requested.set()
    for proc in list(_current):
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGINT)
            except ProcessLookupError:
                pass


@dataclass
class CrawlResult:
    """How the crawl children ended: the first non-zero exit status, and whether they were stopped."""

    returncode: int
    timed_out: bool = False
    interrupted: bool = False


def run_crawl(request: CrawlRequest, *, workers: int = 1, time_limit: float | None = None,
              quiet: bool = False) -> CrawlResult:
    """Start `workers` crawler children on the request's run (each takes the statements whose id modulo
    `workers` is its own), wait for them (killing them after `time_limit` seconds) and say how they ended."""
    requests = [request] if workers <= 1 else [
        replace(request, shard=(i, workers), progress=False) for i in range(workers)]
    procs = [_start(r, quiet) for r in requests]
    _current[:] = procs
    try:
        return _wait(procs, time_limit)
    finally:
        _current.clear()


def _start(request: CrawlRequest, quiet: bool) -> "subprocess.Popen[Any]":
    # Own process group: a hung crawl (and anything it spawned) can be killed as a whole.
    proc = subprocess.Popen([sys.executable, "-m", "crawler", "run", "--request", "-"], stdin=subprocess.PIPE,
                            stdout=subprocess.DEVNULL if quiet else None, start_new_session=True, text=True)
    assert proc.stdin is not None
    proc.stdin.write(request.to_json())
    proc.stdin.close()
    return proc


def _wait(procs: list["subprocess.Popen[Any]"], time_limit: float | None) -> CrawlResult:
    import time

    deadline = None if time_limit is None else time.monotonic() + time_limit
    timed_out = interrupted = False
    for proc in procs:
        try:
            proc.wait(timeout=None if deadline is None else max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            timed_out = True
            break
        except KeyboardInterrupt:
            interrupted = True
            for other in procs:
                _kill_group(other, first=signal.SIGINT)
            break
    if timed_out:
        for proc in procs:
            _kill_group(proc)
    for proc in procs:
        proc.wait()
    codes = [p.returncode for p in procs]
    return CrawlResult(next((c for c in codes if c), 0), timed_out, interrupted or _stop_requested.is_set())


def _kill_group(proc: "subprocess.Popen[Any]", first: int = signal.SIGTERM, grace: float = 10.0) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, first)
        proc.wait(timeout=grace)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
