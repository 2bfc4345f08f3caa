"""store.pages and store.runs: versions only on content change, atomic pages, re-derived versions on parser upgrades."""
import os
import sqlite3

import pytest

from store.db import open_db
from store.fetches import record_fetch
from store.pages import record_page
from store.raw import load_raw
from store.runs import start_run, finish_run
from tests.helpers import fetch, ok_fetch, record
from store.texts import paragraphs_of


@pytest.fixture
def db(tmp_path):
    return open_db(tmp_path / "t.db")


def versions(db, sid="mid.ru:1975319", lang="ru"):
    return db.conn.execute("SELECT version, title, rederived FROM versions WHERE statement_id=? AND lang=?"
                           " ORDER BY version", (sid, lang)).fetchall()


def test_first_page_creates_statement_variant_and_version(db):
    run = start_run(db, command="run", base_url="x")
    res = record_page(db, run, record(), ok_fetch(record()))
    assert (res.new_statement, res.new_variant, res.version) == (True, True, 1)
    st = db.conn.execute("SELECT id, source_id, published_at, document_number, status FROM statements").fetchone()
    assert st == ("mid.ru:1975319", 1975319, "2024-10-09T16:00:00+03:00", "1900-09-10-2024", "active")
    v = db.conn.execute("SELECT layout, body, parser_version FROM versions").fetchone()
    assert paragraphs_of(v[1], v[0], None)[0] == {"speaker": None, "text": "Первый абзац."}
    assert db.conn.execute("SELECT count(*) FROM version_paragraphs").fetchone()[0] == 0
    assert v[1] == "Первый абзац.\n\nВторой абзац."


def test_unchanged_content_writes_no_version(db):
    record_page(db, 1 and None, record(), ok_fetch(record()))
    res = record_page(db, None, record(), ok_fetch(record()))
    assert res.version is None
    assert len(versions(db)) == 1
    assert db.conn.execute("SELECT outcome FROM fetches ORDER BY id").fetchall() == [("ok",), ("unchanged",)]


def test_changed_content_writes_next_version(db):
    record_page(db, None, record(), ok_fetch(record()))
    res = record_page(db, None, record(title="Новый заголовок"), ok_fetch(record(title="Новый заголовок")))
    assert res.version == 2
    assert db.conn.execute("SELECT current_version, title FROM variants").fetchone() == (2, "Новый заголовок")


def test_languages_are_separate_variants(db):
    record_page(db, None, record(lang="ru"), ok_fetch(record(lang="ru")))
    res = record_page(db, None, record(lang="en", title="Title"), ok_fetch(record(lang="en", title="Title")))
    assert (res.new_statement, res.new_variant) == (False, True)
    assert db.conn.execute("SELECT count(*) FROM statements").fetchone()[0] == 1
    assert db.conn.execute("SELECT count(*) FROM variants").fetchone()[0] == 2


def test_raw_response_kept_compressed_and_deduplicated(db):
    rec = record()
    record_page(db, None, rec, ok_fetch(rec, body=b"<html>same</html>"))
    record_page(db, None, rec, ok_fetch(rec, body=b"<html>same</html>"))
    assert db.conn.execute("SELECT count(*) FROM raw_responses").fetchone()[0] == 1
    assert load_raw(db, 1)[1] == b"<html>same</html>"


def test_parser_upgrade_is_rederived_not_an_edit(db):
    old = record(paragraphs=[(None, "Из ответов на вопросы :")], parser_version="g2-article/1")
    record_page(db, None, old, ok_fetch(old, body=b"<page>"))
    new = record(paragraphs=[(None, "Из ответов на вопросы:")], parser_version="g2-article/2")
    # The new parser reads the old raw page exactly as it reads the fresh one: nothing was edited.
    res = record_page(db, None, new, ok_fetch(new, body=b"<page>"), reparse=lambda body, url: new)
    assert res.rederived and res.version == 2
    assert versions(db) == [(1, "Заголовок", 0), (2, "Заголовок", 1)]


def test_parser_upgrade_with_real_edit_rederives_old_page_first(db):
    old = record(paragraphs=[(None, "Абзац :")], parser_version="g2-article/1")
    record_page(db, None, old, ok_fetch(old, body=b"<old>"))
    reread_old = record(paragraphs=[(None, "Абзац:")], parser_version="g2-article/2")
    new = record(paragraphs=[(None, "Абзац: исправлен")], parser_version="g2-article/2")
    record_page(db, None, new, ok_fetch(new, body=b"<new>"), reparse=lambda body, url: reread_old)
    # v2 is the old page under the new parser, v3 the real edit: the edit diffs like with like.
    assert versions(db) == [(1, "Заголовок", 0), (2, "Заголовок", 1), (3, "Заголовок", 0)]


def test_failure_fetch_never_creates_a_version(db):
    record_page(db, None, record(), ok_fetch(record()))
    for outcome in ("server_error", "timeout", "challenge", "connection_error"):
        record_fetch(db, None, fetch(1975319, "ru", outcome, 503))
    assert len(versions(db)) == 1
    assert db.conn.execute("SELECT failures, last_outcome FROM variants").fetchone() == (4, "connection_error")


def test_failed_write_leaves_nothing_half_written(db):
    bad = record(parser_version=object())  # fails at the version insert, after statement and variant rows
    with pytest.raises(sqlite3.ProgrammingError, match="binding parameter"):   # the version insert, not before
        record_page(db, None, bad, ok_fetch(record()))
    for table in ("statements", "variants", "versions", "fetches", "raw_responses"):
        assert db.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0


def test_finish_run_counts(db):
    run = start_run(db, command="run", base_url="x")
    record_page(db, run, record(), ok_fetch(record()))
    record_fetch(db, run, fetch(1975319, "en", "challenge", 200))
    row = finish_run(db, run, "ok")
    assert (row["pages_fetched"], row["statements_new"], row["versions_new"], row["challenge_pages"]) == (2, 1, 1, 1)


def test_runs_orphaned_by_a_dead_process_are_closed_as_interrupted(db):
    import subprocess
    import sys

    from store.runs import close_orphaned_runs

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    orphan = start_run(db, command="run", base_url="x", owner_pid=dead.pid)
    alive = start_run(db, command="run", base_url="x", owner_pid=os.getpid())
    legacy = start_run(db, command="run", base_url="x")
    record_page(db, orphan, record(), ok_fetch(record()))
    assert close_orphaned_runs(db) == [orphan]
    rows = dict(db.conn.execute("SELECT id, status FROM runs").fetchall())
    assert rows == {orphan: "interrupted", alive: "running", legacy: "running"}
    assert db.conn.execute("SELECT versions_new FROM runs WHERE id=?", (orphan,)).fetchone()[0] == 1
