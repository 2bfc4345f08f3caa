"""`crawl reparse`: versions re-derived from the WARC archive alone with a changed parser, idempotent,
never reported as edits; damaged or missing archive records are reported, not guessed."""
import json
import subprocess
import sys

import pytest

from crawler.parsers import parse_article
from crawler.reparse import reparse_archive
from scheduler.detect import detect_changes
from store.db import open_db
from store.pages import record_page
from tests.helpers import copy_archive, ok_fetch, record
from store.texts import PARAGRAPH_SOURCE, paragraphs_of


def without_speakers(html, url):
    """A deliberate parser change: drop speaker labels (changes only Q&A transcripts)."""
    rec = parse_article(html, url)
    rec["paragraphs"] = [{"speaker": None, "text": p["text"]} for p in rec["paragraphs"]]
    rec["body"] = "\n\n".join(p["text"] for p in rec["paragraphs"])
    rec["parser_version"] = "g2-article/999"
    return rec


CHANGED = {"g2-article": (without_speakers, "g2-article/999")}


@pytest.fixture
def db(archive_db, tmp_path):
    store = open_db(copy_archive(archive_db, tmp_path / "copy"))
    yield store
    store.conn.close()


def current_rows(db):
    return {(sid, lang): (version, paragraphs_of(body, layout, kept), warc, offset, digest)
            for sid, lang, version, body, layout, kept, warc, offset, digest in db.conn.execute(
                f"SELECT va.statement_id, va.lang, v.version, {PARAGRAPH_SOURCE}, w.warc_file, w.warc_offset,"
                " w.payload_digest"
                " FROM variants va JOIN versions v ON v.statement_id=va.statement_id AND v.lang=va.lang"
                " AND v.version=va.current_version LEFT JOIN warc_records w ON w.id = v.warc_record_id")}


@pytest.mark.slow
def test_parser_change_rederives_exactly_the_affected_variants(db):
    before = current_rows(db)
    expected = {key for key, (_, paras, *_) in before.items() if any(p["speaker"] for p in paras)}
    assert expected and len(expected) < len(before)
    changes_before = db.conn.execute("SELECT count(*) FROM changes").fetchone()[0]

    report = reparse_archive(db, parsers=CHANGED)

    assert {(o.statement_id, o.lang) for o in report.outcomes if o.status == "rederived"} == expected
    assert report.count("unchanged") == len(before) - len(expected)
    after = current_rows(db)
    for key in expected:
        version, paras, warc, offset, digest = after[key]
        assert version == before[key][0] + 1
        assert all(p["speaker"] is None for p in paras)
        assert (warc, offset, digest) == before[key][2:]      # same archived page, re-read
    flags = db.conn.execute("SELECT DISTINCT rederived, parser_version, run_id FROM versions WHERE version > 1"
                            " AND parser_version='g2-article/999'").fetchall()
    assert flags == [(1, "g2-article/999", report.run_id)]
    assert db.conn.execute("SELECT command, status FROM runs WHERE id=?", (report.run_id,)).fetchone() == \
        ("reparse", "ok")
    # A re-read page is not an edit.
    detect_changes(db, None)
    assert db.conn.execute("SELECT count(*) FROM changes").fetchone()[0] == changes_before
    # Running it again changes nothing.
    again = reparse_archive(db, parsers=CHANGED)
    assert again.count("rederived") == 0 and again.count("unchanged") == len(before)


@pytest.mark.slow
def test_dry_run_writes_nothing_and_filters_select(db):
    versions = db.conn.execute("SELECT count(*) FROM versions").fetchone()[0]
    report = reparse_archive(db, parsers=CHANGED, dry_run=True, statements=["mid.ru:1974990"], langs=["ru"])
    assert [(o.statement_id, o.lang, o.status) for o in report.outcomes] == [("mid.ru:1974990", "ru", "rederived")]
    assert "paragraph" in report.outcomes[0].detail
    assert db.conn.execute("SELECT count(*) FROM versions").fetchone()[0] == versions
    assert reparse_archive(db, parsers=CHANGED, dry_run=True, site="example.org").outcomes == []


@pytest.mark.slow
def test_history_counts_older_versions_read_differently(db):
    report = reparse_archive(db, dry_run=True, history=True)
    assert report.history_checked >= 2 and report.history_different == 0
    assert report.count("rederived") == 0


@pytest.mark.slow
def test_damaged_archive_record_is_reported_not_parsed(db):
    warc_file, offset = db.conn.execute(
        "SELECT w.warc_file, w.warc_offset FROM versions v JOIN warc_records w ON w.id = v.warc_record_id"
        " WHERE v.statement_id='mid.ru:1974990' AND v.lang='en'").fetchone()
    from store.warc import resolve

    path = resolve(db, warc_file)
    data = bytearray(path.read_bytes())
    data[offset + 40] ^= 0xFF          # inside the gzip member of that record
    path.write_bytes(bytes(data))
    report = reparse_archive(db, statements=["mid.ru:1974990"], langs=["en"])
    assert [o.status for o in report.outcomes] == ["damaged"]


def test_pages_kept_before_the_archive_existed_are_reparsed_from_raw_responses(tmp_path):
    db = open_db(tmp_path / "t.db")
    rec = record(paragraphs=[("Вопрос", "Как дела?")])
    record_page(db, None, rec, ok_fetch(rec, body=b"<raw page>"))
    seen = []

    def parser(html, url):
        seen.append(html)
        return record(paragraphs=[(None, "Как дела?")], parser_version="g2-article/9")

    report = reparse_archive(db, parsers={"g2-article": (parser, "g2-article/9")})
    assert seen == ["<raw page>"] and report.count("rederived") == 1
    assert db.conn.execute("SELECT raw_response_id, rederived FROM versions WHERE version=2").fetchone() == (1, 1)


@pytest.mark.slow
def test_cli_reparse_runs_the_crawler_child_offline(archive_db, tmp_path):
    db = copy_archive(archive_db, tmp_path / "cli")
    proc = subprocess.run([sys.executable, "-m", "scheduler.cli", "reparse", "--db", str(db), "--statement",
                           "1974990", "--json"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert {(o["lang"], o["status"]) for o in lines[:-1]} == {("ru", "unchanged"), ("en", "unchanged")}
    assert "0 re-derived" in lines[-1]["summary"]
    bad = subprocess.run([sys.executable, "-m", "scheduler.cli", "reparse", "--db", str(db), "--statement", "42"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 5 and "no statement mid.ru:42" in bad.stderr   # ExitCode.NOT_FOUND
