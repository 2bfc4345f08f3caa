"""`crawl doctor`: check the sites, the web archive, the clock, the database and the sinks before crawling."""
from __future__ import annotations

import sys
from typing import Any

import click

from scheduler.cli_options import db_option
from scheduler.doctor import DEFAULT_CDX_URL, DoctorOptions, diagnose, render_table
from store.catalog import SITES
from store.exit_codes import ExitCode


@click.command()
@db_option
@click.option("--site", "sites", multiple=True, type=click.Choice(SITES),
              help="Check this portal (repeatable). Default: both.")
@click.option("--base-url", default=None, help="Check this host instead of https://<site> (a mirror).")
@click.option("--delay", type=click.FloatRange(min=0), default=1.0, show_default=True,
              help="Seconds between requests to the host.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=30.0, show_default=True,
              help="Seconds per request.")
@click.option("--ignore-robots", is_flag=True, help="Ask for pages robots.txt forbids (the older portal needs it).")
@click.option("--browser-after", type=click.IntRange(min=0), default=5, show_default=True,
              help="As for `crawl run`: when the anti-bot wall stays up, try the browser (0: never).")
@click.option("--cdx-url", default=DEFAULT_CDX_URL, show_default=True,
              help="The web archive's CDX endpoint to ask (empty: skip that check).")
@click.option("--atom", default=None, help="Check this Atom feed file can be written.")
@click.option("--jsonl", default=None, help="Check this JSON-lines file can be written.")
@click.option("--notify", multiple=True, help="Check Apprise can use this URL (repeatable; nothing is sent).")
@click.option("--feed-url", default=None, help="Check the Atom feed's published address.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object: the checks and what they read.")
@click.option("-v", "--verbose", count=True, help="Show the crawler's log.")
def doctor(db: str, sites: tuple[str, ...], as_json: bool, **params: Any) -> None:
    """Check everything a crawl needs: each portal (robots.txt, a listing, an article and its translations, the
    anti-bot wall and the browser path), the web archive's CDX, the clock, the database and the sinks."""
    options = DoctorOptions(db=db, sites=sites or tuple(SITES), notify=tuple(params.pop("notify")), **params)
    diagnosis = diagnose(options)
    click.echo(diagnosis.to_json() if as_json else render_table(diagnosis.checks))
    if not as_json:
        for site, report in (diagnosis.details.get("portals") or {}).items():
            for note in report.get("notes") or []:
                click.echo(f"{site}: {note}", err=True)
    sys.exit(ExitCode.FATAL if diagnosis.failed else ExitCode.OK)
