"""Markup of the older portal (G1, archive.mid.ru) its article and listing parsers both read.

``is_g1_page`` tells the portal's pages from the current site's; ``is_ministry_name`` spots the
ministry's own name (the page header's ``h1``); ``status_date`` reads a status line
(``.article-status-line``/``.anons-status-line`` or a listing item's line) as a whole: date text with the
time in a nested ``i`` after it ("3 February 2020<i>14:15</i>", rendered glued as "3 February 202014:15")
or before it (``<i>09:40</i> <span>10 December 2009</span>``), month names in ru/en/de/fr/es or numeric dates (``crawler.dates``), with the offset Moscow had on
that day.
"""
from __future__ import annotations

import re

from bs4.element import Comment, NavigableString, Tag

from crawler.dates import parse_display_date_historic
from crawler.text import element_text, normalize_text

__all__ = ["MINISTRY_NAMES", "DOC_NUMBER", "classes", "is_g1_page", "is_ministry_name", "status_date"]

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

_G1_MARKERS = re.compile(
    r"portlet-column|article-status-line|anons-status-line|/-/asset_publisher/|_101_INSTANCE_"
    r"|dxl-par|page-block news-articles|class=\"paginates", re.IGNORECASE)
DOC_NUMBER = re.compile(r"\b\d{1,6}-\d{2}-\d{2}-\d{4}\b")
_TIME = re.compile(r"(?<![\d:])\d{1,2}:\d{2}(?::\d{2})?(?![\d:])")
_DATE_IN_TEXT = re.compile(
    r"(\d{1,2}[./]\d{1,2}[./]\d{4}|\d{1,2}\.?\s*(?:de\s+)?[^\W\d_]+\.?\s*(?:de\s+)?\d{4})"
    r"\s*(?:г\.|года)?\s*,?\s*(\d{1,2}:\d{2})?")


def classes(el: Tag) -> list[str]:
    """The element's class tokens (the portal's class attributes carry stray spaces)."""
    value = el.get("class") or []
    return value.split() if isinstance(value, str) else list(value)


def is_ministry_name(text: str) -> bool:
    """The ministry's own name (page header), in any of the portal's languages."""
    key = normalize_text(text).casefold()
    if key in MINISTRY_NAMES:
        return True
    m = _MINISTRY_HEAD.match(key)
    return bool(m) and all(w in _MINISTRY_TAIL_WORDS for w in re.findall(r"\w+", m.group("rest")))


def is_g1_page(html: str | bytes | None, url: str | None = None) -> bool:
    """True if the page (or its URL) belongs to the older portal (Liferay asset publisher)."""
    if url and ("/-/asset_publisher/" in url or "p_p_id=101_INSTANCE_" in url):
        return True
    if not html:
        return False
    if isinstance(html, bytes):
        html = html.decode("utf-8", "replace")
    return bool(_G1_MARKERS.search(html))


def _own_text(el: Tag, skip: Tag) -> str:
    parts = []
    for node in el.descendants:
        if isinstance(node, NavigableString) and not any(p is skip for p in node.parents):
            parts.append(str(node))
    return normalize_text("".join(parts))


def _whole_line(el: Tag) -> tuple[str, str | None]:
    """(date text, time text) of a whole status line: each text node a word of its own (the portal glues the
    date and the ``i`` holding the time), the document number left out, the time wherever it stands. The date
    alone when the line shows two different times (nothing is guessed)."""
    pieces = [normalize_text(str(n)) for n in el.descendants
              if isinstance(n, NavigableString) and not isinstance(n, Comment)]
    text = DOC_NUMBER.sub(" ", " ".join(p for p in pieces if p))
    times = set(_TIME.findall(text))
    return normalize_text(_TIME.sub(" ", text)), (times.pop() if len(times) == 1 else None)


def status_date(el: Tag | None) -> str | None:
    """Publication time from a G1 status line (``.article-status-line``/``.anons-status-line``
    or a listing item's line): ISO 8601 with the Moscow offset of that day, or None."""
    if el is None:
        return None
    tries: list[tuple[str, str | None]] = [_whole_line(el)]
    for i in el.find_all("i"):
        time_text = element_text(i)
        parent = i.parent if isinstance(i.parent, Tag) else el
        tries.append((_own_text(parent, i), time_text))
        tries.append((time_text, None))
    text = element_text(el)
    doc = DOC_NUMBER.search(text)
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
