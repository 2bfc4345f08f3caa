"""Scenario 7: a simulated month of the real site against the scheduler, with a virtual clock.

No network and no sleeping: a model of mid.ru publishes about 40 variants a day in bursts, edits some
of them in their first hours, some later, a few old ones, and deletes a few statements. Every cycle
(every 30 minutes by default, as `crawl watch`) does what a crawl would do, through the real code:
discovery costs the listing page 1 and RSS requests the spider makes (counted from MidSpider itself),
new variants are fetched and stored with store.pages.record_page, known variants are re-checked when
store.recheck.variants_to_recheck(now=<virtual time>) says they are due (a 304, a new version or a 404;
the page itself when asked without validators, as the store does to confirm an edit it holds),
and scheduler.detect.detect_changes writes the changes. Every timestamp the store writes is the virtual
time, passed to each recording and detection function as `now=`.

Reported: requests per day, and how long each kind of change took to be detected, against the targets.
"""
from __future__ import annotations

import hashlib
import os
import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import sqlite_utils

from store.records import Fetch

MSK = timezone(timedelta(hours=3))
LANG_P = [("en", 0.75), ("de", 0.25), ("fr", 0.3), ("es", 0.3), ("pt", 0.05), ("ar", 0.05)]
# Where statements appear (weights): most are news items; speeches, briefings and answers are the rest.
SECTION_P = [("news", 0.62), ("minister_speeches", 0.12), ("briefings", 0.04), ("answers", 0.08),
             ("comments", 0.08), ("official_statements", 0.03), ("deputy_speeches", 0.03)]
# Feeds confirmed on the real site (reference §2.7); the others are modelled as 404 (the pessimistic case).
FEED_LANGS = ("ru", "en")
LISTED = 20  # entries on listing page 1 and in a feed
START = datetime(2025, 3, 3, 0, 0, tzinfo=timezone.utc)
BUCKETS = ("new_statement", "new_translation", "edit_lt_1d", "edit_lt_7d", "edit_older", "deletion")

CONFIGS = {
    # what `crawl watch` does out of the box
    "default (every 30m)": {"every": timedelta(minutes=30), "policy": None, "discovery": None, "budget": None},
    # the same, asking every listing and feed on every run (before adaptive discovery)
    "every 30m, --discovery all": {"every": timedelta(minutes=30), "policy": None, "discovery": "all",
                                   "budget": None},
}

Key = tuple[int, str]                # one variant: (source id, language)
Event = tuple[datetime, str, Any]    # (when, "publish" | "edit" | "delete", what)


def index_pages(base: str = "https://mid.ru") -> list[tuple[str, str, str | None]]:
    """(url, lang, section key or None for the feed): listing page 1 of every section and language and every
    feed, in the order the spider asks for them (counted from MidSpider itself)."""
    from crawler.spiders.mid import MidSpider

    out = []
    for request in MidSpider(base_url=base).start_requests_list():
        meta = request.meta
        out.append((request.url, meta["lang"], meta.get("section") if meta["page_type"] == "listing" else None))
    return out


def stamp(at: datetime) -> str:
    """A virtual time as the store writes its timestamps (UTC, whole seconds)."""
    return at.astimezone(timezone.utc).replace(microsecond=0).isoformat()


def _url(sid: int, lang: str, section: str) -> str:
    from crawler.sections import listing_path

    return f"https://mid.ru{listing_path(section, lang) or '/ru/foreign_policy/news/'}{sid}/?lang={lang}"


def _fetch(sid: int, lang: str, section: str, outcome: str, status: int, content: int | None = None) -> Fetch:
    body = f"<html>{sid} {lang} {content}</html>".encode() if content is not None else None
    return Fetch(url=_url(sid, lang, section), page_type="article",
                 outcome=outcome, http_status=status, statement_id=f"mid.ru:{sid}", lang=lang,
                 etag=f'"{sid}-{lang}-{content}"' if content is not None else None,
                 bytes=len(body) if body else 0, body=body)


def _section(rng: random.Random) -> str:
    return rng.choices([k for k, _ in SECTION_P], [w for _, w in SECTION_P])[0]


# --------------------------------------------------------------------------- the site and what the archive holds

