"""Paragraph alignment between two language variants of one statement, without machine translation.

The evidence is language-neutral:

1. **speaker turns** — a transcript is cut into turns at each speaker label; labels are mapped to
   roles that read the same in every language ("Вопрос"/"Question"/"Frage"/"Pregunta" -> question,
   "С.В.Лавров"/"Sergey Lavrov"/"Sergej Lawrow" -> the same person by a transliterated surname key).
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
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Mapping, Sequence

from scheduler.divergence.anchors import (
    QUESTION,
    compare_anchors,
    extract_anchors,
    is_boilerplate,
    is_heading,
    roles_compatible,
    soft_numbers,
    speaker_role,
    text_length,
)

# Cost model (negative log-likelihood style; lower is better).
_PRIOR = {(1, 1): 0.0, (1, 0): 4.5, (0, 1): 4.5, (2, 1): 2.5, (1, 2): 2.5, (2, 2): 4.0, (3, 1): 4.0, (1, 3): 4.0}
_VARIANCE = 12.0  # variance of the length difference per character (calibrated on the mirror's translations)
_ROLE_COST = {1: -1.0, 0: 0.5, -1: 7.0}
_INF = float("inf")

HIGH = 0.6  # links at or above this confidence are trusted for findings
LOW = 0.4  # below this an alignment is a guess


@dataclass(frozen=True)
class Para:
    index: int
    speaker: str | None
    text: str
    role: str | None
    length: int
    anchors: Counter
    heading: bool
    boilerplate: bool
    soft: frozenset = frozenset()  # numbers written as words


@dataclass
class Link:
    """One aligned group: paragraph indices on each side (0-based; empty on the side it is absent from)."""

    a: tuple[int, ...]
    b: tuple[int, ...]
    confidence: float = 0.0
    structural: float = 0.0
    moved: bool = False  # paired out of order (reordered turns)
    ignorable: bool = False  # boilerplate such as "СООБЩЕНИЕ ДЛЯ СМИ" present on one side only
    whole_turn: bool = False  # a missing speaker turn (label and all its paragraphs)
    matched: int = 0  # anchors found on both sides
    only_a: list[str] = field(default_factory=list)
    only_b: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    @property
    def kind(self) -> str:
        if self.a and self.b:
            return "match"
        return "only_a" if self.a else "only_b"

    def to_dict(self) -> dict[str, Any]:
        return {"a": list(self.a), "b": list(self.b), "kind": self.kind, "confidence": round(self.confidence, 2),
                "structural": round(self.structural, 2), "moved": self.moved, "ignorable": self.ignorable,
                "whole_turn": self.whole_turn, "anchors": {"matched": self.matched, "only_a": self.only_a,
                                                           "only_b": self.only_b}, "reasons": self.reasons}


@dataclass
class Alignment:
    lang_a: str
    lang_b: str
    paras_a: list[Para]
    paras_b: list[Para]
    links: list[Link]
    ratio: float

    @property
    def confidence(self) -> float:
        """Length-weighted mean confidence of the matched links (1.0 for two empty texts)."""
        total = weight = 0.0
        for link in self.links:
            if link.kind != "match":
                continue
            w = sum(self.paras_a[i].length for i in link.a) + 1
            total += w * link.confidence
            weight += w
        return total / weight if weight else (1.0 if not self.paras_a and not self.paras_b else 0.0)

    def counterpart(self, side: str, index: int) -> Link | None:
        for link in self.links:
            if index in (link.a if side == "a" else link.b):
                return link
        return None

    def to_dict(self) -> dict[str, Any]:
        return {"lang_a": self.lang_a, "lang_b": self.lang_b, "ratio": round(self.ratio, 3),
                "confidence": round(self.confidence, 2), "links": [lk.to_dict() for lk in self.links]}


# --------------------------------------------------------------------------------------------


def prepare(paragraphs: Sequence[Mapping[str, Any]]) -> list[Para]:
    out = []
    for i, p in enumerate(paragraphs):
        text = (p.get("text") or "").strip()
        speaker = (p.get("speaker") or None)
        out.append(Para(i, speaker, text, *_features(speaker, text)))
    return out


@lru_cache(maxsize=8192)
def _features(speaker: str | None, text: str) -> tuple[str | None, int, Counter, bool, bool, frozenset]:
    """Role, length, anchors, heading, boilerplate and soft numbers of one paragraph.

    Cached: the original's paragraphs are compared with every translation, and again for each edit
    (the anchors Counter is shared, so nothing may modify it in place).
    """
    return (speaker_role(speaker), text_length(text), extract_anchors(text), is_heading(speaker, text),
            speaker is None and is_boilerplate(text), frozenset(soft_numbers(text)))


def _phi(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def _length_prob(la: int, lb: int, ratio: float) -> float:
    """Two-sided probability of a length difference at least this large between translations."""
    expected = la * ratio
    scale = math.sqrt(max(expected, lb, 20.0) * _VARIANCE)
    delta = (lb - expected) / scale
    return max(1e-9, 2.0 * (1.0 - _phi(abs(delta))))


def _anchor_cost(ga: Sequence[Para], gb: Sequence[Para]) -> float:
    return _anchor_cost_of(_pool(ga), _pool(gb))


def _pool(group: Sequence[Para]) -> tuple[Counter, str, set]:
    """A group's anchors, text and soft numbers taken together."""
    if len(group) == 1:
        return group[0].anchors, group[0].text, set(group[0].soft)
    return sum((p.anchors for p in group), Counter()), " ".join(p.text for p in group), \
        set().union(*(p.soft for p in group))


