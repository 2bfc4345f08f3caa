"""`crawl demo`: crawl the bundled mirror, switch it to a later state, crawl again, show the detected changes."""
from __future__ import annotations

import shutil
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import click

from store.db import open_db


def _params(base_url: str, out_dir: Path) -> dict[str, Any]:
    # A local mirror: no delay, re-check everything, confirm deletions at once (two checks, no wait).
    return {
        "base_url": base_url, "section": (), "lang": (), "since": None, "max_pages": 1, "delay": 0.0,
        "timeout": 5.0, "retries": 1, "ignore_robots": False, "recheck": "all", "max_requests": None,
        "delete_after_checks": 2, "delete_after": timedelta(0), "atom": str(out_dir / "changes.atom"),
        "jsonl": str(out_dir / "changes.jsonl"), "notify": (), "verbose": 0,
    }


def run_demo(out_dir: Path, *, keep_serving: bool = False) -> int:
    """Run the demo; returns the exit code."""
    from fixtures.server import MirrorServer
    from scheduler.cli import crawl_once, print_summary
    from scheduler.diff.terminal import safe_terminal
    from scheduler.sinks import change_rows

    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    db_path = str(out_dir / "demo.db")
    color = sys.stdout.isatty()
    with MirrorServer(state="initial") as server:
        params = _params(server.base_url, out_dir)
        click.secho(f"Offline mirror of mid.ru serving at {server.base_url}", bold=True)
        click.secho("\n1. First crawl of the mirror (every section and language, robots.txt obeyed)", bold=True)
        print_summary(crawl_once(db_path, params, command_name="demo"))

        click.secho("\n2. The site changes: a Russian transcript edited, an English title retouched, a statement"
                    " removed,\n   a new statement published, one page answering with the anti-bot page", bold=True)
        server.set_state("later")
        print_summary(crawl_once(db_path, params, command_name="demo"))
        click.secho("\n3. Crawl again: the removed statement answers 404 a second time, so its deletion is"
                    " confirmed;\n   the anti-bot page was retried and never counted as an edit or a deletion", bold=True)
        print_summary(crawl_once(db_path, params, command_name="demo"))

        db = open_db(db_path)
        rows = change_rows(db, "c.run_id IN (SELECT id FROM runs ORDER BY id LIMIT -1 OFFSET 1)")
        click.secho(f"\n4. Changes detected after the first crawl ({len(rows)}):", bold=True)
        for c in rows:
            flag = " (cosmetic)" if c["cosmetic"] else ""
            click.secho(safe_terminal(f"\n[{c['kind']}{flag}] {c['statement_id']} [{c['lang']}] {c.get('title') or ''}"),
                        fg={"new": "green", "edited": "yellow", "deleted": "red", "restored": "cyan"}[c["kind"]])
            if not c.get("diff"):
                click.echo(safe_terminal(f"  {c['summary']}"))
            else:
                from scheduler.detect import load_version
                from scheduler.diff.compute import diff_versions
                from scheduler.diff.text_format import render_text

                old = load_version(db, c["statement_id"], c["lang"], c["from_version"])
                new = load_version(db, c["statement_id"], c["lang"], c["to_version"])
                if old and new:
                    click.echo(render_text(diff_versions(old, new), color=color))
        db.conn.close()
        click.secho("\nLook inside:", bold=True)
        click.echo(f"  crawl changes --db {db_path} --diff")
        click.echo(f"  crawl status --db {db_path}")
        click.echo(f"  sqlite3 {db_path} 'select statement_id, lang, title from variants'")
        click.echo(f"  crawl divergences --db {db_path} --all")
        click.echo(f"  crawl serve --db {db_path}     (Datasette with search and views; make installs it)")
        click.echo(f"  Atom feed: {out_dir / 'changes.atom'}   JSON lines: {out_dir / 'changes.jsonl'}")
        if keep_serving:
            click.echo(f"\nMirror still serving at {server.base_url}; Ctrl-C to stop.")
            try:
                import time
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
    return 0
