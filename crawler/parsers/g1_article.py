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
  ``.anons-status-line > i``. Month names in ru/en/de/fr/es and numeric dates are read by
  ``crawler.dates``; the offset is the one Moscow had on that day (``Europe/Moscow``:
  +03:00 since 26 Oct 2014, +04:00 from 27 Mar 2011, before that +03:00 winter / +04:00 summer);
* document number: ``.article-note span.nowrap`` or ``b.doc-number`` (``NNNN-DD-MM-YYYY``);
* body: ``div.text.article-content`` (also the legacy ``p.dxl-par > span.dxl-run`` form),
  else ``div.anons-text``, else ``article.article``. Paragraphs and speakers exactly as the
  current-site parser (``g2_article.extract_paragraphs``). Everything outside the body
  container is ignored (navigation remnants, the translation list, "Additional materials",
  the right-column links, the search widget); inside it, a translation list, related-material
  boxes and everything from an "Additional materials"/"Дополнительные материалы" heading on
  are dropped, as are stray lines that are only portal chrome ("Navigation",
  "Translation (original)", "Advanced settings", "Дополнительные инструменты поиска",
  "de-DE1 en-GB1 …").

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
from bs4.element import NavigableString, Tag

from crawler.dates import parse_display_date_historic
from crawler.sections import classify_kind
from crawler.text import element_text, join_paragraphs, normalize_text

from .challenge import ensure_document
from .errors import NotAnArticle
from .g1_urls import (
    ARCHIVE_LANGS, SITE, canonical_article_url, locale_to_lang, prefix_of, split_g1_url,
)
from .g2_article import extract_paragraphs

__all__ = ["PARSER_VERSION", "parse_article", "is_g1_page", "status_date", "MINISTRY_NAMES",
           "is_ministry_name"]

PARSER_VERSION = "g1-article/1"

MINISTRY_NAMES = frozenset(normalize_text(n).casefold() for n in (
    "Министерство иностранных дел Российской Федерации",
    "МИД России",
    "Ministry of Foreign Affairs of the Russian Federation",
    "The Ministry of Foreign Affairs of the Russian Federation",
    "Ministerium für Auswärtige Angelegenheiten der Russischen Föderation",
    "Außenministerium der Russischen Föderation",
    "Ministère des Affaires étrangères de la Fédération de Russie",
    "Ministerio de Asuntos Exteriores de la Federación de Rusia",
    "Ministerio de Relaciones Exteriores de la Federación de Rusia",
))

_MINISTRY_HEAD = re.compile(
    r"^(?:the\s+)?(?:ministry\s+of\s+foreign\s+affairs|министерство\s+иностранных\s+дел|мид"
    r"|ministerium\s+für\s+auswärtige\s+angelegenheiten|außenministerium|auswärtiges\s+amt"
    r"|ministère\s+des\s+affaires\s+étrangères|ministerio\s+de\s+(?:asuntos|relaciones)\s+exteriores)"
    r"(?P<rest>.*)$")
_MINISTRY_TAIL_WORDS = frozenset(
    "of the russian federation russia российской федерации россии рф der russischen föderation "
    "russlands de la fédération russie federación rusia".split())


def is_ministry_name(text: str) -> bool:
    """The ministry's own name (page header), in any of the portal's languages."""
    key = normalize_text(text).casefold()
    if key in MINISTRY_NAMES:
        return True
    m = _MINISTRY_HEAD.match(key)
    return bool(m) and all(w in _MINISTRY_TAIL_WORDS for w in re.findall(r"\w+", m.group("rest")))


_G1_MARKERS = re.compile(
    r"portlet-column|article-status-line|anons-status-line|/-/asset_publisher/|_101_INSTANCE_"
    r"|dxl-par|page-block news-articles|class=\"paginates", re.IGNORECASE)
_DOC_NUMBER = re.compile(r"\b\d{1,6}-\d{2}-\d{2}-\d{4}\b")
_LANG_CODES_LINE = re.compile(r"^(?:[a-z]{2}[-_][A-Z]{2}\s*\d*\s*)+$")
_CHROME_CONTAINERS = frozenset({"header", "nav", "footer", "form"})
_CHROME_CLASS = re.compile(
    r"^(?:portlet-topper|portlet-title|site-title|logo|banner|breadcrumbs?|navigation|nav-menu"
    r"|portlet-navigation|portlet-search|search|advanced-search|site-languages|translation-mode)$",
    re.IGNORECASE)
_BODY_NOISE_CLASS = re.compile(
    r"^(?:asset-content-languages|taglib-language\S*|languages?|lang-list|asset-links|related\S*"
    r"|additional\S*|portlet-search|advanced-search|search\S*|nav-menu|navigation|breadcrumbs?"
    r"|translation-mode|gallery|asset-ratings|taglib-social\S*|share\S*)$", re.IGNORECASE)
_ADDITIONAL = frozenset({
    "дополнительные материалы", "additional materials", "zusätzliche materialien",
    "weitere materialien", "matériaux supplémentaires", "documents supplémentaires",
    "materiales adicionales", "материалы по теме", "related materials",
})
_CHROME_LINES = frozenset({
    "navigation", "навигация", "navegación", "translation (original)", "перевод (оригинал)",
    "übersetzung (original)", "traduction (original)", "traducción (original)",
    "advanced settings", "дополнительные инструменты поиска", "erweiterte einstellungen",
    "paramètres avancés", "configuración avanzada", "skip to content",
    "перейти к основному содержанию",
})


def _classes(el: Tag) -> list[str]:
    value = el.get("class") or []
    return value.split() if isinstance(value, str) else list(value)


def _has_class(el: Tag, name: str) -> bool:
    return name in _classes(el)


