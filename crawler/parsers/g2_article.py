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

Body conventions (what a "paragraph" is)
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

Speakers
    A paragraph "Label: text" gets ``{"speaker": "Label", "text": "text"}`` when the label is
      - short (at most 6 words outside parentheses, at most 60 characters), and
      - either a question/answer word ("Вопрос", "Ответ", "Реплика", "Question", "Answer",
        "Frage", "Antwort", "Réponse", "Pregunta", "Respuesta", "Pergunta", "Resposta"),
        optionally followed by a parenthesis ("Вопрос (РИА «Новости»):"), bold or not;
        when bold, a few more words are allowed ("Question from the floor:"),
      - or bold - the leading ``strong``/``b`` run is exactly the label, with the colon
        inside it or right after it - and name-shaped: every word capitalised or an initial
        ("С.В.Лавров", "Maria Zakharova", "Sergey Lavrov"), apart from particles like "de",
        "von", "al"; a single word only with initials ("С.В.Лавров") or as a role
        ("Ведущий", "Moderator"), so an emphasised "<b>Главное:</b>" stays text.
    Not speakers: "Примечание:", "Тема:", "Пункт повестки дня:" and similar captions.
    French spacing ("Question :") is accepted. A label alone in a paragraph
    ("<p><b>С.В.Лавров:</b></p>", "<p>Вопрос:</p>") is carried to the next paragraph.
    Paragraphs without a label have speaker None (the previous speaker is not propagated).
    ``body`` = paragraph texts joined by a blank line, each prefixed "Speaker: " when set.

