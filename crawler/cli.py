"""Child-process entry of the crawler (`python -m crawler run|parse`); the user-facing CLI is scheduler/cli.py."""
from __future__ import annotations

import json
import os
import sqlite3
import sys
from pathlib import Path
from typing import Any

import click

from crawler import sections

EXIT_FATAL = 3


def store_error_message(db: str, exc: object) -> str:
    """One line for a store that cannot be written (disk full, I/O error, read-only file or directory)."""
    return f"error: cannot write the database {db}: {exc} (is the disk full, or the file or directory read-only?)"
SITES = ("mid.ru", "archive.mid.ru")


def _site_sections(site: str) -> list[str]:
    if site == "archive.mid.ru":
        from crawler.parsers.g1_urls import ARCHIVE_SECTIONS

        return list(ARCHIVE_SECTIONS)
    return list(sections.SECTIONS)

# Scrapy's cookie middleware asks tldextract for the public suffix list, which it would download
# from the internet; the snapshot bundled with tldextract is enough, and a crawl must talk only to
# the configured host.
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")


@click.group()
def main() -> None:
    """ministry-watch crawler (internal entry; use `crawl`)."""


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--url", required=True, help="The URL the page was served at (gives id, language, host).")
def parse(file: str, url: str) -> None:
    """Parse one saved page and print its record as JSON."""
    from crawler.encoding import decode_html
    from crawler.parsers import ParseError, parse_any_article

    try:
        raw = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
    except OSError as exc:
        raise click.ClickException(f"cannot read {file}: {exc.strerror}")
    try:
        # Either portal: the URL or the markup says which one the page comes from.
        record = parse_any_article(decode_html(raw).text, url)
    except ParseError as exc:
        raise click.ClickException(f"{file}: {exc}")
    click.echo(json.dumps(record, ensure_ascii=False, indent=2))


@main.command()
@click.option("--db", required=True)
@click.option("--run-id", type=int, default=None, help="Record into this run (default: open a new one).")
@click.option("--run-id-file", type=click.Path(dir_okay=False), default=None,
              help="Write the id of the new run here, for the parent process.")
@click.option("--command-name", default="run")
@click.option("--site", type=click.Choice(list(SITES)), default="mid.ru", show_default=True,
              help="mid.ru (the current site) or archive.mid.ru (the older portal).")
@click.option("--base-url", default=None, help="Default: https://<site>.")
@click.option("--section", "section_keys", multiple=True)
@click.option("--lang", "langs", multiple=True)
@click.option("--since", default=None)
@click.option("--max-pages", type=int, default=1)
@click.option("--delay", type=float, default=1.0)
@click.option("--timeout", type=float, default=30.0)
@click.option("--retries", type=int, default=3)
@click.option("--ignore-robots", is_flag=True)
@click.option("--recheck", type=click.Choice(["all", "due", "none"]), default="due")
@click.option("--max-requests", type=int, default=None, help="Cap on re-checks this run (the rest wait).")
@click.option("--policy", default=None, help="Re-check policy AGE:EVERY,... (see store/recheck.py).")
@click.option("--no-discover", is_flag=True, help="Only re-check known variants.")
@click.option("--discovery", "discovery", default="adaptive", show_default=True,
              type=click.Choice(["adaptive", "all"]),
              help="Listings and feeds to ask for: adaptive (quiet ones less often, see store/discovery.py) or all.")
@click.option("--workers", type=click.IntRange(1, 64), default=1,
              help="Crawler processes sharing the work by statement id (for mirrors and backfills).")
