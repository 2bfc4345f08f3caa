"""The ONE place for text normalisation (parsers, store and diff all rely on it).

``normalize_text(s)``
    Unicode NFC; no-break space, narrow no-break space, thin/hair/en/em and the other
    typographic spaces, tabs, line breaks and the Unicode line/paragraph separators become
    a plain space; soft hyphens and zero-width characters (ZWSP U+200B, ZWNJ U+200C,
    ZWJ U+200D, word joiner U+2060, BOM/ZWNBSP U+FEFF, Mongolian vowel separator U+180E)
    are removed; runs of whitespace collapse to one space; the result is stripped.
    Punctuation, quotes, dashes, letter case and ``ё`` are kept as published
    (cosmetic folding for comparisons lives in ``scheduler/compare.py``, not here).
    Bidirectional marks (LRM/RLM) are kept: they are rare and can matter in Arabic text.

``normalize_inline(s)``
    The same clean-up for a *fragment* that will be concatenated with neighbours: whitespace
    runs collapse to a single space but leading/trailing space is kept (one space at most).

Element text (BeautifulSoup)
    ``text_runs(el)`` walks an element and yields ``(text, bold)`` runs plus the ``BREAK``
    sentinel for ``<br>`` and for the boundaries of nested block elements. Text nodes are
    concatenated exactly as in the markup, so no space is invented between inline elements:
    ``<strong>Из ответов на вопросы</strong>:`` gives ``"Из ответов на вопросы:"``, and
    ``(<a>1</a>,<a>2</a>)`` gives ``"(1,2)"``. Comments, scripts and styles are skipped.

    ``collect_runs(el, bold, out)`` appends the same runs to a list (what the parsers use: a
    plain recursive walk is several times cheaper than nested generators).

    ``element_text(el)`` joins everything into one normalised line: ``<br>`` and block
    boundaries become one space.  ``element_lines(el)`` instead splits at ``<br>`` and block
    boundaries and returns the non-empty normalised lines.  The article parser uses the
    ``element_lines`` convention for body paragraphs (``<br>`` starts a new paragraph) and the
    ``element_text`` convention for titles and table cells.

    ``lxml_element_text(el)`` is ``element_text`` for an element of an lxml tree: the same
    string as for BeautifulSoup's tree built from that element (a parser can read a few
    small elements without building BeautifulSoup objects for them). BeautifulSoup turns a
    string of nothing but ASCII whitespace into one space or newline; normalisation makes
    that invisible.
"""
from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING, Iterator, Union

from bs4.element import (
    CData,
    Comment,
    Declaration,
    Doctype,
    NavigableString,
    ProcessingInstruction,
    Tag,
)

if TYPE_CHECKING:
    from lxml import etree

__all__ = [
    "BREAK",
    "BLOCK_TAGS",
    "Run",
    "normalize_text",
    "normalize_inline",
    "text_runs",
    "collect_runs",
    "element_text",
    "element_lines",
    "lxml_element_text",
]

# Characters deleted outright (invisible, never meaningful in ministry texts).
_REMOVE_CHARS = "\u00ad\u200b\u200c\u200d\u2060\ufeff\u180e"
_REMOVE = re.compile("[" + _REMOVE_CHARS + "]")
# Python's \s covers every Unicode space we care about: NBSP U+00A0, U+1680, U+2000-U+200A
# (en/em/thin/hair...), U+2028/U+2029, U+202F (narrow NBSP), U+205F, U+3000, U+0085, tabs
# and line breaks. (ZWSP U+200B and U+180E are not spaces: they are removed above.)
_WS = re.compile(r"\s+")


def _clean(s: str) -> str:
    if s.isascii():  # already NFC, nothing to remove
        return s
    if not unicodedata.is_normalized("NFC", s):
        s = unicodedata.normalize("NFC", s)
    # membership tests are much cheaper than a regex scan, and most texts have none of these
    if ("\u00ad" in s or "\u200b" in s or "\u200c" in s or "\u200d" in s or "\u2060" in s
            or "\ufeff" in s or "\u180e" in s):
        s = _REMOVE.sub("", s)
    return s


