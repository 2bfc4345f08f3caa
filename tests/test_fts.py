"""Migration 2: full-text search over every version, link ids for Datasette, views, and the upgrade of a
schema-1 database."""
import json
import sqlite3

import pytest

from store.db import MIGRATIONS, SCHEMA_VERSION, _split_sql, open_db
from store.pages import record_page
from tests.helpers import ok_fetch, record


@pytest.fixture
def db(tmp_path):
    return open_db(tmp_path / "t.db")


def search(db, query, table="versions_fts"):
    return [r[0] for r in db.conn.execute(
        f"SELECT v.title FROM {table} f JOIN versions v ON v.id = f.rowid WHERE {table} MATCH ? ORDER BY v.id",
        (query,))]


def test_russian_words_match_in_any_case_and_latin_without_diacritics(db):
    record_page(db, None, record(title="Заявление С.В.Лаврова",
                                 paragraphs=[(None, "Министр ЛАВРОВ встретился с коллегой.")]),
                ok_fetch(record()))
    record_page(db, None, record(source_id=1975320, lang="fr", title="Déclaration de presse",
                                 paragraphs=[(None, "La société civile.")]), ok_fetch(record()))
    assert search(db, "лавров") == ["Заявление С.В.Лаврова"]          # body: ЛАВРОВ
    assert search(db, "ЛАВРОВА") == ["Заявление С.В.Лаврова"]         # title: Лаврова
    assert search(db, "заявление") == ["Заявление С.В.Лаврова"]
    assert search(db, "societe") == ["Déclaration de presse"]
    assert search(db, "DECLARATION") == ["Déclaration de presse"]
    assert search(db, "лавр*") == ["Заявление С.В.Лаврова"]


def test_every_version_is_indexed_and_current_texts_show_the_latest(db):
    record_page(db, None, record(title="Первая редакция"), ok_fetch(record()))
    record_page(db, None, record(title="Вторая редакция"), ok_fetch(record()))
    assert search(db, "редакция") == ["Первая редакция", "Вторая редакция"]
    current = db.conn.execute("SELECT title, version, version_id FROM current_texts").fetchall()
    assert current == [("Вторая редакция", 2, 2)]
    assert db.conn.execute("SELECT current_version_id FROM variants").fetchone()[0] == 2
    assert db.conn.execute("SELECT title FROM statements").fetchone()[0] == "Вторая редакция"


def test_a_search_of_current_texts_is_counted_from_the_variants_index_alone(db):
    # Datasette counts every match of /current_texts?_search=: at 150,000 statements a common word has 86,000, and
    # joining each to its version and statement took ~0.5 s. The count must read only the small index.
    for sid, title in ((1975320, "Первая редакция"), (1975321, "Другое заявление")):
        record_page(db, None, record(source_id=sid, title=title), ok_fetch(record(source_id=sid)))
    record_page(db, None, record(source_id=1975320, title="Вторая редакция"), ok_fetch(record(source_id=1975320)))
    count = ("SELECT count(*) FROM current_texts WHERE version_id IN"
             " (SELECT rowid FROM versions_fts WHERE versions_fts MATCH ?)")
    assert db.conn.execute(count, ("редакция",)).fetchone()[0] == 1     # the first redaction is no longer current
    plan = [r[3] for r in db.conn.execute("EXPLAIN QUERY PLAN " + count, ("редакция",))]
    assert any("COVERING INDEX variants_current_version" in step for step in plan), plan
    assert all("variants_current_version" in step or "versions_fts" in step or "LIST SUBQUERY" in step
               for step in plan), plan    # no version, statement or WARC record is read to count
    shown = db.conn.execute("SELECT statement_id, lang, version, title, kind, status, warc_file FROM current_texts"
                            " WHERE version_id IN (SELECT rowid FROM versions_fts WHERE versions_fts MATCH ?)",
                            ("редакция",)).fetchall()
    assert [r[:6] for r in shown] == [("mid.ru:1975320", "ru", 2, "Вторая редакция", shown[0][4], "active")]


