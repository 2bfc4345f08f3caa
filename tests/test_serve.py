"""Datasette against a database built by a real crawl of the fixture server: tables, views, facets,
full-text search (Russian and English), foreign-key labels and the shipped metadata; and `crawl serve`."""
import asyncio
import json
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from click.testing import CliRunner
from datasette.app import Datasette  # the `serve` extra; `make install` brings it with the `test` extra

from store.meta import datasette_metadata

pytestmark = pytest.mark.slow  # The session's archive_db (two full crawls of the mirror) and a `crawl serve` subprocess.


@pytest.fixture(scope="module")
def ds(archive_db):
    return Datasette([str(archive_db)], metadata=datasette_metadata("mw"))


def get(ds, *paths):
    async def run():
        out = []
        for path in paths:
            response = await ds.client.get(path)
            assert response.status_code == 200, (path, response.status_code, response.text[:500])
            out.append(response.json() if ".json" in path else response.text)
        return out
    result = asyncio.run(run())
    return result[0] if len(paths) == 1 else result


def test_tables_and_views_are_listed(ds):
    data = get(ds, "/mw.json")
    tables = {t["name"]: t for t in data["tables"]}
    assert {"statements", "variants", "versions", "changes", "runs", "fetches", "warc_records"} <= set(tables)
    assert tables["raw_responses"]["hidden"] and tables["versions_fts"]["hidden"]
    assert {"current_texts", "latest_statements", "recent_changes", "coverage", "problem_variants",
            "missing_translations"} <= {v["name"] for v in data["views"]}
    assert tables["versions"]["fts_table"] == "versions_fts"


def test_search_finds_a_russian_word_in_any_case(ds):
    lower, upper = get(ds, "/mw/versions.json?_search=лавров&_shape=objects&_size=max",
                       "/mw/versions.json?_search=ЛАВРОВ&_shape=objects&_size=max")
    assert lower["rows"] and [r["id"] for r in lower["rows"]] == [r["id"] for r in upper["rows"]]
    assert all("лавров" in (r["title"] + r["body"]).lower() for r in lower["rows"])
    assert {r["lang"] for r in lower["rows"]} == {"ru"}


def test_search_finds_an_english_word_in_current_texts(ds):
    found = get(ds, "/mw/current_texts.json?_search=zakharova&_shape=objects&_size=max")
    assert found["rows"] and all("zakharova" in (r["title"] + r["body"]).lower() for r in found["rows"])
    assert "ru" not in {r["lang"] for r in found["rows"]}
    every = get(ds, "/mw/versions.json?_search=zakharova&_shape=objects&_size=max")
    assert len(every["rows"]) >= len(found["rows"])


def test_facets_from_metadata(ds):
    statements, changes = get(ds, "/mw/statements.json", "/mw/recent_changes.json")
    kinds = {f["value"] for f in statements["facet_results"]["kind"]["results"]}
    assert {"briefing", "interview"} <= kinds
    assert {f["value"] for f in changes["facet_results"]["kind"]["results"]} >= {"edited", "deleted", "new"}


def test_views_answer_the_everyday_questions(ds):
    latest, changes, coverage, problems, missing = get(
        ds, "/mw/latest_statements.json?_shape=objects&_size=max",
        "/mw/recent_changes.json?_shape=objects&kind=edited",
        "/mw/coverage.json?_shape=objects&_size=max",
        "/mw/problem_variants.json?_shape=objects&problem=deleted",
        "/mw/missing_translations.json?_shape=objects&_size=max")
    by_id = {r["statement_id"]: r for r in latest["rows"]}
    assert by_id["mid.ru:1974990"]["languages"] == "en ru" and by_id["mid.ru:1974990"]["title"]
    assert latest["rows"][0]["published_at"] >= latest["rows"][-1]["published_at"]
    assert {r["statement_id"] for r in changes["rows"]} >= {"mid.ru:1974990"}
    assert all(r["summary"] for r in changes["rows"])
    assert {r["lang"] for r in coverage["rows"]} >= {"ru", "en", "de", "fr", "es"}
    assert {(r["statement_id"], r["lang"]) for r in problems["rows"]} == {("mid.ru:1969120", "ru"),
                                                                        ("mid.ru:1969120", "en")}
    assert missing["rows"] and all(r["missing_lang"] not in r["has_languages"].split() for r in missing["rows"])


def test_foreign_keys_link_versions_changes_and_statements(ds):
    versions, changes = get(ds, "/mw/versions.json?_labels=on&_shape=objects&statement_id=mid.ru:1974990&lang=ru",
                            "/mw/changes.json?_labels=on&_shape=objects&kind=edited&statement_id=mid.ru:1974990")
    link = versions["rows"][0]["statement_id"]
    assert link["value"] == "mid.ru:1974990" and link["label"].startswith("Ответы Министра")
    to_version = changes["rows"][0]["to_version_id"]
    assert to_version["value"] == max(r["id"] for r in versions["rows"])  # the newest version


def test_metadata_descriptions_and_source(ds):
    index, statements, coverage = get(ds, "/", "/mw/statements", "/mw/coverage")
    assert "ministry-watch" in index and "mid.ru" in index
    assert "One row per statement on the site" in statements
    assert "Publication date and time shown on the page" in statements   # a column description
    assert "Statements per language and month of publication" in coverage


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_crawl_serve_starts_datasette_on_localhost(archive_db):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "scheduler.cli", "serve", "--db", str(archive_db), "--port",
                             str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/-/metadata.json", timeout=2) as r:
                    meta = json.load(r)
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
                time.sleep(0.2)
        assert meta["databases"]["mw"]["tables"]["versions"]["description"].startswith("Every distinct text")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/mw/coverage.json?_shape=array", timeout=5) as r:
            assert json.load(r)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert f"http://127.0.0.1:{port}/" in err


def test_serve_without_datasette_says_how_to_install(monkeypatch, archive_db):
    from scheduler import cli_archive
    from scheduler.cli import main

    monkeypatch.setattr(cli_archive, "datasette_installed", lambda: False)
    result = CliRunner().invoke(main, ["serve", "--db", str(archive_db)])
    assert result.exit_code == 2   # ExitCode.USAGE: an option of the extra that is not installed
    assert "pip install 'ministry-watch[serve]'" in result.output