@click.option("--shard", default=None, hidden=True, help="I/N: this process takes ids with id %% N == I.")
@click.option("--progress/--no-progress", default=None)
@click.option("-v", "--verbose", count=True)
def run(db: str, run_id: int | None, run_id_file: str | None, command_name: str, site: str, base_url: str | None, section_keys: tuple[str, ...], langs: tuple[str, ...],
        since: str | None, max_pages: int, delay: float, timeout: float, retries: int, ignore_robots: bool,
        recheck: str, max_requests: int | None, policy: str | None, no_discover: bool, discovery: str, workers: int, shard: str | None,
        progress: bool | None, verbose: int) -> None:
    """Run one crawl into DB (the parent process runs detection and closes the run)."""
    from urllib.parse import urlsplit

    from crawler.dates import parse_since
    from store.db import StoreError, open_db
    from store.discovery import index_pages_not_due, parse_discovery_policy
    from store.recheck import RecheckPolicy, parse_policy, variants_to_recheck
    from store.runs import close_orphaned_runs, start_run

    # Validate everything before touching the database: bad arguments write nothing.
    base_url = base_url or f"https://{site}"
    site_sections = _site_sections(site)
    for key in section_keys:
        if key not in site_sections:
            raise click.BadParameter(f"unknown section {key!r} for {site}; choose from {', '.join(site_sections)}",
                                     param_hint="--section")
    for lang in langs:
        if lang not in sections.LANGUAGES:
            raise click.BadParameter(f"unknown language {lang!r}; choose from {', '.join(sections.LANGUAGES)}",
                                     param_hint="--lang")
    if since is not None:
        parsed = parse_since(since)
        if parsed is None:
            raise click.BadParameter(f"{since!r} is not a date (use YYYY-MM-DD)", param_hint="--since")
        since = parsed
    if max_pages < 1:
        raise click.BadParameter("must be at least 1", param_hint="--max-pages")
    if delay < 0 or timeout <= 0:
        raise click.BadParameter("must be positive", param_hint="--delay/--timeout")
    try:
        recheck_policy = parse_policy(policy) if policy else RecheckPolicy()
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--policy")
    try:
        index_policy = parse_discovery_policy(discovery)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--discovery")
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise click.BadParameter(f"{base_url!r} is not an http(s) URL", param_hint="--base-url")
    shard_of: tuple[int, int] | None = None
    if shard is not None:
        try:
            index, count = (int(x) for x in shard.split("/"))
        except ValueError:
            raise click.BadParameter(f"{shard!r} is not I/N", param_hint="--shard")
        if not 0 <= index < count:
            raise click.BadParameter(f"{shard!r} is not I/N", param_hint="--shard")
        shard_of = (index, count)

    from scrapy.crawler import CrawlerProcess

    from crawler.pipeline import STORE_ERROR_STAT
    from crawler.settings import crawl_settings
    from crawler.spiders.archive import ArchiveSpider
    from crawler.spiders.mid import MidSpider, Recheck

    try:
        store = open_db(db)
    except StoreError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_FATAL)
    try:
        if run_id is None:
            close_orphaned_runs(store)
            # The parent that asked for the run id finishes the run; without one, this process does.
            run_id = start_run(store, command=command_name, base_url=base_url, options={
                "site": site, "section": list(section_keys), "lang": list(langs), "since": since,
                "max_pages": max_pages, "delay": delay, "ignore_robots": ignore_robots, "recheck": recheck},
                owner_pid=os.getppid() if run_id_file else os.getpid())
        if run_id_file:
            Path(run_id_file).write_text(str(run_id))
    except (sqlite3.OperationalError, OSError) as exc:
        click.echo(store_error_message(db, exc), err=True)
        sys.exit(EXIT_FATAL)
    if ignore_robots and shard_of is None:
        click.echo("warning: --ignore-robots: robots.txt is not obeyed; be gentle with the site", err=True)
    if workers > 1 and shard_of is None:
        store.conn.close()
        sys.exit(_run_workers(db, run_id, workers, base_url))
    skip_index = index_pages_not_due(store, policy=index_policy)
    known = [(int(sid.split(":", 1)[1]), lang) for sid, lang in
             store.conn.execute("SELECT statement_id, lang FROM variants WHERE statement_id LIKE ? || ':%'", (site,))]
    rechecks = [Recheck(**row) for row in variants_to_recheck(
        store, recheck, limit=max_requests, langs=list(langs) or None, policy=recheck_policy, site=site)]
    store.conn.close()
    extra: dict = {}
    if shard_of is not None:
        index, count = shard_of
        rechecks = [r for r in rechecks if r.statement_id.rpartition(":")[2].isdigit()
                    and int(r.statement_id.rpartition(":")[2]) % count == index]
        extra["shard"] = shard_of
    settings = crawl_settings(
        db=db, run_id=run_id, delay=delay, ignore_robots=ignore_robots, timeout=timeout, retries=retries,
        progress=sys.stderr.isatty() if progress is None else progress,
        log_level=["WARNING", "INFO", "DEBUG"][min(verbose, 2)],
    )
    process = CrawlerProcess(settings)
    spider = process.create_crawler(ArchiveSpider if site == "archive.mid.ru" else MidSpider)
    process.crawl(spider, base_url=base_url, section_keys=list(section_keys) or None,
                  langs=list(langs) or None, since=since, max_pages=max_pages, rechecks=rechecks,
                  discover=not no_discover, known=known, skip_index=skip_index, **extra)
    _tune_gc()
    process.start()
    failure = spider.stats.get_value(STORE_ERROR_STAT) if spider.stats is not None else None
    if failure:
        # The store could not be written (the pipeline stopped the crawl): one line, no traceback.
        click.echo(store_error_message(db, failure), err=True)
        sys.exit(EXIT_FATAL)
    if shard_of is not None:
        return  # the parent process checks the run as a whole
    unreachable = _unreachable(db, run_id, base_url)
    if unreachable:
        click.echo(unreachable, err=True)
        sys.exit(EXIT_FATAL)


def _tune_gc() -> None:
    """Fewer, cheaper garbage collections in the crawler: ~7% less CPU over a mirror crawl.

    Every parsed page allocates thousands of objects (BeautifulSoup trees point to their parents, so they
    are cycles that only the collector frees); at the default threshold (700 allocations) it runs many times
    per page and each time walks the long-lived objects too. Freezing what start-up created takes those
    out of every collection; a higher first threshold lets a collection free several pages' trees at once
    (a few MB more at the peak, measured by the benchmark's peak-memory figure).
    """
    import gc

    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


