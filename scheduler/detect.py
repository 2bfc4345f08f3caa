"""Work out what changed after a crawl: new, edited, deleted and restored variants, written once to `changes`.

An edit that removes much of a text, or touches an old statement, is reported only once a second fetch shows the
same text (scheduler/edit_rules.py); a variant returning to an earlier text within the flap window is reported
once as flapping, and its further flips are counted on that one change.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlite_utils

from scheduler.compare import is_cosmetic
from scheduler.diff.compute import diff_versions
from scheduler.diff.summary import summarize
from scheduler.diff.text_format import render_text
from scheduler.edit_rules import EditRules, confirmation_reason, is_flip
from store.changes import (insert_change, last_change_fetch, latest_change, set_summary,
                           version_change_kinds)
from store.fetches import first_ok_after, gone_answers_after, last_ok_fetch, same_text_fetched_since
from store.sql import transaction
from store.timestamps import parse_timestamp, to_datetime, utcnow
from store.variants import (all_variants, await_confirmation, clear_confirmation, current_version, set_status,
                            statement_dates, variant_status, variants_touched)
from store.versions import earlier_version_with, is_late_translation, live_versions, load_version, reported_versions


@dataclass(frozen=True)
class DeletionRule:
    """A variant counts as deleted after `checks` 'gone' answers spread over at least `span`."""

    checks: int = 2
    span: timedelta = timedelta(hours=6)


def detect_changes(db: sqlite_utils.Database, run_id: int | None = None, rule: DeletionRule = DeletionRule(),
                   *, edits: EditRules = EditRules(), now: str | None = None) -> list[int]:
    """Detect changes for the variants a run touched (all variants when run_id is None).

    Idempotent: every change has a deterministic key, so running it twice writes nothing new.
    Returns the ids of the change rows written now.
    """
    targets = all_variants(db) if run_id is None else variants_touched(db, run_id)
    written: list[int] = []
    for sid, lang in targets:
        with transaction(db):
            written += _detect_variant(db, sid, lang, run_id, rule, edits, now or utcnow())
    return written


def _detect_variant(db: sqlite_utils.Database, sid: str, lang: str, run_id: int | None, rule: DeletionRule,
                    edits: EditRules, now: str) -> list[int]:
    status = variant_status(db, sid, lang)
    if status is None:
        return []  # a page we never had content for: nothing can have changed
    written: list[int] = []
    if status == "deleted":
        restored, written = _restored(db, sid, lang, run_id, now)
        status = "active" if restored else status
    written += _Versions(db, sid, lang, run_id, edits, now).report()
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


class _Versions:
    """Report a variant's versions that have no change yet (re-derived versions are parser upgrades, not edits)."""

    def __init__(self, db: sqlite_utils.Database, sid: str, lang: str, run_id: int | None, rules: EditRules,
                 now: str) -> None:
        self.db, self.sid, self.lang, self.run_id, self.rules, self.now = db, sid, lang, run_id, rules, now
        self.kinds = version_change_kinds(db, sid, lang)
        self.current = current_version(db, sid, lang)
        # The site's own versions in order; versions recovered from web-archive captures are numbered among
        # them but dated by their captures, and reported apart (scheduler/detect_captures.py).
        self.live = live_versions(db, sid, lang)

    def report(self) -> list[int]:
        written: list[int] = []
        for number in reported_versions(self.db, self.sid, self.lang):
            if number in self.kinds:
                continue
            new = load_version(self.db, self.sid, self.lang, number)
            assert new is not None
            if number == 1:
                written += self._new(new)
                continue
            outcome = self._flip(number, new)
            if outcome is None:
                outcome = self._edit(number, new)
            if outcome is None:
                break   # held for confirmation: the later versions wait behind it
            written += outcome
        return written

    def _insert(self, number: int, kind: str, summary: str, *, base: int | None, diff: str | None = None,
                cosmetic: bool = False) -> list[int]:
        self.kinds[number] = kind
        return insert_change(self.db, key=f"version:{self.sid}:{self.lang}:{number}", sid=self.sid, lang=self.lang,
                             kind=kind, from_version=base, to_version=number, run_id=self.run_id, summary=summary,
                             diff=diff, cosmetic=cosmetic, now=self.now)

    def _new(self, new: dict[str, Any]) -> list[int]:
        # A variant of a statement we already had in an earlier run is a translation appearing later.
        what = "new translation" if is_late_translation(self.db, self.sid, self.lang) else "new statement"
        return self._insert(1, "new", f"{what} ({self.lang}): {new['title']}", base=None)

    def _prev(self, number: int) -> int:
        """The site's version before this one (number - 1 unless captures were stored in between)."""
        return max((v for v in self.live if v < number), default=number - 1)

    def _next(self, number: int) -> int:
        """The site's version after this one."""
        return min((v for v in self.live if v > number), default=number + 1)

    def _base(self, number: int) -> int:
        """The version an edit is compared with: the latest earlier one that was not superseded unconfirmed."""
        base = self._prev(number)
        while base > 1 and self.kinds.get(base) == "unconfirmed":
            base = self._prev(base)
        return base

    def _flip(self, number: int, new: dict[str, Any]) -> list[int] | None:
        """A return to an earlier text whose replacement lasted under the flap window: one flapping change,
        then every further flip counted on it. None when this version is not a flip."""
        earlier = earlier_version_with(self.db, self.sid, self.lang, self._prev(number), new["content_sha256"])
        if earlier is None:
            return None
        replaced = load_version(self.db, self.sid, self.lang, self._next(earlier))
        if replaced is None or not is_flip(self.rules, replaced_at=to_datetime(replaced["captured_at"]),
                                           back_at=to_datetime(new["captured_at"])):
            return None
        previous = load_version(self.db, self.sid, self.lang, self._prev(number))
        open_flapping = latest_change(self.db, self.sid, self.lang, "flapping")
        if (open_flapping is not None and previous is not None
                and self.kinds.get(self._prev(number)) in ("flapping", "flip")
                and is_flip(self.rules, replaced_at=to_datetime(previous["captured_at"]),
                            back_at=to_datetime(new["captured_at"]))):
            flips = 1 + sum(1 for k in self.kinds.values() if k == "flip") - self._flips_before(open_flapping)
            set_summary(self.db, open_flapping["id"], _flapping_summary(self._first_of(open_flapping), number,
                                                                         flips + 1, new["captured_at"]))
            return self._insert(number, "flip", f"flip {flips + 1} of the flapping reported as change "
                                f"{open_flapping['id']}: back to the text of version {earlier}",
                                base=self._prev(number))
        clear_confirmation(self.db, self.sid, self.lang)
        return self._insert(number, "flapping", _flapping_summary(earlier, number, 1, new["captured_at"]),
                            base=self._prev(number))

    def _first_of(self, flapping: dict[str, Any]) -> int:
        """The earliest version a flapping change involves: the one its first flip returned to."""
        back = load_version(self.db, self.sid, self.lang, flapping["to_version"])
        first = back and earlier_version_with(self.db, self.sid, self.lang, self._prev(flapping["to_version"]),
                                              back["content_sha256"])
        return first or flapping["from_version"]

    def _flips_before(self, flapping: dict[str, Any]) -> int:
        return sum(1 for v, k in self.kinds.items() if k == "flip" and v < flapping["to_version"])

    def _edit(self, number: int, new: dict[str, Any]) -> list[int] | None:
        """An edit: reported now, held for a confirming fetch (None), or given up when superseded unconfirmed."""
        base = self._base(number)
        old = load_version(self.db, self.sid, self.lang, base)
        assert old is not None
        diff = diff_versions(old, new)
        reason = self._confirmation_reason(diff, new)
        confirmed = ""
        if reason is not None:
            if number != self.current:
                return self._insert(number, "unconfirmed", f"not confirmed: version {self._next(number)} followed"
                                    f" before a second fetch could show this text again ({reason})", base=base)
            since = (to_datetime(new["captured_at"]) + self.rules.confirm_delay).isoformat()
            if not same_text_fetched_since(self.db, self.sid, self.lang, since):
                await_confirmation(self.db, self.sid, self.lang, number, since)
                return None
            confirmed = f" (confirmed by a second fetch: {reason})"
        clear_confirmation(self.db, self.sid, self.lang)
        summary = summarize(diff)
        earlier = earlier_version_with(self.db, self.sid, self.lang, self._prev(number), new["content_sha256"])
        if earlier is not None:
            summary = f"reverted to the text of version {earlier}; {summary}"
        cosmetic = is_cosmetic(old, new)
        if cosmetic:
            summary = f"cosmetic only: {summary}"
        return self._insert(number, "edited", summary + confirmed, base=base, diff=render_text(diff),
                            cosmetic=cosmetic)

    def _confirmation_reason(self, diff: Any, new: dict[str, Any]) -> str | None:
        published, first_seen = statement_dates(self.db, self.sid)
        return confirmation_reason(self.rules, diff, captured=to_datetime(new["captured_at"]),
                                   published=parse_timestamp(published) or parse_timestamp(first_seen))


def _flapping_summary(first: int, last: int, flips: int, at: str) -> str:
    return (f"flapping: the page keeps returning to earlier text (versions {first} to {last},"
            f" {flips} flip{'s' if flips != 1 else ''}, the last at {at})")


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
