"""A record's body text from its paragraphs: the one join the parsers and the store share."""
from __future__ import annotations

from typing import Any, Iterable, Mapping

__all__ = ["join_body"]


def join_body(paragraphs: Iterable[Mapping[str, Any]]) -> str:
    """Paragraph texts separated by a blank line, a speaker's written as 'Speaker: text'.

    >>> join_body([{"speaker": "Вопрос", "text": "Как?"}, {"speaker": None, "text": "Так."}])
    'Вопрос: Как?\\n\\nТак.'
    """
    # .get: the store also joins paragraphs handed to it without a speaker key
    return "\n\n".join(f"{p['speaker']}: {p['text']}" if p.get("speaker") else p["text"] for p in paragraphs)
