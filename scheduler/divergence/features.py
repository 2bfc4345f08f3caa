"""A paragraph as the aligner sees it: speaker role, length, anchors, and whether it is a heading or boilerplate."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Mapping, Sequence

from scheduler.divergence.anchors import extract_anchors, soft_numbers
from scheduler.divergence.roles import speaker_role


@dataclass(frozen=True)
class Para:
    index: int
    speaker: str | None
    text: str
    role: str | None
    length: int
    anchors: Counter
    heading: bool
    boilerplate: bool
    soft: frozenset = frozenset()  # numbers written as words


def prepare(paragraphs: Sequence[Mapping[str, Any]]) -> list[Para]:
    """Stored paragraphs ({"speaker", "text"}) with the features the alignment works on."""
    out = []
    for i, p in enumerate(paragraphs):
        text = (p.get("text") or "").strip()
        speaker = (p.get("speaker") or None)
        out.append(Para(i, speaker, text, *_features(speaker, text)))
    return out


@lru_cache(maxsize=8192)
def _features(speaker: str | None, text: str) -> tuple[str | None, int, Counter, bool, bool, frozenset]:
    """Role, length, anchors, heading, boilerplate and soft numbers of one paragraph.

    Cached: the original's paragraphs are compared with every translation, and again for each edit
    (the anchors Counter is shared, so nothing may modify it in place).
    """
    return (speaker_role(speaker), text_length(text), extract_anchors(text), is_heading(speaker, text),
            speaker is None and is_boilerplate(text), soft_numbers(text))


_BOILERPLATE = re.compile(r"^[\W\d_]*$")


def is_boilerplate(text: str) -> bool:
    """Lines such as "СООБЩЕНИЕ ДЛЯ СМИ", "PRESS RELEASE", "* * *": upper case or no letters, short.

    Translations often leave them out; they are never reported as missing.
    """
    t = text.strip()
    if len(t) > 60:
        return False
    letters = [c for c in t if c.isalpha()]
    return not letters or all(c.isupper() for c in letters) or bool(_BOILERPLATE.match(t))


def is_heading(speaker: str | None, text: str) -> bool:
    """A short paragraph without closing punctuation: a section heading of a briefing."""
    t = text.strip()
    return speaker is None and 0 < len(t) <= 120 and t[-1] not in ".!?…;"


def text_length(text: str) -> int:
    """Characters without whitespace (scripts differ in word length, less in letters per meaning)."""
    # str.split() cuts at exactly the characters str.isspace() accepts; the join runs in C.
    return len("".join(text.split()))
