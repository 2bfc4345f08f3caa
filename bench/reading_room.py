"""Reading-room page timings on a large generated archive (issue 19; not part of the test run).

    .venv/bin/python -m bench.reading_room --statements 20000 --db /tmp/rr-big.db   # generate, then time
    .venv/bin/python -m bench.reading_room --db /tmp/rr-big.db                      # time an existing archive

The archive is written with the store's own functions (record_page, insert_change, the divergences table):
statements over six years, Russian plus 0-4 translations, transcripts with speaker turns, ~4% of variants
edited, ~0.5% deleted. Each page is asked several times through Datasette's in-process client (no network)
and the median and worst times are printed, with EXPLAIN QUERY PLAN of the list queries.
"""
from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

WORDS_RU = ("министр иностранных дел россии лавров заявил переговоры безопасность сотрудничество вопрос ответ"
            " президент украина европа сша китай индия бразилия оон брикс договор санкции экономика визит встреча"
            " посол консультации мир война регион отношения стороны партнеры развитие делегация заседание совет"
            " захарова брифинг москва вашингтон пекин ближний восток африка арктика").split()
WORDS_EN = ("minister foreign affairs russia lavrov said talks security cooperation question answer president"
            " ukraine europe usa china india brazil un brics treaty sanctions economy visit meeting ambassador"
            " consultations peace war region relations parties partners development delegation session council"
            " zakharova briefing moscow washington beijing middle east africa arctic").split()
LANGS = ("en", "de", "fr", "es", "pt", "ar")
KINDS = ("news", "news", "news", "briefing", "speech", "interview", "statement", "comment")


def _sentence(rng: random.Random, words: tuple[str, ...] | list[str], n: int) -> str:
    text = " ".join(rng.choice(words) for _ in range(n))
    return text[0].upper() + text[1:] + "."


def _paragraphs(rng: random.Random, words: list[str], kind: str) -> list[dict[str, str | None]]:
    n = rng.randint(12, 40) if kind in ("briefing", "interview") else rng.randint(3, 10)
    out = []
    for k in range(n):
        speaker = None
        if kind == "interview":
            speaker = "Вопрос" if k % 2 == 0 else "С.В.Лавров"
        out.append({"speaker": speaker, "text": " ".join(_sentence(rng, words, rng.randint(8, 25))
                                                         for _ in range(rng.randint(1, 4)))})
    return out


def generate(path: Path, n: int, seed: int = 1) -> None:
    from store.changes import insert_change
    from store.db import open_db
    from store.divergences import insert_divergence
    from store.pages import record_page
    from store.records import Fetch
    from store.runs import finish_run, start_run

    rng = random.Random(seed)
    db = open_db(path)
    conn = db.conn
    run_id = start_run(db, command="bench", base_url="https://mid.ru")
    start = datetime(2021, 1, 1, tzinfo=timezone.utc)
    span = (datetime.now(timezone.utc) - start).total_seconds()
    conn.execute("BEGIN")
    for i in range(n):
        sid_num = 1_000_000 + i
        kind = rng.choice(KINDS)
        pub = start + timedelta(seconds=span * i / n)
        langs = ["ru"] + rng.sample(LANGS, rng.choice((0, 0, 1, 1, 1, 2, 3, 4)))
        for lang in langs:
            words = WORDS_RU if lang == "ru" else WORDS_EN
            seen = pub + timedelta(hours=0 if lang == "ru" else rng.choice((0.2, 3, 20, 50, 200)))
            now = seen.replace(microsecond=0).isoformat()
            paras = _paragraphs(rng, list(words), kind)
            record = {"site": "mid.ru", "source_id": sid_num, "lang": lang, "kind": kind,
                      "url": f"https://mid.ru/ru/foreign_policy/news/{sid_num}/?lang={lang}",
                      "section": "foreign_policy/news" if kind == "news" else "press_service/minister_speeches",
                      "title": _sentence(rng, words, rng.randint(6, 14)),
                      "published_at": pub.astimezone(timezone(timedelta(hours=3))).replace(microsecond=0).isoformat(),
                      "document_number": f"{i}-{pub:%d-%m-%Y}", "paragraphs": paras, "parser_version": "bench/1"}
            fetch = Fetch(url=record["url"], page_type="article", outcome="ok", http_status=200,
                          body=f"{sid_num}{lang}".encode())
            record_page(db, run_id, record, fetch, now=now)
            sid = f"mid.ru:{sid_num}"
            insert_change(db, key=f"version:{sid}:{lang}:1", sid=sid, lang=lang, kind="new", from_version=None,
                          to_version=1, run_id=run_id, summary="new statement" if lang == "ru" else "new translation",
                          diff=None, now=now)
            r = rng.random()
            if r < 0.04:   # an edit: one paragraph changed, days later
                edited = [dict(p) for p in paras]
                k = rng.randrange(len(edited))
                edited[k]["text"] = edited[k]["text"] + " " + _sentence(rng, words, 10)
                later = (seen + timedelta(days=rng.randint(1, 30))).replace(microsecond=0).isoformat()
                record = dict(record, paragraphs=edited)
                fetch = Fetch(url=record["url"], page_type="article", outcome="ok", http_status=200,
                              body=f"{sid_num}{lang}v2".encode())
                record_page(db, run_id, record, fetch, now=later)
                insert_change(db, key=f"version:{sid}:{lang}:2", sid=sid, lang=lang, kind="edited", from_version=1,
                              to_version=2, run_id=run_id, summary="1 paragraph edited",
                              diff=f"@@ ¶{k + 1} edited @@", now=later, cosmetic=rng.random() < 0.3)
            elif r < 0.045:
                later = (seen + timedelta(days=rng.randint(1, 60))).replace(microsecond=0).isoformat()
                conn.execute("UPDATE variants SET status='deleted' WHERE statement_id=? AND lang=?", (sid, lang))
                insert_change(db, key=f"deleted:{sid}:{lang}", sid=sid, lang=lang, kind="deleted", from_version=1,
                              to_version=None, run_id=run_id, summary=f"deleted ({lang}): HTTP 404", diff=None, now=later)
        if len(langs) > 1 and rng.random() < 0.03:
            insert_divergence(db, f"mid.ru:{sid_num}", lang_a="ru", lang_b=langs[1], kind="number_mismatch",
                              key=str(i), summary="ru ¶2 says 37% where en ¶2 says 27%", detail={"paragraphs_a": [1]},
                              confidence=0.9, version_a=1, version_b=1, now=pub.isoformat())
        if i % 1000 == 999:
            conn.execute("COMMIT")
            conn.execute("BEGIN")
            print(f"  {i + 1} statements", flush=True)
    conn.execute("COMMIT")
    finish_run(db, run_id, "ok")
    conn.execute("ANALYZE")
    conn.close()


