"""Two languages of one statement side by side: paragraphs aligned, divergences marked (scheduler/divergence)."""
from __future__ import annotations

from typing import Any

import sqlite_utils

from scheduler.divergence.align import align
from scheduler.divergence.findings import Finding, missing_paragraphs, number_mismatch
from scheduler.divergence.links import HIGH
from scheduler.divergence.render import aligned_rows
from store.divergences import current_text, open_divergences_of_pair


def compare(db: sqlite_utils.Database, sid: str, lang_a: str, lang_b: str) -> dict[str, Any] | None:
    """The current texts of two languages aligned: rows (state, notes, both sides), the findings, confidence.

    The findings are the stored open divergences of the pair, so the view marks what `crawl divergences`
    lists; a pair never evaluated (a deleted variant, an archive from before the checks) is checked here.
    None when either language has no text.
    """
    a, b = current_text(db, sid, lang_a), current_text(db, sid, lang_b)
    if a is None or b is None:
        return None
    al = align(a["paragraphs"], b["paragraphs"], lang_a, lang_b)
    stored = open_divergences_of_pair(db, sid, lang_a, lang_b)
    findings = [Finding(r["kind"], r["key"], r["lang_a"], r["lang_b"], r["summary"], r["detail"], r["confidence"])
                for r in stored]
    if not findings:
        findings = missing_paragraphs(al) + number_mismatch(al)
    return {"lang_a": lang_a, "lang_b": lang_b, "version_a": a["version"], "version_b": b["version"],
            "title_a": a["title"], "title_b": b["title"], "confidence": al.confidence, "high": HIGH,
            "rows": aligned_rows(al, findings), "findings": [{"kind": f.kind, "summary": f.summary} for f in findings]}
