"""`crawl run` end to end: a real crawl of the fixture server in a subprocess, then the database is checked."""
import json
import socket

import pytest

from fixtures.mirror import MirrorServer
from tests.helpers import run_cli as crawl, query as rows
from store.texts import paragraphs_of

pytestmark = pytest.mark.slow  # Every test here starts `crawl` subprocesses (most share full crawls of the mirror).


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """One mirror, crawled in the initial state, again unchanged, then twice in the 'later' state."""
    db = str(tmp_path_factory.mktemp("e2e") / "mw.db")
    with MirrorServer(state="initial") as server:
        base = ["--db", db, "--base-url", server.base_url, "--delay", "0", "--timeout", "5", "--retries", "1"]
        first = crawl("run", *base)
        counts_after_first = rows(db, "SELECT count(*) FROM versions")[0][0]
        second = crawl("run", *base, "--recheck", "all")
        counts_after_second = rows(db, "SELECT count(*) FROM versions")[0][0]
        server.set_state("later")
        # Default re-check policy: everything first seen within the last 3 hours is due every run. The mirror's
        # statements are from 2024: their edits wait for a second fetch (here without the usual delay).
        third = crawl("run", *base, "--delete-after", "0s", "--confirm-delay", "0s")
        fourth = crawl("run", *base, "--delete-after", "0s", "--confirm-delay", "0s")
        requests = list(server.requests)
    return {"db": db, "outputs": [first, second, third, fourth], "versions": (counts_after_first, counts_after_second),
            "requests": requests}


def test_statements_variants_and_metadata(crawled):
    db = crawled["db"]
    assert rows(db, "SELECT count(*) FROM statements")[0][0] >= 30
    langs = dict(rows(db, "SELECT statement_id, group_concat(lang) FROM (SELECT * FROM variants ORDER BY lang)"
                          " GROUP BY statement_id"))
    assert langs["mid.ru:1974990"] == "en,ru"
    five = [sid for sid, ls in langs.items() if ls == "de,en,es,fr,ru"]
    assert len(five) >= 5
    st = rows(db, "SELECT kind, published_at, document_number, section FROM statements WHERE id='mid.ru:1974990'")[0]
    assert st[:3] == ("interview", "2024-10-08T19:39:00+03:00", "1895-08-10-2024")
    assert st[3] in ("foreign_policy/news", "press_service/minister_speeches")  # listed in both
    briefing = rows(db, "SELECT kind, published_at, document_number FROM statements WHERE id='mid.ru:1975319'")[0]
    assert briefing == ("briefing", "2024-10-09T18:16:00+03:00", "1900-09-10-2024")


def test_versions_hold_clean_text_with_speakers(crawled):
    db = crawled["db"]
    title, body, layout, kept = rows(db, "SELECT title, body, layout, (SELECT paragraphs FROM version_paragraphs"
                                         " WHERE version_id = v.id) FROM versions v WHERE statement_id='mid.ru:1974990'"
                                         " AND lang='ru' AND version=1")[0]
    assert title.startswith("Ответы Министра иностранных дел Российской Федерации С.В.Лаврова")
    speakers = {p["speaker"] for p in paragraphs_of(body, layout, kept)}
    assert {"Вопрос", "С.В.Лавров"} <= speakers
    assert "Дополнительные материалы" not in body and "Video Player" not in body
    en = rows(db, "SELECT url FROM variants WHERE statement_id='mid.ru:1974990' AND lang='en'")[0][0]
    assert en.endswith("/1974990/?lang=en")


def test_recrawl_of_unchanged_site_writes_no_versions(crawled):
    first, second = crawled["versions"]
    assert first == second
    assert "0 new versions" in crawled["outputs"][1].stdout


def test_default_crawl_asks_robots_txt_first_and_never_pages(crawled):
    paths = [path for _, path, _ in crawled["requests"]]
    assert paths[0] == "/robots.txt" and paths.count("/robots.txt") == 4   # once per run, before anything else
    assert not [path for path in paths if "PAGEN_1" in path]
    # With one listing page per section nothing was refused, so the run reports no robots.txt skips.
    assert "robots.txt" not in crawled["outputs"][0].stdout
    assert rows(crawled["db"], "SELECT sum(robots_skipped) FROM runs")[0][0] == 0


def test_later_state_changes_are_detected_and_nothing_else(crawled):
    db = crawled["db"]
    changes = rows(db, "SELECT run_id, kind, statement_id, lang, cosmetic FROM changes WHERE run_id > 2 ORDER BY id")
    kinds = sorted((k, sid, lang, cos) for _, k, sid, lang, cos in changes)
    assert ("edited", "mid.ru:1974990", "ru", 0) in kinds
    assert ("edited", "mid.ru:1968405", "en", 1) in kinds
    assert ("deleted", "mid.ru:1969120", "ru", 0) in kinds and ("deleted", "mid.ru:1969120", "en", 0) in kinds
    assert ("new", "mid.ru:1976115", "ru", 0) in kinds
    edited = [c for c in kinds if c[0] == "edited"]
    assert len(edited) == 2, kinds  # the anti-bot page never becomes an edit
    deleted = {(c[1], c[2]) for c in kinds if c[0] == "deleted"}
    assert deleted == {("mid.ru:1969120", "ru"), ("mid.ru:1969120", "en")}
    # Deletion needed two 404 answers, and the edits (of statements older than a week) a second fetch of the same
    # text: both confirmed in the fourth run, not the third, which held the edits as pending.
    assert {r for r, k, *_ in changes if k == "deleted"} == {4}
    assert {r for r, k, *_ in changes if k == "edited"} == {4}
    assert "edited" not in crawled["outputs"][2].stdout.split("changes:")[1].split(";")[0].replace("0 edited", "")
    challenges = rows(db, "SELECT sum(challenge_pages) FROM runs WHERE id > 2")[0][0]
    assert challenges >= 1


