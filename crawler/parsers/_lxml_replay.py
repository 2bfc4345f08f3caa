"""The parsers' fast path: lxml's tree replayed into BeautifulSoup's lxml tree builder.

This module leans on BeautifulSoup's internals (it subclasses the private
``bs4.builder._lxml.LXMLTreeBuilder`` and drives its handlers) and on how that builder turns
lxml's parser events into a tree. ``crawler.parsers._soup`` imports it only on the
BeautifulSoup minor versions it was checked on (``_soup.TESTED_BS4``); elsewhere pages go
through BeautifulSoup's public strained parse, with identical records (``tests/test_soup.py``).

``document(html)`` is lxml's tree of a page, or None for the pages whose tree BeautifulSoup
would not build the same way (they take BeautifulSoup's own route); ``build(elements, skip)``
is BeautifulSoup's tree of lxml subtrees, from the events lxml's target parser would have sent
it for them; it raises ``Ambiguous`` where the lxml tree cannot tell which events those were.
"""
from __future__ import annotations

import re
import threading
from typing import Callable, Sequence

from bs4 import BeautifulSoup
from bs4.builder import DetectsXMLParsedAsHTML
from bs4.builder._lxml import LXMLTreeBuilder
from lxml import etree

__all__ = ["Ambiguous", "build", "document"]

# (name, classes) of an element -> leave it out of the tree (``_soup.Skip``)
Skip = Callable[[str, Sequence[str]], bool]

_START_TAG = re.compile(r"<[A-Za-z]")
_DOCTYPE = re.compile(r"<![Dd][Oo][Cc][Tt][Yy][Pp][Ee]")  # ASCII case-insensitive, as parsed
_NAMESPACED_CLASS = re.compile(r"\}[Cc][Ll][Aa][Ss][Ss]")
# libxml2's tree builder stops the whole parse at this nesting depth (256) and at a 10 MB text
# node (at most 4 UTF-8 bytes a character); the events BeautifulSoup gets have no such limits.
_MAX_DEPTH = 200
_MAX_CHARS = 2_000_000


class Ambiguous(Exception):
    """The lxml tree does not tell which events BeautifulSoup would have received."""


def document(html: str) -> etree._Element | None:
    """lxml's tree of the page; None when the page takes BeautifulSoup's own route."""
    if _own_route(html):
        return None
    if html[:1] == "\N{BYTE ORDER MARK}":  # BeautifulSoup drops it before lxml sees it
        html = html[1:]
    try:
        root = _parse(html)
    except (etree.LxmlError, UnicodeError, LookupError):
        return None
    if root is None or _too_deep(root):  # (None: no element at all)
        return None
    return root


def build(elements: list[etree._Element], skip: Skip | None = None) -> BeautifulSoup:
    """BeautifulSoup's tree of lxml subtrees (see ``_SubtreeBuilder``); raises ``Ambiguous``.

    ``skip(name, classes)``: descendants it is true for are left out with their subtrees.
    """
    return BeautifulSoup(elements, builder=_SubtreeBuilder(skip))


def _own_route(html: str) -> bool:
    """Documents that only BeautifulSoup's own parse reads exactly as it does."""
    if len(html) >= _MAX_CHARS:
        return True
    # markup BeautifulSoup warns about (an XML prolog; a short string without markup that may
    # be a URL or a file name): let it see the markup and warn as before
    if html.startswith(DetectsXMLParsedAsHTML.XML_PREFIX):
        return True
    if len(html) <= 256 and "<" not in html and "\n" not in html:
        return True
    # BeautifulSoup reads an attribute named "{uri}class" as "class" (lxml: a foreign name)
    if "}" in html and _NAMESPACED_CLASS.search(html):
        return True
    return _stray_doctype(html)


def _stray_doctype(html: str) -> bool:
    """A ``<!DOCTYPE`` after the first start tag: BeautifulSoup puts a Doctype string where it
    stands (possibly inside a kept element), lxml's tree has no place for it."""
    first = _START_TAG.search(html)
    return first is not None and _DOCTYPE.search(html, first.start()) is not None


def _too_deep(root: etree._Element) -> bool:
    """Did the parse (possibly) stop at libxml2's depth limit? When it does, the element it
    was in is the last one in document order, so the chain of last children reaches it."""
    el, depth = root, 1
    while len(el):
        el = el[-1]
        depth += 1
    return depth >= _MAX_DEPTH


_PARSERS = threading.local()


def _parse(html: str) -> etree._Element | None:
    """The document as lxml builds it; the same push parser (feed/close) BeautifulSoup uses."""
    # A parser is reused (one per thread: lxml parsers are not thread-safe): reading a page
    # with a new parser costs about 1.5 times as much as with one that has read pages before.
    parser = getattr(_PARSERS, "html", None)
    if parser is None:
        parser = _PARSERS.html = etree.HTMLParser(recover=True)
    try:
        parser.feed(html)
        root = parser.close()
    except BaseException:
        _PARSERS.html = None  # never continue a half-read document
        raise
    return root


# libxml2's tree gives an HTML boolean attribute without a value (``<option selected>``) its
# own name as value; BeautifulSoup gets an empty string. ``selected="selected"`` looks the same
# in the tree, so such a value sends the page to BeautifulSoup's own parse.
_BOOLEAN_ATTRIBUTES = frozenset("""checked compact declare defer disabled ismap multiple nohref
    noresize noshade nowrap readonly selected""".split())


class _SubtreeBuilder(LXMLTreeBuilder):
    """BeautifulSoup's lxml builder fed with lxml subtrees instead of markup."""

    def __init__(self, skip: Skip | None = None) -> None:
        super().__init__()
        self.skip = skip

    def prepare_markup(self, markup, *args, **kwargs):  # type: ignore[no-untyped-def, override]
        yield markup, None, None, False

    def feed(self, markup: list[etree._Element]) -> None:  # type: ignore[override]
        soup = self.soup
        assert soup is not None
        # The parent's start()/end() without the namespace bookkeeping: HTML parsed by lxml
        # has no namespaces. Names that look namespaced ("{uri}name") are renamed by it, which
        # the tree cannot always tell apart: they make the replay give up.
        start_tag, end_tag, text = soup.handle_starttag, soup.handle_endtag, soup.handle_data
        attribute_dict = self.attribute_dict_class
        namespaces = self.active_namespace_prefixes[-1]
        skip = self.skip

        def replay(el: etree._Element) -> None:
            """The events lxml's target parser reports for ``el`` and its subtree (not its tail)."""
            tag = el.tag
            if type(tag) is str:
                items = el.items()
                if tag[:1] == "{":
                    raise Ambiguous(tag)
                for name, value in items:
                    if name[:1] == "{" or (value == name and name in _BOOLEAN_ATTRIBUTES):
                        raise Ambiguous(name)
                start_tag(tag, None, None, attribute_dict(items), namespaces=namespaces)
                if el.text:
                    text(el.text)
                for child in el:
                    if skip is None or type(child.tag) is not str or not skip(
                            child.tag, child.get("class", "").split()):
                        replay(child)
                    if child.tail:
                        text(child.tail)
                end_tag(tag)
            elif isinstance(el, etree._Comment):
                self.comment(el.text or "")
            elif isinstance(el, etree._ProcessingInstruction):
                self.pi(el.target, el.text or "")
            else:  # an entity reference: the HTML parser does not make them
                raise Ambiguous(repr(el))

        for el in markup:
            replay(el)
