"""Pure parsers over HTML/XML strings (no Scrapy).

Versions: each parser carries a version string that must be bumped whenever its output for
the same input changes (stored records remember which version produced them):
``PARSER_VERSION`` (articles, "g2-article/N"), ``LISTING_PARSER_VERSION``,
``FEED_PARSER_VERSION``.

``parse_page(html, url)`` dispatches: feeds (``rss.php``, ``/rss/``, or XML with an
``<rss>``/``<feed>`` root) -> ``parse_feed`` (list); pages of the older portal (G1,
archive.mid.ru: ``/-/asset_publisher/`` URLs or Liferay markup, see ``g1_page.is_g1_page``)
-> ``parse_g1_article`` (dict) for article URLs / pages with an article, ``parse_g1_listing``
(list) for listings; URLs with a 6-8 digit id -> ``parse_article`` (dict); anything else ->
``parse_listing`` (list).

``parse_any_article(html, url)`` parses an article page of either portal (used to re-read
stored raw pages and by ``crawl parse``). G1 versions: ``G1_PARSER_VERSION`` ("g1-article/N"),
``G1_LISTING_PARSER_VERSION``.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from .body import extract_paragraphs
from .challenge import is_challenge
from .errors import ChallengePage, NotAnArticle, ParseError
from .g1_article import PARSER_VERSION as G1_PARSER_VERSION
from .g1_article import parse_article as parse_g1_article
from .g1_listing import LISTING_PARSER_VERSION as G1_LISTING_PARSER_VERSION
from .g1_listing import has_g1_listing, parse_pager
from .g1_listing import parse_listing as parse_g1_listing
from .g1_page import is_g1_page
from .g1_urls import split_g1_url
from .g2_article import PARSER_VERSION, parse_article
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
    "G1_PARSER_VERSION",
    "G1_LISTING_PARSER_VERSION",
    "is_g1_page",
    "parse_g1_article",
    "parse_g1_listing",
    "parse_pager",
    "parse_any_article",
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
    if is_g1_page(text, url):
        if split_g1_url(url) is None and has_g1_listing(text):
            return parse_g1_listing(html, url)
        return parse_g1_article(html, url)
    if _ID_PATH.search(path):
        return parse_article(html, url)
    return parse_listing(html, url)


def parse_any_article(html: str | bytes, url: str) -> dict:
    """An article page of either portal: G1 (archive.mid.ru) or the current site (G2)."""
    text = html.decode("utf-8", "replace") if isinstance(html, bytes) else (html or "")
    if is_g1_page(text, url):
        return parse_g1_article(html, url)
    return parse_article(html, url)