def test_fts_triggers_stay_off_the_tables_touched_on_every_check(db):
    triggers = db.conn.execute("SELECT tbl_name, sql, name FROM sqlite_master WHERE type='trigger'").fetchall()
    assert {t for t, sql, _ in triggers if "versions_fts" in sql} == {"versions"}
    # variants' triggers fire when a version number is written, a variant is added or its status changes
    # (coverage_counts), never on the check bookkeeping (last_checked_at, last_outcome, failures, validators);
    # except the one that empties the checked variant's own stored re-check time (a check moves it): one row.
    assert all(any(f in sql for f in ("UPDATE OF current_version", "UPDATE OF status", "AFTER INSERT"))
               for t, sql, name in triggers if t == "variants" and name != "variants_next_check_stale")
    stale = next(sql for _, sql, name in triggers if name == "variants_next_check_stale")
    assert " ".join(stale.split()).endswith("BEGIN UPDATE variants SET next_check = NULL WHERE rowid = new.rowid; END")
    assert not [t for t, _, _ in triggers if t == "fetches"]


def test_changes_link_to_the_versions_they_compare(db):
    record_page(db, None, record(title="A"), ok_fetch(record()))
    record_page(db, None, record(title="B"), ok_fetch(record()))
    db.conn.execute("INSERT INTO changes (key, statement_id, lang, kind, from_version, to_version, detected_at,"
                    " summary) VALUES ('k', 'mid.ru:1975319', 'ru', 'edited', 1, 2, '2024-10-10', 's')")
    assert db.conn.execute("SELECT from_version_id, to_version_id FROM changes").fetchone() == (1, 2)


def test_views_answer_the_everyday_questions(db):
    for sid, lang in ((1975319, "ru"), (1975319, "en"), (1975320, "ru")):
        rec = record(source_id=sid, lang=lang, title=f"T {sid} {lang}")
        record_page(db, None, rec, ok_fetch(rec))
    db.conn.execute("UPDATE variants SET status='deleted' WHERE statement_id='mid.ru:1975320'")
    db.conn.execute("UPDATE statements SET status='deleted' WHERE id='mid.ru:1975320'")
    latest = db.conn.execute("SELECT statement_id, languages, n_languages FROM latest_statements"
                             " WHERE statement_id='mid.ru:1975319'").fetchall()
    assert latest == [("mid.ru:1975319", "en ru", 2)]
    coverage = db.conn.execute("SELECT month, lang, statements, deleted FROM coverage").fetchall()
    assert coverage == [("2024-10", "en", 1, 0), ("2024-10", "ru", 2, 1)]
    problems = db.conn.execute("SELECT statement_id, problem FROM problem_variants").fetchall()
    assert problems == [("mid.ru:1975320", "deleted")]
    assert db.conn.execute("SELECT count(*) FROM missing_translations").fetchone()[0] == 0
    rec = record(source_id=1975321, lang="ru")
    record_page(db, None, rec, ok_fetch(rec))
    assert db.conn.execute("SELECT statement_id, missing_lang, has_languages FROM missing_translations"
                           ).fetchall() == [("mid.ru:1975321", "en", "ru")]