@dataclass
class Site:
    """The model of mid.ru: per variant its content number, publication time, deleted flag and section."""

    variants: dict[Key, dict[str, Any]] = field(default_factory=dict)
    siblings: dict[int, list[str]] = field(default_factory=dict)  # statement -> languages published so far
    # (lang, section or None for the feed) -> statement ids, newest last
    listings: dict[tuple[str, str | None], list[int]] = field(default_factory=dict)

    def publish(self, sid: int, lang: str, section: str, at: datetime) -> None:
        self.variants[(sid, lang)] = {"content": 1, "deleted": False, "published": at, "section": section}
        self.siblings.setdefault(sid, []).append(lang)
        self.listings.setdefault((lang, section), []).append(sid)
        if lang in FEED_LANGS:
            self.listings.setdefault((lang, None), []).append(sid)

    def listed(self, lang: str, section: str | None) -> list[int]:
        """What listing page 1 (or the feed) shows: the newest LISTED statements not deleted."""
        out: list[int] = []
        for sid in reversed(self.listings.get((lang, section), [])):
            if not self.variants[(sid, lang)]["deleted"]:
                out.append(sid)
                if len(out) == LISTED:
                    break
        return out

    def live_langs(self, sid: int) -> list[str]:
        return [x for x in self.siblings.get(sid, []) if not self.variants[(sid, x)]["deleted"]]

    def record(self, key: Key) -> dict[str, Any]:
        """The parsed article the crawler would get for a variant now."""
        sid, lang = key
        m = self.variants[key]
        langs = self.live_langs(sid)
        paragraphs = [{"speaker": None, "text": f"Statement {sid} ({lang}), paragraph one."},
                      {"speaker": None, "text": f"Text of version {m['content']}."}]
        return {"site": "mid.ru", "source_id": sid, "lang": lang, "url": _url(sid, lang, m["section"]),
                "section": m["section"], "title": f"Statement {sid} ({lang})",
                "published_at": m["published"].astimezone(MSK).isoformat(), "document_number": None,
                "kind": "news", "languages": {x: _url(sid, x, m["section"]) for x in langs},
                "paragraphs": paragraphs, "body": "\n\n".join(p["text"] for p in paragraphs),
                "parser_version": "g2-article/1"}


@dataclass
class Held:
    """What the archive holds, as the simulation keeps track of it (to answer 304 or not)."""

    content: dict[Key, int] = field(default_factory=dict)  # the content number stored
    langs: dict[Key, int] = field(default_factory=dict)    # languages the page listed when last fetched
    first_fetch: dict[Key, datetime] = field(default_factory=dict)  # variants fetched during the month

    def store(self, db: sqlite_utils.Database, run_id: int | None, site: Site, key: Key, now: str) -> None:
        """Fetch a variant with content and record it (a new variant, an edit or new language links)."""
        from store.pages import record_page

        m = site.variants[key]
        record_page(db, run_id, site.record(key), _fetch(*key, m["section"], "ok", 200, m["content"]), now=now)
        self.content[key] = m["content"]
        self.langs[key] = len(site.live_langs(key[0]))

    def unchanged(self, site: Site, key: Key) -> bool:
        """Whether the page would answer 304: same content, same language links."""
        return self.content.get(key) == site.variants[key]["content"] \
            and self.langs.get(key) == len(site.live_langs(key[0]))


# --------------------------------------------------------------------------- the archive at the start

def seed_archive(db: sqlite_utils.Database, site: Site, held: Held, rng: random.Random, *, archive: int,
                 policy: Any, every: timedelta, next_id: int) -> int:
    """`archive` variants, 40 a day going back from START, stored and checked on schedule; the last id used."""
    from store.sql import transaction

    with transaction(db):
        batch, next_id = _draw_archive(rng, archive, next_id)
        for sid, lang, published, section in reversed(batch):  # oldest first, so listings keep site order
            site.publish(sid, lang, section, published)
        for sid, lang, published, _ in batch:
            held.store(db, None, site, (sid, lang), stamp(published + timedelta(minutes=10)))
        _replay_last_checks(db, site, policy, every)
    return next_id


