"""Scenario 7: a simulated month of the real site against the scheduler, with a virtual clock.

No network and no sleeping: a model of mid.ru publishes about 40 variants a day in bursts, edits some
of them in their first hours, some later, a few old ones, and deletes a few statements. Every cycle
(every 30 minutes by default, as `crawl watch`) does what a crawl would do, through the real code:
discovery costs the listing page 1 and RSS requests the spider makes (counted from MidSpider itself),
new variants are fetched and stored with store.writes.record_page, known variants are re-checked when
store.recheck.variants_to_recheck(now=<virtual time>) says they are due (a 304, a new version or a 404),
and scheduler.detect.detect_changes writes the changes. Timestamps the store writes come from the
virtual clock (store.writes.utcnow is patched in this process only).

Reported: requests per day, and how long each kind of change took to be detected, against the targets.
"""
from __future__ import annotations

import os
import random
import time
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator

MSK = timezone(timedelta(hours=3))
LANG_P = [("en", 0.75), ("de", 0.25), ("fr", 0.3), ("es", 0.3), ("pt", 0.05), ("ar", 0.05)]

CONFIGS = {
    # what `crawl watch` does out of the box
    "default (every 30m, default policy)": {"every": timedelta(minutes=30), "policy": None, "budget": None},
    # half the discovery requests (hourly cycles), the same fresh tiers, the old archive every 90 days
    "tuned (every 1h, *:90d)": {"every": timedelta(hours=1),
                                "policy": "3h:0,1d:2h,7d:1d,30d:7d,*:90d", "budget": None},
}


def _discovery_requests() -> int:
    """Listing page 1 of every section and language plus every RSS feed, as the spider asks for them."""
    from crawler.spiders.mid import MidSpider

    spider = MidSpider(base_url="https://mid.ru")
    return len(spider.start_requests_list())


class Clock:
    def __init__(self, start: datetime):
        self.now = start

    def iso(self) -> str:
        return self.now.astimezone(timezone.utc).replace(microsecond=0).isoformat()


@contextmanager
def virtual_time(clock: Clock) -> Iterator[None]:
    import scheduler.detect as detect
    import store.writes as writes

    saved = (writes.utcnow, detect.utcnow)
    writes.utcnow = clock.iso  # type: ignore[assignment]
    detect.utcnow = clock.iso  # type: ignore[assignment]
    try:
        yield
    finally:
        writes.utcnow, detect.utcnow = saved  # type: ignore[assignment]


def _record(sid: int, lang: str, published: datetime, content: int) -> dict[str, Any]:
    paragraphs = [{"speaker": None, "text": f"Statement {sid} ({lang}), paragraph one."},
                  {"speaker": None, "text": f"Text of version {content}."}]
    return {"site": "mid.ru", "source_id": sid, "lang": lang,
            "url": f"https://mid.ru/{lang}/foreign_policy/news/{sid}/?lang={lang}",
            "section": "foreign_policy/news", "title": f"Statement {sid} ({lang})",
            "published_at": published.astimezone(MSK).isoformat(), "document_number": None, "kind": "news",
            "languages": {lang: f"https://mid.ru/{lang}/foreign_policy/news/{sid}/?lang={lang}"},
            "paragraphs": paragraphs, "body": "\n\n".join(p["text"] for p in paragraphs),
            "parser_version": "g2-article/1"}


def _fetch(sid: int, lang: str, outcome: str, status: int, content: int | None = None):
    from store.writes import Fetch

    body = f"<html>{sid} {lang} {content}</html>".encode() if content is not None else None
    return Fetch(url=f"https://mid.ru/{lang}/foreign_policy/news/{sid}/?lang={lang}", page_type="article",
                 outcome=outcome, http_status=status, statement_id=f"mid.ru:{sid}", lang=lang,
                 etag=f'"{sid}-{lang}-{content}"' if content is not None else None,
                 bytes=len(body) if body else 0, body=body)