def _run_workers(db: str, run_id: int, workers: int, base_url: str) -> int:
    """Run `workers` crawler processes on the same run, each taking the statements with id % workers == i.

    Every process reads the listings and feeds (they are few) and fetches only its own share of articles
    and re-checks; all write to the same WAL database (batched transactions, busy_timeout 30 s). They
    share this process group, so stopping the group stops them all.
    """
    import subprocess

    argv = sys.argv[1:]
    args: list[str] = []
    skip = False
    for i, arg in enumerate(argv):
        if skip:
            skip = False
            continue
        if arg in ("--workers", "--run-id", "--run-id-file", "--shard"):
            skip = True
            continue
        if arg.split("=", 1)[0] in ("--workers", "--run-id", "--run-id-file", "--shard"):
            continue
        args.append(arg)
    if args and args[0] == "run":
        args = args[1:]
    procs = [subprocess.Popen([sys.executable, "-m", "crawler", "run", *args, "--run-id", str(run_id),
                               "--shard", f"{i}/{workers}", "--no-progress"]) for i in range(workers)]
    code = 0
    for proc in procs:
        while True:
            try:
                proc.wait()
                break
            except KeyboardInterrupt:  # the group got the signal too: let the shards finish cleanly
                continue
        code = code or proc.returncode
    if code:
        return code
    unreachable = _unreachable(db, run_id, base_url)
    if unreachable:
        click.echo(unreachable, err=True)
        return EXIT_FATAL
    return 0


def _unreachable(db: str, run_id: int, base_url: str) -> str | None:
    """The one-line error when no request of the run got any HTTP answer and some failed to connect."""
    from store.db import open_db

    store = open_db(db)
    try:
        reached, failed = store.conn.execute(
            "SELECT sum(http_status IS NOT NULL), sum(outcome IN ('connection_error','timeout'))"
            " FROM fetches WHERE run_id=?", (run_id,)).fetchone()
    finally:
        store.conn.close()
    if not reached and failed:
        return f"error: cannot reach {base_url} ({failed} requests failed to connect)"
    return None


# -- evidence archive (issue 6) ----------------------------------------------------------------------

def _set_env(name: str) -> Any:
    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> None:
        if value is not None:
            os.environ[name] = str(value)
    return callback


def _warc_options() -> list[click.Option]:
    """--warc-dir / --warc-max-size, passed to the pipeline through the environment (also how the parent's
    `crawl run --warc-dir` reaches this child)."""
    return [
        click.Option(["--warc-dir"], expose_value=False, callback=_set_env("MW_WARC_DIR"),
                     help="Directory of the WARC archive (default: <db stem>-warc/ next to the database)."),
        click.Option(["--warc-max-size"], expose_value=False, callback=_set_env("MW_WARC_MAX_SIZE"),
                     help="Start a new WARC file beyond this size, e.g. 100M (default), 1G."),
    ]


run.params.extend(_warc_options())


@main.command()
@click.option("--db", required=True)
@click.option("--statement", "statements", multiple=True, help="Statement id (mid.ru:1974990 or 1974990); repeatable.")
@click.option("--site", default=None, help="Only statements of this site (e.g. mid.ru).")
@click.option("--lang", "langs", multiple=True, help="Only these languages; repeatable.")
@click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")
@click.option("--history", is_flag=True, help="Also count older versions the current parser reads differently.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per variant, then the summary.")
@click.option("-q", "--quiet", is_flag=True, help="Only the summary line.")
def reparse(db: str, statements: tuple[str, ...], site: str | None, langs: tuple[str, ...], dry_run: bool,
            history: bool, as_json: bool, quiet: bool) -> None:
    """Re-derive versions from the archived responses with the current parsers (no network)."""
    from dataclasses import asdict

    from crawler.reparse import reparse_archive
    from store.db import StoreError, open_db

    try:
        store = open_db(db, create=False)
    except StoreError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_FATAL)
    ids = [s if ":" in s else f"mid.ru:{s}" for s in statements]
    if ids:
        known = {r[0] for r in store.conn.execute(
            f"SELECT id FROM statements WHERE id IN ({','.join('?' * len(ids))})", ids)}
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise click.BadParameter(f"no statement {', '.join(unknown)} in {db}", param_hint="--statement")
    report = reparse_archive(store, statements=ids or None, site=site, langs=list(langs) or None,
                             dry_run=dry_run, history=history)
    for o in report.outcomes:
        if as_json:
            click.echo(json.dumps(asdict(o), ensure_ascii=False))
        elif not quiet and o.status != "unchanged":
            if o.status == "rederived":
                click.echo(f"{'would re-derive' if dry_run else 're-derived'} {o.statement_id} [{o.lang}] "
                           f"v{o.from_version} -> v{o.to_version} ({o.old_parser} -> {o.new_parser}): {o.detail}")
            else:
                click.echo(f"{o.status:<11} {o.statement_id} [{o.lang}] v{o.from_version}: {o.detail}")
    summary = report.summary() + (" (dry run: nothing written)" if dry_run else "")
    if as_json:
        click.echo(json.dumps({"summary": summary, "run_id": report.run_id}, ensure_ascii=False))
    else:
        click.echo(summary)
    store.conn.close()


if __name__ == "__main__":
    main()
