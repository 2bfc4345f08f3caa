"""Behaviour of the offline mirror (fixtures/mirror/) over HTTP: pages, states, faults, control endpoints, CLI."""
from __future__ import annotations

import http.client
import json
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from fixtures.mirror import MirrorServer

ROOT = Path(__file__).resolve().parents[1]
REAL_QA = "/ru/foreign_policy/news/1974990/"        # real Lavrov Q&A, ru + en
PRESS = "/ru/foreign_policy/news/1975559/"          # real press release, ru only
FIVE = "/ru/press_service/minister_speeches/1963150/"  # authored Q&A in ru en de fr es


@pytest.fixture(scope="module")
def mirror():
    with MirrorServer() as m:
        yield m


@pytest.fixture(autouse=True)
def _reset(request):
    if "mirror" in request.fixturenames:
        m = request.getfixturevalue("mirror")
        m.set_state("initial")
        m.clear_faults()
    yield


def get(base: str, path: str, headers: dict | None = None, timeout: float = 5):
    req = urllib.request.Request(base + path, headers=headers or {})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(req, timeout=timeout) as r:
            return r.status, r.headers, r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode("utf-8")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def title_of(html: str) -> str:
    m = re.search(r'<h1 class="photo-content__title">(?:<span[^>]*></span>)?(.*?)</h1>', html, re.S)
    return m.group(1) if m else ""


def listing_ids(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'class="announce__link[^"]*" href="/[a-z]{2}/[^"]*?/(\d+)/"', html)]


# ---------------------------------------------------------------- articles

def test_article_languages_and_ui(mirror):
    st, h, ru = get(mirror.base_url, REAL_QA)
    assert st == 200 and "text/html" in h["Content-Type"]
    assert ru.startswith("<!DOCTYPE html>") and '<html lang="ru">' in ru and "</html>" in ru
    assert '<div class="page-content page-content_7">' in ru and "С.В.Лавров:" in ru
    assert "1895-08-10-2024" in ru and "08.10.2024" in ru
    st, _, en = get(mirror.base_url, REAL_QA + "?lang=en")
    assert st == 200 and "Sergey Lavrov:" in en and "Question:" in en and "Moscow, October 8, 2024" in title_of(en)
    assert 'lang="ru"' in en  # chrome follows the UI prefix, not ?lang=
    # ui prefix independent of content language
    st, _, en_ui = get(mirror.base_url, "/en/foreign_policy/news/1974990/?lang=ru")
    assert st == 200 and '<html lang="en">' in en_ui and "С.В.Лавров:" in en_ui
    # translation links list exactly the served languages, with the request's UI prefix
    assert re.findall(r"translation__link_(\w+)\" href=\"([^\"]+)\"", en_ui) == [
        ("ru", "/en/foreign_policy/news/1974990/?lang=ru"), ("en", "/en/foreign_policy/news/1974990/?lang=en")]
    # no ?lang=: the content follows the UI prefix
    st, _, en2 = get(mirror.base_url, "/en/foreign_policy/news/1974990/")
    assert st == 200 and "Sergey Lavrov:" in en2


def test_five_language_statement(mirror):
    titles = {}
    for lang in ("ru", "en", "de", "fr", "es"):
        st, _, page = get(mirror.base_url, f"{FIVE}?lang={lang}")
        assert st == 200, lang
        assert sorted(re.findall(r"translation__link_(\w+)", page)) == ["de", "en", "es", "fr", "ru"]
        titles[lang] = title_of(page)
    assert "16 сентября 2024 года" in titles["ru"] and "September 16, 2024" in titles["en"]
    assert "16. September 2024" in titles["de"] and "16 septembre 2024" in titles["fr"]
    assert "16 de septiembre de 2024" in titles["es"]


