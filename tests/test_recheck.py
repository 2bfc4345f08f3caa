"""store.recheck: which variants are due at a given moment, and the request budget's carry-over."""
from datetime import datetime, timedelta, timezone

import pytest

from store.db import open_db
from store.recheck import RecheckPolicy, parse_policy, variants_to_recheck

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def db(tmp_path):
    return open_db(tmp_path / "r.db")


def add(db, source_id, published_ago, checked_ago, lang="ru", outcome="unchanged", changed_ago=None):
    sid = f"mid.ru:{source_id}"
    iso = lambda delta: (NOW - delta).isoformat() if delta is not None else None  # noqa: E731
    db.conn.execute("INSERT OR IGNORE INTO statements (id, site, source_id, published_at, first_seen_at, last_seen_at)"
                    " VALUES (?, 'mid.ru', ?, ?, ?, ?)", (sid, source_id, iso(published_ago), iso(published_ago),
                                                         iso(checked_ago)))
    db.conn.execute("INSERT INTO variants (statement_id, lang, url, first_seen_at, last_checked_at, last_outcome,"
                    " last_changed_at) VALUES (?,?,?,?,?,?,?)",
                    (sid, lang, f"https://mid.ru/ru/foreign_policy/news/{source_id}/?lang={lang}",
                     iso(published_ago), iso(checked_ago), outcome, iso(changed_ago)))


def due_ids(db, **kw):
    return [row["statement_id"] for row in variants_to_recheck(db, "due", now=NOW, **kw)]


def test_fresh_statements_every_cycle_old_ones_every_90_days(db):
    add(db, 1000001, timedelta(hours=1), timedelta(minutes=5))    # fresh: due every cycle
    add(db, 1000002, timedelta(hours=12), timedelta(hours=1))     # < 1 day: every 2 h, checked 1 h ago
    add(db, 1000003, timedelta(hours=12), timedelta(hours=3))     # due
    add(db, 1000004, timedelta(days=3), timedelta(hours=20))      # < 1 week: daily, not yet
    add(db, 1000005, timedelta(days=20), timedelta(days=8))       # < 1 month: weekly, due
    add(db, 1000006, timedelta(days=400), timedelta(days=60))     # old: every 90 days, not yet
    add(db, 1000007, timedelta(days=400), timedelta(days=91))     # due
    assert sorted(due_ids(db)) == ["mid.ru:1000001", "mid.ru:1000003", "mid.ru:1000005", "mid.ru:1000007"]


def test_recent_edit_makes_an_old_statement_fresh_again(db):
    add(db, 1000010, timedelta(days=400), timedelta(hours=1), changed_ago=timedelta(hours=1))
    assert due_ids(db) == ["mid.ru:1000010"]


def test_possibly_deleted_variants_are_rechecked_every_cycle(db):
    add(db, 1000020, timedelta(days=400), timedelta(minutes=1), outcome="gone")
    assert due_ids(db) == ["mid.ru:1000020"]


def test_budget_takes_the_most_overdue_first_and_carries_the_rest(db):
    add(db, 1000031, timedelta(days=400), timedelta(days=150))
    add(db, 1000032, timedelta(days=400), timedelta(days=120))
    add(db, 1000033, timedelta(days=400), timedelta(days=100))
    first = due_ids(db, limit=2)
    assert first == ["mid.ru:1000031", "mid.ru:1000032"]
    # Once those are checked, the one that did not fit comes first next cycle.
    db.conn.execute("UPDATE variants SET last_checked_at=? WHERE statement_id IN ('mid.ru:1000031','mid.ru:1000032')",
                    (NOW.isoformat(),))
    assert due_ids(db, limit=2) == ["mid.ru:1000033"]


def test_all_and_none(db):
    add(db, 1000041, timedelta(days=400), timedelta(minutes=1))
    assert len(variants_to_recheck(db, "all", now=NOW)) == 1
    assert variants_to_recheck(db, "none", now=NOW) == []


def test_policy_is_user_configurable():
    policy = parse_policy("1h:0,1d:1h,*:7d")
    assert policy.interval(timedelta(minutes=30)) == timedelta(0)
    assert policy.interval(timedelta(hours=5)) == timedelta(hours=1)
    assert policy.interval(timedelta(days=90)) == timedelta(days=7)
    assert RecheckPolicy().interval(timedelta(days=90)) == timedelta(days=90)
    with pytest.raises(ValueError):
        parse_policy("soon:often")


