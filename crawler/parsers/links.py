"""Links inside a page (related materials, the previous briefing, a statement quoted): every `a href`, absolute."""
from __future__ import annotations

from urllib.parse import urljoin, urlsplit, urlunsplit

import lxml.html
from lxml import etree


def page_links(html: str, url: str) -> list[str]:
    """Every http(s) link of a page, made absolute against `url`, without fragments, in page order, each once."""
    if not html or not html.strip():
        return []
    try:
        root = lxml.html.fromstring(html)
    except (etree.ParserError, ValueError):
        return []
    out: dict[str, None] = {}
    for a in root.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:")):
            continue
        parts = urlsplit(urljoin(url, href))
        if parts.scheme in ("http", "https") and parts.netloc:
            out.setdefault(urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, "")), None)
    return list(out)
