"""store.db: schema creation, migrations, and clear one-line errors for bad database files."""
import gzip
import sqlite3
from pathlib import Path

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


def _old_database(tmp_path: Path) -> Path:
    """A real database written by ministry-watch at schema 5 (before this version): three crawls of the mirror's
    news and briefings, a statement deleted and restored (tests/data/README.md says how it was made)."""
    path = tmp_path / "schema5.db"
    path.write_bytes(gzip.decompress((Path(__file__).parent / "data" / "schema5.db.gz").read_bytes()))
    return path


def test_a_database_of_the_previous_schema_is_upgraded_in_place(tmp_path):
    from store.changes import last_change_fetch
    from store.fetches import record_fetch
    from store.records import Fetch

    path = _old_database(tmp_path)
    before = {t: sqlite3.connect(path).execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("runs", "statements", "variants", "versions", "fetches", "changes", "index_pages")}
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == 5
    db = open_db(path)
    assert db.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert {t: db.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in before} == before
    # The fetch behind each deletion and restoration, once only in the change's key, has its own column.
    assert last_change_fetch(db, "mid.ru:1969120", "ru", "deleted") == 157
    assert last_change_fetch(db, "mid.ru:1969120", "ru", "restored") == 235
    assert db.conn.execute("SELECT count(*) FROM changes WHERE kind IN ('deleted','restored') AND fetch_id IS NULL"
                           ).fetchone()[0] == 0
    record_fetch(db, 1, Fetch(url="https://mid.ru/ru/foreign_policy/news/", page_type="listing", outcome="ok",
                              http_status=200, entries=20, entries_digest="d"))
    assert db.conn.execute("SELECT entries FROM index_pages WHERE path='/ru/foreign_policy/news/'").fetchone() == (20,)


def test_another_programs_database_is_refused_untouched(tmp_path):
    path = tmp_path / "app.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO users (name) VALUES ('x')")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    for readonly in (False, True):
        with pytest.raises(StoreError, match="not a ministry-watch database"):
            open_db(path, readonly=readonly)
    assert path.read_bytes() == before


def test_a_newer_schema_in_rollback_journal_mode_keeps_its_header(tmp_path):
    path = tmp_path / "new.db"
    open_db(path).conn.close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("PRAGMA user_version = 999")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    assert before[18:20] == b"\x01\x01"   # rollback journal (WAL would be 2, 2)
    with pytest.raises(StoreError, match="newer"):
        open_db(path)
    assert path.read_bytes() == before


def test_opening_waits_for_another_process_still_creating_the_file(tmp_path):
    # Two `crawl` commands started at once on a new path: while one holds the write lock on the file (still in
    # rollback mode), SQLite refuses the other's switch to WAL at once ("database is locked", no busy handler).
    # The second must wait for the first, not fail (it failed that way once in CI, under load).
    import threading

    path = tmp_path / "new.db"
    first = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    first.execute("BEGIN IMMEDIATE")
    first.execute("CREATE TABLE being_created (x)")
    timer = threading.Timer(0.5, lambda: first.execute("ROLLBACK"))
    timer.start()
    try:
        db = open_db(path)
    finally:
        timer.join()
        first.close()
    assert db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_lock_sqlite_will_not_wait_for_is_waited_out(tmp_path, monkeypatch):
    # What failed in CI under load: SQLite answers "database is locked" at once, without its busy handler, where
    # waiting could deadlock (switching to WAL while the other creator holds a lock). The open tries again.
    real_connect = sqlite3.connect
    refused = []

    class Refusing(sqlite3.Connection):
        def execute(self, sql, *args):
            if "journal_mode = WAL" in sql and len(refused) < 3:
                refused.append(sql)
                raise sqlite3.OperationalError("database is locked")
            return super().execute(sql, *args)

    monkeypatch.setattr(sqlite3, "connect", lambda *a, **k: real_connect(*a, **{**k, "factory": Refusing}))
    db = open_db(tmp_path / "new.db")
    assert len(refused) == 3
    assert db.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_two_processes_creating_one_database_at_once_both_succeed(tmp_path):
    import subprocess
    import sys

    code = "import sys; from store.db import open_db; open_db(sys.argv[1]).conn.close()"
    for n in range(15):
        path = tmp_path / f"race{n}.db"
        procs = [subprocess.Popen([sys.executable, "-c", code, str(path)], stderr=subprocess.PIPE, text=True)
                 for _ in range(2)]
        errors = [p.communicate(timeout=60)[1] for p in procs]
        assert [p.returncode for p in procs] == [0, 0], errors
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_read_only_open_never_writes(tmp_path):
    path = tmp_path / "ro.db"
    open_db(path).conn.close()
    db = open_db(path, readonly=True)
    with pytest.raises(sqlite3.OperationalError):
        db.conn.execute("INSERT INTO runs (started_at, status) VALUES ('x', 'ok')")
    assert db.conn.execute("SELECT count(*) FROM runs").fetchone() == (0,)


