"""`crawl site`: the reading room as static files any web host can serve, rebuilt incrementally.

The output directory holds index.html (the start page), style.css, changes/ (the change list in pages of
PAGE_SIZE, oldest page p0, the newest also as index.html), changes.atom, and statement/<site>/<id>/ (see
links.StaticLinks). What was built is recorded in BUILD_FILE there: the archive's marks (newest version,
change, divergence update) and a fingerprint of the templates and renderers. The next build rewrites only
the statements touched since, the newest change pages, the start page and the feed; a new fingerprint
(an upgrade) rebuilds everything. Files are replaced atomically and only when their content changed.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import sqlite_utils

from scheduler.reading_room import changes_page, statement_page
from scheduler.reading_room.links import StaticLinks, statement_path
from scheduler.reading_room.start_page import render_start
from scheduler.reading_room.templating import stylesheet
from store import reading_room as rr
from store.change_list import ChangeFilter, changes_in_order, list_changes
from store.site_marks import marks, statement_ids, touched_since

BUILD_FILE = ".reading-room-build.json"
PAGE_SIZE = 50
STATEMENT_DEPTH = 3   # statement/<site>/<id>/


@dataclass
class BuildResult:
    full: bool
    statements: int
    files_written: int


def fingerprint() -> str:
    """A hash of everything that shapes the pages: templates, style sheet, and the renderers' source."""
    h = hashlib.sha256()
    for package in ("scheduler.reading_room", "scheduler.diff", "scheduler.divergence"):
        root = resources.files(package)
        for entry in sorted(_walk(root), key=str):
            h.update(str(entry.name).encode())
            h.update(entry.read_bytes())
    return h.hexdigest()[:16]


def _walk(root: Any) -> list[Any]:
    out = []
    for entry in root.iterdir():
        if entry.is_dir() and entry.name in ("jinja", "assets"):
            out += _walk(entry)
        elif entry.is_file() and entry.name.endswith((".py", ".html", ".css")):
            out.append(entry)
    return out


class Writer:
    """Writes files under the output directory atomically, skipping those whose content is unchanged."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.written = 0

    def write(self, relative: str, content: str | bytes) -> None:
        data = content.encode("utf-8") if isinstance(content, str) else content
        path = self.out / relative
        try:
            if path.read_bytes() == data:
                return
        except OSError:
            pass
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self.written += 1


def write_statement(db: sqlite_utils.Database, w: Writer, sid: str, site_url: str) -> None:
    """Every page of one statement: its start (first language), each language, each version, each comparison.
    A language's current text is one page under three names (index.html for the first language, <lang>.html,
    and its version's permalink <lang>-v<N>.html)."""
    links = StaticLinks(STATEMENT_DEPTH, site_url)
    variants = rr.variants(db, sid)
    if not variants:
        page = statement_page.render_statement(db, links, sid)
        if page is not None:
            w.write(statement_path(sid), page)
        return
    pivot = "ru" if any(v["lang"] == "ru" for v in variants) else variants[0]["lang"]
    for v in variants:
        lang = v["lang"]
        for meta in rr.versions(db, sid, lang):
            n = meta["version"]
            page = statement_page.render_statement(db, links, sid, lang=lang, version=n) or ""
            w.write(statement_path(sid, lang, n), page)
            if n == v["current_version"]:
                w.write(statement_path(sid, lang), page)
                if lang == pivot:
                    w.write(statement_path(sid), page)
        if lang != pivot:
            w.write(statement_path(sid, pivot, against=lang),
                    statement_page.render_statement(db, links, sid, lang=pivot, against=lang) or "")


def _change_pages(db: sqlite_utils.Database, w: Writer, state: dict[str, Any], full: bool) -> list[int]:
    """Write the change pages that gained entries; returns the first change id of every page (the new state)."""
    starts: list[int] = [] if full else list(state.get("change_pages", []))
    redo = max(0, len(starts) - 1)   # the last page may have had room for more
    after = starts[redo] - 1 if starts else 0
    starts = starts[:redo]
    pages: list[list[dict[str, Any]]] = []
    while True:
        batch = changes_in_order(db, after=after, limit=PAGE_SIZE)
        if not batch:
            break
        pages.append(batch)
        starts.append(batch[0]["id"])
        after = batch[-1]["id"]
        if len(batch) < PAGE_SIZE:
            break
    last = len(starts) - 1
    for offset, rows in enumerate(pages):
        k = redo + offset
        links = StaticLinks(1)
        newer = links.changes(page=k + 1) if k < last else None
        older = links.changes(page=k - 1) if k > 0 else None
        html = changes_page.render_static(db, links, rows[::-1], newer=newer, older=older)
        w.write(f"changes/p{k}.html", html)
        if k == last:
            w.write("changes/index.html", html)
    if not starts:
        w.write("changes/index.html", changes_page.render_static(db, StaticLinks(1), [], newer=None, older=None))
    return starts


def _feed(db: sqlite_utils.Database, site_url: str) -> bytes:
    from scheduler.feed import build_atom_feed

    links = StaticLinks(0, site_url)
    rows = changes_page.with_feed_diffs(db, list_changes(db, ChangeFilter(), limit=50))
    for c in rows:
        page = links.absolute(links.statement(c["statement_id"], c["lang"], c["to_version"]))
        if page.startswith(("http://", "https://")):
            c["url"] = page
    return build_atom_feed(rows, feed_id="tag:ministry-watch,2026:reading-room/site-changes",
                           title="ministry-watch: changes to mid.ru statements",
                           self_link=f"{site_url}/changes.atom" if site_url else None,
                           link=f"{site_url}/index.html" if site_url else None)


def build_site(db: sqlite_utils.Database, out: str | Path, *, site_url: str = "", full: bool = False) -> BuildResult:
    """Build (or bring up to date) the static site in ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    site_url = site_url.rstrip("/")
    state_path = out / BUILD_FILE
    try:
        state = json.loads(state_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        state = {}
    fp = fingerprint()
    now_marks = marks(db)
    full = full or state.get("fingerprint") != fp or state.get("site_url", "") != site_url
    todo = statement_ids(db) if full else sorted(touched_since(db, state.get("marks", {})))
    w = Writer(out)
    for sid in todo:
        write_statement(db, w, sid, site_url)
    starts = _change_pages(db, w, state, full)
    w.write("index.html", render_start(db, StaticLinks(0, site_url)))
    w.write("style.css", stylesheet())
    w.write("changes.atom", _feed(db, site_url))
    w.write(BUILD_FILE, json.dumps({"fingerprint": fp, "site_url": site_url, "marks": now_marks,
                                    "change_pages": starts}, indent=1))
    return BuildResult(full, len(todo), w.written)
