"""`crawl export`: JSON lines and CSV that read back to exactly what the database holds."""
import csv
import io
import json
import subprocess
import sys

from click.testing import CliRunner

from scheduler.cli import main
from tests.helpers import query as q


def export(db, *args):
    result = CliRunner().invoke(main, ["export", "--db", str(db), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def current(db):
    return {(sid, lang): (title, body, json.loads(paras), version, digest)
            for sid, lang, title, body, paras, version, digest
            in q(db, "SELECT c.statement_id, c.lang, c.title, c.body, v.paragraphs, c.version, c.payload_digest"
                     " FROM current_texts c JOIN versions v ON v.id = c.version_id")}


def test_jsonl_round_trips_current_texts(archive_db, tmp_path):
    out = tmp_path / "corpus.jsonl"
    proc = subprocess.run([sys.executable, "-m", "scheduler.cli", "export", "--db", str(archive_db), "--output",
                           str(out)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    items = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    expected = current(archive_db)
    assert len(items) == len(expected) == q(archive_db, "SELECT count(*) FROM variants")[0][0]
    for item in items:
        assert (item["title"], item["body"], item["paragraphs"], item["version"], item["payload_digest"]) == \
            expected[(item["statement_id"], item["lang"])]
    assert any(item["variant_status"] == "deleted" for item in items)
    assert f"wrote {len(items)} records" in proc.stderr


def test_jsonl_with_versions_carries_every_version(archive_db):
    items = [json.loads(line) for line in export(archive_db, "--with-versions").splitlines()]
    assert sum(len(i["versions"]) for i in items) == q(archive_db, "SELECT count(*) FROM versions")[0][0]
    edited = next(i for i in items if i["statement_id"] == "mid.ru:1974990" and i["lang"] == "ru")
    assert [v["version"] for v in edited["versions"]] == [1, 2]
    assert edited["versions"][-1]["body"] == edited["body"] != edited["versions"][0]["body"]


def test_csv_round_trips_with_versions(archive_db):
    rows = list(csv.DictReader(io.StringIO(export(archive_db, "--format", "csv", "--with-versions"))))
    db_rows = {(sid, lang, v): (title, body, json.loads(paras)) for sid, lang, v, title, body, paras in
               q(archive_db, "SELECT statement_id, lang, version, title, body, paragraphs FROM versions")}
    assert len(rows) == len(db_rows)
    for row in rows:
        assert (row["title"], row["body"], json.loads(row["paragraphs"])) == \
            db_rows[(row["statement_id"], row["lang"], int(row["version"]))]
    assert sum(row["current"] == "1" for row in rows) == q(archive_db, "SELECT count(*) FROM variants")[0][0]


def test_csv_current_and_since(archive_db):
    rows = list(csv.DictReader(io.StringIO(export(archive_db, "--format", "csv", "--since", "2024-10-01"))))
    expected = q(archive_db, "SELECT count(*) FROM variants va JOIN statements s ON s.id=va.statement_id"
                             " WHERE s.published_at >= '2024-10-01'")[0][0]
    assert 0 < len(rows) == expected
    assert all(row["published_at"] >= "2024-10-01" for row in rows)
    assert "\n" in rows[0]["body"]          # multi-paragraph bodies survive CSV quoting
    bad = CliRunner().invoke(main, ["export", "--db", str(archive_db), "--since", "October"])
    assert bad.exit_code == 2 and "not a date" in bad.output
