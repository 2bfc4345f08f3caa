"""Work out what changed after a crawl: new, edited, deleted and restored variants, written once to `changes`."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import sqlite_utils

from scheduler.compare import is_cosmetic
from scheduler.diff import diff_versions, render_text, summarize
from store.changes import change_exists, insert_change, last_change_fetch
from store.fetches import first_ok_after, gone_answers_after, last_ok_fetch
from store.sql import transaction
from store.timestamps import to_datetime, utcnow
from store.variants import all_variants, current_version, set_status, variant_status, variants_touched
from store.versions import earlier_version_with, is_late_translation, load_version, reported_versions


@dataclass(frozen=True)
class DeletionRule:
    """A variant counts as deleted after `checks` 'gone' answers spread over at least `span`."""

    checks: int = 2
    span: timedelta = timedelta(hours=6)


def detect_changes(db: sqlite_utils.Database, run_id: int | None = None, rule: DeletionRule = DeletionRule(),
                   *, now: str | None = None) -> list[int]:
    """Detect changes for the variants a run touched (all variants when run_id is None).

    Idempotent: every change has a deterministic key, so running it twice writes nothing new.
    Returns the ids of the change rows written now.
    """
    targets = all_variants(db) if run_id is None else variants_touched(db, run_id)
    written: list[int] = []
    for sid, lang in targets:
        with transaction(db):
            written += _detect_variant(db, sid, lang, run_id, rule, now or utcnow())
    return written


def _detect_variant(db: sqlite_utils.Database, sid: str, lang: str, run_id: int | None, rule: DeletionRule,
                    now: str) -> list[int]:
    status = variant_status(db, sid, lang)
    if status is None:
        return []  # a page we never had content for: nothing can have changed
    written: list[int] = []
    if status == "deleted":
        restored, written = _restored(db, sid, lang, run_id, now)
        status = "active" if restored else status
    written += _versions(db, sid, lang, run_id, now)
    if status == "active":
        written += _deleted(db, sid, lang, run_id, rule, now)
    return written


def _restored(db: sqlite_utils.Database, sid: str, lang: str, run_id: int | None,
              now: str) -> tuple[bool, list[int]]:
    """A deleted variant that answers with content again is restored: (whether it is, the change written)."""
    ok = first_ok_after(db, sid, lang, last_change_fetch(db, sid, lang, "deleted") or 0)
    if ok is None:
        return False, []
    current = current_version(db, sid, lang)
    written = insert_change(db, key=f"restored:{sid}:{lang}:{ok}", sid=sid, lang=lang, kind="restored",
                            from_version=current, to_version=current, run_id=run_id,
                            summary=f"restored: the page answers again ({lang})", diff=None, now=now, fetch_id=ok)
    set_status(db, sid, lang, "active", now)
    return True, written


def _versions(db: sqlite_utils.Database, sid: str, lang: str, run_id: int | None, now: str) -> list[int]:
    """New and edited: every version not yet reported (re-derived versions are parser upgrades, not edits)."""
    written: list[int] = []
    for number in reported_versions(db, sid, lang):
        key = f"version:{sid}:{lang}:{number}"
        if change_exists(db, key):
            continue
        new = load_version(db, sid, lang, number)
        assert new is not None
        if number == 1:
            # A variant of a statement we already had in an earlier run is a translation appearing later.
            what = "new translation" if is_late_translation(db, sid, lang) else "new statement"
            written += insert_change(db, key=key, sid=sid, lang=lang, kind="new", from_version=None, to_version=1,
                                     run_id=run_id, summary=f"{what} ({lang}): {new['title']}", diff=None, now=now)
            continue
        old = load_version(db, sid, lang, number - 1)
        assert old is not None
        diff = diff_versions(old, new)
        summary = summarize(diff)
        earlier = earlier_version_with(db, sid, lang, number - 1, new["content_sha256"])
        if earlier is not None:
            # A -> B -> A: say so, instead of reporting two unrelated edits.
            summary = f"flapping: reverted to the text of version {earlier}; {summary}"
        cosmetic = is_cosmetic(old, new)
        if cosmetic:
            summary = f"cosmetic only: {summary}"
        written += insert_change(db, key=key, sid=sid, lang=lang, kind="edited", from_version=number - 1,
                                 to_version=number, run_id=run_id, summary=summary, diff=render_text(diff),
                                 cosmetic=cosmetic, now=now)
    return written


def _deleted(db: sqlite_utils.Database, sid: str, lang: str, run_id: int | None, rule: DeletionRule,
             now: str) -> list[int]:
    """Deleted: enough 'gone' answers since the last good one, spread over enough time."""
    floor = max(last_ok_fetch(db, sid, lang), last_change_fetch(db, sid, lang, "restored") or 0)
    gone = gone_answers_after(db, sid, lang, floor)
    if len(gone) < rule.checks or to_datetime(gone[-1].fetched_at) - to_datetime(gone[0].fetched_at) < rule.span:
        return []
    last = gone[-1]
    how = f"HTTP {last.http_status}" if last.http_status in (404, 410) else (last.error or "gone")
    summary = f"deleted ({lang}): {how} on {len(gone)} checks from {gone[0].fetched_at} to {last.fetched_at}"
    written = insert_change(db, key=f"deleted:{sid}:{lang}:{gone[0].fetch_id}", sid=sid, lang=lang, kind="deleted",
                            from_version=current_version(db, sid, lang), to_version=None, run_id=run_id,
                            summary=summary, diff=None, now=now, fetch_id=gone[0].fetch_id)
    set_status(db, sid, lang, "deleted", now)
    return written
