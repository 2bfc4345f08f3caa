"""Full-text search for the reading room: matching versions with highlighted snippets, newest first.

Written against today's index: `versions_fts`, an external-content FTS5 table over versions(title, body)
whose rowid is versions.id (migration 2). Whoever changes how versions and their index are stored changes
this module with it; nothing else in the reading room knows the index.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from store.sql import dict_rows, in_list

# A word of the query: a "quoted phrase", or a run of letters/digits, with an optional trailing * (prefix).
_TERM = re.compile(r'"([^"]*)"|([\w-]+)(\*?)', re.UNICODE)


@dataclass(frozen=True)
class SearchFilter:
    langs: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    year: int | None = None


def match_expression(query: str, *, word_forms: bool = True) -> str:
    """The FTS5 MATCH expression for what a reader typed: every word required, quoted so that no FTS5
    syntax in it acts (AND, NEAR, column filters). A word ending in * matches every word it begins; with
    ``word_forms`` every bare word does (the index does not stem: "Лавров" then finds "Лаврова", "Лаврову").
    Empty when nothing searchable was typed."""
    parts = []
    for phrase, word, star in _TERM.findall(query):
        if phrase.strip():
            words = re.findall(r"\w+", phrase)
            if words:
                parts.append('"' + " ".join(words) + '"')
            continue
        for piece in re.findall(r"\w+", word):
            prefix = star or (word_forms and len(piece) >= 3)
            parts.append(f'"{piece}"' + ("*" if prefix else ""))
    return " AND ".join(parts)


def search_versions(db: sqlite_utils.Database, match: str, f: SearchFilter, *, marks: tuple[str, str],
                    before: int | None = None, limit: int = 200) -> list[dict[str, Any]]:
    """Versions matching ``match`` (see match_expression), newest stored first, each with a snippet of its
    body and its title, the matches between ``marks`` (caller-chosen strings it replaces after escaping)."""
    where, params = ["versions_fts MATCH ?"], [match]
    if before:
        where.append("versions_fts.rowid < ?")
        params.append(before)
    for col, wanted in (("v.lang", f.langs), ("s.section", f.sections), ("s.kind", f.kinds)):
        if wanted:
            m, values = in_list(wanted)
            where.append(f"{col} IN {m}")
            params += values
    if f.year:
        where.append("s.published_at >= ? AND s.published_at < ?")
        params += [f"{f.year:04d}", f"{f.year + 1:04d}"]
    start, end = marks
    return dict_rows(db.conn.execute(
        "SELECT v.id, v.statement_id, v.lang, v.version, v.captured_at, s.published_at, s.kind, s.section,"
        " s.status AS statement_status, va.current_version, va.status AS variant_status,"
        " highlight(versions_fts, 0, ?, ?) AS title_marked,"
        " snippet(versions_fts, 1, ?, ?, ' … ', 24) AS snippet"
        " FROM versions_fts JOIN versions v ON v.id = versions_fts.rowid"
        " JOIN statements s ON s.id = v.statement_id"
        " LEFT JOIN variants va ON va.statement_id = v.statement_id AND va.lang = v.lang"
        f" WHERE {' AND '.join(where)} ORDER BY versions_fts.rowid DESC LIMIT ?",
        (start, end, start, end, *params, limit)))
