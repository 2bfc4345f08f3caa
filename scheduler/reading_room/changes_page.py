"""The change list (`/-/changes`): filtered, paginated, each change with its summary and its diff; and its Atom feed."""
from __future__ import annotations

import re
from typing import Any, Mapping, Sequence

import sqlite_utils
from markupsafe import Markup

from scheduler.diff.compute import diff_versions
from scheduler.diff.side_by_side import render_side_by_side
from scheduler.feed import build_atom_feed
from scheduler.reading_room.cache import memo
from scheduler.reading_room.templating import render
from scheduler.sinks import with_html_diff
from store.change_list import READER_KINDS, ChangeFilter, filter_choices, list_changes
from store.versions import load_version

PER_PAGE = 20
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
Params = Mapping[str, Sequence[str]]


def _first(params: Params, key: str) -> str:
    values = params.get(key) or []
    return values[0].strip() if values else ""


def change_filter(params: Params) -> tuple[ChangeFilter, list[str]]:
    """The filter a query string asks for, and what in it was not understood (shown to the reader)."""
    problems = []
    dates = {}
    for key in ("since", "until"):
        value = _first(params, key)
        if value and not _DAY.fullmatch(value):
            problems.append(f"{key}: {value!r} is not a date (YYYY-MM-DD)")
            value = ""
        dates[key] = value
    kinds = tuple(k for k in params.get("kind", []) if k in READER_KINDS)
    f = ChangeFilter(kinds=kinds, langs=tuple(v for v in params.get("lang", []) if v),
                     sections=tuple(v for v in params.get("section", []) if v), speaker=_first(params, "speaker"),
                     since=dates["since"], until=dates["until"], cosmetic=_first(params, "cosmetic") in ("1", "on"))
    return f, problems


def _position(text: str) -> tuple[str, int] | None:
    """The `before` of the next page: "<detected_at>/<id>" of the last change shown."""
    detected, _, change_id = text.rpartition("/")
    return (detected, int(change_id)) if detected and change_id.isdigit() else None


def filter_params(f: ChangeFilter) -> dict[str, Any]:
    """The query parameters of a filter (for links to the next page and to the feed)."""
    return {"kind": list(f.kinds), "lang": list(f.langs), "section": list(f.sections), "speaker": f.speaker,
            "since": f.since, "until": f.until, "cosmetic": "1" if f.cosmetic else ""}


def with_diffs(db: sqlite_utils.Database, changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each edit with its diff side by side (changed paragraphs only) as `diff_markup`."""
    out = []
    for c in changes:
        c = dict(c, diff_markup=None)
        if c["kind"] in ("edited", "flapping") and c["from_version"] and c["to_version"]:
            old = load_version(db, c["statement_id"], c["lang"], c["from_version"])
            new = load_version(db, c["statement_id"], c["lang"], c["to_version"])
            if old and new:
                c["diff_markup"] = Markup(render_side_by_side(
                    diff_versions(old, new), lang=c["lang"], old_label=f"version {c['from_version']}",
                    new_label=f"version {c['to_version']}", context=0))
        out.append(c)
    return out


def with_feed_diffs(db: sqlite_utils.Database, changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each edit with the one-column HTML diff feeds and mail readers get (`diff_html`, as the Atom sink's)."""
    return [with_html_diff(db, c) for c in changes]


def context(db: sqlite_utils.Database, links: Any, params: Params) -> dict[str, Any]:
    f, problems = change_filter(params)
    rows = list_changes(db, f, before=_position(_first(params, "before")), limit=PER_PAGE + 1)
    more = len(rows) > PER_PAGE
    rows = with_diffs(db, rows[:PER_PAGE])
    query = filter_params(f)
    last = f"{rows[-1]['detected_at']}/{rows[-1]['id']}" if rows else ""
    return {"links": links, "filter": f, "problems": problems, "changes": rows, "query": query, "newer": None,
            "older": links.changes(**query, before=last) if more and rows else None,
            "atom": links.changes_atom(**query), "kinds": READER_KINDS,
            "choices": memo(db, "filter_choices", filter_choices)}


def render_changes(db: sqlite_utils.Database, links: Any, params: Params) -> str:
    return render("changes.html", **context(db, links, params))


def render_static(db: sqlite_utils.Database, links: Any, rows: list[dict[str, Any]], *, newer: str | None,
                  older: str | None) -> str:
    """A page of the static site's change list: these changes (newest first), no filter form."""
    return render("changes.html", links=links, filter=ChangeFilter(), problems=[], changes=with_diffs(db, rows),
                  query={}, newer=newer, older=older, atom=links.changes_atom(), kinds=READER_KINDS,
                  choices={"langs": [], "sections": []})


def atom(db: sqlite_utils.Database, links: Any, params: Params, *, limit: int = 50) -> bytes:
    """The Atom feed of the same filtered list (the newest ``limit`` changes), entries linking to the reading room
    where it has a public address (else to the ministry's page)."""
    f, _ = change_filter(params)
    rows = with_feed_diffs(db, list_changes(db, f, limit=limit))
    for c in rows:
        page = links.absolute(links.statement(c["statement_id"], c["lang"], c["to_version"]))
        if page.startswith(("http://", "https://")):
            c["url"] = page
    query = filter_params(f)
    tag = "&".join(f"{k}={v}" for k, v in sorted(query.items()) if v)
    return build_atom_feed(rows, feed_id=f"tag:ministry-watch,2026:reading-room/changes?{tag}",
                           title="ministry-watch: changes to mid.ru statements",
                           link=links.absolute(links.changes(**query)))