PAGES = ["/-/reading-room", "/-/statement/{sid}", "/-/statement/{sid}?lang=ru&against=en",
         "/-/statement/{edited}", "/-/changes", "/-/changes?kind=deleted", "/-/changes?kind=edited&cosmetic=1",
         "/-/changes?lang=en&speaker=Лавров", "/-/changes?since=2024-01-01&until=2024-12-31", "/-/changes.atom",
         "/-/search?q=Лавров", "/-/search?q=брифинг+захарова&lang=ru", "/-/search?q=arctic&kind=news&year=2023",
         "/-/search?q=переговоры&exact=1", "/"]


def measure(path: Path, repeats: int = 5) -> list[tuple[str, float, float]]:
    import sqlite3

    from datasette.app import Datasette

    conn = sqlite3.connect(path)
    sid = conn.execute("SELECT statement_id FROM variants WHERE lang='en' ORDER BY rowid DESC LIMIT 1").fetchone()[0]
    edited = conn.execute("SELECT statement_id FROM changes WHERE kind='edited' ORDER BY id DESC LIMIT 1").fetchone()[0]
    n = conn.execute("SELECT count(*) FROM statements").fetchone()[0]
    conn.close()
    from scheduler.reading_room.start_page import warm
    from store.reading_room import wrap

    # What a served Datasette does at start-up and after each crawl, in the background (plugin.py's warmer).
    conn = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True)
    t = time.perf_counter()
    warm(wrap(conn))
    print(f"charts and filter choices computed (in the background when served): {(time.perf_counter() - t) * 1000:.0f} ms")
    conn.close()
    ds = Datasette([str(path)])
    out = []

    async def run() -> None:
        for template in PAGES:
            page = template.format(sid=sid, edited=edited)
            times = []
            for _ in range(repeats):
                t = time.perf_counter()
                r = await ds.client.get(page)
                times.append((time.perf_counter() - t) * 1000)
                assert r.status_code == 200, (page, r.status_code)
            out.append((page, statistics.median(times), max(times)))

    asyncio.run(run())
    print(f"{n} statements; page: median / worst of {repeats} (ms)")
    for page, med, worst in out:
        print(f"  {med:7.1f} {worst:7.1f}  {page}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--statements", type=int, default=0, help="generate an archive of this many statements first")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    if args.statements:
        if args.db.exists():
            raise SystemExit(f"{args.db} exists; remove it or leave out --statements")
        t = time.perf_counter()
        generate(args.db, args.statements)
        print(f"generated {args.statements} statements in {time.perf_counter() - t:.0f}s")
    measure(args.db, args.repeats)


if __name__ == "__main__":
    main()
