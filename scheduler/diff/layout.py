"""What both renderers show of a diff: the paragraphs kept (unchanged runs elided) and how a change is named."""
from __future__ import annotations

from typing import Iterator, Sequence

from scheduler.diff.model import DELETED, EQUAL, INSERTED, MOVED, ParagraphOp


def where(op: ParagraphOp) -> str:
    """Position and kind of a changed paragraph, in the words both renderers use."""
    assert op.old_index is not None or op.new_index is not None
    if op.kind == DELETED:
        return f"old ¶{op.old_index + 1} removed"  # type: ignore[operator]
    if op.kind == INSERTED:
        return f"¶{op.new_index + 1} added"  # type: ignore[operator]
    if op.kind == MOVED:
        moved = f"¶{op.new_index + 1} moved from old ¶{op.old_index + 1}"  # type: ignore[operator]
        return moved + " and edited" if op.words is not None else moved
    return f"¶{op.new_index + 1} edited"  # type: ignore[operator]


def _visible(ops: Sequence[ParagraphOp], context: int) -> list[bool]:
    show = [op.kind != EQUAL for op in ops]
    for k, op in enumerate(ops):
        if op.kind != EQUAL:
            for d in range(1, context + 1):
                for n in (k - d, k + d):
                    if 0 <= n < len(ops):
                        show[n] = True
    return show


def elided(n: int) -> str:
    """The note standing for a run of ``n`` hidden unchanged paragraphs."""
    return f"… {n} unchanged paragraph{'s' if n != 1 else ''} …"


def iter_shown(ops: Sequence[ParagraphOp], context: int | None) -> Iterator[ParagraphOp | int]:
    """Yield ops to show, and an int (count of hidden equal paragraphs) for each elided run."""
    show = [True] * len(ops) if context is None else _visible(ops, max(context, 0))
    hidden = 0
    for op, s in zip(ops, show):
        if s:
            if hidden:
                yield hidden
                hidden = 0
            yield op
        else:
            hidden += 1
    if hidden:
        yield hidden
