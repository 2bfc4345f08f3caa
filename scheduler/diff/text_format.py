"""A diff as unified-style text for terminals and mail (`crawl diff --format text`)."""
from __future__ import annotations

from typing import Sequence

from scheduler.diff.compute import tokens
from scheduler.diff.layout import elided, iter_shown, where
from scheduler.diff.model import DELETED, EQUAL, INSERTED, Diff, ParagraphOp, Segment
from scheduler.diff.summary import summarize
from scheduler.diff.terminal import inline, reveal

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
    toks = tokens(text)
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
            text = inline(seg.text)
            if trim:
                text = _trim_equal(text, after_change=k > 0, before_change=k + 1 < len(words))
            out.append(text)
        elif seg.op == "delete":
            t = reveal(seg.text)
            out.append(f"{_colour(_RED, t)}{_RESET}" if color else f"[-{t}-]")
        else:
            t = reveal(seg.text)
            out.append(f"{_colour(_GREEN, t)}{_RESET}" if color else f"{{+{t}+}}")
    return "".join(out)


def _speaker_label(op: ParagraphOp) -> str:
    if op.speaker_changed:
        return f"{inline(op.old_speaker or '—')} → {inline(op.new_speaker or '—')}"
    return inline(op.speaker or "")


def _with_speaker(speaker: str | None, text: str) -> str:
    return f"{speaker}: {text}" if speaker else text


def _header(op: ParagraphOp) -> str:
    label = _speaker_label(op)
    return f"@@ {where(op)} ({label}) @@" if label else f"@@ {where(op)} @@"


def render_text(diff: Diff, *, context: int = 1, color: bool = False) -> str:
    """Unified-style text for terminals and mail; page text is made safe by :mod:`scheduler.diff.terminal`."""
    c = (lambda code, s: f"{code}{s}{_RESET}") if color else (lambda code, s: s)
    lines = [summarize(diff)]
    if diff.title.changed:
        lines.append(c(_CYAN, "@@ title @@"))
        lines.append("~ " + _words_text(diff.title.words or (), color, trim=False))
    if not any(op.kind != EQUAL for op in diff.ops):
        return "\n".join(lines) + "\n"  # nothing to show but the summary (and title)
    lines.append("")
    for item in iter_shown(diff.ops, context):
        if isinstance(item, int):
            lines.append(c(_DIM, "  " + elided(item)))
            continue
        op = item
        if op.kind == EQUAL:
            lines.append("  " + _shorten(_with_speaker(inline(op.speaker or ""), inline(op.new_text or ""))))
            continue
        lines.append(c(_CYAN, _header(op)))
        if op.kind == DELETED:
            lines.append(c(_RED, "- " + _with_speaker(inline(op.old_speaker or ""), inline(op.old_text or ""))))
        elif op.kind == INSERTED:
            lines.append(c(_GREEN, "+ " + _with_speaker(inline(op.new_speaker or ""), inline(op.new_text or ""))))
        elif op.words is None:  # moved unchanged
            lines.append("> " + _with_speaker(inline(op.new_speaker or ""), inline(op.new_text or "")))
        else:
            speaker = _speaker_text(op, color)
            lines.append("~ " + _with_speaker(speaker, _words_text(op.words, color, trim=True)))
    return "\n".join(lines) + "\n"


def _speaker_text(op: ParagraphOp, color: bool) -> str:
    if not op.speaker_changed:
        return inline(op.new_speaker or "")
    old, new = reveal(op.old_speaker or ""), reveal(op.new_speaker or "")
    parts = []
    if old:
        parts.append(f"{_RED}{old}{_RESET}" if color else f"[-{old}-]")
    if new:
        parts.append(f"{_GREEN}{new}{_RESET}" if color else f"{{+{new}+}}")
    return "".join(parts)
