"""store/texts.py: a version's text stored once (the body and a layout), the paragraphs given back exactly, and the
migration that moved existing databases to it."""
import gzip
import json
import sqlite3
from pathlib import Path

import pytest

from store.db import MIGRATIONS, _split_sql, open_db
from store.migrations_scale import TEXT_STORED_ONCE
from store.pages import record_page
from store.paragraphs import join_body
from store.texts import PARAGRAPH_SOURCE, layout_of, paragraphs_of
from store.versions import load_version
from tests.helpers import ok_fetch, record

BEFORE = MIGRATIONS.index(TEXT_STORED_ONCE)   # the number of migrations before it
CASES = [
    [],
    [{"speaker": None, "text": "Один абзац."}],
    [{"speaker": "Вопрос", "text": "Как?"}, {"speaker": None, "text": "Так.\n\nИ так: вот."},
     {"speaker": "С.В.Лавров", "text": ""}],
    [{"speaker": None, "text": "Emoji 😀 and combining é, tabs\tand\nlines"}],
]


@pytest.mark.parametrize("paragraphs", CASES)
def test_the_body_and_layout_give_the_paragraphs_back(paragraphs):
    body = join_body(paragraphs)
    layout = layout_of(paragraphs, body)
    assert layout is not None
    assert paragraphs_of(body, layout, None) == paragraphs
    assert len(layout) < 8 * len(paragraphs) + 3


@pytest.mark.parametrize("paragraphs,body", [
    ([{"speaker": None, "text": "a"}], "b"),                              # a body not joined from them
    ([{"text": "a"}], "a"),                                              # no speaker key
    ([{"speaker": "", "text": "a"}], "a"),                               # an empty speaker joins as none
    ([{"speaker": None, "text": "a", "lang": "ru"}], "a"),               # another key
    ([{"speaker": None, "text": "a"}, {"speaker": None, "text": "b"}], "a\nb"),
])
def test_paragraphs_the_body_cannot_give_back_get_no_layout(paragraphs, body):
    assert layout_of(paragraphs, body) is None


def test_versions_without_a_layout_keep_their_paragraphs(tmp_path):
    db = open_db(tmp_path / "t.db")
    rec = record(paragraphs=[(None, "Абзац.")])
    rec["body"] = "Другое тело."
    record_page(db, None, rec, ok_fetch(rec))
    assert db.conn.execute("SELECT layout FROM versions").fetchone() == (None,)
    assert load_version(db, "mid.ru:1975319", "ru", 1)["paragraphs"] == [{"speaker": None, "text": "Абзац."}]
    assert load_version(db, "mid.ru:1975319", "ru", 1)["body"] == "Другое тело."


def _before_texts(path: Path, rows: list[tuple[str, list]]) -> None:
    """A database of the schema just before the text was stored once, holding these (body, paragraphs)."""
    conn = sqlite3.connect(path)
    for migration in MIGRATIONS[:BEFORE]:
        for statement in _split_sql(migration):
            conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {BEFORE}")
    conn.execute("INSERT INTO statements (id, site, source_id, first_seen_at, last_seen_at) VALUES"
                 " ('mid.ru:1', 'mid.ru', 1, 'x', 'x')")
    conn.execute("INSERT INTO variants (statement_id, lang, url, first_seen_at) VALUES ('mid.ru:1', 'ru', 'u', 'x')")
    for n, (body, paragraphs) in enumerate(rows, 1):
        conn.execute("INSERT INTO versions (statement_id, lang, version, title, body, paragraphs, content_sha256,"
                     " captured_at, parser_version) VALUES ('mid.ru:1', 'ru', ?, 't', ?, ?, 'h', 'x', 'p')",
                     (n, body, json.dumps(paragraphs, ensure_ascii=False)))
    conn.commit()
    conn.close()


def test_the_migration_writes_the_layout_python_would_and_keeps_what_it_cannot(tmp_path):
    odd = [("b", [{"speaker": None, "text": "a"}]), ("a", [{"text": "a"}]), ("a", [{"speaker": "", "text": "a"}]),
           ("a", [{"speaker": None, "text": "a", "x": 1}]), ("Текст", [])]
    rows = [(join_body(p), p) for p in CASES] + odd
    _before_texts(tmp_path / "old.db", rows)
    db = open_db(tmp_path / "old.db")
    got = db.conn.execute(f"SELECT v.version, v.layout, {PARAGRAPH_SOURCE} FROM versions v ORDER BY v.version").fetchall()
    for (version, layout, body, layout_again, kept), (old_body, paragraphs) in zip(got, rows):
        assert body == old_body
        assert layout == layout_of(paragraphs, body)
        assert paragraphs_of(body, layout_again, kept) == paragraphs
    assert db.conn.execute("SELECT count(*) FROM version_paragraphs").fetchone()[0] == len(odd)
    assert "paragraphs" not in {r[1] for r in db.conn.execute("PRAGMA table_info(versions)")}


def test_a_real_old_database_keeps_every_version_s_paragraphs(tmp_path):
    path = tmp_path / "schema5.db"
    path.write_bytes(gzip.decompress((Path(__file__).parent / "data" / "schema5.db.gz").read_bytes()))
    conn = sqlite3.connect(path)
    before = {r[0]: (r[1], json.loads(r[2])) for r in conn.execute("SELECT id, body, paragraphs FROM versions")}
    conn.close()
    db = open_db(path)
    after = {r[0]: (r[1], paragraphs_of(*r[1:])) for r in db.conn.execute(
        f"SELECT v.id, {PARAGRAPH_SOURCE} FROM versions v")}
    assert after == before and len(before) > 50
    assert db.conn.execute("SELECT count(*) FROM version_paragraphs").fetchone()[0] == 0
