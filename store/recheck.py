"""Which known variants are due for a re-check: the age-and-change based policy, with a request budget."""
from __future__ import annotations

import json
import math
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import sqlite_utils

from store.settings import get_setting, set_setting
from store.sql import in_list, transaction
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


# A variant first seen this long after its statement appeared on the site later (a late translation),
# rather than in the same crawl as the statement (a backfill, a first crawl).
LATE_VARIANT = timedelta(hours=1)
# settings key: the policy the stored `variants.next_check` times were worked out with.
POLICY_KEY = "recheck_policy"
_COLUMNS = ("SELECT v.rowid, v.statement_id, v.lang, v.url, v.etag, v.last_modified, v.last_checked_at, v.last_outcome,"
            " v.last_changed_at, v.first_seen_at, s.published_at, v.status, s.first_seen_at, v.confirm_after,"
            " v.next_check FROM variants v JOIN statements s ON s.id = v.statement_id")


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
    rows = _everything(db) if mode == "all" else _scheduled(db, policy, now, until=now)
    due = [(when, rowid, item) for when, rowid, item in rows
           if not (langs and item["lang"] not in langs) and not (site and not item["statement_id"].startswith(site + ":"))]
    due.sort(key=lambda row: row[:2])  # oldest-due first, so what does not fit is carried over fairly
    items = [item for _, _, item in due]
    return items[:limit] if limit is not None else items


def due_counts(db: sqlite_utils.Database, horizons: list[timedelta], *, now: datetime | None = None,
               policy: RecheckPolicy = RecheckPolicy()) -> list[int]:
    """How many variants are due within each horizon from `now` (one reading for all of them; never writes)."""
    now = now or datetime.now(timezone.utc)
    whens = [when for when, _, _ in _scheduled(db, policy, now, until=now + max(horizons), write=False)]
    return [sum(1 for when in whens if when <= now + ahead) for ahead in horizons]


def policy_fingerprint(policy: RecheckPolicy) -> str:
    """The policy as the settings table records it: the stored times are worth something only under it."""
    seconds = lambda t: t.total_seconds()  # noqa: E731
    return json.dumps({"tiers": [[seconds(a), seconds(b)] for a, b in policy.tiers], "old": seconds(policy.old_interval),
                       "pending": seconds(policy.pending_interval)})


def recorded_policy(db: sqlite_utils.Database) -> RecheckPolicy | None:
    """The policy the stored times were worked out with (the last planning crawl's), or None."""
    text = get_setting(db, POLICY_KEY)
    if not text:
        return None
    spec = json.loads(text)
    return RecheckPolicy(tiers=tuple((timedelta(seconds=a), timedelta(seconds=b)) for a, b in spec["tiers"]),
                         old_interval=timedelta(seconds=spec["old"]), pending_interval=timedelta(seconds=spec["pending"]))


_Row = tuple[datetime, int, dict[str, Any]]
_BATCH = 2000   # variants worked out per query when many times are unknown


def _scheduled(db: sqlite_utils.Database, policy: RecheckPolicy, now: datetime, *, until: datetime,
               write: bool = True) -> list[_Row]:
    """(when due, rowid, the re-check) of every variant due by `until`.

    `variants.next_check` caches due_at: triggers (store/migrations_scale.py) empty it whenever one of its
    inputs changes, so only what is due and what is unknown is read, never the archive. Unknown times are
    worked out here, and stored when the connection can write. Under another policy than the one they were
    worked out with, every stored time is unknown.
    """
    fingerprint = policy_fingerprint(policy)
    unknown: list[_Row] | None = None
    if write and not db.conn.execute("PRAGMA query_only").fetchone()[0]:
        unknown = _work_out(db, policy, fingerprint, now, until)
    if unknown is None:
        if get_setting(db, POLICY_KEY) != fingerprint:  # the stored times say nothing: the rule decides for all
            return [row for row in (_computed(policy, r, now) for r in db.conn.execute(_COLUMNS)) if row[0] <= until]
        unknown = [row for row in (_computed(policy, r, now) for r in db.conn.execute(
            _COLUMNS + " WHERE v.next_check IS NULL")) if row[0] <= until]
    rows = {rowid: (when, rowid, item) for when, rowid, item in (
        (datetime.fromtimestamp(r[-1], timezone.utc), r[0], _item(r))
        for r in db.conn.execute(_COLUMNS + " WHERE v.next_check <= ?", (_unix(until),)))}
    # Worked out last, so it wins over a time another process stored after we read it as unknown.
    rows.update((row[1], row) for row in unknown)
    return list(rows.values())


