"""URL helpers of the crawl: one configured host, the content language in ?lang=, article ids and landing pages."""
from __future__ import annotations

import re

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from crawler import sections


def rebase(url: str, base_url: str) -> str:
    """The same path and query on the configured host: only that host is ever crawled."""
    parts = urlsplit(url)
    base = urlsplit(base_url)
    return urlunsplit((base.scheme, base.netloc, parts.path or "/", parts.query, ""))


def with_lang(url: str, lang: str) -> str:
    """Article URL with ?lang= set to the content language (other query parameters kept)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "lang"]
    query.append(("lang", lang))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def path_query(url: str) -> str:
    """The path and query of a URL, whatever its host (how listings and feeds are known across hosts)."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def article_id(url: str) -> int | None:
    """The numeric id in an article path (/<ui>/<section>/<id>/), or None."""
    for segment in reversed([s for s in urlsplit(url).path.split("/") if s]):
        if segment.isdigit() and 6 <= len(segment) <= 8:
            return int(segment)
    return None


def same_host(url: str, base_url: str) -> bool:
    """True when `url` is http(s) on the configured host and port (a redirect anywhere else is never followed)."""
    parts, base = urlsplit(url), urlsplit(base_url)
    return parts.scheme in ("http", "https") and (parts.hostname, parts.port) == (base.hostname, base.port)


def is_index_page(url: str) -> bool:
    """True for the home page or a section listing: where the site sends the URL of a page it removed."""
    _, section, other_id = sections.split_article_path(urlsplit(url).path)
    return other_id is None and (section is None or sections.section_key(section) is not None)


# Paths web application firewalls and bot defences bounce clients to (F5's /TSPD/, captcha pages, ...).
_BOT_CHECK_PATH = re.compile(r"/TSPD/|captcha|challenge|__waf|/cdn-cgi/|bot[-_]?check|/_guard", re.I)


def is_bot_check(url: str) -> bool:
    """True for where a bot defence sends a client: a target with a query (`/?__waf_challenge=1`) or a known
    bot-check path. The site removes a page by redirecting it to a listing or the home page without either."""
    parts = urlsplit(url)
    return bool(parts.query) or bool(_BOT_CHECK_PATH.search(parts.path))
