"""Listing pages of the older portal's asset publisher (G1): ``parse_listing``, ``parse_pager``.

Markup (reference ``mid-ru-site.md`` §5.2)::

    section.page-block.news-articles
      ul > li > a.anons-title href="https://…/ru/foreign_policy/news/-/asset_publisher/cKNonkJE02Bw/content/id/3929435"
    div.paginates > ul > li …  (second-to-last li: the last page number; li.last > a: link to it)

``parse_listing(html, url) -> list[dict]``: entries ``{"source_id", "url", "title",
"published_at", "tags"}`` in page order (same shape as the current site's listing entries;
``tags`` is always ``[]``). ``source_id`` is the asset id; ``url`` the href made absolute, with
the portal's hosts moved to the listing's host (mirror crawls stay on the mirror);
``published_at`` comes from a status line / date element inside the item when there is one
(Moscow offset of that day), else None. Links are taken from ``a.anons-title`` inside
``section.news-articles`` (by class token); without that block, from the older markup
``ul.anons-list.news-anons-list`` (each ``li`` one entry: its ``a.anons-title``, or the first article
link in it, the title then sitting in a ``.anons-title`` heading), then from any ``a.anons-title``, and
failing that from any link to ``…/-/asset_publisher/…/content/id/<n>`` in the main column that
is not a translation link (no ``languageId`` parameter). Duplicate ids keep the first entry.
The anti-bot page raises ``ChallengePage``; a page with no entries gives ``[]``.

``parse_pager(html, url) -> {"current": int, "last": int | None, "next": int | None}``:
``last`` is the highest page number the pager shows (its numbered items, the ``_cur``
parameter of its links, ``li.last > a``); ``current`` is the ``_cur`` of ``url`` (else the
pager's current item, else 1); ``next`` is ``current + 1`` when that is not past ``last``.
"""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from bs4 import BeautifulSoup
from bs4.element import Tag

from crawler.text import element_text, normalize_text

from .challenge import is_challenge
from .errors import ChallengePage
from .g1_page import status_date
from .g1_urls import absolute, split_g1_url

__all__ = ["LISTING_PARSER_VERSION", "parse_listing", "parse_pager", "has_g1_listing"]

LISTING_PARSER_VERSION = "g1-listing/2"

_CUR_PARAM = re.compile(r"_cur$")


def _classes(el: Tag) -> list[str]:
    value = el.get("class") or []
    return value.split() if isinstance(value, str) else list(value)


def has_g1_listing(html: str | bytes | None) -> bool:
    """True if the document has the asset publisher's listing block or pager."""
    if not html:
        return False
    if isinstance(html, bytes):
        html = html.decode("utf-8", "replace")
    return bool(re.search(r"news-articles|paginates|anons-title", html))


def _item_of(link: Tag) -> Tag:
    li = link.find_parent("li")
    return li if li is not None else (link.parent if isinstance(link.parent, Tag) else link)


def _item_date(item: Tag) -> str | None:
    for el in item.find_all(True):
        if any("status-line" in c or "date" in c for c in _classes(el)):
            value = status_date(el)
            if value is not None:
                return value
    for el in item.find_all(["i", "time", "span"]):
        value = status_date(el)
        if value is not None:
            return value
    return None


def _is_article_link(a: Tag) -> bool:
    href = str(a.get("href") or "")
    return "/content/id/" in href and "languageId=" not in href


def _older_list_links(soup: BeautifulSoup) -> list[Tag]:
    """The older listing markup, ``ul.anons-list.news-anons-list``: one item per ``li``, its title link
    ``a.anons-title`` or the first article link inside the item (the title sits in ``.anons-title``)."""
    links: list[Tag] = []
    for block in soup.find_all("ul"):
        if not {"anons-list", "news-anons-list"} & set(_classes(block)):
            continue
        for li in block.find_all("li"):
            candidates = [a for a in li.find_all("a", href=True) if _is_article_link(a)]
            titled = [a for a in candidates if "anons-title" in _classes(a)
                      or any("anons-title" in _classes(p) for p in a.parents if p is not li and isinstance(p, Tag))]
            links.extend((titled or candidates)[:1])
    return links


def _links(soup: BeautifulSoup) -> list[Tag]:
    blocks = [t for t in soup.find_all(["section", "div"])
              if "news-articles" in _classes(t)]
    links: list[Tag] = []
    for block in blocks:
        links.extend(block.find_all("a", class_="anons-title", href=True))
    if links:
        return links
    links = _older_list_links(soup)
    if links:
        return links
    links = [a for a in soup.find_all("a", class_="anons-title", href=True)]
    if links:
        return links
    col = soup.find(lambda t: t.name == "div" and "portlet-column-first" in _classes(t)) or soup
    return [a for a in col.find_all("a", href=True) if _is_article_link(a)]


def parse_listing(html: str | bytes, url: str) -> list[dict]:
    """Entries of one listing page, in page order (see module docstring)."""
    if isinstance(html, bytes):
        html = html.decode("utf-8", "replace")
    if is_challenge(html):
        raise ChallengePage("anti-bot interstitial instead of a listing")
    if not html or not html.strip():
        return []
    soup = BeautifulSoup(html, "lxml")
    entries: list[dict] = []
    seen: set[int] = set()
    for link in _links(soup):
        href = absolute(url, str(link["href"]))
        parts = split_g1_url(href)
        if parts is None or parts.asset_id in seen:
            continue
        title = element_text(link) or normalize_text(str(link.get("title") or ""))
        if not title:
            continue
        seen.add(parts.asset_id)
        entries.append({
            "source_id": parts.asset_id,
            "url": href,
            "title": title,
            "published_at": _item_date(_item_of(link)),
            "tags": [],
        })
    return entries


def _cur_of(href: str) -> int | None:
    for key, values in parse_qs(urlsplit(href).query).items():
        if _CUR_PARAM.search(key) and values and values[0].isdigit():
            return int(values[0])
    return None


def parse_pager(html: str | bytes, url: str) -> dict:
    """Current / last / next page number from ``div.paginates`` (see module docstring)."""
    if isinstance(html, bytes):
        html = html.decode("utf-8", "replace")
    current = _cur_of(url)
    numbers: list[int] = []
    pager_current = None
    if html:
        soup = BeautifulSoup(html, "lxml")
        for pager in soup.find_all(lambda t: "paginates" in _classes(t)):
            items = pager.find_all("li")
            for li in items:
                text = element_text(li)
                if text.isdigit():
                    numbers.append(int(text))
                    if any(c in ("current", "active", "selected") for c in _classes(li)) \
                            or li.find("a") is None:
                        pager_current = int(text)
                for a in li.find_all("a", href=True):
                    n = _cur_of(str(a["href"]))
                    if n is not None:
                        numbers.append(n)
    if current is None:
        current = pager_current or 1
    last = max(numbers) if numbers else None
    nxt = current + 1 if last is not None and current < last else None
    return {"current": current, "last": last, "next": nxt}
