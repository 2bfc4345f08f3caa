"""A diff as HTML with <del>/<ins>: a fragment for feeds and mail, or a standalone page (`--format html`)."""
from __future__ import annotations

import html
from typing import Sequence

from scheduler.diff.layout import elided, iter_shown, where
from scheduler.diff.model import DELETED, EQUAL, INSERTED, MOVED, Diff, ParagraphOp, Segment
from scheduler.diff.summary import summarize
from scheduler.diff.terminal import reveal, safe_terminal


def _esc(text: str) -> str:
    # Controls are stripped first: they are invalid in XML (the Atom feed) and can spoof display.
    return html.escape(safe_terminal(text).replace("\n", " "), quote=True)


def _esc_reveal(text: str) -> str:
    return html.escape(reveal(text), quote=True)


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
    return f'<small class="mw-note">[{where(op)}]</small> '


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
    shown = iter_shown(diff.ops, None if full else 1) if full or any(op.kind != EQUAL for op in diff.ops) else ()
    for item in shown:
        if isinstance(item, int):
            out.append(f'<p class="mw-elided">{elided(item)}</p>')
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
