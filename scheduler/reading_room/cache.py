"""Results that only change when the archive does (charts, filter choices), kept until it has something new.

Keyed by the database file and its marks (newest version, change, divergence update: three index look-ups),
so a crawl that adds anything makes the next page compute them afresh; a process serving many requests
(Datasette) answers the rest from memory. Values a page may show slightly out of date (the monthly charts)
are asked for with ``stale_ok``: then the last value is served while the plugin's warmer (plugin.py) computes
the new one in the background, so no reader waits for the aggregates after a crawl.
"""
from __future__ import annotations

import threading
from typing import Any, Callable, TypeVar

import sqlite_utils

from store.site_marks import database_file, marks

T = TypeVar("T")
_LOCK = threading.Lock()
_CACHE: dict[tuple[str, str], tuple[tuple[Any, ...], Any]] = {}
_MAX = 64


def memo(db: sqlite_utils.Database, name: str, compute: Callable[[sqlite_utils.Database], T], *,
         stale_ok: bool = False, refresh: bool = False) -> T:
    """``compute(db)``, or its value from an earlier call while the archive has not changed (with ``stale_ok``,
    also after it changed); ``refresh`` computes it afresh whatever the cache holds."""
    path = database_file(db)
    if not path:
        return compute(db)
    stamp = tuple(sorted(marks(db).items()))
    key = (path, name)
    with _LOCK:
        hit = _CACHE.get(key)
    if hit is not None and not refresh and (hit[0] == stamp or stale_ok):
        return hit[1]
    value = compute(db)
    with _LOCK:
        if len(_CACHE) >= _MAX:
            _CACHE.clear()
        _CACHE[key] = (stamp, value)
    return value
