"""The reading room's change list: changes filtered by kind, language, section, speaker, dates and cosmetic."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlite_utils

from store.sql import dict_rows, in_list

# What a reader means by a change: new texts, edits, deletions and restorations (a flapping page is an edit
# reported once). Divergence news, flips and superseded edits have pages of their own or none.
READER_KINDS = ("new", "edited", "flapping", "deleted", "restored")


@dataclass(frozen=True)
class ChangeFilter:
    """The filters of the change list; empty means any."""

    kinds: tuple[str, ...] = ()
    langs: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    speaker: str = ""
    since: str = ""          # detected on or after this day or instant (UTC)
    until: str = ""          # detected before the end of this day (YYYY-MM-DD) or before this instant
    cosmetic: bool = False   # include cosmetic edits (whitespace, quotes, dashes, ё/е, case)


def _where(f: ChangeFilter) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    kinds = [k for k in f.kinds if k in READER_KINDS] or list(READER_KINDS)
    marks, values = in_list(kinds)
    where.append(f"c.kind IN {marks}")
    params += values
    for col, wanted in (("c.lang", f.langs), ("s.section", f.sections)):
        if wanted:
            marks, values = in_list(wanted)
            where.append(f"{col} IN {marks}")
            params += values
    if f.speaker:
        # Speaker labels of the edited turns are in the stored text diff; a new statement names its speaker in
        # its title (in the genitive: "Лавров" finds "С.В.Лаврова").
        where.append("(instr(c.diff, ?) > 0 OR instr(va.title, ?) > 0)")
        params += [f.speaker, f.speaker]
    if f.since:
        where.append("c.detected_at >= ?")
        params.append(f.since)
    if f.until:
        where.append("c.detected_at < ?")
        params.append(f.until + ("T99" if len(f.until) == 10 else ""))   # a day includes all of it
    if not f.cosmetic:
        where.append("NOT c.cosmetic")
    return where, params


def list_changes(db: sqlite_utils.Database, f: ChangeFilter, *, before: int | None = None,
                 limit: int = 20) -> list[dict[str, Any]]:
    """Up to ``limit`` changes older than change ``before`` (newest first), with title, url, section, kind."""
    where, params = _where(f)
    if before:
        where.append("c.id < ?")
        params.append(before)
    return dict_rows(db.conn.execute(
        "SELECT c.id, c.statement_id, c.lang, c.kind, c.cosmetic, c.from_version, c.to_version, c.detected_at,"
        " c.summary, c.initial_fill, va.title, va.url, s.section, s.kind AS statement_kind, s.published_at"
        " FROM changes c LEFT JOIN variants va ON va.statement_id=c.statement_id AND va.lang=c.lang"
        " LEFT JOIN statements s ON s.id=c.statement_id"
        f" WHERE {' AND '.join(where)} ORDER BY c.id DESC LIMIT ?", (*params, limit)))


def filter_choices(db: sqlite_utils.Database) -> dict[str, list[str]]:
    """The languages and sections an archive has, for the filter form."""
    langs = [r[0] for r in db.conn.execute("SELECT DISTINCT lang FROM variants ORDER BY lang <> 'ru', lang")]
    sections = [r[0] for r in db.conn.execute(
        "SELECT DISTINCT section FROM statements WHERE section IS NOT NULL ORDER BY section")]
    return {"langs": langs, "sections": sections}


def changes_in_order(db: sqlite_utils.Database, after: int = 0, limit: int = 1000) -> list[dict[str, Any]]:
    """Reader changes with an id above ``after``, oldest first (the static site's numbered change pages)."""
    marks, values = in_list(READER_KINDS)
    return dict_rows(db.conn.execute(
        "SELECT c.id, c.statement_id, c.lang, c.kind, c.cosmetic, c.from_version, c.to_version, c.detected_at,"
        " c.summary, c.initial_fill, va.title, va.url, s.section, s.kind AS statement_kind, s.published_at"
        " FROM changes c LEFT JOIN variants va ON va.statement_id=c.statement_id AND va.lang=c.lang"
        " LEFT JOIN statements s ON s.id=c.statement_id"
        f" WHERE c.kind IN {marks} AND c.id > ? ORDER BY c.id LIMIT ?", (*values, after, limit)))
