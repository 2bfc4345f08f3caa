"""The result of aligning two language variants: links between paragraph groups, each with its confidence."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scheduler.divergence.features import Para

HIGH = 0.6  # links at or above this confidence are trusted for findings
LOW = 0.4  # below this an alignment is a guess


@dataclass
class Link:
    """One aligned group: paragraph indices on each side (0-based; empty on the side it is absent from)."""

    a: tuple[int, ...]
    b: tuple[int, ...]
    confidence: float = 0.0
    structural: float = 0.0
    moved: bool = False  # paired out of order (reordered turns)
    ignorable: bool = False  # boilerplate such as "СООБЩЕНИЕ ДЛЯ СМИ" present on one side only
    whole_turn: bool = False  # a missing speaker turn (label and all its paragraphs)
    matched: int = 0  # anchors found on both sides
    only_a: list[str] = field(default_factory=list)
    only_b: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    @property
    def kind(self) -> str:
        if self.a and self.b:
            return "match"
        return "only_a" if self.a else "only_b"

    def to_dict(self) -> dict[str, Any]:
        return {"a": list(self.a), "b": list(self.b), "kind": self.kind, "confidence": round(self.confidence, 2),
                "structural": round(self.structural, 2), "moved": self.moved, "ignorable": self.ignorable,
                "whole_turn": self.whole_turn, "anchors": {"matched": self.matched, "only_a": self.only_a,
                                                           "only_b": self.only_b}, "reasons": self.reasons}


@dataclass
class Alignment:
    lang_a: str
    lang_b: str
    paras_a: list[Para]
    paras_b: list[Para]
    links: list[Link]
    ratio: float

    @property
    def confidence(self) -> float:
        """Length-weighted mean confidence of the matched links (1.0 for two empty texts)."""
        total = weight = 0.0
        for link in self.links:
            if link.kind != "match":
                continue
            w = sum(self.paras_a[i].length for i in link.a) + 1
            total += w * link.confidence
            weight += w
        return total / weight if weight else (1.0 if not self.paras_a and not self.paras_b else 0.0)

    def counterpart(self, side: str, index: int) -> Link | None:
        for link in self.links:
            if index in (link.a if side == "a" else link.b):
                return link
        return None

    def to_dict(self) -> dict[str, Any]:
        return {"lang_a": self.lang_a, "lang_b": self.lang_b, "ratio": round(self.ratio, 3),
                "confidence": round(self.confidence, 2), "links": [lk.to_dict() for lk in self.links]}
