"""Article pages of the older portal (G1, Liferay; ``archive.mid.ru``): ``parse_article(html, url)``.

Pure function over an HTML string (no Scrapy); output is the record of ``docs/ARCHITECTURE.md``
with ``site = "archive.mid.ru"`` and ``source_id`` = the asset id. Selectors (reference
``mid-ru-site.md`` §6.2), all by class *token* (the portal's class attributes carry stray
spaces, so exact-string matching is avoided):

* main column: ``div.portlet-column-first`` (else ``div.page-content``, else the document);
* title: the first non-empty ``h1`` of the main column that is not the ministry's name
  (the page header also has an ``h1`` "Министерство иностранных дел Российской Федерации" /
  "Ministry of Foreign Affairs of the Russian Federation" …) and not inside the header,
  navigation or portlet title bar; for the short "anons" template: the single ``p.anons-title``;
* date/time: ``.article-status-line`` — date text with the time in a nested ``i``
  ("3 February 2020<i>14:15</i>", rendered glued as "3 February 202014:15"); anons:
  ``.anons-status-line > i`` (``g1_page.status_date``). Month names in ru/en/de/fr/es and
  numeric dates are read by ``crawler.dates``; the offset is the one Moscow had on that day
  (``Europe/Moscow``: +03:00 since 26 Oct 2014, +04:00 from 27 Mar 2011, before that +03:00
  winter / +04:00 summer);
* document number: ``.article-note span.nowrap`` or ``b.doc-number`` (``NNNN-DD-MM-YYYY``);
* body: ``div.text.article-content`` (also the legacy ``p.dxl-par > span.dxl-run`` form),
  else ``div.anons-text``, else ``article.article``, read by ``g1_body.g1_paragraphs``
  (paragraphs and speakers exactly as the current-site parser's). Everything outside the body
  container is ignored (navigation remnants, the translation list, "Additional materials",
  the right-column links, the search widget).

Identity
    ``source_id``, section and instance from the URL (``…/<section>/-/asset_publisher/<instance>/
    content/id/<assetId>``), else from the translation links. ``lang``: the ``languageId``
    parameter of the URL, else its language prefix, else the translation-list item marked
    current, else ``<html lang>``, else ``ru`` (the portal's default). ``url`` is canonical
    (``g1_urls.canonical_article_url``): ``<scheme>://<host>/<lang>/<section>/-/asset_publisher/
    <instance>/content/id/<assetId>?p_p_id=101_INSTANCE_<instance>&_101_INSTANCE_<instance>_languageId=<ll_CC>``
    with scheme and host of the given url. ``languages``: every translation in the list,
    each mapped to the canonical URL of that language (always including the own language).

``PARSER_VERSION`` must be bumped whenever the output for the same HTML changes.
"""
from __future__ import annotations

import re
from typing import Iterable
from urllib.parse import parse_qs, urlsplit

from bs4 import BeautifulSoup
from bs4.element import Tag

from crawler.text import element_text

from .challenge import ensure_document
from .errors import NotAnArticle
from .g1_body import g1_paragraphs
from .g1_page import DOC_NUMBER, MINISTRY_NAMES, classes, is_g1_page, is_ministry_name, status_date
from .g1_urls import (
    ARCHIVE_LANGS, SITE, canonical_article_url, locale_to_lang, prefix_of, split_g1_url,
)
from .record import PageIdentity, article_record

# (is_g1_page, status_date, MINISTRY_NAMES and is_ministry_name live in g1_page; kept importable here)
__all__ = ["PARSER_VERSION", "parse_article", "is_g1_page", "status_date", "MINISTRY_NAMES",
           "is_ministry_name"]

PARSER_VERSION = "g1-article/1"

_CHROME_CONTAINERS = frozenset({"header", "nav", "footer", "form"})
_CHROME_CLASS = re.compile(
    r"^(?:portlet-topper|portlet-title|site-title|logo|banner|breadcrumbs?|navigation|nav-menu"
    r"|portlet-navigation|portlet-search|search|advanced-search|site-languages|translation-mode)$",
    re.IGNORECASE)


def parse_article(html: str | bytes, url: str) -> dict:
    """Parse one G1 article page into the record of ``docs/ARCHITECTURE.md``."""
    html = ensure_document(html)

    soup = BeautifulSoup(html, "lxml")
    root = _main_column(soup)
    tags = [t for t in root.descendants if isinstance(t, Tag)]
    order = {id(t): i for i, t in enumerate(tags)}

    title, title_el, _ = _title(root)
    if not title:
        raise NotAnArticle("no article title (h1 / p.anons-title)")
    body_el = _body(root, title_el, order)
    if body_el is None:
        raise NotAnArticle("no body (div.article-content / div.anons-text)")
    ident = _identity(url, soup, root)
    published_at = _published_at(root, title_el, order)
    doc_number = _document_number(root)
    return article_record(
        site=SITE, source_id=ident.source_id, lang=ident.lang, url=ident.url, section=ident.section,
        title=title, published_at=published_at, document_number=doc_number, languages=ident.languages,
        paragraphs=g1_paragraphs(body_el), parser_version=PARSER_VERSION,
    )


# --- title and body ---------------------------------------------------------------------------

def _in_chrome(el: Tag, root: Tag) -> bool:
    for parent in [el, *el.parents]:
        if parent is root or parent is None:
            return False
        if not isinstance(parent, Tag):
            continue
        if parent.name in _CHROME_CONTAINERS or parent.get("id") in ("banner", "navigation"):
            return True
        if any(_CHROME_CLASS.match(c) for c in classes(parent)):
            return True
    return False


