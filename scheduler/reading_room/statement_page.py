"""The statement page: languages, each language's versions, every edit side by side, two languages compared,
and a citation for each version (`/-/statement/<id>?lang=ru&version=3&against=en`)."""
from __future__ import annotations

from typing import Any, Mapping

import sqlite_utils
from markupsafe import Markup

from scheduler.diff.compute import diff_versions
from scheduler.diff.side_by_side import render_side_by_side
from scheduler.reading_room import crosslang
from scheduler.reading_room.citation import citation
from scheduler.reading_room.templating import render, utc
from store import reading_room as rr
from store.divergences import list_divergences
from store.timestamps import parse_timestamp
from store.versions import load_version

EDIT_KINDS = ("edited", "flapping")


def _delay_days(first: str | None, pivot_first: str | None) -> float | None:
    a, b = parse_timestamp(first), parse_timestamp(pivot_first)
    return None if a is None or b is None else max(0.0, (a - b).total_seconds() / 86400)


def _timeline(versions: list[dict[str, Any]], events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Versions and the deletions and restorations between them, in the order they happened."""
    by_version = {e["to_version"]: e for e in events if e["to_version"] is not None and e["kind"] not in
                  ("deleted", "restored")}
    items: list[dict[str, Any]] = []
    for v in versions:
        change = by_version.get(v["version"])
        if v["rederived"]:
            what = "re-read by a newer parser (the page did not change)"
        elif change is None:
            what = "first text" if v["version"] == 1 else "text changed"
        else:
            what = {"new": "first text", "flapping": "edited back and forth"}.get(change["kind"], change["kind"])
            if change["cosmetic"]:
                what += " (cosmetic)"
        items.append({"type": "version", "at": v["captured_at"], "version": v, "what": what,
                      "summary": change["summary"] if change and change["kind"] != "new" else ""})
    for e in events:
        if e["kind"] in ("deleted", "restored"):
            items.append({"type": e["kind"], "at": e["detected_at"], "summary": e["summary"], "change": e})
    items.sort(key=lambda item: (item["at"] or "", item["type"] != "version"))
    return items


def _edits(db: sqlite_utils.Database, sid: str, lang: str, events: list[dict[str, Any]],
           versions: Mapping[int, Mapping[str, Any]], shown: int) -> list[dict[str, Any]]:
    """Every edit of the variant, newest first, with its side-by-side diff (the one leading to ``shown`` open)."""
    out = []
    edits = [e for e in events if e["kind"] in EDIT_KINDS and e["from_version"] and e["to_version"]]
    for k, e in enumerate(reversed(edits)):
        old = load_version(db, sid, lang, e["from_version"])
        new = load_version(db, sid, lang, e["to_version"])
        if old is None or new is None:
            continue
        labels = [f"version {n}, {utc(versions.get(n, {}).get('captured_at'))}" for n in (e["from_version"],
                                                                                          e["to_version"])]
        table = render_side_by_side(diff_versions(old, new), lang=lang, old_label=labels[0], new_label=labels[1])
        opened = e["to_version"] == shown or (k == 0 and not e["cosmetic"])
        out.append({"change": e, "html": Markup(table), "open": opened})
    return out


def context(db: sqlite_utils.Database, links: Any, sid: str, *, lang: str | None = None,
            version: int | None = None, against: str | None = None) -> dict[str, Any] | None:
    """What the statement page shows, or None for an unknown statement."""
    st = rr.statement(db, sid)
    if st is None:
        return None
    variants = rr.variants(db, sid)
    by_lang = {v["lang"]: v for v in variants}
    if not variants:
        return {"links": links, "statement": st, "variants": [], "variant": None}
    pivot = "ru" if "ru" in by_lang else variants[0]["lang"]
    lang = lang if lang in by_lang else pivot
    for v in variants:
        v["delay_days"] = None if v["lang"] == pivot else _delay_days(v["first_seen_at"], by_lang[pivot]["first_seen_at"])
    variant = by_lang[lang]
    versions = rr.versions(db, sid, lang)
    numbers = {v["version"]: v for v in versions}
    shown = version if version in numbers else variant["current_version"]
    events = rr.variant_changes(db, sid, lang)
    citations = {}
    for v in versions:
        permalink = links.absolute(links.statement(sid, lang, v["version"]))
        citations[v["version"]] = citation(st, variant, v, permalink,
                                           rr.warc_record_uri(db, v["warc_record_id"]))
    compare = None
    if against and against in by_lang and against != lang:
        compare = crosslang.compare(db, sid, lang, against)
    return {
        "links": links, "statement": st, "variants": variants, "variant": variant, "lang": lang, "pivot": pivot,
        "versions": versions, "shown": numbers.get(shown), "body": load_version(db, sid, lang, shown) if shown else None,
        "timeline": _timeline(versions, events), "edits": _edits(db, sid, lang, events, numbers, shown or 0),
        "citations": citations, "against": against if compare else None, "compare": compare,
        "divergences": list_divergences(db, statement_id=sid, limit=50),
        "others": [v["lang"] for v in variants if v["lang"] != lang],
    }


def render_statement(db: sqlite_utils.Database, links: Any, sid: str, **view: Any) -> str | None:
    """The page's HTML, or None for an unknown statement."""
    ctx = context(db, links, sid, **view)
    return None if ctx is None else render("statement.html", **ctx)
