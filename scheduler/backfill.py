"""One `crawl backfill`: open a run, crawl its parts one child each (one host each), detect, close the run.

The parts, in order: the web archive's index (statement URLs, with `--source web-archive`), the site (every
listing page, the statements queued, their translations and links), and the web archive's captures (with
`--captures`). Each part takes from the store what is left to do, so the same command after a kill, a Ctrl-C or
a time limit continues where the last one stopped. The statements a backfill finds are the archive's past: their
`new` changes are recorded as the database's fill, never announced; edits found in captures are `edited` changes
like any other (scheduler/detect_captures.py).
"""
from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable

from scheduler.cycle import CycleError, open_for_run, unwritable
from scheduler.detect import DeletionRule, detect_changes
from scheduler.detect_captures import detect_capture_changes
from scheduler.divergence.findings import Config as DivergenceConfig
from store.backfill import mark_news_as_fill
from store.backfill_request import DEFAULT_SOURCES, BackfillSpec, BadSpec
from store.changes import mark_initial_fill
from store.crawl_request import BadRequest, CrawlRequest
from store.db import open_db
from store.exit_codes import ExitCode
from store.runs import close_orphaned_runs, finish_run, start_run
from store.search import COMPACT_AFTER_VERSIONS, compact_index
from store.sql import rollback

# What each part does, as the progress line names it.
PHASE_LABELS = {"index": "web archive index", "site": "site", "captures": "web archive captures"}


@dataclass
class BackfillSettings:
    """A backfill: the crawl request's fields (site, base_url, sections, langs, since, politeness, WARC) and the
    backfill's own (sources, until, captures, cdx_url)."""

    crawl: dict[str, Any] = field(default_factory=dict)
    spec: dict[str, Any] = field(default_factory=dict)
    time_limit: float | None = None
    divergence: DivergenceConfig = field(default_factory=DivergenceConfig)


@dataclass
class BackfillResult:
    """The closed run (its row), the parts that ran, the exit status, and what went wrong on the side."""

    run: dict[str, Any]
    exit_code: int
    phases: list[str] = field(default_factory=list)
    capture_edits: int = 0
    warnings: list[str] = field(default_factory=list)


def backfill_request(db_path: str, settings: BackfillSettings, phase: str = "site") -> CrawlRequest:
    """The crawl request of one part, validated (run id 0 until the run is opened); CycleError if it is bad."""
    crawl = dict(settings.crawl)
    spec = dict(settings.spec)
    if not spec.get("sources"):
        spec["sources"] = DEFAULT_SOURCES[crawl.get("site") or "mid.ru"]
    try:
        request = CrawlRequest(db=db_path, run_id=0, recheck="none", discovery="all",
                               backfill=BackfillSpec.from_dict({**spec, "phase": phase}), **crawl).validate()
    except (BadRequest, BadSpec, TypeError) as exc:
        raise CycleError(str(exc), ExitCode.USAGE) from None
    return request


def phases(request: CrawlRequest) -> list[tuple[str, str]]:
    """(part, the one host it talks to) of a backfill, in order."""
    spec = request.backfill
    assert spec is not None
    out = []
    if "web-archive" in spec.sources:
        out.append(("index", spec.archive_origin))
    out.append(("site", request.target))
    if spec.captures:
        out.append(("captures", spec.archive_origin))
    return out


