"""`crawl backfill`: the whole record of a portal, resumable; edits from before monitoring began, from web-archive
captures. The work is scheduler/backfill.py's; this is the command line, its progress bar and its summary."""
from __future__ import annotations

import json
import sys
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import click

from scheduler.backfill import PHASE_LABELS, BackfillSettings, backfill_request, run_backfill, summary_line
from scheduler.cli_options import (Date, db_option, divergence_config, politeness_options, target_options,
                                   warc_options, with_options)
from scheduler.cycle import CycleError
from scheduler.durations import Duration
from store.backfill_request import DEFAULT_CDX_URL, SOURCES
from store.exit_codes import ExitCode

_CRAWL_FIELDS = {"site": "site", "base_url": "base_url", "section": "sections", "lang": "langs", "since": "since",
                 "delay": "delay", "timeout": "timeout", "retries": "retries", "ignore_robots": "ignore_robots",
                 "verbose": "verbose", "warc_dir": "warc_dir", "warc_max_size": "warc_max_size",
                 "browser_after": "browser_after"}


def _settings(params: dict[str, Any], time_limit: timedelta | None) -> BackfillSettings:
    crawl = {field: params[name] for name, field in _CRAWL_FIELDS.items() if name in params}
    crawl["sections"], crawl["langs"] = tuple(crawl.get("sections") or ()), tuple(crawl.get("langs") or ())
    spec = {"sources": list(params.get("sources") or ()), "until": params.get("until"),
            "captures": bool(params.get("captures")), "cdx_url": params.get("cdx_url") or DEFAULT_CDX_URL}
    return BackfillSettings(crawl=crawl, spec=spec, divergence=divergence_config(params),
                            time_limit=time_limit.total_seconds() if time_limit else None)


@click.command()
@db_option
@with_options(target_options())
@click.option("--until", type=Date(day_only=True), default=None,
              help="Only statements published on or before this date (YYYY-MM-DD, or 7d, 2w ago).")
@click.option("--source", "sources", multiple=True, type=click.Choice(SOURCES),
              help="Where older statements are found (repeatable): every listing page, the web archive's index,"
                   " links inside fetched articles. Default: listings and links for archive.mid.ru, web-archive and"
                   " links for mid.ru.")
@click.option("--captures", is_flag=True,
              help="Also read each variant's captures in the web archive: earlier texts become versions, and"
                   " edits made before monitoring began are found.")
@click.option("--cdx-url", default=DEFAULT_CDX_URL, show_default=True,
              help="The web archive's capture index (CDX API); its host serves the raw captures too.")
@click.option("--dry-run", is_flag=True,
              help="Estimate the requests and the time left, writing nothing (reads the first page of each listing"
                   " of the older portal not begun yet, to count its pages).")
@with_options(politeness_options())
@click.option("--time-limit", type=Duration(), default=None,
              help="Stop after this long (recorded as interrupted; run the same command to continue).")
@with_options(warc_options())
@click.option("-v", "--verbose", count=True, help="More crawler logging (-vv for debug).")
def backfill(db: str, dry_run: bool, time_limit: timedelta | None, **params: Any) -> None:
    """Fetch the whole record: every listing page, the web archive's index, links; resumable (run it again)."""
    from scheduler.crawl_process import stop_on_signals

    settings = _settings(params, time_limit)
    try:
        request = backfill_request(db, settings)
    except CycleError as exc:
        raise click.UsageError(str(exc)) from None
    if params.get("ignore_robots"):
        click.echo("warning: --ignore-robots: robots.txt is not obeyed; be gentle with the site", err=True)
    if dry_run:
        sys.exit(_dry_run(db, settings, request.site))
    stop_on_signals()
    bar = None
    if sys.stderr.isatty():
        from scheduler.backfill_progress import ProgressBar

        bar = ProgressBar(db, request.site, sys.stderr)
    try:
        result = run_backfill(db, settings, on_phase=(lambda phase, run_id: bar.phase(PHASE_LABELS[phase], run_id))
                              if bar else None)
    except CycleError as exc:
        if str(exc):
            click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    finally:
        if bar is not None:
            bar.stop()
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(summary_line(db, result, request.site))
    sys.exit(result.exit_code)


def _dry_run(db: str, settings: BackfillSettings, site: str) -> int:
    """Count what is left (a crawler child reads the store and the first listing pages) and print the estimate."""
    from dataclasses import replace

    from scheduler.crawl_process import run_crawl
    from store.db import StoreError, open_db

    with tempfile.TemporaryDirectory(prefix="mw-estimate-") as tmp:
        path = db
        if not Path(db).exists():   # nothing done yet: count against an empty store, and leave none behind
            path = str(Path(tmp) / "empty.db")
            try:
                open_db(path).conn.close()
            except StoreError as exc:
                click.echo(f"error: {exc}", err=True)
                return ExitCode.FATAL
        out = Path(tmp) / "estimate.json"
        request = backfill_request(path, settings, phase="estimate")
        assert request.backfill is not None
        result = run_crawl(replace(request, backfill=replace(request.backfill, estimate_file=str(out))), quiet=True)
        if result.returncode or not out.exists():
            click.echo("error: the estimate could not be made", err=True)
            return result.returncode or ExitCode.FATAL
        estimate = json.loads(out.read_text(encoding="utf-8"))
    click.echo("\n".join(estimate_lines(estimate, site)))
    return ExitCode.OK


def estimate_lines(est: dict[str, Any], site: str) -> list[str]:
    """The dry run's report: what is left of each source, and the requests and time it comes to."""
    listings = [item for item in est["listings"] if not item["complete"]]
    known = [item for item in listings if item["last_page"]]
    pages = sum(int(item["last_page"]) - int(item["pages_done"]) for item in known)
    entries = sum((int(item["last_page"]) - int(item["pages_done"])) * int(item["per_page"] or 20) for item in known)
    unknown = len(listings) - len(known)
    requests = pages + entries + est["queue"] + est["index_chains"] + est["capture_chains"] + est["captures_pending"]
    lines = [f"backfill of {site}: what is left (a dry run: nothing was written"
             + (f"; the first page of {est['probed']} listings was read to count their pages)" if est["probed"] else ")")]
    if "listings" in est["sources"]:
        lines.append(f"  listings: {len(listings)} of {len(est['listings'])} to read, {pages} pages left in those whose"
                     f" length is known (~{entries} statements in them)"
                     + (f"; {unknown} of unknown length (at least one request each)" if unknown else ""))
    lines.append(f"  statements found and waiting: {est['queue']}")
    if "web-archive" in est["sources"]:
        lines.append(f"  web archive index: {est['index_chains']} queries left (at least one request each; the"
                     " statements they list are counted as they are read)")
    if est["captures"]:
        lines.append(f"  captures: {est['capture_chains']} variants to look up in the index,"
                     f" {est['captures_pending']} captures listed and not read yet")
    seconds = requests * float(est["delay"])
    lines.append(f"  at least {requests} requests, ~{timedelta(seconds=round(seconds))} at --delay {est['delay']:g}s"
                 " (more when the host slows down: AutoThrottle, Retry-After)")
    return lines
