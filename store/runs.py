"""Runs: open one, close it with its counts, close the runs of processes that died, read them back."""
from __future__ import annotations

import json
import os
from typing import Any, Mapping

import sqlite_utils

from store.outcomes import ERROR_OUTCOMES, TRANSIENT_OUTCOMES, Outcome, values
from store.sql import dict_rows, in_list, scalar, transaction
from store.timestamps import utcnow

RUN_STATUSES = ("running", "ok", "failed", "interrupted")


def start_run(db: sqlite_utils.Database, *, command: str, base_url: str | None,
              options: Mapping[str, Any] | None = None, owner_pid: int | None = None,
              now: str | None = None) -> int:
    """Insert a run row in state 'running' and return its id; `owner_pid` is the process that will close it."""
    with transaction(db):
        cur = db.conn.execute(
            "INSERT INTO runs (started_at, status, command, base_url, options, owner_pid, owner_token)"
            " VALUES (?, 'running', ?, ?, ?, ?, ?)",
            (now or utcnow(), command, base_url, json.dumps(dict(options or {}), ensure_ascii=False, default=str),
             owner_pid, process_token(owner_pid) if owner_pid else None),
        )
    return int(cur.lastrowid)


def process_token(pid: int) -> str | None:
    """'<boot id>:<start time>' of a live process (Linux), None where that cannot be read: a pid the system
    gave to another process since, or one from before a reboot, has another token."""
    try:
        with open("/proc/sys/kernel/random/boot_id") as fh:
            boot = fh.read().strip()
        with open(f"/proc/{pid}/stat") as fh:
            # the command name (field 2) may hold spaces and parentheses: count fields after its last ')'
            started = fh.read().rpartition(")")[2].split()[19]
    except (OSError, IndexError):
        return None
    return f"{boot}:{started}"