def test_a_backfill_of_old_statements_is_fresh_only_for_the_first_tier(db):
    # Published two years ago, first met 4 hours ago, checked since: back to the monthly rhythm.
    add(db, 1000050, timedelta(days=730), timedelta(hours=1))
    db.conn.execute("UPDATE variants SET first_seen_at=? WHERE statement_id='mid.ru:1000050'",
                    ((NOW - timedelta(hours=4)).isoformat(),))
    # Met 1 hour ago: still confirmed on every cycle.
    add(db, 1000051, timedelta(days=730), timedelta(minutes=10))
    db.conn.execute("UPDATE variants SET first_seen_at=? WHERE statement_id='mid.ru:1000051'",
                    ((NOW - timedelta(hours=1)).isoformat(),))
    assert due_ids(db) == ["mid.ru:1000051"]


def test_interval_follows_the_age_at_the_last_check(db):
    # Checked at 23 h old (2-hourly tier), now 25.5 h old: due, not pushed into the daily tier.
    add(db, 1000060, timedelta(hours=25, minutes=30), timedelta(hours=2, minutes=30))
    assert due_ids(db) == ["mid.ru:1000060"]


def test_confirmed_deletions_are_not_rechecked_every_cycle(db):
    add(db, 1000070, timedelta(days=400), timedelta(days=2), outcome="gone")
    db.conn.execute("UPDATE variants SET status='deleted' WHERE statement_id='mid.ru:1000070'")
    assert due_ids(db) == []
    # Just deleted (the deletion counts as a change): watched closely for a restore.
    db.conn.execute("UPDATE variants SET last_changed_at=?, last_checked_at=? WHERE statement_id='mid.ru:1000070'",
                    ((NOW - timedelta(hours=1)).isoformat(), (NOW - timedelta(minutes=30)).isoformat()))
    assert due_ids(db) == ["mid.ru:1000070"]


def test_a_translation_published_days_later_is_watched_like_a_fresh_statement(db):
    # The Russian statement is 3 days old; its German translation appeared (was first seen) 5 hours ago and
    # was checked 2.5 hours ago: on the 2-hourly tier, so due - not on the statement's daily one.
    add(db, 1000070, timedelta(days=3), timedelta(hours=2))
    add(db, 1000070, timedelta(days=3), timedelta(hours=2, minutes=30), lang="de")
    db.conn.execute("UPDATE variants SET first_seen_at=? WHERE statement_id='mid.ru:1000070' AND lang='de'",
                    ((NOW - timedelta(hours=5)).isoformat(),))
    assert [(r["statement_id"], r["lang"]) for r in variants_to_recheck(db, "due", now=NOW)] == [("mid.ru:1000070", "de")]
    # Seen in the same crawl as its statement (a first crawl, a backfill): the statement's age decides.
    db.conn.execute("UPDATE variants SET first_seen_at=(SELECT first_seen_at FROM statements WHERE id=statement_id)")
    assert due_ids(db) == []


def test_an_edit_held_for_confirmation_is_due_then_and_fetched_without_validators(db):
    add(db, 1000006, timedelta(days=400), timedelta(minutes=20))   # old: not due for 90 days by age
    db.conn.execute("UPDATE variants SET etag='\"v2\"', last_modified='x', confirm_version=2, confirm_after=?",
                    ((NOW + timedelta(minutes=5)).isoformat(),))
    assert due_ids(db) == []                                        # the confirming fetch is not due yet
    later = variants_to_recheck(db, "due", now=NOW + timedelta(minutes=6))
    assert [(r["statement_id"], r["etag"], r["last_modified"]) for r in later] == [("mid.ru:1000006", None, None)]


