"""The start page's charts as server-rendered SVG (no script, no network): monthly counts and translation delays."""
from __future__ import annotations

import html
from statistics import median
from typing import Any, Iterable, Mapping, Sequence

import sqlite_utils

from scheduler.reading_room.templating import lang_name
from store.charts import changes_per_month, statements_per_month, translation_delays

PALETTE = ("#1f5fa8", "#d0652a", "#3c8d3a", "#8a4fa8", "#b8860b", "#2a9d9d", "#a83c5a", "#666666")
KIND_COLOURS = {"edited": "#d0652a", "flapping": "#e0a040", "deleted": "#a83c3c", "restored": "#3c8d3a"}
DELAY_BUCKETS = (("same day", 1.0), ("1–3 days", 3.0), ("3–7 days", 7.0), ("over a week", float("inf")))
BUCKET_COLOURS = ("#3c8d3a", "#9bbf3a", "#e0a040", "#a83c3c")
W, H, LEFT, BOTTOM, TOP = 640, 220, 40, 34, 12


def months_back(last: str, n: int) -> list[str]:
    """The ``n`` months up to ``last`` (YYYY-MM), oldest first, as YYYY-MM."""
    y, m = int(last[:4]), int(last[5:7])
    out = []
    for _ in range(n):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out[::-1]


def _esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _stacked_bars(months: Sequence[str], series: Mapping[str, Mapping[str, int]], colours: Mapping[str, str],
                  label: str, names: Mapping[str, str]) -> str:
    """A stacked bar per month; ``series``: name -> month -> count."""
    totals = {m: sum(s.get(m, 0) for s in series.values()) for m in months}
    top = max([1, *totals.values()])
    plot_w, plot_h = W - LEFT - 34, H - BOTTOM - TOP
    step = plot_w / max(1, len(months))
    bar = max(2.0, step * 0.72)
    out = [f'<svg class="chart" viewBox="0 0 {W} {H + 18 * ((len(series) + 3) // 4)}" role="img"'
           f' aria-label="{_esc(label)}" xmlns="http://www.w3.org/2000/svg"><title>{_esc(label)}</title>']
    for value in sorted({0, top // 2 if top >= 4 else 0, top}):
        y = TOP + plot_h * (1 - value / top)
        out.append(f'<line x1="{LEFT}" x2="{W - 8}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
                   f'<text x="{LEFT - 4}" y="{y + 4:.1f}" class="tick" text-anchor="end">{value}</text>')
    for k, month in enumerate(months):
        x, base = LEFT + k * step + (step - bar) / 2, TOP + plot_h
        for name, counts in series.items():
            n = counts.get(month, 0)
            if not n:
                continue
            h = plot_h * n / top
            base -= h
            out.append(f'<rect x="{x:.1f}" y="{base:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{colours[name]}">'
                       f'<title>{_esc(month)}: {n} {_esc(names.get(name, name))}</title></rect>')
        if k % max(1, len(months) // 8) == 0 or k == len(months) - 1:
            out.append(f'<text x="{x + bar / 2:.1f}" y="{TOP + plot_h + 14}" class="tick" text-anchor="middle">'
                       f'{_esc(month)}</text>')
    out += _legend([(names.get(n, n), colours[n]) for n in series], H)
    out.append("</svg>")
    return "".join(out)


def _legend(items: Iterable[tuple[str, str]], y0: float) -> list[str]:
    out = []
    for k, (name, colour) in enumerate(items):
        x, y = LEFT + (k % 4) * 150, y0 + 18 * (k // 4)
        out.append(f'<rect x="{x}" y="{y - 9}" width="10" height="10" fill="{colour}"/>'
                   f'<text x="{x + 14}" y="{y}" class="legend">{_esc(name)}</text>')
    return out


def statements_chart(db: sqlite_utils.Database, months: Sequence[str]) -> str:
    """Statements published per month, stacked by language variant."""
    series: dict[str, dict[str, int]] = {}
    for row in statements_per_month(db, months[0]):
        series.setdefault(row["lang"], {})[row["month"]] = row["n"]
    order = sorted(series, key=lambda lang: (lang != "ru", lang))
    colours = {lang: PALETTE[k % len(PALETTE)] for k, lang in enumerate(order)}
    return _stacked_bars(months, {lang: series[lang] for lang in order}, colours,
                         "Statements per month, by language", {lang: lang_name(lang) for lang in order})


def changes_chart(db: sqlite_utils.Database, months: Sequence[str]) -> str:
    """Substantive edits, deletions and restorations detected per month."""
    series: dict[str, dict[str, int]] = {kind: {} for kind in KIND_COLOURS}
    for row in changes_per_month(db, months[0]):
        series.setdefault(row["kind"], {})[row["month"]] = row["n"]
    series = {k: v for k, v in series.items() if v} or {"edited": {}}
    return _stacked_bars(months, series, KIND_COLOURS, "Edits and deletions per month",
                         {"edited": "edited", "flapping": "edited back and forth", "deleted": "deleted",
                          "restored": "restored"})


def delay_summary(db: sqlite_utils.Database, since_month: str) -> list[dict[str, Any]]:
    """Per translation language: how many, the median delay in days, and the share in each delay bucket."""
    by_lang: dict[str, list[float]] = {}
    for row in translation_delays(db, since_month):
        by_lang.setdefault(row["lang"], []).append(float(row["days"] or 0.0))
    out = []
    for lang in sorted(by_lang):
        days = by_lang[lang]
        counts = [0] * len(DELAY_BUCKETS)
        for d in days:
            counts[next(k for k, (_, limit) in enumerate(DELAY_BUCKETS) if d < limit)] += 1
        out.append({"lang": lang, "n": len(days), "median": median(days), "buckets": counts})
    return out


def delays_chart(summary: Sequence[Mapping[str, Any]]) -> str:
    """One horizontal bar per language: the share of its translations by days after the Russian text."""
    row_h, left = 26, 110
    height = TOP + row_h * max(1, len(summary)) + 30
    out = [f'<svg class="chart" viewBox="0 0 {W} {height}" role="img" xmlns="http://www.w3.org/2000/svg"'
           ' aria-label="Days from the Russian text to each translation">'
           "<title>Days from the Russian text to each translation</title>"]
    plot_w = W - left - 120
    for k, row in enumerate(summary):
        y, x = TOP + k * row_h, float(left)
        out.append(f'<text x="{left - 6}" y="{y + 15}" class="tick" text-anchor="end">{_esc(lang_name(row["lang"]))}</text>')
        for (name, _), colour, n in zip(DELAY_BUCKETS, BUCKET_COLOURS, row["buckets"]):
            w = plot_w * n / max(1, row["n"])
            if w:
                out.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="18" fill="{colour}">'
                           f'<title>{_esc(lang_name(row["lang"]))}: {n} of {row["n"]} {_esc(name)}</title></rect>')
            x += w
        out.append(f'<text x="{left + plot_w + 6}" y="{y + 14}" class="tick">median {row["median"]:.1f} d'
                   f' (n={row["n"]})</text>')
    out += _legend(list(zip((n for n, _ in DELAY_BUCKETS), BUCKET_COLOURS)), height - 8)
    out.append("</svg>")
    return "".join(out)
