"""Bad input: unknown options, unusable or corrupt database files, a newer schema, a full disk, a
non-writable place. Each gives a one-line error on stderr (no traceback), a non-zero exit, and leaves
existing data as it was."""
from __future__ import annotations

import hashlib
import resource
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from fixtures.mirror import MirrorServer

pytestmark = pytest.mark.slow  # Every test here starts `crawl` subprocesses.

COMMANDS = {
    "run": ["run", "--section", "news", "--lang", "ru"],
    "watch": ["watch", "--once", "--section", "news", "--lang", "ru"],
    "changes": ["changes"],
    "diff": ["diff", "1975559"],
    "status": ["status"],
}
CRAWLING = ("run", "watch")


def crawl(args: list[str], *, base_url: str | None = None, preexec=None) -> subprocess.CompletedProcess:
    if base_url and args[0] in CRAWLING:
        args = [*args, "--base-url", base_url, "--delay", "0", "--timeout", "2", "--retries", "0"]
    return subprocess.run([sys.executable, "-m", "scheduler.cli", *args], capture_output=True, text=True,
                          timeout=120, preexec_fn=preexec)


def assert_one_line_error(proc: subprocess.CompletedProcess, *needles: str) -> None:
    err = proc.stderr
    assert proc.returncode != 0, (proc.stdout, err)
    assert "Traceback" not in err and "File \"" not in err, err
    lines = [l for l in err.splitlines() if l.strip()]
    errors = [l for l in lines if l.lower().startswith(("error", "crawl: error"))]
    assert len(errors) == 1, err
    for needle in needles:
        assert needle.lower() in errors[0].lower(), err


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def mirror():
    with MirrorServer(state="initial") as server:
        yield server


@pytest.fixture(scope="module")
def good_db(mirror, tmp_path_factory):
    db = tmp_path_factory.mktemp("bad-input") / "good.db"
    proc = crawl(["run", "--db", str(db), "--section", "news", "--lang", "ru"], base_url=mirror.base_url)
    assert proc.returncode == 0, proc.stderr
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return db


def copy(good: Path, dst: Path) -> Path:
    shutil.copyfile(good, dst)
    return dst


@pytest.mark.parametrize("command", list(COMMANDS))
def test_unknown_option(command, good_db, tmp_path):
    db = copy(good_db, tmp_path / "x.db")
    before = digest(db)
    proc = crawl([*COMMANDS[command], "--db", str(db), "--no-such-option"])
    assert proc.returncode == 2
    assert_one_line_error(proc, "no such option")
    assert digest(db) == before


@pytest.mark.parametrize("command", list(COMMANDS))
def test_database_path_is_a_directory(command, tmp_path, mirror):
    proc = crawl([*COMMANDS[command], "--db", str(tmp_path)], base_url=mirror.base_url)
    assert_one_line_error(proc, str(tmp_path))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", list(COMMANDS))
def test_corrupt_database(command, tmp_path, mirror):
    db = tmp_path / "corrupt.db"
    db.write_bytes(b"this is not a database, it is a shopping list\n" * 200)
    before = digest(db)
    proc = crawl([*COMMANDS[command], "--db", str(db)], base_url=mirror.base_url)
    assert_one_line_error(proc, "corrupt.db")
    assert digest(db) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corrupt.db"]


@pytest.mark.parametrize("command", list(COMMANDS))
def test_damaged_database_pages(command, good_db, tmp_path, mirror):
    """A database whose header is fine but whose pages are garbage (a torn copy, a bad disk)."""
    db = copy(good_db, tmp_path / "damaged.db")
    data = bytearray(db.read_bytes())
    page = 4096
    for offset in range(page, len(data), page * 2):      # every other page after the first
        data[offset:offset + 512] = b"\xde\xad\xbe\xef" * 128
    db.write_bytes(bytes(data))
    before = digest(db)
    proc = crawl([*COMMANDS[command], "--db", str(db)], base_url=mirror.base_url)
    assert_one_line_error(proc, "damaged.db")
    assert digest(db) == before


@pytest.mark.parametrize("command", list(COMMANDS))
def test_newer_schema(command, good_db, tmp_path, mirror):
    db = copy(good_db, tmp_path / "future.db")
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    before = digest(db)
    proc = crawl([*COMMANDS[command], "--db", str(db)], base_url=mirror.base_url)
    assert_one_line_error(proc, "newer")
    assert digest(db) == before


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("where", ["under-a-file", "proc"])
def test_non_writable_place(command, where, tmp_path, mirror):
    # Tests run as root, which ignores permission bits: use places no one can create a file in.
    if where == "under-a-file":
        (tmp_path / "plain-file").write_text("x")
        db = tmp_path / "plain-file" / "mw.db"
    else:
        db = Path("/proc/mw-test.db")
    proc = crawl([*COMMANDS[command], "--db", str(db)], base_url=mirror.base_url)
    assert_one_line_error(proc)
    assert not db.exists()


@pytest.mark.parametrize("command", CRAWLING)
def test_full_disk(command, good_db, tmp_path, mirror):
    """The crawl runs out of space (RLIMIT_FSIZE: no file may grow past 256 KB): a clear error, and the
    archive that was there is intact."""
    db = copy(good_db, tmp_path / "full.db")
    conn = sqlite3.connect(db)
    versions = conn.execute("SELECT statement_id, lang, version, content_sha256 FROM versions ORDER BY 1, 2, 3").fetchall()
    conn.close()
    limit = 256 * 1024

    def small_disk():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    args = [*COMMANDS[command], "--db", str(db), "--lang", "en", "--recheck", "all"]
    proc = crawl(args, base_url=mirror.base_url, preexec=small_disk)
    assert_one_line_error(proc, "full")
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        after = conn.execute("SELECT statement_id, lang, version, content_sha256 FROM versions"
                             " WHERE (statement_id, lang, version) IN (SELECT statement_id, lang, version FROM versions)"
                             " ORDER BY 1, 2, 3").fetchall()
    finally:
        conn.close()
    assert set(versions) <= set(after)
    # With space again, the next run completes and stores what the failed one could not.
    ok = crawl([*COMMANDS[command], "--db", str(db), "--lang", "en"], base_url=mirror.base_url)
    assert ok.returncode == 0, ok.stderr


def test_demo_into_a_place_it_cannot_write(tmp_path):
    from tests.helpers import read_only

    (tmp_path / "out").mkdir()
    with read_only(tmp_path / "out") as ro:
        proc = crawl(["demo", "--dir", str(ro / "demo-output")])
    assert proc.returncode == 3
    assert_one_line_error(proc, "cannot write the demo's files")
