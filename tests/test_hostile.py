"""Hostile content and hostile links: escaped everywhere, and the crawler never leaves the configured host.

A statement added to the mirror carries <script>, event-handler attributes, javascript: links, bidi
overrides, zero-width joiners and a raw ESC sequence in its text, then is edited. The HTML diff, the Atom
feed and the terminal output must show it as inert text. Its page also offers links and translation links
to other hosts, and another article redirects to another host: a second local server, reachable under
the name `localhost`, stands in for those hosts and must receive nothing.
"""
from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from fixtures.mirror import MirrorServer
from tests.helpers import EDITS_AT_ONCE

SID = 1976201
PATH = f"/ru/foreign_policy/news/{SID}/"
BIDI = "\u202e\u202d\u202a\u202b\u202c\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"
UNSAFE_TERMINAL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f" + BIDI + INVISIBLE + "]")


def body(edit: str, other: str) -> str:
    # Text as it arrives in the page (entities decode to the characters a browser would show).
    return f"""
<p>Заявление МИД. Текст с тегом &lt;script&gt;alert("xss")&lt;/script&gt; и {edit} словами.</p>
<p onclick="alert(1)" onmouseover="steal()">Ссылка <a href="javascript:alert(document.cookie)">нажмите здесь</a>,
и <a href="http://{other}/ru/foreign_policy/news/1975559/">другой сайт</a>, и <img src=x onerror="alert(2)">.</p>
<script>document.write("<b>injected</b>")</script>
<p>Подмена направления: abc\u202egnp.exe\u202c, изоляция \u2066слово\u2069, соединитель a\u200db, \u200bневидимый.</p>
<p>Управляющая последовательность: \x1b[31mкрасный\x1b[0m \x1b]0;title\x07 конец.</p>
<div class="translation"><a class="translation__link translation__link_en" href="http://{other}/ru/foreign_policy/news/{SID}/?lang=en"></a></div>
"""


def crawl(*args: str) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "scheduler.cli", *args], capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    return proc


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    db, atom = str(tmp / "h.db"), tmp / "changes.atom"
    with MirrorServer(state="initial") as elsewhere, MirrorServer(state="initial") as server:
        other = f"localhost:{elsewhere.port}"   # another host name: must never be contacted
        statement = {"id": SID, "sections": ["foreign_policy/news"], "date": "2024-10-14", "time": "15:00",
                     "doc": "1932-14-10-2024", "langs": {"ru": {
                         "title": "Заявление <script>alert('t')</script> \u202eтитул\u202c", "body": f"bodies/{SID}.ru.html"}}}
        server.add_state("hostile", {"add": [statement]},
                         files={f"bodies/{SID}.ru.html": body("старыми", other)})
        server.add_state("hostile2", {"base": "hostile", "updated": "2024-10-15T10:00:00+03:00"},
                         files={f"bodies/{SID}.ru.html": body("новыми\u202e \x1b[2J", other)})
        server.set_state("hostile")
        # Another known article answers with a redirect to the other host.
        server.set_fault("/ru/foreign_policy/news/1975559/", "redirect_offsite", host=other)
        base = ["--db", db, "--base-url", server.base_url, "--delay", "0", "--timeout", "2", "--retries", "1",
                *EDITS_AT_ONCE,
                "--section", "news", "--lang", "ru", "--lang", "en", "--atom", str(atom)]
        crawl("run", *base)
        server.set_state("hostile2")
        crawl("run", *base, "--recheck", "all")
        requests, foreign = list(server.requests), list(elsewhere.requests)
    return {"db": db, "atom": atom, "requests": requests, "foreign": foreign, "other": other}


@pytest.mark.slow
def test_the_edit_was_detected(hostile):
    conn = sqlite3.connect(hostile["db"])
    kinds = conn.execute("SELECT kind FROM changes WHERE statement_id=?", (f"mid.ru:{SID}",)).fetchall()
    conn.close()
    assert sorted(k for (k,) in kinds) == ["edited", "new"]


