"""The alignment's cost model (negative log-likelihood style; lower is better): lengths, speaker roles, anchors."""
from __future__ import annotations

import math
from collections import Counter
from typing import Sequence

from scheduler.divergence.anchors import compare_anchors
from scheduler.divergence.features import Para

# Prior cost of each group shape (paragraphs of A, paragraphs of B).
PRIOR = {(1, 1): 0.0, (1, 0): 4.5, (0, 1): 4.5, (2, 1): 2.5, (1, 2): 2.5, (2, 2): 4.0, (3, 1): 4.0, (1, 3): 4.0}
_VARIANCE = 12.0  # variance of the length difference per character (calibrated on the mirror's translations)
ROLE_COST = {1: -1.0, 0: 0.5, -1: 7.0}  # by roles_compatible(): same role, unknown, conflicting
INF = float("inf")
_SQRT2 = math.sqrt(2.0)
MAX_BONUS = 1.0 + 0.7 * 4 + 0.5  # the most role, anchor and heading evidence can take off a cost

Pool = tuple[Counter, str, frozenset]  # a group's anchors, text and soft numbers


def length_prob(la: int, lb: int, ratio: float) -> float:
    """Two-sided probability of a length difference at least this large between translations."""
    expected = la * ratio
    scale = math.sqrt(max(expected, lb, 20.0) * _VARIANCE)
    # 2 * (1 - Phi(|z|)) for a standard normal, which is erfc(|z| / sqrt 2)
    return max(1e-9, math.erfc(abs(lb - expected) / (scale * _SQRT2)))


def pool(group: Sequence[Para]) -> Pool:
    """A group's anchors, text and soft numbers taken together."""
    if len(group) == 1:
        return group[0].anchors, group[0].text, group[0].soft
    return sum((p.anchors for p in group), Counter()), " ".join(p.text for p in group), \
        frozenset().union(*(p.soft for p in group))


def anchor_cost_of(a: Pool, b: Pool) -> float:
    """Shared anchors lower the cost, anchors found on one side only raise it (both capped)."""
    if not a[0] and not b[0]:
        return 0.0
    m, oa, ob = compare_anchors(a[0], b[0], a[1], b[1], soft=(a[2], b[2]))
    return -0.7 * min(m, 4) + 1.2 * min(len(oa) + len(ob), 5)
