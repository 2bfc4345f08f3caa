"""Full-text search (`/-/search`): matching versions grouped by statement, snippets highlighted, filters."""
from __future__ import annotations

import secrets
import sqlite3
from typing import Any, Mapping, Sequence

import sqlite_utils

from scheduler.reading_room.templating import render
from store.change_list import filter_choices
from store.search import SearchFilter, match_expression, search_versions

PER_PAGE = 20
BATCH = 300   # versions read per page: enough for PER_PAGE statements unless one has very many matches
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


def context(db: sqlite_utils.Database, links: Any, params: Params) -> dict[str, Any]:
    q = _first(params, "q")
    exact = _first(params, "exact") in ("1", "on")
    year = _first(params, "year")
    f = SearchFilter(langs=tuple(v for v in params.get("lang", []) if v),
                     sections=tuple(v for v in params.get("section", []) if v),
                     kinds=tuple(v for v in params.get("kind", []) if v in KINDS),
                     year=int(year) if year.isdigit() and len(year) == 4 else None)
    match = match_expression(q, word_forms=not exact)
    marks = (f"\ue000{secrets.token_hex(6)}\ue001", f"\ue002{secrets.token_hex(6)}\ue003")
    before = _first(params, "before")
    groups: list[dict[str, Any]] = []
    older, problem = None, ""
    if match:
        try:
            rows = search_versions(db, match, f, marks=marks, before=int(before) if before.isdigit() else None,
                                   limit=BATCH)
        except sqlite3.OperationalError as exc:
            rows, problem = [], f"the search could not run: {exc}"
        groups, resume = group(rows, PER_PAGE)
        if resume is None and len(rows) == BATCH:
            resume = rows[-1]["id"]
        query = {"q": q, "lang": list(f.langs), "section": list(f.sections), "kind": list(f.kinds),
                 "year": f.year or "", "exact": "1" if exact else ""}
        older = links.search(**query, before=resume) if resume else None
    return {"links": links, "q": q, "exact": exact, "filter": f, "groups": groups, "older": older, "marks": marks,
            "match": match, "problem": problem, "kinds": KINDS, "choices": filter_choices(db)}


def render_search(db: sqlite_utils.Database, links: Any, params: Params) -> str:
    return render("search.html", **context(db, links, params))