def _main_column(soup: BeautifulSoup) -> Tag:
    col = soup.find(lambda t: t.name == "div" and "portlet-column-first" in classes(t))
    if col is None:
        col = soup.find(lambda t: "page-content" in classes(t))
    if col is None:
        col = soup.body or soup
    return col


def _title(root: Tag) -> tuple[str, Tag | None, bool]:
    """-> (title, title element, is_anons)."""
    for h1 in root.find_all("h1"):
        text = element_text(h1)
        if not text or is_ministry_name(text) or _in_chrome(h1, root):
            continue
        return text, h1, False
    anons = [el for el in root.find_all(class_="anons-title")
             if el.name != "a" and not el.find_parent(class_="news-articles")]
    if len(anons) == 1:
        text = element_text(anons[0])
        if text:
            return text, anons[0], True
    return "", None, False


def _after(candidates: Iterable[Tag], anchor: Tag | None, order: dict[int, int]) -> Tag | None:
    found = list(candidates)
    if not found:
        return None
    if anchor is not None:
        pos = order.get(id(anchor), -1)
        later = [t for t in found if order.get(id(t), -1) > pos]
        if later:
            return later[0]
    return found[0]


def _body(root: Tag, title_el: Tag | None, order: dict[int, int]) -> Tag | None:
    for cls in ("article-content", "anons-text"):
        el = _after(root.find_all(class_=cls), title_el, order)
        if el is not None:
            return el
    return _after(root.find_all("article", class_="article"), title_el, order)


# --- date and number ---------------------------------------------------------------------------

def _published_at(root: Tag, title_el: Tag | None, order: dict[int, int]) -> str | None:
    lines = [t for t in root.find_all(class_=["article-status-line", "anons-status-line"])]
    if not lines:
        return None
    if title_el is not None:
        pos = order.get(id(title_el), 0)
        before = [t for t in lines if order.get(id(t), 0) < pos]
        ordered = list(reversed(before)) + [t for t in lines if t not in before]
    else:
        ordered = lines
    for line in ordered:
        value = status_date(line)
        if value is not None:
            return value
    return None


def _document_number(root: Tag) -> str | None:
    for el in [*root.select(".article-note .nowrap"), *root.find_all(class_="article-note"),
               *root.find_all(class_="doc-number"), *root.find_all(class_="anons-status-line"),
               *root.find_all(class_="article-status-line")]:
        m = DOC_NUMBER.search(element_text(el))
        if m:
            return m.group(0)
    return None


# --- identity ---------------------------------------------------------------------------------

def _identity(url: str, soup: BeautifulSoup, root: Tag) -> PageIdentity:
    """Asset id, section and instance from the url, else the translation links; language;
    the canonical url and every translation's (see the module doc)."""
    links = _translation_links(root)
    parsed = split_g1_url(url)
    asset_id = section = instance = None
    url_lang = None
    if parsed is not None:
        asset_id, section, instance, url_lang = parsed.asset_id, parsed.section, parsed.instance, parsed.lang
    else:
        url_lang = prefix_of(urlsplit(url).path)
    for _, a in links:
        other = split_g1_url(str(a["href"]))
        if other is not None and (asset_id is None or other.asset_id == asset_id):
            asset_id = asset_id or other.asset_id
            section = section or other.section
            instance = instance or other.instance
            break
    if asset_id is None:
        raise NotAnArticle("no asset id in the url or the translation links")
    # only translation links of this asset
    links = [(xx, a) for xx, a in links
             if (split_g1_url(str(a["href"])) or (None,) * 5)[4] in (None, asset_id)]
    lang = url_lang or _page_lang(soup, links) or "ru"

    if section and instance:
        canonical = canonical_article_url(url, lang, section, instance, asset_id)
    else:
        canonical = url
    languages: dict[str, str] = {}
    for xx, _ in links:
        if xx not in languages:
            languages[xx] = (canonical_article_url(url, xx, section, instance, asset_id)
                             if section and instance else canonical)
    languages[lang] = canonical
    return PageIdentity(asset_id, lang, section, canonical, dict(sorted(languages.items())))


def _translation_links(root: Tag) -> list[tuple[str, Tag]]:
    """(lang, link) of the translation list: links carrying a ``…_languageId=`` parameter, or
    links whose text is a locale code ("de-DE", "de-DE1") pointing at an asset."""
    out: list[tuple[str, Tag]] = []
    for a in root.find_all("a", href=True):
        href = str(a["href"])
        lang = None
        query = parse_qs(urlsplit(href).query)
        for key, values in query.items():
            if key.endswith("languageId") and values:
                lang = locale_to_lang(values[0])
                break
        if lang is None and "/content/id/" in href:
            text = element_text(a)
            if re.fullmatch(r"[a-z]{2}[-_][A-Z]{2}\d*", text):
                lang = locale_to_lang(text)
        if lang is not None and lang in ARCHIVE_LANGS + ("pt", "ar", "zh", "cn"):
            out.append((lang, a))
    return out


def _page_lang(soup: BeautifulSoup, links: list[tuple[str, Tag]]) -> str | None:
    for lang, a in links:
        if any(c in ("current", "selected", "active", "taglib-language-option-selected")
               for c in classes(a)) or (a.parent is not None and isinstance(a.parent, Tag)
                                         and any(c in ("current", "selected", "active")
                                                 for c in classes(a.parent))):
            return lang
    html_el = soup.find("html")
    if html_el is not None and html_el.get("lang"):
        return locale_to_lang(str(html_el["lang"]))
    return None
