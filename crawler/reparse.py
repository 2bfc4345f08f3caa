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
from store.rederived import append_rederived
from store.runs import finish_run, start_run
from store.sources import Source, load_source, version_source
from store.variants import current_versions
from store.versions import content_sha256, load_version, versions_before
from store.warc import WarcError

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
class VariantReparse:
    """What re-reading one variant's current page came to (a row of `crawl reparse --json`)."""

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
    """Every variant's result, the history check's counts, and the run that recorded it."""

    outcomes: list[VariantReparse] = field(default_factory=list)
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
    targets = current_versions(db, statements, site, langs)
    if not dry_run:
        report.run_id = start_run(db, command="reparse", base_url=None, options={
            "statement": statements or [], "site": site, "lang": langs or []})
    for sid, lang, current in targets:
        result = _reparse_variant(db, sid, lang, current, parsers, dry_run=dry_run, run_id=report.run_id)
        report.outcomes.append(result)
        if history and result.status in ("unchanged", "rederived"):
            _check_history(db, sid, lang, current, parsers, report)
    report.seconds = time.perf_counter() - started
    if report.run_id is not None:
        finish_run(db, report.run_id, "ok", report.summary())
    return report


def _reparse_variant(db: sqlite_utils.Database, sid: str, lang: str, current: int,
                     parsers: dict[str, tuple[Parser, str]], *, dry_run: bool, run_id: int | None) -> VariantReparse:
    """Re-read the page behind a variant's current version; append a re-derived version when the text differs."""
    old = load_version(db, sid, lang, current)
    assert old is not None
    old_parser = old["parser_version"]
    entry = parsers.get(family(old_parser))
    if entry is None:
        return VariantReparse(sid, lang, "skipped", current, old_parser=old_parser, detail=f"no parser for {old_parser}")
    parse, new_parser = entry
    source = version_source(db, sid, lang, current)
    assert source is not None
    status, fresh, detail = _read(db, source, parse)
    if fresh is None:
        return VariantReparse(sid, lang, status, current, old_parser=old_parser, detail=detail)
    new_parser = fresh.get("parser_version", new_parser)
    sha = content_sha256(fresh["title"], list(fresh["paragraphs"]))
    if sha == old["content_sha256"]:
        return VariantReparse(sid, lang, "unchanged", current, old_parser=old_parser, new_parser=new_parser)
    if not dry_run:
        append_rederived(db, sid, lang, current, fresh, sha, source, run_id)
    return VariantReparse(sid, lang, "rederived", current, current + 1, old_parser, new_parser, _describe(old, fresh))


def _check_history(db: sqlite_utils.Database, sid: str, lang: str, current: int,
                   parsers: dict[str, tuple[Parser, str]], report: ReparseReport) -> None:
    for version, sha, parser_version in versions_before(db, sid, lang, current):
        entry = parsers.get(family(parser_version))
        source = version_source(db, sid, lang, version)
        if entry is None or source is None or not source.archived:
            continue
        status, fresh, _ = _read(db, source, entry[0])
        report.history_checked += 1
        if fresh is None or content_sha256(fresh["title"], list(fresh["paragraphs"])) != sha:
            report.history_different += 1
