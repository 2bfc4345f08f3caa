"""Read pages with lxml; build BeautifulSoup trees only for the parts a parser walks."""
from __future__ import annotations

import logging
import re
from types import ModuleType
from typing import Callable, Iterable, Sequence

import bs4
from bs4 import BeautifulSoup, SoupStrainer
from bs4.element import Tag
from lxml import etree

from crawler.text import element_text, lxml_element_text

__all__ = ["ClassCut", "Cut", "Marked", "FAST_PATH", "TESTED_BS4"]

# (name, classes) of an element -> leave it out of the tree, see Cut.tree()
Skip = Callable[[str, Sequence[str]], bool]

# BeautifulSoup minor versions the fast path (``_lxml_replay``: private bs4 internals) was
# checked on: tests/test_soup.py gives identical records on both paths for every fixture. Keep
# in step with the beautifulsoup4 pin in pyproject.toml.
TESTED_BS4 = frozenset({"4.13", "4.14", "4.15"})


def _load_replay() -> ModuleType | None:
    """``_lxml_replay`` on a tested BeautifulSoup, else None (the public strained parse only)."""
    minor = ".".join(bs4.__version__.split(".")[:2])
    if minor not in TESTED_BS4:
        logging.getLogger(__name__).info(
            "beautifulsoup4 %s: lxml fast path not tested on it, pages go through BeautifulSoup's own parse",
            bs4.__version__)
        return None
    try:
        import crawler.parsers._lxml_replay as _lxml_replay
    except (ImportError, AttributeError):  # a private name it uses has gone
        return None
    return _lxml_replay


_replay = _load_replay()
# False: every page goes through BeautifulSoup's own strained parse (same records, slower)
FAST_PATH = _replay is not None


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
    for them, through its own handlers (``_lxml_replay``).

    lxml's tree and those events differ in a few corners; a page that reaches one of them is
    read from BeautifulSoup's own strained parse instead (``_lxml_replay``), with the same
    marks. So is every page when ``FAST_PATH`` is off (an untested BeautifulSoup version).

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
        if not FAST_PATH or _replay is None:
            return None
        root = _replay.document(html)
        if root is None:
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
        assert _replay is not None  # an lxml node: the fast path read the page
        try:
            soup = _replay.build([mark.node], skip)
        except _replay.Ambiguous:
            return self._strained_twin(mark).node  # type: ignore[return-value]
        return soup.contents[0]  # type: ignore[return-value]

    def soup(self) -> BeautifulSoup:
        """The strained soup: all kept subtrees, in document order."""
        if self.roots is not None and _replay is not None:
            try:
                return _replay.build(self.roots)
            except _replay.Ambiguous:
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


def _inside(el: etree._Element, ancestor: etree._Element) -> bool:
    return any(a is ancestor for a in el.iterancestors())
