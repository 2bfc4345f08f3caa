"""`crawl divergences` and `crawl diff ID --against LANG`: what one language version says that another does not."""
from __future__ import annotations

import sys
from typing import Any

import click

from scheduler.cli_options import (Date, NotFoundError, db_option, divergence_config, divergence_delay_options, open_store,
                                   with_options)
from scheduler.divergence.findings import KINDS
from store.ids import statement_ref


@click.command()
@db_option
@click.option("--statement", "statement_id", default=None, help="Only this statement (mid.ru:ID or ID).")
@click.option("--kind", type=click.Choice(KINDS), multiple=True, help="Only these kinds (repeatable).")
@click.option("--lang", multiple=True, help="Only pairs involving this language (repeatable).")
@click.option("--since", type=Date(), default=None,
              help="Only divergences detected on/after this date (YYYY-MM-DD) or in the last 7d, 12h, 2w ...")
@click.option("--all", "include_resolved", is_flag=True, help="Include resolved divergences.")
@click.option("--refresh", is_flag=True, help="Re-evaluate every statement first (e.g. an archive crawled before).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option("--limit", type=int, default=200, show_default=True)
@with_options(divergence_delay_options())
def divergences(db: str, statement_id: str | None, kind: tuple[str, ...], lang: tuple[str, ...], since: str | None,
                include_resolved: bool, refresh: bool, as_json: bool, limit: int, **params: Any) -> None:
    """Cross-language divergences: what one language version says that another does not."""
    from scheduler.diff.terminal import safe_terminal
    from store.divergences import list_divergences
    from store.export import json_line

    store = open_store(db, write=refresh)
    if refresh:
        from scheduler.divergence.evaluate import candidates, reevaluate

        ids = {statement_ref(statement_id)} if statement_id else candidates(store, None)
        outcome = reevaluate(store, ids, divergence_config(params))
        click.echo(f"re-evaluated {outcome.evaluated} statements: {len(outcome.opened)} new, "
                   f"{len(outcome.resolved)} resolved", err=True)
    rows = list_divergences(store, include_resolved=include_resolved,
                            statement_id=statement_ref(statement_id) if statement_id else None, kinds=kind,
                            langs=lang, since=since, limit=limit)
    for r in rows:
        if as_json:
            click.echo(json_line(r))
            continue
        state = f"resolved {r['resolved_at']}" if r["resolved_at"] else "open"
        conf = f" conf {r['confidence']:.2f}" if r["confidence"] is not None else ""
        click.echo(safe_terminal(
            f"{r['detected_at']}  {r['kind']:<19} {r['statement_id']} [{r['lang_a']}/{r['lang_b']}]"
            f" v{r['version_a'] or '-'}/v{r['version_b'] or '-'}{conf} ({state})\n    {r['summary']}"))
    if not rows and not as_json:
        click.echo("no divergences" + ("" if include_resolved else " open"))


def show_against(store: Any, statement_id: str, lang: str, against: str, fmt: str) -> None:
    """`crawl diff ID --lang ru --against en`: the current versions side by side, aligned and marked."""
    from scheduler.divergence.align import align
    from scheduler.divergence.findings import Finding
    from scheduler.divergence.render import render_side_by_side_html, render_side_by_side_text
    from store.divergences import current_text, open_divergences_of_pair

    if lang == against:
        raise click.UsageError("--against must name another language than --lang")
    texts = {}
    for code in (lang, against):
        current = current_text(store, statement_id, code)
        if current is None:
            raise NotFoundError(f"no {code} variant of {statement_id}")
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
        from store.export import json_line

        click.echo(json_line({"statement_id": statement_id, "version_a": texts[lang]["version"],
                              "version_b": texts[against]["version"], "alignment": al.to_dict(),
                              "findings": [f.__dict__ for f in findings]}))
    elif fmt == "html":
        click.echo(render_side_by_side_html(
            al, findings, title_a=texts[lang]["title"], title_b=texts[against]["title"],
            heading=f"{statement_id}: {lang} v{texts[lang]['version']} ↔ {against} v{texts[against]['version']}"))
    else:
        click.echo(f"{statement_id} {lang} v{texts[lang]['version']} ↔ {against} v{texts[against]['version']}")
        click.echo(render_side_by_side_text(al, findings, title_a=texts[lang]["title"],
                                            title_b=texts[against]["title"], color=sys.stdout.isatty()), nl=False)
