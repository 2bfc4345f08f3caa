"""What `crawl status` shows: the last runs, the archive's size, what is due next and what keeps failing."""
from __future__ import annotations

from typing import Any

import sqlite_utils

from store.runs import finished_run_pages, last_runs, refused_answers
from store.variants import archive_counts, awaiting_confirmation, awaiting_deletion, failing_variants


def _table(rows: list[list[Any]], header: list[str]) -> str:
    cells = [header] + [["" if v is None else str(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _due_lines(db: sqlite_utils.Database) -> list[str]:
    """How many re-checks are due now and soon, under the policy the last crawl planned with (the default if none)."""
    from datetime import datetime, timedelta, timezone

    from store.recheck import RecheckPolicy, due_counts, recorded_policy

    # The stored times are that policy's: under another one every variant's time would be worked out anew.
    policy = recorded_policy(db) or RecheckPolicy()
    # Up to a day ahead: a week would read a tenth of a large archive's variants (0.8 s at 400,000) for a figure
    # nobody acts on.
    counts = due_counts(db, [timedelta(0), timedelta(hours=1), timedelta(days=1)], now=datetime.now(timezone.utc),
                        policy=policy)
    if not any(counts):
        return []
    now_n, hour, day = counts
    name = "default policy" if policy == RecheckPolicy() else "the last crawl's --policy"
    return ["", f"Re-checks ({name}): {now_n} due now, {hour} within the hour, {day} within a day"]


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
    out: list[str] = ["Last runs"]
    runs = last_runs(db, n_runs)
    out.append(_table([list(r.values()) for r in runs],
                      ["run", "cmd", "status", "started", "finished", "pages", "versions", "edited", "deleted",
                       "restored", "errors", "challenges", "browser", "robots", "note"]) if runs else "  (no runs yet)")
    counts = archive_counts(db)
    stmts = counts["statements"]
    out += ["", f"Archive: {stmts.get('active', 0)} active and {stmts.get('deleted', 0)} deleted statements, "
                f"{counts['versions']} versions"]
    if counts["by_lang"]:
        out.append("  variants by language: " + ", ".join(f"{lang} {n}" + (f" ({d} deleted)" if d else "")
                                                      for lang, n, d in counts["by_lang"]))
    if runs:
        refused = refused_answers(db, runs[0]["id"])
        if refused:
            out.append(f"  run {runs[0]['id']}: answers that were not content: "
                       + ", ".join(f"{outcome} {n}" for outcome, n in refused))
    out += _due_lines(db)
    out += _discovery_lines(db)
    held = awaiting_confirmation(db)
    if held:
        out += ["", f"Edits pending, awaiting a confirming fetch ({len(held)}):"]
        out += [f"  {sid} [{lang}] version {v}: to be fetched again from {after}" for sid, lang, v, after in held[:20]]
    pending = awaiting_deletion(db)
    if pending:
        out += ["", f"Possibly deleted, awaiting confirmation ({len(pending)}):"]
        out += [f"  {sid} [{lang}] last answered 'gone' at {ts}" for sid, lang, ts in pending[:20]]
    failing = failing_variants(db, failing_after)
    if failing:
        out += ["", "Failing repeatedly:"]
        out += [f"  {sid} [{lang}] {n} checks in a row: {outcome} (last {ts})" for sid, lang, n, outcome, ts in failing]
    # The anti-bot page answering whole runs: reported once, as a streak, not per run.
    streak = 0
    for challenges, pages in finished_run_pages(db):
        if not (pages and challenges >= pages):
            break
        streak += 1
    if streak:
        out += ["", f"The site answered only the anti-bot page in the last {streak} run(s)."]
    return "\n".join(out)