def test_schema_1_database_is_upgraded_with_its_data(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    for statement in _split_sql(MIGRATIONS[0]):
        conn.execute(statement)
    conn.execute("INSERT INTO statements VALUES ('mid.ru:1', 'mid.ru', 1, 's', 'news', '2024-10-01', NULL,"
                 " 'x', 'x', 'active')")
    conn.execute("INSERT INTO variants (statement_id, lang, url, title, current_version, first_seen_at)"
                 " VALUES ('mid.ru:1', 'ru', 'u', 'Старый заголовок', 2, 'x')")
    for v, title in ((1, "Старый"), (2, "Старый заголовок")):
        conn.execute("INSERT INTO versions (statement_id, lang, version, title, body, paragraphs, content_sha256,"
                     " captured_at, parser_version) VALUES ('mid.ru:1', 'ru', ?, ?, 'Текст', ?, 'h', 'x', 'p/1')",
                     (v, title, json.dumps([])))
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    db = open_db(path)
    assert db.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.conn.execute("SELECT id, version FROM versions ORDER BY id").fetchall() == [(1, 1), (2, 2)]
    assert search(db, "заголовок") == ["Старый заголовок"]
    assert db.conn.execute("SELECT current_version_id FROM variants").fetchone()[0] == 2
    assert db.conn.execute("SELECT title FROM statements").fetchone()[0] == "Старый заголовок"
    assert db.conn.execute("PRAGMA foreign_key_check").fetchall() == []


def test_coverage_is_kept_by_its_counts_through_every_change(db):
    """coverage reads coverage_counts (migration 17): the same rows as counting every variant, after new
    statements and translations, deletions and restorations, and a publication date moved to another month."""
    from store.variants import set_status

    full = ("SELECT coalesce(substr(s.published_at, 1, 7), 'unknown'), va.lang, count(*), sum(va.status = 'active'),"
            " sum(va.status = 'deleted') FROM variants va JOIN statements s ON s.id = va.statement_id"
            " GROUP BY 1, 2 ORDER BY 1 DESC, 2")
    for sid, lang, published in ((1, "ru", "2024-10-09T16:00:00+03:00"), (1, "en", None), (2, "ru", "2023-01-31T23:00:00+03:00"),
                                 (3, "fr", None)):
        rec = record(source_id=sid, lang=lang, **({"published_at": published} if published else {"published_at": None}))
        record_page(db, None, rec, ok_fetch(rec))
    set_status(db, "mid.ru:1", "en", "deleted", "2024-10-10T00:00:00+00:00")
    assert db.conn.execute("SELECT * FROM coverage").fetchall() == db.conn.execute(full).fetchall()
    db.conn.execute("UPDATE statements SET published_at = '2022-05-01T10:00:00+03:00' WHERE id = 'mid.ru:1'")
    set_status(db, "mid.ru:1", "en", "active", "2024-10-11T00:00:00+00:00")
    db.conn.execute("UPDATE statements SET published_at = published_at, last_seen_at = 'x'")   # same month: no move
    got = db.conn.execute("SELECT * FROM coverage").fetchall()
    assert got == db.conn.execute(full).fetchall() and ("2022-05", "en", 1, 1, 0) in got
    assert ("unknown", "fr", 1, 1, 0) in got


def _segments(db):
    return db.conn.execute("SELECT count(DISTINCT segid) FROM versions_fts_idx").fetchone()[0]


def _fill(db, run_id, n, first=0):
    from store.sql import transaction

    for i in range(n):   # one transaction each: a segment each, as small crawls leave them
        with transaction(db):
            record_page(db, run_id, record(source_id=1975400 + first + i, title=f"Заявление {i}",
                                           paragraphs=[(None, f"Министр Лавров встретился с коллегой номер {i}.")]),
                        ok_fetch(record()))


def test_a_large_backfill_ends_with_the_search_index_merged_and_a_small_one_leaves_it(tmp_path, monkeypatch):
    import scheduler.backfill as backfill
    from store.runs import start_run

    db = open_db(tmp_path / "b.db")
    monkeypatch.setattr(backfill, "COMPACT_AFTER_VERSIONS", 5)
    small = start_run(db, command="backfill", base_url=None)
    _fill(db, small, 4)
    backfill._close(db, small, backfill.BackfillSettings(), None, [])
    assert _segments(db) > 1                                   # 4 versions: left as the crawls wrote it
    large = start_run(db, command="backfill", base_url=None)
    _fill(db, large, 6, first=100)
    before = search(db, "лавров")
    assert backfill._close(db, large, backfill.BackfillSettings(), None, []).warnings == []
    assert _segments(db) == 1                                  # merged into one b-tree
    assert search(db, "лавров") == before and len(before) == 10
    db.conn.execute("INSERT INTO versions_fts(versions_fts) VALUES ('integrity-check')")   # raises if damaged


def test_merging_the_index_gives_the_freed_pages_back(tmp_path):
    from store.search import compact_index

    from store.sql import transaction

    db = open_db(tmp_path / "c.db")
    for i in range(40):   # a segment each, with a few thousand distinct words: pages of index to merge
        with transaction(db):
            words = " ".join(f"слово{i}x{j}" for j in range(600))
            record_page(db, None, record(source_id=1975400 + i, title=f"Заявление {i}",
                                         paragraphs=[(None, f"Министр Лавров. {words}")]), ok_fetch(record()))
    pages = db.conn.execute("PRAGMA page_count").fetchone()[0]
    compact_index(db)
    assert db.conn.execute("PRAGMA freelist_count").fetchone()[0] == 0
    assert db.conn.execute("PRAGMA page_count").fetchone()[0] < pages
    assert len(search(db, "лавров")) == 40 and len(search(db, "слово7x599")) == 1
