"""Evaluate statements for divergences and keep the `divergences` table in step: open, update and resolve
findings idempotently after each run, and queue the news for the sinks when asked."""
from __future__ import annotations

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
    divergence_news,
    insert_divergence,
    open_divergence_ids,
    resolve_divergence,
    single_language_statements,
    statement_row,
    statements_edited_since,
    statements_versioned_in_run,
    statements_with_open_divergences,
    unannounced_open_divergences,
    update_divergence,
)
from store.sql import transaction
from store.timestamps import utcnow


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
    statement = statement_row(db, sid)
    if statement is None:
        return []
    histories, all_langs = active_histories(db, sid)
    return evaluate_statement(statement, histories, _now(now), config, all_langs)


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
    """Re-evaluate statements and write the result; idempotent (a second call changes nothing)."""
    total = SyncResult()
    stamp = _now(now)
    for sid in sorted(set(statement_ids)):
        o = sync_statement(db, sid, evaluate(db, sid, config, stamp), stamp)
        total.evaluated += 1
        total.opened += o.opened
        total.resolved += o.resolved
        total.updated += o.updated
    return total


def candidates(db: sqlite_utils.Database, run_id: int | None, config: Config = Config(),
               now: datetime | str | None = None) -> set[str]:
    """Statements to re-evaluate after a run: those with a new version in it, those with open findings,
    those with an edit whose delay may have run out since, and ru-only statements of translated kinds."""
    if run_id is None:
        return all_statement_ids(db)
    out = statements_versioned_in_run(db, run_id)
    out |= statements_with_open_divergences(db)
    # Edits made after another language appeared, recent enough that their delay may just have run out.
    horizon = (datetime.fromisoformat(_now(now)) - config.edit_delay - timedelta(days=30)).isoformat()
    out |= statements_edited_since(db, horizon)
    out |= single_language_statements(db, config.translated_kinds)
    return out


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
    if emit:
        record_changes(db, outcome.opened, outcome.resolved, run_id)
    return outcome