@pytest.mark.slow
def test_read_commands_work_on_a_file_the_user_cannot_write(tmp_path, archive_db):
    """`status`, `changes`, `diff`, `export` on an archive the user may only read (a read-only file system)."""
    import subprocess
    import sys

    from tests.helpers import copy_archive, read_only

    path = copy_archive(archive_db, tmp_path / "archive")
    before = path.read_bytes()
    with read_only(path.parent) as ro_dir:
        for args in (["status"], ["changes", "--limit", "3"], ["diff", "1974990", "--lang", "ru"],
                     ["export", "--format", "jsonl"]):
            proc = subprocess.run([sys.executable, "-m", "scheduler.cli", *args, "--db", str(ro_dir / path.name)],
                                  capture_output=True, text=True, timeout=120)
            assert proc.returncode == 0, (args, proc.stderr)
            assert proc.stdout.strip(), args
    assert path.read_bytes() == before


def _damage_an_index_page(path: Path) -> None:
    """Overwrite the root page of an index with garbage (the file keeps its size)."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    (root,) = conn.execute("SELECT rootpage FROM sqlite_master WHERE name='changes_detected'").fetchone()
    conn.close()
    with open(path, "r+b") as fh:
        fh.seek((root - 1) * page_size)
        fh.write(bytes(range(256)) * (page_size // 256))


@pytest.mark.slow
def test_a_damaged_database_is_one_line_exit_3_and_never_written(tmp_path, archive_db):
    import subprocess
    import sys

    from tests.helpers import copy_archive

    path = copy_archive(archive_db, tmp_path / "damaged")
    _damage_an_index_page(path)
    before = path.read_bytes()
    for args in (["run", "--base-url", "http://127.0.0.1:9", "--delay", "0"], ["status"], ["changes"],
                 ["diff", "1974990"], ["export"], ["watch", "--once", "--base-url", "http://127.0.0.1:9"],
                 ["backfill", "--base-url", "http://127.0.0.1:9", "--delay", "0"]):
        proc = subprocess.run([sys.executable, "-m", "scheduler.cli", *args, "--db", str(path)],
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 3, (args, proc.stdout, proc.stderr)
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and "damaged" in lines[0] and "Traceback" not in proc.stderr, (args, proc.stderr)
    assert path.read_bytes() == before


def test_new_database_uses_8k_pages_and_an_older_file_keeps_its_own(tmp_path):
    import sqlite3

    assert open_db(tmp_path / "new.db").conn.execute("PRAGMA page_size").fetchone()[0] == 8192
    old = tmp_path / "old.db"
    conn = sqlite3.connect(old)
    conn.execute("PRAGMA page_size = 4096")
    conn.execute("CREATE TABLE t (x)")     # a file with content: its page size is fixed
    conn.execute("DROP TABLE t")
    conn.close()
    db = open_db(old)
    assert db.conn.execute("PRAGMA page_size").fetchone()[0] == 4096
    assert db.conn.execute("SELECT count(*) FROM versions").fetchone()[0] == 0
