"""scheduler/backfill_progress.py: the progress bar's line (items settled of those known, requests, rate, ETA)."""
from __future__ import annotations

from scheduler.backfill_progress import WIDTH, bar_line


def counts(**kw: int) -> dict[str, int]:
    base = {"requests": 0, "queued_done": 0, "queued_left": 0, "captures_done": 0, "captures_left": 0, "chains_done": 0}
    return {**base, **kw}


def test_bar_line_counts_rate_and_eta():
    line = bar_line("site", counts(requests=120, queued_done=50, queued_left=40, captures_done=10, captures_left=20),
                    elapsed=20.0, done_at_start=20)
    assert line.startswith("[site] [" + "#" * (WIDTH // 2) + "-" * (WIDTH - WIDTH // 2) + "] 60/120 items")
    assert "120 requests  6.0/s" in line
    assert line.endswith("ETA 0:30")             # 40 items settled in 20 s, 60 to go


def test_bar_line_before_anything_moves_and_when_done():
    assert bar_line("web archive index", counts(), elapsed=0.0, done_at_start=0).endswith("0/0 items  0 requests  0.0/s  ETA 0:00")
    assert bar_line("site", counts(queued_left=5), elapsed=3.0, done_at_start=0).endswith("ETA ?")
    assert "ETA 1:01:40" in bar_line("captures", counts(queued_done=1, queued_left=3700), elapsed=1.0, done_at_start=0)