def test_the_indexed_selection_finds_exactly_what_the_rule_makes_due(tmp_path):
    """The variants found through indexes (store/recheck._MAY_BE_DUE) include every one the rule makes due, over
    random ages, outcomes, held edits and timestamps in other offsets and formats."""
    import random

    from store.recheck import due_at
    from store.timestamps import parse_timestamp

    rng = random.Random(7)
    store = open_db(tmp_path / "r.db")
    now = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)
    stamp = lambda days: (now - timedelta(days=days)).isoformat()  # noqa: E731
    for i in range(1500):
        sid = f"mid.ru:{i}"
        published = rng.choice([stamp(rng.uniform(0, 4000)), (now - timedelta(days=rng.uniform(0, 200))).astimezone(
            timezone(timedelta(hours=3))).isoformat(), None, "2025-12-01"])
        seen = stamp(rng.uniform(0, 3000))
        store.conn.execute("INSERT INTO statements (id, site, source_id, published_at, first_seen_at, last_seen_at)"
                           " VALUES (?, 'mid.ru', ?, ?, ?, ?)", (sid, i, published, seen, seen))
        store.conn.execute(
            "INSERT INTO variants (statement_id, lang, url, first_seen_at, last_checked_at, last_changed_at,"
            " last_outcome, status, confirm_after) VALUES (?, 'ru', 'u', ?, ?, ?, ?, ?, ?)",
            (sid, rng.choice([seen, stamp(rng.uniform(0, 200))]),
             rng.choice([stamp(rng.uniform(0, 130)), None, "01.02.2026"]) if rng.random() < 0.97 else None,
             rng.choice([None, None, stamp(rng.uniform(0, 400))]),
             rng.choice(["not_modified", "unchanged", "gone", "timeout"]), rng.choice(["active", "active", "deleted"]),
             stamp(-1) if rng.random() < 0.02 else None))
    policy = RecheckPolicy()
    for when in (now, now + timedelta(days=1), now + timedelta(days=7)):
        expected = set()
        for sid, lang, checked, outcome, changed, seen, published, status, sseen, confirm in store.conn.execute(
                "SELECT v.statement_id, v.lang, v.last_checked_at, v.last_outcome, v.last_changed_at, v.first_seen_at,"
                " s.published_at, v.status, s.first_seen_at, v.confirm_after FROM variants v"
                " JOIN statements s ON s.id = v.statement_id"):
            due = due_at(policy, last_checked=parse_timestamp(checked) or parse_timestamp(seen) or when,
                         published=parse_timestamp(published), changed=parse_timestamp(changed),
                         first_seen=parse_timestamp(seen), pending=outcome == "gone" and status == "active",
                         statement_first_seen=parse_timestamp(sseen))
            if confirm is not None:
                due = min(due, parse_timestamp(confirm))
            if due <= when:
                expected.add(sid)
        got = {r["statement_id"] for r in variants_to_recheck(store, "due", now=when, policy=policy)}
        assert got == expected and 50 < len(expected) < 1400


def test_the_selection_reads_indexes_not_the_archive(db):
    """Neither reading walks every variant or statement: what is due and what is unknown come from the index on
    the stored times (this replaces the plan check of the UNION over several indexes the selection used before)."""
    from store.recheck import _COLUMNS

    for where in (" WHERE v.next_check <= 1", " WHERE v.next_check IS NULL"):
        plan = [row[3] for row in db.conn.execute("EXPLAIN QUERY PLAN " + _COLUMNS + where)]
        assert not [step for step in plan if step.startswith("SCAN")], plan
        assert any("INDEX variants_next_check" in step for step in plan), plan


# The stored next re-check time (variants.next_check, migration 18) is a cache of due_at: it must never be stale.

def stored_times(db):
    return dict(db.conn.execute("SELECT statement_id || ' ' || lang, next_check FROM variants"))


def test_the_times_are_stored_once_worked_out_and_read_back(db):
    add(db, 1000101, timedelta(days=400), timedelta(days=60))     # due in 30 days
    add(db, 1000102, timedelta(days=400), timedelta(days=91))     # due a day ago
    assert due_ids(db) == ["mid.ru:1000102"]
    times = stored_times(db)
    assert times == {"mid.ru:1000101 ru": int((NOW + timedelta(days=30)).timestamp()),
                     "mid.ru:1000102 ru": int((NOW - timedelta(days=1)).timestamp())}
    assert due_ids(db) == ["mid.ru:1000102"]
    assert variants_to_recheck(db, "due", now=NOW + timedelta(days=30))[0]["statement_id"] == "mid.ru:1000102"
    assert len(variants_to_recheck(db, "due", now=NOW + timedelta(days=30))) == 2


def test_a_statement_dated_anew_makes_its_variants_due_under_the_new_age(db):
    add(db, 1000110, timedelta(days=400), timedelta(days=2))
    add(db, 1000110, timedelta(days=400), timedelta(days=2), lang="en")
    assert due_ids(db) == [] and None not in stored_times(db).values()
    # The page now says it was published 5 days ago: on the daily tier, checked 2 days ago, so due.
    db.conn.execute("UPDATE statements SET published_at=? WHERE id='mid.ru:1000110'",
                    ((NOW - timedelta(days=5)).isoformat(),))
    assert set(stored_times(db).values()) == {None}
    assert due_ids(db) == ["mid.ru:1000110", "mid.ru:1000110"]


