"""Pure parsers over HTML/XML strings (no Scrapy).

Versions: each parser carries a version string that must be bumped whenever its output for
the same input changes (stored records remember which version produced them):
``PARSER_VERSION`` (articles, "g2-article/N"), ``LISTING_PARSER_VERSION``,
``FEED_PARSER_VERSION``.

``parse_page(html, url)`` dispatches: feeds (``rss.php``, ``/rss/``, or XML with an
``<rss>``/``<feed>`` root) -> ``parse_feed`` (list); URLs with a 6-8 digit id ->
``parse_article`` (dict); anything else -> ``parse_listing`` (list).
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from .challenge import is_challenge
from .errors import ChallengePage, NotAnArticle, ParseError
from .g2_article import PARSER_VERSION, extract_paragraphs, parse_article
from .g2_listing import LISTING_PARSER_VERSION, has_listing, parse_listing
from .rss import FEED_PARSER_VERSION, parse_feed

__all__ = [
    "PARSER_VERSION",
    "LISTING_PARSER_VERSION",
    "FEED_PARSER_VERSION",
    "ParseError",
    "ChallengePage",
    "NotAnArticle",
    "is_challenge",
    "parse_article",
    "extract_paragraphs",
    "parse_listing",
    "has_listing",
    "parse_feed",
    "parse_page",
]

_FEED_PATH = re.compile(r"(?:^|/)rss(?:\.php)?/?$")
_FEED_ROOT = re.compile(r"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:rss|feed|rdf:RDF)\b", re.S)
_ID_PATH = re.compile(r"/\d{6,8}(?:/|$)")


def parse_page(html: str | bytes, url: str) -> dict | list[dict]:
    """Dispatch by URL and markup: feed -> list, article -> dict, listing -> list."""
    text = html.decode("utf-8", "replace") if isinstance(html, bytes) else (html or "")
    path = urlsplit(url).path
    if _FEED_PATH.search(path) or _FEED_ROOT.match(text[:2048]):
        return parse_feed(html, url)
    if _ID_PATH.search(path):
        return parse_article(html, url)
    return parse_listing(html, url)
