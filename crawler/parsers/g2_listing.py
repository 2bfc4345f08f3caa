"""Listing pages of the current site (G2): ``parse_listing(html, url) -> list[dict]``.

Template 1 (reference ``mid-ru-site.md`` §5.1)::

    ul.announce.announce_articles
      li.announce__item
        span.announce__date "10.10.2024"  span.announce__time "21:15"
        a.announce__link[.announce__link_fix_en] href="/ru/foreign_policy/news/1975354/"  title
        .announce__meta-tags "Тема 1, Тема 2"

Only ``li`` carrying the ``announce__item`` class *and* linking (``a.announce__link``) to a
document with a 6-8 digit id are entries; other ``li`` (banners, separators, pager bits) are
skipped. The class test is by token, so extra modifier classes do not matter.

Template 2, "announcements" (``ul.announcements`` > ``li`` with ``h3.announcement__title``,
``div.announcement__doc-num``, ``div.announcement__text``): an item is an entry when it holds
a link with a numeric id; the date is read from ``announce(ment)__date``/``__time`` when present.

Entry: ``{"source_id", "url", "title", "published_at", "tags"}``; ``url`` is the href made
absolute against the listing url (links to mid.ru moved to the listing's host, so a mirror
crawl stays on the mirror). Duplicate ids keep the first entry. An empty list page gives
``[]``; the anti-bot page raises ``ChallengePage``; a document with no listing container at
all (an article, an error page) also gives ``[]`` - callers that need to tell "past the end"
from "not a listing" can use ``has_listing(html)``.

``LISTING_PARSER_VERSION`` must be bumped whenever the output for the same HTML changes.
"""
from __future__ import annotations

import re

from bs4.element import Tag

from crawler.dates import parse_display_date
from crawler.text import element_text, normalize_text

from ._soup import ClassCut
from ._urls import absolute, path_id
from .challenge import is_challenge
from .errors import ChallengePage

__all__ = ["LISTING_PARSER_VERSION", "parse_listing", "has_listing"]

LISTING_PARSER_VERSION = "g2-listing/1"


def _classes(el: Tag) -> list[str]:
    value = el.get("class") or []
    return value.split() if isinstance(value, str) else list(value)


def _is_container(value: object) -> bool:
    if not value:
        return False
    tokens = set(value.split() if isinstance(value, str) else value)  # type: ignore[union-attr]
    return {"announce", "announce_articles"} <= tokens or "announcements" in tokens


# The listing containers with their subtrees: what BeautifulSoup(html, "lxml",
# parse_only=SoupStrainer(class_=_is_container)) keeps, without BeautifulSoup looking at the
# rest of the page (see ClassCut). Nothing is marked: parse_listing walks the soup.
_CUT = ClassCut(keep={"announce_articles", "announcements"}, watch=(), keep_if=_is_container)
_HAS_LISTING = re.compile(r"announce_articles|[\"'\s]announcements[\"'\s]")


def has_listing(html: str) -> bool:
    """True if the document contains a listing container (possibly empty)."""
    return bool(_HAS_LISTING.search(html or ""))


# The item lookups below walk ``item.descendants`` themselves: ``item.find(class_=...)`` builds
# a SoupStrainer per call and runs its general matching on every element, about a quarter of
# parse_listing's time on a 20-entry page. Each helper says which bs4 call it stands for and
# applies bs4's tests for that call.

def _has_class(el: Tag, cls: str) -> bool:
    """bs4's ``class_=cls`` test: one of the class tokens is ``cls``, or (for other than
    one token) the tokens joined by spaces are; a class value that is no list must equal it."""
    value = el.get("class")
    if isinstance(value, list):
        return cls in value or (len(value) != 1 and " ".join(value) == cls)
    return value == cls


def _with_class(item: Tag, cls: str) -> list[Tag]:
    """``item.find_all(class_=cls)``."""
    return [el for el in item.descendants if isinstance(el, Tag) and _has_class(el, cls)]


def _links(item: Tag) -> list[Tag]:
    """``item.find_all("a", href=True)``."""
    return [el for el in item.descendants
            if isinstance(el, Tag) and el.name == "a" and el.get("href") is not None]


def _first(item: Tag, *classes: str) -> Tag | None:
    """``item.find(class_=cls)`` for the first of ``classes`` that finds one."""
    for cls in classes:
        for el in item.descendants:
            if isinstance(el, Tag) and _has_class(el, cls):
                return el
    return None


def _tags(item: Tag) -> list[str]:
    out: list[str] = []
    for box in _with_class(item, "announce__meta-tags"):
        for part in element_text(box).split(","):
            part = normalize_text(part)
            if part and part not in out:
                out.append(part)
    return out


def _entry(item: Tag, link: Tag, title_el: Tag | None, url: str) -> dict | None:
    href = str(link.get("href") or "").strip()
    if not href:
        return None
    absolute_url = absolute(url, href)
    source_id = path_id(absolute_url)
    if source_id is None:
        return None
    title = element_text(title_el) if title_el is not None else ""
    if not title:
        title = element_text(link) or normalize_text(str(link.get("title") or ""))
    if not title:
        return None
    date_el = _first(item, "announce__date", "announcement__date")
    time_el = _first(item, "announce__time", "announcement__time")
    published = None
    if date_el is not None:
        published = parse_display_date(element_text(date_el),
                                       element_text(time_el) if time_el is not None else None)
    return {
        "source_id": source_id,
        "url": absolute_url,
        "title": title,
        "published_at": published,
        "tags": _tags(item),
    }


def parse_listing(html: str | bytes, url: str) -> list[dict]:
    """Entries of a listing page, in page order (see module docstring)."""
    if isinstance(html, bytes):
        html = html.decode("utf-8", "replace")
    if is_challenge(html):
        raise ChallengePage("anti-bot interstitial instead of a listing")
    if not html or not has_listing(html):
        return []
    soup = _CUT.cut(html).soup()
    entries: list[dict] = []
    seen: set[int] = set()
    for container in soup.find_all(class_=_is_container):
        tokens = set(_classes(container))
        if "announcements" in tokens:
            items = container.find_all("li")
        else:
            items = [li for li in container.find_all("li") if "announce__item" in _classes(li)]
        for item in items:
            if "announcements" in tokens:
                title_el = _first(item, "announcement__title")
                link = None
                for a in ([title_el] if title_el is not None and title_el.name == "a" else []) + \
                        _links(item):
                    if path_id(absolute(url, str(a.get("href")))) is not None:
                        link = a
                        break
            else:
                title_el = None
                link = next((a for a in _links(item) if _has_class(a, "announce__link")), None)
            if link is None:
                continue
            entry = _entry(item, link, title_el, url)
            if entry is None or entry["source_id"] in seen:
                continue
            seen.add(entry["source_id"])
            entries.append(entry)
    return entries