def test_other_section_paths_and_404s(mirror):
    assert get(mirror.base_url, "/ru/press_service/minister_speeches/1974990/")[0] == 200
    assert get(mirror.base_url, "/ru/press_service/spokesman/briefings/1975319/")[0] == 200
    st, _, body = get(mirror.base_url, "/ru/press_service/spokesman/briefings/1974990/")
    assert st == 404 and "Страница не найдена" in body and "<html" in body
    assert get(mirror.base_url, REAL_QA + "?lang=de")[0] == 404           # missing language
    assert get(mirror.base_url, "/de/foreign_policy/news/1974985/")[0] == 404  # ru-only, ui de
    assert get(mirror.base_url, "/ru/foreign_policy/news/1999999/")[0] == 404  # unknown id
    st, _, body = get(mirror.base_url, "/en/foreign_policy/news/1999999/")
    assert st == 404 and "Page not found" in body
    st, h, _ = get(mirror.base_url, "/ru/foreign_policy/news/1974990")
    assert st == 301 and h["Location"] == REAL_QA


def test_noise_kept_and_stripped(mirror):
    noisy = get(mirror.base_url, REAL_QA)[2]
    assert "masha_index" in noisy and "mejs__container" in noisy
    clean = get(mirror.base_url, PRESS)[2]
    assert "masha_index" not in clean
    briefing = get(mirror.base_url, "/ru/foreign_policy/news/1975319/")[2]
    assert "mejs__" not in briefing and '<video class="video-player__video js-video-player"' in briefing
    assert "Назад к оглавлению" in briefing and 'name="0"' in briefing


def test_conditional_get(mirror):
    st, h, _ = get(mirror.base_url, PRESS)
    etag, lm = h["ETag"], h["Last-Modified"]
    assert etag and lm
    assert get(mirror.base_url, PRESS, {"If-None-Match": etag})[0] == 304
    assert get(mirror.base_url, PRESS, {"If-None-Match": '"other"'})[0] == 200
    assert get(mirror.base_url, PRESS, {"If-Modified-Since": lm})[0] == 304
    assert get(mirror.base_url, PRESS, {"If-Modified-Since": "Mon, 01 Jan 2024 00:00:00 GMT"})[0] == 200


# ---------------------------------------------------------------- listings, robots, rss

@pytest.mark.parametrize("section", ["foreign_policy/news", "press_service/minister_speeches",
                                     "press_service/spokesman/briefings"])
@pytest.mark.parametrize("ui", ["ru", "en"])
def test_listing_paging(mirror, ui, section):
    base = f"/{ui}/{section}/"
    st, _, p1 = get(mirror.base_url, base)
    _, _, p1b = get(mirror.base_url, base + "?PAGEN_1=1")
    _, _, p2 = get(mirror.base_url, base + "?PAGEN_1=2")
    st99, _, p99 = get(mirror.base_url, base + "?PAGEN_1=99")
    assert st == 200 and st99 == 200
    ids1, ids2 = listing_ids(p1), listing_ids(p2)
    assert len(ids1) == 5 and ids2 and not set(ids1) & set(ids2)
    assert listing_ids(p1b) == ids1
    assert listing_ids(p99) == [] and 'class="announce announce_articles"' in p99
    assert ids1 + ids2 == sorted(ids1 + ids2, reverse=True)  # newest first (ids grow with time)
    assert 'class="announce__date">' in p1 and "?PAGEN_1=2" in p1
    if ui == "en":
        assert "announce__link_fix_en" in p1


def test_robots(mirror):
    st, h, body = get(mirror.base_url, "/robots.txt")
    assert st == 200 and h["Content-Type"].startswith("text/plain")
    assert "Disallow: /*?PAGEN" in body and "asset_publisher" in body


