"""scheduler.detect on real before/after page pairs (fixtures/changes): the exact change rows and diff operations."""
import json
from pathlib import Path

import pytest

from crawler.parsers import parse_article
from scheduler.detect import DeletionRule, detect_changes
from scheduler.edit_rules import REPORT_AT_ONCE as AT_ONCE
from store.versions import load_version
from scheduler.diff.compute import diff_versions
from scheduler.diff.json_format import render_json
from store.db import open_db
from store.records import Fetch
from store.pages import record_page
from store.runs import start_run

CASES = Path(__file__).parent.parent / "fixtures" / "changes"

# case -> expected (kind, cosmetic, summary) rows after the "after" crawl; [] = no change at all
EXPECTED = {
    "paragraph_edited": [("edited", 0, "1 paragraph edited")],
    "paragraph_edited_qa": [("edited", 0, "1 paragraph edited")],
    "paragraph_inserted": [("edited", 0, "1 paragraph added")],
    "paragraph_deleted": [("edited", 0, "1 paragraph removed")],
    "answer_removed": [("edited", 0, "1 paragraph removed")],
    "turns_reordered": [("edited", 0, "2 paragraphs moved")],
    "title_edited": [("edited", 0, "title edited")],
    "whitespace_only": [],
    "noise_only": [],
    "quote_style_only": [("edited", 1, "cosmetic only: title edited")],
    "dash_only": [("edited", 1, "cosmetic only: 1 paragraph edited")],
    "yo_only": [("edited", 1, "cosmetic only: 1 paragraph edited")],
}


def url_of(case: str) -> str:
    return (CASES / case / "case.txt").read_text().split("|")[0].strip()


def crawl_page(db, path: Path, url: str) -> list[tuple]:
    run = start_run(db, command="run", base_url="x")
    body = path.read_bytes()
    record = parse_article(body.decode("utf-8"), url)
    record_page(db, run, record, Fetch(url=url, page_type="article", outcome="ok", http_status=200, body=body))
    detect_changes(db, run, DeletionRule(), edits=AT_ONCE)
    return db.conn.execute("SELECT kind, cosmetic, summary, from_version, to_version FROM changes WHERE run_id=?"
                           " ORDER BY id", (run,)).fetchall()


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_change_case(tmp_path, case):
    db = open_db(tmp_path / "c.db")
    url = url_of(case)
    assert [r[0] for r in crawl_page(db, CASES / case / "before.html", url)] == ["new"]
    rows = crawl_page(db, CASES / case / "after.html", url)
    assert [(k, c, s) for k, c, s, *_ in rows] == EXPECTED[case]


@pytest.mark.parametrize("case", sorted(c for c, rows in EXPECTED.items() if rows))
def test_change_case_diff_ops_golden(tmp_path, case, golden):
    db = open_db(tmp_path / "c.db")
    url = url_of(case)
    crawl_page(db, CASES / case / "before.html", url)
    crawl_page(db, CASES / case / "after.html", url)
    sid = "mid.ru:" + url.split("/")[-2]
    ops = json.loads(render_json(diff_versions(load_version(db, sid, "ru", 1), load_version(db, sid, "ru", 2))))
    golden(f"changes/{case}.json", {"summary": ops["summary"], "title": ops["title"]["kind"],
                                    "ops": [op for op in ops["ops"] if op["kind"] != "equal"]})


def test_flapping_case(tmp_path):
    db = open_db(tmp_path / "c.db")
    url = url_of("flapping")
    a, b = CASES / "flapping" / "a.html", CASES / "flapping" / "b.html"
    crawl_page(db, a, url)
    assert [r[0] for r in crawl_page(db, b, url)] == ["edited"]
    back = crawl_page(db, a, url)
    assert [r[0] for r in back] == ["flapping"]
    assert back[0][2].startswith("flapping: the page keeps returning to earlier text (versions 1 to 3")
    assert crawl_page(db, a, url) == []  # and it stays quiet while nothing changes
