"""scheduler.detect: new / edited / deleted / restored, cosmetic and flapping, never from transient errors."""
from datetime import datetime, timedelta, timezone

import pytest

from scheduler.detect import DeletionRule, detect_changes
from scheduler.edit_rules import REPORT_AT_ONCE as AT_ONCE
from scheduler.edit_rules import EditRules
from store.db import open_db
from store.fetches import record_fetch
from store.pages import record_page
from store.runs import start_run
from tests.helpers import fetch, ok_fetch, record

NOW_RULE = DeletionRule(checks=2, span=timedelta(0))


@pytest.fixture
def db(tmp_path):
    return open_db(tmp_path / "t.db")


def crawl(db, *pages, fetches=()):
    """One run: record the pages and failure fetches, then detect; returns the new change rows."""
    run = start_run(db, command="run", base_url="x")
    for rec in pages:
        record_page(db, run, rec, ok_fetch(rec))
    for f in fetches:
        record_fetch(db, run, f)
    detect_changes(db, run, NOW_RULE, edits=AT_ONCE)
    return db.conn.execute("SELECT kind, lang, cosmetic, from_version, to_version, summary FROM changes"
                           " WHERE run_id=? ORDER BY id", (run,)).fetchall()


def kinds(rows):
    return [(r[0], r[1]) for r in rows]


def test_first_sight_is_new_and_translation_later_is_new_for_that_language(db):
    assert kinds(crawl(db, record(lang="ru"))) == [("new", "ru")]
    rows = crawl(db, record(lang="ru"), record(lang="en", title="Title"))
    assert kinds(rows) == [("new", "en")]
    assert rows[0][5].startswith("new translation (en)")


def test_unchanged_recrawl_writes_no_change(db):
    crawl(db, record())
    assert crawl(db, record()) == []


def test_paragraph_edit(db):
    crawl(db, record(paragraphs=[(None, "Один."), (None, "Два.")]))
    rows = crawl(db, record(paragraphs=[(None, "Один."), (None, "Два, три.")]))
    assert [(r[0], r[2], r[3], r[4]) for r in rows] == [("edited", 0, 1, 2)]
    assert "1 paragraph edited" in rows[0][5]


def test_quote_style_only_is_cosmetic(db):
    crawl(db, record(title="Заявление «о мире»"))
    rows = crawl(db, record(title='Заявление "о мире"'))
    assert [(r[0], r[2]) for r in rows] == [("edited", 1)]
    assert rows[0][5].startswith("cosmetic only")


def test_flapping_is_reported_as_such(db):
    a = record(paragraphs=[(None, "Текст А.")])
    b = record(paragraphs=[(None, "Текст Б.")])
    crawl(db, a)
    crawl(db, b)
    rows = crawl(db, a)
    assert kinds(rows) == [("flapping", "ru")]
    assert rows[0][5].startswith("flapping: the page keeps returning to earlier text (versions 1 to 3, 1 flip")


@pytest.mark.parametrize("outcome,status", [("server_error", 503), ("timeout", None), ("challenge", 200),
                                            ("connection_error", None), ("robots", None), ("rate_limited", 429)])
def test_transient_failures_never_delete_or_edit(db, outcome, status):
    crawl(db, record())
    for _ in range(4):
        assert crawl(db, fetches=[fetch(1975319, "ru", outcome, status)]) == []
    assert db.conn.execute("SELECT status FROM variants").fetchone() == ("active",)
    assert db.conn.execute("SELECT count(*) FROM versions").fetchone()[0] == 1


def test_deletion_needs_the_configured_number_of_checks(db):
    crawl(db, record())
    assert crawl(db, fetches=[fetch(1975319, "ru", "gone", 404)]) == []
    rows = crawl(db, fetches=[fetch(1975319, "ru", "gone", 404)])
    assert kinds(rows) == [("deleted", "ru")]
    assert "HTTP 404 on 2 checks" in rows[0][5]
    assert db.conn.execute("SELECT status FROM statements").fetchone() == ("deleted",)
    # Still gone next time: reported once only.
    assert crawl(db, fetches=[fetch(1975319, "ru", "gone", 404)]) == []