@pytest.mark.parametrize("column, value", [
    ("last_checked_at", (NOW - timedelta(days=95)).isoformat()),
    ("last_changed_at", (NOW - timedelta(hours=5)).isoformat()),
    ("first_seen_at", (NOW - timedelta(minutes=30)).isoformat()),
    ("last_outcome", "gone"),
    ("confirm_after", (NOW - timedelta(minutes=1)).isoformat()),
])
def test_any_changed_input_of_the_rule_makes_the_variant_worked_out_again(db, column, value):
    add(db, 1000120, timedelta(days=400), timedelta(days=2))
    assert due_ids(db) == []
    db.conn.execute(f"UPDATE variants SET {column}=?", (value,))
    assert stored_times(db) == {"mid.ru:1000120 ru": None}
    assert due_ids(db) == ["mid.ru:1000120"]


def test_a_deletion_confirmed_leaves_the_every_cycle_rhythm(db):
    add(db, 1000125, timedelta(days=400), timedelta(days=2), outcome="gone")
    assert due_ids(db) == ["mid.ru:1000125"]
    db.conn.execute("UPDATE variants SET status='deleted'")
    assert due_ids(db) == []


def test_an_unchanged_value_written_again_keeps_the_time(db):
    add(db, 1000126, timedelta(days=400), timedelta(days=2))
    due_ids(db)
    db.conn.execute("UPDATE statements SET published_at=published_at, first_seen_at=first_seen_at")
    db.conn.execute("UPDATE variants SET status=status, last_outcome=last_outcome, title='t'")
    assert None not in stored_times(db).values()


def test_another_policy_works_every_time_out_again(db):
    add(db, 1000130, timedelta(days=400), timedelta(days=10))
    assert due_ids(db) == []
    assert due_ids(db, policy=parse_policy("*:5d")) == ["mid.ru:1000130"]
    assert stored_times(db) == {"mid.ru:1000130 ru": int((NOW - timedelta(days=5)).timestamp())}
    assert due_ids(db) == []


def test_a_variant_without_a_readable_timestamp_stays_due(db):
    add(db, 1000140, timedelta(days=400), timedelta(days=1))
    db.conn.execute("UPDATE variants SET first_seen_at='soon', last_checked_at=NULL")
    db.conn.execute("UPDATE statements SET published_at=NULL")
    assert due_ids(db) == ["mid.ru:1000140"]
    assert stored_times(db)["mid.ru:1000140 ru"] is not None
    assert due_ids(db) == ["mid.ru:1000140"]


def test_a_read_only_status_counts_unknown_times_without_writing(tmp_path):
    from scheduler.status import render_status
    from store.recheck import due_counts

    store = open_db(tmp_path / "r.db")
    add(store, 1000150, timedelta(days=400), timedelta(days=91))                       # due now
    add(store, 1000151, timedelta(days=400), timedelta(days=89, hours=12))             # within a day
    add(store, 1000152, timedelta(days=3), timedelta(hours=23, minutes=30))            # within the hour (daily tier)
    add(store, 1000153, timedelta(days=400), timedelta(days=1))                        # not due
    assert variants_to_recheck(store, "due", now=NOW - timedelta(days=30)) == []  # stores every time
    store.conn.execute("UPDATE variants SET last_outcome='not_modified' WHERE statement_id='mid.ru:1000150'")
    store.conn.close()
    reader = open_db(tmp_path / "r.db", readonly=True)
    before = stored_times(reader)
    assert before["mid.ru:1000150 ru"] is None and sum(v is None for v in before.values()) == 1
    assert due_counts(reader, [timedelta(0), timedelta(hours=1), timedelta(days=1)], now=NOW) == [1, 2, 3]
    assert stored_times(reader) == before
    # A reader under another policy than the stored times': every time is worked out by the rule.
    assert due_counts(reader, [timedelta(0)], now=NOW, policy=parse_policy("*:1d")) == [3]
    assert "Re-checks (default policy)" in render_status(reader)
    assert stored_times(reader) == before


