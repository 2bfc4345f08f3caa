"""scheduler/divergence/evaluate.py: after a run only the statements that changed, or whose delay ran out, are
evaluated again; a change of the rules or delays looks at every statement once."""
from datetime import timedelta

import pytest

from scheduler.divergence.evaluate import after_run, candidates
from scheduler.divergence.findings import Config
from store.db import open_db
from store.pages import record_page
from store.runs import start_run
from store.variants import set_status
from tests.helpers import ok_fetch, record

T0 = "2024-10-10T12:00:00+00:00"
SID = "mid.ru:1963150"


def at(hours: float) -> str:
    from datetime import datetime
    return (datetime.fromisoformat(T0) + timedelta(hours=hours)).isoformat()


RU = [(None, "Министр провёл переговоры с коллегой из Индии 10 октября."),
      (None, "Стороны обсудили торговлю, объём которой достиг 65 млрд долларов."),
      (None, "Министры договорились встретиться снова в декабре.")]
EN = [(None, "The Minister held talks with his Indian counterpart on October 10."),
      (None, "The sides discussed trade, which reached 65 billion dollars."),
      (None, "The ministers agreed to meet again in December.")]


@pytest.fixture
def db(tmp_path):
    store = open_db(tmp_path / "d.db")
    run = start_run(store, command="run", base_url="x", now=T0)
    for lang, paras in (("ru", RU), ("en", EN)):
        rec = record(1963150, lang, "Заголовок", paras, kind="news", published_at="2024-10-10T10:00:00+03:00")
        record_page(store, run, rec, ok_fetch(rec), now=T0)
    yield store
    store.conn.close()


def evaluated(db, hours: float, config: Config = Config()) -> int:
    run = start_run(db, command="run", base_url="x", now=at(hours))
    return after_run(db, run, config, now=at(hours)).evaluated


def kinds_open(db) -> list[str]:
    return sorted(r[0] for r in db.conn.execute("SELECT kind FROM open_divergences"))


def edit_ru(db, hours: float) -> None:
    paras = RU[:1] + [(None, "Стороны обсудили торговлю, объём которой достиг 70 млрд долларов.")] + RU[2:]
    rec = record(1963150, "ru", "Заголовок", paras, kind="news", published_at="2024-10-10T10:00:00+03:00")
    record_page(db, None, rec, ok_fetch(rec), now=at(hours))


def test_a_statement_is_evaluated_once_then_only_when_it_changes(db):
    assert evaluated(db, 0) == 1
    assert evaluated(db, 1) == 0
    assert evaluated(db, 200) == 0
    edit_ru(db, 300)
    assert evaluated(db, 300) == 1
    assert evaluated(db, 301) == 0


def test_an_edit_not_followed_is_found_when_its_delay_runs_out_without_a_run_touching_it(db):
    evaluated(db, 0)
    edit_ru(db, 10)
    assert evaluated(db, 10) == 1
    assert kinds_open(db) == ["number_mismatch"]        # 70 against 65 at once; the edit has 48 h to be followed
    assert db.conn.execute("SELECT divergence_due_at FROM statements").fetchone()[0] == "2024-10-12T22:00:01+00:00"
    assert evaluated(db, 57) == 0                       # 47 h after the edit: not yet
    assert evaluated(db, 58.1) == 1                     # 48 h after: due, and the finding opens
    assert kinds_open(db) == ["edit_not_propagated", "number_mismatch"]
    assert evaluated(db, 59) == 0
    assert db.conn.execute("SELECT divergence_due_at FROM statements").fetchone()[0] is None


def test_a_missing_translation_is_found_when_its_delay_runs_out(tmp_path):
    db = open_db(tmp_path / "d.db")
    rec = record(1963151, "ru", "Заявление", RU, kind="interview", published_at="2024-10-10T12:00:00+00:00")
    record_page(db, None, rec, ok_fetch(rec), now=T0)
    assert evaluated(db, 0) == 1 and db.conn.execute("SELECT count(*) FROM divergences").fetchone()[0] == 0
    assert evaluated(db, 71) == 0
    assert evaluated(db, 72.01) == 1
    assert kinds_open(db) == ["missing_translation"]


def test_a_variant_deleted_makes_its_statement_due(db):
    evaluated(db, 0)
    set_status(db, SID, "en", "deleted", at(5))
    assert evaluated(db, 5) == 1


def test_other_delays_look_at_every_statement_once(db):
    evaluated(db, 0)
    longer = Config(edit_delay=timedelta(hours=96))
    assert evaluated(db, 1, longer) == 1
    assert evaluated(db, 2, longer) == 0
    assert candidates(db, None) == {SID}    # `crawl divergences --recheck`: every statement
