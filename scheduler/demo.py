"""`crawl demo`: crawl the bundled mirror, switch it to a later state, crawl again, show the detected changes."""
from __future__ import annotations

import shutil
import sys
from datetime import timedelta
from pathlib import Path

import click

from scheduler.cycle import CycleError, CycleSettings, run_cycle
from scheduler.detect import DeletionRule
from scheduler.edit_rules import EditRules
from scheduler.report import run_summary
from store.db import open_db
from store.exit_codes import ExitCode


def _settings(base_url: str, out_dir: Path, warc_dir: str | None, warc_max_size: str | None) -> CycleSettings:
    # A local mirror: no delay, re-check everything, confirm deletions (two checks) and edits (a second fetch of
    # the same text) without waiting between them.
    return CycleSettings(
        crawl={"base_url": base_url, "delay": 0.0, "timeout": 5.0, "retries": 1, "recheck": "all",
               "warc_dir": warc_dir, "warc_max_size": warc_max_size},
        deletion=DeletionRule(checks=2, span=timedelta(0)), edits=EditRules(confirm_delay=timedelta(0)),
        atom=str(out_dir / "changes.atom"), jsonl=str(out_dir / "changes.jsonl"))


def _step(db_path: str, settings: CycleSettings) -> None:
    result = run_cycle(db_path, settings, command="demo")
    click.echo("\n".join(run_summary(result.run)))


def run_demo(out_dir: Path, *, keep_serving: bool = False, warc_dir: str | None = None,
             warc_max_size: str | None = None) -> int:
    """Run the demo; returns the exit status."""
    from fixtures.mirror import MirrorServer

    try:
        if out_dir.exists():
            shutil.rmtree(out_dir)
        out_dir.mkdir(parents=True)
    except OSError as exc:
        click.echo(f"error: cannot write the demo's files to {out_dir}: {exc.strerror}", err=True)
        return ExitCode.FATAL
    db_path = str(out_dir / "demo.db")
    with MirrorServer(state="initial") as server:
        settings = _settings(server.base_url, out_dir, warc_dir, warc_max_size)
        click.secho(f"Offline mirror of mid.ru serving at {server.base_url}", bold=True)
        try:
            click.secho("\n1. First crawl of the mirror (every section and language, robots.txt obeyed)", bold=True)
            _step(db_path, settings)
            click.secho("\n2. The site changes: a Russian transcript edited, an English title retouched, a statement"
                        " removed,\n   a new statement published, one page answering with the anti-bot page. The"
                        " edits touch statements\n   older than a week: they are held until a second fetch shows"
                        " the same text", bold=True)
            server.set_state("later")
            _step(db_path, settings)
            click.secho("\n3. Crawl again: the edits (of statements older than a week) show the same text a second"
                        " time, so they\n   are reported; the removed statement answers 404 a second time, so its"
                        " deletion is confirmed;\n   the anti-bot page was retried and never counted as an edit or a"
                        " deletion", bold=True)
            _step(db_path, settings)
            click.secho("\n4. Backfill (crawl backfill --captures): the mirror's web archive lists older statements that no"
                        " listing shows\n   any more, and a link in one of them leads to another; every statement's"
                        " captures are read from\n   the archive, and one of them holds an earlier text: an edit made"
                        " before monitoring began", bold=True)
            server.set_state("backfill")
            _backfill(db_path, server.base_url, warc_dir, warc_max_size)
        except CycleError as exc:
            click.echo(f"error: {exc}", err=True)
            return exc.exit_code
        _show_changes(db_path, color=sys.stdout.isatty())
        _show_next_steps(db_path, out_dir)
        if keep_serving:
            _serve_until_interrupted(server.base_url)
    return ExitCode.OK


def _backfill(db_path: str, base_url: str, warc_dir: str | None, warc_max_size: str | None) -> None:
    from scheduler.backfill import BackfillSettings, run_backfill, summary_line

    settings = BackfillSettings(
        crawl={"base_url": base_url, "delay": 0.0, "timeout": 5.0, "retries": 1, "warc_dir": warc_dir,
               "warc_max_size": warc_max_size},
        spec={"captures": True, "cdx_url": f"{base_url}/cdx/search/cdx"})
    click.echo(summary_line(db_path, run_backfill(db_path, settings), "mid.ru"))


def _show_changes(db_path: str, *, color: bool) -> None:
    """Every change detected after the first crawl, with the diff of each edit."""
    from scheduler.diff.compute import diff_versions
    from scheduler.diff.terminal import safe_terminal
    from scheduler.diff.text_format import render_text
    from store.changes import change_rows, run_ids_after_first
    from store.versions import load_version

    db = open_db(db_path)
    try:
        rows = change_rows(db, run_ids=run_ids_after_first(db))
        click.secho(f"\n5. Changes detected after the first crawl ({len(rows)}):", bold=True)
        for c in rows:
            flag = " (cosmetic)" if c["cosmetic"] else ""
            click.secho(safe_terminal(f"\n[{c['kind']}{flag}] {c['statement_id']} [{c['lang']}] {c.get('title') or ''}"),
                        fg={"new": "green", "edited": "yellow", "deleted": "red", "restored": "cyan"}.get(c["kind"]))
            old = load_version(db, c["statement_id"], c["lang"], c["from_version"]) if c.get("diff") else None
            new = load_version(db, c["statement_id"], c["lang"], c["to_version"]) if c.get("diff") else None
            if old and new:
                if "(web archive:" in (c["summary"] or ""):   # found in captures: when, and on what evidence
                    click.echo(safe_terminal("  " + c["summary"][c["summary"].index("(web archive:"):]))
                click.echo(render_text(diff_versions(old, new), color=color))
            else:
                click.echo(safe_terminal(f"  {c['summary']}"))
    finally:
        db.conn.close()


def _show_next_steps(db_path: str, out_dir: Path) -> None:
    click.secho("\nLook inside:", bold=True)
    click.echo(f"  crawl changes --db {db_path} --diff")
    click.echo(f"  crawl status --db {db_path}")
    click.echo(f"  sqlite3 {db_path} 'select statement_id, lang, title from variants'")
    click.echo(f"  crawl divergences --db {db_path} --all")
    click.echo(f"  crawl serve --db {db_path}     (Datasette with search and views; make installs it)")
    click.echo(f"  Atom feed: {out_dir / 'changes.atom'}   JSON lines: {out_dir / 'changes.jsonl'}")


def _serve_until_interrupted(base_url: str) -> None:
    import time

    click.echo(f"\nMirror still serving at {base_url}; Ctrl-C to stop.")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