def run_sim(work: Path, name: str, cfg: dict, *, days: int, archive: int, seed: int = 7) -> dict[str, Any]:
    from scheduler.detect import DeletionRule, detect_changes
    from store.db import open_db
    from store.recheck import RecheckPolicy, parse_policy, variants_to_recheck
    from store.writes import finish_run, record_fetch, record_page, start_run, transaction

    rng = random.Random(seed)
    policy = parse_policy(cfg["policy"]) if cfg["policy"] else RecheckPolicy()
    every: timedelta = cfg["every"]
    start = datetime(2025, 3, 3, 0, 0, tzinfo=timezone.utc)
    clock = Clock(start)
    db_path = work / f"sim-{abs(hash(name)) % 10000}.db"
    for p in work.glob(db_path.name + "*"):
        p.unlink()
    db = open_db(db_path)
    model: dict[tuple[int, str], dict[str, Any]] = {}   # the site: content number, deleted, published
    stored: dict[tuple[int, str], int] = {}             # what the archive holds
    next_id = 1_000_000

    # --- the archive at the start: `archive` variants, 40 a day going back, checked on schedule ------
    seeded = 0
    t0 = time.monotonic()
    with virtual_time(clock):
        with transaction(db):
            age_days = 0.0
            while seeded < archive:
                next_id += rng.randint(1, 30)
                langs = ["ru"] + [l for l, p in LANG_P if rng.random() < p]
                age_days += len(langs) / 40.0
                published = start - timedelta(days=age_days)
                for lang in langs:
                    clock.now = published + timedelta(minutes=10)
                    record_page(db, None, _record(next_id, lang, published, 1), _fetch(next_id, lang, "ok", 200, 1))
                    model[(next_id, lang)] = {"content": 1, "deleted": False, "published": published}
                    stored[(next_id, lang)] = 1
                    seeded += 1
            # last checks spread as the policy would have left them
            rows = db.conn.execute("SELECT statement_id, lang FROM variants").fetchall()
            for sid, lang in rows:
                key = (int(sid.split(":")[1]), lang)
                age = start - model[key]["published"]
                interval = policy.interval(age)
                checked = start - timedelta(seconds=rng.random() * min(interval, age).total_seconds())
                db.conn.execute("UPDATE variants SET last_checked_at=? WHERE statement_id=? AND lang=?",
                                (checked.replace(microsecond=0).isoformat(), sid, lang))
    seed_s = time.monotonic() - t0

    # --- the month's events ------------------------------------------------------------------------
    events: list[tuple[datetime, str, Any]] = []
    end = start + timedelta(days=days)
    day = start
    while day < end:
        # 3-6 bursts a day in Moscow working hours, ~40 variants in total
        bursts = rng.randint(3, 6)
        for _ in range(bursts):
            at = day + timedelta(hours=rng.uniform(6, 18))  # UTC 06-18 = MSK 09-21
            for k in range(max(1, round(rng.gauss(16 / bursts, 1)))):
                next_id += rng.randint(1, 30)
                langs = ["ru"] + [l for l, p in LANG_P if rng.random() < p]
                events.append((at + timedelta(minutes=k * 3), "publish", (next_id, langs)))
        day += timedelta(days=1)
    publishes = [e for e in events if e[1] == "publish"]
    for at, _, (sid, langs) in publishes:
        for lang in langs:
            r = rng.random()
            if r < 0.10:    # edited in the first hours
                events.append((at + timedelta(hours=rng.uniform(0.2, 6)), "edit", (sid, lang, "lt_1d")))
            elif r < 0.13:  # edited later in the first day
                events.append((at + timedelta(hours=rng.uniform(6, 23)), "edit", (sid, lang, "lt_1d")))
            elif r < 0.16:  # edited within the week
                events.append((at + timedelta(days=rng.uniform(1.1, 6.8)), "edit", (sid, lang, "lt_7d")))
    old_keys = list(model)
    for _ in range(days):  # about one edit a day of an old statement
        key = rng.choice(old_keys)
        events.append((start + timedelta(days=rng.uniform(0, days - 1)), "edit", (key[0], key[1], "older")))
    for _ in range(max(1, days // 3)):  # a few deletions: half fresh, half old
        if rng.random() < 0.5 and publishes:
            at, _, (sid, langs) = rng.choice(publishes)
            events.append((at + timedelta(hours=rng.uniform(1, 48)), "delete", (sid, langs)))
        else:
            key = rng.choice(old_keys)
            langs = [l for (s, l) in model if s == key[0]]
            events.append((start + timedelta(days=rng.uniform(0, days - 1)), "delete", (key[0], langs)))
    events.sort(key=lambda e: e[0])

    discovery = _discovery_requests()
    rule = DeletionRule()
    per_day: dict[int, int] = {}
    per_day_kind: dict[str, int] = {"discovery": 0, "new": 0, "recheck": 0}
    truth: list[dict[str, Any]] = []   # (kind, key, at, category)
    ev = 0
    cycles = 0
    t0 = time.monotonic()
    recheck_s = 0.0
    with virtual_time(clock):
        now = start
        while now < end:
            clock.now = now
            while ev < len(events) and events[ev][0] <= now:
                at, kind, data = events[ev]
                ev += 1
                if kind == "publish":
                    sid, langs = data
                    for lang in langs:
                        model[(sid, lang)] = {"content": 1, "deleted": False, "published": at}
                        truth.append({"kind": "new", "key": (sid, lang), "at": at})
                elif kind == "edit":
                    sid, lang, cat = data
                    m = model.get((sid, lang))
                    if m and not m["deleted"]:
                        m["content"] += 1
                        truth.append({"kind": "edit", "key": (sid, lang), "at": at, "cat": cat})
                elif kind == "delete":
                    sid, langs = data
                    for lang in langs:
                        m = model.get((sid, lang))
                        if m and not m["deleted"]:
                            m["deleted"] = True
                            truth.append({"kind": "deletion", "key": (sid, lang), "at": at})
            run_id = start_run(db, command="sim", base_url="https://mid.ru")
            requests = discovery
            per_day_kind["discovery"] += discovery
            new = [k for k, m in model.items() if k not in stored and not m["deleted"]]
            t = time.monotonic()
            due = variants_to_recheck(db, now=now, policy=policy, limit=cfg["budget"])
            recheck_s += time.monotonic() - t
            with transaction(db):
                for sid, lang in new:
                    m = model[(sid, lang)]
                    record_page(db, run_id, _record(sid, lang, m["published"], m["content"]),
                                _fetch(sid, lang, "ok", 200, m["content"]))
                    stored[(sid, lang)] = m["content"]
                for item in due:
                    sid, lang = int(item["statement_id"].split(":")[1]), item["lang"]
                    m = model[(sid, lang)]
                    if m["deleted"]:
                        record_fetch(db, run_id, _fetch(sid, lang, "gone", 404))
                    elif stored.get((sid, lang)) == m["content"]:
                        f = _fetch(sid, lang, "not_modified", 304)
                        record_fetch(db, run_id, f)
                    else:
                        record_page(db, run_id, _record(sid, lang, m["published"], m["content"]),
                                    _fetch(sid, lang, "ok", 200, m["content"]))
                        stored[(sid, lang)] = m["content"]
            requests += len(new) + len(due)
            per_day_kind["new"] += len(new)
            per_day_kind["recheck"] += len(due)
            detect_changes(db, run_id, rule)
            finish_run(db, run_id, "ok")
            d = int((now - start).total_seconds() // 86400)
            per_day[d] = per_day.get(d, 0) + requests
            cycles += 1
            now += every
    sim_s = time.monotonic() - t0

    # --- latencies -------------------------------------------------------------------------------
    changes: dict[tuple[int, str], list[tuple[str, datetime]]] = {}
    for sid, lang, kind, detected in db.conn.execute("SELECT statement_id, lang, kind, detected_at FROM changes"):
        changes.setdefault((int(sid.split(":")[1]), lang), []).append(
            (kind, datetime.fromisoformat(detected)))
    lat: dict[str, list[float]] = {"new": [], "edit_lt_1d": [], "edit_lt_7d": [], "edit_older": [], "deletion": []}
    missed: dict[str, int] = {k: 0 for k in lat}
    pending: dict[str, int] = {k: 0 for k in lat}
    # a change not yet detected at the end counts as missed only if its target window had passed
    window = {"new": every, "edit_lt_1d": timedelta(hours=2), "edit_lt_7d": timedelta(days=1)}
    want = {"new": "new", "edit": "edited", "deletion": "deleted"}
    for t in truth:
        bucket = t["kind"] if t["kind"] != "edit" else f"edit_{t['cat']}"
        hits = [d for k, d in changes.get(t["key"], []) if k == want[t["kind"]] and d >= t["at"]]
        if hits:
            lat[bucket].append((min(hits) - t["at"]).total_seconds() / 3600)
        elif bucket in window and t["at"] + window[bucket] < end - every:
            missed[bucket] += 1
        else:
            pending[bucket] += 1
    # re-verification: how long the whole archive takes at the observed pace of re-checks of old variants
    oldest = db.conn.execute("SELECT min(last_checked_at) FROM variants WHERE status='active'").fetchone()[0]
    oldest_age_days = (end - datetime.fromisoformat(oldest)).total_seconds() / 86400 if oldest else None
    active = db.conn.execute("SELECT count(*) FROM variants WHERE status='active'").fetchone()[0]
    checked_in_month = db.conn.execute(
        "SELECT count(DISTINCT statement_id || lang) FROM fetches WHERE run_id IS NOT NULL").fetchone()[0]
    reverify_days = days * active / max(1, checked_in_month) if checked_in_month < active else \
        max(oldest_age_days or 0, policy.old_interval.total_seconds() / 86400)
    db.conn.close()

    def summary(values: list[float]) -> dict[str, Any]:
        values = sorted(values)
        if not values:
            return {"n": 0, "median_h": None, "p95_h": None, "max_h": None}
        return {"n": len(values), "median_h": values[len(values) // 2],
                "p95_h": values[min(len(values) - 1, int(len(values) * 0.95))], "max_h": values[-1]}

    latency = {k: {**summary(v), "missed": missed[k], "not_yet_detected_at_end": pending[k]} for k, v in lat.items()}
    daily = [per_day[d] for d in sorted(per_day)]
    cycle_h = every.total_seconds() / 3600
    req_mean = sum(daily) / len(daily)
    targets = {
        "requests": req_mean <= 3000 and max(daily) <= 3300,
        "new": latency["new"]["max_h"] is not None and latency["new"]["max_h"] <= cycle_h + 1e-9
        and missed["new"] == 0,
        "edit_lt_1d": latency["edit_lt_1d"]["max_h"] is not None and latency["edit_lt_1d"]["max_h"] <= 2.0
        and missed["edit_lt_1d"] == 0,
        "edit_lt_7d": latency["edit_lt_7d"]["max_h"] is not None and latency["edit_lt_7d"]["max_h"] <= 24.0
        and missed["edit_lt_7d"] == 0,
        "reverify": reverify_days <= 90,
    }
    return {
        "cycle_minutes": every.total_seconds() / 60, "policy": cfg["policy"] or "default", "budget": cfg["budget"],
        "archive_variants": archive, "days": days, "cycles": cycles, "discovery_per_cycle": discovery,
        "requests_per_day": req_mean, "requests_per_day_max": max(daily), "requests_by_kind_per_day":
        {k: v / days for k, v in per_day_kind.items()}, "latency": latency, "reverify_days": reverify_days,
        "oldest_check_age_days_at_end": oldest_age_days, "targets": targets,
        "seed_s": seed_s, "sim_s": sim_s, "variants_to_recheck_s": recheck_s,
    }


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
