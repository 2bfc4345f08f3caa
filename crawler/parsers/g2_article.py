"""Article / transcript pages of the current site (G2): ``parse_article(html, url) -> dict``.

Pure function over an HTML string (no Scrapy). Works on the bare ``div.page-content``
fragments saved from the real site, on full documents with header/nav/footer around them, and
on mirrors that differ in accidents (missing ``div.photo-content`` id, extra classes,
whitespace, missing print links). Only the meaning of the real class names is relied on:
``h1.photo-content__title``, ``span.photo-content__date`` / ``__time``,
``p.article-line__note`` (document number), ``a.translation__link_<xx>``,
``a.print-tv__link`` (``/print/?id=``), ``div.text.article-content`` (body). The second,
"announcement" template (``ul.announcements`` > ``h3.announcement__title``,
``div.announcement__doc-num``, ``div.announcement__text``) is accepted when the page holds
exactly one announcement.

Output: see ``docs/ARCHITECTURE.md`` ("The article record"). Raises ``ChallengePage`` for the
anti-bot interstitial and ``NotAnArticle`` for anything without a title and a non-empty body
(error/404 pages, empty shells, listings). Never returns a partial record.

Identity
    ``source_id``: the 6-8 digit path segment of ``url``; else ``?id=`` of the print/TV links;
    else the id in the translation links. ``lang``: ``?lang=`` of ``url``; else the ``lang=`` of
    the print/TV links (a page marker); else the UI prefix. ``url`` is canonical:
    ``scheme://host/<ui>/<section>/<id>/?lang=<lang>`` with scheme and host of the given url.
    ``languages``: ``{xx: absolute href}`` from ``a.translation__link_<xx>`` (made absolute
    against ``url``; links to mid.ru are moved to ``url``'s host, so mirror crawls stay on the
    mirror), always including the own language (mapped to the canonical url).
    ``published_at``: date/time spans nearest before the title, ``DD.MM.YYYY`` or textual
    (see ``crawler.dates``), Moscow time; None if absent or not understood.
    ``document_number``: ``NNNN-DD-MM-YYYY`` from ``p.article-line__note``, else None.
    ``kind``: ``crawler.sections.classify_kind(section, title)``.

Body: ``crawler.parsers.body.extract_paragraphs`` (what a paragraph is, what is left out) with
    speaker labels split off by ``crawler.parsers.speakers``; ``body`` = paragraph texts joined by
    a blank line, each prefixed "Speaker: " when set (``store.paragraphs.join_body``).

``PARSER_VERSION`` must be bumped whenever the output for the same HTML changes (field
values, paragraph splitting, normalisation) so stored records can be re-parsed/compared.
"""
from __future__ import annotations

import re
from typing import NamedTuple, Sequence
from urllib.parse import SplitResult, urlsplit, urlunsplit

from bs4 import BeautifulSoup
from bs4.element import Tag

from crawler.dates import parse_display_date
from crawler.sections import split_article_path
from crawler.text import element_text

from ._soup import ClassCut, Cut, Marked
from ._urls import absolute, path_id, query_id, query_lang
from .body import extract_paragraphs, is_noise
from .challenge import ensure_document
from .errors import NotAnArticle
from .record import PageIdentity, article_record

__all__ = ["PARSER_VERSION", "parse_article", "extract_paragraphs"]

PARSER_VERSION = "g2-article/1"
SITE = "mid.ru"

# Elements kept (with their whole subtrees); everything else is ignored. Class-based, so it
# works with or without the page-content wrapper. lxml reads the page (``_soup.ClassCut``):
# the elements with the classes the record is read from (_MARKED_CLASSES) are read from its
# tree, and BeautifulSoup builds only the body (or, for the announcement template, the kept
# subtrees).
_KEEP_CLASSES = frozenset({
    "photo-content__date", "photo-content__time", "photo-content__title",
    "article-line__note", "translation__link", "print-tv__link", "article-content",
    "announcements",
})
_MARKED_CLASSES = _KEEP_CLASSES | {"announcement__date", "announcement__time"}
_TRANSLATION_PREFIX = "translation__link_"
_CUT = ClassCut(_KEEP_CLASSES, _MARKED_CLASSES, (_TRANSLATION_PREFIX,))

