"""`crawl changes`, `crawl diff` and `crawl status` in-process (click's CliRunner) against a database built
with the store's own functions at fixed times: filters, --json, --diff, the formats, and exit statuses."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from click.testing import CliRunner, Result

from scheduler.cli import main
from scheduler.detect import DeletionRule, detect_changes
from store.db import SCHEMA_VERSION, open_db
from store.exit_codes import ExitCode
from store.fetches import record_fetch
from store.pages import record_page
from store.runs import finish_run, start_run
from tests.helpers import fetch, ok_fetch, query, record

EDITED, GONE, FAILING, PENDING = 1975001, 1975002, 1975003, 1975004
DAY1, DAY2, DAY3 = "2024-10-10T08:00:00+00:00", "2024-10-11T08:00:00+00:00", "2024-10-12T08:00:00+00:00"
AT_ONCE = DeletionRule(checks=1, span=timedelta(0))
FIRST = [(None, "Министр провёл переговоры."), (None, "Стороны обсудили сотрудничество.")]
EDIT = [(None, "Министр провёл переговоры."), (None, "Стороны подробно обсудили сотрудничество.")]


def _run(db, now: str, pages=(), fetches=(), rule: DeletionRule = AT_ONCE) -> None:
    run = start_run(db, command="run", base_url="https://mid.ru", now=now)
    for rec in pages:
        record_page(db, run, rec, ok_fetch(rec), now=now)
    for f in fetches:
        record_fetch(db, run, f, now=now)
    detect_changes(db, run, rule, now=now)
    finish_run(db, run, "ok", now=now)


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> str:
    """Three runs a day apart: two statements new, then an edit, a cosmetic edit, a deletion, a new
    statement; then the deletion restored, one variant failing three times, one answering 404 once."""
    path = tmp_path_factory.mktemp("cli-read") / "mw.db"
    db = open_db(path)
    ru, en = record(EDITED, "ru", "Переговоры", FIRST), record(EDITED, "en", 'The "talks"', [(None, "Talks.")])
    gone = record(GONE, "ru", "Комментарий")
    _run(db, DAY1, [ru, en, gone])
    _run(db, DAY2, [record(EDITED, "ru", "Переговоры", EDIT), record(EDITED, "en", "The «talks»", [(None, "Talks.")]),
                    record(FAILING, "ru", "Брифинг"), record(PENDING, "ru", "Заявление")],
         [fetch(GONE, "ru", "gone", 404)])
    _run(db, DAY3, [gone], [fetch(FAILING, "ru", "timeout")] * 3 + [fetch(PENDING, "ru", "gone", 404)],
         rule=DeletionRule())
    db.conn.close()
    return str(path)


def crawl(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def ok(*args: str) -> str:
    result = crawl(*args)
    assert result.exit_code == ExitCode.OK, (result.output, result.exception)
    return result.stdout


def change_lines(db: str, *args: str) -> list[list[str]]:
    """`crawl changes` lines, each split into its first fields: time, kind, statement, [lang] (cosmetic)."""
    return [line.split()[:5] for line in ok("changes", "--db", db, *args).splitlines()]


# ------------------------------------------------------------------------------ crawl changes

def test_changes_lists_every_change_newest_first(archive):
    lines = change_lines(archive)
    assert [(t, kind, sid, lang) for t, kind, sid, lang, *_ in lines] == [
        (DAY3, "restored", f"mid.ru:{GONE}", "[ru]"),
        (DAY2, "new", f"mid.ru:{PENDING}", "[ru]"),
        (DAY2, "new", f"mid.ru:{FAILING}", "[ru]"),
        (DAY2, "deleted", f"mid.ru:{GONE}", "[ru]"),
        (DAY2, "edited", f"mid.ru:{EDITED}", "[ru]"),
        (DAY2, "edited", f"mid.ru:{EDITED}", "[en]"),
        (DAY1, "new", f"mid.ru:{GONE}", "[ru]"),
        (DAY1, "new", f"mid.ru:{EDITED}", "[ru]"),
        (DAY1, "new", f"mid.ru:{EDITED}", "[en]"),
    ]
    assert len(lines) == query(archive, "SELECT count(*) FROM changes")[0][0]
    # Only the quote-style edit is flagged cosmetic.
    assert [line[4] == "(cosmetic)" for line in lines if line[1] == "edited"] == [False, True]


@pytest.mark.parametrize("args, expected", [
    (["--kind", "edited"], {("edited", EDITED, "en"), ("edited", EDITED, "ru")}),
    (["--kind", "deleted", "--kind", "restored"], {("deleted", GONE, "ru"), ("restored", GONE, "ru")}),
    (["--lang", "en"], {("new", EDITED, "en"), ("edited", EDITED, "en")}),
    (["--since", "2024-10-12"], {("restored", GONE, "ru")}),
    (["--since", "2024-10-11", "--kind", "new"], {("new", FAILING, "ru"), ("new", PENDING, "ru")}),
    (["--limit", "2"], {("restored", GONE, "ru"), ("new", PENDING, "ru")}),
    (["--since", "2024-10-13"], set()),
])
def test_changes_filters(archive, args, expected):
    got = {(c["kind"], int(c["statement_id"].split(":")[1]), c["lang"])
           for c in map(json.loads, ok("changes", "--db", archive, "--json", *args).splitlines())}
    assert got == expected
    text = change_lines(archive, *args)
    assert {(kind, int(sid.split(":")[1]), lang.strip("[]")) for _, kind, sid, lang, *_ in text} == expected


def test_changes_json_carries_each_row_once(archive):
    rows = [json.loads(line) for line in ok("changes", "--db", archive, "--json").splitlines()]
    assert [r["id"] for r in rows] == [i for (i,) in query(archive, "SELECT id FROM changes ORDER BY id DESC")]
    edit = next(r for r in rows if r["kind"] == "edited" and r["lang"] == "ru")
    assert (edit["from_version"], edit["to_version"], edit["cosmetic"]) == (1, 2, 0)
    assert edit["title"] == "Переговоры" and edit["url"].endswith(f"/{EDITED}/?lang=ru")
    assert "подробно" in edit["diff"]


def test_changes_diff_shows_the_text_of_edits_only(archive):
    plain = ok("changes", "--db", archive, "--kind", "edited")
    with_diff = ok("changes", "--db", archive, "--kind", "edited", "--diff")
    assert "~ Стороны {+подробно +}обсудили сотрудничество." in with_diff and "подробно" not in plain
    assert len(with_diff.splitlines()) > len(plain.splitlines()) == 2
    new_only = ok("changes", "--db", archive, "--kind", "new", "--diff")
    # A new statement has no diff to show: one line each.
    assert len(new_only.splitlines()) == query(archive, "SELECT count(*) FROM changes WHERE kind='new'")[0][0] == 5


@pytest.mark.parametrize("args, needle", [(["--since", "yesterday"], "not a date"), (["--kind", "moved"], "moved"),
                                           (["--limit", "-1"], "--limit")])
def test_changes_bad_options_are_usage_errors(archive, args, needle):
    result = crawl("changes", "--db", archive, *args)
    assert result.exit_code == ExitCode.USAGE and needle in result.stderr


# ------------------------------------------------------------------------------ crawl diff

def test_diff_text_of_the_latest_edit(archive):
    out = ok("diff", str(EDITED), "--db", archive)
    assert out.splitlines()[0] == f"mid.ru:{EDITED} [ru] version 1 -> 2"
    assert "~ Стороны {+подробно +}обсудили сотрудничество." in out and "\x1b" not in out      # not a terminal: no colour
    assert ok("diff", f"mid.ru:{EDITED}", "--db", archive, "--lang", "ru") == out


def test_diff_of_another_language_and_explicit_versions(archive):
    out = ok("diff", str(EDITED), "--db", archive, "--lang", "en")
    assert out.splitlines()[0] == f"mid.ru:{EDITED} [en] version 1 -> 2"
    assert '~ The [-"-]{+«+}talks[-"-]{+»+}' in out
    same = ok("diff", str(EDITED), "--db", archive, "--from", "2", "--to", "2")
    assert same.split("\n")[:2] == [f"mid.ru:{EDITED} [ru] version 2 -> 2", "no textual change"]


def test_diff_json_and_html(archive):
    data = json.loads(ok("diff", str(EDITED), "--db", archive, "--format", "json"))
    assert [op["kind"] for op in data["ops"] if op["kind"] != "equal"] == ["changed"]
    page = ok("diff", str(EDITED), "--db", archive, "--format", "html")
    assert page.lstrip().lower().startswith("<!doctype html>")
    assert "Стороны <ins>подробно </ins>обсудили" in page and "<del>" not in page


@pytest.mark.parametrize("args, message", [
    (["42"], "no ru variant of mid.ru:42"),
    ([str(EDITED), "--lang", "de"], f"no de variant of mid.ru:{EDITED}"),
    ([str(EDITED), "--to", "3"], f"mid.ru:{EDITED} [ru] has versions 1..2"),
])
def test_diff_of_what_the_archive_lacks_is_not_found(archive, args, message):
    result = crawl("diff", *args, "--db", archive)
    assert result.exit_code == ExitCode.NOT_FOUND, (args, result.output)
    assert [line for line in result.stderr.splitlines() if line] == [f"Error: {message}" + (
        f" in {archive}" if message.startswith("no ") else "")]
    assert result.stdout == ""


# ------------------------------------------------------------------------------ crawl status

def test_status_shows_runs_archive_and_what_needs_attention(archive):
    out = ok("status", "--db", archive)
    lines = out.splitlines()
    assert lines[0] == "Last runs"
    runs = [line.split() for line in lines[3:6]]
    assert [(r[0], r[1], r[2], r[3]) for r in runs] == [("3", "run", "ok", DAY3), ("2", "run", "ok", DAY2),
                                                       ("1", "run", "ok", DAY1)]
    assert "Archive: 4 active and 0 deleted statements, 7 versions" in out
    assert "  variants by language: ru 4, en 1" in lines
    assert f"  mid.ru:{PENDING} [ru] last answered 'gone' at {DAY3}" in lines
    assert f"  mid.ru:{FAILING} [ru] 3 checks in a row: timeout (last {DAY3})" in lines


def test_status_limits_the_runs_shown(archive):
    out = ok("status", "--db", archive, "--runs", "1")
    table = out.split("\n\n")[0].splitlines()
    assert len(table) == 4 and table[3].split()[0] == "3"
    assert crawl("status", "--db", archive, "--runs", "0").exit_code == ExitCode.USAGE


def test_status_of_an_empty_database(tmp_path):
    open_db(tmp_path / "empty.db").conn.close()
    out = ok("status", "--db", str(tmp_path / "empty.db"))
    assert out.splitlines()[:2] == ["Last runs", "  (no runs yet)"]
    assert "Archive: 0 active and 0 deleted statements, 0 versions" in out


# ------------------------------------------------------------------------------ unusable databases

READ_COMMANDS = {"changes": ["changes"], "diff": ["diff", str(EDITED)], "status": ["status"]}


def _fatal(result: Result, *needles: str) -> None:
    assert result.exit_code == ExitCode.FATAL, (result.output, result.exception)
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and errors[0].startswith("Error: "), result.stderr
    assert all(n in errors[0] for n in needles), errors[0]
    assert result.stdout == ""


@pytest.mark.parametrize("command", list(READ_COMMANDS))
def test_a_file_that_is_not_a_database_is_fatal(command, tmp_path):
    path = tmp_path / "notes.db"
    path.write_bytes(b"not a database, a shopping list\n" * 200)
    before = path.read_bytes()
    _fatal(crawl(*READ_COMMANDS[command], "--db", str(path)), str(path))
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["notes.db"]


@pytest.mark.parametrize("command", list(READ_COMMANDS))
def test_a_missing_database_is_fatal_and_not_created(command, tmp_path):
    path = tmp_path / "missing.db"
    _fatal(crawl(*READ_COMMANDS[command], "--db", str(path)), "does not exist")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", list(READ_COMMANDS))
def test_a_newer_schema_is_fatal(command, tmp_path):
    path = tmp_path / "future.db"
    db = open_db(path)
    db.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.conn.close()
    _fatal(crawl(*READ_COMMANDS[command], "--db", str(path)), "newer")
