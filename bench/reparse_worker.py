"""Scenario 4's worker: read every current version back from the archive and parse it again (no writes)."""
from __future__ import annotations

import time


def reparse_share(args: tuple[str, int, int, float]) -> tuple[int, float]:
    db_path, shard, shards, budget = args
    from crawler.encoding import decode_html
    from crawler.parsers import ParseError, parse_article
    from store.db import open_db
    from store.sources import load_source, version_source

    store = open_db(db_path, create=False)
    n = 0
    started = time.monotonic()
    rows = store.conn.execute("SELECT statement_id, lang, current_version FROM variants WHERE current_version IS NOT NULL"
                              " AND (rowid % ?) = ?", (shards, shard))
    for sid, lang, version in rows:
        src = version_source(store, sid, lang, version)
        loaded = load_source(store, src) if src else None
        if loaded is None:
            continue
        try:
            parse_article(decode_html(loaded[1]).text, loaded[0])
        except ParseError:
            pass
        n += 1
        if time.monotonic() - started > budget:
            break
    elapsed = time.monotonic() - started
    store.conn.close()
    return n, elapsed
