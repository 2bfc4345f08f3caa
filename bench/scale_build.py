"""Build an archive-scale store for `make bench-scale` through the store's own API (no crawl): statements over
20 years, five languages with realistic coverage, ~10% of variants with a second version, open divergences at
realistic rates, each page archived in WARC, text lengths drawn from the real reference pages.

Pages are written in batches (one transaction per BATCH pages, as the crawler's pipeline does), so 150,000
statements take minutes. Everything is deterministic for a seed.
"""
from __future__ import annotations

import glob
import hashlib
import itertools
import random
import re
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator

from bench.generate import LABELS, WORDS

ROOT = Path(__file__).resolve().parent.parent
BATCH = 2000
YEARS = 20
FIRST_ID = 1_000_000
# Coverage of the ~150,000 statements: Russian always; the public corpus counts ~26,000 English items for
# ~56,000 Russian ones on one portal; with both portals and the other languages ~400,000 variants in all.
COVERAGE = {"en": 0.70, "fr": 0.35, "es": 0.32, "de": 0.30}
SECOND_VERSION = 0.10            # share of variants edited once after publication
KINDS = [("news", "foreign_policy/news", 0.70), ("speech", "press_service/minister_speeches", 0.14),
         ("briefing", "press_service/spokesman/briefings", 0.08),
         ("interview", "press_service/spokesman/answers", 0.08)]
# Open divergences: a number or paragraph mismatch on some translated statements, and the missing English
# translation of translated kinds, which the checks report for as long as it is missing.
MISMATCH_RATE = 0.06
TRANSLATION_RATIO = {"ru": 1.0, "en": 0.93, "de": 1.08, "fr": 1.1, "es": 1.05}   # length against the Russian
_WORD = re.compile(r"[^\W\d_]{2,}")


def reference_lengths() -> list[int]:
    """Body lengths (characters) of the real reference pages, parsed by the article parser."""
    from crawler.encoding import decode_html
    from crawler.parsers import parse_any_article

    out = []
    for path in sorted(glob.glob(str(ROOT / "fixtures" / "reference-pages" / "*.html"))):
        rec = parse_any_article(decode_html(Path(path).read_bytes()).text, "https://mid.ru/ru/foreign_policy/news/1/")
        out.append(len(rec["body"]))
    return out


def _vocabulary(rng: random.Random, lang: str, size: int) -> list[str]:
    """A Zipf-ranked vocabulary: the language's real words (the reference pages for Russian) first, then word
    forms made from them, as many as a 20-year corpus of one ministry has."""
    base = list(WORDS[lang])
    if lang == "ru":
        text = " ".join(Path(p).read_text(encoding="utf-8", errors="replace")
                        for p in glob.glob(str(ROOT / "fixtures" / "reference-pages" / "*.html")))
        seen: dict[str, int] = {}
        for w in _WORD.findall(re.sub(r"<[^>]+>", " ", text)):
            if re.search("[а-яё]", w.lower()):
                seen[w.lower()] = seen.get(w.lower(), 0) + 1
        base = sorted(seen, key=seen.get, reverse=True) + base
    endings = {"ru": ["а", "ы", "у", "ом", "ой", "ами", "ах", "ения", "ение", "ский", "ская", "ского", "ную", "ыми"],
               "en": ["s", "ed", "ing", "al", "ly", "ation", "ists", "ive", "ment", "ness"],
               "de": ["en", "er", "es", "ung", "ungen", "lich", "isch", "keit", "schaft"],
               "fr": ["s", "e", "es", "ment", "tion", "ique", "aire", "eurs", "ées"],
               "es": ["s", "es", "a", "as", "mente", "ción", "ciones", "ico", "ados"]}[lang]
    words = list(dict.fromkeys(base))
    stems = [w[:-2] if len(w) > 5 else w for w in words]
    while len(words) < size:
        words.append(rng.choice(stems) + rng.choice(endings) + rng.choice(["", "", "", rng.choice(stems)[:3]]))
    return words[:size]


class Texts:
    """Paragraphs of a given length in one of five languages, words drawn with Zipf frequencies."""

    def __init__(self, rng: random.Random, vocabulary: int = 60_000, pool: int = 40_000) -> None:
        self.rng = rng
        self.sentences: dict[str, list[str]] = {}
        weights = list(itertools.accumulate(1.0 / r for r in range(1, vocabulary + 1)))
        for lang in TRANSLATION_RATIO:
            words = _vocabulary(rng, lang, vocabulary)
            out = []
            for _ in range(pool):
                w = rng.choices(words, cum_weights=weights, k=rng.randint(6, 24))
                if rng.random() < 0.3:
                    w.insert(rng.randrange(len(w)), str(rng.choice([rng.randint(1, 31), rng.randint(1990, 2026),
                                                                     rng.randint(2, 900)])))
                out.append(w[0][:1].upper() + w[0][1:] + " " + " ".join(w[1:]) + ".")
            self.sentences[lang] = out

    def paragraph(self, lang: str, chars: int) -> str:
        out, n = [], 0
        pool = self.sentences[lang]
        while n < chars:
            s = self.rng.choice(pool)
            out.append(s)
            n += len(s) + 1
        return " ".join(out)

    def paragraphs(self, lang: str, chars: int, transcript: bool) -> list[dict[str, Any]]:
        L = LABELS[lang]
        out: list[dict[str, Any]] = []
        left = chars
        while left > 0:
            size = min(left, max(80, int(self.rng.gauss(420, 200))))
            speaker = None
            if transcript and out:
                speaker = L["q"] if len(out) % 2 else L["a"]
            out.append({"speaker": speaker, "text": self.paragraph(lang, size)})
            left -= size + 2
        return out