def test_rss(mirror):
    for lang in ("ru", "en", "de", "fr", "es"):
        st, h, body = get(mirror.base_url, f"/{lang}/rss.php")
        assert st == 200 and "xml" in h["Content-Type"]
        items = ET.fromstring(body.encode()).findall("./channel/item")
        assert items, lang
        for it in items:
            for tag in ("title", "link", "description", "pubDate", "guid"):
                assert it.find(tag) is not None and it.find(tag).text, (lang, tag)
            assert it.find("link").text.startswith(mirror.base_url + f"/{lang}/")


# ---------------------------------------------------------------- states

def test_states(mirror):
    qa_ru = get(mirror.base_url, REAL_QA)[2]
    interview_en = title_of(get(mirror.base_url, "/en/press_service/minister_speeches/1968405/")[2])
    assert get(mirror.base_url, "/ru/foreign_policy/news/1976115/")[0] == 404
    assert get(mirror.base_url, "/en/foreign_policy/news/1969120/")[0] == 200

    mirror.set_state("later")
    later_ru = get(mirror.base_url, REAL_QA)[2]
    assert later_ru != qa_ru and "Таких в Европе сейчас немного." in later_ru
    assert get(mirror.base_url, REAL_QA + "?lang=en")[0] == 200
    new_title = title_of(get(mirror.base_url, "/en/press_service/minister_speeches/1968405/")[2])
    assert new_title != interview_en and new_title.replace("“", '&quot;').replace("”", '&quot;') == interview_en.replace('"', "&quot;")
    for lang in ("ru", "en"):
        assert get(mirror.base_url, f"/{lang}/foreign_policy/news/1969120/?lang={lang}")[0] == 404
        assert get(mirror.base_url, f"/{lang}/foreign_policy/news/1976115/")[0] == 200
    assert 1976115 in listing_ids(get(mirror.base_url, "/ru/foreign_policy/news/")[2])
    assert "/ru/foreign_policy/news/1976115/" in get(mirror.base_url, "/ru/rss.php")[2]
    st, _, ch = get(mirror.base_url, "/ru/foreign_policy/news/1975354/")
    assert st == 200 and "Data processing... Please, wait." in ch

    mirror.set_state("restored")
    assert get(mirror.base_url, "/en/foreign_policy/news/1969120/")[0] == 200
    assert "Таких в Европе сейчас немного." in get(mirror.base_url, REAL_QA)[2]

    mirror.set_state("flap")
    a, b = get(mirror.base_url, REAL_QA)[2], get(mirror.base_url, REAL_QA)[2]
    assert a != b and get(mirror.base_url, REAL_QA)[2] == a


def test_in_memory_state(mirror):
    mirror.add_state("tmp-gone", {"remove": [1975559]})
    mirror.set_state("tmp-gone")
    assert get(mirror.base_url, PRESS)[0] == 404
    mirror.set_state("initial")
    assert get(mirror.base_url, PRESS)[0] == 200


def test_last_modified_moves_with_edit(mirror):
    lm1 = get(mirror.base_url, REAL_QA)[1]["Last-Modified"]
    mirror.set_state("later")
    h = get(mirror.base_url, REAL_QA)[1]
    assert h["Last-Modified"] != lm1
    assert get(mirror.base_url, REAL_QA, {"If-Modified-Since": lm1})[0] == 200


# ---------------------------------------------------------------- faults

@pytest.mark.parametrize("code", [404, 410, 500, 502, 503])
def test_status_faults(mirror, code):
    mirror.set_fault(PRESS, str(code), times=1)
    assert get(mirror.base_url, PRESS)[0] == code
    assert get(mirror.base_url, PRESS)[0] == 200


def test_429_retry_after_and_always(mirror):
    mirror.set_fault(PRESS, "429", retry_after=7)
    for _ in range(3):
        st, h, _ = get(mirror.base_url, PRESS)
        assert st == 429 and h["Retry-After"] == "7"
    mirror.clear_faults()
    assert get(mirror.base_url, PRESS)[0] == 200