@pytest.mark.slow
def test_html_diff_is_inert(hostile):
    html = crawl("diff", str(SID), "--db", hostile["db"], "--format", "html").stdout.decode("utf-8")
    assert "<del>старыми</del>" in html and "<ins>новыми" in html
    assert not re.search(r"<\s*script", html, re.I)
    assert not re.search(r"<[^>]*\son\w+\s*=", html, re.I)        # no event-handler attribute
    assert not re.search(r"""(href|src)\s*=\s*["']?\s*javascript:""", html, re.I)
    assert "&lt;script&gt;" in html                                   # shown as text
    assert not re.search(f"[{BIDI}\x1b]", html)                       # bidi controls and ESC never raw


@pytest.mark.slow
def test_atom_feed_is_inert(hostile):
    raw = hostile["atom"].read_bytes()
    root = ET.fromstring(raw)                                          # well-formed XML
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = root.findall("a:entry", ns)
    assert entries
    for entry in entries:
        assert any(el.get("type") == "html" for el in entry.iter())
        for el in entry.iter():
            text = (el.text or "") + "".join(el.attrib.values())
            assert not re.search(f"[{BIDI}\x1b]", text), el.tag
            if el.get("type") != "html":
                continue   # a text construct: "<script>" in it is text by definition (and XML-escaped)
            # HTML content is escaped once inside XML: after XML parsing it must still hold no live markup.
            assert not re.search(r"<\s*script", text, re.I), el.tag
            assert not re.search(r"<[^>]*\son\w+\s*=", text, re.I), el.tag
            assert not re.search(r"""(href|src)\s*=\s*["']?\s*javascript:""", text, re.I), el.tag
            assert not re.search(f"[{BIDI}\x1b]", text), el.tag


@pytest.mark.slow
@pytest.mark.parametrize("args", [["diff", str(SID)], ["changes", "--diff"], ["changes"], ["status"]])
def test_terminal_output_has_no_control_characters(hostile, args):
    out = crawl(*args, "--db", hostile["db"]).stdout.decode("utf-8")
    assert out.strip()
    assert not UNSAFE_TERMINAL.search(out), repr(UNSAFE_TERMINAL.search(out).group())


@pytest.mark.slow
def test_changes_json_is_valid_and_escaped(hostile):
    out = crawl("changes", "--json", "--db", hostile["db"]).stdout.decode("utf-8")
    changes = [json.loads(line) for line in out.splitlines()]
    assert "\x1b" not in out
    # The hostile statement's two changes are there: its title as the page had it (JSON carries data, not
    # terminal text), the ESC of the edit shown as a visible mark in the stored diff.
    hostile_changes = {c["kind"]: c for c in changes if c["statement_id"] == f"mid.ru:{SID}"}
    assert sorted(hostile_changes) == ["edited", "new"]
    assert hostile_changes["new"]["title"] == "Заявление <script>alert('t')</script> \u202eтитул\u202c"
    assert "{+новыми⟨U+202E⟩ ⟨U+001B⟩[2J+}" in hostile_changes["edited"]["diff"]


@pytest.mark.slow
def test_crawler_never_leaves_the_configured_host(hostile):
    assert hostile["foreign"] == []                                    # nothing reached the other host
    paths = [p for _, p, _ in hostile["requests"]]
    # The redirect to the other host was not followed; the offered English "translation" was looked up
    # on the configured host only (and does not exist there).
    assert f"{PATH}?lang=en" in paths
    conn = sqlite3.connect(hostile["db"])
    offsite = conn.execute("SELECT error FROM fetches WHERE outcome='offsite'").fetchall()
    hosts = {h for (url,) in conn.execute("SELECT url FROM fetches") for h in re.findall(r"//([^/]+)/", url)}
    conn.close()
    assert offsite and all(hostile["other"] in e for (e,) in offsite)
    assert len(hosts) == 1 and hostile["other"] not in hosts


def test_serve_listens_on_loopback_by_default():
    """`crawl serve` (Datasette) binds 127.0.0.1 unless told otherwise."""
    from scheduler import cli

    serve = cli.main.commands["serve"]
    assert [p.default for p in serve.params if p.name == "host"] == ["127.0.0.1"]
