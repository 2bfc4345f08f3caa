"""Read pages with lxml; build BeautifulSoup trees only for the parts a parser walks."""
from __future__ import annotations

import re
import threading
from typing import Callable, Iterable, Sequence

from bs4 import BeautifulSoup, SoupStrainer
from bs4.builder import DetectsXMLParsedAsHTML
from bs4.builder._lxml import LXMLTreeBuilder
from bs4.element import Tag
from lxml import etree

from crawler.text import element_text, lxml_element_text

__all__ = ["ClassCut", "Cut", "Marked"]

# (name, classes) of an element -> leave it out of the tree, see Cut.tree()
Skip = Callable[[str, Sequence[str]], bool]


class ClassCut:
    """Cuts pages down to the elements that carry one of ``keep`` (with their subtrees): what
    ``BeautifulSoup(html, "lxml", parse_only=<strainer on those classes>)`` keeps.

    ``cut(html)`` gives a ``Cut``: the elements of the kept subtrees that carry one of the
    ``watch`` classes (or a class starting with one of ``watch_prefixes``) as ``Marked``
    (name, classes, href and text, as BeautifulSoup would have them), and BeautifulSoup trees
    of kept elements on demand, identical to the strained soup's.

    Why: the strained parse still makes BeautifulSoup look at every tag, string and comment
    of the page, in Python. Here libxml2 (the parser behind BeautifulSoup's "lxml" builder)
    builds the document in C, the marks are read from lxml's tree, and BeautifulSoup builds
    only the subtrees a parser walks, from the events lxml's target parser would have sent it
    for them (``_SubtreeBuilder``), through its own handlers.

    lxml's tree and those events differ in a few corners; a page that reaches one of them is
    read from BeautifulSoup's own strained parse instead (``_own_route``, ``_too_deep``,
    ``_Ambiguous``), with the same marks.

    ``keep_if(tokens)``, when given, narrows ``keep``: an element carrying one of ``keep`` is
    kept only if it is also true for the element's class tokens (say, "both of two classes").
    It is part of the strainer too, so both routes keep the same elements.
    """

    def __init__(self, keep: Iterable[str], watch: Iterable[str],
                 watch_prefixes: tuple[str, ...] = (),
                 keep_if: Callable[[list[str]], bool] | None = None) -> None:
        self.keep = frozenset(keep)
        self.keep_if = keep_if
        self.watch = frozenset(watch)
        self.watch_prefixes = watch_prefixes
        self.strainer = SoupStrainer(class_=self._keep_value)
        # A substring test that every kept or watched class value passes (tokens are checked after).
        names = sorted(self.keep | self.watch | set(self.watch_prefixes), key=len, reverse=True)
        self._interesting = re.compile("|".join(map(re.escape, names)) or "(?!)").search

    def _keep_value(self, value: object) -> bool:
        """The strainer's test on a raw ``class`` attribute value."""
        if not value:
            return False
        tokens = value.split() if isinstance(value, str) else list(value)  # type: ignore[call-overload]
        return self._kept(tokens)

    def _kept(self, tokens: list[str]) -> bool:
        """Is an element with these class tokens kept (with its subtree)?"""
        if self.keep.isdisjoint(tokens):
            return False
        return self.keep_if is None or self.keep_if(tokens)

    def _watched(self, value: str, tokens: list[str]) -> bool:
        """Is an element with this ``class`` value (and its tokens) marked?"""
        if not self.watch.isdisjoint(tokens):
            return True
        for prefix in self.watch_prefixes:
            if prefix in value and any(t.startswith(prefix) for t in tokens):
                return True
        return False

    def cut(self, html: str) -> Cut:
        """The page ``html`` cut down (see the class docstring)."""
        cut = Cut(self, html)
        read = self._read_lxml(html)
        if read is None:
            cut.marked = cut._strained_marks()
        else:
            cut.roots, cut.marked = read
        return cut

    def _read_lxml(self, html: str) -> tuple[list[etree._Element], list[Marked]] | None:
        """Kept roots and marks from lxml's tree (None: the page takes BeautifulSoup's route)."""
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
        roots: list[etree._Element] = []
        marked: list[Marked] = []
        keep_classes, keep_if, watched = self.keep, self.keep_if, self._watched
        interesting = self._interesting
        # (Walking the tree beats XPath here: "//*[@class]" builds and sorts a node set, 2x slower on a
        # page with full site menus; one contains() test per class is slower still.)
        for el in root.iter(etree.Element):
            value = el.get("class")
            if not value or interesting(value) is None:
                continue  # none of the names occurs in it: most of a page (menus, footer, ...)
            tokens = value.split()
            # (self._kept(tokens), inline: this runs for every element with a class)
            keep = not keep_classes.isdisjoint(tokens) and (keep_if is None or keep_if(tokens))
            if not (keep or watched(value, tokens)):
                continue
            # document order: an element inside a kept one is inside the last kept one
            inside = bool(roots) and _inside(el, roots[-1])
            if keep and not inside:
                roots.append(el)
                inside = True
            if inside and watched(value, tokens):
                tag = el.tag
                if tag[:1] == "{" or any(k[:1] == "{" for k in el.keys()):
                    return None  # BeautifulSoup renames "{uri}name" (tag or attribute)
                marked.append(Marked(tag, tokens, el.get("href"), el))
        return roots, marked


