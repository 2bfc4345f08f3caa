"""Cosmetic folding: decide whether two versions differ only in whitespace, quotes, dashes, ё/е or case."""
from __future__ import annotations

import re
from typing import Any, Mapping

# Every quotation mark style mid.ru uses across its five languages folds to one ASCII quote:
# Russian «ёлочки» and „лапки“, English “curly” and 'straight', French ‹guillemets›, German ‚low‘.
_QUOTES = "«»„“”‘’\"'‹›‚‟‛＂′″"
# Hyphen-like characters: em/en dash, non-breaking hyphen, minus, hyphen, figure dash, horizontal bar.
_DASHES = "—–‑−‐‒―﹘﹣－"
_FOLD = str.maketrans({**{c: '"' for c in _QUOTES}, **{c: "-" for c in _DASHES}})

# Invisible characters that never change what a reader sees: zero-width space/joiners, word joiner,
# BOM and soft hyphen. Editors' tools add and drop them silently, so they are cosmetic too.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_WS = re.compile(r"\s+")


def cosmetic_key(text: str) -> str:
    """Fold ``text`` so that two strings differing only cosmetically get the same key."""
    text = _INVISIBLE.sub("", text)
    text = text.translate(_FOLD)
    # casefold before the ё step so that Ё (-> ё) is caught too; casefold also handles ß/SS.
    text = text.casefold().replace("ё", "е")
    # Runs of whitespace collapse to one space, but a space is never folded into nothing:
    # "не был" vs "небыл" is a spelling change, not a cosmetic one.
    return _WS.sub(" ", text).strip()


def _paragraph_key(paragraph: Mapping[str, Any]) -> tuple[str, str]:
    # A missing speaker and an empty speaker label read the same.
    return cosmetic_key(paragraph.get("speaker") or ""), cosmetic_key(paragraph.get("text") or "")


def is_cosmetic(old_version: Mapping[str, Any], new_version: Mapping[str, Any]) -> bool:
    """True when the versions differ, but only cosmetically (same paragraphs and speakers under folding)."""
    old_paras = list(old_version.get("paragraphs") or [])
    new_paras = list(new_version.get("paragraphs") or [])
    if (old_version.get("title"), _exact(old_paras)) == (new_version.get("title"), _exact(new_paras)):
        return False  # identical: not an edit at all, so not a cosmetic edit either
    if len(old_paras) != len(new_paras):
        return False  # a paragraph split or merge is a structural change
    if cosmetic_key(old_version.get("title") or "") != cosmetic_key(new_version.get("title") or ""):
        return False
    # A paragraph left exactly as it was needs no folding (most of an edited text is).
    return all(_raw(a) == _raw(b) or _paragraph_key(a) == _paragraph_key(b) for a, b in zip(old_paras, new_paras))


def _raw(paragraph: Mapping[str, Any]) -> tuple[Any, Any]:
    return paragraph.get("speaker"), paragraph.get("text")


def _exact(paragraphs: list[Mapping[str, Any]]) -> list[tuple[Any, Any]]:
    return [_raw(p) for p in paragraphs]