def _key(text: str) -> str:
    return re.sub(r"^[\W_]+|[\W_]+$", "", normalize_text(text).casefold())


def is_g1_page(html: str | bytes | None, url: str | None = None) -> bool:
    """True if the page (or its URL) belongs to the older portal (Liferay asset publisher)."""
    if url and ("/-/asset_publisher/" in url or "p_p_id=101_INSTANCE_" in url):
        return True
    if not html:
        return False
    if isinstance(html, bytes):
        html = html.decode("utf-8", "replace")
    return bool(_G1_MARKERS.search(html))


def _in_chrome(el: Tag, root: Tag) -> bool:
    for parent in [el, *el.parents]:
        if parent is root or parent is None:
            return False
        if not isinstance(parent, Tag):
            continue
        if parent.name in _CHROME_CONTAINERS or parent.get("id") in ("banner", "navigation"):
            return True
        if any(_CHROME_CLASS.match(c) for c in _classes(parent)):
            return True
    return False


def _main_column(soup: BeautifulSoup) -> Tag:
    col = soup.find(lambda t: t.name == "div" and _has_class(t, "portlet-column-first"))
    if col is None:
        col = soup.find(lambda t: _has_class(t, "page-content"))
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


# --- dates ------------------------------------------------------------------------------------

_DATE_IN_TEXT = re.compile(
    r"(\d{1,2}[./]\d{1,2}[./]\d{4}|\d{1,2}\.?\s*(?:de\s+)?[^\W\d_]+\.?\s*(?:de\s+)?\d{4})"
    r"\s*(?:г\.|года)?\s*,?\s*(\d{1,2}:\d{2})?")


def _own_text(el: Tag, skip: Tag) -> str:
    parts = []
    for node in el.descendants:
        if isinstance(node, NavigableString) and not any(p is skip for p in node.parents):
            parts.append(str(node))
    return normalize_text("".join(parts))


def status_date(el: Tag | None) -> str | None:
    """Publication time from a G1 status line (``.article-status-line``/``.anons-status-line``
    or a listing item's line): ISO 8601 with the Moscow offset of that day, or None."""
    if el is None:
        return None
    tries: list[tuple[str, str | None]] = []
    for i in el.find_all("i"):
        time_text = element_text(i)
        parent = i.parent if isinstance(i.parent, Tag) else el
        tries.append((_own_text(parent, i), time_text))
        tries.append((time_text, None))
    text = element_text(el)
    doc = _DOC_NUMBER.search(text)
    if doc:
        text = normalize_text(text.replace(doc.group(0), " "))
    tries.append((text, None))
    for date_text, time_text in tries:
        if date_text:
            value = parse_display_date_historic(date_text, time_text)
            if value is not None:
                return value
    # last resort: find a date (and a time) anywhere in the line
    for m in _DATE_IN_TEXT.finditer(text.replace("\u00a0", " ")):
        value = parse_display_date_historic(m.group(1), m.group(2))
        if value is not None:
            return value
    return None


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
        m = _DOC_NUMBER.search(element_text(el))
        if m:
            return m.group(0)
    return None


# --- identity ---------------------------------------------------------------------------------

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
               for c in _classes(a)) or (a.parent is not None and isinstance(a.parent, Tag)
                                         and any(c in ("current", "selected", "active")
                                                 for c in _classes(a.parent))):
            return lang
    html_el = soup.find("html")
    if html_el is not None and html_el.get("lang"):
        return locale_to_lang(str(html_el["lang"]))
    return None


# --- body -------------------------------------------------------------------------------------

def _drop_after_additional(body: Tag) -> None:
    """Remove an "Additional materials" heading inside the body and everything after it."""
    for el in body.find_all(True):
        if getattr(el, "decomposed", False):
            continue
        if _key(element_text(el)) not in _ADDITIONAL:
            continue
        doomed: list[Tag | NavigableString] = []
        node: Tag | None = el
        while node is not None and node is not body:
            doomed.extend(node.next_siblings)
            node = node.parent
        doomed.append(el)
        for d in doomed:
            if isinstance(d, Tag):
                if not getattr(d, "decomposed", False):
                    d.decompose()
            else:
                d.extract()
        return


def _clean_body(body: Tag) -> None:
    for el in body.find_all(True):
        if getattr(el, "decomposed", False):
            continue
        if any(_BODY_NOISE_CLASS.match(c) for c in _classes(el)):
            el.decompose()
    for ul in body.find_all(["ul", "ol", "div"]):
        if getattr(ul, "decomposed", False):
            continue
        links = ul.find_all("a", href=True)
        if links and all("languageId=" in str(a["href"]) for a in links):
            ul.decompose()
    _drop_after_additional(body)


def _is_chrome_line(text: str) -> bool:
    plain = normalize_text(text).casefold()
    return (_key(text) in _CHROME_LINES or plain in _CHROME_LINES
            or bool(_LANG_CODES_LINE.match(normalize_text(text))))


# --- entry point ------------------------------------------------------------------------------

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

    # --- identity ----------------------------------------------------------------------------
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

    published_at = _published_at(root, title_el, order)
    doc_number = _document_number(root)

    _clean_body(body_el)
    paragraphs = [p for p in extract_paragraphs(body_el)
                  if p["speaker"] is not None or not _is_chrome_line(p["text"])]
    if not paragraphs:
        raise NotAnArticle("empty body")
    body = join_paragraphs(paragraphs)
    return {
        "site": SITE,
        "source_id": asset_id,
        "lang": lang,
        "url": canonical,
        "section": section,
        "title": title,
        "published_at": published_at,
        "document_number": doc_number,
        "kind": classify_kind(section, title),
        "languages": dict(sorted(languages.items())),
        "paragraphs": paragraphs,
        "body": body,
        "parser_version": PARSER_VERSION,
    }
