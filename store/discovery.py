"""Which discovery pages (listing page 1, RSS feeds) a run asks for: busy ones every run, quiet ones less often."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import sqlite_utils

from store.timestamps import parse_timestamp


# (time since the page's list of entries last changed, how often to ask for it).
# Statements are published in Russian first: a Russian listing or feed that changed today is where the
# next statement will appear, so it is asked on every run; one unchanged for a day hourly, for a week
# every 3 hours (the Russian feed, asked every run while busy, shows what a quiet section publishes; while
# no Russian feed works, every Russian listing is asked on every run - see index_page_states).
PRIMARY_TIERS: tuple[tuple[timedelta, timedelta], ...] = (
    (timedelta(days=1), timedelta(0)),
    (timedelta(days=7), timedelta(hours=1)),
)
PRIMARY_QUIET = timedelta(hours=3)
# Translations of a fresh statement are found sooner through its Russian page's language links (re-checked
# on every run in its first hours); the other languages' listings are the backstop, asked less often.
OTHER_TIERS: tuple[tuple[timedelta, timedelta], ...] = (
    (timedelta(days=1), timedelta(hours=1)),
    (timedelta(days=7), timedelta(hours=3)),
)
OTHER_QUIET = timedelta(hours=6)
PRIMARY_LANGS = ("ru",)
# Not every section exists in every language (no English deputy ministers' speeches): a 404 is asked again
# once a day, not on every run.
DEFAULT_GONE_INTERVAL = timedelta(days=1)
# Runs start on a fixed grid but a page is fetched some seconds into its run: without this slack a page
# due "every hour" would be asked every 90 minutes by a 30-minute watch.
SLACK = timedelta(minutes=5)


@dataclass(frozen=True)
class DiscoveryPolicy:
    """How often to ask for a listing or feed, from its language and how long its entries have not changed."""

    primary_tiers: tuple[tuple[timedelta, timedelta], ...] = PRIMARY_TIERS
    primary_quiet: timedelta = PRIMARY_QUIET
    other_tiers: tuple[tuple[timedelta, timedelta], ...] = OTHER_TIERS
    other_quiet: timedelta = OTHER_QUIET
    primary_langs: tuple[str, ...] = PRIMARY_LANGS
    gone_interval: timedelta = DEFAULT_GONE_INTERVAL

    def interval(self, lang: str | None, unchanged_for: timedelta) -> timedelta:
        primary = lang in self.primary_langs
        for limit, every in (self.primary_tiers if primary else self.other_tiers):
            if unchanged_for < limit:
                return every
        return self.primary_quiet if primary else self.other_quiet


ALL = DiscoveryPolicy(primary_tiers=(), primary_quiet=timedelta(0), other_tiers=(), other_quiet=timedelta(0),
                      gone_interval=timedelta(0))
POLICIES = {"adaptive": DiscoveryPolicy(), "all": ALL}


def parse_discovery_policy(text: str) -> DiscoveryPolicy:
    """'adaptive' (the default: quiet pages less often) or 'all' (every listing and feed on every run)."""
    try:
        return POLICIES[text.strip()]
    except KeyError:
        raise ValueError(f"discovery must be one of {', '.join(POLICIES)}, not {text!r}") from None


def index_page_states(db: sqlite_utils.Database, *, now: datetime | None = None,
                      policy: DiscoveryPolicy = DiscoveryPolicy()) -> list[dict[str, Any]]:
    """Every listing and feed the store knows: path, lang, last outcome, its interval and whether it is due.

    A page whose last answer was an error, a challenge or a timeout is always due (interval None): only a
    page read successfully (or a 404, which is asked again after `gone_interval`) can wait.
    """
    now = now or datetime.now(timezone.utc)
    rows = db.conn.execute(
        "SELECT path, page_type, lang, last_outcome, last_fetched_at, last_changed_at, first_fetched_at"
        " FROM index_pages ORDER BY path").fetchall()
    # Quiet Russian listings may wait only because the Russian feed shows what they would: while no such
    # feed answers (404, the anti-bot page instead of RSS), every Russian listing is asked on every run.
    feed_works = any(page_type == "feed" and lang in policy.primary_langs and outcome == "ok"
                     for _, page_type, lang, outcome, *_ in rows)
    states: list[dict[str, Any]] = []
    for path, page_type, lang, outcome, fetched, changed, first in rows:
        last = parse_timestamp(fetched)
        interval: timedelta | None = None
        if outcome == "gone":
            interval = policy.gone_interval
        elif outcome in ("ok", "not_modified"):
            interval = policy.interval(lang, now - (parse_timestamp(changed) or parse_timestamp(first) or now))
            if not feed_works and page_type == "listing" and lang in policy.primary_langs:
                interval = timedelta(0)
        due = last is None or interval is None or interval == timedelta(0) \
            or now - last >= interval - min(SLACK, interval / 10)
        states.append({"path": path, "page_type": page_type, "lang": lang, "outcome": outcome,
                       "last_fetched_at": fetched, "last_changed_at": changed, "interval": interval, "due": due})
    return states


def index_pages_not_due(db: sqlite_utils.Database, *, now: datetime | None = None,
                        policy: DiscoveryPolicy = DiscoveryPolicy()) -> list[str]:
    """Paths (with query) of listings and feeds this run does not need to ask for."""
    return [state["path"] for state in index_page_states(db, now=now, policy=policy) if not state["due"]]
