"""`crawl watch`: APScheduler runs one crawl cycle at a time, in a child process, forever or once."""
from __future__ import annotations

import fcntl
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any, TextIO

import click

log = logging.getLogger("ministry-watch.watch")


class AlreadyRunning(Exception):
    """Another scheduler holds the database's lock."""


class WatchLock:
    """An flock on '<db>.watch.lock': the kernel drops it when the holder dies, so a kill never leaves it stuck."""

    def __init__(self, db_path: str) -> None:
        self.path = Path(f"{db_path}.watch.lock")
        self.fh: TextIO | None = None

    def acquire(self) -> None:
        fh = open(self.path, "a+")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "?"
            fh.close()
            raise AlreadyRunning(f"another `crawl watch` (pid {holder}) is already running on this database") from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        self.fh = fh

    def release(self) -> None:
        if self.fh:
            fcntl.flock(self.fh, fcntl.LOCK_UN)
            self.fh.close()
            self.fh = None


def make_trigger(every: str | None, cron: str | None) -> Any:
    """An APScheduler trigger from --every (interval) or --cron (crontab expression)."""
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    from scheduler.durations import parse_duration

    if cron:
        try:
            return CronTrigger.from_crontab(cron)
        except ValueError as exc:
            raise click.BadParameter(f"{cron!r}: {exc}", param_hint="--cron")
    try:
        seconds = parse_duration(every or "30m").total_seconds()
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--every")
    if seconds < 1:
        raise click.BadParameter("must be at least 1s", param_hint="--every")
    return IntervalTrigger(seconds=seconds)


class Watcher:
    """Runs cycles; a cycle that crashes is logged and the next one runs normally."""

    def __init__(self, db_path: str, params: dict[str, Any], time_limit: float | None) -> None:
        self.db_path = db_path
        self.params = params
        self.time_limit = time_limit
        self.stopping = threading.Event()
        self.idle = threading.Event()
        self.idle.set()
        self.cycles = 0
        self.challenge_streak = 0
        self.last_exit = 0   # exit status of the last cycle (0: it ran and closed its run)

    def cycle(self) -> None:
        from scheduler.cli import crawl_once

        if self.stopping.is_set():
            return
        self.idle.clear()
        try:
            self._cycle(crawl_once)
        finally:
            self.idle.set()

    def _watch_challenges(self, row: dict[str, Any]) -> None:
        """Say once (not every cycle) when the site answers only its anti-bot page, and once when it stops."""
        if _only_challenges(row):
            self.challenge_streak += 1
            if self.challenge_streak == CHALLENGE_ALERT_AFTER:
                log.warning("the site has answered only its anti-bot page for %d cycles in a row; nothing is"
                            " recorded as changed meanwhile (see `crawl status`)", self.challenge_streak)
        else:
            if self.challenge_streak >= CHALLENGE_ALERT_AFTER:
                log.warning("the site answers with content again after %d anti-bot cycles", self.challenge_streak)
            self.challenge_streak = 0

    def _cycle(self, crawl_once: Any) -> None:
        self.cycles += 1
        try:
            row = crawl_once(self.db_path, self.params, command_name="watch", time_limit=self.time_limit)
        except SystemExit as exc:
            log.error("cycle %d: the crawl could not start (exit %s)", self.cycles, exc.code)
            self.last_exit = exc.code if isinstance(exc.code, int) and exc.code else 3
            return
        except Exception as exc:  # a bad cycle must not stop months of monitoring
            log.exception("cycle %d failed: %s", self.cycles, exc)
            self.last_exit = 1
            return
        self.last_exit = row.get("returncode") or 0
        self._watch_challenges(row)
        log.info("cycle %d: run %d %s: %d pages, %d new versions, %d edited, %d deleted, %d restored, "
                 "%d errors, %d challenge pages", self.cycles, row["id"], row["status"], row["pages_fetched"],
                 row["versions_new"], row["edited"], row["deleted"], row["restored"], row["errors"],
                 row["challenge_pages"])


CHALLENGE_ALERT_AFTER = 3


def _only_challenges(row: dict[str, Any]) -> bool:
    return bool(row.get("pages_fetched")) and row.get("challenge_pages", 0) >= row["pages_fetched"]


def run_watch(db_path: str, params: dict[str, Any], *, every: str | None, cron: str | None, once: bool,
              time_limit: float | None) -> int:
    """Take the lock, then run once or on the schedule until SIGTERM/SIGINT. Returns the exit code."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    from scheduler import crawl_process

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr)
    from store.db import StoreError, open_db

    trigger = None if once else make_trigger(every, cron)
    # A database that cannot be used (corrupt, newer schema, not writable) will not heal by waiting.
    try:
        open_db(db_path).conn.close()
    except StoreError as exc:
        click.echo(f"error: {exc}", err=True)
        return 3
    lock = WatchLock(db_path)
    try:
        lock.acquire()
    except AlreadyRunning as exc:
        click.echo(f"error: {exc} ({db_path})", err=True)
        return 4
    except OSError as exc:
        click.echo(f"error: cannot create the lock file {lock.path}: {exc.strerror}", err=True)
        return 3
    watcher = Watcher(db_path, params, time_limit)
    try:
        if once:
            watcher.cycle()
            return watcher.last_exit
        scheduler = BlockingScheduler(job_defaults={"coalesce": True, "max_instances": 1,
                                                    "misfire_grace_time": 3600})

        def stop(signum: int, frame: Any) -> None:
            log.info("signal %d: finishing the current step and stopping", signum)
            watcher.stopping.set()
            crawl_process.stop_current()
            scheduler.shutdown(wait=False)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        from datetime import datetime, timezone

        scheduler.add_job(watcher.cycle, trigger, id="cycle", next_run_time=datetime.now(timezone.utc))
        log.info("watching %s (%s); next cycles per %s", params.get("base_url"), db_path, trigger)
        scheduler.start()
        # shutdown(wait=False) returns at once; wait for the cycle in flight to close its run cleanly.
        watcher.idle.wait(timeout=300)
        return 0
    finally:
        lock.release()