def page_html(sid: int, lang: str, section: str, title: str, published: datetime, doc: str,
              paragraphs: list[dict[str, Any]], langs: list[str]) -> bytes:
    """The article page as the mirror serves it (the real site's markup) around these paragraphs."""
    from fixtures.mirror.html_text import esc
    from fixtures.mirror.render_article import render_article_fragment
    from fixtures.mirror.render_page import render_document

    body = "\n\n".join(f"<p><strong>{esc(p['speaker'])}:</strong> {esc(p['text'])}</p>" if p["speaker"]
                       else f"<p>{esc(p['text'])}</p>" for p in paragraphs)
    st = {"id": sid, "langs": {code: {"title": title} for code in langs}, "_published": published, "doc": doc,
          "hash": hashlib.md5(str(sid).encode()).hexdigest(), "sections": [section], "media": None}
    ui = lang if lang in ("ru", "en") else "en"
    return render_document(ui, title, render_article_fragment(ui, section, st, lang, body)).encode("utf-8")


def _iso(t: datetime) -> str:
    return t.astimezone(timezone.utc).replace(microsecond=0).isoformat()


def statements(n: int, seed: int, now: datetime) -> Iterator[dict[str, Any]]:
    """The statements to write, oldest first: id, kind, section, publication time, languages, lengths, edits."""
    rng = random.Random(seed)
    lengths = reference_lengths()
    start = now - timedelta(days=365 * YEARS)
    step = (now - timedelta(hours=2) - start) / n
    for i in range(n):
        kind, section = rng.choices([(k, s) for k, s, _ in KINDS], weights=[w for *_, w in KINDS])[0]
        published = start + step * i + timedelta(seconds=rng.randint(0, 600))
        langs = ["ru"] + [lang for lang, share in COVERAGE.items() if rng.random() < share]
        base = int(rng.choice(lengths) * rng.uniform(0.8, 1.25))
        if kind == "briefing":
            base = max(base, int(rng.choice(lengths[-3:]) * rng.uniform(0.8, 1.2)))
        yield {"source_id": FIRST_ID + i, "kind": kind, "section": section, "published": published, "langs": langs,
               "chars": base, "transcript": kind in ("speech", "interview") and base > 2000,
               "edited": [lang for lang in langs if rng.random() < SECOND_VERSION],
               "mismatch": len(langs) > 1 and rng.random() < MISMATCH_RATE}