_DOC_NUMBER = re.compile(r"\b\d{1,6}-\d{2}-\d{2}-\d{4}\b")
_TRANSLATION_CLASS = re.compile(r"^translation__link_([a-z]{2,3})$")


class _Content(NamedTuple):
    """Title and body of the page: the article template's marks, or the announcement's tree."""
    title: str
    title_el: Marked | None
    document_number: str | None
    body_mark: Marked | None  # the article template's body (its tree is built last)
    body_el: Tag | None       # the announcement template's body


def parse_article(html: str | bytes, url: str) -> dict:
    """Parse one article page into the record described in ``docs/ARCHITECTURE.md``."""
    html = ensure_document(html)
    cut = _CUT.cut(html)
    by_class = _class_index(cut.marked)
    content = _content(cut, by_class)
    ident = _identity(url, by_class, cut.marked)
    order = {id(m): i for i, m in enumerate(cut.marked)}
    published_at = _published_at(by_class, order, content.title_el)
    # body last: extract_paragraphs() decomposes noise elements in place. The body's tree is
    # built without them: removing them is all extract_paragraphs() would do with them.
    body_el = content.body_el
    if body_el is None:
        body_el = cut.tree(content.body_mark, skip=is_noise)  # type: ignore[arg-type]
    return article_record(
        site=SITE, source_id=ident.source_id, lang=ident.lang, url=ident.url, section=ident.section,
        title=content.title, published_at=published_at, document_number=content.document_number,
        languages=ident.languages, paragraphs=extract_paragraphs(body_el), parser_version=PARSER_VERSION,
    )


def _class_index(marked: Sequence[Marked]) -> dict[str, list[Marked]]:
    """class name -> the elements carrying it, in document order (one pass instead of a scan per lookup)."""
    index: dict[str, list[Marked]] = {}
    for m in marked:
        for c in m.classes:
            found = index.setdefault(c, [])
            if not found or found[-1] is not m:  # class="x x"
                found.append(m)
    return index


# --- title, number, body ---------------------------------------------------------------------

def _content(cut: Cut, by_class: dict[str, list[Marked]]) -> _Content:
    """The article template's title, number and body; else the announcement template's."""
    titles = by_class.get("photo-content__title", [])
    title_el = next((m for m in titles if m.name == "h1"), None) or next(iter(titles), None)
    if title_el is not None:
        body_mark = next(iter(by_class.get("article-content", [])), None)
        number_el = next((m for m in by_class.get("article-line__note", [])
                          if _DOC_NUMBER.search(m.text())), None)
        content = _Content(title_el.text(), title_el, _doc_number(number_el.text() if number_el else None),
                           body_mark, None)
    else:
        title, body_el, doc_number = _announcement(cut.soup())
        content = _Content(title, None, doc_number, None, body_el)
    if not content.title:
        raise NotAnArticle("no title (h1.photo-content__title)")
    if content.body_el is None and content.body_mark is None:
        raise NotAnArticle("no body (div.article-content)")
    return content


def _doc_number(text: str | None) -> str | None:
    if text is None:
        return None
    m = _DOC_NUMBER.search(text)
    return m.group(0) if m else None


def _classes(el: Tag) -> list[str]:
    value = el.get("class") or []
    return value.split() if isinstance(value, str) else list(value)


def _announcement(soup: BeautifulSoup) -> tuple[str, Tag | None, str | None]:
    """Second template: exactly one ``ul.announcements`` item with a title and a text."""
    lists = [t for t in soup.descendants if isinstance(t, Tag) and t.name in ("ul", "ol", "div")
             and "announcements" in _classes(t)]
    titles = [h for ul in lists for h in ul.find_all(class_="announcement__title")]
    if len(titles) != 1:
        return "", None, None
    item = titles[0].find_parent("li") or lists[0]
    body = item.find(class_="announcement__text")
    num_el = item.find(class_="announcement__doc-num")
    return element_text(titles[0]), body, _doc_number(None if num_el is None else element_text(num_el))