def test_transient_errors_between_gone_answers_neither_count_nor_reset(db):
    crawl(db, record())
    crawl(db, fetches=[fetch(1975319, "ru", "gone", 404)])
    assert crawl(db, fetches=[fetch(1975319, "ru", "server_error", 503)]) == []
    assert kinds(crawl(db, fetches=[fetch(1975319, "ru", "gone", 404)])) == [("deleted", "ru")]


def test_good_answer_resets_the_deletion_count(db):
    crawl(db, record())
    crawl(db, fetches=[fetch(1975319, "ru", "gone", 404)])
    crawl(db, record())
    assert crawl(db, fetches=[fetch(1975319, "ru", "gone", 404)]) == []


def test_deletion_waits_for_the_minimum_span(db):
    crawl(db, record())
    run = start_run(db, command="run", base_url="x")
    record_fetch(db, run, fetch(1975319, "ru", "gone", 404))
    record_fetch(db, run, fetch(1975319, "ru", "gone", 404))
    rule = DeletionRule(checks=2, span=timedelta(hours=6))
    assert detect_changes(db, run, rule) == []
    # The same two answers, six hours apart, do confirm it.
    db.conn.execute("UPDATE fetches SET fetched_at='2020-01-01T00:00:00+00:00' WHERE id=(SELECT min(id) FROM fetches"
                    " WHERE outcome='gone')")
    assert len(detect_changes(db, run, rule)) == 1


def test_one_language_deleted_only(db):
    crawl(db, record(lang="ru"), record(lang="en", title="T"))
    crawl(db, record(lang="ru"), fetches=[fetch(1975319, "en", "gone", 404)])
    rows = crawl(db, record(lang="ru"), fetches=[fetch(1975319, "en", "gone", 410)])
    assert kinds(rows) == [("deleted", "en")]
    assert db.conn.execute("SELECT status FROM statements").fetchone() == ("active",)


def test_restore_same_content_and_restore_with_edit(db):
    crawl(db, record())
    crawl(db, fetches=[fetch(1975319, "ru", "gone", 404)])
    crawl(db, fetches=[fetch(1975319, "ru", "gone", 404)])
    assert kinds(crawl(db, record())) == [("restored", "ru")]
    assert db.conn.execute("SELECT status FROM statements").fetchone() == ("active",)
    crawl(db, fetches=[fetch(1975319, "ru", "gone", 404)])
    crawl(db, fetches=[fetch(1975319, "ru", "gone", 404)])
    assert kinds(crawl(db, record(title="Другой"))) == [("restored", "ru"), ("edited", "ru")]


def test_detection_is_idempotent(db):
    crawl(db, record())
    crawl(db, record(title="Другой"))
    before = db.conn.execute("SELECT count(*) FROM changes").fetchone()[0]
    assert detect_changes(db, None, NOW_RULE) == []
    assert detect_changes(db, None, NOW_RULE) == []
    assert db.conn.execute("SELECT count(*) FROM changes").fetchone()[0] == before


def test_rederived_version_makes_no_change(db):
    old = record(paragraphs=[(None, "Абзац :")], parser_version="g2-article/1")
    crawl(db, old)
    new = record(paragraphs=[(None, "Абзац:")], parser_version="g2-article/2")
    run = start_run(db, command="run", base_url="x")
    record_page(db, run, new, ok_fetch(new), reparse=lambda body, url: new)
    assert detect_changes(db, run, NOW_RULE) == []


def test_gone_answers_of_an_interrupted_run_still_count_toward_a_deletion(db):
    from store.runs import finish_run

    crawl(db, record())
    killed = start_run(db, command="run", base_url="x")
    record_fetch(db, killed, fetch(1975319, "ru", "gone", 404))
    record_fetch(db, killed, fetch(1975319, "ru", "gone", 404))
    finish_run(db, killed, "interrupted", "the process running it died")   # never ran its detection
    rows = crawl(db)   # the next run fetches nothing of that variant
    assert kinds(rows) == [("deleted", "ru")]


