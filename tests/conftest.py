"""Shared pytest fixtures: golden-file comparison and the offline mirror server."""
from __future__ import annotations

import difflib
import json
import os
from pathlib import Path
from typing import Any, Callable

import pytest

GOLDEN_DIR = Path(__file__).parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value if value.endswith("\n") else value + "\n"
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


@pytest.fixture
def golden() -> Callable[[str, Any], None]:
    """Compare a value with tests/golden/<name>; UPDATE_GOLDEN=1 rewrites it (see `make golden`)."""

    def check(name: str, value: Any) -> None:
        path = GOLDEN_DIR / name
        text = _as_text(value)
        if UPDATE or not path.exists():
            if not UPDATE:
                pytest.fail(f"golden file {path} is missing; run `make golden` to create it")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            return
        expected = path.read_text(encoding="utf-8")
        if expected != text:
            diff = "".join(
                difflib.unified_diff(
                    expected.splitlines(True), text.splitlines(True), str(path), "actual"
                )
            )
            pytest.fail(f"output differs from golden {path.name} (UPDATE_GOLDEN=1 to accept):\n{diff}")

    return check


def _crawl(*args: str) -> None:
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "scheduler.cli", "run", *args], capture_output=True, text=True,
                          timeout=240)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.fixture(scope="session")
def archive_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database and its WARC archive built by real `crawl run`s of the fixture server: the initial
    state, then the 'later' state (edits, a deletion confirmed at once, anti-bot pages). Shared and
    read-only: copy it (tests.helpers.copy_archive) before writing."""
    from fixtures.mirror import MirrorServer
    from tests.helpers import EDITS_AT_ONCE

    db = tmp_path_factory.mktemp("archive") / "mw.db"
    with MirrorServer(state="initial") as server:
        base = ["--db", str(db), "--base-url", server.base_url, "--delay", "0", "--timeout", "5", "--retries", "1",
                *EDITS_AT_ONCE]
        _crawl(*base)
        server.set_state("later")
        _crawl(*base, "--recheck", "all", "--delete-after-checks", "1", "--delete-after", "0s")
    return db
