"""scheduler.detect: new / edited / deleted / restored, cosmetic and flapping, never from transient errors."""
from datetime import timedelta

import pytest

from scheduler.detect import DeletionRule, detect_changes
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
    detect_changes(db, run, NOW_RULE)
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
    assert kinds(rows) == [("edited", "ru")]
    assert rows[0][5].startswith("flapping: reverted to the text of version 1")


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
