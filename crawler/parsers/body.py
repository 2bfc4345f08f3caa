"""An article's body container -> paragraphs (both portals): ``extract_paragraphs(body)``.

What a "paragraph" is:
    * Only the statement itself: inside the body container, media (img, video, audio,
      iframe, MediaElement ``mejs__*`` trees, ``div.video-player``), share links, photo
      sliders, "Дополнительные материалы"/"Additional materials" blocks, print/TV links
      and the browser-only ``span.masha_index`` markers are removed (by tag and by the
      site's widget class names; a paragraph whose whole text is "Дополнительные материалы",
      "Фотоальбом", "Video Player" or a photo counter is dropped too).
      Everything outside the body container is ignored anyway.
    * One paragraph per leaf block: ``p``, ``h1``-``h6``, ``li`` (of real lists), ``div`` text,
      ``blockquote``, ``dt``/``dd``, ``pre``. Blocks that contain other blocks are descended
      into; loose inline text between blocks forms its own paragraph.
    * ``<br>`` ends a paragraph: the parts before and after a line break are separate
      paragraphs (lets "Вопрос: …<br>Ответ: …" split into speakers; empty parts vanish).
    * Tables: one paragraph per row, non-empty cell texts joined by ``" | "`` (``<br>`` inside a
      cell is a space). Single-column tables are layout: their cells are walked like a body.
    * Headings of briefing sections are kept as ordinary paragraphs (speaker None); so is a
      press release's centred label "СООБЩЕНИЕ ДЛЯ СМИ" - it is part of the published text.
    * Dropped: empty paragraphs (``&nbsp;``), the briefing table of contents (a heading whose
      text is "СОДЕРЖАНИЕ"/"Содержание"/"Table of contents"/"Contents"/"Inhalt"/"Sommaire"/
      "Índice"/"Contenido"... and every ``li``/``p`` whose whole text is links to ``#…``
      anchors, which includes the "Из ответов на вопросы:" link to ``#100``), and the
      "Назад к оглавлению"/"Back to contents"/"Back to the table of contents" links. The
      *heading* "Из ответов на вопросы:" in the body (an anchor target, not a link) is kept.
    * Text goes through ``crawler.text`` only; punctuation and case are kept. Inline elements
      are concatenated as in the markup, so no space is invented ("вопросы</strong>:").
    * Speaker labels are split off by ``crawler.parsers.speakers``.
"""
from __future__ import annotations

import re
from typing import Iterator, Sequence

from bs4.element import NavigableString, PageElement, Tag

from crawler.text import BLOCK_TAGS, BREAK, Run, collect_runs, element_text

from .speakers import Segment, read_paragraph

__all__ = ["extract_paragraphs", "is_noise"]

_NOISE_TAGS = frozenset(
    """script style noscript template video audio iframe img picture source track object embed
    svg canvas button input select textarea form mediaelementwrapper map figure""".split()
)
# Classes of the site's own non-text widgets (never editor content): MaSha markers, the
# MediaElement player, video players, share buttons, photo sliders/popups, the "additional
# materials" block, media strips, print/TV links.
_NOISE_CLASS = re.compile(
    r"^(?:masha_index|mejs__|video-player|share(?:$|__|-line)|photo-slider|slider[-_]|"
    r"additional(?:$|__)|main-medias|print-tv)"
)
_TOC_TITLES = frozenset({
    "содержание", "оглавление", "table of contents", "contents", "content", "inhalt",
    "inhaltsverzeichnis", "sommaire", "table des matières", "índice", "indice", "contenido",
    "contenidos", "sumário", "sumario", "المحتويات",
})
_BACK_TEXTS = frozenset({
    "назад к оглавлению", "к оглавлению", "назад к содержанию", "к содержанию",
    "back to contents", "back to the contents", "back to table of contents",
    "back to the table of contents", "back to top", "zurück zum inhaltsverzeichnis",
    "zurück zum inhalt", "zurück zur übersicht", "retour au sommaire", "retour à la table des matières",
    "retour au contenu", "volver al índice", "volver al indice", "volver al contenido",
    "regresar al índice", "voltar ao índice", "voltar ao sumário",
})
_NOISE_TEXTS = frozenset({
    "дополнительные материалы", "additional materials", "zusätzliche materialien",
    "matériaux supplémentaires", "materiales adicionales", "materiais adicionais",
    "фотоальбом", "photo album", "video player",
})
_ALBUM_COUNTER = re.compile(r"^\d+ из \d+ фотографий в альбоме$|^\d+ of \d+ photos in album$")
_NON_LETTERS = re.compile(r"[\W_]+")

