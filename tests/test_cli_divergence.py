"""Cross-language divergences end to end: crawl the mirror, edit the Russian only (state
'divergence-edit'), see the finding after the configured delay, edit the English to match
('divergence-fixed'), see it resolved; `crawl divergences` and `crawl diff --against`."""
import json

import pytest

from fixtures.mirror import MirrorServer
from tests.helpers import EDITS_AT_ONCE, run_cli as crawl, query as rows

pytestmark = pytest.mark.slow  # Every test here starts `crawl` subprocesses (full crawls of the mirror).

EDITED = "mid.ru:1968405"
# Real pages the mirror serves in Russian only although their kind is usually translated.
RU_ONLY = {"mid.ru:1975319", "mid.ru:1975336"}


def open_findings(db):
    return sorted(rows(db, "SELECT statement_id, lang_a, lang_b, kind FROM divergences WHERE resolved_at IS NULL"))


@pytest.fixture(scope="module")
def mirror_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("div")
    db, jsonl = str(tmp / "mw.db"), str(tmp / "changes.jsonl")
    snapshots = {}
    with MirrorServer(state="initial") as server:
        base = ["--db", db, "--base-url", server.base_url, "--delay", "0", "--timeout", "5", "--retries", "1",
                *EDITS_AT_ONCE]
        crawl("run", *base, "--jsonl", jsonl)
        snapshots["initial"] = open_findings(db)
        server.set_state("divergence-edit")
        crawl("run", *base, "--recheck", "all", "--jsonl", jsonl)  # default delay: 48 hours
        snapshots["edited, within delay"] = open_findings(db)
        crawl("run", *base, "--recheck", "all", "--divergence-after", "0s", "--emit-divergences", "--jsonl", jsonl)
        snapshots["edited, delay over"] = open_findings(db)
        snapshots["listing"] = crawl("divergences", "--db", db, "--json").stdout
        snapshots["diff_text"] = crawl("diff", "1968405", "--db", db, "--lang", "ru", "--against", "en").stdout
        snapshots["diff_html"] = crawl("diff", "1968405", "--db", db, "--against", "en", "--format", "html").stdout
        server.set_state("divergence-fixed")
        crawl("run", *base, "--recheck", "all", "--divergence-after", "0s", "--emit-divergences", "--jsonl", jsonl)
        snapshots["fixed"] = open_findings(db)
    snapshots["db"], snapshots["jsonl"] = db, jsonl
    return snapshots


def test_real_pages_give_no_false_findings(mirror_run):
    # Every translated pair in the mirror (real and authored) aligns without findings; only the
    # Russian-only briefing and speech are reported, as missing translations.
    assert mirror_run["initial"] == sorted((sid, "ru", "en", "missing_translation") for sid in RU_ONLY)


def test_edit_not_propagated_appears_after_the_delay_and_resolves(mirror_run):
    assert mirror_run["edited, within delay"] == mirror_run["initial"]
    assert mirror_run["edited, delay over"] == sorted(
        mirror_run["initial"] + [(EDITED, "ru", "en", "edit_not_propagated")])
    assert mirror_run["fixed"] == mirror_run["initial"]
    db = mirror_run["db"]
    [(summary, detail, va, vb, resolved)] = rows(
        db, "SELECT summary, detail, version_a, version_b, resolved_at FROM divergences WHERE kind='edit_not_propagated'")
    assert resolved is not None and (va, vb) == (2, 1)
    assert "ru edited v1→v2 (¶4 edited or added)" in summary and "counterpart en ¶4" in summary
    assert json.loads(detail)["counterparts"] == [3]


def test_divergences_listing_json(mirror_run):
    lines = [json.loads(x) for x in mirror_run["listing"].splitlines()]
    assert {(x["statement_id"], x["kind"]) for x in lines} == {(EDITED, "edit_not_propagated")} | {
        (sid, "missing_translation") for sid in RU_ONLY}
    assert all(x["resolved_at"] is None and isinstance(x["detail"], dict) for x in lines)


def test_filters_and_resolved(mirror_run):
    db = mirror_run["db"]
    out = crawl("divergences", "--db", db, "--all", "--kind", "edit_not_propagated").stdout
    assert EDITED in out and "resolved" in out and "missing_translation" not in out
    assert "no divergences open" in crawl("divergences", "--db", db, "--statement", "1968405").stdout
    assert crawl("divergences", "--db", db, "--since", "tomorrow", check=False).returncode == 2
    assert crawl("divergences", "--db", db, "--kind", "bogus", check=False).returncode == 2


def test_side_by_side_text_and_html(mirror_run):
    text = mirror_run["diff_text"]
    assert "mid.ru:1968405 ru v2 ↔ en v1" in text
    assert "! ¶4 ↔ ¶4" in text and "edited in ru (v2), not in en" in text
    left = " ".join(line[2:].split("│")[0].strip() for line in text.splitlines() if "│" in line)
    assert "В Казани ожидаются делегации 36 государств, из них 22 – на высшем уровне." in left
    assert "\x1b" not in text  # not a tty
    page = mirror_run["diff_html"]
    assert page.startswith("<!DOCTYPE html>") and 'class="mw-divergent"' in page
    assert page.count("<tr class=") == 6


def test_divergences_are_emitted_only_when_asked(mirror_run):
    kinds = [json.loads(x)["kind"] for x in open(mirror_run["jsonl"], encoding="utf-8")]
    # runs 1-2 had no --emit-divergences; run 3 emitted the open ones, run 4 the resolution
    assert kinds.count("divergence") == 3 and kinds.count("divergence_resolved") == 1
    assert kinds.index("divergence") > kinds.index("edited")


def test_html_and_terminal_output_are_escaped(tmp_path):
    from store.db import open_db
    from store.pages import record_page
    from tests.helpers import ok_fetch, record

    db = str(tmp_path / "x.db")
    store = open_db(db)
    ru = record(1960000, "ru", "Заголовок <b>", [("Вопрос", "Что такое <script>alert(1)</script>?"),
                                                  ("С.В.Лавров", "Ответ \x1b[31mкрасный\x1b[0m & 5%.")])
    en = record(1960000, "en", "Title", [("Question", "What is <script>alert(1)</script>?"),
                                         ("Sergey Lavrov", "An answer \x1b]8;;http://x\x07link & 5%.")])
    record_page(store, None, ru, ok_fetch(ru))
    record_page(store, None, en, ok_fetch(en))
    store.conn.close()
    page = crawl("diff", "1960000", "--db", db, "--against", "en", "--format", "html").stdout
    assert "<script>" not in page and "&lt;script&gt;" in page and "Заголовок &lt;b&gt;" in page
    text = crawl("diff", "1960000", "--db", db, "--against", "en").stdout
    assert "\x1b" not in text and "\x07" not in text and "<script>alert(1)</script>" in text
    data = json.loads(crawl("diff", "1960000", "--db", db, "--against", "en", "--format", "json").stdout)
    assert [lk["a"] for lk in data["alignment"]["links"]] == [[0], [1]]
    bad = crawl("diff", "1960000", "--db", db, "--against", "de", check=False)
    assert bad.returncode == 5 and "no de variant" in bad.stderr   # ExitCode.NOT_FOUND
