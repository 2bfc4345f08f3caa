"""Which known variants are due for a re-check: the age-and-change based policy, with a request budget."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import sqlite_utils

from store.timestamps import parse_timestamp

# (age of the statement or of its last change, re-check interval): fresh statements are the ones
# that get edited, so they are watched closely; old ones rarely change and cost the site requests.
DEFAULT_TIERS: tuple[tuple[timedelta, timedelta], ...] = (
    (timedelta(hours=3), timedelta(0)),
    (timedelta(days=1), timedelta(hours=2)),
    (timedelta(days=7), timedelta(days=1)),
    (timedelta(days=30), timedelta(days=7)),
)
DEFAULT_OLD_INTERVAL = timedelta(days=90)


@dataclass(frozen=True)
class RecheckPolicy:
    """Re-check intervals by age; `pending_interval` applies to variants that answered 'gone' last time."""

    tiers: tuple[tuple[timedelta, timedelta], ...] = DEFAULT_TIERS
    old_interval: timedelta = DEFAULT_OLD_INTERVAL
    pending_interval: timedelta = timedelta(0)

    def interval(self, age: timedelta) -> timedelta:
        for limit, every in self.tiers:
            if age < limit:
                return every
        return self.old_interval


_DAY = timedelta(days=1)
# A variant first seen this long after its statement appeared on the site later (a late translation),
# rather than in the same crawl as the statement (a backfill, a first crawl).
LATE_VARIANT = timedelta(hours=1)
_ISO = "'[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]*'"
# Timestamps written some other way than the store's ISO 8601 (a date alone, another format): their variants are
# always looked at. The same expressions make the partial indexes of migration 16 (store/migrations.py).
_ODD_VARIANT_TIMES = (f"(last_checked_at NOT GLOB {_ISO} OR first_seen_at NOT GLOB {_ISO}"
                      f" OR last_changed_at NOT GLOB {_ISO})")
_ODD_PUBLISHED = f"published_at NOT GLOB {_ISO}"
# The variants that may be due by a given time, found through indexes (migration 16) instead of a pass over the
# whole archive; the rule itself (due_at) is applied to them in Python. A variant is left out only when it was
# checked after :checked (the old interval before that time, plus a day for timestamps in other offsets), none
# of its statement's publication, its last change or its first sight is after :young (the old interval and the
# oldest tier before it, plus a day), its last answer was not 'gone', no edit awaits confirmation, and every
# timestamp it has is a plain ISO 8601 one. Such a variant was, at its last check, older than every tier and
# was checked within the old interval: it is not due.
_MAY_BE_DUE = f"""
 WITH maybe(rid) AS (
   SELECT rowid FROM variants WHERE last_checked_at IS NULL
   UNION SELECT rowid FROM variants WHERE last_checked_at <= :checked
   UNION SELECT rowid FROM variants WHERE last_changed_at >= :young
   UNION SELECT rowid FROM variants WHERE first_seen_at >= :young
   UNION SELECT v.rowid FROM statements s JOIN variants v ON v.statement_id = s.id WHERE s.published_at >= :young
   UNION SELECT rowid FROM variants WHERE last_outcome = 'gone' AND status = 'active'
   UNION SELECT rowid FROM variants WHERE confirm_after IS NOT NULL
   UNION SELECT rowid FROM variants WHERE {_ODD_VARIANT_TIMES}
   UNION SELECT rowid FROM variants WHERE statement_id IN
         (SELECT id FROM statements INDEXED BY statements_odd_published WHERE {_ODD_PUBLISHED})
 )"""


def due_at(policy: "RecheckPolicy", *, last_checked: datetime, published: datetime | None,
           changed: datetime | None, first_seen: datetime | None, pending: bool,
           statement_first_seen: datetime | None = None) -> datetime:
    """When a variant is next due.

    The interval comes from the statement's age at its last check (published, or last changed: an
    edit, a deletion or a restore makes it fresh again), so a statement does not slip into a slower
    tier between two checks. First sight counts as fresh only within the first tier: a page met for the
    first time is confirmed on the next cycles, but a backfill of old statements does not keep the
    whole archive on the fast tiers. A translation that appeared after we already knew the statement
    (first seen more than LATE_VARIANT after it) is new on the site: it is as fresh as its first sight,
    on every tier, because the page carries the statement's date, not the translation's. A variant whose
    last answer was 'gone' and whose deletion is not confirmed yet is due every `pending_interval`.
    """
    if pending:
        return last_checked + policy.pending_interval
    ages = [last_checked - t for t in (published, changed) if t is not None]
    if first_seen is not None:
        seen_age = last_checked - first_seen
        late = statement_first_seen is not None and first_seen - statement_first_seen > LATE_VARIANT
        if not ages or late or (policy.tiers and seen_age < policy.tiers[0][0]):
            ages.append(seen_age)
    age = min(ages) if ages else timedelta(0)
    return last_checked + policy.interval(age)


def variants_to_recheck(db: sqlite_utils.Database, mode: str = "due", *, now: datetime | None = None,
                        policy: RecheckPolicy = RecheckPolicy(), limit: int | None = None,
                        langs: list[str] | None = None, site: str | None = None) -> list[dict[str, Any]]:
    """Known variants to fetch again: all, none, or those due under `policy`, most overdue first."""
    if mode == "none":
        return []
    now = now or datetime.now(timezone.utc)
    due: list[tuple[datetime, dict[str, Any]]] = []
    for when, item in _scheduled(db, policy, now, everything=mode == "all"):
        if (langs and item["lang"] not in langs) or (site and not item["statement_id"].startswith(site + ":")):
            continue
        if mode == "all" or when <= now:
            due.append((when, item))
    due.sort(key=lambda pair: pair[0])  # oldest-due first, so what does not fit is carried over fairly
    items = [item for _, item in due]
    return items[:limit] if limit is not None else items


def due_counts(db: sqlite_utils.Database, horizons: list[timedelta], *, now: datetime | None = None,
               policy: RecheckPolicy = RecheckPolicy()) -> list[int]:
    """How many variants are due within each horizon from `now` (one pass over the archive for all of them)."""
    now = now or datetime.now(timezone.utc)
    whens = [when for when, _ in _scheduled(db, policy, now + max(horizons))]
    return [sum(1 for when in whens if when <= now + ahead) for ahead in horizons]


def _scheduled(db: sqlite_utils.Database, policy: RecheckPolicy, now: datetime,
               everything: bool = False) -> list[tuple[datetime, dict[str, Any]]]:
    """(when due, the re-check) of every variant that may be due by `now` (all of them with `everything`; for
    those, the time is their last check)."""
    sql = ("SELECT v.statement_id, v.lang, v.url, v.etag, v.last_modified, v.last_checked_at, v.last_outcome,"
           " v.last_changed_at, v.first_seen_at, s.published_at, v.status, s.first_seen_at, v.confirm_after"
           " FROM variants v JOIN statements s ON s.id = v.statement_id")
    params: dict[str, Any] = {}
    if not everything:
        # Only what may be due, through indexes: on any given run most of a large archive is old and was
        # checked within the old interval. Everything else is decided below, in Python.
        max_age = max((limit for limit, _ in policy.tiers), default=timedelta(0))
        now_utc = now.astimezone(timezone.utc) if now.tzinfo else now.replace(tzinfo=timezone.utc)
        sql = _MAY_BE_DUE + sql + " WHERE v.rowid IN maybe"
        params = {"checked": (now_utc - policy.old_interval + _DAY).isoformat(),
                  "young": (now_utc - policy.old_interval - max_age - _DAY).isoformat()}
    out: list[tuple[datetime, dict[str, Any]]] = []
    for sid, lang, url, etag, last_modified, checked, outcome, changed, first_seen, published, status, \
            statement_seen, confirm_after in db.conn.execute(sql, params).fetchall():
        confirm = parse_timestamp(confirm_after)
        # An edit held for confirmation is checked again without validators: a 304 would not show its text.
        item = {"statement_id": sid, "lang": lang, "url": url, "etag": None if confirm else etag,
                "last_modified": None if confirm else last_modified}
        last_checked = parse_timestamp(checked) or parse_timestamp(first_seen) or now
        if everything:
            out.append((last_checked, item))
            continue
        when = due_at(policy, last_checked=last_checked, published=parse_timestamp(published),
                      changed=parse_timestamp(changed), first_seen=parse_timestamp(first_seen),
                      pending=outcome == "gone" and status == "active",
                      statement_first_seen=parse_timestamp(statement_seen))
        if confirm is not None:
            when = min(when, confirm)
        out.append((when, item))
    return out


def duration(text: str) -> timedelta:
    """'0', '30m', '2h', '7d', '1w' (or plain seconds) -> timedelta."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
    text = text.strip()
    if text.isdigit():
        return timedelta(seconds=int(text))
    if len(text) < 2 or text[-1] not in units or not text[:-1].replace(".", "", 1).isdigit():
        raise ValueError(f"{text!r} is not a duration (e.g. 0, 30m, 2h, 7d)")
    return timedelta(seconds=float(text[:-1]) * units[text[-1]])


def parse_policy(text: str) -> RecheckPolicy:
    """'3h:0,1d:2h,7d:1d,30d:7d,*:90d' -> RecheckPolicy: for statements younger than AGE, re-check every EVERY."""
    tiers: list[tuple[timedelta, timedelta]] = []
    old = DEFAULT_OLD_INTERVAL
    for part in filter(None, (p.strip() for p in text.split(","))):
        if ":" not in part:
            raise ValueError(f"policy part {part!r} is not AGE:EVERY")
        age, every = part.split(":", 1)
        if age.strip() == "*":
            old = duration(every)
        else:
            tiers.append((duration(age), duration(every)))
    tiers.sort(key=lambda t: t[0])
    return RecheckPolicy(tiers=tuple(tiers), old_interval=old)
