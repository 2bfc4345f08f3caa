"""Compute the diff of two statement versions: align paragraphs, pair edited and moved turns, diff words."""
from __future__ import annotations

import bisect
import difflib
import re
from typing import Any, Mapping, Sequence

from scheduler.diff.model import CHANGED, DELETED, EQUAL, INSERTED, MOVED, Diff, ParagraphOp, Segment, TitleDiff

# A paragraph replaced in place counts as "changed" (rather than removed + added) when at least
# half of its words survive; a paragraph found elsewhere counts as "moved" only when it is
# near-identical, because pairing distant paragraphs on weak evidence produces nonsense diffs.
CHANGE_THRESHOLD = 0.5
MOVE_THRESHOLD = 0.8
# Bounds on the pairing work, so a wholesale rewrite of a long transcript stays fast:
# blocks larger than this are only compared near their diagonal, and the cross-document
# move search falls back to exact matches only.
_FULL_BLOCK_PAIRS = 2500
_BAND = 10
_MAX_MOVE_PAIRS = 20000

# Words (any script: \w is Unicode-aware), whitespace runs, and every other character on its
# own, so that a changed comma or quote mark is a token of its own and shows up in the diff.
_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")


def tokens(text: str) -> list[str]:
    """The pieces a word diff is made of (see _TOKEN); the text renderer abbreviates by the same pieces."""
    return _TOKEN.findall(text)


