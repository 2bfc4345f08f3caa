"""Re-derive versions from the archived responses with the current parsers (no network).

For every selected variant the page behind its current version is read back from the WARC archive
(or, for databases older than the archive, from raw_responses), its digest checked, and parsed again.
When the text differs from the stored one, a new version is appended with rederived=1: the page did
not change, our reading of it did, so change detection never reports it as an edit. Older versions
stay as they were extracted (they are evidence of what we reported then); `history=True` only counts
how many of them the current parser would read differently.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import sqlite_utils

from crawler import parsers as _parsers
from crawler.encoding import decode_html
from crawler.parsers import PARSER_VERSION, ParseError
from store.warc import WarcError
from store.runs import finish_run, start_run
from store.sources import Source, load_source, version_source
from store.sql import transaction
from store.timestamps import utcnow
from store.versions import content_sha256, insert_version

Parser = Callable[[str, str], dict[str, Any]]


def family(parser_version: str) -> str:
    """'g2-article/3' -> 'g2-article'."""
    return parser_version.split("/", 1)[0]


# Parser families that can re-read their own pages; a version made by a family not listed here is
# skipped. parse_any_article tells the old portal's pages (G1) from the current site's (G2) by markup.
PARSERS: dict[str, tuple[Parser, str]] = {family(PARSER_VERSION): (_parsers.parse_any_article, PARSER_VERSION)}
if hasattr(_parsers, "G1_PARSER_VERSION"):
    PARSERS[family(_parsers.G1_PARSER_VERSION)] = (_parsers.parse_any_article, _parsers.G1_PARSER_VERSION)


@dataclass
class Outcome:
    statement_id: str
    lang: str
    status: str                    # rederived | unchanged | unparseable | missing | damaged | skipped
    from_version: int | None = None
    to_version: int | None = None
    old_parser: str | None = None
    new_parser: str | None = None
    detail: str = ""


@dataclass
class ReparseReport:
    outcomes: list[Outcome] = field(default_factory=list)
    history_checked: int = 0
    history_different: int = 0
    seconds: float = 0.0
    run_id: int | None = None

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def pages(self) -> int:
        return sum(1 for o in self.outcomes if o.status not in ("missing", "skipped")) + self.history_checked

    def summary(self) -> str:
        rate = self.pages / self.seconds if self.seconds > 0 else 0.0
        text = (f"reparsed {len(self.outcomes)} variants from the archive in {self.seconds:.2f}s "
                f"({rate:.0f} pages/s): {self.count('rederived')} re-derived, {self.count('unchanged')} unchanged")
        for status, words in (("unparseable", "no longer parse"), ("missing", "without an archived page"),
                              ("damaged", "with a damaged archive record"),
                              ("skipped", "skipped (no parser for their format)")):
            if self.count(status):
                text += f", {self.count(status)} {words}"
        if self.history_checked:
            text += (f"; older versions: {self.history_different} of {self.history_checked} read differently now"
                     " (kept as captured)")
        return text


def _describe(old: dict[str, Any], new: dict[str, Any]) -> str:
    parts = []
    if old["title"] != new["title"]:
        parts.append("title changed")
    a = [json.dumps(p, ensure_ascii=False, sort_keys=True) for p in old["paragraphs"]]
    b = [json.dumps(p, ensure_ascii=False, sort_keys=True) for p in new["paragraphs"]]
    if a != b:
        differ = sum(1 for x, y in zip(a, b) if x != y) + abs(len(a) - len(b))
        parts.append(f"{differ} paragraph{'s' if differ != 1 else ''} differ ({len(a)} -> {len(b)})")
    return ", ".join(parts) or "same text"


def select_variants(db: sqlite_utils.Database, statements: list[str] | None = None, site: str | None = None,
                    langs: list[str] | None = None) -> list[tuple[str, str, int]]:
    where, params = ["va.current_version IS NOT NULL"], []
    if statements:
        where.append(f"va.statement_id IN ({','.join('?' * len(statements))})")
        params += statements
    if site:
        where.append("s.site = ?")
        params.append(site)
    if langs:
        where.append(f"va.lang IN ({','.join('?' * len(langs))})")
        params += langs
    return db.conn.execute(
        "SELECT va.statement_id, va.lang, va.current_version FROM variants va JOIN statements s ON s.id = va.statement_id"
        f" WHERE {' AND '.join(where)} ORDER BY va.statement_id, va.lang", params).fetchall()


def _read(db: sqlite_utils.Database, source: Source, parse: Parser) -> tuple[str, dict[str, Any] | None, str]:
    """('ok'|'missing'|'damaged'|'unparseable', record, detail)."""
    try:
        page = load_source(db, source)
    except WarcError as exc:
        return "damaged", None, str(exc)
    if page is None:
        return "missing", None, "no archived response"
    url, body = page
    try:
        return "ok", parse(decode_html(body).text, url), ""
    except ParseError as exc:
        return "unparseable", None, str(exc)


def reparse_archive(db: sqlite_utils.Database, *, statements: list[str] | None = None, site: str | None = None,
                    langs: list[str] | None = None, dry_run: bool = False, history: bool = False,
                    parsers: dict[str, tuple[Parser, str]] | None = None) -> ReparseReport:
    """Re-derive the current version of every selected variant; see the module docstring."""
    parsers = parsers or PARSERS
    report = ReparseReport()
    started = time.perf_counter()
    targets = select_variants(db, statements, site, langs)
    if not dry_run:
        report.run_id = start_run(db, command="reparse", base_url=None, options={
            "statement": statements or [], "site": site, "lang": langs or []})
    for sid, lang, current in targets:
        row = db.conn.execute(
            "SELECT title, paragraphs, content_sha256, parser_version FROM versions"
            " WHERE statement_id=? AND lang=? AND version=?", (sid, lang, current)).fetchone()
        old = {"title": row[0], "paragraphs": json.loads(row[1])}
        old_sha, old_parser = row[2], row[3]
        entry = parsers.get(family(old_parser))
        if entry is None:
            report.outcomes.append(Outcome(sid, lang, "skipped", current, old_parser=old_parser,
                                           detail=f"no parser for {old_parser}"))
            continue
        parse, new_parser = entry
        source = version_source(db, sid, lang, current)
        assert source is not None
        status, fresh, detail = _read(db, source, parse)
        if fresh is None:
            report.outcomes.append(Outcome(sid, lang, status, current, old_parser=old_parser, detail=detail))
            continue
        sha = content_sha256(fresh["title"], list(fresh["paragraphs"]))
        if sha == old_sha:
            report.outcomes.append(Outcome(sid, lang, "unchanged", current, old_parser=old_parser,
                                           new_parser=fresh.get("parser_version", new_parser)))
        else:
            outcome = Outcome(sid, lang, "rederived", current, current + 1, old_parser,
                              fresh.get("parser_version", new_parser), _describe(old, fresh))
            report.outcomes.append(outcome)
            if not dry_run:
                _write(db, sid, lang, current, fresh, sha, source, report.run_id)
        if history:
            _check_history(db, sid, lang, current, parsers, report)
    report.seconds = time.perf_counter() - started
    if report.run_id is not None:
        finish_run(db, report.run_id, "ok", report.summary())
    return report


def _write(db: sqlite_utils.Database, sid: str, lang: str, current: int, fresh: dict[str, Any], sha: str,
           source: Source, run_id: int | None) -> None:
    now = utcnow()
    with transaction(db):
        # Another writer may have moved on meanwhile: only append on top of the version we read.
        still = db.conn.execute("SELECT current_version FROM variants WHERE statement_id=? AND lang=?",
                                (sid, lang)).fetchone()
        if still is None or still[0] != current:
            return
        insert_version(db, sid, lang, current + 1, fresh, sha, now, run_id, source, True)
        db.conn.execute("UPDATE variants SET current_version=?, content_sha256=?, title=? WHERE statement_id=? AND lang=?",
                        (current + 1, sha, fresh["title"], sid, lang))
        if lang == "ru":
            # The Russian original's metadata wins (as in record_page): a parser fix may correct it.
            db.conn.execute(
                "UPDATE statements SET kind=coalesce(?, kind), published_at=coalesce(?, published_at),"
                " document_number=coalesce(?, document_number) WHERE id=?",
                (fresh.get("kind"), fresh.get("published_at"), fresh.get("document_number"), sid))


def _check_history(db: sqlite_utils.Database, sid: str, lang: str, current: int,
                   parsers: dict[str, tuple[Parser, str]], report: ReparseReport) -> None:
    rows = db.conn.execute(
        "SELECT version, content_sha256, parser_version FROM versions WHERE statement_id=? AND lang=? AND version<?"
        " ORDER BY version", (sid, lang, current)).fetchall()
    for version, sha, parser_version in rows:
        entry = parsers.get(family(parser_version))
        source = version_source(db, sid, lang, version)
        if entry is None or source is None or not source.archived:
            continue
        status, fresh, _ = _read(db, source, entry[0])
        report.history_checked += 1
        if fresh is None or content_sha256(fresh["title"], list(fresh["paragraphs"])) != sha:
            report.history_different += 1
