"""Paragraph- and word-level diff of two statement versions, with a summary and text/HTML/JSON renderings."""
from __future__ import annotations

import bisect
import difflib
import html
import json
import re
from dataclasses import dataclass
from typing import Any, Iterator, Mapping, Sequence

EQUAL = "equal"
CHANGED = "changed"
INSERTED = "inserted"
DELETED = "deleted"
MOVED = "moved"

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

JSON_VERSION = 1


# --------------------------------------------------------------------------------------------
# data model


@dataclass(frozen=True)
class Segment:
    """A piece of a word-level diff: ``op`` is "equal", "delete" or "insert"."""

    op: str
    text: str

    def to_dict(self) -> dict[str, str]:
        return {"op": self.op, "text": self.text}


@dataclass(frozen=True)
class ParagraphOp:
    """One aligned paragraph (speaker turn). Indices are 0-based; None on the side it is absent from."""

    kind: str
    old_index: int | None
    new_index: int | None
    old_speaker: str | None
    new_speaker: str | None
    old_text: str | None
    new_text: str | None
    words: tuple[Segment, ...] | None = None  # for "changed", and for "moved" when also edited

    @property
    def speaker(self) -> str | None:
        return self.new_speaker if self.new_index is not None else self.old_speaker

    @property
    def speaker_changed(self) -> bool:
        return self.kind in (CHANGED, MOVED) and self.old_speaker != self.new_speaker

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "old_index": self.old_index,
            "new_index": self.new_index,
            "speaker": self.speaker,
            "old_speaker": self.old_speaker,
            "new_speaker": self.new_speaker,
            "old_text": self.old_text,
            "new_text": self.new_text,
            "words": None if self.words is None else [s.to_dict() for s in self.words],
        }


@dataclass(frozen=True)
class TitleDiff:
    old: str
    new: str
    words: tuple[Segment, ...] | None  # None when the title is unchanged

    @property
    def changed(self) -> bool:
        return self.old != self.new

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": CHANGED if self.changed else EQUAL,
            "old": self.old,
            "new": self.new,
            "words": None if self.words is None else [s.to_dict() for s in self.words],
        }


@dataclass(frozen=True)
class Diff:
    """The whole comparison: title diff plus paragraph operations in new-document order."""

    title: TitleDiff
    ops: tuple[ParagraphOp, ...]

    @property
    def changed(self) -> bool:
        return self.title.changed or any(op.kind != EQUAL for op in self.ops)

    def counts(self) -> dict[str, int]:
        kinds = [op.kind for op in self.ops]
        return {
            "title": int(self.title.changed),
            "edited": kinds.count(CHANGED),
            "added": kinds.count(INSERTED),
            "removed": kinds.count(DELETED),
            "moved": kinds.count(MOVED),
            "moved_edited": sum(1 for op in self.ops if op.kind == MOVED and op.words is not None),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": JSON_VERSION,
            "changed": self.changed,
            "summary": summarize(self),
            "counts": self.counts(),
            "title": self.title.to_dict(),
            "ops": [op.to_dict() for op in self.ops],
        }

    def to_json(self, *, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)


# --------------------------------------------------------------------------------------------
# diffing


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _word_segments(old: str, new: str) -> tuple[Segment, ...]:
    """Word-level diff of two short texts (a paragraph or a title), never character-level."""
    a, b = _tokens(old), _tokens(new)
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
    return ["\x00" + (speaker or "")] + [t for t in _tokens(text) if not t.isspace()]


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


# --------------------------------------------------------------------------------------------
# summary


def summarize(diff: Diff) -> str:
    """One English line, e.g. "title edited; 2 paragraphs edited, 1 added, 1 removed, 1 moved"."""
    c = diff.counts()
    parts: list[str] = []
    if c["title"]:
        parts.append("title edited")
    phrases: list[str] = []
    for key, verb in (("edited", "edited"), ("added", "added"), ("removed", "removed"), ("moved", "moved")):
        n = c[key]
        if not n:
            continue
        if key == "moved" and c["moved_edited"]:
            k = c["moved_edited"]
            verb = "moved and edited" if k == n else f"moved ({k} of them also edited)"
        # The noun goes with the first count only: "2 paragraphs edited, 1 added".
        noun = "" if phrases else (" paragraph" if n == 1 else " paragraphs")
        phrases.append(f"{n}{noun} {verb}")
    if phrases:
        parts.append(", ".join(phrases))
    return "; ".join(parts) if parts else "no textual change"


