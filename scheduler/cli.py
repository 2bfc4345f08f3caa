"""The `crawl` command line: run, watch, changes, diff, status, parse and demo."""
from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import click

from scheduler.cli_divergence import after_run_hook, divergence_crawl_options
from scheduler.durations import Duration
from store.db import DEFAULT_DB, StoreError, open_db

EXIT_FATAL = 3

def _open(db: str, *, create: bool = False) -> Any:
    try:
        return open_db(db, create=create)
    except StoreError as exc:
        raise click.ClickException(str(exc))


# Options shared by `run`, `watch` and `demo`: the crawl's own options are passed to the child unchanged.
def crawl_options(func: Any) -> Any:
    options = [
        click.option("--site", type=click.Choice(["mid.ru", "archive.mid.ru"]), default="mid.ru", show_default=True,
                     help="The current site, or the ministry's older portal (statements before late 2021)."),
        click.option("--base-url", default=None,
                     help="Crawl this host instead of https://<site> (a mirror); only this host is fetched."),
        click.option("--section", "section", multiple=True,
                     help="Section key (repeatable): news, minister_speeches, briefings, answers, comments, "
                          "official_statements, deputy_speeches. Default: all."),
        click.option("--lang", "lang", multiple=True, help="Content language (repeatable). Default: all."),
        click.option("--since", default=None, help="Only discover statements published on/after YYYY-MM-DD."),
        click.option("--max-pages", type=int, default=1, show_default=True,
                     help="Listing pages per section and language (robots.txt forbids paging on mid.ru)."),
        click.option("--delay", type=float, default=1.0, show_default=True,
                     help="Seconds between requests to the host, with jitter; 0 for a local mirror."),
        click.option("--timeout", type=float, default=30.0, show_default=True, help="Seconds per request."),
        click.option("--retries", type=int, default=3, show_default=True,
                     help="Retries on 429/5xx/timeouts/resets (with backoff and Retry-After)."),
        click.option("--ignore-robots", is_flag=True, help="Do not obey robots.txt (prints a warning)."),
        click.option("--recheck", type=click.Choice(["all", "due", "none"]), default="due", show_default=True,
                     help="Re-fetch known variants: all, those due by age, or none."),
        click.option("--max-requests", type=int, default=None,
                     help="At most this many re-checks per run; the rest are carried over, oldest-due first."),
        click.option("--policy", default=None,
                     help="Re-check policy AGE:EVERY,... Default '3h:0,1d:2h,7d:1d,30d:7d,*:90d'."),
        click.option("--discovery", type=click.Choice(["adaptive", "all"]), default="adaptive", show_default=True,
                     help="Listings and feeds each run: adaptive (Russian ones that changed today every run, "
                          "quiet ones and translations' listings less often; 404s daily) or all."),
        click.option("--workers", type=click.IntRange(1, 64), default=None,
                     help="Crawler processes sharing the work (one per core; for mirrors and backfills)."),
        click.option("--delete-after-checks", type=int, default=2, show_default=True,
                     help="'Gone' answers needed before a variant counts as deleted."),
        click.option("--delete-after", type=Duration(), default="6h", show_default=True,
                     help="Minimum time between the first and last of those answers."),
        click.option("--atom", type=click.Path(dir_okay=False), default=None, help="Write an Atom feed of changes here."),
        click.option("--jsonl", type=click.Path(dir_okay=False), default=None,
                     help="Append each change as one JSON line to this file."),
        click.option("--notify", multiple=True, help="Apprise URL to notify (repeatable; needs [notify] extra)."),
        click.option("-v", "--verbose", count=True, help="More crawler logging (-vv for debug)."),
    ]
    options += divergence_crawl_options()  # --divergence-after, --translation-after, --emit-divergences
    for option in reversed(options):
        func = option(func)
    return func


CHILD_KEYS = ("site", "base_url", "section", "lang", "since", "max_pages", "delay", "timeout", "retries", "ignore_robots",
              "recheck", "max_requests", "policy", "discovery", "workers")


def child_options(params: dict[str, Any]) -> dict[str, Any]:
    """The subset of CLI parameters the crawler child understands."""
    opts = {k: params[k] for k in CHILD_KEYS if k in params}
    if params.get("verbose"):
        opts["verbose"] = True
    return opts


def make_sinks(db: Any, params: dict[str, Any]) -> list[Any]:
    from scheduler.sinks import AppriseSink, AtomSink, JsonlSink, SinkError

    sinks: list[Any] = []
    if params.get("atom"):
        sinks.append(AtomSink(Path(params["atom"]), db))
    if params.get("jsonl"):
        sinks.append(JsonlSink(Path(params["jsonl"])))
    for url in params.get("notify") or ():
        try:
            sinks.append(AppriseSink(url))
        except SinkError as exc:
            raise click.ClickException(str(exc))
    return sinks


