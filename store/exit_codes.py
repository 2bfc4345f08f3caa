"""Exit statuses of every command (the `crawl` CLI and its crawler child); README's table is this one."""
from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """What a command's exit status means. Scripts, cron and systemd read these."""

    OK = 0               # the command did what was asked
    CRASH = 1            # an unexpected error (a bug): the traceback says where
    USAGE = 2            # bad arguments or options: nothing was written
    FATAL = 3            # the database or the site cannot be used (corrupt, newer schema, unwritable, unreachable)
    ALREADY_RUNNING = 4  # another `crawl watch` holds this database
    NOT_FOUND = 5        # what was asked for is not there: no such statement, variant or version; not an article
    SINK_FAILED = 6      # the crawl completed and was recorded, but a sink could not deliver (it retries next run)
    TIME_LIMIT = 7       # the crawl was stopped at its time limit and recorded as interrupted
    INTERRUPTED = 130    # stopped by SIGINT/SIGTERM (Ctrl-C); what was fetched is recorded, the run interrupted
