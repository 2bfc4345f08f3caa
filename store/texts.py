"""A version's text as stored: the body once, and a layout of lengths that splits it back into its paragraphs.

The body is the form the full-text index reads (search, snippets, Datasette), so it is the one kept; the
paragraphs ({speaker, text} each) are derived from it. The layout is a JSON list with one entry per paragraph:
the text's length, or [speaker length, text length] for a paragraph with a speaker (written 'Speaker: text'),
the paragraphs joined by a blank line (store/paragraphs.join_body). Lengths count characters (code points),
as Python's len() and SQLite's length() do. A version whose paragraphs the body cannot give back exactly (a
body not joined from them, a paragraph with other keys) has no layout and keeps its paragraphs as JSON in
`version_paragraphs` instead: rare, and never lost.
"""
from __future__ import annotations

import json
from typing import Any, Mapping, Sequence

# The three columns a reader selects to get a version's paragraphs back, for a query whose versions alias is v.
PARAGRAPH_SOURCE = "v.body, v.layout, (SELECT p.paragraphs FROM version_paragraphs p WHERE p.version_id = v.id)"

_SEP = "\n\n"


def layout_of(paragraphs: Sequence[Mapping[str, Any]], body: str) -> str | None:
    """The layout that gives these paragraphs back from `body`, or None when none can (they are kept as JSON)."""
    entries: list[Any] = []
    pos = 0
    for i, p in enumerate(paragraphs):
        speaker, text = p.get("speaker"), p.get("text")
        if set(p) != {"speaker", "text"} or not isinstance(text, str) or not (speaker is None or (
                isinstance(speaker, str) and speaker)):
            return None
        if i:
            if body[pos:pos + 2] != _SEP:
                return None
            pos += 2
        if speaker is not None:
            if body[pos:pos + len(speaker) + 2] != speaker + ": ":
                return None
            pos += len(speaker) + 2
            entries.append([len(speaker), len(text)])
        else:
            entries.append(len(text))
        if body[pos:pos + len(text)] != text:
            return None
        pos += len(text)
    if pos != len(body):
        return None
    return json.dumps(entries, separators=(",", ":"))


def paragraphs_of(body: str, layout: str | None, kept: str | None) -> list[dict[str, Any]]:
    """A version's paragraphs from the three stored columns (PARAGRAPH_SOURCE)."""
    if kept is not None or layout is None:
        return json.loads(kept) if kept is not None else []
    out: list[dict[str, Any]] = []
    pos = 0
    for i, entry in enumerate(json.loads(layout)):
        if i:
            pos += 2
        speaker = None
        if isinstance(entry, list):
            n_speaker, n_text = entry
            speaker = body[pos:pos + n_speaker]
            pos += n_speaker + 2
        else:
            n_text = entry
        out.append({"speaker": speaker, "text": body[pos:pos + n_text]})
        pos += n_text
    return out


def kept_paragraphs(paragraphs: Sequence[Mapping[str, Any]]) -> str:
    """The JSON a version without a layout keeps its paragraphs as."""
    return json.dumps(list(paragraphs), ensure_ascii=False)