``PARSER_VERSION`` must be bumped whenever the output for the same HTML changes (field
values, paragraph splitting, normalisation) so stored records can be re-parsed/compared.
"""
from __future__ import annotations

import re
from typing import Iterator, Sequence
from urllib.parse import urlsplit, urlunsplit

from bs4 import BeautifulSoup
from bs4.element import NavigableString, PageElement, Tag

from crawler.dates import parse_display_date
from crawler.sections import classify_kind, split_article_path
from crawler.text import BLOCK_TAGS, BREAK, Run, collect_runs, element_text, join_paragraphs, normalize_text

from ._soup import ClassCut, Marked
from ._urls import absolute, path_id, query_id, query_lang
from .challenge import ensure_document
from .errors import NotAnArticle

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

# --- body noise ------------------------------------------------------------------------------
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

# --- speakers --------------------------------------------------------------------------------
_LABEL = re.compile(r"^(?P<label>[^:]{1,60}?)\s*:\s*(?P<rest>.*)$", re.S)
_QA_WORD = re.compile(
    r"^(?:вопрос|ответ|реплика|question|answer|frage|antwort|réponse|reponse|réplique|"
    r"pregunta|respuesta|réplica|pergunta|resposta)(?![\w])",
    re.IGNORECASE,
)
_PARENS = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
_PARTICLES = frozenset(
    "de da do dos das del la le van von der den di du al el bin ibn и y e of the".split()
)
_NOT_SPEAKERS = frozenset({
    "примечание", "справка", "внимание", "тема", "пункт повестки дня", "note", "notes",
    "nb", "n.b", "anmerkung", "hinweis", "remarque", "nota", "p.s", "ps", "источник",
    "source", "quelle", "fuente", "fonte", "место", "дата", "date", "place",
})
_INITIALS = re.compile(r"\b\w\.\s?(?:\w\.\s?)?[^\W\d_]{2,}")
_ROLES = frozenset("""ведущий ведущая председатель модератор корреспондент журналист журналистка
    переводчик moderator chairman chairperson chair host presenter correspondent journalist
    interviewer interpreter moderatorin moderateur présentateur journaliste moderador
    presentador periodista""".split())
_FORBIDDEN_IN_LABEL = re.compile(r"[?!;«»\"“”„]")


def _classes(el: Tag) -> list[str]:
    value = el.get("class") or []
    return value.split() if isinstance(value, str) else list(value)


def _class_index(marked: Sequence[Marked]) -> dict[str, list[Marked]]:
    """class name -> the elements carrying it, in document order (one pass instead of a scan per lookup)."""
    index: dict[str, list[Marked]] = {}
    for m in marked:
        for c in m.classes:
            found = index.setdefault(c, [])
            if not found or found[-1] is not m:  # class="x x"
                found.append(m)
    return index


# =============================================================================================
# public entry point
# =============================================================================================

def parse_article(html: str | bytes, url: str) -> dict:
    """Parse one article page into the record described in ``docs/ARCHITECTURE.md``."""
    html = ensure_document(html)

    cut = _CUT.cut(html)
    marked = cut.marked
    order = {id(m): i for i, m in enumerate(marked)}
    by_class = _class_index(marked)

    titles = by_class.get("photo-content__title", [])
    title_el = next((m for m in titles if m.name == "h1"), None) or next(iter(titles), None)
    body_mark = next(iter(by_class.get("article-content", [])), None)
    body_el: Tag | None = None
    if title_el is not None:
        title = title_el.text()
        number_el = next((m for m in by_class.get("article-line__note", [])
                          if _DOC_NUMBER.search(m.text())), None)
        doc_number = _doc_number(number_el.text() if number_el else None)
    else:
        title, body_el, doc_number = _announcement(cut.soup())
        body_mark = None
    if not title:
        raise NotAnArticle("no title (h1.photo-content__title)")
    if body_el is None and body_mark is None:
        raise NotAnArticle("no body (div.article-content)")

    # --- identity ----------------------------------------------------------------------------
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
        for _, href in trans_links:
            l_ui, l_section, l_id = split_article_path(urlsplit(href).path)
            if l_id == source_id:
                ui = ui or l_ui
                section = section or l_section
                break

    lang = query_lang(url)
    if lang is None:
        lang = next((v for v in map(query_lang, print_links) if v), None)
    lang = lang or ui
    if lang is None:
        raise NotAnArticle("cannot tell the content language (no ?lang=, no UI prefix)")
    ui = ui or lang

    scheme = parts.scheme or "https"
    if section:
        path = f"/{ui}/{section}/{source_id}/"
    else:
        path = parts.path if parts.path.endswith("/") else parts.path + "/"
    canonical = urlunsplit((scheme, parts.netloc, path, f"lang={lang}", ""))

    languages: dict[str, str] = {}
    for xx, href in trans_links:
        if xx in languages:
            continue
        link = absolute(url, href)
        languages[xx] = urlunsplit(urlsplit(link)._replace(fragment=""))
    languages[lang] = canonical

    # --- date --------------------------------------------------------------------------------
    published_at = _published_at(by_class, order, title_el)

    # body last: extract_paragraphs() decomposes noise elements in place. The body's tree is
    # built without them: removing them is all extract_paragraphs() would do with them.
    if body_el is None:
        body_el = cut.tree(body_mark, skip=_noise)  # type: ignore[arg-type]
    paragraphs = extract_paragraphs(body_el)
    if not paragraphs:
        raise NotAnArticle("empty body")

    body = join_paragraphs(paragraphs)
    return {
        "site": SITE,
        "source_id": source_id,
        "lang": lang,
        "url": canonical,
        "section": section,
        "title": title,
        "published_at": published_at,
        "document_number": doc_number,
        "kind": classify_kind(section, title),
        "languages": languages,
        "paragraphs": paragraphs,
        "body": body,
        "parser_version": PARSER_VERSION,
    }


def _doc_number(text: str | None) -> str | None:
    if text is None:
        return None
    m = _DOC_NUMBER.search(text)
    return m.group(0) if m else None


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


# =============================================================================================
# body
# =============================================================================================

def _noise(name: str, classes: Sequence[str]) -> bool:
    if name in _NOISE_TAGS:
        return True
    return bool(classes) and any(_NOISE_CLASS.match(c) for c in classes)


def _is_noise(el: Tag) -> bool:
    if el.name in _NOISE_TAGS:
        return True
    return bool(el.get("class")) and any(_NOISE_CLASS.match(c) for c in _classes(el))


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


_NON_LETTERS = re.compile(r"[\W_]+")


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


Unit = tuple[str, list[PageElement], bool]


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


def _block_units(el: Tag, holders: set[int], bold: bool) -> Iterator[Unit]:
    name = el.name
    if name == "hr":
        return
    if name == "table":
        rows = [tr for tr in el.find_all("tr") if tr.find_parent("table") is el]
        width = max((len(_cells(tr)) for tr in rows), default=0)
        if width <= 1:
            for tr in rows:
                for cell in _cells(tr):
                    yield from _units(cell, holders, bold)
            if el.caption is not None:
                yield from _units(el.caption, holders, bold)
        else:
            if el.caption is not None:
                yield ("flow", [el.caption], bold)
            for tr in rows:
                yield ("row", [tr], bold)
        return
    if name in ("ul", "ol", "dl", "thead", "tbody", "tfoot", "tr") or id(el) in holders:
        yield from _units(el, holders, bold)
        return
    yield ("flow", [el], bold)


def _segments(nodes: Sequence[PageElement], bold: bool) -> list[list[tuple[str, bool]]]:
    """The unit's text runs split at ``<br>`` / block boundaries (empty parts dropped)."""
    runs: list[Run] = []
    for n in nodes:
        collect_runs(n, bold, runs)
    segments: list[list[tuple[str, bool]]] = []
    seg: list[tuple[str, bool]] = []
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


