"""Evaluate statements for divergences and keep the `divergences` table in step: open, update and resolve
findings idempotently after each run, and queue the news for the sinks when asked."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable, Mapping, Sequence

import sqlite_utils

from scheduler.divergence.findings import Config, Finding, compare_pair
from scheduler.divergence.history import edit_not_propagated, missing_translation
from store.changes import change_exists, insert_change
from store.divergences import (
    active_histories,
    all_statement_ids,
    change_key,
    change_marks,
    divergence_news,
    insert_divergence,
    open_divergence_ids,
    resolve_divergence,
    schedule_statement,
    statement_row,
    statements_due,
    unannounced_open_divergences,
    update_divergence,
)
from store.settings import get_setting, set_setting
from store.sql import transaction
from store.timestamps import to_datetime, utcnow

# Bump when the findings' rules change, so that every statement is evaluated once more under the new ones.
RULES_VERSION = 1
_RULES_KEY = "divergence_rules"


@dataclass
class SyncResult:
    """What a re-evaluation did: statements evaluated, divergences opened and resolved, open ones updated."""

    evaluated: int = 0
    opened: list[int] = field(default_factory=list)
    resolved: list[int] = field(default_factory=list)
    updated: int = 0


def _now(now: datetime | str | None) -> str:
    if now is None:
        return utcnow()
    if isinstance(now, datetime):
        return now.astimezone(timezone.utc).replace(microsecond=0).isoformat()
    return now


def evaluate_statement(statement: Mapping[str, Any], histories: Mapping[str, Sequence[Mapping[str, Any]]],
                       now: datetime | str, config: Config = Config(),
                       all_languages: Sequence[str] | None = None) -> list[Finding]:
    """Every finding for one statement.

    ``histories``: lang -> versions of that active variant (oldest first, each with "paragraphs").
    The original (ru when present) is compared with each other language.
    """
    langs = sorted(histories)
    found: list[Finding] = []
    for f in missing_translation(statement, list(all_languages or langs), now, config):
        f.version_a = histories[f.lang_a][-1]["version"] if f.lang_a in histories else None
        found.append(f)
    if len(langs) < 2:
        return found
    pivot = "ru" if "ru" in histories else langs[0]
    for other in langs:
        if other == pivot:
            continue
        ha, hb = histories[pivot], histories[other]
        va, vb = ha[-1], hb[-1]
        _, content = compare_pair(va["paragraphs"], vb["paragraphs"], pivot, other, threshold=config.threshold)
        edits = (edit_not_propagated(ha, hb, pivot, other, pivot, other, now, config.edit_delay,
                                     threshold=config.threshold)
                 + edit_not_propagated(hb, ha, other, pivot, pivot, other, now, config.edit_delay,
                                       threshold=config.threshold))
        for f in content + edits:
            f.version_a, f.version_b = va["version"], vb["version"]
            found.append(f)
    return found


def evaluate(db: sqlite_utils.Database, sid: str, config: Config = Config(),
             now: datetime | str | None = None) -> list[Finding]:
    """The findings that hold now for one statement (nothing is written)."""
    return _evaluate(db, sid, config, _now(now))[0]


def _evaluate(db: sqlite_utils.Database, sid: str, config: Config, now: str) -> tuple[list[Finding], str | None]:
    """The findings that hold now for one statement, and when they may next change by time alone."""
    statement = statement_row(db, sid)
    if statement is None:
        return [], None
    histories, all_langs = active_histories(db, sid)
    return (evaluate_statement(statement, histories, now, config, all_langs),
            next_deadline(statement, histories, all_langs, now, config))


def next_deadline(statement: Mapping[str, Any], histories: Mapping[str, Sequence[Mapping[str, Any]]],
                  all_languages: Sequence[str], now: datetime | str, config: Config = Config()) -> str | None:
    """The first moment after ``now`` at which a delay runs out and the findings may change with nothing else
    changing (UTC, rounded up to the second), or None: a translation's delay for a translated kind that still
    lacks an expected language, and an edit's delay for every edit of a statement in two languages or more."""
    now_dt = to_datetime(now)
    times = []
    if (statement.get("kind") in config.translated_kinds and "ru" in all_languages
            and any(lang not in all_languages for lang in config.expected_languages if lang != "ru")):
        since = statement.get("published_at") or statement.get("first_seen_at")
        if since:
            times.append(to_datetime(since) + config.translation_delay)
    if len(histories) >= 2:
        times += [to_datetime(v["captured_at"]) + config.edit_delay
                  for history in histories.values() for v in history[1:] if not v.get("rederived")]
    future = [t for t in times if t > now_dt]
    if not future:
        return None
    return (min(future).astimezone(timezone.utc).replace(microsecond=0) + timedelta(seconds=1)).isoformat()


