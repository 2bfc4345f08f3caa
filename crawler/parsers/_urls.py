"""URL helpers shared by the parsers (private)."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urljoin, urlsplit, urlunsplit

MID_HOSTS = frozenset({"mid.ru", "www.mid.ru"})
_LANG_RE = re.compile(r"^[a-z]{2}$")
_ID_IN_PATH = re.compile(r"/(\d{6,8})(?:/|$)")


def absolute(base: str, href: str) -> str:
    """``href`` made absolute against ``base``, keeping ``base``'s scheme and host for links
    to mid.ru itself (so a crawl against a mirror at http://127.0.0.1:PORT stays there)."""
    joined = urljoin(base, href.strip())
    b = urlsplit(base)
    j = urlsplit(joined)
    if j.scheme in ("http", "https") and j.hostname in MID_HOSTS and j.netloc != b.netloc \
            and b.scheme in ("http", "https"):
        joined = urlunsplit((b.scheme, b.netloc, j.path, j.query, j.fragment))
    return joined


def query_lang(url: str) -> str | None:
    """The ``?lang=`` value of a URL if it looks like a language code."""
    values = parse_qs(urlsplit(url).query).get("lang")
    if values:
        v = values[0].strip().lower()
        if _LANG_RE.match(v):
            return v
    return None


def query_id(url: str) -> int | None:
    """The ``?id=`` value (print/TV links) if it is a 6-8 digit number."""
    values = parse_qs(urlsplit(url).query).get("id")
    if values and re.fullmatch(r"\d{6,8}", values[0].strip()):
        return int(values[0].strip())
    return None


def path_id(url: str) -> int | None:
    """The last 6-8 digit path segment of a URL."""
    ids = _ID_IN_PATH.findall(urlsplit(url).path)
    return int(ids[-1]) if ids else None