# ("flow", nodes, bold) for a leaf block or an inline run; ("row", [tr], bold) for a table row
Unit = tuple[str, list[PageElement], bool]


def extract_paragraphs(body: Tag) -> list[dict]:
    """Body container -> ``[{"speaker": str | None, "text": str}, ...]`` (see module doc).

    Removes the noise elements from ``body`` (in place).
    """
    holders: set[int] = set()
    _strip_noise(body, holders)
    out: list[dict] = []
    pending: str | None = None  # a label alone in its paragraph, for the next one
    for kind, nodes, bold in _units(body, holders):
        if kind == "row":
            text = _row_text(nodes[0])  # type: ignore[arg-type]
            if text and not _skip_text(text):
                out.append({"speaker": None, "text": text})
            continue
        if _anchor_only(nodes):
            continue
        for seg in _segments(nodes, bold):
            para = read_paragraph(seg)
            if para is None:
                continue
            speaker, text, label_only = para
            if label_only:
                pending = speaker
                continue
            if speaker is None and _skip_text(text):
                continue
            if speaker is None and pending is not None:
                speaker = pending
            pending = None
            out.append({"speaker": speaker, "text": text})
    return out


# --- noise -----------------------------------------------------------------------------------

def is_noise(name: str, classes: Sequence[str]) -> bool:
    """Is an element with this tag name and these class tokens body noise (media, widgets)?"""
    if name in _NOISE_TAGS:
        return True
    return bool(classes) and any(_NOISE_CLASS.match(c) for c in classes)


def _is_noise(el: Tag) -> bool:
    if el.name in _NOISE_TAGS:
        return True
    return bool(el.get("class")) and any(_NOISE_CLASS.match(c) for c in _classes(el))


def _classes(el: Tag) -> list[str]:
    value = el.get("class") or []
    return value.split() if isinstance(value, str) else list(value)


def _strip_noise(root: Tag, holders: set[int]) -> bool:
    """Remove media/share/slider/marker elements (top-down, never visiting removed subtrees).

    On the way back up, note in ``holders`` the ids of the tags that still contain a
    block-level descendant (one pass, instead of walking each element's subtree again at
    every level of nesting). Returns whether ``root`` is a block or contains one.
    """
    inner = False
    for child in list(root.contents):
        if isinstance(child, Tag):
            if _is_noise(child):
                child.decompose()
            elif _strip_noise(child, holders):
                inner = True
    if inner:
        holders.add(id(root))
    return inner or root.name in BLOCK_TAGS


def _key(text: str) -> str:
    """Casefolded text without surrounding punctuation, for phrase comparisons."""
    # = re.sub(r"^[\W_]+|[\W_]+$", "", ...): [\W_] is exactly "not str.isalnum()", and these
    # loops look at the ends only where the regex tries every position of a long paragraph
    k = text.casefold()
    start, end = 0, len(k)
    while start < end and not k[start].isalnum():
        start += 1
    while end > start and not k[end - 1].isalnum():
        end -= 1
    return k[start:end]


def _skip_text(text: str) -> bool:
    """A paragraph that is only a TOC title, a "back to contents" link or a widget's caption."""
    k = _key(text)
    return (k in _TOC_TITLES or k in _BACK_TEXTS or k in _NOISE_TEXTS
            or bool(_ALBUM_COUNTER.match(text)))


# --- table-of-contents entries ---------------------------------------------------------------

def _letters(text: str) -> str:
    return _NON_LETTERS.sub("", text)


def _links_below(el: Tag, out: list[Tag]) -> None:
    """``el.find_all("a", href=True)`` without the generic search machinery."""
    for child in el.contents:
        if isinstance(child, Tag):
            if child.name == "a" and child.get("href") is not None:
                out.append(child)
            _links_below(child, out)