# --- edits confirmed before they are reported, and flapping (issue 15) -----------------------------------------

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def crawl_at(db, at, *pages, fetches=(), edits=EditRules()):
    """One run at virtual time `at` (minutes after T0): pages recorded, then detection; its change rows."""
    now = (T0 + timedelta(minutes=at)).isoformat()
    run = start_run(db, command="run", base_url="x", now=now)
    for rec in pages:
        record_page(db, run, rec, ok_fetch(rec), now=now)
    for f in fetches:
        record_fetch(db, run, f, now=now)
    detect_changes(db, run, NOW_RULE, edits=edits, now=now)
    return db.conn.execute("SELECT kind, from_version, to_version, summary FROM changes WHERE run_id=? ORDER BY id",
                           (run,)).fetchall()


FRESH = (T0 - timedelta(hours=5)).isoformat()
LONG = [(None, f"Абзац номер {n} с текстом.") for n in range(6)]


def test_an_edit_removing_a_third_waits_for_a_second_fetch_of_the_same_text(db):
    crawl_at(db, 0, record(paragraphs=LONG, published_at=FRESH))
    cut = record(paragraphs=LONG[:3], published_at=FRESH)
    assert crawl_at(db, 30, cut) == []                       # version 2, held: half the paragraphs are gone
    assert db.conn.execute("SELECT confirm_version FROM variants").fetchone() == (2,)
    assert crawl_at(db, 35, cut) == []                       # too soon after it: no confirmation yet
    rows = crawl_at(db, 45, cut)                             # 15 minutes later the same text again
    assert [r[:3] for r in rows] == [("edited", 1, 2)]
    assert "confirmed by a second fetch: it removes 50% of the paragraphs" in rows[0][3]
    assert db.conn.execute("SELECT confirm_version FROM variants").fetchone() == (None,)


def test_a_cut_that_the_next_fetch_does_not_repeat_is_never_an_edit(db):
    crawl_at(db, 0, record(paragraphs=LONG, published_at=FRESH))
    assert crawl_at(db, 30, record(paragraphs=LONG[:2], published_at=FRESH)) == []
    rows = crawl_at(db, 60, record(paragraphs=LONG, published_at=FRESH))     # the whole text again
    assert [r[0] for r in rows] == ["unconfirmed", "flapping"]
    assert not db.conn.execute("SELECT 1 FROM changes WHERE kind='edited'").fetchall()


def test_any_edit_of_an_old_statement_is_confirmed_first(db):
    old = (T0 - timedelta(days=30)).isoformat()
    crawl_at(db, 0, record(published_at=old))
    edited = record(published_at=old, paragraphs=[(None, "Первый абзац."), (None, "Второй абзац, исправленный.")])
    assert crawl_at(db, 30, edited) == []
    rows = crawl_at(db, 90, edited)
    assert [r[0] for r in rows] == ["edited"] and "the statement is 30 days old" in rows[0][3]


def test_a_small_edit_of_a_fresh_statement_is_reported_at_once(db):
    crawl_at(db, 0, record(published_at=FRESH))
    rows = crawl_at(db, 30, record(published_at=FRESH, paragraphs=[(None, "Первый абзац."), (None, "Второй.")]))
    assert [r[0] for r in rows] == ["edited"]


def test_flips_are_counted_on_one_flapping_change_until_the_text_holds(db):
    a = record(published_at=FRESH, paragraphs=[(None, "Текст А."), (None, "Общий абзац.")])
    b = record(published_at=FRESH, paragraphs=[(None, "Текст Б."), (None, "Общий абзац.")])
    crawl_at(db, 0, a)
    assert [r[0] for r in crawl_at(db, 30, b)] == ["edited"]
    assert [r[0] for r in crawl_at(db, 60, a)] == ["flapping"]
    for n, text in enumerate((b, a, b), start=3):
        assert [r[0] for r in crawl_at(db, 30 * n + 30, text)] == ["flip"]
    (summary,) = db.conn.execute("SELECT summary FROM changes WHERE kind='flapping'").fetchone()
    assert "versions 1 to 6, 4 flips" in summary
    # Sinks get the edit and the flapping once, never the flips.
    from store.changes import change_rows
    assert [c["kind"] for c in change_rows(db, not_sent_to="jsonl:x")] == ["new", "edited", "flapping"]
    # The text then holds for more than the window: the next change is an edit again.
    c = record(published_at=FRESH, paragraphs=[(None, "Текст В."), (None, "Общий абзац.")])
    assert [r[0] for r in crawl_at(db, 60 * 30, c)] == ["edited"]
