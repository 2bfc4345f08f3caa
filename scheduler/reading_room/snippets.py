"""Search snippets: where in a text the reader's words are, cut out and marked (escaped first, then <mark>).

Done here rather than by FTS5's snippet(), which tokenises every whole body it is given: for a page of long
briefings that cost more than the search. Matching follows the index's rules closely (any case, words from
their beginning when they are prefixes, a word with one of its endings when searched with its forms); a match
the index found through folded Latin accents may go unmarked, and the snippet is then the text's beginning.
"""
from __future__ import annotations

import html
import re
from typing import Sequence

from markupsafe import Markup

from scheduler.diff.terminal import safe_terminal
from store.search import Term

Terms = Sequence[Term]
_SPACE = re.compile(r"\s")


def pattern(terms: Terms) -> re.Pattern[str] | None:
    """One regular expression matching what the search matches: any word of the terms, a prefix also the words
    it begins, a word with endings also itself plus one of them (no more: the marks show why a text was found)."""
    parts = []
    for words, prefix, endings in terms:
        for k, word in enumerate(words):
            last = k == len(words) - 1
            forms = "(?:" + "|".join(map(re.escape, sorted(endings, key=len, reverse=True))) + ")?" \
                if last and endings else ""
            tail = r"\w*" if prefix and last else forms + r"(?!\w)"
            parts.append(r"(?<!\w)" + re.escape(word) + tail)
    return re.compile("|".join(parts), re.IGNORECASE) if parts else None


def _marked(text: str, pat: re.Pattern[str] | None) -> str:
    if pat is None:
        return html.escape(text)
    out, last = [], 0
    for m in pat.finditer(text):
        out.append(html.escape(text[last:m.start()]))
        out.append(f"<mark>{html.escape(m.group())}</mark>")
        last = m.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


def highlight(text: str | None, pat: re.Pattern[str] | None) -> Markup:
    """The whole (short) text with every match marked."""
    return Markup(_marked(safe_terminal(text or "").replace("\n", " "), pat))


def snippet(text: str | None, pat: re.Pattern[str] | None, width: int = 260) -> Markup:
    """About ``width`` characters around the first match, the matches marked, cut at spaces."""
    # Only a window around the first match is cleaned: cleaning whole 100,000-character transcripts was most of
    # a search page's time (a window starts at a space, so no word is cut into a false match).
    raw = text or ""
    first = pat.search(raw) if pat else None
    lo, hi = 0, min(len(raw), 4 * width)
    if first is not None:
        lo, hi = max(0, first.start() - 2 * width), min(len(raw), first.end() + 4 * width)
        if lo:
            space = _SPACE.search(raw, lo, first.start())
            lo = space.end() if space else first.start()
    clean = re.sub(r"\s+", " ", safe_terminal(raw[lo:hi]))
    clean = clean.lstrip() if lo else clean
    cut_before, cut_after = lo > 0, hi < len(raw)
    m = pat.search(clean) if pat else None
    start = 0 if m is None else max(0, m.start() - width // 3)
    if start:
        space = clean.find(" ", start)
        start = space + 1 if 0 <= space < (m.start() if m else start) else start
    end = min(len(clean), start + width)
    if end < len(clean):
        space = clean.rfind(" ", start, end)
        end = space if space > start else end
    piece = _marked(clean[start:end], pat)
    return Markup(("… " if start or cut_before else "") + piece + (" …" if end < len(clean) or cut_after else ""))
