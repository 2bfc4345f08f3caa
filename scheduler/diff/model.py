"""What a diff of two statement versions is: word segments, aligned paragraphs, the title, the whole."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from scheduler.diff.summary import summarize

EQUAL = "equal"
CHANGED = "changed"
INSERTED = "inserted"
DELETED = "deleted"
MOVED = "moved"

JSON_VERSION = 1


@dataclass(frozen=True)
class Segment:
    """A piece of a word-level diff: ``op`` is "equal", "delete" or "insert"."""

    op: str
    text: str

    def to_dict(self) -> dict[str, str]:
        return {"op": self.op, "text": self.text}


@dataclass(frozen=True)
class ParagraphOp:
    """One aligned paragraph (speaker turn). Indices are 0-based; None on the side it is absent from."""

    kind: str
    old_index: int | None
    new_index: int | None
    old_speaker: str | None
    new_speaker: str | None
    old_text: str | None
    new_text: str | None
    words: tuple[Segment, ...] | None = None  # for "changed", and for "moved" when also edited

    @property
    def speaker(self) -> str | None:
        return self.new_speaker if self.new_index is not None else self.old_speaker

    @property
    def speaker_changed(self) -> bool:
        return self.kind in (CHANGED, MOVED) and self.old_speaker != self.new_speaker

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "old_index": self.old_index,
            "new_index": self.new_index,
            "speaker": self.speaker,
            "old_speaker": self.old_speaker,
            "new_speaker": self.new_speaker,
            "old_text": self.old_text,
            "new_text": self.new_text,
            "words": None if self.words is None else [s.to_dict() for s in self.words],
        }


@dataclass(frozen=True)
class TitleDiff:
    old: str
    new: str
    words: tuple[Segment, ...] | None  # None when the title is unchanged

    @property
    def changed(self) -> bool:
        return self.old != self.new

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": CHANGED if self.changed else EQUAL,
            "old": self.old,
            "new": self.new,
            "words": None if self.words is None else [s.to_dict() for s in self.words],
        }


@dataclass(frozen=True)
class Diff:
    """The whole comparison: title diff plus paragraph operations in new-document order."""

    title: TitleDiff
    ops: tuple[ParagraphOp, ...]

    @property
    def changed(self) -> bool:
        return self.title.changed or any(op.kind != EQUAL for op in self.ops)

    def counts(self) -> dict[str, int]:
        kinds = [op.kind for op in self.ops]
        return {
            "title": int(self.title.changed),
            "edited": kinds.count(CHANGED),
            "added": kinds.count(INSERTED),
            "removed": kinds.count(DELETED),
            "moved": kinds.count(MOVED),
            "moved_edited": sum(1 for op in self.ops if op.kind == MOVED and op.words is not None),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": JSON_VERSION,
            "changed": self.changed,
            "summary": summarize(self),
            "counts": self.counts(),
            "title": self.title.to_dict(),
            "ops": [op.to_dict() for op in self.ops],
        }

    def to_json(self, *, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)
