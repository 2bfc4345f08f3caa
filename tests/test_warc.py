"""WARC evidence archive: request/response records warcio reads back, revisits for identical payloads,
rotation by size, and every version of a real crawl pointing at a record whose digest matches."""
import gzip
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from store.db import open_db
from store.warc import WarcArchive, WarcError, load_payload, payload_digest, read_record, resolve
from store.pages import record_page
from tests.helpers import ok_fetch, record
from tests.helpers import query as q


@pytest.fixture
def db(tmp_path):
    return open_db(tmp_path / "t.db")


def exchange(archive, url="https://mid.ru/ru/foreign_policy/news/1975319/?lang=ru", body=b"<html>page</html>",
             status=200):
    return archive.write_exchange(url=url, status=status, body=body,
                                  response_headers=[("Content-Type", "text/html; charset=UTF-8"),
                                                    ("Transfer-Encoding", "chunked")],
                                  request_headers=[("User-Agent", "ministry-watch/test")])


def records(path):
    with open(path, "rb") as fh:
        out = []
        for rec in ArchiveIterator(fh, check_digests="raise"):
            payload = rec.content_stream().read()
            out.append((rec.rec_type, rec.rec_headers.get_header("WARC-Target-URI"), payload,
                        rec.rec_headers.get_header("WARC-Payload-Digest")))
        return out


def test_exchange_is_request_and_response_and_reads_back(db, tmp_path):
    archive = WarcArchive(db)
    ref = exchange(archive)
    archive.close()
    files = list((tmp_path / "t-warc").glob("*.warc.gz"))
    assert len(files) == 1 and ref.payload_file == f"t-warc/{files[0].name}"
    got = records(files[0])
    assert [r[0] for r in got] == ["warcinfo", "request", "response"]
    assert got[2][2] == b"<html>page</html>" and got[2][3] == payload_digest(b"<html>page</html>")
    rec = read_record(resolve(db, ref.payload_file), ref.payload_offset)
    assert rec.http_status == 200 and rec.payload == b"<html>page</html>" and rec.digest_ok()
    # The body we hold is de-chunked: the record must not claim otherwise.
    assert ("Content-Length", "17") in rec.http_headers
    assert not any(k.lower() == "transfer-encoding" for k, _ in rec.http_headers)
    # Each record is its own gzip member.
    with gzip.open(files[0]) as fh:
        assert b"WARC-Type: request" in fh.read()


def test_identical_payload_is_a_revisit_pointing_at_the_original(db, tmp_path):
    archive = WarcArchive(db)
    first = exchange(archive)
    second = exchange(archive)
    other = exchange(archive, body=b"<html>other</html>")
    archive.close()
    assert (first.record_type, second.record_type, other.record_type) == ("response", "revisit", "response")
    assert (second.payload_file, second.payload_offset) == (first.payload_file, first.payload_offset)
    rows = db.conn.execute("SELECT record_type, refers_to FROM warc_records ORDER BY id").fetchall()
    assert rows == [("response", None), ("revisit", first.record_id), ("response", None)]
    got = records(next((tmp_path / "t-warc").glob("*.warc.gz")))
    revisit = [r for r in got if r[0] == "revisit"]
    assert len(revisit) == 1 and revisit[0][2] == b""  # headers only: the page is stored once


def test_non_200_responses_are_archived_but_never_deduplicated(db):
    archive = WarcArchive(db)
    a = exchange(archive, body=b"not found", status=404)
    b = exchange(archive, body=b"not found", status=404)
    archive.close()
    assert (a.record_type, b.record_type) == ("response", "response")
    assert read_record(resolve(db, b.payload_file), b.payload_offset).http_status == 404


def test_rotation_by_size(db, tmp_path):
    archive = WarcArchive(db, tmp_path / "w", max_size=3000)
    refs = [exchange(archive, body=f"<html>{i}</html>".encode() * 150) for i in range(6)]
    archive.close()
    files = sorted((tmp_path / "w").glob("*.warc.gz"))
    assert len(files) >= 3
    for ref, i in zip(refs, range(6)):
        assert load_payload(db, ref.payload_file, ref.payload_offset)[1] == f"<html>{i}</html>".encode() * 150
    # A new process appends to the newest file while it has room.
    again = WarcArchive(db, tmp_path / "w", max_size=10**6)
    ref = exchange(again, body=b"small")
    again.close()
    assert Path(resolve(db, ref.payload_file)).name == files[-1].name


def test_damaged_record_is_detected(db, tmp_path):
    archive = WarcArchive(db)
    ref = exchange(archive)
    archive.close()
    with pytest.raises(WarcError):
        load_payload(db, ref.payload_file, ref.payload_offset, expected_digest="sha1:WRONG")
    with pytest.raises(WarcError):
        load_payload(db, "t-warc/missing.warc.gz", 0)


def test_version_written_from_warc_keeps_no_raw_copy_and_reparses_from_warc(db):
    archive = WarcArchive(db)
    old = record(paragraphs=[(None, "Абзац :")], parser_version="g2-article/1")
    fetch = ok_fetch(old, body=b"<old page>")
    fetch.warc = exchange(archive, body=b"<old page>")
    record_page(db, None, old, fetch)
    assert db.conn.execute("SELECT count(*) FROM raw_responses").fetchone()[0] == 0
    row = db.conn.execute("SELECT w.warc_file, w.warc_offset, w.payload_digest"
                          " FROM versions v LEFT JOIN warc_records w ON w.id = v.warc_record_id").fetchone()
    assert row == (fetch.warc.payload_file, fetch.warc.payload_offset, payload_digest(b"<old page>"))
    # A parser upgrade re-reads the old page from the WARC archive.
    seen = []
    new = record(paragraphs=[(None, "Абзац:")], parser_version="g2-article/2")
    fetch2 = ok_fetch(new, body=b"<new page>")
    fetch2.warc = exchange(archive, body=b"<new page>")
    res = record_page(db, None, new, fetch2, reparse=lambda body, url: seen.append(body) or new)
    archive.close()
    assert seen == [b"<old page>"] and res.rederived


