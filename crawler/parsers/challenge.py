"""Detection of the anti-bot interstitial (reference ``mid-ru-site.md`` §8).

mid.ru (F5 BIG-IP bot defence) sometimes answers with a JavaScript challenge instead of the
content: a page whose text is "Data processing... Please, wait.", or a stub whose script
assigns ``window["bobcmn"]`` and loads ``/TSPD/…`` (also returned instead of the RSS feed).

``is_challenge(html)`` is a cheap string test (no parsing). Because F5 can also inject its
``/TSPD/`` script into *normal* pages, a page that visibly carries content (article title /
body, listing, feed items) is never called a challenge.
"""
from __future__ import annotations

import re

__all__ = ["is_challenge"]

_TEXT_MARKER = re.compile(r"Data\s+processing\W{0,12}Please,?\s+wait", re.IGNORECASE)
_ENABLE_JS = re.compile(r"Please\s+enable\s+JavaScript", re.IGNORECASE)
_CONTENT_MARKERS = re.compile(
    r"photo-content__title|article-content|announce__item|announce_articles|announcements"
    r"|page-content|photo-content"
    r"|<item[\s>]|<entry[\s>]",
    re.IGNORECASE,
)


def is_challenge(html: str | bytes | None) -> bool:
    """True if the document is the anti-bot interstitial rather than content."""
    if not html:
        return False
    if isinstance(html, bytes):
        html = html.decode("utf-8", "replace")
    # substring checks first, regexes only on a hit (pages can be 250 KB)
    marked = (
        "bobcmn" in html
        or "/TSPD/" in html
        or "/tspd/" in html
        or (("rocessing" in html or "ROCESSING" in html) and _TEXT_MARKER.search(html) is not None)
        or (("nable" in html or "NABLE" in html) and _ENABLE_JS.search(html) is not None)
    )
    if not marked:
        return False
    return _CONTENT_MARKERS.search(html) is None


def ensure_document(html: "str | bytes") -> str:
    """The page as text, or ParseError: an empty document is not an article, the anti-bot page is a challenge."""
    from .errors import ChallengePage, NotAnArticle

    if isinstance(html, bytes):
        html = html.decode("utf-8", "replace")
    if not html or html.isspace():  # (isspace: no copy of a 250 KB page)
        raise NotAnArticle("empty document")
    if is_challenge(html):
        raise ChallengePage("anti-bot interstitial")
    return html
