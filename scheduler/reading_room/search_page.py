"""Full-text search (`/-/search`): matching versions grouped by statement, snippets highlighted, filters."""
from __future__ import annotations

import sqlite3
from typing import Any, Mapping, Sequence

import sqlite_utils

from scheduler.reading_room.templating import render
from store.change_list import filter_choices
from scheduler.reading_room.cache import memo
from scheduler.reading_room.snippets import highlight, pattern, snippet
from store.search import SearchFilter, match_expression, matching_ids, query_terms, search_versions, texts

PER_PAGE = 20
# Matching versions examined per page, newest first: a page costs the same whatever the filters; when they
# keep few of them, the page says so and "more results" goes on below.
SCAN = 2000
CHUNK = 250
KINDS = ("briefing", "speech", "interview", "statement", "comment", "news")
Params = Mapping[str, Sequence[str]]


def _first(params: Params, key: str) -> str:
    values = params.get(key) or []
    return values[0].strip() if values else ""


def group(rows: list[dict[str, Any]], limit: int) -> tuple[list[dict[str, Any]], int | None]:
    """Rows (newest first) grouped by statement, at most ``limit`` statements; and where the next page starts
    (the row id to continue below), None when these rows were all."""
    groups: dict[str, dict[str, Any]] = {}
    for row in rows:
        g = groups.get(row["statement_id"])
        if g is None:
            if len(groups) == limit:
                return list(groups.values()), row["id"] + 1
            g = groups[row["statement_id"]] = {"statement_id": row["statement_id"], "best": row, "hits": [],
                                               "langs": []}
        g["hits"].append(row)
        if row["lang"] not in g["langs"]:
            g["langs"].append(row["lang"])
    return list(groups.values()), None


def _scan(db: sqlite_utils.Database, match: str, f: SearchFilter,
          before: int | None) -> tuple[list[dict[str, Any]], int | None, bool]:
    """Read matching versions newest first until PER_PAGE statements pass the filters or SCAN versions were read
    (first CHUNK, then the rest at once: each read of a prefix's matches costs the same, however few are kept):
    the groups, where the next page starts, and whether every match was read."""
    rows: list[dict[str, Any]] = []
    read, limit = 0, CHUNK
    while True:
        ids = matching_ids(db, match, before=before, limit=limit)
        read += len(ids)
        rows += search_versions(db, ids, f)
        groups, resume = group(rows, PER_PAGE)
        if resume is not None or len(ids) < limit:
            return groups, resume, True
        before = ids[-1]
        if read >= SCAN:
            return groups, before, False
        limit = SCAN - read


def context(db: sqlite_utils.Database, links: Any, params: Params) -> dict[str, Any]:
    q = _first(params, "q")
    exact = _first(params, "exact") in ("1", "on")
    year = _first(params, "year")
    f = SearchFilter(langs=tuple(v for v in params.get("lang", []) if v),
                     sections=tuple(v for v in params.get("section", []) if v),
                     kinds=tuple(v for v in params.get("kind", []) if v in KINDS),
                     year=int(year) if year.isdigit() and len(year) == 4 else None)
    match = match_expression(q, word_forms=not exact)
    before = _first(params, "before")
    groups: list[dict[str, Any]] = []
    older, problem, scanned_all = None, "", True
    if match:
        try:
            groups, resume, scanned_all = _scan(db, match, f, int(before) if before.isdigit() else None)
            found = texts(db, [g["best"]["id"] for g in groups])
        except sqlite3.OperationalError as exc:
            groups, resume, found, problem = [], None, {}, f"the search could not run: {exc}"
        pat = pattern(query_terms(q, word_forms=not exact))
        for g in groups:
            title, body = found.get(g["best"]["id"], ("", ""))
            g["title_marked"], g["snippet"] = highlight(title, pat), snippet(body, pat)
        query = {"q": q, "lang": list(f.langs), "section": list(f.sections), "kind": list(f.kinds),
                 "year": f.year or "", "exact": "1" if exact else ""}
        older = links.search(**query, before=resume) if resume else None
    return {"links": links, "q": q, "exact": exact, "filter": f, "groups": groups, "older": older,
            "scanned_all": scanned_all, "scan": SCAN, "match": match, "problem": problem, "kinds": KINDS,
            "choices": memo(db, "filter_choices", filter_choices)}


def render_search(db: sqlite_utils.Database, links: Any, params: Params) -> str:
    return render("search.html", **context(db, links, params))
