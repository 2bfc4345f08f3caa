"""One crawl cycle, for `run`, `watch` and `demo`: open a run, crawl it, detect, check divergences, emit, close."""
from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass, field, replace
from typing import Any

from scheduler.detect import DeletionRule, detect_changes
from scheduler.divergence.findings import Config as DivergenceConfig
from scheduler.edit_rules import EditRules
from store.changes import mark_initial_fill
from store.crawl_request import BadRequest, CrawlRequest
from store.db import StoreError, open_db
from store.exit_codes import ExitCode
from store.recheck import RecheckPolicy, parse_policy, store_next_checks
from store.runs import close_orphaned_runs, finish_run, reachability, start_run
from store.health import DatabaseDamaged, damaged_message, ensure_sound, is_damage
from store.sql import rollback
from store.timestamps import parse_timestamp


@dataclass
class CycleSettings:
    """Everything a cycle needs besides the database: the crawl, and what to do with what it found."""

    crawl: dict[str, Any] = field(default_factory=dict)   # CrawlRequest fields other than db and run_id
    workers: int = 1                                       # crawler processes sharing the work
    time_limit: float | None = None                        # seconds before the crawl is killed
    deletion: DeletionRule = field(default_factory=DeletionRule)
    edits: EditRules = field(default_factory=EditRules)
    divergence: DivergenceConfig = field(default_factory=DivergenceConfig)
    emit_divergences: bool = False
    atom: str | None = None
    jsonl: str | None = None
    notify: tuple[str, ...] = ()
    feed_url: str | None = None        # the Atom feed's published address (its self link)
    backlog: bool = False              # sinks also get the changes recorded before they were added
    announce_initial: bool = False     # sinks also get the database's first fill
    site_dir: str | None = None        # the reading room's static site, brought up to date after the run


class CycleError(Exception):
    """A cycle that could not run or could not be recorded; the message is one line for the user."""

    def __init__(self, message: str, exit_code: ExitCode) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass
class CycleResult:
    """The closed run (its row with counts) and the exit status the cycle deserves."""

    run: dict[str, Any]
    exit_code: int
    warnings: list[str] = field(default_factory=list)
    sink_errors: list[str] = field(default_factory=list)   # one line per sink that could not deliver
    crawl_said: bool = False    # the crawl child failed and has written its own error line


def crawl_request(db_path: str, settings: CycleSettings) -> CrawlRequest:
    """The cycle's crawl request, validated (run id 0 until the run is opened); CycleError if it is bad."""
    try:
        return CrawlRequest(db=db_path, run_id=0, **settings.crawl).validate()
    except (BadRequest, TypeError) as exc:
        raise CycleError(str(exc), ExitCode.USAGE) from None


def run_cycle(db_path: str, settings: CycleSettings, *, command: str = "run", quiet: bool = False,
              now: str | None = None) -> CycleResult:
    """Run one cycle and close its run; CycleError when it cannot start or cannot be recorded."""
    from scheduler.crawl_process import run_crawl
    from scheduler.sinks import SinkError, make_sinks, register

    request = crawl_request(db_path, settings)
    db = open_for_run(db_path)
    try:
        try:
            sinks = make_sinks(db, atom=settings.atom, jsonl=settings.jsonl, notify=settings.notify,
                               feed_url=settings.feed_url)
        except SinkError as exc:
            raise CycleError(str(exc), ExitCode.USAGE) from None
        try:
            register(db, sinks, now=now)   # before the crawl: a new sink is owed what this run finds
            close_orphaned_runs(db)
            run_id = start_run(db, command=command, base_url=request.target, options=request.options(),
                               owner_pid=os.getpid(), now=now)
        except sqlite3.OperationalError as exc:
            raise CycleError(unwritable(db_path, exc), ExitCode.FATAL) from None
        result = run_crawl(replace(request, run_id=run_id), workers=settings.workers,
                           time_limit=settings.time_limit, quiet=quiet)
        try:
            return _close(db, run_id, request, settings, result, sinks, now)
        except sqlite3.DatabaseError as exc:
            if not isinstance(exc, sqlite3.OperationalError) and not is_damage(exc):
                raise
            # The store cannot be written (damaged, disk full, I/O error, read-only): the run stays open and the
            # next cycle's detection picks up its versions. If the crawler already said so, its status says it.
            if result.returncode:
                raise CycleError("", result.returncode) from None
            if is_damage(exc):
                raise CycleError(damaged_message(db_path, str(exc)).replace("; nothing was written", ""),
                                 ExitCode.FATAL) from None
            raise CycleError(unwritable(db_path, exc), ExitCode.FATAL) from None
    finally:
        db.conn.close()