def _draw_archive(rng: random.Random, archive: int, next_id: int) -> tuple[list[tuple[int, str, datetime, str]], int]:
    """The archived variants, newest first: (id, lang, published, section)."""
    batch: list[tuple[int, str, datetime, str]] = []
    age_days = 0.0
    while len(batch) < archive:
        next_id += rng.randint(1, 30)
        langs = ["ru"] + [x for x, p in LANG_P if rng.random() < p]
        section = _section(rng)
        if section == "deputy_speeches":
            langs = ["ru"]
        age_days += len(langs) / 40.0
        published = START - timedelta(days=age_days)
        batch += [(next_id, lang, published, section) for lang in langs]
    return batch, next_id


def _replay_last_checks(db: sqlite_utils.Database, site: Site, policy: Any, every: timedelta) -> None:
    """Last checks as the policy would have left them.

    Each variant's checks are replayed from its first sight (the interval from its age at each check, as
    store.recheck.due_at reads it, at least a cycle), the last one before the start kept. A shortcut that
    took the interval of its age at the start made variants last checked while young overdue at once:
    ~1,400 extra re-checks on day 1.
    """
    rows = db.conn.execute("SELECT statement_id, lang, first_seen_at FROM variants").fetchall()
    for sid, lang, seen in rows:
        published = site.variants[(int(sid.split(":")[1]), lang)]["published"]
        checked = datetime.fromisoformat(seen)
        while True:
            following = checked + max(policy.interval(checked - published), every)
            if following > START:
                break
            checked = following
        db.conn.execute("UPDATE variants SET last_checked_at=? WHERE statement_id=? AND lang=?",
                        (checked.replace(microsecond=0).isoformat(), sid, lang))


# --------------------------------------------------------------------------- the events of the month

def month_events(rng: random.Random, *, days: int, next_id: int, old_keys: list[Key]) -> list[Event]:
    """Publications, edits and deletions over `days` days from START, in time order."""
    statements, events = _publications(rng, days, next_id)
    events += _edits(rng, statements, days, old_keys)
    events += _deletions(rng, statements, days, old_keys)
    events.sort(key=lambda e: e[0])
    return events


def _publications(rng: random.Random, days: int, next_id: int) -> tuple[list[tuple[datetime, int, list]], list[Event]]:
    """3-6 bursts a day in Moscow working hours, ~16 statements (~40 variants) in total; translations follow."""
    statements: list[tuple[datetime, int, list[tuple[str, datetime]]]] = []
    events: list[Event] = []
    for d in range(days):
        day = START + timedelta(days=d)
        bursts = rng.randint(3, 6)
        for _ in range(bursts):
            at = day + timedelta(hours=rng.uniform(6, 18))  # UTC 06-18 = MSK 09-21
            for k in range(max(1, round(rng.gauss(16 / bursts, 1)))):
                next_id += rng.randint(1, 30)
                t = at + timedelta(minutes=k * 3)
                section = _section(rng)
                langs = [("ru", t)]
                if section != "deputy_speeches":
                    langs += [(lang, t + timedelta(hours=_translation_delay(rng)))
                              for lang, p in LANG_P if rng.random() < p]
                statements.append((t, next_id, langs))
                events += [(when, "publish", (next_id, lang, section)) for lang, when in langs]
    return statements, events


def _translation_delay(rng: random.Random) -> float:
    """Hours after the Russian text: most within two hours, some the same day, a few days later."""
    r = rng.random()
    return rng.uniform(0, 2) if r < 0.6 else rng.uniform(2, 24) if r < 0.9 else rng.uniform(24, 72)


def _edits(rng: random.Random, statements: list[tuple[datetime, int, list]], days: int,
           old_keys: list[Key]) -> list[Event]:
    events: list[Event] = []
    for _, sid, langs in statements:
        for lang, when in langs:
            r = rng.random()
            if r < 0.10:    # edited in the first hours
                events.append((when + timedelta(hours=rng.uniform(0.2, 6)), "edit", (sid, lang, "lt_1d")))
            elif r < 0.13:  # edited later in the first day
                events.append((when + timedelta(hours=rng.uniform(6, 23)), "edit", (sid, lang, "lt_1d")))
            elif r < 0.16:  # edited within the week
                events.append((when + timedelta(days=rng.uniform(1.1, 6.8)), "edit", (sid, lang, "lt_7d")))
    for _ in range(days):  # about one edit a day of an old statement
        key = rng.choice(old_keys)
        events.append((START + timedelta(days=rng.uniform(0, days - 1)), "edit", (key[0], key[1], "older")))
    return events


