"""Speaker turns (or question-and-answer exchanges, or sections) cut out of a text and paired across languages.

Turns are paired in order first; turns left over on both sides are then paired out of order when the
evidence is good, so that reordered answers are recognised.
"""
from __future__ import annotations

import math
from typing import Callable, Sequence

from scheduler.divergence.costs import INF, ROLE_COST, Pool, anchor_cost_of, length_prob, pool
from scheduler.divergence.features import Para
from scheduler.divergence.roles import QUESTION, roles_compatible


def cut_turns(paras: Sequence[Para], headings: bool = False, questions: bool = False) -> list[list[Para]]:
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


TurnPair = tuple[int | None, int | None, bool]  # turn of A, turn of B (None when unpaired), out of order


def align_turns(ta: list[list[Para]], tb: list[list[Para]], ratio: float,
                cache: dict | None = None) -> list[TurnPair]:
    """Pairs of turn indices (None when unpaired) in order, and a flag for pairs made out of order."""
    turn_cost = _turn_cost(ta, tb, ratio, {} if cache is None else cache)
    return _pair_left_over(_pair_in_order(len(ta), len(tb), turn_cost), turn_cost)


def _turn_cost(ta: list[list[Para]], tb: list[list[Para]], ratio: float,
               cache: dict) -> Callable[[int, int], float]:
    """The cost of pairing turn i of A with turn j of B: lengths, speaker roles, anchors."""
    len_a, len_b = [sum(p.length for p in t) for t in ta], [sum(p.length for p in t) for t in tb]
    pools: dict[tuple[str, int], Pool] = {}

    def turn_cost(i: int, j: int) -> float:
        cost = -math.log(length_prob(len_a[i], len_b[j], ratio))
        ra, rb = ta[i][0].role, tb[j][0].role
        if ra is not None or rb is not None:
            cost += ROLE_COST[roles_compatible(ra, rb)]
        # Same key as a group of the paragraph programme: a turn is a run of consecutive paragraphs.
        key = (ta[i][0].index, len(ta[i]), tb[j][0].index, len(tb[j]))
        anchor = cache.get(key)
        if anchor is None:
            if ("a", i) not in pools:
                pools[("a", i)] = pool(ta[i])
            if ("b", j) not in pools:
                pools[("b", j)] = pool(tb[j])
            anchor = cache[key] = anchor_cost_of(pools[("a", i)], pools[("b", j)])
        return cost + anchor

    return turn_cost


def _pair_in_order(n: int, m: int, turn_cost: Callable[[int, int], float]) -> list[TurnPair]:
    """The cheapest in-order pairing of n turns with m turns, a turn left unpaired costing a fixed skip."""
    skip = 4.0  # per unit; two skips (one each side) beat one bad pairing, _pair_left_over re-pairs them
    best = [[INF] * (m + 1) for _ in range(n + 1)]
    back: list[list[tuple[int, int] | None]] = [[None] * (m + 1) for _ in range(n + 1)]
    best[0][0] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            if best[i][j] == INF:
                continue
            for di, dj in ((1, 1), (1, 0), (0, 1)):
                ni, nj = i + di, j + dj
                if ni > n or nj > m:
                    continue
                c = best[i][j] + (turn_cost(i, j) if di and dj else skip)
                if c < best[ni][nj]:
                    best[ni][nj] = c
                    back[ni][nj] = (di, dj)
    pairs: list[TurnPair] = []
    i, j = n, m
    while i or j:
        di, dj = back[i][j]  # type: ignore[misc]
        pairs.append((i - 1 if di else None, j - 1 if dj else None, False))
        i, j = i - di, j - dj
    pairs.reverse()
    return pairs


def _pair_left_over(pairs: list[TurnPair], turn_cost: Callable[[int, int], float]) -> list[TurnPair]:
    """Turns left over on both sides may have been reordered: pair them when the evidence is good."""
    left_a = [p[0] for p in pairs if p[1] is None]
    left_b = [p[1] for p in pairs if p[0] is None]
    if left_a and left_b:
        cands = sorted((turn_cost(i, j), i, j) for i in left_a for j in left_b)  # type: ignore[arg-type]
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
