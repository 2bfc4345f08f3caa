"""The `crawl` command: the group and its commands (each defined in a cli_* module of its own)."""
from __future__ import annotations

import sqlite3
from typing import Any

import click

from scheduler.cli_archive import export, reparse, serve
from scheduler.cli_backfill import backfill
from scheduler.cli_crawl import demo, run, watch
from scheduler.cli_divergence import divergences
from scheduler.cli_doctor import doctor
from scheduler.cli_read import changes, diff, parse, status
from scheduler.cli_site import site
from store.exit_codes import ExitCode
from store.health import is_damage


class CrawlGroup(click.Group):
    """The command group; an SQLite error no command expected (a damaged page met mid-query) is one line and
    exit status 3, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except sqlite3.DatabaseError as exc:
            what = "the database is damaged" if is_damage(exc) else "database error"
            click.echo(f"error: {what}: {exc}", err=True)
            ctx.exit(ExitCode.FATAL)


@click.group(cls=CrawlGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ministry-watch")
def main() -> None:
    """ministry-watch: archive mid.ru statements in every language and detect edits and deletions."""


for _command in (run, watch, changes, diff, status, parse, demo, serve, reparse, export, divergences, backfill,
                 site, doctor):
    main.add_command(_command)

if __name__ == "__main__":
    main(prog_name="crawl")   # usage errors name the command people type, not `python -m scheduler.cli`
