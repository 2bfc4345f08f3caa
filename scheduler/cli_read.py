"""`crawl changes`, `crawl diff`, `crawl status` and `crawl parse`: reading what the archive holds."""
from __future__ import annotations

import subprocess
import sys

import click

from scheduler.cli_options import Date, NotFoundError, db_option, open_store
from store.ids import statement_ref


@click.command()
@db_option
@click.option("--since", type=Date(), default=None,
              help="Only changes detected on/after this date (YYYY-MM-DD) or in the last 7d, 12h, 2w ...")
@click.option("--kind", multiple=True, type=click.Choice(["new", "edited", "deleted", "restored", "flapping", "flip",
                                                         "unconfirmed", "divergence", "divergence_resolved"]),
              help="Only these kinds (repeatable).")
@click.option("--lang", multiple=True)
@click.option("--limit", type=click.IntRange(min=0), default=100, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option("--diff/--no-diff", "show_diff", default=False, help="Show the text diff of each edit.")
def changes(db: str, since: str | None, kind: tuple[str, ...], lang: tuple[str, ...], limit: int,
            as_json: bool, show_diff: bool) -> None:
    """The change log, newest first."""
    from scheduler.diff.terminal import safe_terminal
    from store.changes import change_rows
    from store.export import json_line

    store = open_store(db)
    for c in change_rows(store, since=since, kinds=kind, langs=lang, newest=limit, newest_first=True):
        if as_json:
            click.echo(json_line(c))
            continue
        flag = " (cosmetic)" if c["cosmetic"] else ""
        click.echo(safe_terminal(f"{c['detected_at']}  {c['kind']:<8} {c['statement_id']} [{c['lang']}]{flag}  "
                                 f"{c['summary']}"))
        if show_diff and c.get("diff"):
            click.echo(safe_terminal(c["diff"]))


@click.command()
@click.argument("statement_id")
@db_option
@click.option("--lang", default="ru", show_default=True)
@click.option("--from", "from_v", type=int, default=None, help="Older version (default: the one before --to).")
@click.option("--to", "to_v", type=int, default=None, help="Newer version (default: current).")
@click.option("--format", "fmt", type=click.Choice(["text", "html", "json"]), default="text", show_default=True)
@click.option("--against", default=None, help="Show the current --lang version side by side with this language's.")
def diff(statement_id: str, db: str, lang: str, from_v: int | None, to_v: int | None, fmt: str,
         against: str | None) -> None:
    """Show the difference between two versions of one statement's language variant (or two languages)."""
    from scheduler.diff.compute import diff_versions
    from scheduler.diff.html_format import render_html_page
    from scheduler.diff.json_format import render_json
    from scheduler.diff.text_format import render_text
    from store.variants import current_version
    from store.versions import load_version

    store = open_store(db)
    statement_id = statement_ref(statement_id)
    if against:
        from scheduler.cli_divergence import show_against
        return show_against(store, statement_id, lang, against, fmt)
    current = current_version(store, statement_id, lang)
    if current is None:
        raise NotFoundError(f"no {lang} variant of {statement_id} in {db}")
    to_v = to_v or current
    from_v = from_v if from_v is not None else max(1, to_v - 1)
    old, new = load_version(store, statement_id, lang, from_v), load_version(store, statement_id, lang, to_v)
    if old is None or new is None:
        raise NotFoundError(f"{statement_id} [{lang}] has versions 1..{current}")
    result = diff_versions(old, new)
    if fmt == "json":
        from store.export import safe_json_text

        click.echo(safe_json_text(render_json(result)))
    elif fmt == "html":
        click.echo(render_html_page(result, title=f"{new['title']} ({lang}, v{from_v} → v{to_v})"))
    else:
        click.echo(f"{statement_id} [{lang}] version {from_v} -> {to_v}")
        click.echo(render_text(result, color=sys.stdout.isatty()))


@click.command()
@db_option
@click.option("--runs", "n_runs", type=click.IntRange(min=1), default=10, show_default=True)
def status(db: str, n_runs: int) -> None:
    """Last runs, statements and variants by status, and what is failing."""
    from scheduler.status import render_status

    click.echo(render_status(open_store(db), n_runs=n_runs))


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--url", required=True, help="The URL the page was served at (gives id, language and host).")
def parse(file: str, url: str) -> None:
    """Parse one saved article page and print its record as JSON."""
    # Parsing belongs to the crawler package; run it as a child like every crawl.
    sys.exit(subprocess.run([sys.executable, "-m", "crawler", "parse", file, "--url", url]).returncode)