class Marked:
    """A watched element of the kept subtrees: its name, classes and href as BeautifulSoup
    has them, and its text (``crawler.text.element_text``)."""

    __slots__ = ("name", "classes", "href", "node", "_text")

    def __init__(self, name: str, classes: list[str], href: str | None,
                 node: etree._Element | Tag) -> None:
        self.name = name
        self.classes = classes
        self.href = href
        self.node = node
        self._text: str | None = None

    def text(self) -> str:
        if self._text is None:
            node = self.node
            self._text = element_text(node) if isinstance(node, Tag) else lxml_element_text(node)
        return self._text


class Cut:
    """One page cut down by a ``ClassCut``: ``marked``, ``tree(mark)``, ``soup()``."""

    roots: list[etree._Element] | None  # lxml's kept subtrees; None on BeautifulSoup's route
    marked: list[Marked]                # watched elements, in document order

    def __init__(self, cutter: ClassCut, html: str) -> None:
        self._cutter = cutter
        self._html = html
        self._strained: BeautifulSoup | None = None
        self._strained_marked: list[Marked] | None = None
        self.roots = None
        self.marked = []

    def tree(self, mark: Marked, skip: Skip | None = None) -> Tag:
        """BeautifulSoup's tree of a marked element (from ``marked``).

        ``skip(name, classes)``: descendants it is true for are left out with their subtrees,
        as if removed right after parsing, except that the strings before and after one come
        out as one string. On BeautifulSoup's route they are in the tree: remove them.
        """
        if isinstance(mark.node, Tag):
            return mark.node
        try:
            soup = BeautifulSoup([mark.node], builder=_SubtreeBuilder(skip))
        except _Ambiguous:
            return self._strained_twin(mark).node  # type: ignore[return-value]
        return soup.contents[0]  # type: ignore[return-value]

    def soup(self) -> BeautifulSoup:
        """The strained soup: all kept subtrees, in document order."""
        if self.roots is not None:
            try:
                return BeautifulSoup(self.roots, builder=_SubtreeBuilder())
            except _Ambiguous:
                pass
        return self._strained_soup()

    def _strained_soup(self) -> BeautifulSoup:
        if self._strained is None:
            self._strained = BeautifulSoup(self._html, "lxml", parse_only=self._cutter.strainer)
        return self._strained

    def _strained_marks(self) -> list[Marked]:
        """The watched elements of BeautifulSoup's own strained parse."""
        if self._strained_marked is None:
            watched = self._cutter._watched
            marked = []
            for t in self._strained_soup().descendants:
                if isinstance(t, Tag) and t.get("class"):
                    value = t["class"]
                    tokens = value.split() if isinstance(value, str) else list(value)
                    if watched(" ".join(tokens), tokens):
                        href = t.get("href")
                        href = None if href is None else str(href)
                        marked.append(Marked(t.name, tokens, href, t))
            self._strained_marked = marked
        return self._strained_marked

    def _strained_twin(self, mark: Marked) -> Marked:
        """The same watched element in BeautifulSoup's own strained parse."""
        index = self.marked.index(mark)
        twins = self._strained_marks()
        if len(twins) != len(self.marked) or twins[index].classes != mark.classes:
            raise RuntimeError("lxml and BeautifulSoup disagree about the marked elements")
        return twins[index]


_START_TAG = re.compile(r"<[A-Za-z]")
_DOCTYPE = re.compile(r"<![Dd][Oo][Cc][Tt][Yy][Pp][Ee]")  # ASCII case-insensitive, as parsed
_NAMESPACED_CLASS = re.compile(r"\}[Cc][Ll][Aa][Ss][Ss]")
# libxml2's tree builder stops the whole parse at this nesting depth (256) and at a 10 MB text
# node (at most 4 UTF-8 bytes a character); the events BeautifulSoup gets have no such limits.
_MAX_DEPTH = 200
_MAX_CHARS = 2_000_000


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


def _inside(el: etree._Element, ancestor: etree._Element) -> bool:
    return any(a is ancestor for a in el.iterancestors())


class _Ambiguous(Exception):
    """The lxml tree does not tell which events BeautifulSoup would have received."""


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
                    raise _Ambiguous(tag)
                for name, value in items:
                    if name[:1] == "{" or (value == name and name in _BOOLEAN_ATTRIBUTES):
                        raise _Ambiguous(name)
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
                raise _Ambiguous(repr(el))

        for el in markup:
            replay(el)
