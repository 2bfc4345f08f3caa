"""The reading room's start page: this week's substantive changes, search, charts, and what needs a look."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlite_utils
from markupsafe import Markup

from scheduler.reading_room import charts
from scheduler.reading_room.cache import memo
from scheduler.reading_room.templating import now_utc, render
from store import reading_room as rr
from store.charts import newest_months

CHART_MONTHS = 24


def context(db: sqlite_utils.Database, links: Any, *, days: int = 7, live: bool = False,
            refresh: bool = False) -> dict[str, Any]:
    """What the start page shows; ``days`` is how far back "this week" reaches. ``live`` (a server) may show
    charts computed before the last crawl while they are recomputed; ``refresh`` recomputes them."""
    cached = {"stale_ok": live, "refresh": refresh}
    now = now_utc()
    since = (now - timedelta(days=days)).replace(microsecond=0).isoformat()
    touched = rr.changes_since(db, since, ("edited", "flapping", "deleted", "restored"))
    substantive = [c for c in touched if not c["cosmetic"]]
    cosmetic = [c for c in touched if c["cosmetic"]]
    new = rr.changes_since(db, since, ("new",), limit=30)
    new_count, new_statements = rr.count_changes_since(db, since, "new")
    # The charts end at the archive's newest month, so an archive of older statements still shows them.
    newest_published, newest_change = newest_months(db)
    this_month = f"{now:%Y-%m}"
    months = charts.months_back(newest_published or this_month, CHART_MONTHS)
    change_months = charts.months_back(newest_change or this_month, CHART_MONTHS)
    delays = memo(db, f"delays:{months[0]}", lambda d: charts.delay_summary(d, months[0]), **cached)
    return {
        "links": links, "days": days, "since": since, "substantive": substantive, "cosmetic": cosmetic,
        "new": new, "new_count": new_count, "new_statements": new_statements,
        "deleted": rr.deleted_statements(db), "divergences": rr.open_divergences(db),
        "missing": rr.missing_translations(db),
        "chart_statements": Markup(memo(db, f"statements:{months[-1]}", lambda d: charts.statements_chart(d, months),
                                        **cached)),
        "chart_changes": Markup(memo(db, f"changes:{change_months[-1]}",
                                     lambda d: charts.changes_chart(d, change_months), **cached)),
        "chart_delays": Markup(charts.delays_chart(delays)), "delays": delays, "months": months,
    }


def render_start(db: sqlite_utils.Database, links: Any, *, live: bool = False) -> str:
    return render("start.html", **context(db, links, live=live))


def warm(db: sqlite_utils.Database) -> None:
    """Compute what the start page and the filter forms keep, where the archive changed since (the plugin's
    warmer calls it at start-up and every WARM_EVERY seconds; nothing is recomputed when nothing changed)."""
    from store.change_list import filter_choices

    context(db, None)
    memo(db, "filter_choices", filter_choices)