def owner_alive(pid: int, token: str | None) -> bool:
    """Whether the process that owns a run still runs (the same process, not another one with its pid)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    if token is None:
        return True
    current = process_token(pid)
    return current is None or current == token


def close_orphaned_runs(db: sqlite_utils.Database) -> list[int]:
    """Close runs left 'running' by a process that no longer exists (killed, crashed, machine restarted).

    Their pages are already stored (each page is atomic) and detection picks up their versions and
    answers; only the run row was never finished. Runs without a recorded owner are left alone.
    """
    closed = []
    for run_id, pid, token in db.conn.execute(
            "SELECT id, owner_pid, owner_token FROM runs WHERE status='running' AND owner_pid IS NOT NULL").fetchall():
        if not owner_alive(int(pid), token):
            finish_run(db, int(run_id), "interrupted", "the process running it died (killed or crashed)")
            closed.append(int(run_id))
    return closed


def run_counts(db: sqlite_utils.Database, run_id: int) -> dict[str, int]:
    """What a run fetched and wrote, counted from the tables (so the counts never drift)."""
    q = db.conn.execute
    errors, error_values = in_list(values(ERROR_OUTCOMES))
    return {
        "pages_fetched": scalar(q("SELECT count(*) FROM fetches WHERE run_id=? AND outcome<>?",
                                  (run_id, Outcome.ROBOTS.value)), 0),
        "bytes_fetched": scalar(q("SELECT coalesce(sum(bytes),0) FROM fetches WHERE run_id=?", (run_id,)), 0),
        "not_modified": scalar(q("SELECT count(*) FROM fetches WHERE run_id=? AND outcome=?",
                                 (run_id, Outcome.NOT_MODIFIED.value)), 0),
        "statements_new": scalar(q(
            "SELECT count(DISTINCT statement_id) FROM versions v WHERE run_id=? AND version=1 AND NOT EXISTS"
            " (SELECT 1 FROM versions w WHERE w.statement_id=v.statement_id AND w.run_id<>v.run_id)", (run_id,)), 0),
        "variants_new": scalar(q("SELECT count(*) FROM versions WHERE run_id=? AND version=1", (run_id,)), 0),
        "versions_new": scalar(q("SELECT count(*) FROM versions WHERE run_id=? AND rederived=0", (run_id,)), 0),
        "edited": scalar(q("SELECT count(*) FROM changes WHERE run_id=? AND kind='edited'", (run_id,)), 0),
        "deleted": scalar(q("SELECT count(*) FROM changes WHERE run_id=? AND kind='deleted'", (run_id,)), 0),
        "restored": scalar(q("SELECT count(*) FROM changes WHERE run_id=? AND kind='restored'", (run_id,)), 0),
        "errors": scalar(q(f"SELECT count(*) FROM fetches WHERE run_id=? AND outcome IN {errors}",
                           (run_id, *error_values)), 0),
        "challenge_pages": scalar(q("SELECT count(*) FROM fetches WHERE run_id=? AND outcome=?",
                                    (run_id, Outcome.CHALLENGE.value)), 0),
        "robots_skipped": scalar(q("SELECT count(*) FROM fetches WHERE run_id=? AND outcome=?",
                                   (run_id, Outcome.ROBOTS.value)), 0),
        # Pages the browser got past the anti-bot wall: fetched with its cookie or by it, and answered.
        "browser_pages": scalar(q("SELECT count(*) FROM fetches WHERE run_id=? AND via IS NOT NULL AND outcome<>?",
                                  (run_id, Outcome.CHALLENGE.value)), 0),
        "browser_fetched": scalar(q("SELECT count(*) FROM fetches WHERE run_id=? AND via='browser' AND outcome<>?",
                                    (run_id, Outcome.CHALLENGE.value)), 0),
    }


def finish_run(db: sqlite_utils.Database, run_id: int, status: str, message: str | None = None,
               now: str | None = None) -> dict[str, Any]:
    """Close a run: its status, a message, and its counts. Returns the counts with id and status."""
    counts = run_counts(db, run_id)
    with transaction(db):
        sets = ", ".join(f"{k}=?" for k in counts)
        db.conn.execute(f"UPDATE runs SET finished_at=?, status=?, message=?, {sets} WHERE id=?",
                        (now or utcnow(), status, message, *counts.values(), run_id))
    return {"id": run_id, "status": status, "message": message, **counts}


def reachability(db: sqlite_utils.Database, run_id: int) -> tuple[int, int]:
    """(requests that got any HTTP answer, requests that failed to connect or timed out) in a run."""
    fails, fail_values = in_list(values(frozenset({Outcome.CONNECTION_ERROR, Outcome.TIMEOUT})))
    row = db.conn.execute(
        f"SELECT coalesce(sum(http_status IS NOT NULL), 0), coalesce(sum(outcome IN {fails}), 0)"
        " FROM fetches WHERE run_id=?", (*fail_values, run_id)).fetchone()
    return int(row[0]), int(row[1])


def last_runs(db: sqlite_utils.Database, limit: int = 10) -> list[dict[str, Any]]:
    """The newest runs, newest first, with their counts."""
    return dict_rows(db.conn.execute(
        "SELECT id, command, status, started_at, finished_at, pages_fetched, versions_new, edited, deleted,"
        " restored, errors, challenge_pages, browser_pages, robots_skipped, message FROM runs ORDER BY id DESC LIMIT ?",
        (limit,)))


def finished_run_pages(db: sqlite_utils.Database, limit: int = 50) -> list[tuple[int, int]]:
    """(challenge pages, pages fetched) of the newest finished runs, newest first."""
    return [(int(c or 0), int(p or 0)) for c, p in db.conn.execute(
        "SELECT challenge_pages, pages_fetched FROM runs WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT ?",
        (limit,)).fetchall()]


def refused_answers(db: sqlite_utils.Database, run_id: int) -> list[tuple[str, int]]:
    """(outcome, count) of a run's answers that gave no content: errors, refused pages, challenges, newest run."""
    marks, transient = in_list(values(TRANSIENT_OUTCOMES - {Outcome.ROBOTS}))
    return [(o, int(n)) for o, n in db.conn.execute(
        f"SELECT outcome, count(*) FROM fetches WHERE run_id=? AND outcome IN {marks} GROUP BY outcome"
        " ORDER BY count(*) DESC, outcome", (run_id, *transient)).fetchall()]
