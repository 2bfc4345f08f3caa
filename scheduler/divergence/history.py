"""Time-based divergence findings, read from the versions' history: an edit of one language that the
other has not followed (``edit_not_propagated``), and a translation that never came (``missing_translation``)."""
from __future__ import annotations

from datetime import datetime, timedelta
from difflib import SequenceMatcher
from typing import Any, Mapping, Sequence

from scheduler.compare import is_cosmetic
from scheduler.diff.compute import diff_versions
from scheduler.diff.model import CHANGED, DELETED, EQUAL, INSERTED, MOVED
from scheduler.divergence.align import align
from scheduler.divergence.anchors import extract_anchors
from scheduler.divergence.findings import EDIT_NOT_PROPAGATED, MISSING_TRANSLATION, Config, Finding, paragraph_numbers
from scheduler.divergence.links import HIGH, Alignment
from store.timestamps import to_datetime



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
        phrases.append(f"{paragraph_numbers(new_idx)} edited or added")
    if old_idx:
        phrases.append(f"old {paragraph_numbers(old_idx)} removed")
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
    al_cur: Alignment | None = None   # aligned when first needed
    y_edits: list[tuple[Mapping[str, Any], set[int]]] | None = None
    pending: list[dict[str, Any]] = []
    for prev, ver in zip(xs, xs[1:]):
        if not _after(ver, y_first):
            continue  # edits before the translation existed
        if now_dt - to_datetime(ver["captured_at"]) < delay or _after(y_first, ver):
            # Too recent to report (the statement is evaluated again when the delay runs out), or the translation
            # was made from the edited text: decided before any alignment, the costly part (an edit is usually
            # evaluated in the run that found it, when it is always too recent).
            continue
        if is_cosmetic(prev, ver):
            continue  # cosmetic edits need no propagation
        new_idx, old_idx, phrases = _edited_paragraphs(prev, ver)
        if not new_idx and not old_idx:
            continue
        if al_cur is None or y_edits is None:
            al_cur = align(x_cur["paragraphs"], y_cur["paragraphs"], lang_x, lang_y)
            y_edits = _edits_touching(ys, y_cur)
        pairs, counterparts = _counterparts(prev, _map_forward(ver, x_cur, new_idx), old_idx, al_cur, y_cur,
                                            lang_x, lang_y)
        followed = [yv for yv, touched in y_edits if not _after(prev, yv) and (touched & counterparts or not counterparts)]
        if followed:
            continue
        pending.append({"from_version": prev["version"], "to_version": ver["version"],
                        "captured_at": ver["captured_at"], "edited": phrases, "pairs": pairs,
                        "counterparts": sorted(counterparts)})
    if not pending:
        return []
    return [_edit_finding(pending, ys, y_cur, lang_x, lang_y, lang_a, lang_b, delay, threshold)]


def _edits_touching(ys: Sequence[Mapping[str, Any]],
                    y_cur: Mapping[str, Any]) -> list[tuple[Mapping[str, Any], set[int]]]:
    """Each substantive edit of Y (its new version) with the paragraphs it touched, as indices in Y's current version."""
    y_edits: list[tuple[Mapping[str, Any], set[int]]] = []
    for prev, ver in zip(ys, ys[1:]):
        if is_cosmetic(prev, ver):
            continue
        touched, _, _ = _edited_paragraphs(prev, ver)
        y_edits.append((ver, set(_map_forward(ver, y_cur, touched))))
    return y_edits


def _counterparts(prev: Mapping[str, Any], cur_idx: Sequence[int], old_idx: Sequence[int], al_cur: Alignment,
                  y_cur: Mapping[str, Any], lang_x: str, lang_y: str) -> tuple[list[dict[str, Any]], set[int]]:
    """What an edit's paragraphs pair with in Y's current version: an entry per paragraph, and all of Y's together.

    ``cur_idx``: the edited or added paragraphs, as indices in X's current version (aligned in ``al_cur``);
    ``old_idx``: the removed ones, as indices in ``prev`` (aligned here).
    """
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
    return pairs, counterparts


def _edit_finding(pending: list[dict[str, Any]], ys: Sequence[Mapping[str, Any]], y_cur: Mapping[str, Any],
                  lang_x: str, lang_y: str, lang_a: str, lang_b: str, delay: timedelta, threshold: float) -> Finding:
    """One finding for all the edits of X that Y has not followed, keyed by the first of them."""
    first = pending[0]
    conf = [p["confidence"] for e in pending for p in e["pairs"] if p.get("confidence") is not None]
    confidence = min(conf) if conf else None
    edits = "; ".join(f"v{e['from_version']}→v{e['to_version']} ({', '.join(e['edited'])}) on {e['captured_at'][:16]}"
                      for e in pending)
    cps = sorted({c for e in pending for c in e["counterparts"]})
    where = f" (counterpart {lang_y} {paragraph_numbers(cps)})" if cps else ""
    y_changed = ys[-1]["captured_at"][:16]
    summary = (f"{lang_x} edited {edits}{where}, but {lang_y} has not followed "
               f"(its text last changed {y_changed}, v{ys[-1]['version']})")
    low = confidence is not None and confidence < threshold
    if low:
        summary += f"; alignment of the edited paragraphs is uncertain ({confidence:.2f})"
    return Finding(
        EDIT_NOT_PROPAGATED, f"{lang_x}:v{first['to_version']}", lang_a, lang_b, summary,
        {"edited_lang": lang_x, "other_lang": lang_y, "edits": pending, "counterparts": cps,
         "paragraphs": sorted({p["paragraph"] for e in pending for p in e["pairs"] if "paragraph" in p}),
         "other_version": ys[-1]["version"],
         "other_changed_at": y_cur["captured_at"], "delay_hours": round(delay.total_seconds() / 3600, 2),
         "low_confidence": low},
        confidence)


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