def test_timeout_fault(mirror):
    mirror.set_fault(PRESS, "timeout", times=1, delay=1.5)
    t = time.monotonic()
    with pytest.raises((socket.timeout, TimeoutError, urllib.error.URLError)):
        get(mirror.base_url, PRESS, timeout=0.3)
    assert time.monotonic() - t < 1.4
    assert get(mirror.base_url, PRESS)[0] == 200


@pytest.mark.parametrize("mode", ["reset", "truncate"])
def test_broken_body_faults(mirror, mode):
    mirror.set_fault(PRESS, mode, times=1)
    conn = http.client.HTTPConnection("127.0.0.1", mirror.port, timeout=5)
    conn.request("GET", PRESS)
    resp = conn.getresponse()
    assert resp.status == 200
    with pytest.raises((http.client.IncompleteRead, ConnectionResetError)):
        resp.read()
    conn.close()
    assert get(mirror.base_url, PRESS)[0] == 200


@pytest.mark.parametrize("variant,marker", [("data_processing", "Data processing... Please, wait."),
                                            ("tspd", 'window["bobcmn"]')])
def test_challenge_fault(mirror, variant, marker):
    mirror.set_fault(PRESS, "challenge", times=2, variant=variant)
    for _ in range(2):
        st, _, body = get(mirror.base_url, PRESS)
        assert st == 200 and marker in body and "photo-content" not in body
    if variant == "tspd":
        assert "/TSPD/" in body
    assert "photo-content" in get(mirror.base_url, PRESS)[2]


def test_redirect_faults(mirror):
    mirror.set_fault(PRESS, "redirect_home")
    st, h, _ = get(mirror.base_url, PRESS)
    assert st == 302 and h["Location"] == "/ru/"
    mirror.set_fault(PRESS, "redirect_listing")
    st, h, _ = get(mirror.base_url, PRESS)
    assert st == 302 and h["Location"] == "/ru/foreign_policy/news/"


def test_keep_alive_and_request_log(mirror):
    mirror.clear_requests()
    conn = http.client.HTTPConnection("127.0.0.1", mirror.port, timeout=5)
    for path in (PRESS, "/robots.txt", PRESS + "?lang=en"):
        conn.request("GET", path)
        r = conn.getresponse()
        r.read()
        assert r.version == 11 and r.getheader("Content-Length")
    conn.close()
    assert mirror.requests == [("GET", PRESS, 200), ("GET", "/robots.txt", 200), ("GET", PRESS + "?lang=en", 404)]


# ---------------------------------------------------------------- control endpoints and CLI

def post(base: str, path: str):
    req = urllib.request.Request(base + path, data=b"", method="POST")
    with urllib.request.urlopen(req, timeout=5) as r:
        return json.loads(r.read())


def test_http_control(mirror):
    assert post(mirror.base_url, "/__mirror__/state?name=later")["state"] == "later"
    assert mirror.state == "later"
    post(mirror.base_url, f"/__mirror__/fault?path={PRESS}&mode=503&times=1")
    assert get(mirror.base_url, PRESS)[0] == 503
    post(mirror.base_url, f"/__mirror__/fault?path={PRESS}&mode=429&retry_after=3")
    assert get(mirror.base_url, PRESS)[1]["Retry-After"] == "3"
    post(mirror.base_url, "/__mirror__/clear")
    assert get(mirror.base_url, PRESS)[0] == 200
    log = json.loads(get(mirror.base_url, "/__mirror__/requests")[2])
    assert ["GET", PRESS, 503] in log and all(not p.startswith("/__mirror__") for _, p, _ in log)
    req = urllib.request.Request(mirror.base_url + "/__mirror__/state?name=nope", data=b"", method="POST")
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(req, timeout=5)
    assert exc.value.code == 400