# --------------------------------------------------------------------------------------------
# sanitising page text for output

# ESC-introduced sequences (CSI, OSC/DCS/APC/PM strings, two-byte escapes) are removed whole so no
# stray parameters remain; then any remaining C0/C1 control, DEL, bidi embedding/override/isolate,
# directional mark and zero-width character is removed. Whitespace controls become a space so
# that words are not glued together.
_ESC_SEQ = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?"  # CSI
    r"|\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC, DCS, SOS, PM, APC strings
    r"|\x1b[ -/]*[0-~]?"  # other escapes (and a lone ESC)
    r"|\x9b[0-?]*[ -/]*[@-~]?"  # 8-bit CSI
)
_SPACE_CONTROLS = re.compile("[\t\v\f\r\x85\u2028\u2029]")
_UNSAFE = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]"
)


def safe_terminal(text: str) -> str:
    """Strip escape sequences, control characters (except newline), bidi controls and zero-width characters."""
    text = _ESC_SEQ.sub("", text)
    text = _SPACE_CONTROLS.sub(" ", text)
    return _UNSAFE.sub("", text)


def _inline(text: str) -> str:
    # Page text inside one output line: a newline in it could forge "+"/"-" diff lines.
    return safe_terminal(text).replace("\n", " ")


def _reveal(text: str) -> str:
    """For changed words only: show unsafe characters as ⟨U+XXXX⟩ so an invisible edit is visible."""
    text = _UNSAFE.sub(lambda m: f"⟨U+{ord(m.group()):04X}⟩", _SPACE_CONTROLS.sub(" ", text))
    return text.replace("\n", " ")


# --------------------------------------------------------------------------------------------
# text rendering

_RED, _GREEN, _CYAN, _DIM, _RESET = "\x1b[31m", "\x1b[32m", "\x1b[36m", "\x1b[2m", "\x1b[0m"
_CONTEXT_CHARS = 160  # unchanged neighbour paragraphs are shown abbreviated
_KEEP_WORDS = 8  # words of unchanged text kept around each change inside a long paragraph


def _shorten(text: str, limit: int = _CONTEXT_CHARS) -> str:
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit].rstrip() + " …"


def _trim_equal(text: str, *, after_change: bool, before_change: bool) -> str:
    """Abbreviate an unchanged run inside a changed paragraph, keeping the words next to the changes."""
    if not (after_change or before_change):
        return text  # the words did not change at all (a speaker-only edit): show them whole
    toks = _tokens(text)
    words = [k for k, t in enumerate(toks) if t[0].isalnum()]
    keep_head = _KEEP_WORDS if after_change else 0  # words just after the preceding change
    keep_tail = _KEEP_WORDS if before_change else 0  # words leading into the following change
    if len(words) <= keep_head + keep_tail + 4:
        return text
    head = "".join(toks[: words[keep_head - 1] + 1]) if keep_head else ""
    tail = "".join(toks[words[len(words) - keep_tail] :]) if keep_tail else ""
    if head and tail:
        return f"{head} … {tail}"
    return f"{head} …" if head else f"… {tail}"


def _colour(fg: str, text: str) -> str:
    # A coloured space is invisible, so whitespace-only edits get a background colour instead.
    if text.isspace():
        return ("\x1b[41m" if fg == _RED else "\x1b[42m") + text
    return fg + text


def _words_text(words: Sequence[Segment], color: bool, *, trim: bool) -> str:
    out: list[str] = []
    for k, seg in enumerate(words):
        if seg.op == "equal":
            text = _inline(seg.text)
            if trim:
                text = _trim_equal(text, after_change=k > 0, before_change=k + 1 < len(words))
            out.append(text)
        elif seg.op == "delete":
            t = _reveal(seg.text)
            out.append(f"{_colour(_RED, t)}{_RESET}" if color else f"[-{t}-]")
        else:
            t = _reveal(seg.text)
            out.append(f"{_colour(_GREEN, t)}{_RESET}" if color else f"{{+{t}+}}")
    return "".join(out)


def _speaker_label(op: ParagraphOp) -> str:
    if op.speaker_changed:
        return f"{_inline(op.old_speaker or '—')} → {_inline(op.new_speaker or '—')}"
    return _inline(op.speaker or "")


