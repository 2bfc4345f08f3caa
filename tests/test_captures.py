"""store/captures.py and scheduler/detect_captures.py: captures become versions or collapse, edits between them are
dated by the sightings around them, and live detection goes on as if they were not there."""
from __future__ import annotations

import pytest

from scheduler.detect import detect_changes
from scheduler.detect_captures import detect_capture_changes
from scheduler.edit_rules import REPORT_AT_ONCE
from store.captures import (collapse_target, record_capture, refuse_capture, save_captures_page, timeline,
                            unsettled)
from store.db import open_db
from store.pages import record_page
from store.records import Fetch
from store.runs import finish_run, start_run
from store.versions import reported_versions
from tests.helpers import ok_fetch, record

SID, LANG = "mid.ru:1968405", "ru"
OLD = [("Вопрос", "Итоги недели?"), ("С.В.Лавров", "Реформа Совета Безопасности ООН.")]
NEW = [("Вопрос", "Итоги недели?"), ("С.В.Лавров", "Реформа финансовых институтов и Совета Безопасности ООН.")]
ARCHIVE = "http://archive.test"


@pytest.fixture
def db(tmp_path):
    store = open_db(tmp_path / "captures.db")
    yield store
    store.conn.close()


def page(paragraphs, **extra):
    return record(source_id=1968405, paragraphs=paragraphs, **extra)


def capture(timestamp: str, iso: str, original: str = "https://mid.ru/ru/press_service/minister_speeches/1968405/"):
    return {"statement_id": SID, "lang": LANG, "timestamp": timestamp, "original": original, "digest": f"D{timestamp}",
            "url": f"{ARCHIVE}/web/{timestamp}id_/{original}", "captured_at": iso}


def read(db, run_id, cap, paragraphs):
    fetch = Fetch(url=cap["url"], page_type="capture", outcome="ok", http_status=200, body=repr(paragraphs).encode())
    return record_capture(db, run_id, cap, page(paragraphs), fetch)


def list_captures(db, *caps):
    save_captures_page(db, f"captures {SID} {LANG} x", SID, LANG, caps, complete=True, resume_key=None)


def test_captures_collapse_become_versions_and_date_the_edit(db):
    run1 = start_run(db, command="run", base_url="x")
    record_page(db, run1, page(NEW), ok_fetch(page(NEW)), now="2025-01-10T10:00:00+00:00")
    detect_changes(db, run1)
    finish_run(db, run1, "ok")
    run2 = start_run(db, command="backfill", base_url="x")
    c1, c2 = capture("20241004140510", "2024-10-04T14:05:10+00:00"), capture("20241004191200", "2024-10-04T19:12:00+00:00")
    c3 = capture("20241005131500", "2024-10-05T13:15:00+00:00")
    list_captures(db, c1, c2, c3)
    assert unsettled(db) == {(SID, LANG)}
    # read out of order: the later capture of the current text first, then the two of the earlier text
    assert (read(db, run2, c3, NEW).version, read(db, run2, c3, NEW).new) == (1, False)   # collapses into v1
    first = read(db, run2, c1, OLD)
    assert first.new and first.version == 2
    assert read(db, run2, c2, OLD) == type(first)(2, False)                               # collapses into v2
    assert unsettled(db) == set()
    v2 = db.conn.execute("SELECT source, captured_at, evidence_url, evidence_digest FROM versions"
                         " WHERE statement_id=? AND lang=? AND version=2", (SID, LANG)).fetchone()
    assert v2 == ("web-archive", "2024-10-04T14:05:10+00:00", c1["url"], "D20241004140510")
    assert [(s.first_version, s.last_version, s.first, s.last, s.captures, s.fetches)
            for s in timeline(db, SID, LANG)] == [
        (2, 2, "2024-10-04T14:05:10+00:00", "2024-10-04T19:12:00+00:00", 2, 0),
        (1, 1, "2024-10-05T13:15:00+00:00", "2025-01-10T10:00:00+00:00", 1, 1)]

    written = detect_capture_changes(db, run2)
    assert len(written) == 1
    row = db.conn.execute("SELECT kind, from_version, to_version, changed_after, changed_before, summary FROM changes"
                          " WHERE id=?", (written[0],)).fetchone()
    assert row[:5] == ("edited", 2, 1, "2024-10-04T19:12:00+00:00", "2024-10-05T13:15:00+00:00")
    assert row[5].startswith("1 paragraph edited (web archive: made between 2024-10-04T19:12:00+00:00 [a capture]")
    assert "the old text was seen in 2 captures, the new one in 1 capture and the live page" in row[5]
    assert detect_capture_changes(db, run2) == []          # idempotent
    detect_changes(db, run2)                               # live detection: nothing to say about captures
    assert reported_versions(db, SID, LANG) == [1]
    assert db.conn.execute("SELECT count(*) FROM changes WHERE kind='edited'").fetchone() == (1,)


