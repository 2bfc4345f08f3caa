"""How sure an alignment is of each link: of a pairing, or of a paragraph having no counterpart.

Each piece of evidence moves a link's confidence by a fixed amount and leaves a reason the user sees.
``structural`` is the confidence without the anchors (numbers, dates, names), so a number mismatch
can be judged without the mismatch itself lowering the confidence.
"""
from __future__ import annotations

from collections import Counter
from typing import Sequence

from scheduler.divergence.anchors import compare_anchors
from scheduler.divergence.costs import length_prob
from scheduler.divergence.features import Para
from scheduler.divergence.links import HIGH, Link
from scheduler.divergence.roles import roles_compatible

Evidence = list[tuple[float, str]]  # (change to the confidence, the reason given for it), in order


def score(links: list[Link], pa: list[Para], pb: list[Para], ratio: float) -> None:
    """Set the confidence, structural confidence and reasons of every link, in document order."""
    for lk in links:
        if lk.kind == "match":
            _score_match(lk, [pa[i] for i in lk.a], [pb[j] for j in lk.b], ratio)
    _reward_one_to_one(links, pa, pb)
    _reward_aligned_neighbours(links)
    _score_unmatched(links, pa, pb)
    _judge_missing_blocks(links)


def _apply(lk: Link, start: float, evidence: Evidence) -> float:
    """``start`` moved by each piece of evidence in turn; the reasons are added to the link."""
    value = start
    for delta, reason in evidence:
        value += delta
        lk.reasons.append(reason)
    return value


def _clip(x: float) -> float:
    return max(0.02, min(0.99, x))


def _matched_neighbours(links: Sequence[Link], k: int) -> tuple[Link | None, Link | None]:
    """The nearest matched links before and after link k."""
    prev = next((x for x in reversed(links[:k]) if x.kind == "match"), None)
    nxt = next((x for x in links[k + 1:] if x.kind == "match"), None)
    return prev, nxt


# --------------------------------------------------------------------------------------------
# matched links


def _score_match(lk: Link, ga: list[Para], gb: list[Para], ratio: float) -> None:
    lk.structural = _apply(lk, 0.4, _shape_evidence(lk, ga, gb, ratio))
    lk.confidence = _apply(lk, lk.structural, _anchor_evidence(lk, ga, gb))


def _shape_evidence(lk: Link, ga: list[Para], gb: list[Para], ratio: float) -> Evidence:
    """Lengths, speaker roles, headings, the group's shape and order."""
    la, lb = sum(p.length for p in ga), sum(p.length for p in gb)
    p_len = length_prob(la, lb, ratio)
    out = [(0.4 * p_len, f"length {la}:{lb} (p={p_len:.2f})")]
    if ga[0].role or gb[0].role:
        rc = roles_compatible(ga[0].role, gb[0].role)
        out.append(({1: 0.2, 0: 0.05, -1: -0.4}[rc],
                    {1: "same speaker role", 0: "speaker roles plausible", -1: "speaker roles differ"}[rc]))
    if len(ga) == len(gb) == 1 and ga[0].heading and gb[0].heading:
        out.append((0.1, "both headings"))
    if len(ga) + len(gb) > 2:
        out.append((-0.05, f"{len(ga)}:{len(gb)} split/merge"))
    if lk.moved:
        out.append((0.0, "turn paired out of order"))
    return out


def _anchor_evidence(lk: Link, ga: list[Para], gb: list[Para]) -> Evidence:
    """Numbers, dates and names found on both sides, or on one only (recorded on the link)."""
    aa = sum((p.anchors for p in ga), Counter())
    ab = sum((p.anchors for p in gb), Counter())
    lk.matched, lk.only_a, lk.only_b = compare_anchors(aa, ab, " ".join(p.text for p in ga),
                                                       " ".join(p.text for p in gb))
    missing = len(lk.only_a) + len(lk.only_b)
    total = lk.matched + missing
    if not total:
        return []
    return [(0.3 * (lk.matched - len(lk.only_a) - len(lk.only_b)) / total,
             f"anchors {lk.matched} shared, {missing} not")]