# --- identity --------------------------------------------------------------------------------

def _identity(url: str, by_class: dict[str, list[Marked]], marked: Sequence[Marked]) -> PageIdentity:
    """Id, language, section, canonical url and translations (see the module doc)."""
    parts = urlsplit(url)
    ui, section, source_id = split_article_path(parts.path)
    print_links = [m.href for m in by_class.get("print-tv__link", []) if m.name == "a" and m.href]
    trans_links = [(x.group(1), m.href) for m in marked if m.name == "a" and m.href
                   for x in map(_TRANSLATION_CLASS.match, m.classes) if x]
    if source_id is None:
        source_id = next((i for i in map(query_id, print_links) if i), None)
    if source_id is None:
        source_id = next((i for i in (path_id(href) for _, href in trans_links) if i), None)
    if source_id is None:
        raise NotAnArticle("no numeric id in url or page links")
    # translation links belonging to this document (not, say, a UI switcher elsewhere)
    trans_links = [(xx, href) for xx, href in trans_links if path_id(href) in (None, source_id)]
    if ui is None or section is None:
        ui, section = _path_from_links(trans_links, source_id, ui, section)

    lang = query_lang(url)
    if lang is None:
        lang = next((v for v in map(query_lang, print_links) if v), None)
    lang = lang or ui
    if lang is None:
        raise NotAnArticle("cannot tell the content language (no ?lang=, no UI prefix)")
    canonical = _canonical(parts, ui or lang, section, source_id, lang)
    return PageIdentity(source_id, lang, section, canonical, _languages(url, trans_links, lang, canonical))


def _path_from_links(trans_links: list[tuple[str, str]], source_id: int, ui: str | None,
                     section: str | None) -> tuple[str | None, str | None]:
    """UI prefix and section the url lacks, from the first translation link to this document."""
    for _, href in trans_links:
        l_ui, l_section, l_id = split_article_path(urlsplit(href).path)
        if l_id == source_id:
            return ui or l_ui, section or l_section
    return ui, section


def _canonical(parts: SplitResult, ui: str, section: str | None, source_id: int, lang: str) -> str:
    """``scheme://host/<ui>/<section>/<id>/?lang=<lang>`` (scheme and host of the given url)."""
    scheme = parts.scheme or "https"
    if section:
        path = f"/{ui}/{section}/{source_id}/"
    else:
        path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return urlunsplit((scheme, parts.netloc, path, f"lang={lang}", ""))


def _languages(url: str, trans_links: list[tuple[str, str]], lang: str, canonical: str) -> dict[str, str]:
    """``{xx: absolute href}`` of the translation links (first per language), own language included."""
    languages: dict[str, str] = {}
    for xx, href in trans_links:
        if xx in languages:
            continue
        link = absolute(url, href)
        languages[xx] = urlunsplit(urlsplit(link)._replace(fragment=""))
    languages[lang] = canonical
    return languages


# --- date ------------------------------------------------------------------------------------

def _published_at(by_class: dict[str, list[Marked]], order: dict[int, int],
                  title_el: Marked | None) -> str | None:
    """Date/time elements nearest before the title (else the first ones on the page)."""
    def pick(cls: str) -> Marked | None:
        found = by_class.get(cls, [])
        if not found:
            return None
        if title_el is not None:
            pos = order.get(id(title_el), 0)
            before = [t for t in found if order[id(t)] < pos]
            if before:
                return before[-1]
        return found[0]

    date_el = pick("photo-content__date") or pick("announcement__date")
    if date_el is None:
        return None
    time_el = pick("photo-content__time") or pick("announcement__time")
    published = parse_display_date(date_el.text(), time_el.text() if time_el else None)
    if published is None and time_el is not None:
        published = parse_display_date(date_el.text())
    return published
