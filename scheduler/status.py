"""What `crawl status` shows: the last runs, the archive's size, what is due next and what keeps failing."""
from __future__ import annotations

from typing import Any

import sqlite_utils


def _table(rows: list[list[Any]], header: list[str]) -> str:
    cells = [header] + [["" if v is None else str(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _due_lines(db: sqlite_utils.Database) -> list[str]:
    """How many re-checks are due now and soon, under the default policy."""
    from datetime import datetime, timedelta, timezone

    from store.recheck import variants_to_recheck

    now = datetime.now(timezone.utc)
    counts = [len(variants_to_recheck(db, "due", now=now + ahead))
              for ahead in (timedelta(0), timedelta(hours=1), timedelta(days=1), timedelta(days=7))]
    if not any(counts):
        return []
    now_n, hour, day, week = counts
    return ["", f"Re-checks (default policy): {now_n} due now, {hour} within the hour, {day} within a day,"
                f" {week} within a week"]


def _discovery_lines(db: sqlite_utils.Database) -> list[str]:
    """How the listings and feeds stand under the adaptive discovery policy, and which ones fail."""
    from store.discovery import index_page_states

    states = index_page_states(db)
    if not states:
        return []
    every_run = sum(1 for s in states if s["interval"] is not None and not s["interval"] and s["outcome"] != "gone")
    gone = sum(1 for s in states if s["outcome"] == "gone")
    failing = [s for s in states if s["interval"] is None]
    waiting = [s for s in states if not s["due"] and s["outcome"] != "gone"]
    out = ["", f"Discovery: {len(states)} listings and feeds; {every_run} asked every run, {len(waiting)} not due"
               f" yet (quiet, or another language's), {gone} answering 404 (asked daily), {len(failing)} failing"
               f" (asked every run)"]
    out += [f"  failing: {s['path']} ({s['outcome']}, {s['last_fetched_at']})" for s in failing[:10]]
    return out


def render_status(db: sqlite_utils.Database, *, n_runs: int = 10, failing_after: int = 3) -> str:
    """A plain-text status report."""
    q = db.conn.execute
    out: list[str] = []
    runs = q("SELECT id, command, status, started_at, finished_at, pages_fetched, versions_new, edited, deleted,"
             " restored, errors, challenge_pages, robots_skipped, message FROM runs ORDER BY id DESC LIMIT ?",
             (n_runs,)).fetchall()
    out.append("Last runs")
    out.append(_table([list(r) for r in runs], ["run", "cmd", "status", "started", "finished", "pages",
                                                "versions", "edited", "deleted", "restored", "errors",
                                                "challenges", "robots", "note"]) if runs else "  (no runs yet)")
    stmts = dict(q("SELECT status, count(*) FROM statements GROUP BY status").fetchall())
    by_lang = q("SELECT lang, count(*), sum(status='deleted') FROM variants GROUP BY lang ORDER BY count(*) DESC").fetchall()
    versions = q("SELECT count(*) FROM versions").fetchone()[0]
    out.append("")
    out.append(f"Archive: {stmts.get('active', 0)} active and {stmts.get('deleted', 0)} deleted statements, "
               f"{versions} versions")
    if by_lang:
        out.append("  variants by language: " + ", ".join(f"{l} {n}" + (f" ({d} deleted)" if d else "")
                                                      for l, n, d in by_lang))
    out += _due_lines(db)
    out += _discovery_lines(db)
    pending = q("SELECT statement_id, lang, last_checked_at FROM variants WHERE status='active' AND last_outcome='gone'"
                " ORDER BY last_checked_at").fetchall()
    if pending:
        out.append("")
        out.append(f"Possibly deleted, awaiting confirmation ({len(pending)}):")
        out += [f"  {sid} [{lang}] last answered 'gone' at {ts}" for sid, lang, ts in pending[:20]]
    failing = q("SELECT statement_id, lang, failures, last_outcome, last_checked_at FROM variants"
                " WHERE failures >= ? ORDER BY failures DESC LIMIT 20", (failing_after,)).fetchall()
    if failing:
        out.append("")
        out.append("Failing repeatedly:")
        out += [f"  {sid} [{lang}] {n} checks in a row: {outcome} (last {ts})" for sid, lang, n, outcome, ts in failing]
    # The anti-bot page answering whole runs: reported once, as a streak, not per run.
    streak = 0
    for (challenges, pages) in q("SELECT challenge_pages, pages_fetched FROM runs WHERE finished_at IS NOT NULL"
                                 " ORDER BY id DESC LIMIT 50").fetchall():
        if pages and challenges >= pages:
            streak += 1
        else:
            break
    if streak:
        out.append("")
        out.append(f"The site answered only the anti-bot page in the last {streak} run(s).")
    return "\n".join(out)
