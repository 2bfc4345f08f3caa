"""Two language variants side by side, aligned, with divergent and uncertain paragraphs marked."""
from __future__ import annotations

import html
import shutil
import textwrap
from typing import Any, Sequence

from scheduler.diff.terminal import safe_terminal
from scheduler.divergence.findings import EDIT_NOT_PROPAGATED, MISSING_PARAGRAPHS, NUMBER_MISMATCH, Finding
from scheduler.divergence.links import HIGH, LOW, Alignment

_MARK_TEXT = {"divergent": "!", "uncertain": "?", "ok": " ", "ignored": "·"}


def _marks(al: Alignment, findings: Sequence[Finding]) -> dict[int, tuple[str, list[str]]]:
    """link index -> (state, notes)."""
    flagged_a: dict[int, list[str]] = {}
    flagged_b: dict[int, list[str]] = {}
    for f in findings:
        d = f.detail
        if f.kind == MISSING_PARAGRAPHS:
            target = flagged_a if d.get("present_in") == al.lang_a else flagged_b
            for i in d.get("paragraphs", []):
                target.setdefault(i, []).append(f"missing in {d.get('missing_in')}")
        elif f.kind == NUMBER_MISMATCH:
            for i in d.get("paragraphs_a", []):
                flagged_a.setdefault(i, []).append(f.summary)
        elif f.kind == EDIT_NOT_PROPAGATED:
            for e in d.get("edits", []):
                for p in e.get("pairs", []):
                    if "paragraph" in p:
                        side = flagged_a if d.get("edited_lang") == al.lang_a else flagged_b
                        side.setdefault(p["paragraph"], []).append(
                            f"edited in {d.get('edited_lang')} (v{e['to_version']}), not in {d.get('other_lang')}")
    out: dict[int, tuple[str, list[str]]] = {}
    for k, lk in enumerate(al.links):
        notes = [n for i in lk.a for n in flagged_a.get(i, [])] + [n for j in lk.b for n in flagged_b.get(j, [])]
        if notes:
            out[k] = ("divergent", list(dict.fromkeys(notes)))
        elif lk.ignorable:
            out[k] = ("ignored", ["boilerplate line, ignored"])
        elif lk.confidence < HIGH:
            what = "no counterpart?" if lk.kind != "match" else "pairing uncertain"
            out[k] = ("uncertain", [f"{what} (confidence {lk.confidence:.2f})"])
        else:
            out[k] = ("ok", [])
    return out


def aligned_rows(al: Alignment, findings: Sequence[Finding]) -> list[dict[str, Any]]:
    """The alignment as rows for a page template: state (divergent, uncertain, ignored, ok), notes, where each
    side is (¶ labels), confidence, moved, and each side's paragraphs as (speaker, text) pairs (raw page text)."""
    marks = _marks(al, findings)
    rows = []
    for k, lk in enumerate(al.links):
        state, notes = marks[k]
        rows.append({"state": state, "notes": notes, "where_a": _label(lk.a), "where_b": _label(lk.b),
                     "confidence": lk.confidence, "moved": lk.moved,
                     "a": [(al.paras_a[i].speaker, al.paras_a[i].text) for i in lk.a],
                     "b": [(al.paras_b[j].speaker, al.paras_b[j].text) for j in lk.b]})
    return rows


def _para_text(paras: Sequence[Any], idx: Sequence[int]) -> str:
    parts = []
    for i in idx:
        p = paras[i]
        parts.append(f"{p.speaker}: {p.text}" if p.speaker else p.text)
    return "\n".join(parts)


def _label(idx: Sequence[int]) -> str:
    if not idx:
        return "—"
    return f"¶{idx[0] + 1}" if len(idx) == 1 else f"¶{idx[0] + 1}–{idx[-1] + 1}"