def open_for_run(db_path: str) -> Any:
    """The store a run (a cycle, a backfill) writes into, found sound first: nothing is written into a damaged
    file. CycleError (exit status 3) when it cannot be opened or is damaged."""
    try:
        db = open_db(db_path)
    except StoreError as exc:
        raise CycleError(str(exc), ExitCode.FATAL) from None
    try:
        ensure_sound(db, db_path)
    except DatabaseDamaged as exc:
        db.conn.close()
        raise CycleError(str(exc), ExitCode.FATAL) from None
    return db


def unwritable(db_path: str, exc: Exception) -> str:
    """The one line for a store that cannot be written."""
    return f"cannot write the database {db_path}: {exc} (is the disk full, or the file or directory read-only?)"


def _close(db: Any, run_id: int, request: CrawlRequest, settings: CycleSettings, result: Any, sinks: list[Any],
           now: str | None) -> CycleResult:
    """Detect, check divergences, emit and close the run of a finished crawl. A sink that fails leaves the run
    as it is (its changes wait for the next run) but makes the exit status SINK_FAILED."""
    from scheduler.divergence.evaluate import after_run
    from scheduler.sinks import emit

    warnings: list[str] = []
    detect_changes(db, run_id, settings.deletion, edits=settings.edits, now=now)
    try:
        after_run(db, run_id, settings.divergence, emit=settings.emit_divergences, now=now)
    except Exception as exc:  # noqa: BLE001 - a divergence problem must never lose the run's changes
        rollback(db)
        warnings.append(f"cross-language divergence check failed: {type(exc).__name__}: {exc}")
    mark_initial_fill(db, run_id)
    store_next_checks(db, parse_policy(request.policy) if request.policy else RecheckPolicy(),
                      parse_timestamp(now) if now else None)
    status, message, exit_code = _outcome(db, run_id, request, settings, result)
    emission = emit(db, sinks, backlog=settings.backlog, announce_initial=settings.announce_initial, now=now)
    sink_errors = [f"sink {label} failed: {reason}; what it has not had goes out next run"
                   for label, reason in emission.failed.items()]
    if sink_errors and exit_code == ExitCode.OK:
        exit_code = ExitCode.SINK_FAILED
    message = "; ".join(filter(None, [message, *sink_errors])) or None
    row = finish_run(db, run_id, status, message, now=now)
    if settings.site_dir:
        warnings += _update_site(db, settings.site_dir)
    crawl_said = bool(result.returncode) and not (result.timed_out or result.interrupted)
    return CycleResult(row, exit_code, warnings, sink_errors, crawl_said)


def _update_site(db: Any, site_dir: str) -> list[str]:
    """Bring the static reading room up to date (`--site-dir`); a failure is a warning, never a lost run."""
    from scheduler.reading_room.static_site import build_site

    try:
        build_site(db, site_dir)
    except Exception as exc:  # noqa: BLE001 - the run is recorded; the site catches up next run
        return [f"static site {site_dir} not updated: {type(exc).__name__}: {exc}"]
    return []


def _outcome(db: Any, run_id: int, request: CrawlRequest, settings: CycleSettings,
             result: Any) -> tuple[str, str | None, int]:
    """(run status, message, exit status) of a finished crawl."""
    if result.timed_out:
        return ("interrupted", f"stopped at the time limit of {settings.time_limit:.0f}s",
                result.returncode or ExitCode.TIME_LIMIT)
    if result.interrupted:
        return "interrupted", "interrupted by a signal (Ctrl-C or SIGTERM)", result.returncode or ExitCode.INTERRUPTED
    if result.returncode:
        return "failed", f"crawler exited with code {result.returncode}", result.returncode
    reached, failed = reachability(db, run_id)
    if not reached and failed:
        return "failed", f"cannot reach {request.target} ({failed} requests failed to connect)", ExitCode.FATAL
    return "ok", None, ExitCode.OK
