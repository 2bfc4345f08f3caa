"""store.db: schema creation, migrations, and clear one-line errors for bad database files."""
import sqlite3

import pytest

from store.db import SCHEMA_VERSION, StoreError, open_db


def test_creates_schema_in_wal_mode(tmp_path):
    db = open_db(tmp_path / "a.db")
    assert db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    for table in ("statements", "variants", "versions", "runs", "fetches", "changes", "raw_responses"):
        assert db[table].exists()


def test_reopen_keeps_data(tmp_path):
    path = tmp_path / "a.db"
    db = open_db(path)
    db.conn.execute("INSERT INTO runs (started_at, status) VALUES ('x', 'ok')")
    db.conn.close()
    assert open_db(path).conn.execute("SELECT count(*) FROM runs").fetchone()[0] == 1


def test_newer_schema_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "new.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.execute("CREATE TABLE keep (x)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer"):
        open_db(path)
    assert sqlite3.connect(path).execute("SELECT name FROM sqlite_master").fetchall() == [("keep",)]


def test_corrupt_file_gives_store_error(tmp_path):
    path = tmp_path / "bad.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="cannot open"):
        open_db(path)
    assert path.read_bytes().startswith(b"this is not a database")


def test_missing_directory(tmp_path):
    with pytest.raises(StoreError, match="does not exist"):
        open_db(tmp_path / "nope" / "a.db")


def test_a_database_of_the_previous_schema_is_upgraded_in_place(tmp_path):
    # A database written before adaptive discovery (schema 4): its runs and fetches stay, index_pages appears,
    # and listing reads from then on are tracked.
    from store.writes import Fetch, record_fetch

    path = tmp_path / "old.db"
    db = open_db(path)
    db.conn.execute("INSERT INTO runs (started_at, status) VALUES ('2026-01-01T00:00:00+00:00', 'ok')")
    db.conn.execute("DROP TABLE index_pages")
    db.conn.execute("PRAGMA user_version = 4")
    db.conn.commit()
    db.conn.close()
    db = open_db(path)
    assert db.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.conn.execute("SELECT count(*) FROM runs").fetchone()[0] == 1
    record_fetch(db, 1, Fetch(url="https://mid.ru/ru/foreign_policy/news/", page_type="listing", outcome="ok",
                              http_status=200, entries=20, entries_digest="d"))
    assert db.conn.execute("SELECT path, lang, entries FROM index_pages").fetchall() == \
        [("/ru/foreign_policy/news/", "ru", 20)]
