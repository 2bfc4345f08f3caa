"""`crawl site` (scheduler/reading_room/static_site.py): the reading room as static files, rebuilt incrementally,
every link resolving to a file, hostile text inert; and `crawl run --site-dir` keeping it up to date."""
from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup

from fixtures.mirror import MirrorServer
from scheduler.reading_room import static_site
from store.db import open_db
from tests.helpers import EDITS_AT_ONCE, copy_archive, ok_fetch, record, run_cli
from tests.test_hostile import BIDI, SID as HOSTILE_SID, hostile  # noqa: F401 - the hostile archive fixture

pytestmark = pytest.mark.slow  # the session's archive_db (two full crawls of the mirror), crawl subprocesses


def build(db_path, out, **kw):
    db = open_db(db_path, create=False, readonly=True)
    try:
        return static_site.build_site(db, out, **kw)
    finally:
        db.conn.close()


@pytest.fixture(scope="module")
def site(archive_db, tmp_path_factory):
    out = tmp_path_factory.mktemp("site") / "out"
    result = build(archive_db, out)
    return out, result


def test_the_site_has_every_page(site):
    out, result = site
    assert result.full and result.statements == 36
    for name in ("index.html", "style.css", "changes.atom", "changes/index.html", "changes/p0.html",
                 ".reading-room-build.json"):
        assert (out / name).is_file(), name
    folder = out / "statement/mid.ru/1974990"
    assert sorted(p.name for p in folder.iterdir()) == ["en-v1.html", "en.html", "index.html", "ru-v1.html",
                                                        "ru-v2.html", "ru-vs-en.html", "ru.html"]
    statement = (folder / "index.html").read_text(encoding="utf-8")
    assert "<del>" in statement and "<ins>" in statement and "Cite version 2" in statement
    assert (folder / "ru.html").read_text(encoding="utf-8") == statement == (folder / "ru-v2.html").read_text(encoding="utf-8")
    assert "not the current text" in (folder / "ru-v1.html").read_text(encoding="utf-8")
    assert 'class="align"' in (folder / "ru-vs-en.html").read_text(encoding="utf-8")


def test_every_link_leads_to_a_file_of_the_site(site):
    out, _ = site
    pages = list(out.rglob("*.html"))
    assert len(pages) > 150
    for page in pages:
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        assert not soup.find("form"), page                       # nothing that needs a server
        for tag in soup.find_all(["a", "link"], href=True):
            href = tag["href"]
            if urlsplit(href).scheme in ("http", "https"):
                continue
            assert not href.startswith("/"), (page, href)         # relative: the site can live under any path
            target = (page.parent / href.split("#")[0]).resolve()
            assert target.is_file(), (page.relative_to(out), href)


def test_the_feed_and_change_pages(site):
    out, _ = site
    feed = (out / "changes.atom").read_text(encoding="utf-8")
    assert feed.count("<entry>") == 50 and "tag:ministry-watch,2026:change/" in feed
    index = BeautifulSoup((out / "changes/index.html").read_text(encoding="utf-8"), "html.parser")
    first = BeautifulSoup((out / "changes/p0.html").read_text(encoding="utf-8"), "html.parser")
    ids = [a["id"] for a in index.find_all("article")] + [a["id"] for a in first.find_all("article")]
    assert len(ids) == len(set(ids)) == 76   # every reader change once: 50 on p0, the newest 26 on p1 = index
    assert (out / "changes" / index.find("a", rel="next")["href"]).resolve() == (out / "changes/p0.html").resolve()


def test_a_second_build_rewrites_nothing(archive_db, site):
    out, _ = site
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    result = build(archive_db, out)
    assert not result.full and result.statements == 0
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == before


def test_only_what_changed_is_rebuilt(archive_db, tmp_path, site):
    out, _ = site
    work = copy_archive(archive_db, tmp_path / "db")
    copy = tmp_path / "out"
    import shutil

    shutil.copytree(out, copy)
    from store.pages import record_page

    db = open_db(work)
    rec = record(source_id=1975652, title="О брифинге заместителя Министра (обновлено)",
                 paragraphs=[(None, "Новый текст абзаца.")], section="foreign_policy/news")
    record_page(db, None, rec, ok_fetch(rec))
    db.conn.close()
    result = build(work, copy)
    assert not result.full and result.statements == 1
    assert (copy / "statement/mid.ru/1975652/ru-v2.html").is_file()
    state = json.loads((copy / ".reading-room-build.json").read_text())
    assert state["marks"]["version_id"] > json.loads((out / ".reading-room-build.json").read_text())["marks"]["version_id"]


def test_a_new_fingerprint_rebuilds_everything(archive_db, tmp_path, monkeypatch, site):
    out, _ = site
    import shutil

    shutil.copytree(out, tmp_path / "out")
    monkeypatch.setattr(static_site, "fingerprint", lambda: "another")
    assert build(archive_db, tmp_path / "out").full


def test_site_url_makes_permalinks_absolute(archive_db, tmp_path):
    build(archive_db, tmp_path, site_url="https://example.org/mw/")
    page = (tmp_path / "statement/mid.ru/1974990/index.html").read_text(encoding="utf-8")
    assert "https://example.org/mw/statement/mid.ru/1974990/ru-v2.html" in page
    feed = (tmp_path / "changes.atom").read_text(encoding="utf-8")
    assert 'href="https://example.org/mw/changes.atom" rel="self"' in feed


def test_hostile_text_is_inert_on_the_site(hostile, tmp_path):  # noqa: F811
    build(hostile["db"], tmp_path)
    pages = list(tmp_path.rglob("*.html"))
    assert any(f"/{HOSTILE_SID}/" in str(p) for p in pages)
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert "<script" not in html.lower() and "<img" not in html, page
        assert not re.search(r"<[^>]*\son\w+\s*=", html, re.I), page
        assert not re.search(r"""(href|src)\s*=\s*["']?\s*javascript:""", html, re.I), page
        assert not re.search(f"[{BIDI}\x1b]", html), page


def test_crawl_site_command(archive_db, tmp_path):
    proc = run_cli("site", "--db", str(archive_db), "--out", str(tmp_path / "s"))
    assert "full build, 36 statements" in proc.stderr
    again = run_cli("site", "--db", str(archive_db), "--out", str(tmp_path / "s"))
    assert "incremental build, 0 statements" in again.stderr
    bad = run_cli("site", "--db", str(archive_db), "--out", str(tmp_path / "t"), "--url", "ftp://x", check=False)
    assert bad.returncode == 2 and "--url" in bad.stderr


def test_crawl_run_keeps_the_site_up_to_date(tmp_path):
    db, out = tmp_path / "mw.db", tmp_path / "site"
    with MirrorServer(state="initial") as server:
        args = ["run", "--db", str(db), "--base-url", server.base_url, "--delay", "0", "--timeout", "5",
                "--retries", "1", *EDITS_AT_ONCE, "--section", "news", "--lang", "ru", "--site-dir", str(out)]
        run_cli(*args)
        assert (out / "statement/mid.ru/1974990/index.html").is_file()
        server.set_state("later")
        run_cli(*args, "--recheck", "all")
    assert (out / "statement/mid.ru/1974990/ru-v2.html").is_file()
    assert (out / "statement/mid.ru/1976115/index.html").is_file()   # the new statement
    assert "1 paragraph edited" in (out / "index.html").read_text(encoding="utf-8")