def _anchor_cost_of(a: tuple[Counter, str, set], b: tuple[Counter, str, set]) -> float:
    if not a[0] and not b[0]:
        return 0.0
    m, oa, ob = compare_anchors(a[0], b[0], a[1], b[1], soft=(a[2], b[2]))
    return -0.7 * min(m, 4) + 1.2 * min(len(oa) + len(ob), 5)


_MAX_BONUS = 1.0 + 0.7 * 4 + 0.5  # the most role, anchor and heading evidence can take off a cost


def _prefix(values: Sequence[int]) -> list[int]:
    out = [0]
    for v in values:
        out.append(out[-1] + v)
    return out


def _dp(pa: Sequence[Para], pb: Sequence[Para], ratio: float,
        cache: dict | None = None) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """Monotone alignment of two paragraph runs; returns (a positions, b positions) groups (local indices)."""
    n, m = len(pa), len(pb)
    best = [[_INF] * (m + 1) for _ in range(n + 1)]
    back: list[list[tuple[int, int] | None]] = [[None] * (m + 1) for _ in range(n + 1)]
    best[0][0] = 0.0
    cache = {} if cache is None else cache
    # Prefix sums: the cost of a group (a slice of each side) is read in O(1), not summed per call.
    len_a, len_b = _prefix([p.length for p in pa]), _prefix([p.length for p in pb])
    spk_a, spk_b = _prefix([bool(p.speaker) for p in pa]), _prefix([bool(p.speaker) for p in pb])
    head_a, head_b = _prefix([p.heading for p in pa]), _prefix([p.heading for p in pb])
    p_lens: dict[tuple[int, int], float] = {}

    def group_cost(i: int, ni: int, j: int, nj: int, bound: float) -> float:
        """Cost of pairing pa[i:ni] with pb[j:nj]; anything at or above ``bound`` is returned early as infinity."""
        di, dj = ni - i, nj - j
        if (di > 1 and spk_a[ni] - spk_a[i + 1]) or (dj > 1 and spk_b[nj] - spk_b[j + 1]):
            return _INF  # a group never swallows the start of another speaker turn
        cost = _PRIOR[(di, dj)]
        if not di or not dj:
            return cost
        la, lb = len_a[ni] - len_a[i], len_b[nj] - len_b[j]
        p_len = p_lens.get((la, lb))
        if p_len is None:
            p_len = p_lens[(la, lb)] = _length_prob(la, lb, ratio)
        if di + dj > 2 and p_len < 1e-3:
            return _INF  # a split or merge whose lengths do not add up is never the answer
        cost += -math.log(p_len)
        if cost - _MAX_BONUS >= bound:
            return _INF  # cannot win: skip the (costly) anchor comparison
        ra, rb = pa[i].role, pb[j].role
        if ra is not None or rb is not None:
            cost += _ROLE_COST[roles_compatible(ra, rb)]
        key = (pa[i].index, di, pb[j].index, dj)
        anchor = cache.get(key)
        if anchor is None:
            anchor = cache[key] = _anchor_cost(pa[i:ni], pb[j:nj])
        cost += anchor
        if di == dj == 1:
            if pa[i].heading and pb[j].heading:
                cost -= 0.5
            elif pa[i].heading != pb[j].heading:
                cost += 1.0
        elif head_a[ni] - head_a[i] or head_b[nj] - head_b[j]:
            cost += 2.5  # a heading is rarely merged with a paragraph in translation
        return cost

    # Long texts are only aligned near the diagonal (a translation does not wander far from it).
    band = max(10, abs(n - m) + 6, (max(n, m) // 10))
    moves = sorted(_PRIOR, key=_PRIOR.get)  # likeliest first, so the bound prunes the rest
    for ni in range(n + 1):
        centre = ni * m / n if n else 0
        for nj in range(max(0, int(centre) - band), min(m, int(centre) + band) + 1):
            if ni == nj == 0:
                continue
            cell, step = _INF, None
            for di, dj in moves:
                i, j = ni - di, nj - dj
                if i < 0 or j < 0:
                    continue
                before = best[i][j]
                if before == _INF:
                    continue
                c = before + group_cost(i, ni, j, nj, cell - before)
                if c < cell:
                    cell, step = c, (di, dj)
            best[ni][nj], back[ni][nj] = cell, step
    out = []
    i, j = n, m
    while i or j:
        step = back[i][j]
        assert step is not None
        di, dj = step
        out.append((tuple(range(i - di, i)), tuple(range(j - dj, j))))
        i, j = i - di, j - dj
    return out[::-1]


def _turns(paras: Sequence[Para], headings: bool = False, questions: bool = False) -> list[list[Para]]:
    """Cut into units: at each question (an exchange: the question and its answers) when ``questions``,
    else at each speaker label; and, for texts with sections, at headings."""
    turns: list[list[Para]] = []
    for p in paras:
        cut = (p.role == QUESTION) if questions else bool(p.speaker)
        if cut or not turns or (headings and p.heading):
            turns.append([p])
        else:
            turns[-1].append(p)
    return turns


def _align_turns(ta: list[list[Para]], tb: list[list[Para]], ratio: float,
                 cache: dict | None = None) -> list[tuple[int | None, int | None, bool]]:
    """Pairs of turn indices (None when unpaired) in order, and a flag for pairs made out of order."""
    n, m = len(ta), len(tb)
    cache = {} if cache is None else cache
    len_a, len_b = [sum(p.length for p in t) for t in ta], [sum(p.length for p in t) for t in tb]
    pools: dict[tuple[str, int], tuple[Counter, str, set]] = {}

    def turn_cost(i: int, j: int) -> float:
        cost = -math.log(_length_prob(len_a[i], len_b[j], ratio))
        ra, rb = ta[i][0].role, tb[j][0].role
        if ra is not None or rb is not None:
            cost += _ROLE_COST[roles_compatible(ra, rb)]
        # Same key as a group of the paragraph programme: a turn is a run of consecutive paragraphs.
        key = (ta[i][0].index, len(ta[i]), tb[j][0].index, len(tb[j]))
        anchor = cache.get(key)
        if anchor is None:
            if ("a", i) not in pools:
                pools[("a", i)] = _pool(ta[i])
            if ("b", j) not in pools:
                pools[("b", j)] = _pool(tb[j])
            anchor = cache[key] = _anchor_cost_of(pools[("a", i)], pools[("b", j)])
        return cost + anchor

    skip = 4.0  # per unit; two skips (one each side) beat one bad pairing, the repair below re-pairs them
    best = [[_INF] * (m + 1) for _ in range(n + 1)]
    back: list[list[tuple[int, int] | None]] = [[None] * (m + 1) for _ in range(n + 1)]
    best[0][0] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            if best[i][j] == _INF:
                continue
            for di, dj in ((1, 1), (1, 0), (0, 1)):
                ni, nj = i + di, j + dj
                if ni > n or nj > m:
                    continue
                c = best[i][j] + (turn_cost(i, j) if di and dj else skip)
                if c < best[ni][nj]:
                    best[ni][nj] = c
                    back[ni][nj] = (di, dj)
    pairs: list[tuple[int | None, int | None, bool]] = []
    i, j = n, m
    while i or j:
        di, dj = back[i][j]  # type: ignore[misc]
        pairs.append((i - 1 if di else None, j - 1 if dj else None, False))
        i, j = i - di, j - dj
    pairs.reverse()
    # Turns left over on both sides may have been reordered: pair them when the evidence is good.
    left_a = [p[0] for p in pairs if p[1] is None]
    left_b = [p[1] for p in pairs if p[0] is None]
    if left_a and left_b:
        cands = sorted((turn_cost(i, j), i, j) for i in left_a for j in left_b)  # type: ignore[index]
        used_a: set[int] = set()
        used_b: set[int] = set()
        moved: dict[int, int] = {}
        for cost, i, j in cands:
            if cost > 3.0 or i in used_a or j in used_b:
                continue
            used_a.add(i)
            used_b.add(j)
            moved[i] = j  # type: ignore[index]
        if moved:
            pairs = [p for p in pairs if not (p[1] is None and p[0] in moved) and not (p[0] is None and p[1] in used_b)]
            for i, j in moved.items():
                # Put the out-of-order pair where the A turn stands.
                k = next((n for n, p in enumerate(pairs) if p[0] is not None and p[0] > i), len(pairs))
                pairs.insert(k, (i, j, True))
    return pairs


def _estimate_ratio(pa: Sequence[Para], pb: Sequence[Para]) -> float:
    la = sum(p.length for p in pa if not p.boilerplate)
    lb = sum(p.length for p in pb if not p.boilerplate)
    if not la or not lb:
        return 1.0
    return min(2.0, max(0.5, lb / la))


def _align_once(pa: list[Para], pb: list[Para], ratio: float, cache: dict | None = None) -> list[Link]:
    ca = [p for p in pa if not p.boilerplate]
    cb = [p for p in pb if not p.boilerplate]
    # Sections: both sides have several headings (briefings); a lone salutation line is not a section.
    # Headings must roughly agree in number, or cutting at them would misalign whole sections.
    ha, hb = sum(p.heading for p in ca), sum(p.heading for p in cb)
    sections = ha >= 2 and hb >= 2 and abs(ha - hb) <= max(2, max(ha, hb) // 4)
    # Q&A: whole exchanges are the units, so that reordered exchanges are recognised as such.
    questions = any(p.role == QUESTION for p in ca) and any(p.role == QUESTION for p in cb)
    ta, tb = _turns(ca, sections, questions), _turns(cb, sections, questions)
    has_turns = (any(p.speaker for p in ca) and any(p.speaker for p in cb)) or sections
    if not has_turns:
        ta, tb = [ca] if ca else [], [cb] if cb else []
    links: list[Link] = []
    units = _align_turns(ta, tb, ratio, cache) if has_turns else [(0 if ta else None, 0 if tb else None, False)]
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
        for ga, gb in _dp(ta[i], tb[j], ratio, cache):
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
    _score(links, pa, pb, ratio)
    return Alignment(lang_a, lang_b, pa, pb, links, ratio)


# --------------------------------------------------------------------------------------------
# confidence


def _score(links: list[Link], pa: list[Para], pb: list[Para], ratio: float) -> None:
    text_b_all = " ".join(p.text for p in pb)
    text_a_all = " ".join(p.text for p in pa)
    anchors_b_all = sum((p.anchors for p in pb), Counter())
    anchors_a_all = sum((p.anchors for p in pa), Counter())
    # First pass: matched links.
    for lk in links:
        if lk.kind != "match":
            continue
        ga, gb = [pa[i] for i in lk.a], [pb[j] for j in lk.b]
        la, lb = sum(p.length for p in ga), sum(p.length for p in gb)
        p_len = _length_prob(la, lb, ratio)
        s = 0.4 + 0.4 * p_len
        lk.reasons.append(f"length {la}:{lb} (p={p_len:.2f})")
        rc = roles_compatible(ga[0].role, gb[0].role)
        if ga[0].role or gb[0].role:
            s += {1: 0.2, 0: 0.05, -1: -0.4}[rc]
            lk.reasons.append({1: "same speaker role", 0: "speaker roles plausible", -1: "speaker roles differ"}[rc])
        if len(ga) == len(gb) == 1 and ga[0].heading and gb[0].heading:
            s += 0.1
            lk.reasons.append("both headings")
        if len(ga) + len(gb) > 2:
            s -= 0.05
            lk.reasons.append(f"{len(ga)}:{len(gb)} split/merge")
        if lk.moved:
            lk.reasons.append("turn paired out of order")
        aa = sum((p.anchors for p in ga), Counter())
        ab = sum((p.anchors for p in gb), Counter())
        lk.matched, lk.only_a, lk.only_b = compare_anchors(aa, ab, " ".join(p.text for p in ga),
                                                           " ".join(p.text for p in gb))
        total = lk.matched + len(lk.only_a) + len(lk.only_b)
        a_term = 0.0
        if total:
            a_term = 0.3 * (lk.matched - len(lk.only_a) - len(lk.only_b)) / total
            lk.reasons.append(f"anchors {lk.matched} shared, {len(lk.only_a) + len(lk.only_b)} not")
        lk.structural = s
        lk.confidence = s + a_term
    # Position: the same number of paragraphs paired one to one, in order, is strong evidence.
    real_a = [p for p in pa if not p.boilerplate]
    real_b = [p for p in pb if not p.boilerplate]
    if len(real_a) == len(real_b) and all(lk.kind == "match" and len(lk.a) == len(lk.b) == 1 and not lk.moved
                                          for lk in links if not lk.ignorable):
        for lk in links:
            if lk.kind == "match":
                lk.structural += 0.15
                lk.confidence += 0.15
                lk.reasons.append("same paragraph count, paired in order")
    # Position: a link between two confident neighbours is more likely right.
    for k, lk in enumerate(links):
        if lk.kind != "match":
            continue
        prev = next((x for x in reversed(links[:k]) if x.kind == "match"), None)
        nxt = next((x for x in links[k + 1:] if x.kind == "match"), None)
        support = [x for x in (prev, nxt) if x is not None]
        if support and all(x.structural >= 0.7 for x in support) and not lk.moved:
            lk.structural += 0.1
            lk.confidence += 0.1
            lk.reasons.append("neighbours aligned")
        lk.structural = _clip(lk.structural)
        lk.confidence = _clip(lk.confidence)
    # Unmatched paragraphs: how sure are we that they really have no counterpart?
    for k, lk in enumerate(links):
        if lk.kind == "match":
            continue
        if lk.ignorable:
            lk.confidence = 0.0
            lk.reasons.append("boilerplate line, not reported")
            continue
        para = pa[lk.a[0]] if lk.a else pb[lk.b[0]]
        other_text, other_anchors = (text_b_all, anchors_b_all) if lk.a else (text_a_all, anchors_a_all)
        c = 0.5
        if para.length >= 200:
            c += 0.25
        elif para.length >= 80:
            c += 0.15
        elif para.length < 40:
            c -= 0.25
        lk.reasons.append(f"{para.length} characters")
        prev = next((x for x in reversed(links[:k]) if x.kind == "match"), None)
        nxt = next((x for x in links[k + 1:] if x.kind == "match"), None)
        if all(x is None or x.confidence >= HIGH for x in (prev, nxt)) and (prev or nxt):
            c += 0.15
            lk.reasons.append("neighbours aligned")
        elif prev or nxt:
            c -= 0.15
            lk.reasons.append("neighbours uncertain")
        if lk.whole_turn:
            c += 0.1
            lk.reasons.append("whole speaker turn")
        if para.anchors:
            m, only, _ = compare_anchors(para.anchors, other_anchors, para.text, other_text)
            if only and not m:
                c += 0.1
                lk.reasons.append("its numbers/names are absent from the other version")
            elif m > len(only):
                c -= 0.2
                lk.reasons.append("its numbers/names occur elsewhere in the other version")
        if para.heading:
            c -= 0.15
            lk.reasons.append("heading")
        lk.confidence = _clip(c)
        lk.structural = lk.confidence
    # A missing block (a question and its answer, a heading and its section) is judged as one unit:
    # a short question or heading inherits the confidence of the long paragraph missing with it.
    k = 0
    while k < len(links):
        if links[k].ignorable or links[k].kind == "match":
            k += 1
            continue
        side = bool(links[k].a)
        end = k
        while end + 1 < len(links) and not links[end + 1].ignorable and links[end + 1].kind != "match" \
                and bool(links[end + 1].a) == side:
            end += 1
        best = max(x.confidence for x in links[k:end + 1])
        for x in links[k:end + 1]:
            x.confidence = x.structural = best
        k = end + 1


def _clip(x: float) -> float:
    return max(0.02, min(0.99, x))
