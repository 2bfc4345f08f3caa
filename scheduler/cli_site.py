"""`crawl site`: write the reading room as a static site (statement pages, change pages, start page, Atom feed)."""
from __future__ import annotations

import time

import click

from scheduler.cli_options import FatalError, db_option, open_store


@click.command()
@db_option
@click.option("--out", "out", required=True, type=click.Path(file_okay=False),
              help="Directory to write the site to (created if missing; rebuilt incrementally).")
@click.option("--url", "site_url", default="",
              help="The http(s) address the site is published at (absolute permalinks, the feed's links).")
@click.option("--full", is_flag=True, help="Rebuild every page, not only what changed since the last build.")
def site(db: str, out: str, site_url: str, full: bool) -> None:
    """Write the reading room as static HTML that any web host can serve; only what changed is rewritten."""
    from scheduler.reading_room.static_site import build_site

    if site_url and not site_url.startswith(("http://", "https://")):
        raise click.BadParameter("must start with http:// or https://", param_hint="--url")
    store = open_store(db)
    started = time.monotonic()
    try:
        result = build_site(store, out, site_url=site_url, full=full)
    except OSError as exc:
        raise FatalError(f"cannot write the site to {out}: {exc.strerror or exc}") from None
    finally:
        store.conn.close()
    click.echo(f"site {out}: {'full' if result.full else 'incremental'} build, {result.statements} statements,"
               f" {result.files_written} files written in {time.monotonic() - started:.1f}s", err=True)