def _with_speaker(speaker: str | None, text: str) -> str:
    return f"{speaker}: {text}" if speaker else text


def _where(op: ParagraphOp) -> str:
    """Position and kind of a changed paragraph, in the words both renderers use."""
    assert op.old_index is not None or op.new_index is not None
    if op.kind == DELETED:
        return f"old ¶{op.old_index + 1} removed"  # type: ignore[operator]
    if op.kind == INSERTED:
        return f"¶{op.new_index + 1} added"  # type: ignore[operator]
    if op.kind == MOVED:
        where = f"¶{op.new_index + 1} moved from old ¶{op.old_index + 1}"  # type: ignore[operator]
        return where + " and edited" if op.words is not None else where
    return f"¶{op.new_index + 1} edited"  # type: ignore[operator]


def _header(op: ParagraphOp) -> str:
    label = _speaker_label(op)
    return f"@@ {_where(op)} ({label}) @@" if label else f"@@ {_where(op)} @@"


def _visible(ops: Sequence[ParagraphOp], context: int) -> list[bool]:
    show = [op.kind != EQUAL for op in ops]
    for k, op in enumerate(ops):
        if op.kind != EQUAL:
            for d in range(1, context + 1):
                for n in (k - d, k + d):
                    if 0 <= n < len(ops):
                        show[n] = True
    return show


def _elided(n: int) -> str:
    return f"… {n} unchanged paragraph{'s' if n != 1 else ''} …"


def _iter_shown(ops: Sequence[ParagraphOp], context: int | None) -> Iterator[ParagraphOp | int]:
    """Yield ops to show, and an int (count of hidden equal paragraphs) for each elided run."""
    show = [True] * len(ops) if context is None else _visible(ops, max(context, 0))
    hidden = 0
    for op, s in zip(ops, show):
        if s:
            if hidden:
                yield hidden
                hidden = 0
            yield op
        else:
            hidden += 1
    if hidden:
        yield hidden


def render_text(diff: Diff, *, context: int = 1, color: bool = False) -> str:
    """Unified-style text for terminals and mail; page text is passed through :func:`safe_terminal`."""
    c = (lambda code, s: f"{code}{s}{_RESET}") if color else (lambda code, s: s)
    lines = [summarize(diff)]
    if diff.title.changed:
        lines.append(c(_CYAN, "@@ title @@"))
        lines.append("~ " + _words_text(diff.title.words or (), color, trim=False))
    if not any(op.kind != EQUAL for op in diff.ops):
        return "\n".join(lines) + "\n"  # nothing to show but the summary (and title)
    lines.append("")
    for item in _iter_shown(diff.ops, context):
        if isinstance(item, int):
            lines.append(c(_DIM, "  " + _elided(item)))
            continue
        op = item
        if op.kind == EQUAL:
            lines.append("  " + _shorten(_with_speaker(_inline(op.speaker or ""), _inline(op.new_text or ""))))
            continue
        lines.append(c(_CYAN, _header(op)))
        if op.kind == DELETED:
            lines.append(c(_RED, "- " + _with_speaker(_inline(op.old_speaker or ""), _inline(op.old_text or ""))))
        elif op.kind == INSERTED:
            lines.append(c(_GREEN, "+ " + _with_speaker(_inline(op.new_speaker or ""), _inline(op.new_text or ""))))
        elif op.words is None:  # moved unchanged
            lines.append("> " + _with_speaker(_inline(op.new_speaker or ""), _inline(op.new_text or "")))
        else:
            speaker = _speaker_text(op, color)
            lines.append("~ " + _with_speaker(speaker, _words_text(op.words, color, trim=True)))
    return "\n".join(lines) + "\n"


def _speaker_text(op: ParagraphOp, color: bool) -> str:
    if not op.speaker_changed:
        return _inline(op.new_speaker or "")
    old, new = _reveal(op.old_speaker or ""), _reveal(op.new_speaker or "")
    parts = []
    if old:
        parts.append(f"{_RED}{old}{_RESET}" if color else f"[-{old}-]")
    if new:
        parts.append(f"{_GREEN}{new}{_RESET}" if color else f"{{+{new}+}}")
    return "".join(parts)


# --------------------------------------------------------------------------------------------
# HTML rendering


