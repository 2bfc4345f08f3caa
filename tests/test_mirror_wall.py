"""fixtures/mirror/wall.py: the script challenge only a client running its script passes (checked here without a
browser: the cookie computed as the script computes it)."""
from __future__ import annotations

import re
import urllib.request

import pytest

from crawler.parsers import is_challenge
from fixtures.mirror import MirrorServer
from fixtures.mirror.wall import COOKIE, SCRIPT_PATH, fnv1a

PAGE = "/ru/foreign_policy/news/1975559/"
UA = "Test-Agent/1.0"


@pytest.fixture
def mirror():
    with MirrorServer() as server:
        yield server


def get(server, path, **headers):
    request = urllib.request.Request(server.url(path), headers={"User-Agent": UA, **headers})
    with urllib.request.urlopen(request) as response:
        return response.status, response.read().decode("utf-8")


def earned_cookie(page: str, user_agent: str = UA) -> str:
    """What the wall's script would set: the page's nonce and FNV-1a of nonce|User-Agent."""
    nonce = re.search(r'TSPD_NONCE = "([0-9a-f]+)"', page).group(1)
    return f"{COOKIE}={nonce}.{fnv1a(f'{nonce}|{user_agent}')}"


def test_without_the_script_a_client_only_ever_gets_the_interstitial(mirror):
    mirror.set_fault("/*", "script_challenge")
    for _ in range(3):
        status, page = get(mirror, PAGE)
        assert status == 200 and is_challenge(page)
        assert 'window["bobcmn"]' in page and "Data processing... Please, wait." in page and SCRIPT_PATH in page
    # A cookie the wall never issued, or one the mirror's own static challenge sets, opens nothing.
    assert is_challenge(get(mirror, PAGE, Cookie=f"{COOKIE}=0123456789abcdef.00000000")[1])
    assert is_challenge(get(mirror, PAGE, Cookie="TS01a2b3c4=01e4f5a6b7c8d9e0")[1])


def test_the_cookie_the_script_computes_opens_the_site_for_that_client_only(mirror):
    mirror.set_fault("/*", "script_challenge")
    cookie = earned_cookie(get(mirror, PAGE)[1])
    status, page = get(mirror, PAGE, Cookie=cookie)
    assert status == 200 and not is_challenge(page) and "article-content" in page
    assert not is_challenge(get(mirror, "/en/foreign_policy/news/", Cookie=cookie)[1])   # every page, not one
    assert is_challenge(get(mirror, PAGE, Cookie=cookie, **{"User-Agent": "Another/2.0"})[1])


def test_strict_the_cookie_admits_only_a_browsers_navigation(mirror):
    mirror.set_fault("/*", "script_challenge", strict=1)
    cookie = earned_cookie(get(mirror, PAGE)[1])
    assert is_challenge(get(mirror, PAGE, Cookie=cookie)[1])
    assert not is_challenge(get(mirror, PAGE, Cookie=cookie, **{"Sec-Fetch-Mode": "navigate"})[1])


def test_robots_and_the_walls_script_are_never_walled(mirror):
    mirror.set_fault("/*", "script_challenge", beacon="http://elsewhere.example")
    assert "Disallow" in get(mirror, "/robots.txt")[1]
    status, script = get(mirror, SCRIPT_PATH + "?type=9")
    assert status == 200 and "document.cookie" in script and "location.reload" in script
    assert "http://elsewhere.example/beacon.gif" in get(mirror, PAGE)[1]


def test_fnv1a_is_the_known_function():
    # FNV-1a 32-bit test vectors.
    assert fnv1a("") == "811c9dc5" and fnv1a("a") == "e40c292c" and fnv1a("foobar") == "bf9cf968"