# -- against a real crawl of the fixture server ------------------------------------------------------


@pytest.mark.slow
def test_crawl_archives_every_article_response(archive_db):
    db = archive_db
    article_answers = q(db, "SELECT count(*), count(warc_record_id) FROM fetches WHERE page_type='article'"
                            " AND http_status IS NOT NULL AND http_status <> 304")[0]
    assert article_answers[0] > 50 and article_answers[0] == article_answers[1]
    outcomes = {r[0] for r in q(db, "SELECT DISTINCT f.outcome FROM fetches f JOIN warc_records w"
                                    " ON w.id = f.warc_record_id")}
    assert {"ok", "gone", "challenge"} <= outcomes
    # A 304 carries no page: it is a fetch row (time, status, validators), not a record.
    assert q(db, "SELECT count(*), count(warc_record_id) FROM fetches WHERE http_status = 304")[0][0] > 50
    assert q(db, "SELECT count(warc_record_id) FROM fetches WHERE http_status = 304")[0][0] == 0
    assert q(db, "SELECT count(*) FROM raw_responses")[0][0] == 0
    # Identical 200 payloads are stored once.
    assert q(db, "SELECT max(n) FROM (SELECT count(*) AS n FROM warc_records WHERE record_type='response'"
                 " AND http_status=200 GROUP BY payload_digest)")[0][0] == 1


@pytest.mark.slow
def test_every_version_points_at_a_record_with_its_digest(archive_db):
    db = open_db(archive_db)
    rows = db.conn.execute("SELECT w.warc_file, w.warc_offset, w.payload_digest, v.statement_id, v.lang"
                           " FROM versions v LEFT JOIN warc_records w ON w.id = v.warc_record_id").fetchall()
    assert rows and all(r[0] and r[1] is not None and r[2] for r in rows)
    for warc_file, offset, digest, sid, lang in rows:
        rec = read_record(resolve(db, warc_file), offset)
        assert rec.record_type == "response" and rec.http_status == 200
        assert rec.payload_digest == digest == payload_digest(rec.payload)
        assert f"/{sid.split(':')[1]}/" in rec.target_uri and f"lang={lang}" in rec.target_uri
    db.conn.close()


@pytest.mark.slow
def test_warc_files_read_back_whole_with_valid_digests(archive_db):
    files = sorted(archive_db.with_name("mw-warc").glob("*.warc.gz"))
    assert files
    total = {}
    for path in files:
        for rtype, *_ in records(path):
            total[rtype] = total.get(rtype, 0) + 1
    indexed = dict(q(archive_db, "SELECT record_type, count(*) FROM warc_records GROUP BY 1"))
    assert total["response"] == indexed["response"] and total.get("revisit", 0) == indexed.get("revisit", 0)
    assert total["request"] == sum(indexed.values())


def test_a_write_cut_short_by_a_full_disk_leaves_only_whole_records(db, tmp_path, monkeypatch):
    import errno
    import os

    from store import warc

    archive = WarcArchive(db, tmp_path / "w")
    exchange(archive, body=b"<html>first</html>")
    real_write = os.write

    def disk_fills(fd, data):
        real_write(fd, bytes(data[: len(data) // 2]))   # half the record reaches the disk, then ENOSPC
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(warc.os, "write", disk_fills)
    with pytest.raises(OSError):
        exchange(archive, body=b"<html>second</html>" * 500)
    monkeypatch.setattr(warc.os, "write", real_write)
    exchange(archive, body=b"<html>third</html>")   # the disk has room again: the next run appends
    archive.close()
    (path,) = (tmp_path / "w").glob("*.warc.gz")
    got = [(t, p) for t, _, p, _ in records(path) if t == "response"]
    assert got == [("response", b"<html>first</html>"), ("response", b"<html>third</html>")]


def test_a_torn_tail_found_at_start_is_cut_before_appending(db, tmp_path):
    archive = WarcArchive(db, tmp_path / "w")
    exchange(archive, body=b"<html>first</html>")
    archive.close()
    (path,) = (tmp_path / "w").glob("*.warc.gz")
    whole = path.stat().st_size
    tail = gzip.compress(b"WARC/1.0\r\nWARC-Type: response\r\n" + b"x" * 5000)
    with open(path, "ab") as fh:
        fh.write(tail[: len(tail) // 2])   # a process killed mid-write
    archive = WarcArchive(db, tmp_path / "w")
    exchange(archive, body=b"<html>second</html>")
    archive.close()
    assert [p for t, _, p, _ in records(path) if t == "response"] == [b"<html>first</html>", b"<html>second</html>"]
    assert path.stat().st_size > whole


def test_identical_payload_lookup_searches_the_digest_index(tmp_path):
    """Finding the record that already holds a payload is an index search, not a pass over every record."""
    from store.warc import ORIGINAL_SQL

    db = open_db(tmp_path / "w.db")
    plan = " ".join(r[3] for r in db.conn.execute("EXPLAIN QUERY PLAN " + ORIGINAL_SQL, ("sha1:A" * 6, "sha1:A")))
    assert "SEARCH warc_records USING INDEX warc_records_payload" in plan, plan