def _deletions(rng: random.Random, statements: list[tuple[datetime, int, list]], days: int,
               old_keys: list[Key]) -> list[Event]:
    """A few deletions: half of fresh statements, half of old ones."""
    events: list[Event] = []
    for _ in range(max(1, days // 3)):
        if rng.random() < 0.5 and statements:
            t, sid, _ = rng.choice(statements)
            events.append((t + timedelta(hours=rng.uniform(1, 48)), "delete", (sid,)))
        else:
            key = rng.choice(old_keys)
            events.append((START + timedelta(days=rng.uniform(0, days - 1)), "delete", (key[0],)))
    return events


def apply_event(site: Site, event: Event, truth: list[dict[str, Any]]) -> None:
    """Change the site as the event says, and note what a perfect watcher would see in `truth`."""
    at, kind, data = event
    if kind == "publish":
        sid, lang, section = data
        site.publish(sid, lang, section, at)
        truth.append({"kind": "new", "key": (sid, lang), "at": at, "statement": lang == "ru"})
    elif kind == "edit":
        sid, lang, cat = data
        m = site.variants.get((sid, lang))
        if m and not m["deleted"]:
            m["content"] += 1
            truth.append({"kind": "edit", "key": (sid, lang), "at": at, "cat": cat})
    elif kind == "delete":
        (sid,) = data
        for lang in list(site.siblings.get(sid, [])):
            m = site.variants[(sid, lang)]
            if not m["deleted"]:
                m["deleted"] = True
                truth.append({"kind": "deletion", "key": (sid, lang), "at": at})


# --------------------------------------------------------------------------- one crawl cycle

@dataclass
class Cycle:
    """One crawl run at a virtual time: the requests it made and the variants it found to fetch."""

    db: sqlite_utils.Database
    run_id: int
    at: datetime
    requests: dict[str, int] = field(default_factory=lambda: {"discovery": 0, "new": 0, "recheck": 0})
    found: list[Key] = field(default_factory=list)
    seen: set[Key] = field(default_factory=set)

    @property
    def now(self) -> str:
        return stamp(self.at)

    def note(self, key: Key, held: Held) -> None:
        """A variant seen in a listing, a feed or a page's language links: fetched in this run if new."""
        if key not in held.content and key not in self.seen:
            self.seen.add(key)
            self.found.append(key)


def discover(cycle: Cycle, site: Site, held: Held, pages: list[tuple[str, str, str | None]],
             not_due: set[str]) -> None:
    """Ask the listings and feeds the discovery policy says are due; note the new variants they show."""
    for url, lang, section in pages:
        if url.replace("https://mid.ru", "") in not_due:
            continue
        cycle.requests["discovery"] += 1
        _read_index_page(cycle, site, held, url, lang, section)


def _read_index_page(cycle: Cycle, site: Site, held: Held, url: str, lang: str, section: str | None) -> None:
    from store.fetches import record_fetch

    if section is None and lang not in FEED_LANGS:
        record_fetch(cycle.db, cycle.run_id, Fetch(url=url, page_type="feed", outcome="gone", http_status=404),
                     now=cycle.now)
        return
    ids = site.listed(lang, section)
    digest = hashlib.sha1(" ".join(map(str, ids)).encode()).hexdigest()
    newest = max((site.variants[(sid, lang)]["published"] for sid in ids), default=None)
    record_fetch(cycle.db, cycle.run_id, Fetch(url=url, page_type="listing" if section else "feed",
                                               outcome="ok", http_status=200, entries_digest=digest,
                                               entries=len(ids),
                                               entries_new=sum((sid, lang) not in held.content for sid in ids),
                                               entries_newest=newest.isoformat() if newest else None),
                 now=cycle.now)
    for sid in ids:
        cycle.note((sid, lang), held)


def recheck(cycle: Cycle, site: Site, held: Held, due: list[dict[str, Any]]) -> None:
    """Fetch again the known variants the re-check policy says are due: 404, 304 or new content."""
    from store.fetches import record_fetch

    for item in due:
        key = (int(item["statement_id"].split(":")[1]), item["lang"])
        m = site.variants[key]
        cycle.requests["recheck"] += 1
        if m["deleted"]:
            record_fetch(cycle.db, cycle.run_id, _fetch(*key, m["section"], "gone", 404), now=cycle.now)
        elif held.unchanged(site, key) and (item["etag"] or item["last_modified"]):
            record_fetch(cycle.db, cycle.run_id, _fetch(*key, m["section"], "not_modified", 304), now=cycle.now)
        else:  # edited, a translation appeared (the page's language links changed), or asked without validators
            # (an edit held for confirmation: the store wants to see the text again, so the page comes whole)
            held.store(cycle.db, cycle.run_id, site, key, cycle.now)
            _follow_links(cycle, site, held, key[0])


def fetch_new(cycle: Cycle, site: Site, held: Held) -> None:
    """Fetch the new variants found by discovery or through language links, in this run."""
    while cycle.found:
        key = cycle.found.pop(0)
        cycle.requests["new"] += 1
        held.store(cycle.db, cycle.run_id, site, key, cycle.now)
        held.first_fetch.setdefault(key, cycle.at)
        _follow_links(cycle, site, held, key[0])


def _follow_links(cycle: Cycle, site: Site, held: Held, sid: int) -> None:
    """The page's language links: variants not stored yet are fetched in this run."""
    for lang in site.live_langs(sid):
        cycle.note((sid, lang), held)


# --------------------------------------------------------------------------- the month

@dataclass
class Tally:
    """Requests counted per day and per kind, and the time spent asking for due re-checks."""

    per_day: dict[int, int] = field(default_factory=dict)
    per_kind: dict[str, int] = field(default_factory=lambda: {"discovery": 0, "new": 0, "recheck": 0})
    per_day_kind: dict[int, dict[str, int]] = field(default_factory=dict)
    cycles: int = 0
    recheck_s: float = 0.0

    def count(self, cycle: Cycle) -> None:
        d = int((cycle.at - START).total_seconds() // 86400)
        for k, v in cycle.requests.items():
            self.per_kind[k] += v
        self.per_day[d] = self.per_day.get(d, 0) + sum(cycle.requests.values())
        for k, v in cycle.requests.items():
            self.per_day_kind.setdefault(d, {}).setdefault(k, 0)
            self.per_day_kind[d][k] += v
        self.cycles += 1


@dataclass
class Month:
    """The simulation's fixed parts: the store, the site model, the policies and the pages discovery asks."""

    db: sqlite_utils.Database
    site: Site
    held: Held
    cfg: dict[str, Any]
    policy: Any
    discovery: Any
    pages: list[tuple[str, str, str | None]]
    tally: Tally = field(default_factory=Tally)
    truth: list[dict[str, Any]] = field(default_factory=list)

    def run(self, events: list[Event], end: datetime) -> None:
        """A cycle every `every` from START to `end`, each after the events due by its time."""
        ev = 0
        at = START
        while at < end:
            while ev < len(events) and events[ev][0] <= at:
                apply_event(self.site, events[ev], self.truth)
                ev += 1
            self.cycle(at)
            at += self.cfg["every"]

    def cycle(self, at: datetime) -> None:
        """One crawl run: discovery, re-checks, new variants, then detection."""
        from scheduler.detect import DeletionRule, detect_changes
        from store.discovery import index_pages_not_due
        from store.recheck import variants_to_recheck
        from store.runs import finish_run, start_run
        from store.sql import transaction

        cycle = Cycle(self.db, start_run(self.db, command="sim", base_url="https://mid.ru", now=stamp(at)), at)
        with transaction(self.db):
            discover(cycle, self.site, self.held, self.pages,
                     set(index_pages_not_due(self.db, now=at, policy=self.discovery)))
            t = time.monotonic()
            due = variants_to_recheck(self.db, now=at, policy=self.policy, limit=self.cfg["budget"])
            self.tally.recheck_s += time.monotonic() - t
            recheck(cycle, self.site, self.held, due)
            fetch_new(cycle, self.site, self.held)
        self.tally.count(cycle)
        detect_changes(self.db, cycle.run_id, DeletionRule(), now=cycle.now)
        finish_run(self.db, cycle.run_id, "ok", now=cycle.now)


# --------------------------------------------------------------------------- latencies and the report

@dataclass
class Latencies:
    """Hours from each change on the site to its detection, per bucket; those missed and still pending."""

    hours: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in BUCKETS})
    missed: dict[str, int] = field(default_factory=lambda: {k: 0 for k in BUCKETS})
    pending: dict[str, int] = field(default_factory=lambda: {k: 0 for k in BUCKETS})
    # Edits made before the variant was first fetched are in its first version: no tool can see them.
    before_first_fetch: int = 0


def latencies(month: Month, archived: set[Key], end: datetime) -> Latencies:
    """Match every change of `truth` with the first change row the store detected for it."""
    from store.changes import change_rows

    changes: dict[Key, list[tuple[str, datetime]]] = {}
    for row in change_rows(month.db):
        changes.setdefault((int(row["statement_id"].split(":")[1]), row["lang"]), []).append(
            (row["kind"], datetime.fromisoformat(row["detected_at"])))
    every = month.cfg["every"]
    window = {"new_statement": every, "edit_lt_1d": timedelta(hours=2), "edit_lt_7d": timedelta(days=1)}
    want = {"new": "new", "edit": "edited", "deletion": "deleted"}
    out = Latencies()
    for t in month.truth:
        if t["kind"] == "new":
            bucket = "new_statement" if t["statement"] else "new_translation"
        elif t["kind"] == "edit":
            bucket = f"edit_{t['cat']}"
            fetched = month.held.first_fetch.get(t["key"])
            if t["key"] not in archived and (fetched is None or fetched >= t["at"]):
                out.before_first_fetch += 1
                continue
        else:
            bucket = "deletion"
        hits = [d for k, d in changes.get(t["key"], []) if k == want[t["kind"]] and d >= t["at"]]
        if hits:
            out.hours[bucket].append((min(hits) - t["at"]).total_seconds() / 3600)
        elif bucket in window and t["at"] + window[bucket] < end - every:
            out.missed[bucket] += 1
        else:
            out.pending[bucket] += 1
    return out


def reverification(month: Month, days: int, end: datetime) -> tuple[float, float | None]:
    """(days to re-verify the whole archive at the observed pace of re-checks, age of the oldest check)."""
    conn = month.db.conn
    oldest = conn.execute("SELECT min(last_checked_at) FROM variants WHERE status='active'").fetchone()[0]
    oldest_age_days = (end - datetime.fromisoformat(oldest)).total_seconds() / 86400 if oldest else None
    active = conn.execute("SELECT count(*) FROM variants WHERE status='active'").fetchone()[0]
    checked_in_month = conn.execute(
        "SELECT count(DISTINCT statement_id || lang) FROM fetches WHERE run_id IS NOT NULL").fetchone()[0]
    if checked_in_month < active:
        return days * active / max(1, checked_in_month), oldest_age_days
    return max(oldest_age_days or 0, month.policy.old_interval.total_seconds() / 86400), oldest_age_days


def _summary(values: list[float]) -> dict[str, Any]:
    values = sorted(values)
    if not values:
        return {"n": 0, "median_h": None, "p95_h": None, "max_h": None}
    return {"n": len(values), "median_h": values[len(values) // 2],
            "p95_h": values[min(len(values) - 1, int(len(values) * 0.95))], "max_h": values[-1]}


def report(month: Month, lat: Latencies, *, days: int, archive: int, reverify_days: float,
           oldest_age_days: float | None) -> dict[str, Any]:
    """The figures of one configuration and whether each target is met."""
    cfg, tally = month.cfg, month.tally
    latency = {k: {**_summary(v), "missed": lat.missed[k], "not_yet_detected_at_end": lat.pending[k]}
               for k, v in lat.hours.items()}
    daily = [tally.per_day[d] for d in sorted(tally.per_day)]
    cycle_h = cfg["every"].total_seconds() / 3600
    req_mean = sum(daily) / len(daily)

    def within(bucket: str, hours: float) -> bool:
        return latency[bucket]["max_h"] is not None and latency[bucket]["max_h"] <= hours + 1e-9 \
            and lat.missed[bucket] == 0

    # The first day is the installation's: every listing and feed is new to the store, so each is watched
    # closely until it has shown how often it changes. Reported on its own, not hidden in the mean.
    steady = daily[1:] or daily
    targets = {
        "requests": req_mean <= 3000 and max(steady) <= 3300,
        "new": within("new_statement", cycle_h),
        "edit_lt_1d": within("edit_lt_1d", 2.0),
        "edit_lt_7d": within("edit_lt_7d", 24.0),
        "reverify": reverify_days <= 90,
    }
    return {
        "cycle_minutes": cfg["every"].total_seconds() / 60, "policy": cfg["policy"] or "default",
        "discovery": cfg["discovery"] or "adaptive", "budget": cfg["budget"],
        "archive_variants": archive, "days": days, "cycles": tally.cycles, "index_pages": len(month.pages),
        "requests_per_day": req_mean, "requests_per_day_max": max(steady), "requests_first_day": daily[0],
        "requests_per_day_series": daily,
        "requests_by_kind_series": [tally.per_day_kind[d] for d in sorted(tally.per_day_kind)],
        "requests_by_kind_per_day": {k: v / days for k, v in tally.per_kind.items()}, "latency": latency,
        "edits_before_first_fetch": lat.before_first_fetch, "reverify_days": reverify_days,
        "oldest_check_age_days_at_end": oldest_age_days, "targets": targets,
    }


def run_sim(work: Path, name: str, cfg: dict, *, days: int, archive: int, seed: int = 7) -> dict[str, Any]:
    """Seed an archive, run a month of cycles against the site model, and report requests and latencies."""
    from store.db import open_db
    from store.discovery import DiscoveryPolicy, parse_discovery_policy
    from store.recheck import RecheckPolicy, parse_policy

    rng = random.Random(seed)
    db_path = work / f"sim-{abs(hash(name)) % 10000}.db"
    for p in work.glob(db_path.name + "*"):
        p.unlink()
    month = Month(db=open_db(db_path), site=Site(), held=Held(), cfg=cfg,
                  policy=parse_policy(cfg["policy"]) if cfg["policy"] else RecheckPolicy(),
                  discovery=parse_discovery_policy(cfg["discovery"]) if cfg["discovery"] else DiscoveryPolicy(),
                  pages=index_pages())
    t0 = time.monotonic()
    next_id = seed_archive(month.db, month.site, month.held, rng, archive=archive, policy=month.policy,
                           every=cfg["every"], next_id=1_000_000)
    seed_s = time.monotonic() - t0
    old_keys = list(month.site.variants)
    events = month_events(rng, days=days, next_id=next_id, old_keys=old_keys)
    end = START + timedelta(days=days)
    t0 = time.monotonic()
    month.run(events, end)
    sim_s = time.monotonic() - t0
    lat = latencies(month, set(old_keys), end)
    reverify_days, oldest_age_days = reverification(month, days, end)
    month.db.conn.close()
    return {**report(month, lat, days=days, archive=archive, reverify_days=reverify_days,
                     oldest_age_days=oldest_age_days),
            "seed_s": seed_s, "sim_s": sim_s, "variants_to_recheck_s": month.tally.recheck_s}


def _one(args: tuple[str, str, int, int]) -> dict[str, Any]:
    work, name, days, archive = args
    return run_sim(Path(work), name, CONFIGS[name], days=days, archive=archive)


def simulate_month(work: Path, days: int = 30, archive: int | None = None) -> dict[str, Any]:
    """Both configurations, side by side in separate processes (one per core)."""
    import multiprocessing

    work.mkdir(parents=True, exist_ok=True)
    names = list(CONFIGS)
    with multiprocessing.get_context("spawn").Pool(min(len(names), os.cpu_count() or 1)) as pool:
        results = pool.map(_one, [(str(work), name, days, archive or 60000) for name in names])
    return dict(zip(names, results))


if __name__ == "__main__":
    import json
    import sys
    import tempfile

    archive = int(sys.argv[1]) if len(sys.argv) > 1 else 60000
    days = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps(simulate_month(Path(tmp), days=days, archive=archive), indent=1, default=str))
