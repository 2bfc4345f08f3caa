"""`crawl serve`, `crawl reparse` and `crawl export`: the evidence archive and the corpus, for other tools.

Re-parsing needs the parsers, so `crawl reparse` runs `python -m crawler reparse` as a child process
(the scheduler never imports the crawler). Datasette (the `serve` extra) also runs as a child.
"""
from __future__ import annotations

import importlib.util
import json
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import click

from scheduler.cli_options import Date, FatalError, db_option, open_store

INSTALL_HINT = "Datasette is not installed; install the extra with: pip install 'ministry-watch[serve]'"


def datasette_installed() -> bool:
    return importlib.util.find_spec("datasette") is not None


@click.command()
@db_option
@click.option("--port", type=int, default=8001, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface to listen on (keep 127.0.0.1 unless you mean to publish the archive).")
@click.option("--metadata", "metadata_out", type=click.Path(dir_okay=False), default=None,
              help="Also write the metadata used to this file (for `datasette` run by hand or `datasette publish`).")
def serve(db: str, port: int, host: str, metadata_out: str | None) -> None:
    """Explore the archive in Datasette: tables, views, facets and full-text search."""
    from store.meta import datasette_metadata

    if not datasette_installed():
        raise click.UsageError(INSTALL_HINT)
    store = open_store(db)  # brings the schema (views, search index) up to date
    store.conn.close()
    metadata = datasette_metadata(Path(db).stem)
    with tempfile.TemporaryDirectory(prefix="mw-serve-") as tmp:
        meta_path = Path(metadata_out) if metadata_out else Path(tmp) / "metadata.json"
        meta_path.write_text(json.dumps(metadata, ensure_ascii=False, indent=2), encoding="utf-8")
        click.echo(f"Serving {db} on http://{host}:{port}/ (Ctrl-C to stop)", err=True)
        cmd = [sys.executable, "-m", "datasette", "serve", str(db), "--metadata", str(meta_path),
               "--host", host, "--port", str(port), "--setting", "sql_time_limit_ms", "5000",
               # Suggested facets try a GROUP BY on every column of every page shown: seconds on a large archive.
               # The facets worth having are named in the metadata.
               "--setting", "facet_time_limit_ms", "500", "--setting", "suggest_facets", "off"]
        proc = subprocess.Popen(cmd)

        def forward(signum: int, frame: Any) -> None:
            # Stopping `crawl serve` (Ctrl-C, systemd, kill) stops Datasette with it.
            if proc.poll() is None:
                proc.send_signal(signum)

        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, forward)
        returncode = proc.wait()
    sys.exit(0 if returncode in (0, -signal.SIGINT, -signal.SIGTERM) else returncode)


@click.command()
@db_option
@click.option("--statement", "statements", multiple=True, help="Statement id (mid.ru:1974990 or 1974990); repeatable.")
@click.option("--site", default=None, help="Only statements of this site (e.g. mid.ru).")
@click.option("--lang", "langs", multiple=True, help="Only these languages; repeatable.")
@click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")
@click.option("--history", is_flag=True, help="Also count older versions the current parser reads differently.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per variant, then the summary.")
def reparse(db: str, statements: tuple[str, ...], site: str | None, langs: tuple[str, ...], dry_run: bool,
            history: bool, as_json: bool) -> None:
    """Rebuild versions from the archived pages with the current parsers (no network); report what changed."""
    open_store(db, write=True).conn.close()
    args = [sys.executable, "-m", "crawler", "reparse", "--db", db]
    for s in statements:
        args += ["--statement", s]
    if site:
        args += ["--site", site]
    for lang in langs:
        args += ["--lang", lang]
    args += [flag for flag, on in (("--dry-run", dry_run), ("--history", history), ("--json", as_json)) if on]
    sys.exit(subprocess.run(args).returncode)


@click.command()
@db_option
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True)
@click.option("--since", type=Date(), default=None,
              help="Only statements published on/after this date (YYYY-MM-DD) or in the last 7d, 12h, 2w ...")
@click.option("--lang", "langs", multiple=True, help="Only these languages; repeatable.")
@click.option("--with-versions", is_flag=True,
              help="Every version too: a `versions` list per line (jsonl), or one row per version (csv).")
@click.option("--output", "-o", default="-", show_default=True, help="Output file, or - for standard output.")
@click.option("--bom", is_flag=True, help="CSV: start with a UTF-8 byte order mark (for spreadsheet programs).")
@click.option("--raw-cells", is_flag=True,
              help="CSV: leave cells starting with = + - @ as they are (default: a leading ' keeps them text).")
def export(db: str, fmt: str, since: str | None, langs: tuple[str, ...], with_versions: bool, output: str,
           bom: bool, raw_cells: bool) -> None:
    """Write the corpus (one record per language variant, current text) for other tools."""
    from store.export import iter_variants, write_csv, write_jsonl

    store = open_store(db)
    items = iter_variants(store, since=since, with_versions=with_versions, langs=list(langs) or None)
    if output == "-":
        out = sys.stdout
    else:
        try:
            out = open(output, "w", encoding="utf-8", newline="")
        except OSError as exc:
            raise FatalError(f"cannot write {output}: {exc.strerror}")
    try:
        n = write_jsonl(items, out) if fmt == "jsonl" else write_csv(items, out, with_versions=with_versions,
                                                                     raw_cells=raw_cells, bom=bom)
    finally:
        if out is not sys.stdout:
            out.close()
    store.conn.close()
    if output != "-":
        click.echo(f"wrote {n} {'rows' if fmt == 'csv' else 'records'} to {output}", err=True)