def _anchor_links(nodes: Sequence[PageElement]) -> list[Tag]:
    out: list[Tag] = []
    for n in nodes:
        if not isinstance(n, Tag):
            continue
        links = [n] if n.name == "a" else []
        if not links:
            _links_below(n, links)
        for a in links:
            if str(a.get("href") or "").strip().startswith("#"):
                out.append(a)
    return out


def _anchor_only(nodes: Sequence[PageElement]) -> bool:
    """All visible text of the unit sits inside links to ``#…`` anchors (a TOC entry)."""
    links = _anchor_links(nodes)
    if not links:
        return False
    total = "".join(_letters(element_text(n)) for n in nodes)
    return bool(total) and "".join(_letters(element_text(a)) for a in links) == total


# --- units: leaf blocks, inline runs, table rows ---------------------------------------------

def _blank(nodes: list[PageElement]) -> bool:
    """Only whitespace strings (the line breaks between blocks): no paragraph can come of it."""
    return all(type(n) is NavigableString and n.isspace() for n in nodes)


def _units(node: Tag, holders: set[int], bold: bool = False) -> Iterator[Unit]:
    """Yield ``("flow", nodes, bold)`` for leaf blocks / inline runs and ``("row", [tr], _)``.

    ``holders``: ids of the tags that contain a block (see ``_strip_noise``). Blank inline runs
    are not yielded (they would give an empty paragraph, which is dropped anyway).
    """
    inline: list[PageElement] = []
    for child in list(node.contents):
        if isinstance(child, NavigableString):
            inline.append(child)
            continue
        if not isinstance(child, Tag):
            continue
        name = child.name
        if name in BLOCK_TAGS:
            if inline:
                if not _blank(inline):
                    yield ("flow", inline, bold)
                inline = []
            yield from _block_units(child, holders, bold)
        elif id(child) in holders:
            if inline:
                if not _blank(inline):
                    yield ("flow", inline, bold)
                inline = []
            yield from _units(child, holders, bold or name in ("strong", "b"))
        else:
            inline.append(child)
    if inline and not _blank(inline):
        yield ("flow", inline, bold)


def _cells(tr: Tag) -> list[Tag]:
    """``tr.find_all(["td", "th"], recursive=False)``"""
    return [c for c in tr.contents if isinstance(c, Tag) and c.name in ("td", "th")]


def _row_text(tr: Tag) -> str:
    """A table row as one paragraph: its non-empty cell texts joined by " | "."""
    cells = [element_text(c) for c in _cells(tr)]
    return " | ".join(c for c in cells if c)


def _block_units(el: Tag, holders: set[int], bold: bool) -> Iterator[Unit]:
    name = el.name
    if name == "hr":
        return
    if name == "table":
        yield from _table_units(el, holders, bold)
        return
    if name in ("ul", "ol", "dl", "thead", "tbody", "tfoot", "tr") or id(el) in holders:
        yield from _units(el, holders, bold)
        return
    yield ("flow", [el], bold)


def _table_units(table: Tag, holders: set[int], bold: bool) -> Iterator[Unit]:
    """A table's rows; a single-column table is layout, its cells are walked like a body."""
    rows = [tr for tr in table.find_all("tr") if tr.find_parent("table") is table]
    width = max((len(_cells(tr)) for tr in rows), default=0)
    if width <= 1:
        for tr in rows:
            for cell in _cells(tr):
                yield from _units(cell, holders, bold)
        if table.caption is not None:
            yield from _units(table.caption, holders, bold)
    else:
        if table.caption is not None:
            yield ("flow", [table.caption], bold)
        for tr in rows:
            yield ("row", [tr], bold)


def _segments(nodes: Sequence[PageElement], bold: bool) -> list[Segment]:
    """The unit's text runs split at ``<br>`` / block boundaries (empty parts dropped)."""
    runs: list[Run] = []
    for n in nodes:
        collect_runs(n, bold, runs)
    segments: list[Segment] = []
    seg: Segment = []
    for r in runs:
        if r is BREAK:
            if seg:
                segments.append(seg)
            seg = []
        else:
            seg.append(r)  # type: ignore[arg-type]
    if seg:
        segments.append(seg)
    return segments
