"""The progress bar of `crawl backfill` on a terminal: items settled of those known, requests, rate and ETA, read
from the store twice a second while a crawler child works (the children write; this only reads)."""
from __future__ import annotations

import threading
import time
from typing import IO

from store.backfill import progress_counts
from store.db import StoreError, open_db

WIDTH = 24


def bar_line(label: str, counts: dict[str, int], elapsed: float, done_at_start: int) -> str:
    """One line: `[site] [#####-----] 57/120 items  312 requests  7.4/s  ETA 0:08`."""
    done = counts["queued_done"] + counts["captures_done"]
    total = done + counts["queued_left"] + counts["captures_left"]
    filled = int(WIDTH * done / total) if total else 0
    rate = counts["requests"] / elapsed if elapsed > 0 else 0.0
    item_rate = (done - done_at_start) / elapsed if elapsed > 0 else 0.0
    left = total - done
    eta = _clock(left / item_rate) if item_rate > 0 and left else ("0:00" if not left else "?")
    return (f"[{label}] [{'#' * filled}{'-' * (WIDTH - filled)}] {done}/{total} items  {counts['requests']} requests"
            f"  {rate:.1f}/s  ETA {eta}")


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


class ProgressBar:
    """Redraws the line on `stream` until stopped; `phase()` names the part now running."""

    def __init__(self, db_path: str, site: str, stream: IO[str]) -> None:
        self.db_path, self.site, self.stream = db_path, site, stream
        self.label, self.run_id = "", 0
        self.started = time.monotonic()
        self.done_at_start: int | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="backfill-progress", daemon=True)
        self._width = 0

    def phase(self, label: str, run_id: int) -> None:
        self.label, self.run_id = label, run_id
        if not self._thread.is_alive():
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2)
        if self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()

    def _loop(self) -> None:
        try:
            db = open_db(self.db_path, readonly=True)
        except StoreError:
            return
        try:
            while not self._stop.wait(0.5):
                try:
                    counts = progress_counts(db, self.run_id, self.site)
                except Exception:  # noqa: BLE001 - a busy or changing database: skip this redraw
                    continue
                if self.done_at_start is None:
                    self.done_at_start = counts["queued_done"] + counts["captures_done"]
                line = bar_line(self.label, counts, time.monotonic() - self.started, self.done_at_start)
                self._width = max(self._width, len(line))
                self.stream.write("\r" + line.ljust(self._width))
                self.stream.flush()
        finally:
            db.conn.close()