def crawl_once(db_path: str, params: dict[str, Any], *, command_name: str = "run",
               time_limit: float | None = None, quiet: bool = False) -> dict[str, Any]:
    """One full cycle: crawl in a child process, detect changes, emit them, close the run. Returns the run row."""
    from scheduler.crawl_process import run_crawl

    result = run_crawl(db_path, child_options(params), time_limit=time_limit, command_name=command_name,
                       quiet=quiet)
    if result.run_id is None:
        # The child refused its arguments or could not open the database; it said why.
        sys.exit(result.returncode or EXIT_FATAL)
    db = _open(db_path)
    try:
        return _close_cycle(db, result, params, time_limit)
    except sqlite3.OperationalError as exc:
        # The store cannot be written (disk full, I/O error, read-only). If the crawler already said so,
        # one line is enough; the run stays open and the next cycle's detection picks up its versions.
        if result.returncode == 0:
            click.echo(f"error: cannot write the database {db_path}: {exc} (is the disk full, or the file or"
                       f" directory read-only?)", err=True)
        sys.exit(result.returncode or EXIT_FATAL)
    finally:
        db.conn.close()


def _close_cycle(db: Any, result: Any, params: dict[str, Any], time_limit: float | None) -> dict[str, Any]:
    """Detect, emit and close the run of a finished crawl child."""
    from scheduler.detect import DeletionRule, detect_changes
    from scheduler.sinks import SinkError, emit
    from store.writes import finish_run

    rule = DeletionRule(checks=params.get("delete_after_checks", 2), span=params.get("delete_after", timedelta(hours=6)))
    detect_changes(db, result.run_id, rule)
    after_run_hook(db, result.run_id, params)  # cross-language divergences (scheduler/divergence/)
    message = None
    if result.timed_out:
        status, message = "failed", f"crawl killed after the time limit of {time_limit:.0f}s"
    elif result.interrupted:
        status, message = "interrupted", "interrupted by the user"
    elif result.returncode != 0:
        status, message = "failed", f"crawler exited with code {result.returncode}"
    else:
        status = "ok"
    sink_errors = []
    for sink in make_sinks(db, params):
        try:
            emit(db, [sink])
        except SinkError as exc:
            # The change stays pending for this sink and goes out next time.
            sink_errors.append(str(exc))
    if sink_errors:
        message = "; ".join(filter(None, [message, *sink_errors]))
    row = finish_run(db, result.run_id, status, message)
    row["returncode"] = result.returncode
    return row


def print_summary(row: dict[str, Any]) -> None:
    click.echo(
        f"run {row['id']} {row['status']}: fetched {row['pages_fetched']} pages"
        f" ({row['not_modified']} not modified), {row['statements_new']} new statements,"
        f" {row['variants_new']} new language variants, {row['versions_new']} new versions"
    )
    click.echo(
        f"  changes: {row['edited']} edited, {row['deleted']} deleted, {row['restored']} restored;"
        f" errors: {row['errors']}, challenge pages: {row['challenge_pages']}"
    )
    if row["robots_skipped"]:
        click.echo(f"  skipped {row['robots_skipped']} URLs forbidden by robots.txt (listing pages beyond page 1);"
                   " --ignore-robots overrides")
    if row.get("message"):
        click.echo(f"  note: {row['message']}")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ministry-watch")
def main() -> None:
    """ministry-watch: archive mid.ru statements in every language and detect edits and deletions."""


@main.command()
@click.option("--db", default=DEFAULT_DB, show_default=True, help="SQLite database file.")
@crawl_options
def run(db: str, **params: Any) -> None:
    """Crawl once: discover, fetch every language, re-check, detect changes, emit them."""
    row = crawl_once(db, params)
    print_summary(row)
    if row["returncode"] != 0:
        sys.exit(row["returncode"])


@main.command()
@click.option("--db", default=DEFAULT_DB, show_default=True, help="SQLite database file.")
@click.option("--every", default=None, help="Run a cycle this often (e.g. 30m, 2h). Default 30m.")
@click.option("--cron", default=None, help='Crontab schedule instead, e.g. "*/30 * * * *".')
@click.option("--once", is_flag=True, help="Run one cycle and exit (for cron and systemd timers).")
@click.option("--time-limit", type=Duration(), default="2h", show_default=True,
              help="Kill a crawl that runs longer than this.")
@crawl_options
def watch(db: str, every: str | None, cron: str | None, once: bool, time_limit: timedelta, **params: Any) -> None:
    """Monitor in the background: a cycle per schedule (discover, re-check what is due, detect, emit)."""
    from scheduler.watch import make_trigger, run_watch

    if every and cron:
        raise click.UsageError("give --every or --cron, not both")
    if not once:
        make_trigger(every, cron)  # validate before taking the lock or touching the database
    sys.exit(run_watch(db, params, every=every, cron=cron, once=once, time_limit=time_limit.total_seconds()))


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--url", required=True, help="The URL the page was served at (gives id, language and host).")
def parse(file: str, url: str) -> None:
    """Parse one saved article page and print its record as JSON."""
    # Parsing belongs to the crawler package; run it as a child like every crawl.
    proc = subprocess.run([sys.executable, "-m", "crawler", "parse", file, "--url", url])
    sys.exit(proc.returncode)


