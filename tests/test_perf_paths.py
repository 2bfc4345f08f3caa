"""Speed-only changes must not change behaviour: the re-check SQL prefilter, batched page writes, --workers shards."""
import random
from datetime import datetime, timedelta, timezone

import pytest

from store.db import open_db
from store.recheck import RecheckPolicy, due_at, parse_policy, variants_to_recheck
from store.timestamps import parse_timestamp as _parse
from store.sql import transaction

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=timezone.utc)


def reference_due(db, now, policy):
    """The re-check rule evaluated row by row in Python, without the SQL prefilter."""
    rows = db.conn.execute(
        "SELECT v.statement_id, v.lang, v.last_checked_at, v.last_outcome, v.last_changed_at, v.first_seen_at,"
        " s.published_at, v.status, s.first_seen_at FROM variants v JOIN statements s ON s.id = v.statement_id"
    ).fetchall()
    due = []
    for sid, lang, checked, outcome, changed, first_seen, published, status, statement_seen in rows:
        last_checked = _parse(checked) or _parse(first_seen) or now
        when = due_at(policy, last_checked=last_checked, published=_parse(published), changed=_parse(changed),
                      first_seen=_parse(first_seen), pending=outcome == "gone" and status == "active",
                      statement_first_seen=_parse(statement_seen))
        if when <= now:
            due.append((when, (sid, lang)))
    due.sort(key=lambda pair: pair[0])
    return [key for _, key in due]


def test_recheck_prefilter_selects_exactly_what_the_policy_says(tmp_path):
    db = open_db(tmp_path / "r.db")
    rng = random.Random(3)
    iso = lambda d: (NOW - d).replace(microsecond=0).isoformat() if d is not None else None  # noqa: E731
    msk = timezone(timedelta(hours=3))
    for i in range(600):
        sid = f"mid.ru:{1000 + i}"
        published = NOW - timedelta(days=rng.uniform(0, 400))
        db.conn.execute("INSERT INTO statements (id, site, source_id, published_at, first_seen_at, last_seen_at)"
                        " VALUES (?, 'mid.ru', ?, ?, ?, ?)",
                        (sid, 1000 + i, published.astimezone(msk).isoformat() if rng.random() < 0.9 else None,
                         iso(NOW - published), iso(NOW - published)))
        db.conn.execute(
            "INSERT INTO variants (statement_id, lang, url, first_seen_at, last_checked_at, last_outcome,"
            " last_changed_at, status) VALUES (?,?,?,?,?,?,?,?)",
            # a third of them are translations that appeared on the site after the statement
            (sid, "ru", f"https://mid.ru/ru/foreign_policy/news/{1000 + i}/?lang=ru",
             iso(NOW - published - timedelta(days=rng.uniform(0, 40))) if rng.random() < 0.3 else iso(NOW - published),
             iso(timedelta(days=rng.uniform(0, 60))) if rng.random() < 0.9 else None,
             rng.choice(["ok", "gone", "not_modified", None]),
             iso(timedelta(days=rng.uniform(0, 400))) if rng.random() < 0.4 else None,
             "deleted" if rng.random() < 0.1 else "active"))
    for policy in (RecheckPolicy(), parse_policy("3h:0,1d:90m,7d:1d,30d:7d,*:90d"), parse_policy("*:5d")):
        for _ in range(10):
            now = NOW + timedelta(days=rng.uniform(-20, 60))
            got = [(r["statement_id"], r["lang"]) for r in variants_to_recheck(db, now=now, policy=policy)]
            assert got == reference_due(db, now, policy)


def test_a_page_inside_a_batch_is_rolled_back_alone(tmp_path):
    db = open_db(tmp_path / "b.db")
    with transaction(db):
        with transaction(db):
            db.conn.execute("INSERT INTO runs (started_at) VALUES ('a')")
        with pytest.raises(RuntimeError):
            with transaction(db):
                db.conn.execute("INSERT INTO runs (started_at) VALUES ('b')")
                raise RuntimeError("half-written page")
        with transaction(db):
            db.conn.execute("INSERT INTO runs (started_at) VALUES ('c')")
    assert [r[0] for r in db.conn.execute("SELECT started_at FROM runs ORDER BY id")] == ["a", "c"]
    assert not db.conn.in_transaction


def test_workers_split_statements_by_id():
    from crawler.spiders.mid import MidSpider

    spiders = [MidSpider(base_url="http://127.0.0.1:1", shard=(i, 2)) for i in range(2)]
    urls = [f"http://127.0.0.1:1/ru/foreign_policy/news/{n}/" for n in range(1974990, 1975000)]
    taken = [[u for u in urls if s._want_article(u, "ru")] for s in spiders]
    assert sorted(taken[0] + taken[1]) == sorted(urls) and not set(taken[0]) & set(taken[1])
