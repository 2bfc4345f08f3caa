"""Monotone alignment of two runs of paragraphs: a Gale–Church style dynamic programme over group shapes.

Groups are 1–1, 1–2, 2–1, 2–2, 1–3, 3–1, 1–0 and 0–1; each costs its prior, the improbability of its
lengths under the statement's length ratio, and the speaker-role, anchor and heading evidence.
"""
from __future__ import annotations

import math
from typing import Callable, Sequence

from scheduler.divergence.costs import INF, MAX_BONUS, PRIOR, ROLE_COST, Pool, anchor_cost_of, length_prob, pool
from scheduler.divergence.features import Para
from scheduler.divergence.roles import roles_compatible

_SLACK = 1e-9  # rounding room: a shape is skipped only when it is sure to lose


def _prefix(values: Sequence[int]) -> list[int]:
    """Running sums from 0: the sum of values[i:j] is out[j] - out[i]."""
    out = [0]
    for v in values:
        out.append(out[-1] + v)
    return out


Group = tuple[tuple[int, ...], tuple[int, ...]]  # positions of A and of B paired together
GroupCost = Callable[[int, int, int, int, float], float]
Back = list[list[tuple[int, int] | None]]  # per cell: the group shape that reached it most cheaply


def pair_paragraphs(pa: Sequence[Para], pb: Sequence[Para], ratio: float,
                    cache: dict | None = None) -> list[Group]:
    """Monotone alignment of two paragraph runs; returns (a positions, b positions) groups (local indices)."""
    n, m = len(pa), len(pb)
    group_cost = _group_cost(pa, pb, ratio, {} if cache is None else cache)
    return _trace(_fill(n, m, group_cost), n, m)


def _group_cost(pa: Sequence[Para], pb: Sequence[Para], ratio: float, cache: dict) -> GroupCost:
    """The cost of one group (see the module docstring), with what it needs precomputed."""
    # Prefix sums: the cost of a group (a slice of each side) is read in O(1), not summed per call.
    len_a, len_b = _prefix([p.length for p in pa]), _prefix([p.length for p in pb])
    spk_a, spk_b = _prefix([bool(p.speaker) for p in pa]), _prefix([bool(p.speaker) for p in pb])
    head_a, head_b = _prefix([p.heading for p in pa]), _prefix([p.heading for p in pb])
    p_lens: dict[tuple[int, int], float] = {}
    pools_a: dict[tuple[int, int], Pool] = {}  # a group's pooled anchors are reused by every group it faces
    pools_b: dict[tuple[int, int], Pool] = {}

    def group_cost(i: int, ni: int, j: int, nj: int, bound: float) -> float:
        """Cost of pairing pa[i:ni] with pb[j:nj]; anything at or above ``bound`` is returned early as infinity."""
        di, dj = ni - i, nj - j
        if (di > 1 and spk_a[ni] - spk_a[i + 1]) or (dj > 1 and spk_b[nj] - spk_b[j + 1]):
            return INF  # a group never swallows the start of another speaker turn
        cost = PRIOR[(di, dj)]
        if not di or not dj:
            return cost
        la, lb = len_a[ni] - len_a[i], len_b[nj] - len_b[j]
        p_len = p_lens.get((la, lb))
        if p_len is None:
            p_len = p_lens[(la, lb)] = length_prob(la, lb, ratio)
        if di + dj > 2 and p_len < 1e-3:
            return INF  # a split or merge whose lengths do not add up is never the answer
        cost += -math.log(p_len)
        if cost - MAX_BONUS >= bound:
            return INF  # cannot win: skip the (costly) anchor comparison
        ra, rb = pa[i].role, pb[j].role
        if ra is not None or rb is not None:
            cost += ROLE_COST[roles_compatible(ra, rb)]
        key = (pa[i].index, di, pb[j].index, dj)
        anchor = cache.get(key)
        if anchor is None:
            anchor = cache[key] = anchor_cost_of(_pool(pools_a, pa, i, ni), _pool(pools_b, pb, j, nj))
        cost += anchor
        if di == dj == 1:
            if pa[i].heading and pb[j].heading:
                cost -= 0.5
            elif pa[i].heading != pb[j].heading:
                cost += 1.0
        elif head_a[ni] - head_a[i] or head_b[nj] - head_b[j]:
            cost += 2.5  # a heading is rarely merged with a paragraph in translation
        return cost

    return group_cost


def _pool(pools: dict[tuple[int, int], Pool], paras: Sequence[Para], i: int, ni: int) -> Pool:
    """The pooled anchors of paras[i:ni], worked out once."""
    found = pools.get((i, ni))
    if found is None:
        found = pools[(i, ni)] = pool(paras[i:ni])
    return found


def _fill(n: int, m: int, group_cost: GroupCost) -> Back:
    """The programme's table: for each cell, the group shape of the cheapest way to reach it."""
    best = [[INF] * (m + 1) for _ in range(n + 1)]
    back: Back = [[None] * (m + 1) for _ in range(n + 1)]
    best[0][0] = 0.0
    # Long texts are only aligned near the diagonal (a translation does not wander far from it).
    band = max(10, abs(n - m) + 6, (max(n, m) // 10))
    # Likeliest first, so the bound prunes the rest; with each shape's lowest possible cost (its prior less
    # the most the evidence can take off), a shape that cannot beat the cell is skipped before it is costed.
    moves = [(di, dj, PRIOR[(di, dj)] - (MAX_BONUS if di and dj else 0.0)) for di, dj in sorted(PRIOR, key=PRIOR.get)]
    for ni in range(n + 1):
        centre = ni * m / n if n else 0
        row = best[ni]
        for nj in range(max(0, int(centre) - band), min(m, int(centre) + band) + 1):
            if ni == nj == 0:
                continue
            cell, step = INF, None
            for di, dj, floor in moves:
                i, j = ni - di, nj - dj
                if i < 0 or j < 0:
                    continue
                before = best[i][j]
                if before + floor > cell + _SLACK:  # (also true when before is INF and cell is not)
                    continue
                if before == INF:
                    continue
                c = before + group_cost(i, ni, j, nj, cell - before)
                if c < cell:
                    cell, step = c, (di, dj)
            row[nj], back[ni][nj] = cell, step
    return back


def _trace(back: Back, n: int, m: int) -> list[Group]:
    """The groups of the cheapest path, in document order."""
    out = []
    i, j = n, m
    while i or j:
        step = back[i][j]
        assert step is not None
        di, dj = step
        out.append((tuple(range(i - di, i)), tuple(range(j - dj, j))))
        i, j = i - di, j - dj
    return out[::-1]
