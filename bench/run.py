"""Run the benchmark scenarios of issue 7 and write bench/results/<date>.json plus a readable table.

    python -m bench.run [--statements 5000] [--workers 2] [--only 1,2,3] [--keep DIR] [--urlwatch PATH]

Scenarios (see docs/README-issue7.md):
  1. full crawl of a generated mirror (one process and --workers N) next to a bare Scrapy spider
  2. re-crawl with nothing changed (conditional requests)
  3. incremental cycle after N new statements and M edits: requests used versus the minimum
  4. reparse of the whole archive: pages/s per core and with all cores
  5. detection and diff of a run with 1,000 edited variants
  6. urlwatch vs ministry-watch on the same ~1,000 known pages
  7. a simulated month of the real site with a virtual clock (requests/day, detection latency)
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CRAWL = [str(BIN / "crawl")] if (BIN / "crawl").exists() else [sys.executable, "-m", "scheduler.cli"]
PAGE_SIZE = 20
MB = 1024 * 1024


# --------------------------------------------------------------------------- measuring processes

def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/children") as fh:
                    out += [int(x) for x in fh.read().split()]
            except OSError:
                pass
    except OSError:
        pass
    return out


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class Sampler(threading.Thread):
    """Peak RSS of a process tree (largest single process and the whole tree), sampled every 0.2 s."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_proc = 0
        self.peak_tree = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            pids, todo = [], [self.pid]
            while todo:
                p = todo.pop()
                pids.append(p)
                todo += _children(p)
            sizes = [_rss(p) for p in pids]
            self.peak_proc = max(self.peak_proc, max(sizes, default=0))
            self.peak_tree = max(self.peak_tree, sum(sizes))
            self.done.wait(0.2)


def run_proc(cmd: list[str], *, env: dict[str, str] | None = None, timeout: float | None = None,
             capture: bool = True) -> dict[str, Any]:
    """Run a command; wall time, CPU of it and its descendants, peak memory, output."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    proc = subprocess.Popen(cmd, env={**os.environ, **(env or {})}, cwd=str(ROOT),
                            stdout=subprocess.PIPE if capture else None, stderr=subprocess.PIPE if capture else None,
                            text=True)
    sampler = Sampler(proc.pid)
    sampler.start()
    out, err = proc.communicate(timeout=timeout)
    wall = time.monotonic() - started
    sampler.done.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        sys.stderr.write(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{(err or '')[-3000:]}\n")
    return {"wall_s": wall, "cpu_s": cpu, "peak_rss_mb": sampler.peak_proc / MB,
            "peak_tree_rss_mb": sampler.peak_tree / MB, "returncode": proc.returncode,
            "stdout": out or "", "stderr": err or ""}


# --------------------------------------------------------------------------- helpers

def db_conn(path: Path):
    import sqlite3

    return sqlite3.connect(str(path), timeout=30)


def file_size(path: Path) -> int:
    total = 0
    for p in [path, Path(f"{path}-wal"), Path(f"{path}-shm")]:
        if p.exists():
            total += p.stat().st_size
    return total


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


def last_run(db: Path) -> dict[str, Any]:
    con = db_conn(db)
    con.row_factory = __import__("sqlite3").Row
    row = dict(con.execute("SELECT * FROM runs ORDER BY id DESC LIMIT 1").fetchone())
    span = con.execute("SELECT min(fetched_at), max(fetched_at) FROM fetches WHERE run_id=?", (row["id"],)).fetchone()
    con.close()
    row["fetch_span_s"] = ((datetime.fromisoformat(span[1]) - datetime.fromisoformat(span[0])).total_seconds()
                           if span[0] else 0.0)
    return row


def crawl_cmd(db: Path, base_url: str, *extra: str) -> list[str]:
    return [*CRAWL, "run", "--db", str(db), "--base-url", base_url, "--delay", "0", *extra]


FULL = ("--ignore-robots", "--max-pages", "100000", "--recheck", "none")


class Requests:
    """Counts of the mirror's request log since the last mark."""

    def __init__(self, mirror):
        self.mirror = mirror
        self.mark()

    def mark(self) -> None:
        self.start = len(self.mirror.requests)

    def since(self) -> list[tuple[str, str, int]]:
        return [r for r in self.mirror.requests[self.start:] if not r[1].startswith("/__mirror__")]


def classify(path: str) -> str:
    if path.startswith("/robots.txt"):
        return "robots"
    if "rss" in path:
        return "feed"
    if re.search(r"/\d{6,9}/", path):
        return "article"
    return "listing"