def test_a_live_edit_after_a_backfill_is_compared_with_the_live_version_before_it(db):
    run1 = start_run(db, command="run", base_url="x")
    record_page(db, run1, page(NEW), ok_fetch(page(NEW)), now="2025-01-10T10:00:00+00:00")
    detect_changes(db, run1)
    list_captures(db, capture("20241004140510", "2024-10-04T14:05:10+00:00"))
    read(db, run1, capture("20241004140510", "2024-10-04T14:05:10+00:00"), OLD)   # v2, from the web archive
    later = [*NEW, (None, "Добавленный абзац.")]
    run2 = start_run(db, command="run", base_url="x")
    result = record_page(db, run2, page(later), ok_fetch(page(later)), now="2025-02-01T10:00:00+00:00")
    assert result.version == 3                              # the next free number, after the capture's
    detect_changes(db, run2, edits=REPORT_AT_ONCE)
    assert db.conn.execute("SELECT kind, from_version, to_version FROM changes WHERE to_version=3").fetchall() == [
        ("edited", 1, 3)]                                   # v1 -> v3, not the capture v2 -> v3


def test_a_return_to_an_earlier_text_between_captures_is_a_reverted_edit(db):
    run = start_run(db, command="backfill", base_url="x")
    record_page(db, run, page(NEW), ok_fetch(page(NEW)), now="2025-01-10T10:00:00+00:00")
    caps = [capture("20230101000000", "2023-01-01T00:00:00+00:00"), capture("20230601000000", "2023-06-01T00:00:00+00:00"),
            capture("20240101000000", "2024-01-01T00:00:00+00:00")]
    list_captures(db, *caps)
    for cap, text in zip(caps, (NEW, OLD, NEW)):
        read(db, run, cap, text)
    # NEW (2023-01, collapsed into the live version) -> OLD (2023-06) -> NEW (2024-01, the live version again)
    assert [(s.first_version, s.last_version, s.captures, s.fetches) for s in timeline(db, SID, LANG)] == [
        (1, 1, 1, 0), (2, 2, 1, 0), (1, 1, 1, 1)]
    detect_capture_changes(db, run)
    rows = db.conn.execute("SELECT from_version, to_version, summary FROM changes WHERE kind='edited'"
                           " ORDER BY id").fetchall()
    assert [(r[0], r[1]) for r in rows] == [(1, 2), (2, 1)]
    assert rows[1][2].startswith("reverted to the text of version 1")


def test_refused_captures_never_become_versions(db):
    run = start_run(db, command="backfill", base_url="x")
    record_page(db, run, page(NEW), ok_fetch(page(NEW)))
    broken, busy = capture("20241005110000", "2024-10-05T11:00:00+00:00"), capture("20241006110000", "2024-10-06T11:00:00+00:00")
    list_captures(db, broken, busy)
    refuse_capture(db, run, broken, Fetch(url=broken["url"], page_type="capture", outcome="truncated",
                                          http_status=200, error="cut"), permanent=True)
    refuse_capture(db, run, busy, Fetch(url=busy["url"], page_type="capture", outcome="rate_limited",
                                        http_status=429), permanent=False)
    states = dict(db.conn.execute("SELECT timestamp, state FROM captures").fetchall())
    assert states == {"20241005110000": "truncated", "20241006110000": "pending"}   # asked again next time
    assert unsettled(db) == {(SID, LANG)}
    assert db.conn.execute("SELECT count(*) FROM versions").fetchone() == (1,)


def test_collapse_target_looks_at_the_neighbours_only():
    from store.captures import Point

    seen = [Point("2023-01", 2, "A", False), Point("2023-02", 2, "A", False), Point("2023-06", 3, "B", False),
            Point("2025-01", 1, "A", True)]
    assert collapse_target(seen, "2023-03", "A") == 2      # the text seen just before
    assert collapse_target(seen, "2023-07", "A") == 1      # the text seen just after
    assert collapse_target(seen, "2023-07", "B") == 3
    assert collapse_target(seen, "2023-07", "C") is None   # a new text there
    assert collapse_target([], "2023-07", "C") is None