@main.command()
@click.option("--db", default=DEFAULT_DB, show_default=True)
@click.option("--since", default=None, help="Only changes detected on/after this date (YYYY-MM-DD).")
@click.option("--kind", type=click.Choice(["new", "edited", "deleted", "restored"]), multiple=True)
@click.option("--lang", multiple=True)
@click.option("--limit", type=int, default=100, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option("--diff/--no-diff", "show_diff", default=False, help="Show the text diff of each edit.")
def changes(db: str, since: str | None, kind: tuple[str, ...], lang: tuple[str, ...], limit: int,
            as_json: bool, show_diff: bool) -> None:
    """The change log, newest first."""
    from scheduler.diff.terminal import safe_terminal
    from scheduler.sinks import change_rows

    if since and not re.match(r"^\d{4}-\d{2}-\d{2}", since):
        raise click.BadParameter(f"{since!r} is not a date (use YYYY-MM-DD)", param_hint="--since")
    store = _open(db)
    where, params = ["1"], []
    if since:
        where.append("c.detected_at >= ?")
        params.append(since)
    if kind:
        where.append(f"c.kind IN ({','.join('?' * len(kind))})")
        params += kind
    if lang:
        where.append(f"c.lang IN ({','.join('?' * len(lang))})")
        params += lang
    rows = change_rows(store, " AND ".join(where), tuple(params))[::-1][:limit]
    for c in rows:
        if as_json:
            click.echo(json.dumps(c, ensure_ascii=False))
            continue
        flag = " (cosmetic)" if c["cosmetic"] else ""
        click.echo(safe_terminal(f"{c['detected_at']}  {c['kind']:<8} {c['statement_id']} [{c['lang']}]{flag}  "
                                 f"{c['summary']}"))
        if show_diff and c.get("diff"):
            click.echo(safe_terminal(c["diff"]))


@main.command()
@click.argument("statement_id")
@click.option("--db", default=DEFAULT_DB, show_default=True)
@click.option("--lang", default="ru", show_default=True)
@click.option("--from", "from_v", type=int, default=None, help="Older version (default: the one before --to).")
@click.option("--to", "to_v", type=int, default=None, help="Newer version (default: current).")
@click.option("--format", "fmt", type=click.Choice(["text", "html", "json"]), default="text", show_default=True)
@click.option("--against", default=None, help="Show the current --lang version side by side with this language's.")
def diff(statement_id: str, db: str, lang: str, from_v: int | None, to_v: int | None, fmt: str,
         against: str | None) -> None:
    """Show the difference between two versions of one statement's language variant (or two languages)."""
    from scheduler.detect import load_version
    from scheduler.diff.compute import diff_versions
    from scheduler.diff.html_format import render_html_page
    from scheduler.diff.json_format import render_json
    from scheduler.diff.text_format import render_text

    store = _open(db)
    if not statement_id.startswith("mid.ru:") and statement_id.isdigit():
        statement_id = f"mid.ru:{statement_id}"
    if against:
        from scheduler.cli_divergence import show_against
        return show_against(store, statement_id, lang, against, fmt)
    current = store.conn.execute("SELECT current_version FROM variants WHERE statement_id=? AND lang=?",
                                 (statement_id, lang)).fetchone()
    if current is None:
        raise click.ClickException(f"no {lang} variant of {statement_id} in {db}")
    to_v = to_v or current[0]
    from_v = from_v if from_v is not None else max(1, to_v - 1)
    old, new = load_version(store, statement_id, lang, from_v), load_version(store, statement_id, lang, to_v)
    if old is None or new is None:
        raise click.ClickException(f"{statement_id} [{lang}] has versions 1..{current[0]}")
    result = diff_versions(old, new)
    if fmt == "json":
        click.echo(render_json(result))
    elif fmt == "html":
        click.echo(render_html_page(result, title=f"{new['title']} ({lang}, v{from_v} → v{to_v})"))
    else:
        click.echo(f"{statement_id} [{lang}] version {from_v} -> {to_v}")
        click.echo(render_text(result, color=sys.stdout.isatty()))


@main.command()
@click.option("--db", default=DEFAULT_DB, show_default=True)
@click.option("--runs", "n_runs", type=int, default=10, show_default=True)
def status(db: str, n_runs: int) -> None:
    """Last runs, statements and variants by status, and what is failing."""
    from scheduler.status import render_status

    store = _open(db)
    click.echo(render_status(store, n_runs=n_runs))


@main.command()
@click.option("--dir", "out_dir", default="demo-output", show_default=True, help="Where the demo writes its files.")
@click.option("--keep-serving", is_flag=True, help="Leave the mirror running after the demo (Ctrl-C to stop).")
def demo(out_dir: str, keep_serving: bool) -> None:
    """Crawl the bundled offline mirror, change it, crawl again and show what was detected."""
    from scheduler.demo import run_demo

    sys.exit(run_demo(Path(out_dir), keep_serving=keep_serving))


# Evidence archive and Datasette (issue 6): serve, reparse, export, and --warc-dir/--warc-max-size.
from scheduler.cli_archive import register as _register_archive  # noqa: E402

_register_archive(main)


from scheduler.cli_divergence import divergences  # noqa: E402
main.add_command(divergences)

if __name__ == "__main__":
    main()
