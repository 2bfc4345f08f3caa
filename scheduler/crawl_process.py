"""Run one crawl as a child process (`python -m crawler run`), with a time limit, and report how it ended."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

EXIT_BAD_ARGS = 2

# The crawl child in flight (at most one: cycles never overlap), so a signal can stop it cleanly.
_current: "subprocess.Popen[Any] | None" = None
_stop_requested = threading.Event()


def stop_current() -> None:
    """Ask the running crawl to stop (SIGINT: Scrapy finishes in-flight pages, then exits)."""
    _stop_requested.set()
    proc = _current
    if proc is not None and proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGINT)
        except ProcessLookupError:
            pass


@dataclass
class CrawlResult:
    """How a crawl child ended: the run it opened (if any), its exit code, and whether it was killed."""

    run_id: int | None
    returncode: int
    timed_out: bool = False
    interrupted: bool = False


def crawl_args(options: dict[str, Any]) -> list[str]:
    """Translate crawl options into the child's command-line flags (None/False/empty are left out)."""
    args: list[str] = []
    for name, value in options.items():
        flag = "--" + name.replace("_", "-")
        if value is None or value is False:
            continue
        if value is True:
            args.append(flag)
        elif isinstance(value, (list, tuple)):
            for item in value:
                args += [flag, str(item)]
        else:
            args += [flag, str(value)]
    return args


def run_crawl(db: str, options: dict[str, Any], *, time_limit: float | None = None,
              command_name: str = "run", extra_env: dict[str, str] | None = None,
              quiet: bool = False) -> CrawlResult:
    """Start the crawler child, wait for it (killing it after `time_limit` seconds) and return the result.

    The child opens its own run row and writes the id to a temp file, so the parent can finish the run
    even when the child crashed or was killed.
    """
    global _current
    try:
        return _run(db, options, time_limit=time_limit, command_name=command_name, extra_env=extra_env,
                    quiet=quiet)
    finally:
        _current = None


def _run(db: str, options: dict[str, Any], *, time_limit: float | None, command_name: str,
         extra_env: dict[str, str] | None, quiet: bool) -> CrawlResult:
    global _current
    with tempfile.TemporaryDirectory(prefix="mw-run-") as tmp:
        id_file = Path(tmp) / "run-id"
        cmd: Sequence[str] = [sys.executable, "-m", "crawler", "run", "--db", db, "--run-id-file", str(id_file),
                              "--command-name", command_name, *crawl_args(options)]
        env = {**os.environ, **(extra_env or {})}
        # Own process group: a hung crawl (and anything it spawned) can be killed as a whole.
        proc = subprocess.Popen(cmd, env=env, start_new_session=True,
                                stdout=subprocess.DEVNULL if quiet else None)
        _current = proc
        timed_out = interrupted = False
        try:
            proc.wait(timeout=time_limit)
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill_group(proc)
        except KeyboardInterrupt:
            interrupted = True
            _kill_group(proc, first=signal.SIGINT)
        interrupted = interrupted or _stop_requested.is_set()
        run_id = int(id_file.read_text()) if id_file.exists() and id_file.read_text().strip() else None
        return CrawlResult(run_id, proc.returncode, timed_out, interrupted)


def _kill_group(proc: subprocess.Popen[Any], first: int = signal.SIGTERM, grace: float = 10.0) -> None:
    try:
        os.killpg(proc.pid, first)
        proc.wait(timeout=grace)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