def store_next_checks(db: sqlite_utils.Database, policy: RecheckPolicy, now: datetime | None = None) -> None:
    """Work out and store the re-check times a run left unknown (those of the variants it fetched or changed),
    at the end of that run: its cost lands in the cycle that did the work, and the next cycle's planning reads
    only what is due. A locked or full database leaves them to the next planning."""
    _work_out(db, policy, policy_fingerprint(policy), now or datetime.now(timezone.utc), None)


def _work_out(db: sqlite_utils.Database, policy: RecheckPolicy, fingerprint: str, now: datetime,
              until: datetime | None) -> list[_Row] | None:
    """Work out and store the times that are unknown (all of them under another policy than the stored times'),
    in batches so that memory stays flat however many there are (every variant, after an upgrade or a policy
    change); those due by `until`. None when the database stayed locked past the busy timeout."""
    if get_setting(db, POLICY_KEY) == fingerprint and db.conn.execute(
            "SELECT 1 FROM variants WHERE next_check IS NULL LIMIT 1").fetchone() is None:
        return []
    try:
        # One transaction, under the write lock: an input changed between reading and storing (or another
        # policy's times stored meanwhile) would leave a stale time behind.
        with transaction(db):
            if get_setting(db, POLICY_KEY) != fingerprint:
                db.conn.execute("UPDATE variants SET next_check = NULL WHERE next_check IS NOT NULL")
                set_setting(db, POLICY_KEY, fingerprint)
            ids = [r[0] for r in db.conn.execute("SELECT rowid FROM variants WHERE next_check IS NULL")]
            due: list[_Row] = []
            for start in range(0, len(ids), _BATCH):
                marks, values = in_list(ids[start:start + _BATCH])
                rows = [_computed(policy, r, now) for r in db.conn.execute(_COLUMNS + f" WHERE v.rowid IN {marks}",
                                                                            values)]
                # Whole seconds, rounded down: stored timestamps are whole seconds, so this is exact for them, and
                # a time that is not (a variant with no readable timestamp is due `now`) is due a fraction early.
                db.conn.executemany("UPDATE variants SET next_check = ? WHERE rowid = ?",
                                    [(math.floor(when.timestamp()), rowid) for when, rowid, _ in rows])
                due += [row for row in rows if until is not None and row[0] <= until]
    except sqlite3.OperationalError:
        return None
    return due


def _everything(db: sqlite_utils.Database) -> list[_Row]:
    """Every variant, ordered by its last check (its first sight when never checked)."""
    now = datetime.now(timezone.utc)
    return [(parse_timestamp(r[6]) or parse_timestamp(r[9]) or now, r[0], _item(r)) for r in db.conn.execute(_COLUMNS)]


def _computed(policy: RecheckPolicy, row: tuple[Any, ...], now: datetime) -> _Row:
    """(when due, rowid, the re-check) of a row of _COLUMNS, by the rule."""
    _, _, _, _, _, _, checked, outcome, changed, first_seen, published, status, statement_seen, confirm_after, _ = row
    when = due_at(policy, last_checked=parse_timestamp(checked) or parse_timestamp(first_seen) or now,
                  published=parse_timestamp(published), changed=parse_timestamp(changed),
                  first_seen=parse_timestamp(first_seen), pending=outcome == "gone" and status == "active",
                  statement_first_seen=parse_timestamp(statement_seen))
    confirm = parse_timestamp(confirm_after)
    if confirm is not None:
        when = min(when, confirm)
    return when, row[0], _item(row)


def _item(row: tuple[Any, ...]) -> dict[str, Any]:
    """The re-check a row of _COLUMNS asks for."""
    _, sid, lang, url, etag, last_modified = row[:6]
    # An edit held for confirmation is checked again without validators: a 304 would not show its text.
    confirming = parse_timestamp(row[13]) is not None
    return {"statement_id": sid, "lang": lang, "url": url, "etag": None if confirming else etag,
            "last_modified": None if confirming else last_modified}


def _unix(moment: datetime) -> float:
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).timestamp()


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
