"""Divergence findings between two language variants of one statement (pure functions).

Kinds:

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
from datetime import datetime, timedelta
from difflib import SequenceMatcher
from typing import Any, Mapping, Sequence

from scheduler.compare import cosmetic_key, is_cosmetic
from scheduler.diff.compute import diff_versions
from scheduler.diff.model import CHANGED, DELETED, EQUAL, INSERTED, MOVED
from scheduler.divergence.align import align
from scheduler.divergence.anchors import extract_anchors, is_year
from scheduler.divergence.links import HIGH, LOW, Alignment
from store.timestamps import to_datetime

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


def _pnums(indices: Sequence[int]) -> str:
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
            f"{len(paras)} {noun} of {present} {_pnums(indices)}{who}{turn} missing in {missing}: "
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
            f"{al.lang_a} {_pnums(list(lk.a))} says {a_says} where {al.lang_b} {_pnums(list(lk.b))} says {b_says}",
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
        where = "; ".join(x for x in (f"{al.lang_a} {_pnums(a)}" if a else "", f"{al.lang_b} {_pnums(b)}" if b else "")
                          if x)
        parts.append(f"{where} may have no counterpart")
    if weak:
        parts.append(f"{len(weak)} weak pairing{'s' if len(weak) != 1 else ''} ({al.lang_a} "
                     f"{_pnums([i for lk in weak for i in lk.a])})")
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


# --------------------------------------------------------------------------------------------
# time-based findings


def _minor(op: Any) -> bool:
    """A spelling or punctuation fix: no anchor changed and every replaced word is nearly the same word."""
    if op.kind != CHANGED or op.speaker_changed or op.words is None:
        return False
    if extract_anchors(op.old_text or "") != extract_anchors(op.new_text or ""):
        return False
    segs = list(op.words)
    k = 0
    while k < len(segs):
        seg = segs[k]
        if seg.op == "equal":
            k += 1
            continue
        deleted = seg.text if seg.op == "delete" else ""
        inserted = ""
        if seg.op == "delete" and k + 1 < len(segs) and segs[k + 1].op == "insert":
            inserted = segs[k + 1].text
            k += 1
        elif seg.op == "insert":
            inserted = seg.text
        k += 1
        d, i = deleted.strip(), inserted.strip()
        if not any(c.isalnum() for c in d + i):
            continue  # punctuation only
        if len(d.split()) > 1 or len(i.split()) > 1 or SequenceMatcher(None, d, i).ratio() < 0.75:
            return False
    return True


def _edited_paragraphs(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[list[int], list[int], list[str]]:
    """(new indices edited or added, old indices removed, summary phrases) of a substantive edit."""
    diff = diff_versions(old, new)
    new_idx: list[int] = []
    old_idx: list[int] = []
    for op in diff.ops:
        if op.kind == EQUAL or (op.kind == MOVED and op.words is None) or _minor(op):
            continue
        if op.kind == DELETED:
            old_idx.append(op.old_index)
        elif op.kind in (CHANGED, INSERTED, MOVED):
            new_idx.append(op.new_index)
    phrases = []
    if new_idx:
        phrases.append(f"{_pnums(new_idx)} edited or added")
    if old_idx:
        phrases.append(f"old {_pnums(old_idx)} removed")
    return new_idx, old_idx, phrases


def _after(x: Mapping[str, Any], y: Mapping[str, Any]) -> bool:
    """Was version ``x`` captured after version ``y``? (Run order first: one run captures both variants.)"""
    if x.get("run_id") is not None and y.get("run_id") is not None and x["run_id"] != y["run_id"]:
        return x["run_id"] > y["run_id"]
    if x.get("run_id") is not None and x.get("run_id") == y.get("run_id"):
        return False  # the same run: simultaneous
    return to_datetime(x["captured_at"]) > to_datetime(y["captured_at"])


def edit_not_propagated(history_x: Sequence[Mapping[str, Any]], history_y: Sequence[Mapping[str, Any]],
                        lang_x: str, lang_y: str, lang_a: str, lang_b: str, now: datetime | str,
                        delay: timedelta = timedelta(hours=48), *, threshold: float = HIGH) -> list[Finding]:
    """Edits of variant X whose counterpart paragraphs in Y did not change within ``delay``.

    ``history_*`` are the versions of one variant, oldest first: {"version", "title", "paragraphs",
    "captured_at", "run_id", "rederived"}. An edit of X counts as propagated when Y was edited in or
    after the run of X's edit and that Y edit touched the paragraphs aligned with X's edited ones, or
    when Y first appeared after the edit (the translation was made from the edited text). Spelling and
    punctuation fixes and cosmetic edits need no propagation.
    """
    now_dt = to_datetime(now)
    xs = [v for v in history_x if not v.get("rederived")]
    ys = [v for v in history_y if not v.get("rederived")]
    if len(xs) < 2 or not ys:
        return []
    y_first, y_cur = ys[0], history_y[-1]
    x_cur = history_x[-1]
    al_cur = align(x_cur["paragraphs"], y_cur["paragraphs"], lang_x, lang_y)
    # Y paragraph indices (in Y's current version) touched by each Y edit, with the edit's version.
    y_edits: list[tuple[Mapping[str, Any], set[int]]] = []
    for prev, ver in zip(ys, ys[1:]):
        if is_cosmetic(prev, ver):
            continue
        touched, _, _ = _edited_paragraphs(prev, ver)
        y_edits.append((ver, set(_map_forward(ver, y_cur, touched))))
    pending: list[dict[str, Any]] = []
    for prev, ver in zip(xs, xs[1:]):
        if not _after(ver, y_first) or is_cosmetic(prev, ver):
            continue  # edits before the translation existed, or cosmetic ones
        new_idx, old_idx, phrases = _edited_paragraphs(prev, ver)
        if not new_idx and not old_idx:
            continue
        # Where do the edited paragraphs sit in X's current version, and what do they pair with in Y?
        cur_idx = _map_forward(ver, x_cur, new_idx)
        counterparts: set[int] = set()
        pairs = []
        for i in cur_idx:
            lk = al_cur.counterpart("a", i)
            if lk is not None and lk.b:
                counterparts.update(lk.b)
            pairs.append({"paragraph": i, "counterpart": list(lk.b) if lk else [],
                          "confidence": round(lk.confidence, 2) if lk else None})
        if old_idx:
            al_prev = align(prev["paragraphs"], y_cur["paragraphs"], lang_x, lang_y)
            for i in old_idx:
                lk = al_prev.counterpart("a", i)
                if lk is not None and lk.b:
                    counterparts.update(lk.b)
                pairs.append({"removed_paragraph": i, "counterpart": list(lk.b) if lk else [],
                              "confidence": round(lk.confidence, 2) if lk else None})
        followed = [yv for yv, touched in y_edits if not _after(prev, yv) and (touched & counterparts or not counterparts)]
        if followed or _after(y_first, ver):
            continue
        age = now_dt - to_datetime(ver["captured_at"])
        if age < delay:
            continue
        pending.append({"from_version": prev["version"], "to_version": ver["version"],
                        "captured_at": ver["captured_at"], "edited": phrases, "pairs": pairs,
                        "counterparts": sorted(counterparts)})
    if not pending:
        return []
    first = pending[0]
    conf = [p["confidence"] for e in pending for p in e["pairs"] if p.get("confidence") is not None]
    confidence = min(conf) if conf else None
    edits = "; ".join(f"v{e['from_version']}→v{e['to_version']} ({', '.join(e['edited'])}) on {e['captured_at'][:16]}"
                      for e in pending)
    cps = sorted({c for e in pending for c in e["counterparts"]})
    where = f" (counterpart {lang_y} {_pnums(cps)})" if cps else ""
    y_changed = ys[-1]["captured_at"][:16]
    summary = (f"{lang_x} edited {edits}{where}, but {lang_y} has not followed "
               f"(its text last changed {y_changed}, v{ys[-1]['version']})")
    low = confidence is not None and confidence < threshold
    if low:
        summary += f"; alignment of the edited paragraphs is uncertain ({confidence:.2f})"
    return [Finding(
        EDIT_NOT_PROPAGATED, f"{lang_x}:v{first['to_version']}", lang_a, lang_b, summary,
        {"edited_lang": lang_x, "other_lang": lang_y, "edits": pending, "counterparts": cps,
         "paragraphs": sorted({p["paragraph"] for e in pending for p in e["pairs"] if "paragraph" in p}),
         "other_version": ys[-1]["version"],
         "other_changed_at": y_cur["captured_at"], "delay_hours": round(delay.total_seconds() / 3600, 2),
         "low_confidence": low},
        confidence)]


def _map_forward(old: Mapping[str, Any], new: Mapping[str, Any], indices: Sequence[int]) -> list[int]:
    """Paragraph indices of ``old`` carried to ``new`` (same object or a later version)."""
    if old is new or old.get("version") == new.get("version"):
        return list(indices)
    want = set(indices)
    out = []
    for op in diff_versions(old, new).ops:
        if op.old_index in want and op.new_index is not None:
            out.append(op.new_index)
    return sorted(out)


def missing_translation(statement: Mapping[str, Any], languages: Sequence[str], now: datetime | str,
                        config: Config = Config(), *, original: str = "ru") -> list[Finding]:
    """Expected translations that still do not exist for a kind that is usually translated.

    ``statement``: {"kind", "published_at", "first_seen_at"}; ``languages``: every language the archive
    has a variant for (active or deleted).
    """
    if statement.get("kind") not in config.translated_kinds or original not in languages:
        return []
    since = statement.get("published_at") or statement.get("first_seen_at")
    if not since:
        return []
    age = to_datetime(now) - to_datetime(since)
    if age < config.translation_delay:
        return []
    out = []
    for lang in config.expected_languages:
        if lang in languages or lang == original:
            continue
        days = age.total_seconds() / 86400
        out.append(Finding(
            MISSING_TRANSLATION, f"translation:{lang}", original, lang,
            f"{statement.get('kind')} published {since[:16]} has no {lang} translation after {days:.0f} days"
            f" (has: {' '.join(sorted(languages))})",
            {"kind": statement.get("kind"), "published_at": statement.get("published_at"),
             "languages": sorted(languages), "expected": lang,
             "delay_hours": round(config.translation_delay.total_seconds() / 3600, 2)}))
    return out


def evaluate_statement(statement: Mapping[str, Any], histories: Mapping[str, Sequence[Mapping[str, Any]]],
                       now: datetime | str, config: Config = Config(),
                       all_languages: Sequence[str] | None = None) -> list[Finding]:
    """Every finding for one statement.

    ``histories``: lang -> versions of that active variant (oldest first, each with "paragraphs").
    The original (ru when present) is compared with each other language.
    """
    langs = sorted(histories)
    found: list[Finding] = []
    for f in missing_translation(statement, list(all_languages or langs), now, config):
        f.version_a = histories[f.lang_a][-1]["version"] if f.lang_a in histories else None
        found.append(f)
    if len(langs) < 2:
        return found
    pivot = "ru" if "ru" in histories else langs[0]
    for other in langs:
        if other == pivot:
            continue
        ha, hb = histories[pivot], histories[other]
        va, vb = ha[-1], hb[-1]
        _, content = compare_pair(va["paragraphs"], vb["paragraphs"], pivot, other, threshold=config.threshold)
        edits = (edit_not_propagated(ha, hb, pivot, other, pivot, other, now, config.edit_delay,
                                     threshold=config.threshold)
                 + edit_not_propagated(hb, ha, other, pivot, pivot, other, now, config.edit_delay,
                                       threshold=config.threshold))
        for f in content + edits:
            f.version_a, f.version_b = va["version"], vb["version"]
            found.append(f)
    return found
