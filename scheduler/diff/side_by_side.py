"""A diff as an HTML table, old version beside new: paragraphs and turns aligned, words marked <del>/<ins>.

The reading room's rendering (the one-column fragment of html_format.py stays what feeds and mail get).
Page text is escaped; changed words show invisible characters as ⟨U+XXXX⟩ so an invisible edit is visible.
"""
from __future__ import annotations

import html
from typing import Sequence

from scheduler.diff.layout import elided, iter_shown, where
from scheduler.diff.model import CHANGED, DELETED, EQUAL, INSERTED, MOVED, Diff, ParagraphOp, Segment
from scheduler.diff.summary import summarize
from scheduler.diff.terminal import reveal, safe_terminal


def _esc(text: str | None) -> str:
    return html.escape(safe_terminal(text or "").replace("\n", " "), quote=True)


def _changed(text: str, tag: str) -> str:
    return f"<{tag}>{html.escape(reveal(text), quote=True)}</{tag}>"


def _side(words: Sequence[Segment], keep: str) -> str:
    """One side of a word diff: the unchanged text and this side's changes ("delete" or "insert")."""
    tag = "del" if keep == "delete" else "ins"
    return "".join(_esc(s.text) if s.op == "equal" else _changed(s.text, tag) for s in words if s.op in ("equal", keep))


def _speaker(name: str | None, other: str | None, tag: str) -> str:
    if not name:
        return ""
    shown = _changed(name, tag) if other != name else _esc(name)
    return f"<b>{shown}:</b> "


def _cells(op: ParagraphOp) -> tuple[str, str]:
    if op.kind == EQUAL:
        text = _speaker(op.new_speaker, op.new_speaker, "") + _esc(op.new_text)
        return text, text
    if op.kind == DELETED:
        return f"<del>{_speaker(op.old_speaker, op.old_speaker, '')}{_esc(op.old_text)}</del>", ""
    if op.kind == INSERTED:
        return "", f"<ins>{_speaker(op.new_speaker, op.new_speaker, '')}{_esc(op.new_text)}</ins>"
    old = _speaker(op.old_speaker, op.new_speaker, "del")
    new = _speaker(op.new_speaker, op.old_speaker, "ins")
    if op.words is None:  # moved unchanged
        return old + _esc(op.old_text), new + _esc(op.new_text)
    return old + _side(op.words, "delete"), new + _side(op.words, "insert")


def _label(op: ParagraphOp, side: str) -> str:
    index = op.old_index if side == "old" else op.new_index
    if index is None:
        return ""
    if op.kind == MOVED:
        return f"¶{index + 1}, moved to ¶{op.new_index + 1}" if side == "old" else \
            f"¶{index + 1}, moved from ¶{op.old_index + 1}"  # type: ignore[operator]
    return f"¶{index + 1}"


def render_side_by_side(diff: Diff, *, lang: str, old_label: str, new_label: str, context: int | None = 1) -> str:
    """An HTML table: one row per aligned paragraph (unchanged runs beyond ``context`` elided), old on the left.

    Cells carry ``lang``; each changed row says what happened in words too (not only colour): moved answers
    are named as moved on both sides.
    """
    lang_attr = html.escape(lang, quote=True)
    out = [f'<table class="sbs" lang="{lang_attr}">',
           f'<caption>{html.escape(summarize(diff))}</caption>',
           f'<thead><tr><th scope="col">{html.escape(old_label)}</th>'
           f'<th scope="col">{html.escape(new_label)}</th></tr></thead><tbody>']
    if diff.title.changed:
        words = diff.title.words or ()
        out.append(f'<tr class="changed title"><td><span class="where">title</span> {_side(words, "delete")}</td>'
                   f'<td><span class="where">title</span> {_side(words, "insert")}</td></tr>')
    changed_any = any(op.kind != EQUAL for op in diff.ops)
    shown = iter_shown(diff.ops, context) if changed_any or context is None else ()
    for item in shown:
        if isinstance(item, int):
            out.append(f'<tr class="elided"><td colspan="2">{elided(item)}</td></tr>')
            continue
        op = item
        left, right = _cells(op)
        cls = {EQUAL: "equal", CHANGED: "changed", MOVED: "moved", DELETED: "deleted", INSERTED: "inserted"}[op.kind]
        new_where = _label(op, "new") if op.kind == EQUAL else where(op)
        out.append(f'<tr class="{cls}"><td>{_where(_label(op, "old"))}{left}</td>'
                   f'<td>{_where(new_where)}{right}</td></tr>')
    out.append("</tbody></table>")
    return "\n".join(out) + "\n"


def _where(label: str) -> str:
    return f'<span class="where">{html.escape(label)}</span> ' if label else ""