def test_diff_command_shows_the_edit(crawled):
    out = crawl("diff", "1974990", "--db", crawled["db"], "--lang", "ru").stdout
    assert "1 paragraph edited" in out
    assert "[-" in out and "{+" in out
    html = crawl("diff", "mid.ru:1974990", "--db", crawled["db"], "--format", "html").stdout
    assert "<del>" in html and "<ins>" in html
    ops = json.loads(crawl("diff", "1974990", "--db", crawled["db"], "--format", "json").stdout)
    assert [op["kind"] for op in ops["ops"] if op["kind"] != "equal"] == ["changed"]


def test_changes_command_filters(crawled):
    out = crawl("changes", "--db", crawled["db"], "--kind", "deleted", "--json").stdout
    got = [json.loads(line) for line in out.splitlines()]
    assert {(c["statement_id"], c["lang"]) for c in got} == {("mid.ru:1969120", "ru"), ("mid.ru:1969120", "en")}


def test_bad_arguments_write_nothing(tmp_path):
    db = tmp_path / "x.db"
    proc = crawl("run", "--db", str(db), "--section", "nonsense", "--base-url", "http://127.0.0.1:9", check=False)
    assert proc.returncode == 2
    assert "--section" in proc.stderr and "nonsense" in proc.stderr
    assert not db.exists()
    proc = crawl("run", "--db", str(db), "--delete-after", "soon", check=False)
    assert proc.returncode == 2 and not db.exists()


def test_unreachable_site_is_a_one_line_fatal_error(tmp_path):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    proc = crawl("run", "--db", str(tmp_path / "u.db"), "--base-url", f"http://127.0.0.1:{port}", "--delay", "0",
                 "--retries", "0", "--section", "news", "--lang", "ru", check=False)
    assert proc.returncode == 3   # ExitCode.FATAL
    assert "cannot reach" in proc.stderr
    assert rows(str(tmp_path / "u.db"), "SELECT status FROM runs")[0][0] == "failed"


def test_an_unreachable_host_prints_one_line_and_v_shows_scrapys_log(tmp_path):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    base = ["run", "--base-url", f"http://127.0.0.1:{port}", "--delay", "0", "--retries", "1", "--lang", "ru"]
    proc = crawl(*base, "--db", str(tmp_path / "q.db"), check=False)
    assert proc.returncode == 3
    [line] = proc.stderr.splitlines()           # not Scrapy's ~10 lines and a traceback per failed request
    assert line.startswith(f"error: cannot reach http://127.0.0.1:{port} (") and "failed to connect" in line
    loud = crawl(*base, "--db", str(tmp_path / "v.db"), "-v", check=False)
    assert loud.returncode == 3 and "[scrapy" in loud.stderr and "Gave up retrying" in loud.stderr


def test_paging_forbidden_by_robots_is_skipped_and_reported(tmp_path):
    with MirrorServer(state="initial") as server:
        base = ["run", "--db", str(tmp_path / "p.db"), "--base-url", server.base_url, "--delay", "0",
                "--section", "news", "--lang", "ru", "--max-pages", "3"]
        polite = crawl(*base)
        assert not [p for _, p, _ in server.requests if "PAGEN_1" in p]
        assert "forbidden by robots.txt" in polite.stdout
        rude = crawl(*base, "--ignore-robots")
        assert "warning: --ignore-robots: robots.txt is not obeyed" in rude.stderr
        assert [p for _, p, _ in server.requests if "PAGEN_1=2" in p]


def test_listings_that_answer_404_are_not_asked_again_every_run(crawled):
    # The mirror has no 'answers' section: asked in the first run, then left alone for a day.
    asked = [p for _, p, _ in crawled["requests"] if p == "/ru/press_service/spokesman/answers/"]
    assert len(asked) == 1
    news = [p for _, p, _ in crawled["requests"] if p == "/ru/foreign_policy/news/"]
    assert len(news) == 4


def test_a_crawl_that_fails_with_its_own_error_line_is_not_reported_twice(tmp_path, monkeypatch):
    """The crawl child says why it failed (e.g. the disk filled up while it stored pages) and exits 3; `crawl run`
    must not add a second error line of its own ("crawler exited with code 3")."""
    import sys

    from click.testing import CliRunner

    import scheduler.crawl_process as crawl_process
    from scheduler.cli import main

    def failing_crawl(request, **_):
        print(f"error: cannot write the database {request.db}: disk I/O error", file=sys.stderr)
        return crawl_process.CrawlResult(3)

    monkeypatch.setattr(crawl_process, "run_crawl", failing_crawl)
    result = CliRunner().invoke(main, ["run", "--db", str(tmp_path / "t.db"), "--base-url", "http://127.0.0.1:9"])
    assert result.exit_code == 3
    errors = [line for line in result.stderr.splitlines() if line.startswith("error")]
    assert errors == [f"error: cannot write the database {tmp_path / 't.db'}: disk I/O error"], result.stderr
    assert rows(str(tmp_path / "t.db"), "SELECT status, message FROM runs") == [("failed", "crawler exited with code 3")]


def test_a_run_ends_with_every_variants_next_recheck_time_worked_out(crawled):
    """The next run's planning reads only the variants that are due: none is left for it to work out."""
    db = crawled["db"]
    assert rows(db, "SELECT count(*) FROM variants")[0][0] > 0
    assert rows(db, "SELECT count(*) - count(next_check) FROM variants") == [(0,)]
