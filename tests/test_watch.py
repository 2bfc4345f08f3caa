"""scheduler.watch: schedule triggers, the single-scheduler lock, and APScheduler's coalescing of missed runs."""
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

import click
import pytest

from scheduler.watch import AlreadyRunning, WatchLock, make_trigger


def test_every_and_cron_triggers():
    assert make_trigger("45m", None).interval == timedelta(minutes=45)
    cron = make_trigger(None, "*/30 * * * *")
    start = datetime(2026, 11, 29, 12, 1, tzinfo=timezone.utc)
    assert cron.get_next_fire_time(None, start) == datetime(2026, 11, 29, 12, 30, tzinfo=timezone.utc)
    with pytest.raises(click.BadParameter):
        make_trigger(None, "every now and then")
    with pytest.raises(click.BadParameter):
        make_trigger("soon", None)


def test_second_lock_on_same_db_is_refused(tmp_path):
    db = str(tmp_path / "w.db")
    first = WatchLock(db)
    first.acquire()
    with pytest.raises(AlreadyRunning, match="already running"):
        WatchLock(db).acquire()
    first.release()
    WatchLock(db).acquire()


def test_lock_of_a_killed_process_is_not_stuck(tmp_path):
    db = str(tmp_path / "w.db")
    code = ("import sys, time; from scheduler.watch import WatchLock; lock = WatchLock(sys.argv[1]); lock.acquire();"
            " print('locked', flush=True); time.sleep(60)")
    proc = subprocess.Popen([sys.executable, "-c", code, db], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    with pytest.raises(AlreadyRunning):
        WatchLock(db).acquire()
    proc.kill()
    proc.wait()
    lock = WatchLock(db)
    lock.acquire()  # the kernel released the dead holder's lock
    lock.release()


def test_missed_runs_are_coalesced_into_one():
    """The project's scheduler, with its first run five intervals late (a machine that slept): one run, not five."""
    import threading

    from apscheduler.triggers.interval import IntervalTrigger

    from scheduler.watch import build_scheduler

    calls = []

    class Stub:
        def cycle(self):
            calls.append(1)

    scheduler = build_scheduler(Stub(), IntervalTrigger(seconds=60),
                                first_run=datetime.now(timezone.utc) - timedelta(minutes=5))
    thread = threading.Thread(target=scheduler.start, daemon=True)
    thread.start()
    time.sleep(0.5)
    scheduler.shutdown(wait=False)
    thread.join(5)
    assert calls == [1]


def test_anti_bot_streak_is_reported_once_and_recovery_once(caplog):
    import logging

    from scheduler.watch import CHALLENGE_ALERT_AFTER, Watcher

    from scheduler.cycle import CycleSettings

    watcher = Watcher("unused.db", CycleSettings())
    blocked = {"pages_fetched": 12, "challenge_pages": 12}
    with caplog.at_level(logging.WARNING, logger="ministry-watch.watch"):
        for _ in range(CHALLENGE_ALERT_AFTER + 4):
            watcher._watch_challenges(blocked)
        watcher._watch_challenges({"pages_fetched": 12, "challenge_pages": 1})
        watcher._watch_challenges({"pages_fetched": 12, "challenge_pages": 0})
    messages = [r.getMessage() for r in caplog.records]
    assert sum("only its anti-bot page" in m for m in messages) == 1
    assert sum("content again" in m for m in messages) == 1