def breakdown(reqs: list[tuple[str, str, int]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for _, path, status in reqs:
        key = f"{classify(path)} {status}"
        out[key] = out.get(key, 0) + 1
    return dict(sorted(out.items()))


# --------------------------------------------------------------------------- scenarios

def s1_full_crawl(ctx: dict) -> dict:
    from store.warc import default_warc_dir

    m, base, work = ctx["mirror"], ctx["base_url"], ctx["work"]
    reqs = Requests(m)
    # The full crawl and the bare spider are run in pairs, ``s1_repeats`` times: on a shared VM either
    # side alone varies by 10-20% from run to run. The figure is the ratio of the medians; the first
    # crawl's database is the one the later scenarios continue from.
    pairs: list[dict[str, Any]] = []
    for i in range(ctx.get("s1_repeats", 3)):
        db_i = work / ("full.db" if i == 0 else f"full-{i}.db")
        reqs.mark()
        r_i = run_proc(crawl_cmd(db_i, base, *FULL))
        log_i = reqs.since()
        row_i = last_run(db_i)
        if i == 0:
            db, r, log, row = db_i, r_i, log_i, row_i
            urls = work / "urls.txt"
            urls.write_text("\n".join(base + path for method, path, _ in log if method == "GET"), encoding="utf-8")
        else:
            for path in (db_i, Path(f"{db_i}-wal"), Path(f"{db_i}-shm")):
                path.unlink(missing_ok=True)
            shutil.rmtree(default_warc_dir(db_i), ignore_errors=True)
        # the bare spider on exactly the same requests, right after
        reqs.mark()
        b_i = run_proc([sys.executable, "-m", "bench.bare_spider", str(urls)])
        bare_pages_i, _, bare_secs_i = (b_i["stdout"].split() + ["0", "0", "0"])[:3]
        pairs.append({
            "pages": len(log_i), "wall_s": r_i["wall_s"], "fetch_span_s": row_i["fetch_span_s"],
            "pages_per_s": len(log_i) / r_i["wall_s"],
            "pages_per_s_crawl_phase": len(log_i) / row_i["fetch_span_s"] if row_i["fetch_span_s"] else None,
            "bare_pages": int(bare_pages_i), "bare_s": float(bare_secs_i), "bare_wall_s": b_i["wall_s"],
            "bare_cpu_s": b_i["cpu_s"], "bare_peak_rss_mb": b_i["peak_rss_mb"],
            # (both rates over the crawl itself: first to last response, process start-up excluded)
            "bare_pages_per_s": int(bare_pages_i) / float(bare_secs_i) if float(bare_secs_i) else 0.0,
        })
        p = pairs[-1]
        p["ratio"] = (p["pages_per_s_crawl_phase"] or 0) / p["bare_pages_per_s"] if p["bare_pages_per_s"] else None
    pages = len(log)
    crawl_only = statistics.median(p["pages_per_s_crawl_phase"] or 0 for p in pairs)
    bare_rate = statistics.median(p["bare_pages_per_s"] for p in pairs)
    full_rate = statistics.median(p["pages_per_s"] for p in pairs)
    # ... and with the crawler's own per-response tuning, to show how much of the gap is Scrapy's defaults
    reqs.mark()
    bt = run_proc([sys.executable, "-m", "bench.bare_spider", str(urls), "--tuned"])
    tuned_pages, _, tuned_secs = (bt["stdout"].split() + ["0", "0", "0"])[:3]
    tuned_rate = int(tuned_pages) / float(tuned_secs) if float(tuned_secs) else 0
    out = {
        "requests": pages, "breakdown": breakdown(log), "wall_s": r["wall_s"], "cpu_s": r["cpu_s"],
        "pages_per_s": full_rate, "pages_per_s_crawl_phase": crawl_only,
        "peak_rss_mb": r["peak_rss_mb"], "peak_tree_rss_mb": r["peak_tree_rss_mb"],
        "db_mb": file_size(db) / MB, "warc_mb": dir_size(default_warc_dir(db)) / MB,
        "bytes_fetched": row["bytes_fetched"], "versions_new": row["versions_new"],
        "variants_new": row["variants_new"], "errors": row["errors"], "status": row["status"],
        "bare": {"pages": pairs[0]["bare_pages"], "pages_per_s": bare_rate,
                 "peak_rss_mb": pairs[0]["bare_peak_rss_mb"]},
        "ratio_to_bare": crawl_only / bare_rate if bare_rate else None,
        "pairs": pairs,
        "bare_tuned": {"pages": int(tuned_pages), "pages_per_s": tuned_rate, "in_process_s": float(tuned_secs)},
        "ratio_to_bare_tuned": (crawl_only or 0) / tuned_rate if tuned_rate else None,
        "post_crawl_s": statistics.median(p["wall_s"] - p["fetch_span_s"] for p in pairs),
        "server_pages": pairs[0]["bare_pages"],
    }
    ctx["full_db"] = db
    ctx["full_bytes"] = row["bytes_fetched"]
    if ctx["workers"] > 1:
        db2 = work / "full-workers.db"
        reqs.mark()
        w = run_proc(crawl_cmd(db2, base, *FULL, "--workers", str(ctx["workers"])))
        log2 = reqs.since()
        row2 = last_run(db2)
        out["workers"] = {
            "workers": ctx["workers"], "requests": len(log2), "wall_s": w["wall_s"], "cpu_s": w["cpu_s"],
            "pages_per_s": len(log2) / w["wall_s"], "peak_rss_mb": w["peak_rss_mb"],
            "peak_tree_rss_mb": w["peak_tree_rss_mb"], "versions_new": row2["versions_new"],
            "variants_new": row2["variants_new"], "errors": row2["errors"], "returncode": w["returncode"],
            "fetch_span_s": row2["fetch_span_s"],
            "pages_per_s_crawl_phase": len(log2) / row2["fetch_span_s"] if row2["fetch_span_s"] else None,
            "speedup": ((len(log2) / row2["fetch_span_s"]) / crawl_only) if row2["fetch_span_s"] and crawl_only else None,
        }
    return out


def s2_recrawl(ctx: dict) -> dict:
    m, base, db = ctx["mirror"], ctx["base_url"], ctx["full_db"]
    reqs = Requests(m)
    r = run_proc(crawl_cmd(db, base, "--ignore-robots", "--max-pages", "100000", "--recheck", "all"))
    log = reqs.since()
    row = last_run(db)
    return {
        "requests": len(log), "breakdown": breakdown(log), "wall_s": r["wall_s"], "cpu_s": r["cpu_s"],
        "pages_per_s": len(log) / r["wall_s"], "peak_rss_mb": r["peak_rss_mb"],
        "bytes_fetched": row["bytes_fetched"], "not_modified": row["not_modified"],
        "versions_new": row["versions_new"], "bytes_ratio_to_full": row["bytes_fetched"] / ctx["full_bytes"],
    }


def s3_incremental(ctx: dict) -> dict:
    from store.db import open_db
    from store.recheck import variants_to_recheck

    m, base, db, meta = ctx["mirror"], ctx["base_url"], ctx["full_db"], ctx["meta"]
    m.set_state("incr")
    store = open_db(db)
    due = variants_to_recheck(store)
    store.conn.close()
    due_keys = {(d["statement_id"], d["lang"]) for d in due}
    reqs = Requests(m)
    r = run_proc(crawl_cmd(db, base))
    log = reqs.since()
    row = last_run(db)
    kinds: dict[str, int] = {}
    for _, path, status in log:
        kinds[classify(path)] = kinds.get(classify(path), 0) + 1
    discovery = [x for x in log if classify(x[1]) in ("listing", "feed")]
    discovery_ok = [x for x in discovery if x[2] == 200]
    minimum = meta["incr"]["new_variants"] + len(discovery_ok) + len(due)
    edited = {(f"mid.ru:{s}", lang) for s, lang in meta["incr"]["edited"]}
    con = db_conn(db)
    found = {(s, l) for s, l in con.execute("SELECT statement_id, lang FROM changes WHERE kind='edited' AND run_id=?",
                                           (row["id"],))}
    # Edits of statements older than a week (or removing a third of the text) wait for a confirming fetch.
    held = {(s, l) for s, l in con.execute("SELECT statement_id, lang FROM variants WHERE confirm_version IS NOT NULL")}
    con.close()
    return {
        "new_statements": len(meta["incr"]["new_statements"]), "new_variants": meta["incr"]["new_variants"],
        "edits": len(edited), "edits_due": len(edited & due_keys), "due_rechecks": len(due),
        "requests": len(log), "breakdown": breakdown(log), "minimum": minimum,
        "discovery_requests": len(discovery), "discovery_200": len(discovery_ok),
        "wall_s": r["wall_s"], "variants_new_written": row["variants_new"], "edits_detected": len(found & edited),
        "edits_held": len(held & edited),
        "edited_changes": row["edited"], "overhead_vs_minimum": len(log) - minimum,
    }


def s4_reparse(ctx: dict) -> dict:
    db = ctx["full_db"]
    out: dict[str, Any] = {}
    budget = ctx["reparse_budget"]
    from bench.reparse_worker import reparse_share

    # Separate processes (spawned, not forked): the benchmark process itself never opens the database.
    ctx_mp = multiprocessing.get_context("spawn")
    with ctx_mp.Pool(1) as pool:
        n, secs = pool.apply(reparse_share, ((str(db), 0, 1, budget),))
    out["one_core"] = {"pages": n, "seconds": secs, "pages_per_s": n / secs if secs else 0}
    cores = os.cpu_count() or 1
    with ctx_mp.Pool(cores) as pool:
        started = time.monotonic()
        res = pool.map(reparse_share, [(str(db), i, cores, budget) for i in range(cores)])
        wall = time.monotonic() - started
    total = sum(r[0] for r in res)
    out["all_cores"] = {"cores": cores, "pages": total, "seconds": wall, "pages_per_s": total / wall,
                        "per_core_pages_per_s": [r[0] / r[1] for r in res if r[1]]}
    # the user-facing command, when this checkout has it
    probe = subprocess.run([*CRAWL, "reparse", "--help"], capture_output=True, text=True, cwd=str(ROOT))
    if probe.returncode == 0:
        copy = ctx["work"] / "reparse.db"   # same directory: the WARC paths stored in it stay valid
        src, dst = db_conn(db), db_conn(copy)
        src.backup(dst)
        src.close()
        dst.close()
        r = run_proc([*CRAWL, "reparse", "--db", str(copy), "--dry-run"])
        m = re.search(r"\((\d+) pages/s\)", r["stdout"] + r["stderr"])
        out["crawl_reparse"] = {"wall_s": r["wall_s"], "cpu_s": r["cpu_s"], "peak_rss_mb": r["peak_rss_mb"],
                                "reported_pages_per_s": int(m.group(1)) if m else None,
                                "returncode": r["returncode"], "output": (r["stdout"] or r["stderr"])[-400:]}
    else:
        out["crawl_reparse"] = "not available in this checkout"
    return out


def s5_detection(ctx: dict) -> dict:
    from scheduler.crawl_process import run_crawl
    from scheduler.detect import detect_changes
    from scheduler.diff.compute import diff_versions
    from scheduler.diff.text_format import render_text
    from scheduler.edit_rules import REPORT_AT_ONCE
    from store.crawl_request import CrawlRequest
    from store.db import open_db
    from store.runs import finish_run, start_run
    from store.versions import load_version

    m, base, db, meta = ctx["mirror"], ctx["base_url"], ctx["full_db"], ctx["meta"]
    m.set_state("edits")
    reqs = Requests(m)
    store = open_db(db)
    run_id = start_run(store, command="bench", base_url=base, owner_pid=os.getpid())
    store.conn.close()
    started = time.monotonic()
    run_crawl(CrawlRequest(db=str(db), run_id=run_id, base_url=base, delay=0.0, recheck="all"), quiet=True)
    crawl_s = time.monotonic() - started
    store = open_db(db)
    started = time.monotonic()
    # Every edit reported at once: this scenario measures detection and diffs, not the confirming fetch.
    written = detect_changes(store, run_id, edits=REPORT_AT_ONCE)
    detect_s = time.monotonic() - started
    row = finish_run(store, run_id, "ok")
    edits = store.conn.execute("SELECT statement_id, lang, from_version, to_version FROM changes WHERE run_id=?"
                               " AND kind='edited'", (run_id,)).fetchall()
    started = time.monotonic()
    for sid, lang, a, b in edits:
        render_text(diff_versions(load_version(store, sid, lang, a), load_version(store, sid, lang, b)))
    diff_s = time.monotonic() - started
    store.conn.close()
    return {
        "edited_variants_in_state": len(meta["edits"]["edited"]), "requests": len(reqs.since()),
        "crawl_s": crawl_s, "versions_new": row["versions_new"], "changes_written": len(written),
        "edited_detected": len(edits), "detect_s": detect_s,
        "detect_ms_per_change": detect_s * 1000 / max(1, len(written)),
        "diff_only_s": diff_s, "diff_ms_per_edit": diff_s * 1000 / max(1, len(edits)),
    }


URLWATCH_CONFIG = """display: {new: true, error: true, unchanged: false, empty-diff: false}
report:
  text: {line_length: 75, details: true, footer: false, minimal: false, separate: false}
  stdout: {enabled: true, color: false}
  html: {diff: unified, separate: false}
  markdown: {details: true, footer: false, minimal: false, separate: false}
  email: {enabled: false}
  xmpp: {enabled: false}
job_defaults: {all: {}, shell: {}, url: {}, browser: {}}
"""


def s6_urlwatch(ctx: dict) -> dict:
    """Both tools re-check the same known pages after the same edits, several times in turn from the same
    starting state (the CPU of either moves by a fifth or more between runs on a shared machine: the figures
    are the medians, and each repeat's pair ran back to back)."""
    from bench.generate import generate
    from fixtures.mirror import MirrorServer

    urlwatch = ctx["urlwatch"]
    work = ctx["work"] / "s6"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    gen = generate(work / "site", statements=ctx["s6_statements"], seed=6, new=0, edits=0, deletes=0,
                   big_edits=ctx["s6_edits"])
    out: dict[str, Any] = {"edited_variants": len(gen["edits"]["edited"]), "repeats": []}
    with MirrorServer(root=str(work / "site"), page_size=PAGE_SIZE) as mirror:
        base = mirror.base_url
        known = work / "known"   # ministry-watch's store and WARC files after the first crawl
        known.mkdir()
        run_proc(crawl_cmd(known / "mw.db", base, *FULL))
        con = db_conn(known / "mw.db")
        urls = [u for (u,) in con.execute("SELECT url FROM variants ORDER BY statement_id, lang")]
        con.close()
        out["pages"] = len(urls)
        reqs = Requests(mirror)
        uw = work / "uw"
        uw_cmd = _urlwatch_baseline(urlwatch, urls, uw, mirror, reqs, out) if urlwatch else None
        for _ in range(ctx["s6_repeats"]):
            out["repeats"].append(_s6_repeat(work, known, base, mirror, reqs, uw, uw_cmd))
    for tool in ("ministry_watch", "urlwatch"):
        runs = [r[tool] for r in out["repeats"] if isinstance(r.get(tool), dict)]
        if runs:
            out[tool] = {**runs[-1], "cpu_s": statistics.median(r["cpu_s"] for r in runs),
                         "wall_s": statistics.median(r["wall_s"] for r in runs), "cpu_runs": [r["cpu_s"] for r in runs]}
    if not urlwatch:
        out["urlwatch"] = "not installed"
    return out


def _urlwatch_baseline(urlwatch: str, urls: list[str], uw: Path, mirror: Any, reqs: "Requests",
                       out: dict) -> list[str]:
    """urlwatch's jobs for the known pages and its first run on the unedited site (its cache kept aside)."""
    mirror.set_state("initial")
    uw.mkdir(exist_ok=True)
    body = "//div[contains(concat(' ', normalize-space(@class), ' '), ' article-content ')]"
    jobs = "\n---\n".join(f'name: p{i}\nurl: {u}\nfilter:\n  - xpath: "{body}"\n  - html2text'
                           for i, u in enumerate(urls))
    (uw / "urls.yaml").write_text(jobs + "\n", encoding="utf-8")
    (uw / "urlwatch.yaml").write_text(URLWATCH_CONFIG, encoding="utf-8")
    (uw / "hooks.py").write_text("", encoding="utf-8")
    cmd = [urlwatch, "--urls", str(uw / "urls.yaml"), "--config", str(uw / "urlwatch.yaml"),
           "--cache", str(uw / "cache.db"), "--hooks", str(uw / "hooks.py")]
    reqs.mark()
    first = run_proc(cmd, env={"HOME": str(uw)})
    out["urlwatch_baseline"] = {"wall_s": first["wall_s"], "requests": len(reqs.since())}
    shutil.copy(uw / "cache.db", uw / "cache.known.db")
    return cmd


def _s6_repeat(work: Path, known: Path, base: str, mirror: Any, reqs: "Requests", uw: Path,
               uw_cmd: list[str] | None) -> dict:
    """One re-check of the edited site by each tool, each from the state after its first run."""
    run = work / "run"
    shutil.rmtree(run, ignore_errors=True)
    shutil.copytree(known, run)
    out: dict[str, Any] = {}
    # ministry-watch: one cycle re-checking every known page (conditional requests) + discovery
    mirror.set_state("edits")
    reqs.mark()
    # Every edit reported at once, as urlwatch reports any change: the comparison is about cost.
    r = run_proc(crawl_cmd(run / "mw.db", base, "--recheck", "all", "--confirm-age", "100000d",
                           "--confirm-share", "1"))
    log = reqs.since()
    row = last_run(run / "mw.db")
    out["ministry_watch"] = {"wall_s": r["wall_s"], "cpu_s": r["cpu_s"], "requests": len(log),
                             "breakdown": breakdown(log), "edits_detected": row["edited"],
                             "bytes": row["bytes_fetched"]}
    if uw_cmd is None:
        return out
    shutil.copy(uw / "cache.known.db", uw / "cache.db")
    reqs.mark()
    second = run_proc(uw_cmd, env={"HOME": str(uw)})
    log = reqs.since()
    changed = len(set(re.findall(r"^(?:\d+\. )?CHANGED: (\S+)", second["stdout"], re.M)))  # summary + details
    out["urlwatch"] = {"wall_s": second["wall_s"], "cpu_s": second["cpu_s"], "requests": len(log),
                       "breakdown": breakdown(log), "edits_detected": changed,
                       "returncode": second["returncode"], "stderr": second["stderr"][-300:]}
    return out


def guarded(fn: Any, ctx: dict) -> dict:
    """Run a scenario; a failure is reported in the results instead of losing the others."""
    import traceback

    try:
        return fn(ctx)
    except Exception as exc:  # noqa: BLE001
        traceback.print_exc()
        return {"error": f"{type(exc).__name__}: {exc}"}


# --------------------------------------------------------------------------- report

def fmt(v: Any, digits: int = 1) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:,.{digits}f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


class Rows:
    """The lines of the results table: (figure, value, target, met or MISSED)."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str]] = []

    def add(self, name: str, value: Any, target: str = "", ok: bool | None = None, digits: int = 1) -> None:
        self.rows.append((name, fmt(value, digits), target, "" if ok is None else ("met" if ok else "MISSED")))

    def text(self, name: str, value: str, target: str = "") -> None:
        self.rows.append((name, value, target, ""))


def _rows_1(r: Rows, x: dict) -> None:
    r.add("1 full crawl: pages (requests)", x["requests"])
    r.add("1 full crawl: pages/s end to end (1 process)", x["pages_per_s"])
    r.add("1 full crawl: pages/s, crawl phase only", x["pages_per_s_crawl_phase"])
    r.add("1 bare Scrapy, same requests: pages/s", x["bare"]["pages_per_s"])
    # Reported, no longer a target (issue 17): even a parser that cost nothing would reach ~0.48, because the
    # full-text index and the WARC archive are work a bare spider does not do.
    r.add("1 full (crawl phase) / bare", x["ratio_to_bare"], "(retired target: reported)", None, 2)
    if len(x.get("pairs", [])) > 1:
        r.text("1 ... each run: full / bare pages/s (ratio)", "; ".join(
            f"{p['pages_per_s_crawl_phase'] or 0:.0f} / {p['bare_pages_per_s']:.0f} ({p['ratio'] or 0:.2f})"
            for p in x["pairs"]), "(medians above)")
    if "bare_tuned" in x:
        r.add("1 bare Scrapy with the crawler's item settings: pages/s", x["bare_tuned"]["pages_per_s"])
        r.add("1 full (crawl phase) / bare with those settings", x["ratio_to_bare_tuned"], "", None, 2)
    r.add("1 after the crawl (start-up, detection, divergences), s", x["post_crawl_s"])
    r.add("1 CPU seconds (crawl, incl. children)", x["cpu_s"])
    r.add("1 peak memory of one process, MB", x["peak_rss_mb"], "< 300", x["peak_rss_mb"] < 300, 0)
    r.add("1 database size, MB", x["db_mb"], digits=0)
    r.add("1 WARC archive size, MB", x["warc_mb"], digits=0)
    if "workers" in x:
        w = x["workers"]
        r.add(f"1 --workers {w['workers']}: pages/s, crawl phase", w["pages_per_s_crawl_phase"])
        r.add(f"1 --workers {w['workers']}: speed-up over 1 process (crawl phase)", w["speedup"],
              "> 1 (uses both cores)", (w["speedup"] or 0) > 1.2, 2)
        r.add(f"1 --workers {w['workers']}: peak memory per process, MB", w["peak_rss_mb"], "< 300",
              w["peak_rss_mb"] < 300, 0)


def _rows_2(r: Rows, x: dict) -> None:
    r.add("2 re-crawl: requests", x["requests"])
    r.add("2 re-crawl: 304 answers", x["not_modified"])
    r.add("2 re-crawl: versions written", x["versions_new"], "0", x["versions_new"] == 0)
    r.add("2 re-crawl: bytes / full crawl bytes", x["bytes_ratio_to_full"] * 100, "< 5 %",
          x["bytes_ratio_to_full"] < 0.05, 2)
    r.add("2 re-crawl: time, s", x["wall_s"])


def _rows_3(r: Rows, x: dict) -> None:
    r.add("3 incremental: requests used", x["requests"])
    r.add("3 incremental: minimum (new variants + listings/RSS + due)", x["minimum"], "= used (+1 robots.txt)",
          x["requests"] <= x["minimum"] + 1)
    r.add("3 incremental: new variants written / published", f"{x['variants_new_written']} / {x['new_variants']}")
    r.add("3 incremental: edits detected (+ held for a confirming fetch) / due / made",
          f"{x['edits_detected']} (+{x.get('edits_held', 0)}) / {x['edits_due']} / {x['edits']}")


def _rows_4(r: Rows, x: dict) -> None:
    r.add("4 reparse: pages/s on one core", x["one_core"]["pages_per_s"], ">= 150",
          x["one_core"]["pages_per_s"] >= 150)
    r.add(f"4 reparse: pages/s with all {x['all_cores']['cores']} cores", x["all_cores"]["pages_per_s"])
    if isinstance(x.get("crawl_reparse"), dict):
        r.add("4 `crawl reparse` (reported pages/s)", x["crawl_reparse"]["reported_pages_per_s"])


def _rows_5(r: Rows, x: dict) -> None:
    r.add("5 edited variants detected", x["edited_detected"])
    r.add("5 detection time for the run, s", x["detect_s"], digits=2)
    r.add("5 detection per change, ms", x["detect_ms_per_change"], digits=2)
    r.add("5 diff + render per edit, ms", x["diff_ms_per_edit"], digits=2)


def _rows_6(r: Rows, x: dict) -> None:
    mw = x["ministry_watch"]
    r.add(f"6 ministry-watch, {x['pages']} known pages: time s / requests", f"{mw['wall_s']:.1f} / {mw['requests']}")
    r.add("6 ministry-watch: edits detected / made", f"{mw['edits_detected']} / {x['edited_variants']}")
    if isinstance(x.get("urlwatch"), dict):
        u = x["urlwatch"]
        r.add("6 urlwatch: time s / requests", f"{u['wall_s']:.1f} / {u['requests']}")
        r.add("6 urlwatch: jobs reported changed / made", f"{u['edits_detected']} / {x['edited_variants']}")
        if mw.get("cpu_s") and u.get("cpu_s"):
            n = len(mw.get("cpu_runs", [])) or 1
            r.add(f"6 CPU s: ministry-watch / urlwatch (median of {n} runs in turn)",
                  f"{mw['cpu_s']:.1f} / {u['cpu_s']:.1f}", "ministry-watch <= urlwatch", mw["cpu_s"] <= u["cpu_s"])
            if n > 1:
                r.add("6   each run: ministry-watch / urlwatch", ", ".join(
                    f"{a:.1f}/{b:.1f}" for a, b in zip(mw["cpu_runs"], u["cpu_runs"])))
        articles = sum(n for k, n in mw.get("breakdown", {}).items() if k.startswith("article"))
        r.add("6 article requests: ministry-watch (+ discovery) / urlwatch",
              f"{articles} (+{mw['requests'] - articles}) / {u['requests']}", "<= urlwatch's",
              articles <= u["requests"])
    else:
        r.add("6 urlwatch", x.get("urlwatch"))


def _rows_7(r: Rows, s7: dict) -> None:
    for name, x in s7.items():
        if not isinstance(x, dict) or "requests_per_day" not in x:
            continue
        t = x["targets"]
        lat = x["latency"]
        r.add(f"7 [{name}] requests/day (mean / max after the first day)",
              f"{x['requests_per_day']:.0f} / {x['requests_per_day_max']}", "<= ~3,000", t["requests"])
        r.add(f"7 [{name}] requests on the first day (bookkeeping and schedule starting)", x["requests_first_day"])
        r.add(f"7 [{name}] new statement: worst detection latency, h", lat["new_statement"]["max_h"],
              f"within one cycle ({x['cycle_minutes'] / 60:.1f} h)", t["new"], 2)
        r.add(f"7 [{name}] new translation: median / worst latency, h",
              f"{fmt(lat['new_translation']['median_h'], 2)} / {fmt(lat['new_translation']['max_h'], 2)}")
        r.add(f"7 [{name}] edit <1 day old: worst latency, h", lat["edit_lt_1d"]["max_h"], "<= 2 h",
              t["edit_lt_1d"], 2)
        r.add(f"7 [{name}] edit <1 week old: worst latency, h", lat["edit_lt_7d"]["max_h"], "<= 24 h",
              t["edit_lt_7d"], 2)
        r.add(f"7 [{name}] edit older: worst latency, h", lat["edit_older"]["max_h"], "", None, 1)
        r.add(f"7 [{name}] deletion: worst latency, h", lat["deletion"]["max_h"], "", None, 1)
        missed = sum(v["missed"] for v in lat.values())
        r.add(f"7 [{name}] changes missed (past their target window)", missed, "0", missed == 0)
        r.add(f"7 [{name}] edits made before the first fetch (undetectable)", x["edits_before_first_fetch"])
        r.add(f"7 [{name}] days to re-verify the whole archive", x["reverify_days"], "<= 90", t["reverify"], 1)


SCENARIO_ROWS = {"1": _rows_1, "2": _rows_2, "3": _rows_3, "4": _rows_4, "5": _rows_5, "6": _rows_6, "7": _rows_7}


def table(res: dict) -> str:
    """The results as a Markdown table: failed scenarios first, then each scenario's figures in order."""
    r = Rows()
    for k, v in res["scenarios"].items():
        if "error" in v:
            r.text(f"{k} FAILED", v["error"][:60])
    s = {k: v for k, v in res["scenarios"].items() if "error" not in v}
    for key, rows in SCENARIO_ROWS.items():
        if key in s:
            rows(r, s[key])
    rows = r.rows
    width = [max(len(row[i]) for row in rows + [("figure", "value", "target", "")]) for i in range(4)]
    lines = [f"| {'figure'.ljust(width[0])} | {'value'.rjust(width[1])} | {'target'.ljust(width[2])} | {''.ljust(width[3])} |",
             f"|{'-' * (width[0] + 2)}|{'-' * (width[1] + 2)}|{'-' * (width[2] + 2)}|{'-' * (width[3] + 2)}|"]
    for row in rows:
        lines.append(f"| {row[0].ljust(width[0])} | {row[1].rjust(width[1])} | {row[2].ljust(width[2])} | {row[3].ljust(width[3])} |")
    return "\n".join(lines)


def machine() -> dict:
    info = {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                info["memory_gb"] = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    try:
        import lxml.etree
        import scrapy
        import sqlite3
        info.update(scrapy=scrapy.__version__, lxml=".".join(map(str, lxml.etree.LXML_VERSION)),
                    sqlite=sqlite3.sqlite_version)
    except Exception:  # pragma: no cover
        pass
    return info


# --------------------------------------------------------------------------- main

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    ap.add_argument("--statements", type=int, default=2000, help="size of the generated mirror (default 2000)")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--only", default="1,2,3,4,5,6,7", help="comma-separated scenario numbers")
    ap.add_argument("--keep", default=None, help="work directory to keep (default: a temp dir, removed)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results"))
    ap.add_argument("--urlwatch", default=str(ROOT / "bench" / ".venv" / "bin" / "urlwatch"))
    ap.add_argument("--s6-statements", type=int, default=400, help="statements of scenario 6's site (~1,000 pages)")
    ap.add_argument("--s6-repeats", type=int, default=5,
                    help="re-checks by each tool in turn in scenario 6 (its CPU figures are their medians)")
    ap.add_argument("--big-edits", type=int, default=1000)
    ap.add_argument("--s1-repeats", type=int, default=3,
                    help="full crawl + bare spider pairs in scenario 1 (the figures are their medians)")
    ap.add_argument("--sim-days", type=int, default=30)
    ap.add_argument("--sim-archive", type=int, default=None,
                    help="variants in the simulated archive (default: 60,000, about the real site's size)")
    ap.add_argument("--label", default="")
    args = ap.parse_args(argv)
    only = set(args.only.split(","))
    os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

    from bench.generate import generate
    from fixtures.mirror import MirrorServer

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="mw-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    results: dict[str, Any] = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                               "label": args.label, "machine": machine(), "statements": args.statements,
                               "scenarios": {}}
    try:
        t0 = time.monotonic()
        meta = generate(work / "site", statements=args.statements, big_edits=args.big_edits)
        results["site"] = {"statements": meta["statements"], "variants": meta["variants"],
                           "body_mb": meta["body_bytes"] / MB, "generate_s": time.monotonic() - t0}
        print(f"generated {meta['statements']} statements / {meta['variants']} variants in "
              f"{time.monotonic() - t0:.1f}s under {work}", flush=True)
        ctx: dict[str, Any] = {"work": work, "meta": meta, "workers": args.workers, "reparse_budget": 30.0,
                               "urlwatch": args.urlwatch if Path(args.urlwatch).exists() else None,
                               "s6_statements": args.s6_statements, "s6_edits": 100,
                               "s6_repeats": max(1, args.s6_repeats),
                               "s1_repeats": max(1, args.s1_repeats)}
        with MirrorServer(root=str(work / "site"), page_size=PAGE_SIZE) as mirror:
            ctx["mirror"], ctx["base_url"] = mirror, mirror.base_url
            self_before = resource.getrusage(resource.RUSAGE_SELF)
            for key, fn in (("1", s1_full_crawl), ("2", s2_recrawl), ("3", s3_incremental), ("4", s4_reparse),
                            ("5", s5_detection)):
                if key not in only or (key != "1" and "full_db" not in ctx):
                    continue
                t = time.monotonic()
                print(f"scenario {key} ...", flush=True)
                results["scenarios"][key] = guarded(fn, ctx)
                results["scenarios"][key]["scenario_s"] = time.monotonic() - t
                print(f"scenario {key} done in {time.monotonic() - t:.1f}s", flush=True)
            self_after = resource.getrusage(resource.RUSAGE_SELF)
            results["mirror_cpu_s"] = (self_after.ru_utime - self_before.ru_utime) + (self_after.ru_stime - self_before.ru_stime)
        if "6" in only:
            t = time.monotonic()
            print("scenario 6 ...", flush=True)
            results["scenarios"]["6"] = guarded(s6_urlwatch, ctx)
            results["scenarios"]["6"]["scenario_s"] = time.monotonic() - t
        if "7" in only:
            from bench.simulate import simulate_month

            t = time.monotonic()
            print("scenario 7 ...", flush=True)
            results["scenarios"]["7"] = guarded(lambda _: simulate_month(work / "sim", days=args.sim_days,
                                                                       archive=args.sim_archive), ctx)
            results["scenarios"]["7"]["scenario_s"] = time.monotonic() - t
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    results["total_s"] = time.monotonic() - started
    text = table(results)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y-%m-%d")
    name = f"{stamp}{'-' + args.label if args.label else ''}"
    (out / f"{name}.json").write_text(json.dumps(results, indent=1, ensure_ascii=False, default=str), encoding="utf-8")
    header = (f"ministry-watch benchmark {results['date']} ({args.statements} statements, "
              f"{results.get('site', {}).get('variants', '?')} variants); machine: {results['machine'].get('cpu', '?')}, "
              f"{results['machine']['cpus']} cores; total {results['total_s']:.0f}s\n\n")
    (out / f"{name}.md").write_text(header + text + "\n", encoding="utf-8")
    print()
    print(header + text)
    print(f"\nwritten {out / (name + '.json')} and {name}.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