def test_an_upgraded_database_plans_the_same_rechecks_as_before(tmp_path):
    """A database of schema 17 (before the stored times), migrated: the same variants are due, in the same order,
    as the rule says for the data as it was (the old selection was checked against the same rule)."""
    import random
    import sqlite3

    from store.db import _split_sql
    from store.migrations import MIGRATIONS, NEXT_CHECK

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    old = MIGRATIONS.index(NEXT_CHECK)
    for script in MIGRATIONS[:old]:
        for statement in _split_sql(script):
            conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {old}")
    rng = random.Random(11)
    iso = lambda days: (NOW - timedelta(days=days)).isoformat() if days is not None else None  # noqa: E731
    for i in range(800):
        published = rng.uniform(0, 800)
        conn.execute("INSERT INTO statements (id, site, source_id, published_at, first_seen_at, last_seen_at)"
                     " VALUES (?, 'mid.ru', ?, ?, ?, ?)", (f"mid.ru:{i}", i, iso(published), iso(published), iso(0)))
        conn.execute("INSERT INTO variants (statement_id, lang, url, first_seen_at, last_checked_at, last_outcome,"
                     " last_changed_at, status, confirm_after) VALUES (?, 'ru', 'u', ?, ?, ?, ?, ?, ?)",
                     (f"mid.ru:{i}", iso(published - rng.choice([0, 0, rng.uniform(0, 20)])),
                      iso(rng.uniform(0, min(published, 120))) if rng.random() < 0.95 else None,
                      rng.choice(["not_modified", "unchanged", "gone"]), iso(rng.choice([None, rng.uniform(0, 50)])),
                      rng.choice(["active", "active", "deleted"]), iso(-0.01) if rng.random() < 0.02 else None))
    conn.close()
    store = open_db(path)
    assert store.conn.execute("SELECT count(*) FROM variants WHERE next_check IS NULL").fetchone()[0] == 800
    for when in (NOW, NOW + timedelta(hours=5), NOW + timedelta(days=3), NOW + timedelta(days=40)):
        expected = by_the_rule(store, when)
        assert 20 < len(expected) < 800
        assert [(r["statement_id"], r["lang"]) for r in variants_to_recheck(store, now=when)] == expected
    assert store.conn.execute("SELECT count(*) FROM variants WHERE next_check IS NULL").fetchone()[0] == 0


def by_the_rule(db, now, policy=RecheckPolicy()):
    """(statement, language) of the variants due at `now`, most overdue first: due_at over every row, in Python."""
    from store.recheck import due_at
    from store.timestamps import parse_timestamp as ts

    due = []
    for sid, lang, checked, outcome, changed, seen, published, status, sseen, confirm in db.conn.execute(
            "SELECT v.statement_id, v.lang, v.last_checked_at, v.last_outcome, v.last_changed_at, v.first_seen_at,"
            " s.published_at, v.status, s.first_seen_at, v.confirm_after FROM variants v"
            " JOIN statements s ON s.id = v.statement_id ORDER BY v.rowid"):
        when = due_at(policy, last_checked=ts(checked) or ts(seen) or now, published=ts(published),
                      changed=ts(changed), first_seen=ts(seen), pending=outcome == "gone" and status == "active",
                      statement_first_seen=ts(sseen))
        when = min(when, ts(confirm)) if confirm else when
        if when <= now:
            due.append((when, (sid, lang)))
    return [key for _, key in sorted(due, key=lambda pair: pair[0])]


def test_status_counts_under_the_policy_the_last_crawl_planned_with(tmp_path):
    from scheduler.status import render_status
    from store.recheck import recorded_policy

    store = open_db(tmp_path / "r.db")
    add(store, 1000160, timedelta(days=400), timedelta(days=10))
    custom = parse_policy("3h:0,*:5d")
    assert variants_to_recheck(store, "due", policy=custom) and recorded_policy(store) == custom
    store.conn.close()
    reader = open_db(tmp_path / "r.db", readonly=True)
    assert "Re-checks (the last crawl's --policy): 1 due now" in render_status(reader)


def test_the_times_a_run_left_unknown_are_stored_at_its_end(db):
    from store.recheck import store_next_checks

    add(db, 1000101, timedelta(days=400), timedelta(days=60))
    add(db, 1000102, timedelta(days=2), timedelta(hours=1))
    store_next_checks(db, RecheckPolicy(), NOW)
    assert stored_times(db) == {"mid.ru:1000101 ru": int((NOW + timedelta(days=30)).timestamp()),
                                "mid.ru:1000102 ru": int((NOW + timedelta(days=1) - timedelta(hours=1)).timestamp())}
