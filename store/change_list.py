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
    kinds = [k for k in f.kinds if k in READER_KINDS]
    marks, values = in_list(kinds or READER_KINDS)
    # Without a kind chosen nearly every change qualifies: `+` makes the newest first a walk down the index on
    # detected_at that stops at the page's end, not a sort of every change by kind (2 s at 440,000 changes).
    where.append(f"c.kind IN {marks}" if kinds else f"+c.kind IN {marks}")
    params += values
    for col, wanted in (("c.lang", f.langs), ("s.section", f.sections)):
        if wanted:
            marks, values = in_list(wanted)
            where.append(f"{col} IN {marks}")
            params += values
    if f.speaker:
        # The version the change is about (the one it made, or the one deleted) names the speaker: in its speaker
        # labels ("С.В.Лавров: ...") or title ("... С.В.Лаврова ..."). Found through the full-text index
        # (store/search.py knows its layout), as the name typed and its forms (Лаврова, Лаврову ...), in any case.
        from store.search import match_expression, version_ids_matching

        match = match_expression(f.speaker)
        if match:
            sub, values = version_ids_matching(match)
            where.append(f"coalesce(c.to_version_id, c.from_version_id) IN ({sub})")
            params += values
    if f.since:
        where.append("c.detected_at >= ?")
        params.append(f.since)
    if f.until:
        where.append("c.detected_at < ?")
        params.append(f.until + ("T99" if len(f.until) == 10 else ""))   # a day includes all of it
    if not f.cosmetic:
        where.append("NOT c.cosmetic")
    return where, params


def list_changes(db: sqlite_utils.Database, f: ChangeFilter, *, before: tuple[str, int] | None = None,
                 limit: int = 20) -> list[dict[str, Any]]:
    """Up to ``limit`` changes (newest detected first) after the position ``before`` (the detected_at and id of the
    last one shown), with title, url, section and kind. The order follows the index on detected_at, so a date
    range is a range of that index and the next page starts where the last one ended."""
    where, params = _where(f)
    if before:
        where.append("(c.detected_at, c.id) < (?, ?)")
        params += [before[0], before[1]]
    return dict_rows(db.conn.execute(
        "SELECT c.id, c.statement_id, c.lang, c.kind, c.cosmetic, c.from_version, c.to_version, c.detected_at,"
        " c.summary, c.initial_fill, va.title, va.url, s.section, s.kind AS statement_kind, s.published_at"
        " FROM changes c LEFT JOIN variants va ON va.statement_id=c.statement_id AND va.lang=c.lang"
        " LEFT JOIN statements s ON s.id=c.statement_id"
        f" WHERE {' AND '.join(where)} ORDER BY c.detected_at DESC, c.id DESC LIMIT ?", (*params, limit)))


def filter_choices(db: sqlite_utils.Database) -> dict[str, list[str]]:
    """The languages and sections an archive has, for the filter forms. Each distinct value is found by one
    index seek past the previous one (a few look-ups, not a scan of every row)."""
    langs = [r[0] for r in db.conn.execute(
        "WITH RECURSIVE d(x) AS (SELECT min(lang) FROM variants UNION ALL"
        " SELECT (SELECT min(lang) FROM variants WHERE lang > d.x) FROM d WHERE d.x IS NOT NULL)"
        " SELECT x FROM d WHERE x IS NOT NULL")]
    sections = [r[0] for r in db.conn.execute(
        "WITH RECURSIVE d(x) AS (SELECT min(section) FROM statements UNION ALL"
        " SELECT (SELECT min(section) FROM statements WHERE section > d.x) FROM d WHERE d.x IS NOT NULL)"
        " SELECT x FROM d WHERE x IS NOT NULL")]
    return {"langs": sorted(langs, key=lambda lang: (lang != "ru", lang)), "sections": sections}


def changes_in_order(db: sqlite_utils.Database, after: int = 0, limit: int = 1000) -> list[dict[str, Any]]:
    """Reader changes with an id above ``after``, oldest first (the static site's numbered change pages)."""
    marks, values = in_list(READER_KINDS)
    return dict_rows(db.conn.execute(
        "SELECT c.id, c.statement_id, c.lang, c.kind, c.cosmetic, c.from_version, c.to_version, c.detected_at,"
        " c.summary, c.initial_fill, va.title, va.url, s.section, s.kind AS statement_kind, s.published_at"
        " FROM changes c LEFT JOIN variants va ON va.statement_id=c.statement_id AND va.lang=c.lang"
        " LEFT JOIN statements s ON s.id=c.statement_id"
        f" WHERE c.kind IN {marks} AND c.id > ? ORDER BY c.id LIMIT ?", (*values, after, limit)))