def run_backfill(db_path: str, settings: BackfillSettings, *,
                 on_phase: Callable[[str, int], None] | None = None) -> BackfillResult:
    """Run a backfill and close its run; CycleError when it cannot start or cannot be recorded. `on_phase(part,
    run id)` is told each part as it begins (the progress line)."""
    from scheduler.crawl_process import run_crawl

    request = backfill_request(db_path, settings)
    db = open_for_run(db_path)
    try:
        try:
            close_orphaned_runs(db)
            run_id = start_run(db, command="backfill", base_url=request.target,
                               options={**request.options(), "backfill": settings.spec}, owner_pid=os.getpid())
        except sqlite3.OperationalError as exc:
            raise CycleError(unwritable(db_path, exc), ExitCode.FATAL) from None
        deadline = None if settings.time_limit is None else time.monotonic() + settings.time_limit
        ran, crawl_result = [], None
        for phase, host in phases(request):
            if on_phase is not None:
                on_phase(phase, run_id)
            assert request.backfill is not None
            # The web archive's index and raw captures are an API made for this use, asked without its robots.txt
            # (which is about crawlers of its archived pages); the delay, retries and Retry-After still apply.
            part = replace(request, run_id=run_id, base_url=host, backfill=replace(request.backfill, phase=phase),
                           ignore_robots=request.ignore_robots or phase != "site")
            left = None if deadline is None else max(1.0, deadline - time.monotonic())
            crawl_result = run_crawl(part, time_limit=left, quiet=True)
            ran.append(phase)
            if crawl_result.returncode or crawl_result.interrupted or crawl_result.timed_out:
                break
        return _close(db, run_id, settings, crawl_result, ran)
    finally:
        db.conn.close()


def _close(db: Any, run_id: int, settings: BackfillSettings, crawl: Any, ran: list[str]) -> BackfillResult:
    """Detect what the backfill found (new statements, edits in captures), and close its run."""
    from scheduler.divergence.evaluate import after_run

    warnings: list[str] = []
    detect_changes(db, run_id, DeletionRule())
    edits = len(detect_capture_changes(db, run_id))
    try:
        after_run(db, run_id, settings.divergence)
    except Exception as exc:  # noqa: BLE001 - a divergence problem must never lose the backfill's changes
        rollback(db)
        warnings.append(f"cross-language divergence check failed: {type(exc).__name__}: {exc}")
    mark_news_as_fill(db, run_id)
    mark_initial_fill(db, run_id)
    if crawl is None:
        status, message, code = "ok", None, ExitCode.OK
    elif crawl.timed_out:
        status, message, code = ("interrupted", f"stopped at the time limit of {settings.time_limit:.0f}s; run the"
                                 " same command to continue", crawl.returncode or ExitCode.TIME_LIMIT)
    elif crawl.interrupted:
        status, message, code = ("interrupted", "interrupted by a signal; run the same command to continue",
                                 crawl.returncode or ExitCode.INTERRUPTED)
    elif crawl.returncode:
        status, message, code = "failed", f"crawler exited with code {crawl.returncode}", crawl.returncode
    else:
        status, message, code = "ok", None, ExitCode.OK
    row = finish_run(db, run_id, status, message)
    if (row.get("versions_new") or 0) >= COMPACT_AFTER_VERSIONS:
        try:
            compact_index(db)
        except sqlite3.OperationalError as exc:  # only size and speed are at stake: the backfill stands
            warnings.append(f"could not compact the search index: {exc}")
    return BackfillResult(row, code, ran, edits, warnings)


def summary_line(db_path: str, result: BackfillResult, site: str) -> str:
    """The one line a backfill ends with."""
    from store.backfill import queue_counts
    from store.captures import run_capture_counts

    store = open_db(db_path, readonly=True)
    try:
        queue = queue_counts(store, site)
        captures = run_capture_counts(store, result.run["id"])
    finally:
        store.conn.close()
    run = result.run
    parts = [f"backfill run {run['id']} {run['status']}: {run['pages_fetched']} requests",
             f"{run['statements_new']} new statements ({run['variants_new']} language variants)",
             f"{queue['pending']} waiting, {queue['gone']} gone, {queue['failed']} given up"]
    if "captures" in result.phases:
        parts.append(f"captures: {captures['read']} read, {_n(captures['new_texts'], 'earlier text')},"
                     f" {captures['refused']} without a page; {_n(result.capture_edits, 'edit')} found in them")
    parts.append(f"errors: {run['errors']}, challenge pages: {run['challenge_pages']}")
    if run.get("robots_skipped"):
        parts.append(f"{run['robots_skipped']} URLs forbidden by robots.txt")
    line = "; ".join(parts)
    if run.get("message"):
        line += f" ({run['message']})"
    return line


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