def render_side_by_side_text(al: Alignment, findings: Sequence[Finding], *, title_a: str = "", title_b: str = "",
                             width: int | None = None, color: bool = False) -> str:
    """Two columns for a terminal; page text goes through safe_terminal."""
    width = width or min(shutil.get_terminal_size((120, 24)).columns, 160)
    col = max(20, (width - 5) // 2)
    marks = _marks(al, findings)
    red, yellow, reset = ("\x1b[31m", "\x1b[33m", "\x1b[0m") if color else ("", "", "")
    lines = [f"{al.lang_a} ↔ {al.lang_b}: {len(al.links)} aligned groups, confidence {al.confidence:.2f}"
             f" (! divergent, ? uncertain, · ignored)"]
    if title_a or title_b:
        lines += _columns(safe_terminal(title_a), safe_terminal(title_b), col, " ")
    lines.append("-" * (col * 2 + 5))
    for k, lk in enumerate(al.links):
        state, notes = marks[k]
        mark = _MARK_TEXT[state]
        paint = red if state == "divergent" else yellow if state == "uncertain" else ""
        head = f"{mark} {_label(lk.a)} ↔ {_label(lk.b)}  ({lk.confidence:.2f}{', moved' if lk.moved else ''})"
        lines.append(f"{paint}{head}{reset if paint else ''}")
        for note in notes:
            lines.append(f"{paint}  {mark} {safe_terminal(note).replace(chr(10), ' ')}{reset if paint else ''}")
        lines += _columns(safe_terminal(_para_text(al.paras_a, lk.a)), safe_terminal(_para_text(al.paras_b, lk.b)),
                          col, mark)
    return "\n".join(lines) + "\n"


def _columns(left: str, right: str, col: int, mark: str) -> list[str]:
    def wrap(text: str) -> list[str]:
        out: list[str] = []
        for para in text.split("\n"):
            out += textwrap.wrap(para, col) or [""]
        return out

    lw, rw = wrap(left) if left else ["—"], wrap(right) if right else ["—"]
    n = max(len(lw), len(rw))
    lw += [""] * (n - len(lw))
    rw += [""] * (n - len(rw))
    return [f"{mark} {a:<{col}} │ {b}".rstrip() for a, b in zip(lw, rw)]


_CSS = """
body{font:15px/1.45 Georgia,serif;margin:1.5em;color:#222}
table{border-collapse:collapse;width:100%}
td{vertical-align:top;padding:.4em .6em;border-top:1px solid #ddd;width:48%}
td.mw-where{width:4%;font:12px sans-serif;color:#666;white-space:nowrap}
tr.mw-divergent td{background:#fff0f0}
tr.mw-uncertain td{background:#fffbe6}
tr.mw-ignored td{color:#999}
.mw-note{font:12px sans-serif;color:#900;display:block}
""".strip()


def _cell(paras: Sequence[Any], idx: Sequence[int]) -> str:
    if not idx:
        return "<td><i>—</i></td>"
    parts = []
    for i in idx:
        p = paras[i]
        sp = f"<b>{_esc(p.speaker)}:</b> " if p.speaker else ""
        parts.append(f"<p>{sp}{_esc(p.text)}</p>")
    return f"<td>{''.join(parts)}</td>"


def _esc(text: Any) -> str:
    return html.escape(safe_terminal(str(text or "")).replace("\n", " "), quote=True)


def render_side_by_side_html(al: Alignment, findings: Sequence[Finding], *, title_a: str = "",
                             title_b: str = "", heading: str = "") -> str:
    """A standalone HTML page: one table row per aligned group; all page text escaped."""
    marks = _marks(al, findings)
    rows = []
    for k, lk in enumerate(al.links):
        state, notes = marks[k]
        note_html = "".join(f'<span class="mw-note">[{_esc(n)}]</span>' for n in notes)
        rows.append(
            f'<tr class="mw-{state}"><td class="mw-where">{_esc(_label(lk.a))} ↔ {_esc(_label(lk.b))}<br>'
            f"{lk.confidence:.2f}{note_html}</td>{_cell(al.paras_a, lk.a)}{_cell(al.paras_b, lk.b)}</tr>")
    summary = "".join(f"<li>{_esc(f.kind)}: {_esc(f.summary)}</li>" for f in findings)
    return (
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n"
        f"<title>{_esc(heading or title_a)}</title>\n<style>\n{_CSS}\n</style></head>\n<body>\n"
        f"<h2>{_esc(heading)}</h2>\n"
        f"<p>{_esc(al.lang_a)} ↔ {_esc(al.lang_b)}, alignment confidence {al.confidence:.2f}; "
        f"rows marked red diverge, yellow are uncertain (below {HIGH:.1f}; below {LOW:.1f} is a guess).</p>\n"
        f"<ul>{summary}</ul>\n"
        f"<table>\n<tr><th></th><th>{_esc(title_a)}</th><th>{_esc(title_b)}</th></tr>\n"
        + "\n".join(rows) + "\n</table>\n</body></html>\n"
    )
