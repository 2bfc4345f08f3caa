"""store.rederived: a parser's new reading appended on top of the current version, never over another writer's."""
from store.db import open_db
from store.pages import record_page
from store.rederived import append_rederived
from store.sources import version_source
from store.variants import current_versions
from store.versions import content_sha256, load_version, versions_before
from tests.helpers import ok_fetch, record

SID = "mid.ru:1975319"


def _sha(rec):
    return content_sha256(rec["title"], rec["paragraphs"])


def _store(tmp_path):
    db = open_db(str(tmp_path / "t.db"))
    for rec in (record(lang="ru"), record(lang="en", title="Title"), record(source_id=1975320, lang="ru")):
        record_page(db, None, rec, ok_fetch(rec), now="2024-10-09T13:00:00Z")
    return db


def test_appends_on_top_of_the_current_version(tmp_path):
    db = _store(tmp_path)
    fresh = record(title="Заголовок", kind="statement", paragraphs=[(None, "Первый абзац. Второй абзац.")],
                   parser_version="g2-article/2")
    source = version_source(db, SID, "ru", 1)
    changed = db.conn.execute("SELECT last_changed_at FROM variants WHERE statement_id=? AND lang='ru'", (SID,)).fetchone()
    assert append_rederived(db, SID, "ru", 1, fresh, _sha(fresh), source, None, now="2024-10-10T00:00:00Z") == 2
    v2 = load_version(db, SID, "ru", 2)
    assert v2["rederived"] == 1 and v2["parser_version"] == "g2-article/2" and v2["content_sha256"] == _sha(fresh)
    assert version_source(db, SID, "ru", 2) == source                       # the same archived page
    assert db.conn.execute("SELECT current_version, last_changed_at FROM variants WHERE statement_id=? AND lang='ru'",
                           (SID,)).fetchone() == (2, changed[0])   # the page did not change
    assert db.conn.execute("SELECT kind FROM statements WHERE id=?", (SID,)).fetchone() == ("statement",)
    assert versions_before(db, SID, "ru", 3) == [(1, _sha(record()), "g2-article/1"), (2, _sha(fresh), "g2-article/2")]


def test_nothing_is_written_when_another_writer_moved_on(tmp_path):
    db = _store(tmp_path)
    fresh = record(title="Другой заголовок")
    assert append_rederived(db, SID, "ru", 0, fresh, _sha(fresh), version_source(db, SID, "ru", 1), None) is None
    assert versions_before(db, SID, "ru", 99) == [(1, _sha(record()), "g2-article/1")]


def test_a_translation_leaves_the_statement_metadata_alone(tmp_path):
    db = _store(tmp_path)
    fresh = record(lang="en", title="Title", kind="speech", paragraphs=[(None, "Other reading.")])
    assert append_rederived(db, SID, "en", 1, fresh, _sha(fresh), version_source(db, SID, "en", 1), None) == 2
    assert db.conn.execute("SELECT kind FROM statements WHERE id=?", (SID,)).fetchone() == ("news",)


def test_current_versions_selects_by_statement_site_and_language(tmp_path):
    db = _store(tmp_path)
    everything = [(SID, "en", 1), (SID, "ru", 1), ("mid.ru:1975320", "ru", 1)]
    assert current_versions(db) == everything
    assert current_versions(db, statements=[SID]) == everything[:2]
    assert current_versions(db, langs=["ru"]) == [(SID, "ru", 1), ("mid.ru:1975320", "ru", 1)]
    assert current_versions(db, site="archive.mid.ru") == []
    assert current_versions(db, statements=[], langs=[]) == everything      # empty filters do not filter