def _word_segments(old: str, new: str) -> tuple[Segment, ...]:
    """Word-level diff of two short texts (a paragraph or a title), never character-level."""
    a, b = tokens(old), tokens(new)
    raw: list[tuple[str, str]] = []
    # Whitespace never anchors a match (it only extends one), so "a b c" -> "a c d" reads
    # "a [-b -]c{+ d+}" rather than pairing unrelated words around a shared space.
    sm = difflib.SequenceMatcher(str.isspace, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            raw.append(("equal", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            raw.append(("delete", "".join(a[i1:i2])))
        if j2 > j1:
            raw.append(("insert", "".join(b[j1:j2])))
    return _merge_segments(raw)


def _merge_segments(raw: list[tuple[str, str]]) -> tuple[Segment, ...]:
    # Group into [equal, change, equal, change, ...] where a change is (deleted, inserted) text.
    groups: list[list[str]] = []  # ["equal", text] or ["change", deleted, inserted]
    for op, text in raw:
        if op == "equal":
            groups.append(["equal", text])
            continue
        if not groups or groups[-1][0] != "change":
            groups.append(["change", "", ""])
        groups[-1][1 if op == "delete" else 2] += text
    # A lone space between two replaced words is matched by the token diff but reads badly
    # ("[-a-]{+x+} [-b-]{+y+}"); fold it into the surrounding replacement ("[-a b-]{+x y+}").
    merged: list[list[str]] = []
    i = 0
    while i < len(groups):
        g = groups[i]
        if (
            g[0] == "equal"
            and not g[1].strip()
            and merged
            and merged[-1][0] == "change"
            and all(merged[-1][1:])
            and i + 1 < len(groups)
            and groups[i + 1][0] == "change"
            and all(groups[i + 1][1:])
        ):
            nxt = groups[i + 1]
            merged[-1][1] += g[1] + nxt[1]
            merged[-1][2] += g[1] + nxt[2]
            i += 2
            continue
        merged.append(list(g))
        i += 1
    flat: list[tuple[str, str]] = []
    for g in merged:
        if g[0] == "equal":
            flat.append(("equal", g[1]))
            continue
        deleted, inserted = g[1], g[2]
        # Whitespace shared by both sides of a replacement (left there by the folding above)
        # belongs outside the markers: "[-a b-]{+x y+} c", not "[-a b -]{+x y +}c".
        lead = trail = ""
        if deleted and inserted:
            while deleted and inserted and deleted[0] == inserted[0] and deleted[0].isspace():
                lead, deleted, inserted = lead + deleted[0], deleted[1:], inserted[1:]
            while deleted and inserted and deleted[-1] == inserted[-1] and deleted[-1].isspace():
                trail, deleted, inserted = deleted[-1] + trail, deleted[:-1], inserted[:-1]
        flat += [("equal", lead), ("delete", deleted), ("insert", inserted), ("equal", trail)]
    out: list[Segment] = []
    for op, text in flat:
        if not text:
            continue
        if out and op == "equal" and out[-1].op == "equal":
            out[-1] = Segment("equal", out[-1].text + text)
        else:
            out.append(Segment(op, text))
    # A pure insertion or deletion between two unchanged runs can slide over a space; put the
    # space after the words ("в {+этом +}регионе") so the same edit always renders the same way.
    for k in range(1, len(out) - 1):
        prev, seg, nxt = out[k - 1], out[k], out[k + 1]
        if prev.op == nxt.op == "equal" and seg.op != "equal":
            c = seg.text[0]
            if c.isspace() and nxt.text[0] == c and len(seg.text) > 1:
                out[k - 1] = Segment("equal", prev.text + c)
                out[k] = Segment(seg.op, seg.text[1:] + c)
                out[k + 1] = Segment("equal", nxt.text[1:])
    return tuple(x for x in out if x.text)


def _para(p: Mapping[str, Any]) -> tuple[str | None, str]:
    return p.get("speaker"), p.get("text") or ""


def _sim_tokens(speaker: str | None, text: str) -> list[str]:
    # The speaker is one extra token, so same-speaker pairings are slightly preferred.
    return ["\x00" + (speaker or "")] + [t for t in tokens(text) if not t.isspace()]


def _similarity(sm: difflib.SequenceMatcher, a: list[str], threshold: float) -> float:
    """Ratio of ``a`` against the matcher's seq2, or 0.0 when cheap upper bounds rule it out."""
    sm.set_seq1(a)
    if sm.real_quick_ratio() < threshold or sm.quick_ratio() < threshold:
        return 0.0
    r = sm.ratio()
    return r if r >= threshold else 0.0


def diff_versions(old: Mapping[str, Any], new: Mapping[str, Any]) -> Diff:
    """Align the paragraphs of two versions, pair edited and moved turns, then diff words inside them."""
    old_title, new_title = old.get("title") or "", new.get("title") or ""
    title = TitleDiff(old_title, new_title, _word_segments(old_title, new_title) if old_title != new_title else None)

    a = [_para(p) for p in old.get("paragraphs") or []]
    b = [_para(p) for p in new.get("paragraphs") or []]
    opcodes = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()

    # Which unmatched block each unmatched paragraph belongs to.
    old_block: dict[int, int] = {}
    new_block: dict[int, int] = {}
    blocks: list[tuple[int, int, int, int]] = []
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "equal":
            continue
        blocks.append((i1, i2, j1, j2))
        for i in range(i1, i2):
            old_block[i] = len(blocks) - 1
        for j in range(j1, j2):
            new_block[j] = len(blocks) - 1

    by_old, in_place = _pair(a, b, blocks, old_block, new_block)
    by_new = {j: i for i, j in by_old.items()}

    def make(kind: str, i: int | None, j: int | None) -> ParagraphOp:
        os_, ot = a[i] if i is not None else (None, None)
        ns, nt = b[j] if j is not None else (None, None)
        words = None
        if kind == CHANGED or (kind == MOVED and a[i] != b[j]):  # type: ignore[index]
            words = _word_segments(ot or "", nt or "")
        return ParagraphOp(kind, i, j, os_, ns, ot, nt, words)

    ops: list[ParagraphOp] = []
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "equal":
            ops.extend(make(EQUAL, i1 + k, j1 + k) for k in range(i2 - i1))
            continue
        # Merge the block in document order: removals before additions (unified-diff habit),
        # in-place pairs as "changed"; paragraphs moved away leave no trace at their old place,
        # paragraphs moved here appear as "moved" at their new place.
        i, j = i1, j1
        while i < i2 or j < j2:
            if i < i2 and i not in by_old:
                ops.append(make(DELETED, i, None))
                i += 1
            elif i < i2 and i not in in_place:
                i += 1  # moved elsewhere
            elif j < j2 and j in by_new and by_new[j] in in_place:
                ops.append(make(CHANGED, by_new[j], j))
                i, j = by_new[j] + 1, j + 1
            elif j < j2 and j in by_new:
                ops.append(make(MOVED, by_new[j], j))
                j += 1
            elif j < j2:
                ops.append(make(INSERTED, None, j))
                j += 1
            else:  # pragma: no cover - pairs never cross, so old paragraphs cannot be left over
                raise AssertionError("unreachable: crossing pair in block")
    return Diff(title, tuple(ops))


def _pair(
    a: Sequence[tuple[str | None, str]],
    b: Sequence[tuple[str | None, str]],
    blocks: list[tuple[int, int, int, int]],
    old_block: dict[int, int],
    new_block: dict[int, int],
) -> tuple[dict[int, int], set[int]]:
    """Pair unmatched old and new paragraphs: returns old->new pairs and the old indices edited in place.

    Pairs not in place are moves: across blocks, or crossing another pair within a block.
    """
    if not old_block or not new_block:
        return {}, set()
    a_tok = {i: _sim_tokens(*a[i]) for i in old_block}
    b_tok = {j: _sim_tokens(*b[j]) for j in new_block}

    # (score, old, new, same_block). In-place pairing gets a small bonus so that a lightly
    # edited paragraph stays "changed" even when a near-copy of it exists elsewhere.
    cands: list[tuple[float, int, int, bool]] = []
    sm = difflib.SequenceMatcher(None, autojunk=False)
    for i1, i2, j1, j2 in blocks:
        n, m = i2 - i1, j2 - j1
        for j in range(j1, j2):
            sm.set_seq2(b_tok[j])
            if n * m <= _FULL_BLOCK_PAIRS:
                olds = range(i1, i2)
            else:
                centre = i1 + (j - j1) * n // m
                olds = range(max(i1, centre - _BAND), min(i2, centre + _BAND + 1))
            for i in olds:
                s = _similarity(sm, a_tok[i], CHANGE_THRESHOLD)
                if s:
                    cands.append((s + 0.05, i, j, True))

    # Moves: identical paragraphs anywhere (cheap, by key), near-identical ones when affordable.
    olds_by_key: dict[tuple[str | None, str], list[int]] = {}
    for i in old_block:
        olds_by_key.setdefault(a[i], []).append(i)
    search_near = len(old_block) * len(new_block) <= _MAX_MOVE_PAIRS
    for j in new_block:
        for i in olds_by_key.get(b[j], ()):
            if old_block[i] != new_block[j]:
                cands.append((1.1, i, j, False))  # an identical paragraph beats any in-place edit
        if not search_near:
            continue
        sm.set_seq2(b_tok[j])
        for i in old_block:
            if old_block[i] == new_block[j] or a[i] == b[j]:
                continue
            s = _similarity(sm, a_tok[i], MOVE_THRESHOLD)
            if s:
                cands.append((s, i, j, False))

    # Greedy by score (ties: nearest positions first). In-place pairs within one block must not
    # cross each other, or the merged output order would be impossible; a crossing pair is
    # still accepted as a move when it is near-identical (turns reordered and touched up).
    cands.sort(key=lambda c: (-c[0], abs(c[1] - c[2]), c[1], c[2]))
    pairs: dict[int, int] = {}
    used_new: set[int] = set()
    in_place: set[int] = set()
    chains: dict[int, list[tuple[int, int]]] = {}  # block -> accepted in-place pairs sorted by old
    for score, i, j, same in cands:
        if i in pairs or j in used_new:
            continue
        if same:
            chain = chains.setdefault(old_block[i], [])
            k = bisect.bisect_left(chain, (i, j))
            if (k > 0 and chain[k - 1][1] >= j) or (k < len(chain) and chain[k][1] <= j):
                if score - 0.05 < MOVE_THRESHOLD:
                    continue
            else:
                chain.insert(k, (i, j))
                in_place.add(i)
        pairs[i] = j
        used_new.add(j)
    return pairs, in_place
