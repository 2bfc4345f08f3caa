"""The older portal's (G1) article body -> paragraphs: its own debris removed, then ``body.extract_paragraphs``.

Inside the body container, a translation list, related-material boxes and everything from an
"Additional materials"/"Дополнительные материалы" heading on are dropped, as are stray lines
that are only portal chrome ("Navigation", "Translation (original)", "Advanced settings",
"Дополнительные инструменты поиска", "de-DE1 en-GB1 …"). Paragraphs and speakers are then
exactly the current site's (``crawler.parsers.body``, ``crawler.parsers.speakers``).
"""
from __future__ import annotations

import re

from bs4.element import NavigableString, Tag

from crawler.text import element_text, normalize_text

from .body import extract_paragraphs
from .g1_page import classes

__all__ = ["g1_paragraphs"]

_LANG_CODES_LINE = re.compile(r"^(?:[a-z]{2}[-_][A-Z]{2}\s*\d*\s*)+$")
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


def g1_paragraphs(body: Tag) -> list[dict]:
    """The body container's paragraphs (``body.extract_paragraphs``) without the portal's debris.

    Removes the debris and the noise elements from ``body`` (in place).
    """
    _clean_body(body)
    return [p for p in extract_paragraphs(body)
            if p["speaker"] is not None or not _is_chrome_line(p["text"])]


def _key(text: str) -> str:
    return re.sub(r"^[\W_]+|[\W_]+$", "", normalize_text(text).casefold())


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
        if any(_BODY_NOISE_CLASS.match(c) for c in classes(el)):
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
