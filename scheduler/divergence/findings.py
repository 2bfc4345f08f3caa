"""Divergence findings between two language variants of one statement (pure functions): what a finding
is, and the findings read from an alignment of their current versions.

Kinds (the two time-based ones come from the versions' history, :mod:`scheduler.divergence.history`):

* ``missing_paragraphs``  paragraphs or speaker turns of one version with no counterpart in the other;
* ``number_mismatch``     aligned paragraphs whose numbers, dates or percentages differ;
* ``edit_not_propagated`` one variant was edited and the counterpart of the edited paragraphs has not
                          changed within the delay (default 48 hours);
* ``missing_translation`` a statement of a kind that is usually translated (speech, interview,
                          briefing) still has only its original after the delay (default 72 hours);
* ``uncertain_alignment`` the two versions could not be aligned confidently enough to check them; the
                          finding says where, instead of guessing a missing paragraph or a mismatch.

Paragraph numbers in summaries (¶) are 1-based; indices in ``detail`` are 0-based.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Mapping, Sequence

from scheduler.compare import cosmetic_key
from scheduler.divergence.align import align
from scheduler.divergence.anchors import is_year
from scheduler.divergence.links import HIGH, LOW, Alignment

MISSING_PARAGRAPHS = "missing_paragraphs"
NUMBER_MISMATCH = "number_mismatch"
EDIT_NOT_PROPAGATED = "edit_not_propagated"
MISSING_TRANSLATION = "missing_translation"
UNCERTAIN_ALIGNMENT = "uncertain_alignment"
KINDS = (MISSING_PARAGRAPHS, NUMBER_MISMATCH, EDIT_NOT_PROPAGATED, MISSING_TRANSLATION, UNCERTAIN_ALIGNMENT)

TRANSLATED_KINDS = ("speech", "interview", "briefing")


@dataclass(frozen=True)
class Config:
    edit_delay: timedelta = timedelta(hours=48)  # edit_not_propagated: time the counterpart is given
    translation_delay: timedelta = timedelta(hours=72)  # missing_translation: time a translation is given
    translated_kinds: tuple[str, ...] = TRANSLATED_KINDS
    expected_languages: tuple[str, ...] = ("en",)  # translations a translated kind is expected to have
    threshold: float = HIGH  # minimum confidence of an alignment behind a finding


@dataclass
class Finding:
    kind: str
    key: str
    lang_a: str
    lang_b: str
    summary: str
    detail: dict[str, Any] = field(default_factory=dict)
    confidence: float | None = None
    version_a: int | None = None
    version_b: int | None = None

    def identity(self) -> tuple[str, str, str, str]:
        return (self.lang_a, self.lang_b, self.kind, self.key)


def _h(text: str) -> str:
    return hashlib.sha1(cosmetic_key(text).encode("utf-8")).hexdigest()[:12]


def _excerpt(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def paragraph_numbers(indices: Sequence[int]) -> str:
    """0-based indices as the 1-based paragraph numbers of a summary: "¶4", "¶4–6", "¶2, ¶5"."""
    if not indices:
        return "—"
    if len(indices) == 1:
        return f"¶{indices[0] + 1}"
    if list(indices) == list(range(indices[0], indices[-1] + 1)):
        return f"¶{indices[0] + 1}–{indices[-1] + 1}"
    return ", ".join(f"¶{i + 1}" for i in indices)


def _show_anchor(anchor: str) -> str:
    kind, value = anchor.split(":", 1)
    if kind == "pct":
        return f"{value}%"
    if kind == "date":
        month, day = value.split("-")
        return f"{int(day)}.{int(month)}."
    return value


# --------------------------------------------------------------------------------------------
# alignment-based findings


def missing_paragraphs(al: Alignment, *, threshold: float = HIGH) -> list[Finding]:
    """Runs of paragraphs on one side with no counterpart, when the alignment around them is confident."""
    out: list[Finding] = []
    run: list = []

    def flush() -> None:
        if not run:
            return
        side = "a" if run[0].a else "b"
        paras = [al.paras_a[lk.a[0]] if side == "a" else al.paras_b[lk.b[0]] for lk in run]
        present, missing = (al.lang_a, al.lang_b) if side == "a" else (al.lang_b, al.lang_a)
        conf = min(lk.confidence for lk in run)
        speakers = [p.speaker for p in paras if p.speaker]
        indices = [p.index for p in paras]
        who = f" ({', '.join(dict.fromkeys(speakers))})" if speakers else ""
        noun = "paragraph" if len(paras) == 1 else "paragraphs"
        whole = any(lk.whole_turn for lk in run)
        turn = " (a whole speaker turn)" if whole and speakers else " (a whole section)" if whole else ""
        out.append(Finding(
            MISSING_PARAGRAPHS, f"{present}:{_h(paras[0].text)}", al.lang_a, al.lang_b,
            f"{len(paras)} {noun} of {present} {paragraph_numbers(indices)}{who}{turn} missing in {missing}: "
            f"“{_excerpt(paras[0].text, 80)}”",
            {"present_in": present, "missing_in": missing, "paragraphs": indices, "speakers": speakers,
             "excerpt": _excerpt(paras[0].text), "confidence": round(conf, 2),
             "reasons": sorted({r for lk in run for r in lk.reasons})},
            round(conf, 2)))
        run.clear()

    for lk in al.links:
        reportable = lk.kind != "match" and not lk.ignorable and lk.confidence >= threshold
        if reportable and (not run or (bool(run[0].a) == bool(lk.a))):
            run.append(lk)
            continue
        flush()
        if reportable:
            run.append(lk)
    flush()
    return out


def _substantive(only: list[str]) -> list[str]:
    return [x for x in only if x.startswith(("num:", "pct:", "date:"))]


def number_mismatch(al: Alignment, *, threshold: float = HIGH) -> list[Finding]:
    """Confidently aligned paragraphs whose numbers, dates or percentages differ.

    A number is reported only when the other side has a *different* one in the same place (a
    substitution such as 5% vs 15%, 2024 vs 2025) or is a percentage with no counterpart: translations
    routinely drop a year or spell a small number out, and those are not findings.
    """
    out: list[Finding] = []
    for lk in al.links:
        if lk.kind != "match" or lk.structural < threshold:
            continue
        only_a, only_b = _substantive(lk.only_a), _substantive(lk.only_b)
        if not only_a and not only_b:
            continue
        substitution = bool(only_a) and bool(only_b)
        if not substitution:
            # One-sided: only a percentage (or a non-year amount with a percent on the other side) counts.
            one = only_a or only_b
            if not any(x.startswith("pct:") for x in one):
                continue
        # A year given on one side only is not a finding even inside a substitution.
        if substitution and all(is_year(x) for x in only_a) and not any(is_year(x) for x in only_b):
            continue
        ta = " ".join(al.paras_a[i].text for i in lk.a)
        tb = " ".join(al.paras_b[j].text for j in lk.b)
        key = f"{_h(ta)}:{','.join(only_a)}|{','.join(only_b)}"
        a_says = ", ".join(_show_anchor(x) for x in only_a) or "nothing"
        b_says = ", ".join(_show_anchor(x) for x in only_b) or "nothing"
        out.append(Finding(
            NUMBER_MISMATCH, key, al.lang_a, al.lang_b,
            f"{al.lang_a} {paragraph_numbers(list(lk.a))} says {a_says}"
            f" where {al.lang_b} {paragraph_numbers(list(lk.b))} says {b_says}",
            {"paragraphs_a": list(lk.a), "paragraphs_b": list(lk.b), "only_a": only_a, "only_b": only_b,
             "shared": lk.matched, "excerpt_a": _excerpt(ta), "excerpt_b": _excerpt(tb),
             "confidence": round(lk.structural, 2), "reasons": lk.reasons},
            round(lk.structural, 2)))
    return out


def uncertain_alignment(al: Alignment, *, threshold: float = HIGH) -> list[Finding]:
    """One finding when parts of the pair could not be aligned confidently (nothing is guessed there)."""
    unsure_gaps = [lk for lk in al.links if lk.kind != "match" and not lk.ignorable and LOW <= lk.confidence < threshold]
    weak = [lk for lk in al.links if lk.kind == "match" and lk.confidence < LOW]
    overall = al.confidence
    if overall >= LOW and not unsure_gaps and not weak:
        return []
    parts = []
    if overall < LOW:
        parts.append(f"overall confidence {overall:.2f}")
    if unsure_gaps:
        a = [i for lk in unsure_gaps for i in lk.a]
        b = [j for lk in unsure_gaps for j in lk.b]
        where = "; ".join(x for x in (f"{al.lang_a} {paragraph_numbers(a)}" if a else "",
                                      f"{al.lang_b} {paragraph_numbers(b)}" if b else "") if x)
        parts.append(f"{where} may have no counterpart")
    if weak:
        parts.append(f"{len(weak)} weak pairing{'s' if len(weak) != 1 else ''} ({al.lang_a} "
                     f"{paragraph_numbers([i for lk in weak for i in lk.a])})")
    return [Finding(
        UNCERTAIN_ALIGNMENT, "alignment", al.lang_a, al.lang_b,
        f"{al.lang_a}/{al.lang_b} alignment uncertain: {'; '.join(parts)}; not checked there",
        {"overall_confidence": round(overall, 2),
         "gaps": [lk.to_dict() for lk in unsure_gaps], "weak": [lk.to_dict() for lk in weak]},
        round(overall, 2))]


def compare_pair(paragraphs_a: Sequence[Mapping[str, Any]], paragraphs_b: Sequence[Mapping[str, Any]],
                 lang_a: str, lang_b: str, *, threshold: float = HIGH) -> tuple[Alignment, list[Finding]]:
    """Align two current versions and return the alignment and its content findings."""
    al = align(paragraphs_a, paragraphs_b, lang_a, lang_b)
    found = (missing_paragraphs(al, threshold=threshold) + number_mismatch(al, threshold=threshold)
             + uncertain_alignment(al, threshold=threshold))
    return al, found