def _reward_one_to_one(links: list[Link], pa: list[Para], pb: list[Para]) -> None:
    """The same number of paragraphs paired one to one, in order, is strong evidence."""
    real_a = [p for p in pa if not p.boilerplate]
    real_b = [p for p in pb if not p.boilerplate]
    if len(real_a) == len(real_b) and all(lk.kind == "match" and len(lk.a) == len(lk.b) == 1 and not lk.moved
                                          for lk in links if not lk.ignorable):
        for lk in links:
            if lk.kind == "match":
                lk.structural += 0.15
                lk.confidence += 0.15
                lk.reasons.append("same paragraph count, paired in order")


def _reward_aligned_neighbours(links: list[Link]) -> None:
    """A link between two confident neighbours is more likely right; matched links are final after this."""
    for k, lk in enumerate(links):
        if lk.kind != "match":
            continue
        support = [x for x in _matched_neighbours(links, k) if x is not None]
        if support and all(x.structural >= 0.7 for x in support) and not lk.moved:
            lk.structural += 0.1
            lk.confidence += 0.1
            lk.reasons.append("neighbours aligned")
        lk.structural = _clip(lk.structural)
        lk.confidence = _clip(lk.confidence)


# --------------------------------------------------------------------------------------------
# paragraphs with no counterpart


def _score_unmatched(links: list[Link], pa: list[Para], pb: list[Para]) -> None:
    """How sure are we that an unmatched paragraph really has no counterpart?"""
    # Each side taken whole once: its text, anchors and numbers written as words (the union of its paragraphs'
    # own, precomputed: reading them again from the whole text for every unmatched paragraph was most of the cost).
    whole_a = (" ".join(p.text for p in pa), sum((p.anchors for p in pa), Counter()),
               frozenset().union(*(p.soft for p in pa)))
    whole_b = (" ".join(p.text for p in pb), sum((p.anchors for p in pb), Counter()),
               frozenset().union(*(p.soft for p in pb)))
    for k, lk in enumerate(links):
        if lk.kind == "match":
            continue
        if lk.ignorable:
            lk.confidence = 0.0
            lk.reasons.append("boilerplate line, not reported")
            continue
        para = pa[lk.a[0]] if lk.a else pb[lk.b[0]]
        other_text, other_anchors, other_soft = whole_b if lk.a else whole_a
        evidence = _absence_evidence(lk, para, *_matched_neighbours(links, k))
        evidence += _absent_anchor_evidence(para, other_text, other_anchors, other_soft)
        if para.heading:
            evidence.append((-0.15, "heading"))
        lk.confidence = _clip(_apply(lk, 0.5, evidence))
        lk.structural = lk.confidence


def _absence_evidence(lk: Link, para: Para, prev: Link | None, nxt: Link | None) -> Evidence:
    """A long paragraph, between confidently matched neighbours, or a whole speaker turn, is really missing."""
    if para.length >= 200:
        size = 0.25
    elif para.length >= 80:
        size = 0.15
    elif para.length < 40:
        size = -0.25
    else:
        size = 0.0
    out = [(size, f"{para.length} characters")]
    if all(x is None or x.confidence >= HIGH for x in (prev, nxt)) and (prev or nxt):
        out.append((0.15, "neighbours aligned"))
    elif prev or nxt:
        out.append((-0.15, "neighbours uncertain"))
    if lk.whole_turn:
        out.append((0.1, "whole speaker turn"))
    return out


def _absent_anchor_evidence(para: Para, other_text: str, other_anchors: Counter,
                            other_soft: frozenset[str]) -> Evidence:
    """Its numbers and names absent from the whole other version confirm it; found elsewhere, they cast doubt."""
    if not para.anchors:
        return []
    m, only, _ = compare_anchors(para.anchors, other_anchors, para.text, other_text, soft=(para.soft, other_soft))
    if only and not m:
        return [(0.1, "its numbers/names are absent from the other version")]
    if m > len(only):
        return [(-0.2, "its numbers/names occur elsewhere in the other version")]
    return []


def _judge_missing_blocks(links: list[Link]) -> None:
    """A missing block (a question and its answer, a heading and its section) is judged as one unit:
    a short question or heading inherits the confidence of the long paragraph missing with it."""
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
