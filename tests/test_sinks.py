"""Sinks: each change a sink is owed goes to it once, deliveries are recorded per change, one sink's failure never
blocks another, a new sink starts from now, the first fill is not announced, page text is made inert."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import feedparser
import pytest

from scheduler.sinks import AppriseSink, AtomSink, JsonlSink, SinkError, emit, register
from store.changes import mark_initial_fill
from store.db import open_db
from store.runs import finish_run, start_run
from tests.helpers import query


def add_changes(db, n: int, *, run_id: int | None = None, title: str = "Заявление МИД", summary: str = "change {i}",
                start: int = 1) -> list[int]:
    conn = db.conn
    conn.execute("INSERT OR IGNORE INTO statements (id, site, source_id, first_seen_at, last_seen_at) VALUES"
                 " ('mid.ru:1', 'mid.ru', 1, 'x', 'x')")
    conn.execute("INSERT OR IGNORE INTO variants (statement_id, lang, url, title, first_seen_at, status) VALUES"
                 " ('mid.ru:1', 'ru', 'https://mid.ru/ru/foreign_policy/news/1/?lang=ru', ?, 'x', 'active')", (title,))
    ids = []
    for i in range(start, start + n):
        cur = conn.execute("INSERT INTO changes (key, statement_id, lang, kind, detected_at, run_id, summary) VALUES"
                           " (?, 'mid.ru:1', 'ru', 'new', '2026-03-02T10:00:00+00:00', ?, ?)",
                           (f"k{i}", run_id, summary.format(i=i)))
        ids.append(cur.lastrowid)
    conn.commit()
    return ids


def delivered(db, sink) -> list[int]:
    return [r[0] for r in db.conn.execute("SELECT change_id FROM emissions WHERE sink=? ORDER BY 1", (sink.name,))]


def jsonl_ids(path: Path) -> list[int]:
    if not path.exists():
        return []
    return [json.loads(line)["change_id"] for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def db(tmp_path):
    return open_db(tmp_path / "s.db")


class Webhook:
    """A JSON webhook on 127.0.0.1 that records what it is sent and answers 500 to the POSTs listed in `fail`."""

    def __init__(self, fail: set[int] = frozenset()) -> None:
        self.received: list[dict] = []
        self.posts = 0
        self.fail = set(fail)
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                hook.posts += 1
                status = 500 if hook.posts in hook.fail else 200
                if status == 200:
                    hook.received.append(json.loads(body))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"json://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook():
    hooks = []

    def make(**kw) -> Webhook:
        hooks.append(Webhook(**kw))
        return hooks[-1]

    yield make
    for hook in hooks:
        hook.close()


def test_webhook_failing_on_the_third_change_keeps_the_first_two_and_resends_nothing(db, webhook):
    hook = webhook(fail={3})
    ids = add_changes(db, 20)
    sink = AppriseSink(hook.url)
    first = emit(db, [sink])
    assert list(first.failed) == [sink.label] and "2 of 20 delivered" in first.failed[sink.label]
    assert delivered(db, sink) == ids[:2]          # recorded as they went out
    second = emit(db, [sink])                        # the next run: the webhook works again
    assert not second.failed and second.sent[sink.name] == 18
    assert delivered(db, sink) == ids
    summaries = [m["message"].splitlines()[0] for m in hook.received]
    assert sorted(summaries) == sorted(f"change {i}" for i in range(1, 21))   # each exactly once
    assert len(summaries) == len(set(summaries))


def test_one_sink_failing_never_blocks_another(db, tmp_path, webhook):
    ids = add_changes(db, 3, title="Титул \uffff с недопустимым символом")

    class Broken:
        name, label = "broken", "broken sink"

        def send(self, changes, delivered):
            raise ValueError("a bug in a sink")

    hook = webhook(fail={1, 2, 3, 4, 5, 6})
    jsonl, atom = JsonlSink(tmp_path / "c.jsonl"), AtomSink(tmp_path / "c.atom", db)
    result = emit(db, [Broken(), AppriseSink(hook.url), atom, jsonl])
    assert set(result.failed) == {"broken sink", "--notify #1 (json://...)"}
    assert "ValueError: a bug in a sink" in result.failed["broken sink"]
    assert jsonl_ids(tmp_path / "c.jsonl") == ids and delivered(db, jsonl) == ids
    # The title with U+FFFF (invalid in XML) reaches the feed without it, and the feed parses.
    assert delivered(db, atom) == ids
    parsed = feedparser.parse((tmp_path / "c.atom").read_bytes())
    assert parsed.bozo == 0 and len(parsed.entries) == 3
    assert parsed.entries[0].title == "[new] Титул  с недопустимым символом (ru)"


def test_a_new_sink_starts_from_now_and_backlog_replays(db, tmp_path):
    old = add_changes(db, 5)
    path = tmp_path / "new.jsonl"
    sink = JsonlSink(path)
    register(db, [sink])                           # the first run that has it
    assert emit(db, [sink]).sent[sink.name] == 0 and not path.exists()
    new = add_changes(db, 2, start=6)
    emit(db, [sink])
    assert jsonl_ids(path) == new
    emit(db, [sink], backlog=True)
    assert sorted(jsonl_ids(path)) == old + new and delivered(db, sink) == old + new
    register(db, [sink])                           # seen again: its start does not move
    add_changes(db, 1, start=8)
    assert emit(db, [sink]).sent[sink.name] == 1


def test_the_new_atom_feed_holds_only_what_it_is_owed(db, tmp_path):
    add_changes(db, 4)
    atom = AtomSink(tmp_path / "feed.atom", db, feed_url="https://example.org/mw/changes.atom")
    register(db, [atom])
    emit(db, [atom])
    parsed = feedparser.parse((tmp_path / "feed.atom").read_bytes())
    assert parsed.bozo == 0 and parsed.entries == []          # a valid, empty feed from the first run on
    assert [(l.rel, l.href) for l in parsed.feed.links] == [("self", "https://example.org/mw/changes.atom")]
    new = add_changes(db, 1, start=5)
    emit(db, [atom])
    entries = feedparser.parse((tmp_path / "feed.atom").read_bytes()).entries
    assert [e.id for e in entries] == [f"tag:ministry-watch,2026:change/{new[0]}"]


def test_the_first_fill_is_recorded_but_not_announced(db, tmp_path):
    jsonl = JsonlSink(tmp_path / "c.jsonl")
    register(db, [jsonl])
    first = start_run(db, command="run", base_url="x")
    fill = add_changes(db, 3, run_id=first)
    assert mark_initial_fill(db, first) == 3
    assert emit(db, [jsonl]).sent[jsonl.name] == 0
    finish_run(db, first, "ok")
    second = start_run(db, command="run", base_url="x")
    news = add_changes(db, 2, run_id=second, start=4)
    assert mark_initial_fill(db, second) == 0                # a run completed before: this is news
    emit(db, [jsonl])
    assert jsonl_ids(tmp_path / "c.jsonl") == news
    emit(db, [jsonl], announce_initial=True)
    assert sorted(jsonl_ids(tmp_path / "c.jsonl")) == fill + news
    assert [r[0] for r in db.conn.execute("SELECT id FROM changes WHERE initial_fill ORDER BY id")] == fill


def test_an_interrupted_first_run_is_part_of_the_first_fill(db):
    first = start_run(db, command="run", base_url="x")
    add_changes(db, 2, run_id=first)
    assert mark_initial_fill(db, first) == 2
    finish_run(db, first, "interrupted")
    second = start_run(db, command="run", base_url="x")
    add_changes(db, 2, run_id=second, start=3)
    assert mark_initial_fill(db, second) == 2                # still filling: nothing completed yet


def test_notifications_are_plain_text_that_apprise_escapes(db, webhook):
    hook = webhook()
    add_changes(db, 1, title="Заявление <img src=x onerror=alert(1)>\u202e\x9b31m",
                summary='1 paragraph edited <a href="https://evil.example/">click</a>\x1b[2J')
    emit(db, [AppriseSink(hook.url + "?format=html")])       # a service that takes HTML (like mail)
    [message] = hook.received
    # The body is converted for the service (HTML here: escaped); the title is a plain-text field of its own
    # (Apprise escapes it too for services that put it into the HTML body).
    assert "<a" not in message["message"] and "&lt;a" in message["message"] and "&lt;/a&gt;" in message["message"]
    assert message["title"] == "[new] Заявление <img src=x onerror=alert(1)> (ru)"
    for text in (message["title"], message["message"]):
        assert not any(ch in text for ch in "\u202e\x9b\x1b")


def test_sink_labels_never_show_a_notify_url(db):
    sink = AppriseSink("json://user:secret@127.0.0.1:9/hook", index=2)
    assert "secret" not in sink.label + sink.name and sink.label == "--notify #2 (json://...)"
    with pytest.raises(SinkError, match="cannot use this URL"):
        AppriseSink("nosuchscheme://user:secret@host/")


# ------------------------------------------------------------------------------ end to end: `crawl run`

@pytest.fixture(scope="module")
def sink_runs(tmp_path_factory):
    """Four runs on one database: the first fill with a JSON-lines sink; the mirror changes and a second run adds
    an Atom feed and a webhook that always fails; a third adds a new JSON-lines file; a fourth replays to it."""
    from fixtures.mirror import MirrorServer
    from tests.helpers import run_cli

    tmp = tmp_path_factory.mktemp("sinks")
    paths = {"db": tmp / "mw.db", "a": tmp / "a.jsonl", "atom": tmp / "feed.atom", "c": tmp / "c.jsonl"}
    hook = Webhook(fail=set(range(1, 100)))
    try:
        with MirrorServer(state="initial") as server:
            base = ["--db", str(paths["db"]), "--base-url", server.base_url, "--delay", "0", "--timeout", "5",
                    "--retries", "1", "--section", "news", "--lang", "ru", "--lang", "en"]
            runs = [run_cli("run", *base, "--jsonl", str(paths["a"]), check=False)]
            server.set_state("later")
            runs.append(run_cli("run", *base, "--jsonl", str(paths["a"]), "--atom", str(paths["atom"]),
                                "--notify", hook.url, check=False))
            runs.append(run_cli("run", *base, "--jsonl", str(paths["c"]), check=False))
            runs.append(run_cli("run", *base, "--jsonl", str(paths["c"]), "--backlog", "--announce-initial",
                                check=False))
    finally:
        hook.close()
    return {**paths, "runs": runs, "posts": hook.posts}


def change_ids(db, where: str = "1") -> list[int]:
    return [r[0] for r in query(db, f"SELECT id FROM changes WHERE {where} ORDER BY id")]


def test_the_first_fill_of_an_empty_database_is_recorded_not_announced(sink_runs):
    first = sink_runs["runs"][0]
    assert first.returncode == 0, first.stderr
    fill = change_ids(sink_runs["db"], "run_id=1")
    assert len(fill) > 10 and fill == change_ids(sink_runs["db"], "initial_fill")
    assert not set(fill) & set(jsonl_ids(sink_runs["a"]))   # the sink of that run never had them


def test_a_failing_sink_exits_6_after_the_run_is_recorded_and_the_others_deliver(sink_runs):
    second = sink_runs["runs"][1]
    assert second.returncode == 6, second.stderr             # ExitCode.SINK_FAILED
    assert "sink --notify #1 (json://...) failed" in second.stderr and "Traceback" not in second.stderr
    [(status, message)] = query(sink_runs["db"], "SELECT status, message FROM runs WHERE id=2")
    assert status == "ok" and "--notify #1" in message
    news = change_ids(sink_runs["db"], "run_id=2")
    assert news and jsonl_ids(sink_runs["a"]) == news        # the news, not the first fill
    feed = feedparser.parse(sink_runs["atom"].read_bytes())
    assert feed.bozo == 0 and sorted(e.id for e in feed.entries) == sorted(
        f"tag:ministry-watch,2026:change/{i}" for i in news)
    assert not any("file:" in link.href for link in feed.feed.get("links", []))
    assert sink_runs["posts"] >= 1 and query(
        sink_runs["db"], "SELECT count(*) FROM emissions WHERE sink LIKE 'apprise:%'") == [(0,)]


def test_a_sink_added_later_starts_from_now_and_backlog_replays_everything(sink_runs):
    third, fourth = sink_runs["runs"][2:]
    assert third.returncode == 0 and fourth.returncode == 0, third.stderr + fourth.stderr
    after = change_ids(sink_runs["db"], "run_id=3")
    assert jsonl_ids(sink_runs["c"])[:len(after)] == after
    assert sorted(jsonl_ids(sink_runs["c"])) == change_ids(sink_runs["db"])   # all of them, each once


# ------------------------------------------------------------------------------ refused before crawling

def crawl_refused(*args: str, block_apprise: bool = False):
    import subprocess
    import sys

    prelude = "import sys; sys.modules['apprise'] = None; " if block_apprise else ""
    code = prelude + "from scheduler.cli import main; main(prog_name='crawl')"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("sink", [
    ["--notify", "json://127.0.0.1:9/hook"],          # without the notify extra (see block_apprise)
    ["--notify", "nosuchscheme://user:secret@host/"],
    ["--notify", "json://"],
    ["--atom", "/proc/mw-test.atom"],
    ["--jsonl", "{tmp}/plain-file/c.jsonl"],
    ["--atom", "{tmp}"],
    ["--feed-url", "file:///var/lib/ministry-watch/changes.atom"],
])
@pytest.mark.parametrize("command", [["run"], ["watch", "--once"]])
def test_a_sink_that_cannot_work_is_refused_before_anything_is_written(command, sink, tmp_path):
    (tmp_path / "plain-file").write_text("x")
    db = tmp_path / "mw.db"
    sink = [s.format(tmp=tmp_path) for s in sink]
    proc = crawl_refused(*command, "--db", str(db), "--base-url", "http://127.0.0.1:9", *sink,
                         block_apprise=sink[1] == "json://127.0.0.1:9/hook")
    assert proc.returncode == 2, proc.stderr                 # a usage error
    assert "Traceback" not in proc.stderr and "secret" not in proc.stderr
    assert f"Usage: crawl {command[0]}" in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plain-file"]   # no database, no lock, no probe left
    if sink[0] == "--notify" and sink[1].startswith("json://127"):
        assert "pip install 'ministry-watch[notify]'" in proc.stderr


def test_a_read_only_directory_for_the_feed_is_refused(tmp_path):
    from tests.helpers import read_only

    (tmp_path / "feeds").mkdir()
    with read_only(tmp_path / "feeds") as place:
        proc = crawl_refused("run", "--db", str(tmp_path / "mw.db"), "--base-url", "http://127.0.0.1:9",
                             "--atom", str(place / "changes.atom"))
    assert proc.returncode == 2 and "cannot write there" in proc.stderr, proc.stderr
    assert not (tmp_path / "mw.db").exists()