def _esc(text: str) -> str:
    # Controls are stripped first: they are invalid in XML (the Atom feed) and can spoof display.
    return html.escape(safe_terminal(text).replace("\n", " "), quote=True)


def _esc_reveal(text: str) -> str:
    return html.escape(_reveal(text), quote=True)


def _words_html(words: Sequence[Segment]) -> str:
    out = []
    for seg in words:
        if seg.op == "equal":
            out.append(_esc(seg.text))
        elif seg.op == "delete":
            out.append(f"<del>{_esc_reveal(seg.text)}</del>")
        else:
            out.append(f"<ins>{_esc_reveal(seg.text)}</ins>")
    return "".join(out)


def _speaker_html(op: ParagraphOp) -> str:
    if op.speaker_changed:
        old = f"<del>{_esc_reveal(op.old_speaker)}</del>" if op.old_speaker else ""
        new = f"<ins>{_esc_reveal(op.new_speaker)}</ins>" if op.new_speaker else ""
        return f"<b>{old}{new}:</b> "
    return f"<b>{_esc(op.speaker)}:</b> " if op.speaker else ""


def _note_html(op: ParagraphOp) -> str:
    # A textual note, not only a CSS class: feed readers and mail clients drop classes and styles.
    return f'<small class="mw-note">[{_where(op)}]</small> '


def render_html(diff: Diff, *, title: str | None = None, full: bool = False) -> str:
    """A self-contained HTML fragment with inline <del>/<ins>; all page text is escaped."""
    out = ['<div class="mw-diff">']
    if title is not None:
        out.append(f"<h2>{_esc(title)}</h2>")
    out.append(f'<p class="mw-summary"><i>{html.escape(summarize(diff))}</i></p>')
    if diff.title.changed:
        out.append(
            f'<p class="mw-title"><small class="mw-note">[title]</small> '
            f"<b>{_words_html(diff.title.words or ())}</b></p>"
        )
    shown = _iter_shown(diff.ops, None if full else 1) if full or any(op.kind != EQUAL for op in diff.ops) else ()
    for item in shown:
        if isinstance(item, int):
            out.append(f'<p class="mw-elided">{_elided(item)}</p>')
            continue
        op = item
        if op.kind == EQUAL:
            out.append(f'<p class="mw-equal">{_speaker_html(op)}{_esc(op.new_text or "")}</p>')
        elif op.kind == DELETED:
            out.append(f'<p class="mw-deleted">{_note_html(op)}<del>{_speaker_html(op)}{_esc(op.old_text or "")}</del></p>')
        elif op.kind == INSERTED:
            out.append(f'<p class="mw-inserted">{_note_html(op)}<ins>{_speaker_html(op)}{_esc(op.new_text or "")}</ins></p>')
        else:
            cls = "mw-moved" if op.kind == MOVED else "mw-changed"
            body = _esc(op.new_text or "") if op.words is None else _words_html(op.words)
            out.append(f'<p class="{cls}">{_note_html(op)}{_speaker_html(op)}{body}</p>')
    out.append("</div>")
    return "\n".join(out) + "\n"


_PAGE_CSS = """
body{font:16px/1.5 Georgia,serif;max-width:46em;margin:2em auto;padding:0 1em;color:#222}
del{background:#fdd;color:#900}
ins{background:#dfd;color:#060;text-decoration:none}
.mw-note{font:12px sans-serif;color:#666}
.mw-summary,.mw-elided{color:#666}
.mw-moved{border-left:3px solid #99c;padding-left:.6em}
.mw-deleted,.mw-inserted,.mw-changed{border-left:3px solid #ccc;padding-left:.6em}
""".strip()


def render_html_page(diff: Diff, *, title: str | None = None, full: bool = False) -> str:
    """A complete HTML document around :func:`render_html`, with minimal inline CSS."""
    head_title = _esc(title if title is not None else (diff.title.new or "diff"))
    return (
        "<!DOCTYPE html>\n"
        '<html><head><meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{head_title}</title>\n<style>\n{_PAGE_CSS}\n</style></head>\n<body>\n"
        f"{render_html(diff, title=title, full=full)}</body></html>\n"
    )


# --------------------------------------------------------------------------------------------
# JSON rendering


def render_json(diff: Diff) -> str:
    """The operations for programs: stable key order, UTF-8 text kept readable."""
    return diff.to_json(indent=None)
