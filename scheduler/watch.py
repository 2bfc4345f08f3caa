"""`crawl watch`: APScheduler runs one crawl cycle at a time, in a child process, forever or once."""
from __future__ import annotations

import fcntl
import logging
import os
import signal
import sys
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TextIO

import click

from scheduler.cycle import CycleError, CycleSettings, run_cycle
from store.exit_codes import ExitCode

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

    def __init__(self, db_path: str, settings: CycleSettings) -> None:
        self.db_path = db_path
        self.settings = settings
        self.stopping = threading.Event()
        self.idle = threading.Event()
        self.idle.set()
        self.cycles = 0
        self.challenge_streak = 0
        self.last_exit = 0   # exit status of the last cycle (0: it ran and closed its run)

    def cycle(self) -> None:
        if self.stopping.is_set():
            return
        self.idle.clear()
        try:
            self._cycle()
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

    def _cycle(self) -> None:
        self.cycles += 1
        try:
            result = run_cycle(self.db_path, self.settings, command="watch")
        except CycleError as exc:
            log.error("cycle %d: the crawl could not run: %s (exit %s)", self.cycles, exc or "see above",
                      int(exc.exit_code))
            self.last_exit = int(exc.exit_code) or ExitCode.FATAL
            return
        except Exception as exc:  # a bad cycle must not stop months of monitoring
            log.exception("cycle %d failed: %s", self.cycles, exc)
            self.last_exit = ExitCode.CRASH
            return
        row = result.run
        for warning in result.warnings:
            log.warning("cycle %d: %s", self.cycles, warning)
        for sink_error in result.sink_errors:
            log.error("cycle %d: %s", self.cycles, sink_error)
        # A cycle stopped by a signal is how `watch` is meant to end (systemd, Ctrl-C): not a failure.
        self.last_exit = ExitCode.OK if result.exit_code == ExitCode.INTERRUPTED else result.exit_code
        self._watch_challenges(row)
        log.info("cycle %d: run %d %s: %d pages, %d new versions, %d edited, %d deleted, %d restored, "
                 "%d errors, %d challenge pages", self.cycles, row["id"], row["status"], row["pages_fetched"],
                 row["versions_new"], row["edited"], row["deleted"], row["restored"], row["errors"],
                 row["challenge_pages"])


CHALLENGE_ALERT_AFTER = 3


def _only_challenges(row: dict[str, Any]) -> bool:
    return bool(row.get("pages_fetched")) and row.get("challenge_pages", 0) >= row["pages_fetched"]


def build_scheduler(watcher: Any, trigger: Any, *, first_run: datetime | None = None) -> Any:
    """The APScheduler that runs the watcher's cycles: one at a time, missed runs coalesced into one (a sleeping
    laptop), the first at once (or at `first_run`)."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    scheduler = BlockingScheduler(job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600})
    scheduler.add_job(watcher.cycle, trigger, id="cycle", next_run_time=first_run or datetime.now(timezone.utc))
    return scheduler


def run_watch(db_path: str, settings: CycleSettings, *, trigger: Any | None) -> int:
    """Take the lock, then run once (no trigger) or on the trigger until SIGTERM/SIGINT; the exit status."""
    from scheduler import crawl_process
    from store.db import StoreError, open_db

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr)
    # A database that cannot be used (corrupt, newer schema, not writable) will not heal by waiting.
    try:
        open_db(db_path).conn.close()
    except StoreError as exc:
        click.echo(f"error: {exc}", err=True)
        return ExitCode.FATAL
    lock = WatchLock(db_path)
    try:
        lock.acquire()
    except AlreadyRunning as exc:
        click.echo(f"error: {exc} ({db_path})", err=True)
        return ExitCode.ALREADY_RUNNING
    except OSError as exc:
        click.echo(f"error: cannot create the lock file {lock.path}: {exc.strerror}", err=True)
        return ExitCode.FATAL
    watcher = Watcher(db_path, settings)
    try:
        if trigger is None:
            crawl_process.stop_on_signals()
            watcher.cycle()
            return watcher.last_exit
        scheduler = build_scheduler(watcher, trigger)

        def stop(signum: int, frame: Any) -> None:
            log.info("signal %d: finishing the current step and stopping", signum)
            watcher.stopping.set()
            crawl_process.stop_current()
            scheduler.shutdown(wait=False)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        log.info("watching %s (%s); next cycles per %s", settings.crawl.get("base_url") or settings.crawl.get("site"),
                 db_path, trigger)
        scheduler.start()
        # shutdown(wait=False) returns at once; wait for the cycle in flight to close its run cleanly.
        watcher.idle.wait(timeout=300)
        return ExitCode.OK
    finally:
        lock.release()
