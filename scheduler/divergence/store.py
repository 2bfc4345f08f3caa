"""Keep the `divergences` table in step with the archive: open, update and resolve findings idempotently."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable

import sqlite_utils

from scheduler.divergence.findings import Config, Finding, evaluate_statement
from store.sql import transaction
from store.timestamps import utcnow


@dataclass
class Outcome:
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


def load_histories(db: sqlite_utils.Database, sid: str) -> tuple[dict[str, list[dict[str, Any]]], list[str]]:
    """lang -> every version of each *active* variant (oldest first); and every language ever archived."""
    conn = db.conn
    langs = conn.execute("SELECT lang, status FROM variants WHERE statement_id=? ORDER BY lang", (sid,)).fetchall()
    histories: dict[str, list[dict[str, Any]]] = {}
    for lang, status in langs:
        if status != "active":
            continue
        rows = conn.execute(
            "SELECT version, title, paragraphs, captured_at, run_id, rederived FROM versions"
            " WHERE statement_id=? AND lang=? ORDER BY version", (sid, lang)).fetchall()
        if rows:
            histories[lang] = [{"version": r[0], "title": r[1], "paragraphs": json.loads(r[2]), "captured_at": r[3],
                                "run_id": r[4], "rederived": r[5]} for r in rows]
    return histories, [lang for lang, _ in langs]


def evaluate(db: sqlite_utils.Database, sid: str, config: Config = Config(),
             now: datetime | str | None = None) -> list[Finding]:
    """The findings that hold now for one statement (nothing is written)."""
    row = db.conn.execute("SELECT kind, published_at, first_seen_at FROM statements WHERE id=?", (sid,)).fetchone()
    if row is None:
        return []
    statement = {"kind": row[0], "published_at": row[1], "first_seen_at": row[2]}
    histories, all_langs = load_histories(db, sid)
    return evaluate_statement(statement, histories, _now(now), config, all_langs)


def sync_statement(db: sqlite_utils.Database, sid: str, findings: list[Finding],
                   now: datetime | str | None = None) -> Outcome:
    """Write the findings of one statement: insert new ones, refresh open ones, resolve those gone."""
    stamp = _now(now)
    out = Outcome(evaluated=1)
    conn = db.conn
    with transaction(db):
        open_rows = {
            (r[1], r[2], r[3], r[4]): r[0] for r in conn.execute(
                "SELECT id, lang_a, lang_b, kind, key FROM divergences WHERE statement_id=? AND resolved_at IS NULL",
                (sid,)).fetchall()}
        seen: set[tuple[str, str, str, str]] = set()
        for f in findings:
            ident = f.identity()
            if ident in seen:
                continue
            seen.add(ident)
            detail = json.dumps(f.detail, ensure_ascii=False, sort_keys=True)
            if ident in open_rows:
                cur = conn.execute(
                    "UPDATE divergences SET summary=?, detail=?, confidence=?, version_a=?, version_b=?, updated_at=?"
                    " WHERE id=? AND (summary IS NOT ? OR detail IS NOT ? OR confidence IS NOT ? OR version_a IS NOT ?"
                    " OR version_b IS NOT ?)",
                    (f.summary, detail, f.confidence, f.version_a, f.version_b, stamp, open_rows[ident],
                     f.summary, detail, f.confidence, f.version_a, f.version_b))
                out.updated += cur.rowcount
                continue
            cur = conn.execute(
                "INSERT INTO divergences (statement_id, lang_a, lang_b, kind, key, summary, detail, confidence,"
                " version_a, version_b, detected_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (sid, f.lang_a, f.lang_b, f.kind, f.key, f.summary, detail, f.confidence, f.version_a, f.version_b,
                 stamp, stamp))
            out.opened.append(int(cur.lastrowid))
        for ident, row_id in open_rows.items():
            if ident not in seen:
                conn.execute("UPDATE divergences SET resolved_at=? WHERE id=?", (stamp, row_id))
                out.resolved.append(row_id)
    return out


def reevaluate(db: sqlite_utils.Database, statement_ids: Iterable[str], config: Config = Config(),
               now: datetime | str | None = None) -> Outcome:
    """Re-evaluate statements and write the result; idempotent (a second call changes nothing)."""
    total = Outcome()
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
    conn = db.conn
    out: set[str] = set()
    if run_id is None:
        return {r[0] for r in conn.execute("SELECT id FROM statements")}
    out |= {r[0] for r in conn.execute("SELECT DISTINCT statement_id FROM versions WHERE run_id=?", (run_id,))}
    out |= {r[0] for r in conn.execute("SELECT DISTINCT statement_id FROM divergences WHERE resolved_at IS NULL")}
    # Edits made after another language appeared, recent enough that their delay may just have run out.
    horizon = (datetime.fromisoformat(_now(now)) - config.edit_delay - timedelta(days=30)).isoformat()
    out |= {r[0] for r in conn.execute(
        "SELECT DISTINCT x.statement_id FROM versions x WHERE x.version > 1 AND x.rederived = 0 AND x.captured_at >= ?"
        " AND EXISTS (SELECT 1 FROM variants y WHERE y.statement_id = x.statement_id AND y.lang <> x.lang)",
        (horizon,))}
    kinds = tuple(config.translated_kinds) or ("",)
    out |= {r[0] for r in conn.execute(
        f"SELECT s.id FROM statements s WHERE s.kind IN ({','.join('?' * len(kinds))})"
        " AND (SELECT count(*) FROM variants v WHERE v.statement_id = s.id) = 1", kinds)}
    return out


def record_changes(db: sqlite_utils.Database, opened: Iterable[int] = (), resolved: Iterable[int] = (),
                   run_id: int | None = None, *, backlog: bool = True) -> list[int]:
    """Put divergences into `changes` (kinds `divergence` / `divergence_resolved`) so sinks emit them.

    The change row carries the original's language (`lang_a`, whose variant always exists) so that sinks
    show its title and URL; the summary names both languages.

    Only called when emitting divergences is switched on. With ``backlog`` every open divergence that
    was never put there is added too (switching the option on later still reports what is open).
    """
    conn = db.conn
    opened_ids = set(opened)
    if backlog:
        opened_ids |= {r[0] for r in conn.execute(
            "SELECT id FROM divergences d WHERE resolved_at IS NULL AND NOT EXISTS"
            " (SELECT 1 FROM changes c WHERE c.key = 'divergence:' || d.id)")}
    written: list[int] = []
    stamp = utcnow()
    with transaction(db):
        for did, kind, prefix in ([(i, "divergence", "divergence:") for i in sorted(opened_ids)]
                                  + [(i, "divergence_resolved", "divergence-resolved:") for i in sorted(set(resolved))]):
            row = conn.execute("SELECT statement_id, lang_a, lang_b, kind, summary, version_a FROM divergences"
                               " WHERE id=?", (did,)).fetchone()
            if row is None:
                continue
            if kind == "divergence_resolved" and not conn.execute(
                    "SELECT 1 FROM changes WHERE key=?", (f"divergence:{did}",)).fetchone():
                continue  # never announced, so no need to announce that it ended
            sid, la, lb, dkind, summary, va = row
            text = f"{la}/{lb} {dkind}: {summary}" if kind == "divergence" else f"resolved {la}/{lb} {dkind}: {summary}"
            cur = conn.execute(
                "INSERT OR IGNORE INTO changes (key, statement_id, lang, kind, cosmetic, from_version, to_version,"
                " detected_at, run_id, summary, diff) VALUES (?,?,?,?,0,NULL,?,?,?,?,NULL)",
                (f"{prefix}{did}", sid, la, kind, va, stamp, run_id, text))
            if cur.rowcount:
                written.append(int(cur.lastrowid))
    return written


def after_run(db: sqlite_utils.Database, run_id: int | None, config: Config = Config(), *,
              emit: bool = False, now: datetime | str | None = None) -> Outcome:
    """Re-evaluate what a run may have changed; with ``emit``, queue the news for the sinks."""
    outcome = reevaluate(db, candidates(db, run_id, config, now), config, now)
    if emit:
        record_changes(db, outcome.opened, outcome.resolved, run_id)
    return outcome
