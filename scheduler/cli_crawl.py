"""`crawl run`, `crawl watch` and `crawl demo`: the commands that crawl, each one cycle (scheduler/cycle.py) at a time."""
from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import click

from scheduler.cli_options import crawl_options, cycle_settings, db_option, warc_options, with_options
from scheduler.cycle import CycleError, crawl_request, run_cycle
from scheduler.durations import Duration
from scheduler.report import run_summary
from store.exit_codes import ExitCode


def _check_request(db: str, params: dict[str, Any]) -> None:
    """Refuse a crawl that cannot run, or whose sinks could not deliver, before anything is written (exit 2)."""
    from scheduler.sinks import SinkError, check_sinks

    try:
        crawl_request(db, cycle_settings(params))
        check_sinks(atom=params.get("atom"), jsonl=params.get("jsonl"), notify=tuple(params.get("notify") or ()),
                    feed_url=params.get("feed_url"))
    except (CycleError, SinkError) as exc:
        raise click.UsageError(str(exc)) from None
    if params.get("ignore_robots"):
        click.echo("warning: --ignore-robots: robots.txt is not obeyed; be gentle with the site", err=True)


@click.command()
@db_option
@click.option("--time-limit", type=Duration(), default="6h", show_default=True,
              help="Stop the crawl after this long (it is recorded as interrupted; exit status 7).")
@crawl_options
def run(db: str, time_limit: timedelta, **params: Any) -> None:
    """Crawl once: discover, fetch every language, re-check, detect changes, emit them."""
    from scheduler.crawl_process import stop_on_signals

    _check_request(db, params)
    stop_on_signals()
    try:
        result = run_cycle(db, cycle_settings(params, time_limit=time_limit.total_seconds(),
                                              progress=sys.stderr.isatty()))
    except CycleError as exc:
        if str(exc):
            click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    if result.exit_code == ExitCode.FATAL and result.run.get("message") and not result.crawl_said:
        click.echo(f"error: {result.run['message']}", err=True)
    for sink_error in result.sink_errors:
        click.echo(f"error: {sink_error}", err=True)
    click.echo("\n".join(run_summary(result.run)))
    sys.exit(result.exit_code)


@click.command()
@db_option
@click.option("--every", default=None, help="Run a cycle this often (e.g. 30m, 2h). Default 30m.")
@click.option("--cron", default=None, help='Crontab schedule instead, e.g. "*/30 * * * *".')
@click.option("--once", is_flag=True, help="Run one cycle and exit (for cron and systemd timers).")
@click.option("--time-limit", type=Duration(), default="2h", show_default=True,
              help="Stop a cycle's crawl after this long (recorded as interrupted; with --once, exit status 7).")
@crawl_options
def watch(db: str, every: str | None, cron: str | None, once: bool, time_limit: timedelta, **params: Any) -> None:
    """Monitor in the background: a cycle per schedule (discover, re-check what is due, detect, emit)."""
    from scheduler.watch import make_trigger, run_watch

    if every and cron:
        raise click.UsageError("give --every or --cron, not both")
    trigger = make_trigger(every, cron)  # validate before taking the lock or touching the database
    _check_request(db, params)
    settings = cycle_settings(params, time_limit=time_limit.total_seconds())
    sys.exit(run_watch(db, settings, trigger=None if once else trigger))


@click.command()
@with_options(warc_options())
@click.option("--dir", "out_dir", default="demo-output", show_default=True, help="Where the demo writes its files.")
@click.option("--keep-serving", is_flag=True, help="Leave the mirror running after the demo (Ctrl-C to stop).")
def demo(out_dir: str, keep_serving: bool, **params: Any) -> None:
    """Crawl the bundled offline mirror, change it, crawl again and show what was detected."""
    from scheduler.demo import run_demo

    sys.exit(run_demo(Path(out_dir), keep_serving=keep_serving, warc_dir=params.get("warc_dir"),
                      warc_max_size=params.get("warc_max_size")))
