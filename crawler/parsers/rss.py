"""mid.ru RSS / Atom feeds: ``parse_feed(xml, url) -> list[dict]``.

Accepts RSS 2.0 (``channel/item`` with ``link``, ``title``, ``pubDate``, ``guid``,
``category``), RSS 1.0/RDF items, and Atom (``entry`` with ``link[@href]`` - ``rel`` absent or
``alternate`` -, ``title``, ``published``/``updated``, ``category[@term]``); the exact dialect of
the site's feeds is not known (reference §2.7). Elements are matched by local name, so
namespaces do not matter.

Only entries whose link (or, failing that, ``guid``/``id``) carries a 6-8 digit numeric id
are returned: ``{"source_id", "url", "title", "published_at", "tags"}`` - the same shape as
listing entries. Links are made absolute against the feed url (links to mid.ru moved to the
feed's host, so a mirror crawl stays on the mirror). Dates are converted to ``+03:00``.

Safety: lxml with ``resolve_entities=False``, ``no_network=True``, ``load_dtd=False`` and no
huge-tree support - no entity expansion, no external fetches.

The ``bobcmn``/TSPD HTML stub the site sometimes returns instead of the feed raises
``ChallengePage``; anything else that is not a feed raises ``ParseError``.

``FEED_PARSER_VERSION`` must be bumped whenever the output for the same XML changes.
"""
from __future__ import annotations

import re

from lxml import etree

from crawler.dates import parse_feed_date
from crawler.text import normalize_text

from ._urls import absolute, path_id
from .challenge import is_challenge
from .errors import ChallengePage, ParseError

__all__ = ["FEED_PARSER_VERSION", "parse_feed"]

FEED_PARSER_VERSION = "feed/1"

_DECL_ENCODING = re.compile(r"""^(\s*<\?xml[^>]*?)\s+encoding\s*=\s*["'][^"']*["']""")


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
        huge_tree=False, remove_comments=True, remove_pis=True, recover=False,
    )


def _local(el: etree._Element) -> str:
    tag = el.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1].lower()


def _children(el: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in el if _local(c) == name]


def _itertext(el: etree._Element):
    """Text of an element; unresolved entity references (never expanded) contribute nothing."""
    if el.text and not isinstance(el, etree._Entity):
        yield el.text
    for child in el:
        if isinstance(child, etree._Element) and isinstance(child.tag, str):
            yield from _itertext(child)
        if child.tail:
            yield child.tail


def _text(el: etree._Element | None) -> str:
    if el is None:
        return ""
    return normalize_text("".join(_itertext(el)))


def _atom_link(entry: etree._Element) -> str:
    links = _children(entry, "link")
    for link in links:
        href = link.get("href")
        if href and link.get("rel") in (None, "", "alternate"):
            return href.strip()
    for link in links:  # RSS <link>text</link> inside an Atom-ish entry, or any href
        if link.get("href"):
            return link.get("href", "").strip()
        if _text(link):
            return _text(link)
    return ""


def parse_feed(xml: str | bytes, url: str) -> list[dict]:
    """Entries of an RSS/Atom feed that point at numeric-id documents (see module doc)."""
    if not xml:
        raise ParseError("empty feed")
    if isinstance(xml, str):
        # already decoded text: drop the declared encoding, we hand lxml UTF-8 bytes
        xml = _DECL_ENCODING.sub(r"\1", xml, count=1)
        raw = xml.encode("utf-8")
    else:
        raw = xml
    if is_challenge(raw.decode("utf-8", "replace")):
        raise ChallengePage("anti-bot interstitial instead of the feed")
    try:
        root = etree.fromstring(raw, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"not a feed (XML error: {exc})") from exc
    if root is None or _local(root) not in ("rss", "feed", "rdf", "channel"):
        raise ParseError(f"not a feed (root element {getattr(root, 'tag', None)!r})")

    entries: list[dict] = []
    seen: set[int] = set()
    for el in root.iter():
        name = _local(el)
        if name not in ("item", "entry"):
            continue
        if name == "entry":
            link = _atom_link(el)
            date_el = (_children(el, "published") or _children(el, "updated") or [None])[0]
            tags = [normalize_text(c.get("term") or _text(c)) for c in _children(el, "category")]
            ident = _text((_children(el, "id") or [None])[0])
        else:
            link = _text((_children(el, "link") or [None])[0])
            if not link:
                about = el.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about")
                link = (about or "").strip()
            date_el = (_children(el, "pubdate") or _children(el, "date")
                       or _children(el, "published") or _children(el, "updated") or [None])[0]
            tags = [_text(c) for c in _children(el, "category")]
            ident = _text((_children(el, "guid") or [None])[0])
        target = absolute(url, link) if link else ""
        source_id = path_id(target) if target else None
        if source_id is None and ident:
            alt = absolute(url, ident)
            source_id = path_id(alt)
            if source_id is not None and not target:
                target = alt
        if source_id is None or not target or source_id in seen:
            continue
        title = _text((_children(el, "title") or [None])[0])
        if not title:
            continue
        seen.add(source_id)
        entries.append({
            "source_id": source_id,
            "url": target,
            "title": title,
            "published_at": parse_feed_date(_text(date_el)) if date_el is not None else None,
            "tags": [t for i, t in enumerate(tags) if t and t not in tags[:i]],
        })
    return entries
