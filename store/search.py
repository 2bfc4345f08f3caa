"""Full-text search for the reading room: matching versions with highlighted snippets, newest first.

Written against today's index: `versions_fts`, an external-content FTS5 table over versions(title, body)
whose rowid is versions.id (migration 2). Whoever changes how versions and their index are stored changes
this module with it; nothing else in the reading room knows the index.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from store.sql import dict_rows, in_list, transaction

# A word of the query: a "quoted phrase", or a run of letters/digits, with an optional trailing * (prefix).
_TERM = re.compile(r'"([^"]*)"|([\w-]+)(\*?)', re.UNICODE)


@dataclass(frozen=True)
class SearchFilter:
    langs: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    year: int | None = None


def query_terms(query: str, *, word_forms: bool = True) -> list[tuple[tuple[str, ...], bool]]:
    """What a reader typed as terms: (words of a phrase or one word, whether the last one is a prefix).
    A word ending in * is a prefix; with ``word_forms`` every bare word of three letters or more is too
    (the index does not stem: "Лавров" then finds "Лаврова", "Лаврову")."""
    terms: list[tuple[tuple[str, ...], bool]] = []
    for phrase, word, star in _TERM.findall(query):
        if phrase.strip():
            words = tuple(re.findall(r"\w+", phrase))
            if words:
                terms.append((words, False))
            continue
        for piece in re.findall(r"\w+", word):
            terms.append(((piece,), bool(star) or (word_forms and len(piece) >= 3)))
    return terms


def match_expression(query: str, *, word_forms: bool = True) -> str:
    """The FTS5 MATCH expression for what a reader typed: every term required, quoted so that no FTS5 syntax
    in it acts (AND, NEAR, column filters). Empty when nothing searchable was typed."""
    return " AND ".join('"' + " ".join(words) + '"' + ("*" if prefix else "")
                        for words, prefix in query_terms(query, word_forms=word_forms))


def matching_ids(db: sqlite_utils.Database, match: str, *, before: int | None, limit: int) -> list[int]:
    """Ids of up to ``limit`` versions matching ``match``, newest stored first, below ``before`` (FTS5 walks its
    index backwards and stops at the limit: no sort of every match)."""
    return [r[0] for r in db.conn.execute(
        "SELECT rowid FROM versions_fts WHERE versions_fts MATCH ? AND rowid < ? ORDER BY rowid DESC LIMIT ?",
        (match, before if before else 1 << 62, limit))]


def search_versions(db: sqlite_utils.Database, ids: list[int], f: SearchFilter) -> list[dict[str, Any]]:
    """Of these versions (from :func:`matching_ids`), those passing the filters, newest first, with their
    statement's date, kind and section and the variant's current version and status."""
    where, params = ["v.id IN (SELECT value FROM json_each(?))"], [json.dumps(ids)]
    for col, wanted in (("v.lang", f.langs), ("s.section", f.sections), ("s.kind", f.kinds)):
        if wanted:
            m, values = in_list(wanted)
            where.append(f"{col} IN {m}")
            params += values
    if f.year:
        where.append("s.published_at >= ? AND s.published_at < ?")
        params += [f"{f.year:04d}", f"{f.year + 1:04d}"]
    return dict_rows(db.conn.execute(
        # Only the columns stored before the text: the long title, body and paragraphs are never read here.
        "SELECT v.id, v.statement_id, v.lang, v.version, s.published_at, s.kind, s.section,"
        " s.status AS statement_status, va.current_version, va.status AS variant_status FROM versions v"
        " JOIN statements s ON s.id = v.statement_id"
        " LEFT JOIN variants va ON va.statement_id = v.statement_id AND va.lang = v.lang"
        f" WHERE {' AND '.join(where)} ORDER BY v.id DESC", params))


def version_ids_matching(match: str) -> tuple[str, list[Any]]:
    """A sub-select of the ids of the versions matching ``match``, and its parameters (for `IN (...)`)."""
    return "SELECT rowid FROM versions_fts WHERE versions_fts MATCH ?", [match]


def texts(db: sqlite_utils.Database, ids: list[int]) -> dict[int, tuple[str, str]]:
    """(title, body) of these versions, for snippets: the body as the index has it (paragraphs joined)."""
    if not ids:
        return {}
    m, values = in_list(ids)
    return {r[0]: (r[1], r[2]) for r in db.conn.execute(f"SELECT id, title, body FROM versions WHERE id IN {m}", values)}


# Versions stored by one backfill from which its end merges the full-text index into one segment.
COMPACT_AFTER_VERSIONS = 1000


def compact_index(db: sqlite_utils.Database) -> None:
    """Merge the full-text index into one b-tree (FTS5 'optimize'). A bulk load leaves it in many segments,
    each repeating its terms: merged, the index is ~2.5% smaller and a query reads one segment instead of many.
    It rewrites the whole index (seconds per 100,000 versions), so it runs after bulk loads, not every cycle.
    The pages it frees are given back to the file system where the database allows it (databases created
    since schema 18 use incremental auto-vacuum; older ones keep them for later writes)."""
    with transaction(db):
        db.conn.execute("INSERT INTO versions_fts(versions_fts) VALUES ('optimize')")
    if db.conn.execute("PRAGMA auto_vacuum").fetchone()[0] == 2:   # incremental
        # executescript steps the pragma to its end (one step of execute() frees a single page)
        db.conn.executescript("PRAGMA incremental_vacuum;")