def normalize_text(s: str | None) -> str:
    """Normalise a piece of text (see module docstring). ``None`` gives ``""``."""
    if not s:
        return ""
    # str.split() splits on exactly the characters \s matches (str.isspace) and drops the
    # empty ends: the same as _WS.sub(" ", ...).strip(), without the regex
    return " ".join(_clean(s).split())


def normalize_inline(s: str | None) -> str:
    """Like :func:`normalize_text` but keeps (at most one) leading/trailing space."""
    if not s:
        return ""
    return _WS.sub(" ", _clean(s))


class _Break:
    """Sentinel yielded by :func:`text_runs` for ``<br>`` and block boundaries."""

    _instance = None

    def __new__(cls) -> "_Break":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "BREAK"


BREAK = _Break()

BLOCK_TAGS = frozenset(
    """address article aside blockquote body caption center dd details div dl dt fieldset
    figcaption figure footer form h1 h2 h3 h4 h5 h6 header hr html li main nav ol p pre section
    summary table tbody td tfoot th thead tr ul""".split()
)
_SKIP_TAGS = frozenset("script style noscript template head title".split())
_BOLD_TAGS = frozenset(("strong", "b"))
_SKIP_STRINGS = (Comment, CData, ProcessingInstruction, Declaration, Doctype)

Run = Union[tuple[str, bool], _Break]


def text_runs(el: Tag | NavigableString, bold: bool = False) -> Iterator[Run]:
    """Yield ``(text, bold)`` runs and ``BREAK`` markers for an element (see module doc)."""
    runs: list[Run] = []
    collect_runs(el, bold, runs)
    yield from runs


def collect_runs(el: Tag | NavigableString, bold: bool, out: list[Run]) -> None:
    """Append the :func:`text_runs` of ``el`` to ``out``."""
    if isinstance(el, NavigableString):
        if not isinstance(el, _SKIP_STRINGS):
            out.append((str(el), bold))
        return
    if not isinstance(el, Tag):
        return
    name = el.name
    if name in _SKIP_TAGS:
        return
    if name == "br":
        out.append(BREAK)
        return
    block = name in BLOCK_TAGS
    if block:
        out.append(BREAK)
    child_bold = bold or name in _BOLD_TAGS
    for child in el.contents:
        if type(child) is NavigableString:  # the common case, without a call
            out.append((str(child), child_bold))
        else:
            collect_runs(child, child_bold, out)
    if block:
        out.append(BREAK)


def element_text(el: Tag | NavigableString | None) -> str:
    """One normalised line of text; ``<br>`` and nested blocks become a single space."""
    if el is None:
        return ""
    runs: list[Run] = []
    collect_runs(el, False, runs)
    return normalize_text("".join([" " if r is BREAK else r[0] for r in runs]))  # type: ignore[index]


def lxml_element_text(el: "etree._Element") -> str:
    """:func:`element_text` of an lxml element (see module doc)."""
    parts: list[str] = []
    _collect_lxml_text(el, parts)
    return normalize_text("".join(parts))


def _collect_lxml_text(el: "etree._Element", out: list[str]) -> None:
    tag = el.tag
    if not isinstance(tag, str):  # comment, processing instruction (their tails are not theirs)
        return
    if tag[:1] == "{" and "}" in tag:  # BeautifulSoup's name for "{uri}name" is "name"
        tag = tag[1:].split("}", 1)[1]
    if tag in _SKIP_TAGS:
        return
    if tag == "br":
        out.append(" ")
        return
    block = tag in BLOCK_TAGS
    if block:
        out.append(" ")
    if el.text:
        out.append(el.text)
    for child in el:
        _collect_lxml_text(child, out)
        if child.tail:
            out.append(child.tail)
    if block:
        out.append(" ")


def element_lines(el: Tag | NavigableString | None) -> list[str]:
    """Normalised non-empty lines; ``<br>`` and nested block boundaries split lines."""
    if el is None:
        return []
    lines: list[str] = []
    cur: list[str] = []
    runs: list[Run] = []
    collect_runs(el, False, runs)
    for r in runs:
        if r is BREAK:
            lines.append(normalize_text("".join(cur)))
            cur = []
        else:
            cur.append(r[0])  # type: ignore[index]
    lines.append(normalize_text("".join(cur)))
    return [line for line in lines if line]
