"""Paragraph alignment between two language variants of one statement, without machine translation.

The evidence is language-neutral:

1. **speaker turns** — a transcript is cut into turns at each speaker label; labels are mapped to
   roles that read the same in every language ("Вопрос"/"Question"/"Frage"/"Pregunta" -> question,
   "С.В.Лавров"/"Sergey Lavrov"/"Sergej Lawrow" -> the same person by a transliterated surname key,
   :mod:`scheduler.divergence.roles`).
   Turns are aligned first (in order, then left-over turns are paired out of order, so reordered
   answers are recognised), then paragraphs inside each pair of turns;
2. **position and length** — a Gale–Church style dynamic programme over paragraphs (1–1, 1–2, 2–1,
   2–2, 1–3, 3–1, 1–0, 0–1), lengths compared through the statement's own length ratio between the two
   languages, re-estimated after a first pass;
3. **anchors** — numbers, dates, percentages and Latin-script names inside the text
   (:mod:`scheduler.divergence.anchors`);
4. **section headings** — short unpunctuated paragraphs of briefings pair with each other.

Every link has a ``confidence`` (0..1) and a ``structural`` confidence that ignores the anchors (used
to judge a number mismatch without letting the mismatch itself lower the confidence). Where the
evidence is thin the confidence says so; callers must not report findings on low-confidence links.

This module runs the two passes; the pieces are ``features`` (what is known of a paragraph), ``costs``
(the cost model), ``turns`` (1.), ``paragraph_dp`` (2.), ``confidence`` and ``links`` (the result).
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from scheduler.divergence.confidence import score
from scheduler.divergence.features import Para, prepare
from scheduler.divergence.links import Alignment, Link
from scheduler.divergence.paragraph_dp import pair_paragraphs
from scheduler.divergence.roles import QUESTION
from scheduler.divergence.turns import align_turns, cut_turns


def _estimate_ratio(pa: Sequence[Para], pb: Sequence[Para]) -> float:
    """Length of B per character of A over the whole texts (boilerplate left out), kept within 0.5..2."""
    la = sum(p.length for p in pa if not p.boilerplate)
    lb = sum(p.length for p in pb if not p.boilerplate)
    if not la or not lb:
        return 1.0
    return min(2.0, max(0.5, lb / la))


def _units(ca: list[Para], cb: list[Para]) -> tuple[list[list[Para]], list[list[Para]], bool]:
    """What is paired first: exchanges, speaker turns or sections when both sides have them (and True),
    else each whole text as one unit."""
    # Sections: both sides have several headings (briefings); a lone salutation line is not a section.
    # Headings must roughly agree in number, or cutting at them would misalign whole sections.
    ha, hb = sum(p.heading for p in ca), sum(p.heading for p in cb)
    sections = ha >= 2 and hb >= 2 and abs(ha - hb) <= max(2, max(ha, hb) // 4)
    # Q&A: whole exchanges are the units, so that reordered exchanges are recognised as such.
    questions = any(p.role == QUESTION for p in ca) and any(p.role == QUESTION for p in cb)
    ta, tb = cut_turns(ca, sections, questions), cut_turns(cb, sections, questions)
    has_turns = (any(p.speaker for p in ca) and any(p.speaker for p in cb)) or sections
    if not has_turns:
        ta, tb = [ca] if ca else [], [cb] if cb else []
    return ta, tb, has_turns


def _align_once(pa: list[Para], pb: list[Para], ratio: float, cache: dict | None = None) -> list[Link]:
    """One pass: units paired, then the paragraphs inside each pair; a unit left unpaired is missing whole."""
    ca = [p for p in pa if not p.boilerplate]
    cb = [p for p in pb if not p.boilerplate]
    ta, tb, has_turns = _units(ca, cb)
    links: list[Link] = []
    units = align_turns(ta, tb, ratio, cache) if has_turns else [(0 if ta else None, 0 if tb else None, False)]
    for i, j, moved in units:
        if i is None and j is None:
            continue
        if i is None or j is None:
            turn = ta[i] if i is not None else tb[j]  # type: ignore[index]
            whole = has_turns and (bool(turn[0].speaker) or turn[0].heading)
            for p in turn:
                links.append(Link(a=(p.index,) if i is not None else (), b=(p.index,) if j is not None else (),
                                  whole_turn=whole))
            continue
        for ga, gb in pair_paragraphs(ta[i], tb[j], ratio, cache):
            links.append(Link(a=tuple(ta[i][k].index for k in ga), b=tuple(tb[j][k].index for k in gb),
                              moved=moved))
    # Boilerplate lines take their place in the sequence but are never findings.
    for p in pa:
        if p.boilerplate:
            links.append(Link(a=(p.index,), b=(), ignorable=True))
    for p in pb:
        if p.boilerplate:
            links.append(Link(a=(), b=(p.index,), ignorable=True))
    return _order(links)


def _order(links: list[Link]) -> list[Link]:
    """Document order: by A position; B-only links right after the link holding the B paragraph before them."""
    with_a = sorted((lk for lk in links if lk.a), key=lambda lk: lk.a[0])
    only_b = sorted((lk for lk in links if not lk.a), key=lambda lk: lk.b[0])
    out: list[Link] = []
    for lk in with_a:
        while only_b and lk.b and not lk.moved and only_b[0].b[0] < lk.b[0]:
            out.append(only_b.pop(0))
        out.append(lk)
    return out + only_b


def align(paragraphs_a: Sequence[Mapping[str, Any]], paragraphs_b: Sequence[Mapping[str, Any]],
          lang_a: str = "ru", lang_b: str = "en") -> Alignment:
    """Align two language variants' paragraphs (lists of {"speaker", "text"})."""
    pa, pb = prepare(paragraphs_a), prepare(paragraphs_b)
    ratio = _estimate_ratio(pa, pb)
    cache: dict = {}  # anchor costs do not depend on the ratio: shared by both passes
    links = _align_once(pa, pb, ratio, cache)
    # Second pass with the ratio of the confidently paired paragraphs (a missing answer skews the first).
    pairs = [(sum(pa[i].length for i in lk.a), sum(pb[j].length for j in lk.b)) for lk in links
             if len(lk.a) == 1 and len(lk.b) == 1]
    if len(pairs) >= 3:
        la, lb = sum(p[0] for p in pairs), sum(p[1] for p in pairs)
        if la and lb:
            refined = min(2.0, max(0.5, lb / la))
            if abs(refined - ratio) / ratio > 0.03:
                ratio = refined
                links = _align_once(pa, pb, ratio, cache)
    score(links, pa, pb, ratio)
    return Alignment(lang_a, lang_b, pa, pb, links, ratio)
