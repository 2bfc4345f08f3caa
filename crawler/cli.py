"""Child-process entry of the crawler (`python -m crawler run|parse|reparse|doctor`); the user-facing CLI is scheduler/cli.py."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from store.exit_codes import ExitCode
from store.export import json_line, safe_json_text

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
        click.echo(f"error: cannot read {file}: {exc.strerror}", err=True)
        sys.exit(ExitCode.USAGE)
    try:
        # Either portal: the URL or the markup says which one the page comes from.
        record = parse_any_article(decode_html(raw).text, url)
    except ParseError as exc:
        click.echo(f"error: {file}: {exc}", err=True)
        sys.exit(ExitCode.NOT_FOUND)
    click.echo(safe_json_text(json.dumps(record, ensure_ascii=False, indent=2)))


@main.command()
@click.option("--request", "request_path", required=True, type=click.Path(dir_okay=False, allow_dash=True),
              help="The crawl request (store/crawl_request.py): a JSON file, or - for standard input.")
def run(request_path: str) -> None:
    """Crawl into the run the request names (the parent opened it and closes it)."""
    from crawler.runner import run_crawl
    from store.crawl_request import BadRequest, CrawlRequest

    try:
        text = sys.stdin.read() if request_path == "-" else Path(request_path).read_text(encoding="utf-8")
        request = CrawlRequest.from_json(text)
    except OSError as exc:
        click.echo(f"error: cannot read the crawl request {request_path}: {exc.strerror}", err=True)
        sys.exit(ExitCode.USAGE)
    except BadRequest as exc:
        click.echo(f"error: bad crawl request: {exc}", err=True)
        sys.exit(ExitCode.USAGE)
    if request.backfill is not None:   # a part of `crawl backfill`
        from crawler.backfill_runner import run_backfill

        sys.exit(run_backfill(request))
    sys.exit(run_crawl(request))


@main.command()
@click.option("--site", type=click.Choice(["mid.ru", "archive.mid.ru"]), default="mid.ru")
@click.option("--base-url", default=None, help="Check this host instead of https://<site> (a mirror).")
@click.option("--delay", type=float, default=1.0)
@click.option("--timeout", type=float, default=30.0)
@click.option("--ignore-robots", is_flag=True)
@click.option("--browser-after", type=int, default=5)
@click.option("-v", "--verbose", count=True)
def doctor(site: str, base_url: str | None, delay: float, timeout: float, ignore_robots: bool, browser_after: int,
           verbose: int) -> None:
    """Check one portal with a handful of requests (robots.txt, a listing, an article, its translations); JSON."""
    from crawler.doctor import run_checkup

    report = run_checkup(site, (base_url or f"https://{site}").rstrip("/"), delay=delay, timeout=timeout,
                         ignore_robots=ignore_robots, browser_after=browser_after, verbose=verbose)
    click.echo(json.dumps(report, ensure_ascii=False))


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
    from store.ids import statement_ref
    from store.variants import statement_ids
    from store.db import StoreError, open_db

    try:
        store = open_db(db, create=False)
    except StoreError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(ExitCode.FATAL)
    ids = [statement_ref(s) for s in statements]
    if ids:
        known = set(statement_ids(store, ids))
        unknown = [i for i in ids if i not in known]
        if unknown:
            click.echo(f"error: no statement {', '.join(unknown)} in {db}", err=True)
            sys.exit(ExitCode.NOT_FOUND)
    report = reparse_archive(store, statements=ids or None, site=site, langs=list(langs) or None,
                             dry_run=dry_run, history=history)
    for o in report.outcomes:
        if as_json:
            click.echo(json_line(asdict(o)))
        elif not quiet and o.status != "unchanged":
            if o.status == "rederived":
                click.echo(f"{'would re-derive' if dry_run else 're-derived'} {o.statement_id} [{o.lang}] "
                           f"v{o.from_version} -> v{o.to_version} ({o.old_parser} -> {o.new_parser}): {o.detail}")
            else:
                click.echo(f"{o.status:<11} {o.statement_id} [{o.lang}] v{o.from_version}: {o.detail}")
    summary = report.summary() + (" (dry run: nothing written)" if dry_run else "")
    if as_json:
        click.echo(json_line({"summary": summary, "run_id": report.run_id}))
    else:
        click.echo(summary)
    store.conn.close()


if __name__ == "__main__":
    main()
