"""`crawl export`: JSON lines and CSV that read back to exactly what the database holds."""
import csv
import io
import json
import re
import subprocess
import sys

import pytest
from click.testing import CliRunner

from scheduler.cli import main
from tests.helpers import query as q
from store.texts import paragraphs_of

KEPT = "(SELECT paragraphs FROM version_paragraphs WHERE version_id = v.id)"

pytestmark = pytest.mark.slow  # The session's archive_db: two full crawls of the mirror.


def export(db, *args):
    result = CliRunner().invoke(main, ["export", "--db", str(db), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def current(db):
    return {(sid, lang): (title, body, paragraphs_of(body, layout, kept), version, digest)
            for sid, lang, title, body, layout, kept, version, digest
            in q(db, "SELECT c.statement_id, c.lang, c.title, c.body, v.layout, %s, c.version,"
                     " c.payload_digest FROM current_texts c JOIN versions v ON v.id = c.version_id" % KEPT)}


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
    db_rows = {(sid, lang, v): (title, body, paragraphs_of(body, layout, kept)) for sid, lang, v, title, body, layout, kept
               in q(archive_db, "SELECT statement_id, lang, version, title, body, layout, %s FROM versions v" % KEPT)}
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


HOSTILE_TITLE = "=HYPERLINK(\"http://evil.example/\",\"Заявление\")\x1b]0;pwned\x07\x9b31m"


@pytest.fixture
def hostile_db(tmp_path):
    """One statement whose title and text carry terminal controls, bidi overrides and spreadsheet formulas."""
    from store.db import open_db
    from store.pages import record_page
    from tests.helpers import ok_fetch, record

    db = open_db(tmp_path / "h.db")
    rec = record(title=HOSTILE_TITLE, paragraphs=[(None, "+7 (495) 244-16-06\u202eтекст\u202c \u200fاب"),
                                                  ("Вопрос", "@SUM(A1:A9) \x07звонок")])
    record_page(db, None, rec, ok_fetch(rec))
    db.conn.close()
    return tmp_path / "h.db"


def test_json_outputs_escape_c1_and_bidi_controls_and_keep_cyrillic(hostile_db):
    out = export(hostile_db)
    assert not re.search("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]",
                         out.rstrip("\n")), out
    assert "\\u009b" in out and "\\u202e" in out and "Заявление" in out and "текст" in out
    [item] = [json.loads(line) for line in out.splitlines()]
    assert item["title"] == HOSTILE_TITLE                      # escaped, not altered


def test_csv_neutralises_formulas_and_drops_controls(hostile_db, tmp_path):
    out = export(hostile_db, "--format", "csv")
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e]", out), out
    [row] = list(csv.DictReader(io.StringIO(out)))
    assert row["title"].startswith("'=HYPERLINK(") and "Заявление" in row["title"]
    assert row["body"].startswith("'+7 (495)") and "текст" in row["body"] and "\u200f" in row["body"]
    raw = export(hostile_db, "--format", "csv", "--raw-cells")
    [row] = list(csv.DictReader(io.StringIO(raw)))
    assert row["title"].startswith("=HYPERLINK(") and "\x1b" not in row["title"]   # controls never pass
    target = tmp_path / "corpus.csv"
    export(hostile_db, "--format", "csv", "--bom", "--output", str(target))
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfstatement_id,") and data.count(b"\xef\xbb\xbf") == 1
    assert not data[3:].startswith(b"\xef\xbb\xbf") and b"\x1b" not in data and b"\x07" not in data


def test_changes_and_divergences_json_escape_controls(hostile_db):
    from store.db import open_db

    db = open_db(hostile_db)
    db.conn.execute("INSERT INTO changes (key, statement_id, lang, kind, detected_at, summary) VALUES"
                    " ('k', 'mid.ru:1975319', 'ru', 'new', '2026-01-01T00:00:00+00:00', 'new \u202eстатья\x9b')")
    db.conn.execute("INSERT INTO divergences (statement_id, lang_a, lang_b, kind, key, summary, detail, detected_at,"
                    " updated_at) VALUES ('mid.ru:1975319', 'ru', 'en', 'missing_translation', 'k',"
                    " 'ru \u202eтекст\x85', '{\"x\": \"\u2066\"}', '2026-01-01T00:00:00+00:00', 'x')")
    db.conn.commit()
    db.conn.close()
    for command in (["changes", "--json"], ["divergences", "--json"]):
        out = CliRunner().invoke(main, [*command, "--db", str(hostile_db)], catch_exceptions=False).stdout
        assert out.strip() and not re.search("[\x7f-\x9f\u202a-\u202e\u2066-\u2069]", out), (command, out)
        assert "\\u202e" in out and ("статья" in out or "текст" in out)


@pytest.mark.parametrize("command", [["changes"], ["divergences"], ["export"]])
@pytest.mark.parametrize("since", ["2024-13-45", "2024-02-30", "7x", "2024"])
def test_since_is_a_real_date_or_a_time_ago(command, since, hostile_db):
    result = CliRunner().invoke(main, [*command, "--db", str(hostile_db), "--since", since])
    assert result.exit_code == 2 and "--since" in result.output, result.output


def test_relative_since(hostile_db):
    from store.db import open_db
    from store.timestamps import utcnow

    db = open_db(hostile_db)
    db.conn.execute("INSERT INTO changes (key, statement_id, lang, kind, detected_at, summary) VALUES"
                    " ('old', 'mid.ru:1975319', 'ru', 'new', '2020-01-01T00:00:00+00:00', 'old'),"
                    " ('now', 'mid.ru:1975319', 'ru', 'edited', ?, 'now')", (utcnow(),))
    db.conn.commit()
    db.conn.close()
    out = CliRunner().invoke(main, ["changes", "--db", str(hostile_db), "--since", "12h", "--json"]).stdout
    assert [json.loads(line)["summary"] for line in out.splitlines()] == ["now"]
    out = CliRunner().invoke(main, ["changes", "--db", str(hostile_db), "--since", "2w"]).stdout
    assert "edited" in out and "2020-01-01" not in out
    # Publication times carry Moscow's offset; a time ago compares as an instant.
    assert export(hostile_db, "--since", "7d") == ""
    assert len(export(hostile_db, "--since", "52000w").splitlines()) == 1
    assert CliRunner().invoke(main, ["divergences", "--db", str(hostile_db), "--since", "2w"]).exit_code == 0