def test_cli_prints_url_and_stops_on_sigterm():
    proc = subprocess.Popen([sys.executable, "-m", "fixtures.mirror", "--port", "0", "--state", "later"],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", line)
        st, _, body = get(line, "/ru/foreign_policy/news/1976115/")
        assert st == 200
    finally:
        proc.terminate()
        assert proc.wait(timeout=5) == 0


# ---------------------------------------------------------------- faults added for the reliability suite

def raw_get(mirror, path):
    conn = http.client.HTTPConnection("127.0.0.1", mirror.port, timeout=5)
    conn.request("GET", path)
    r = conn.getresponse()
    body = r.read()
    conn.close()
    return r.status, r.getheader("Content-Type"), r.getheader("Location"), body


@pytest.mark.parametrize("mode,ctype,encoding,meta", [
    ("wrong_charset", "text/html; charset=iso-8859-1", "utf-8", b'<meta charset="iso-8859-1">'),
    ("no_charset", "text/html", "utf-8", None),
    ("cp1251", "text/html; charset=windows-1251", "cp1251", b'<meta charset="windows-1251">'),
    ("cp1251_undeclared", "text/html", "cp1251", None),
])
def test_charset_faults(mirror, mode, ctype, encoding, meta):
    _, _, _, normal = raw_get(mirror, PRESS)
    mirror.set_fault(PRESS, mode, times=1)
    # Validators are ignored: a conditional request still gets the re-encoded full page.
    st, got_ctype, _, body = raw_get(mirror, PRESS)
    assert st == 200 and got_ctype == ctype
    assert body.decode(encoding) == normal.decode("utf-8").replace(
        '<meta charset="UTF-8">', meta.decode() if meta else "")
    if meta is None:
        assert b"<meta charset" not in body
    assert raw_get(mirror, PRESS)[3] == normal


def test_mojibake_fault_is_valid_utf8_of_misread_text(mirror):
    mirror.set_fault(PRESS, "mojibake", times=1)
    _, ctype, _, body = raw_get(mirror, PRESS)
    text = body.decode("utf-8")
    assert "charset=utf-8" in ctype and "Ð" in text and "Сообщени" not in text


def test_huge_fault(mirror):
    mirror.set_fault(PRESS, "huge", times=1)
    st, _, _, body = raw_get(mirror, PRESS)
    assert st == 200 and len(body) >= 10 * 1024 * 1024
    assert "photo-content__title" in body.decode() and body.rstrip().endswith(b"</html>")
    mirror.set_fault(PRESS, "huge", times=1, size=50_000)
    assert 50_000 <= len(raw_get(mirror, PRESS)[3]) < 60_000


def test_soft404_and_empty_faults(mirror):
    mirror.set_fault(PRESS, "soft404", times=1)
    st, _, _, body = raw_get(mirror, PRESS)
    assert st == 200 and "Страница не найдена" in body.decode()
    mirror.set_fault(PRESS, "empty", times=1)
    st, _, _, body = raw_get(mirror, PRESS)
    assert st == 200 and body == b""
    assert raw_get(mirror, PRESS)[0] == 200


def test_redirect_loop_and_offsite_faults(mirror):
    mirror.set_fault(PRESS, "redirect_loop")
    st, _, loc, _ = raw_get(mirror, PRESS + "?lang=ru")
    assert st == 302 and loc == PRESS + "?lang=ru&loop=1"
    st, _, loc, _ = raw_get(mirror, PRESS + "?lang=ru&loop=1")
    assert st == 302 and loc == PRESS + "?lang=ru"
    mirror.set_fault(PRESS, "redirect_offsite")
    st, _, loc, _ = raw_get(mirror, PRESS + "?lang=ru")
    assert st == 302 and loc == "http://evil.example" + PRESS + "?lang=ru"
    mirror.set_fault(PRESS, "offsite", host="localhost:1", target="/x/")
    assert raw_get(mirror, PRESS)[2] == "http://localhost:1/x/"


def test_unknown_fault_mode_is_refused(mirror):
    with pytest.raises(ValueError):
        mirror.set_fault(PRESS, "gremlins")
