"""Test helpers: build article records and fetches without the network."""
from __future__ import annotations

import contextlib
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

from store.records import Fetch


# `crawl run` options that report every edit at once: the mirror's statements date from 2024, so without them
# every edit would first wait for a confirming fetch (scheduler/edit_rules.py), which tests of other things
# do not exercise. tests/test_cli_run.py and tests/test_faults.py exercise the confirmation itself.
EDITS_AT_ONCE = ("--confirm-age", "100000d", "--confirm-share", "1")


def record(source_id: int = 1975319, lang: str = "ru", title: str = "Заголовок",
           paragraphs: list[tuple[str | None, str]] | None = None, parser_version: str = "g2-article/1",
           **extra: Any) -> dict[str, Any]:
    paras = [{"speaker": s, "text": t} for s, t in (paragraphs or [(None, "Первый абзац."), (None, "Второй абзац.")])]
    rec = {
        "site": "mid.ru", "source_id": source_id, "lang": lang,
        "url": f"https://mid.ru/ru/foreign_policy/news/{source_id}/?lang={lang}",
        "section": "foreign_policy/news", "title": title, "published_at": "2024-10-09T16:00:00+03:00",
        "document_number": "1900-09-10-2024", "kind": "news", "languages": {lang: "x"},
        "paragraphs": paras,
        "body": "\n\n".join(f"{p['speaker']}: {p['text']}" if p["speaker"] else p["text"] for p in paras),
        "parser_version": parser_version,
    }
    rec.update(extra)
    return rec


def ok_fetch(rec: dict[str, Any], body: bytes | None = None) -> Fetch:
    return Fetch(url=rec["url"], page_type="article", outcome="ok", http_status=200,
                 body=body if body is not None else rec["title"].encode() + b"|" + rec["body"].encode())


def fetch(source_id: int, lang: str, outcome: str, status: int | None = None) -> Fetch:
    return Fetch(url=f"https://mid.ru/ru/foreign_policy/news/{source_id}/?lang={lang}", page_type="article",
                 outcome=outcome, http_status=status, statement_id=f"mid.ru:{source_id}", lang=lang)


def copy_archive(db: Path, dest: Path) -> Path:
    """Copy a database and its WARC directory (paths inside are relative to the database's directory)."""
    import shutil
    import sqlite3

    dest.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    shutil.copy2(db, dest / db.name)
    warc = db.with_name(f"{db.stem}-warc")
    if warc.exists():
        shutil.copytree(warc, dest / warc.name)
    return dest / db.name


def run_cli(*args: str, check: bool = True, timeout: float = 240) -> "subprocess.CompletedProcess[str]":
    """Run the `crawl` command line in a subprocess (as a user would); fail loudly unless it exits 0."""
    proc = subprocess.run([sys.executable, "-m", "scheduler.cli", *args], capture_output=True, text=True,
                          timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


def query(db: "str | Path", sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Rows of one query on a database file, through a connection of its own."""
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


@contextlib.contextmanager
def read_only(directory: Path) -> Iterator[Path]:
    """The directory as the user cannot write it: a read-only bind mount when running as root (root ignores
    file modes), else its files and itself made read-only. Yields the path to use."""
    import os
    import shutil

    if os.geteuid() != 0:
        modes = {p: p.stat().st_mode for p in [directory, *directory.rglob("*")]}
        for p in modes:
            p.chmod(0o555 if p.is_dir() else 0o444)
        try:
            yield directory
        finally:
            for p, mode in modes.items():
                p.chmod(mode)
        return
    mount = directory.with_name(directory.name + "-ro")
    mount.mkdir()
    try:
        subprocess.run(["mount", "--bind", str(directory), str(mount)], check=True, capture_output=True)
        try:
            subprocess.run(["mount", "-o", "remount,ro,bind", str(mount)], check=True, capture_output=True)
            yield mount
        finally:
            subprocess.run(["umount", str(mount)], check=False, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        import pytest

        pytest.skip(f"cannot make a read-only file system here as root: {exc}")
    finally:
        shutil.rmtree(mount, ignore_errors=True)


def live_query(db: "str | Path", sql: str) -> list[tuple[Any, ...]]:
    """Rows of a query on a database another process is writing ([] while it is locked or not created yet)."""
    try:
        return query(db, sql)
    except sqlite3.OperationalError:
        return []


def wait_for(predicate: Any, timeout: float = 90.0, every: float = 0.2) -> bool:
    """Poll `predicate` until it is true (True) or `timeout` seconds have passed (False)."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return False