def sync_statement(db: sqlite_utils.Database, sid: str, findings: list[Finding],
                   now: datetime | str | None = None) -> SyncResult:
    """Write the findings of one statement: insert new ones, refresh open ones, resolve those gone."""
    stamp = _now(now)
    out = SyncResult(evaluated=1)
    with transaction(db):
        open_rows = open_divergence_ids(db, sid)
        seen: set[tuple[str, str, str, str]] = set()
        for f in findings:
            ident = f.identity()
            if ident in seen:
                continue
            seen.add(ident)
            if ident in open_rows:
                if update_divergence(db, open_rows[ident], summary=f.summary, detail=f.detail,
                                     confidence=f.confidence, version_a=f.version_a, version_b=f.version_b,
                                     now=stamp):
                    out.updated += 1
                continue
            out.opened.append(insert_divergence(
                db, sid, lang_a=f.lang_a, lang_b=f.lang_b, kind=f.kind, key=f.key, summary=f.summary,
                detail=f.detail, confidence=f.confidence, version_a=f.version_a, version_b=f.version_b, now=stamp))
        for ident, row_id in open_rows.items():
            if ident not in seen:
                resolve_divergence(db, row_id, stamp)
                out.resolved.append(row_id)
    return out


def reevaluate(db: sqlite_utils.Database, statement_ids: Iterable[str], config: Config = Config(),
               now: datetime | str | None = None) -> SyncResult:
    """Re-evaluate statements, write the result and when each is due again; idempotent (a second call changes
    nothing)."""
    total = SyncResult()
    stamp = _now(now)
    ids = sorted(set(statement_ids))
    marks = change_marks(db, ids)
    for sid in ids:
        findings, due = _evaluate(db, sid, config, stamp)
        o = sync_statement(db, sid, findings, stamp)
        schedule_statement(db, sid, due, marks.get(sid, 0))
        total.evaluated += 1
        total.opened += o.opened
        total.resolved += o.resolved
        total.updated += o.updated
    return total


def rules_fingerprint(config: Config) -> str:
    """What the schedule of a database depends on: the rules' version and the settings of the checks."""
    return json.dumps({"rules": RULES_VERSION, "edit_delay": config.edit_delay.total_seconds(),
                       "translation_delay": config.translation_delay.total_seconds(),
                       "translated_kinds": sorted(config.translated_kinds),
                       "expected_languages": sorted(config.expected_languages), "threshold": config.threshold},
                      sort_keys=True)


def candidates(db: sqlite_utils.Database, run_id: int | None, config: Config = Config(),
               now: datetime | str | None = None) -> set[str]:
    """Statements to re-evaluate after a run: those changed since they were last evaluated (a new version, a
    variant deleted or restored) and those whose edit or translation delay has run out. Every statement when
    ``run_id`` is None, or when the rules or delays differ from those the schedule was written with."""
    stored = get_setting(db, _RULES_KEY)
    if run_id is None or (stored is not None and stored != rules_fingerprint(config)):
        return all_statement_ids(db)
    utc = to_datetime(_now(now)).astimezone(timezone.utc).replace(microsecond=0).isoformat()
    return set(statements_due(db, utc))


def record_changes(db: sqlite_utils.Database, opened: Iterable[int] = (), resolved: Iterable[int] = (),
                   run_id: int | None = None, *, backlog: bool = True) -> list[int]:
    """Put divergences into `changes` (kinds `divergence` / `divergence_resolved`) so sinks emit them.

    The change row carries the original's language (`lang_a`, whose variant always exists) so that sinks
    show its title and URL; the summary names both languages.

    Only called when emitting divergences is switched on. With ``backlog`` every open divergence that
    was never put there is added too (switching the option on later still reports what is open).
    """
    opened_ids = set(opened)
    if backlog:
        opened_ids |= unannounced_open_divergences(db)
    written: list[int] = []
    stamp = utcnow()
    with transaction(db):
        for did, kind in ([(i, "divergence") for i in sorted(opened_ids)]
                          + [(i, "divergence_resolved") for i in sorted(set(resolved))]):
            row = divergence_news(db, did)
            if row is None:
                continue
            if kind == "divergence_resolved" and not change_exists(db, change_key("divergence", did)):
                continue  # never announced, so no need to announce that it ended
            la, lb, dkind, summary = row["lang_a"], row["lang_b"], row["kind"], row["summary"]
            text = f"{la}/{lb} {dkind}: {summary}" if kind == "divergence" else f"resolved {la}/{lb} {dkind}: {summary}"
            written += insert_change(db, key=change_key(kind, did), sid=row["statement_id"], lang=la, kind=kind,
                                     from_version=None, to_version=row["version_a"], run_id=run_id, summary=text,
                                     diff=None, now=stamp)
    return written


def after_run(db: sqlite_utils.Database, run_id: int | None, config: Config = Config(), *,
              emit: bool = False, now: datetime | str | None = None) -> SyncResult:
    """Re-evaluate what a run may have changed; with ``emit``, queue the news for the sinks."""
    outcome = reevaluate(db, candidates(db, run_id, config, now), config, now)
    # A database without it (new, or from before the schedule) takes the current rules as those it was checked with.
    if get_setting(db, _RULES_KEY) != rules_fingerprint(config):
        set_setting(db, _RULES_KEY, rules_fingerprint(config))
    if emit:
        record_changes(db, outcome.opened, outcome.resolved, run_id)
    return outcome
