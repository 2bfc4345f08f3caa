"""Edits found in web-archive captures: each text of a variant in the order it was seen, and an `edited` change
wherever a capture's text differs from the text seen before it (a capture or the live page) or after it.

The change is dated by the sightings around it (`changes.changed_after`: the last time the old text was seen,
`changed_before`: the first time the new one was); pairs of two live versions are scheduler/detect.py's.

How captures meet the edit rules of scheduler/edit_rules.py (decided here, documented in the README):
- no confirming fetch: the rules hold a strong edit seen in one live response until a second fetch shows it
  again, because a live response may be a passing state of the site. A capture is a fixed, dated record kept by
  a third party; asking it again returns the same bytes (its digest is in the index), so it is evidence of the
  text at its time on its own. What stands in for the confirmation is the check every capture passes before it
  becomes a version (whole, the right statement, not an error or anti-bot page), and the summary says how many
  captures showed each text;
- no flapping: the flap window is about re-fetches minutes apart; captures are days apart, and a return to an
  earlier text between them is reported as an edit "reverted to the text of version N";
- live detection is unchanged: captures never hold, confirm or flip a live edit.
"""
from __future__ import annotations

import sqlite_utils

from scheduler.compare import is_cosmetic
from scheduler.diff.compute import diff_versions
from scheduler.diff.summary import summarize
from scheduler.diff.text_format import render_text
from store.captures import Sighting, set_edit_window, timeline, unsettled, variants_with_new_captures
from store.changes import change_exists, insert_change
from store.sql import transaction
from store.timestamps import utcnow
from store.versions import load_version


def detect_capture_changes(db: sqlite_utils.Database, run_id: int, *, now: str | None = None) -> list[int]:
    """Report the edits found between the captures read by this run (and by killed earlier ones) and the texts
    around them; variants whose captures are not all read yet wait. Idempotent. The ids of the changes written."""
    waiting = unsettled(db)
    written: list[int] = []
    for sid, lang in variants_with_new_captures(db, run_id):
        if (sid, lang) in waiting:
            continue
        with transaction(db):
            written += _report(db, sid, lang, run_id, now or utcnow())
    return written


def _report(db: sqlite_utils.Database, sid: str, lang: str, run_id: int, now: str) -> list[int]:
    items = timeline(db, sid, lang)
    written: list[int] = []
    for i in range(1, len(items)):
        old, new = items[i - 1], items[i]
        if old.last_live and new.first_live:
            continue   # between two fetches of the site: scheduler/detect.py's
        key = f"capture:{sid}:{lang}:{old.last_version}:{new.first_version}:{new.first}"
        if change_exists(db, key):
            continue
        written += _edited(db, sid, lang, run_id, now, key, old, new, items[: i - 1])
    return written


def _edited(db: sqlite_utils.Database, sid: str, lang: str, run_id: int, now: str, key: str, old: Sighting,
            new: Sighting, earlier: list[Sighting]) -> list[int]:
    before = load_version(db, sid, lang, old.last_version)
    after = load_version(db, sid, lang, new.first_version)
    assert before is not None and after is not None
    diff = diff_versions(before, after)
    summary = summarize(diff)
    back = [s.last_version for s in earlier if s.sha == new.sha]
    if back:
        summary = f"reverted to the text of version {back[-1]}; {summary}"
    cosmetic = is_cosmetic(before, after)
    if cosmetic:
        summary = f"cosmetic only: {summary}"
    summary += (f" (web archive: made between {old.last} [{_seen(old.last_live)}] and {new.first}"
                f" [{_seen(new.first_live)}]; the old text was seen in {_count(old)}, the new one in {_count(new)})")
    ids = insert_change(db, key=key, sid=sid, lang=lang, kind="edited", from_version=old.last_version,
                        to_version=new.first_version, run_id=run_id, summary=summary, diff=render_text(diff),
                        cosmetic=cosmetic, now=now)
    for change_id in ids:
        set_edit_window(db, change_id, old.last, new.first)
    return ids


def _seen(live: bool) -> str:
    return "a fetch of the site" if live else "a capture"


def _count(s: Sighting) -> str:
    """How often a text was seen: captures, and the site itself."""
    parts = [f"{s.captures} capture{'s' if s.captures != 1 else ''}"] if s.captures else []
    if s.fetches:
        parts.append("the live page")
    return " and ".join(parts)