def _skip_text(text: str) -> bool:
    k = _key(text)
    return (k in _TOC_TITLES or k in _BACK_TEXTS or k in _NOISE_TEXTS
            or bool(_ALBUM_COUNTER.match(text)))


def _valid_label(label: str, bold: bool, exact: bool = False) -> bool:
    if not label or len(label) > 60 or _FORBIDDEN_IN_LABEL.search(_PARENS.sub("", label)):
        return False
    core = normalize_text(_PARENS.sub(" ", label))
    if not core or not core[0].isalpha():
        return False
    words = core.split()
    if len(words) > 6 or core.casefold().rstrip(".") in _NOT_SPEAKERS:
        return False
    if _QA_WORD.match(core):
        return bold or len(words) == 1
    if not exact:
        return False
    for w in words:
        if w.casefold() in _PARTICLES:
            continue
        first = next((ch for ch in w if ch.isalpha()), "")
        if not first or not first.isupper():
            return False
    if len(words) == 1:
        # one bold capitalised word is too often an emphasis ("Главное:"); accept initials
        # ("С.В.Лавров") and a few roles only
        return bool(_INITIALS.search(core)) or core.casefold() in _ROLES
    return True


def _bold_prefix(seg: list[tuple[str, bool]]) -> str:
    """The leading bold run of a segment (blank runs before/inside it included), normalised."""
    lead: list[str] = []
    for text, is_bold in seg:
        if is_bold or not text.strip():
            lead.append(text)
        else:
            break
    return normalize_text("".join(lead))


def _paragraph(seg: list[tuple[str, bool]]) -> tuple[str | None, str, bool] | None:
    """-> (speaker, text, label_only) or None for an empty segment."""
    full = normalize_text("".join([t for t, _ in seg]))
    if not full:
        return None
    # no colon, no label: skip the regex and the bold run
    m = _LABEL.match(full) if ":" in full else None
    if m:
        label = m.group("label").strip()
        rest = m.group("rest").strip()
        bold_prefix = _bold_prefix(seg)
        is_bold = bool(bold_prefix) and bold_prefix.startswith(label)
        # a name label must be the bold run itself; Q/A words may open a bold question
        exact = is_bold and bold_prefix.rstrip(": ") == label
        if _valid_label(label, is_bold, exact):
            if rest:
                return label, rest, False
            if is_bold or _QA_WORD.match(label):
                return label, "", True
    return None, full, False


def extract_paragraphs(body: Tag) -> list[dict]:
    """Body container -> ``[{"speaker": str | None, "text": str}, ...]`` (see module doc)."""
    holders: set[int] = set()
    _strip_noise(body, holders)
    out: list[dict] = []
    pending: str | None = None
    for kind, nodes, bold in _units(body, holders):
        if kind == "row":
            tr = nodes[0]
            cells = [element_text(c) for c in _cells(tr)]  # type: ignore[arg-type]
            text = " | ".join(c for c in cells if c)
            if text and not _skip_text(text):
                out.append({"speaker": None, "text": text})
            continue
        if _anchor_only(nodes):
            continue
        for seg in _segments(nodes, bold):
            para = _paragraph(seg)
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
