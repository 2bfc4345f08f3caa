"""scheduler.cli_options and scheduler.durations: dates and times ago on the command line, durations, the
`crawl` name in usage errors."""
from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta, timezone

import click
import pytest

from scheduler.cli_options import Date
from scheduler.durations import parse_duration, time_ago


def convert(value: str, **kw) -> str:
    return Date(**kw).convert(value, None, None)


def test_calendar_dates_are_checked():
    assert convert("2024-02-29") == "2024-02-29"
    for bad in ("2024-13-45", "2024-02-30", "2023-02-29", "2024-1-5", "yesterday", "2024", "7", "7x", "-7d"):
        with pytest.raises(click.BadParameter):
            convert(bad)


def test_a_time_ago_is_a_utc_timestamp_or_its_day():
    now = datetime.now(timezone.utc)
    for text, delta in (("7d", timedelta(days=7)), ("12h", timedelta(hours=12)), ("2w", timedelta(weeks=2)),
                        ("30m", timedelta(minutes=30))):
        moment = datetime.fromisoformat(convert(text))
        assert moment.tzinfo is not None and abs((now - delta) - moment) < timedelta(seconds=5)
        day = convert(text, day_only=True)
        assert day in {(now - delta).date().isoformat(), (datetime.now(timezone.utc) - delta).date().isoformat()}
    assert time_ago("1d", now=datetime(2024, 3, 1, 12, tzinfo=timezone.utc)).isoformat() == "2024-02-29T12:00:00+00:00"


def test_durations_that_overflow_are_refused_not_a_traceback():
    for bad in ("9" * 400 + "w", "99999999999w"):
        with pytest.raises(ValueError):
            parse_duration(bad)
        with pytest.raises(ValueError):
            time_ago(bad)


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scheduler.cli", *args], capture_output=True, text=True, timeout=60)


def test_usage_errors_name_crawl():
    proc = cli("run", "--no-such-option")
    assert proc.returncode == 2
    assert proc.stderr.startswith("Usage: crawl run [OPTIONS]") and "python -m" not in proc.stderr


@pytest.mark.parametrize("args", [["run", "--since", "2024-02-30"], ["run", "--since", "5x"],
                                  ["watch", "--once", "--every", "5x"], ["watch", "--once", "--every", "0s"],
                                  ["watch", "--once", "--time-limit", "99999999999w"]])
def test_bad_dates_and_durations_of_crawling_commands_write_nothing(args, tmp_path):
    db = tmp_path / "mw.db"
    proc = cli(*args, "--db", str(db), "--base-url", "http://127.0.0.1:9")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_relative_since_reaches_the_crawl_as_a_day(tmp_path):
    from scheduler.cli_options import cycle_settings

    from scheduler.cycle import crawl_request

    settings = cycle_settings({"since": convert("7d", day_only=True)})
    assert crawl_request(str(tmp_path / "x.db"), settings).since == settings.crawl["since"]