def build(path: Path, n: int, *, seed: int = 17, now: datetime | None = None, log: Any = print) -> dict[str, Any]:
    """Write the store of `n` statements at `path` (and its WARC archive next to it); what was written."""
    from scheduler.divergence.evaluate import rules_fingerprint
    from scheduler.divergence.findings import Config
    from store.changes import insert_change
    from store.db import open_db
    from store.divergences import insert_divergence, schedule_statement
    from store.fetches import record_fetch
    from store.pages import record_page
    from store.paragraphs import join_body
    from store.records import Fetch
    from store.runs import finish_run, start_run
    from store.search import compact_index
    from store.settings import set_setting
    from store.sql import transaction
    from store.warc import WarcArchive, default_warc_dir

    now = now or datetime.now(timezone.utc).replace(microsecond=0)
    rng = random.Random(seed + 1)
    texts = Texts(rng)
    db = open_db(path)
    archive = WarcArchive(db, str(default_warc_dir(str(path))))
    run = start_run(db, command="run", base_url="https://mid.ru", now=_iso(now - timedelta(days=365 * YEARS)))
    counts = {"statements": 0, "variants": 0, "versions": 0, "text_bytes": 0, "pages_bytes": 0, "divergences": 0}
    started = time.monotonic()
    pending: list[dict[str, Any]] = []

    def write(st: dict[str, Any]) -> None:
        sid = st["source_id"]
        pub = st["published"]
        doc = f"{sid % 10000}-{pub:%d-%m-%Y}"
        for lang in st["langs"]:
            chars = int(st["chars"] * TRANSLATION_RATIO[lang] * (1 if lang == "ru" else rng.uniform(0.9, 1.1)))
            paras = texts.paragraphs(lang, chars, st["transcript"])
            versions = [paras]
            if lang in st["edited"]:
                edited = [dict(p) for p in paras]
                k = rng.randrange(len(edited))
                edited[k]["text"] = texts.paragraph(lang, len(edited[k]["text"]))
                versions.append(edited)
            for number, version in enumerate(versions, 1):
                captured = pub + timedelta(minutes=rng.randint(5, 60)) + timedelta(days=3 * (number - 1))
                title = f"{LABELS[lang]['press']} {sid}" + (f" ({number})" if number > 1 else "")
                url = f"https://mid.ru/{'ru' if lang == 'ru' else 'en'}/{st['section']}/{sid}/?lang={lang}"
                page = page_html(sid, lang, st["section"], title, pub, doc, version, st["langs"])
                ref = archive.write_exchange(url=url, status=200, body=page,
                                             response_headers=[("Content-Type", "text/html; charset=UTF-8")])
                record = {"site": "mid.ru", "source_id": sid, "lang": lang, "url": url, "section": st["section"],
                          "title": title, "published_at": pub.isoformat(), "document_number": doc,
                          "kind": st["kind"], "paragraphs": version, "parser_version": "g2-article/bench"}
                fetch = Fetch(url=url, page_type="article", outcome="ok", http_status=200, bytes=len(page),
                              warc=ref, etag=f'"{sid}-{lang}-{number}"')
                result = record_page(db, run, record, fetch, now=_iso(captured))
                text = title + join_body(version)
                counts["versions"] += 1
                counts["text_bytes"] += len(text.encode("utf-8"))
                counts["pages_bytes"] += len(page)
                key = f"version:mid.ru:{sid}:{lang}:{number}"
                if number == 1:
                    insert_change(db, key=key, sid=result.statement_id, lang=lang, kind="new", from_version=None,
                                  to_version=1, run_id=run, summary=f"new statement ({lang}): {title}", diff=None,
                                  now=_iso(captured))
                else:
                    insert_change(db, key=key, sid=result.statement_id, lang=lang, kind="edited", from_version=1,
                                  to_version=2, run_id=run, summary="paragraph 1 changed",
                                  diff=versions[0][0]["text"][:400] + "\n→\n" + version[0]["text"][:400],
                                  now=_iso(captured))
            counts["variants"] += 1
            # The last re-check under the default policy: within the last 90 days for old statements.
            checked = max(pub + timedelta(hours=1), now - timedelta(days=rng.uniform(0, 89)))
            record_fetch(db, run, Fetch(url=url, page_type="article", outcome="not_modified", http_status=304,
                                        statement_id=f"mid.ru:{sid}", lang=lang, etag=fetch.etag), now=_iso(checked))
        counts["statements"] += 1
        pending.append(st)

    def settle(batch: list[dict[str, Any]]) -> None:
        """The divergence checks' state once every statement was evaluated: findings open, nothing due."""
        for st in batch:
            sid = f"mid.ru:{st['source_id']}"
            opened = []
            if st["mismatch"]:
                other = st["langs"][1]
                opened.append(("number_mismatch", other, f"n:{rng.randint(1, 9)}", "ru has 65, translation 56"))
            if st["kind"] in ("speech", "interview", "briefing") and "en" not in st["langs"]:
                opened.append(("missing_translation", "en", "translation:en", "no en translation"))
            for kind, other, key, summary in opened:
                insert_divergence(db, sid, lang_a="ru", lang_b=other, kind=kind, key=key, summary=summary,
                                  detail={"bench": True}, confidence=0.9, version_a=1, version_b=1,
                                  now=_iso(st["published"] + timedelta(days=3)))
                counts["divergences"] += 1
            schedule_statement(db, sid, None, len(st["langs"]) + len(st["edited"]))

    batch_started = time.monotonic()
    for i, st in enumerate(statements(n, seed, now)):
        if i % BATCH == 0:
            db.conn.execute("BEGIN IMMEDIATE")
        write(st)
        if i % BATCH == BATCH - 1 or i == n - 1:
            settle(pending)
            pending.clear()
            db.conn.execute("COMMIT")
            if log and ((i + 1) % (BATCH * 10) == 0 or i == n - 1):
                log(f"  built {i + 1} statements in {time.monotonic() - batch_started:.0f}s")
    with transaction(db):
        set_setting(db, "divergence_rules", rules_fingerprint(Config()))
    finish_run(db, run, "ok", None, now=_iso(now - timedelta(hours=1)))
    archive.close()
    # Twenty years are loaded in bulk, as `crawl backfill` loads them, and end as a backfill ends: with the
    # search index merged (scheduler/backfill.py, store.search.compact_index).
    t = time.monotonic()
    compact_index(db)
    counts["compact_s"] = time.monotonic() - t
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    counts["build_s"] = time.monotonic() - started
    return counts
