"""`crawl divergences`, `crawl diff ID --against LANG`, and the divergence options of `crawl run`/`watch`.

Kept apart from scheduler/cli.py, which registers the command and calls :func:`after_run_hook` and
:func:`show_against`. This module must not import scheduler.cli at import time (cli imports it).
"""
from __future__ import annotations

import json
import re
import sys
from datetime import timedelta
from typing import Any

import click

from scheduler.divergence.findings import KINDS, Config
from scheduler.durations import Duration

DEFAULT_EDIT_DELAY = "48h"
DEFAULT_TRANSLATION_DELAY = "72h"


def _delay_options() -> list[Any]:
    return [
        click.option("--divergence-after", "divergence_after", type=Duration(), default=DEFAULT_EDIT_DELAY,
                     show_default=True,
                     help="An edit of one language not followed in another within this long is a divergence."),
        click.option("--translation-after", "translation_after", type=Duration(), default=DEFAULT_TRANSLATION_DELAY,
                     show_default=True,
                     help="A speech, interview or briefing with no English version after this long is a divergence."),
    ]


def divergence_crawl_options() -> list[Any]:
    """Options added to `crawl run`, `watch` and `demo` (after the crawl's own options)."""
    return _delay_options() + [
        click.option("--emit-divergences", "emit_divergences", is_flag=True,
                     help="Also send new and resolved cross-language divergences to the sinks (off by default)."),
    ]


def config_from(params: dict[str, Any]) -> Config:
    edit, translation = params.get("divergence_after"), params.get("translation_after")
    return Config(edit_delay=timedelta(hours=48) if edit is None else edit,
                  translation_delay=timedelta(hours=72) if translation is None else translation)


def after_run_hook(db: Any, run_id: int | None, params: dict[str, Any]) -> None:
    """Called by crawl_once right after detect_changes: re-evaluate divergences the run may have changed."""
    from scheduler.divergence.evaluate import after_run

    try:
        after_run(db, run_id, config_from(params), emit=bool(params.get("emit_divergences")))
    except Exception as exc:  # noqa: BLE001 - a divergence problem must never lose the run's changes
        try:
            db.conn.execute("ROLLBACK")
        except Exception:  # noqa: BLE001 - no transaction was open
            pass
        click.echo(f"warning: cross-language divergence check failed: {type(exc).__name__}: {exc}", err=True)


def _sid(statement_id: str) -> str:
    return f"mid.ru:{statement_id}" if statement_id.isdigit() else statement_id


def _open(db: str) -> Any:
    from store.db import StoreError, open_db

    try:
        return open_db(db, create=False)
    except StoreError as exc:
        raise click.ClickException(str(exc))


@click.command()
@click.option("--db", default="ministry-watch.db", show_default=True, help="SQLite database file.")
@click.option("--statement", "statement_id", default=None, help="Only this statement (mid.ru:ID or ID).")
@click.option("--kind", type=click.Choice(KINDS), multiple=True, help="Only these kinds (repeatable).")
@click.option("--lang", multiple=True, help="Only pairs involving this language (repeatable).")
@click.option("--since", default=None, help="Only divergences detected on/after this date (YYYY-MM-DD).")
@click.option("--all", "include_resolved", is_flag=True, help="Include resolved divergences.")
@click.option("--refresh", is_flag=True, help="Re-evaluate every statement first (e.g. an archive crawled before).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option("--limit", type=int, default=200, show_default=True)
def divergences(db: str, statement_id: str | None, kind: tuple[str, ...], lang: tuple[str, ...], since: str | None,
                include_resolved: bool, refresh: bool, as_json: bool, limit: int, **params: Any) -> None:
    """Cross-language divergences: what one language version says that another does not."""
    from scheduler.diff.terminal import safe_terminal
    from store.divergences import list_divergences

    if since and not re.match(r"^\d{4}-\d{2}-\d{2}", since):
        raise click.BadParameter(f"{since!r} is not a date (use YYYY-MM-DD)", param_hint="--since")
    store = _open(db)
    if refresh:
        from scheduler.divergence.evaluate import candidates, reevaluate

        ids = {_sid(statement_id)} if statement_id else candidates(store, None)
        outcome = reevaluate(store, ids, config_from(params))
        click.echo(f"re-evaluated {outcome.evaluated} statements: {len(outcome.opened)} new, "
                   f"{len(outcome.resolved)} resolved", err=True)
    rows = list_divergences(store, include_resolved=include_resolved,
                            statement_id=_sid(statement_id) if statement_id else None, kinds=kind, langs=lang,
                            since=since, limit=limit)
    for r in rows:
        if as_json:
            click.echo(json.dumps(r, ensure_ascii=False))
            continue
        state = f"resolved {r['resolved_at']}" if r["resolved_at"] else "open"
        conf = f" conf {r['confidence']:.2f}" if r["confidence"] is not None else ""
        click.echo(safe_terminal(
            f"{r['detected_at']}  {r['kind']:<19} {r['statement_id']} [{r['lang_a']}/{r['lang_b']}]"
            f" v{r['version_a'] or '-'}/v{r['version_b'] or '-'}{conf} ({state})\n    {r['summary']}"))
    if not rows and not as_json:
        click.echo("no divergences" + ("" if include_resolved else " open"))


for _option in _delay_options():  # on a Command, click appends options in the order applied
    divergences = _option(divergences)


def show_against(store: Any, statement_id: str, lang: str, against: str, fmt: str) -> None:
    """`crawl diff ID --lang ru --against en`: the current versions side by side, aligned and marked."""
    from scheduler.divergence.align import align
    from scheduler.divergence.findings import Finding
    from scheduler.divergence.render import render_side_by_side_html, render_side_by_side_text
    from store.divergences import current_version, open_divergences_of_pair

    if lang == against:
        raise click.UsageError("--against must name another language than --lang")
    texts = {}
    for code in (lang, against):
        current = current_version(store, statement_id, code)
        if current is None:
            raise click.ClickException(f"no {code} variant of {statement_id}")
        texts[code] = current
    al = align(texts[lang]["paragraphs"], texts[against]["paragraphs"], lang, against)
    # The stored findings for this pair (either orientation), so the view marks what `divergences` lists.
    findings = []
    for r in open_divergences_of_pair(store, statement_id, lang, against):
        findings.append(Finding(r["kind"], r["key"], r["lang_a"], r["lang_b"], r["summary"], r["detail"],
                                r["confidence"]))
    if not findings:
        from scheduler.divergence.findings import missing_paragraphs, number_mismatch

        findings = missing_paragraphs(al) + number_mismatch(al)
    if fmt == "json":
        click.echo(json.dumps({"statement_id": statement_id, "version_a": texts[lang]["version"],
                               "version_b": texts[against]["version"], "alignment": al.to_dict(),
                               "findings": [f.__dict__ for f in findings]}, ensure_ascii=False))
    elif fmt == "html":
        click.echo(render_side_by_side_html(
            al, findings, title_a=texts[lang]["title"], title_b=texts[against]["title"],
            heading=f"{statement_id}: {lang} v{texts[lang]['version']} ↔ {against} v{texts[against]['version']}"))
    else:
        click.echo(f"{statement_id} {lang} v{texts[lang]['version']} ↔ {against} v{texts[against]['version']}")
        click.echo(render_side_by_side_text(al, findings, title_a=texts[lang]["title"],
                                            title_b=texts[against]["title"], color=sys.stdout.isatty()), nl=False)
