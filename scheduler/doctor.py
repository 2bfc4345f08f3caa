"""`crawl doctor`: the first thing to run against the real site. Each portal is checked by a crawler child
(`python -m crawler doctor`: robots.txt, a listing, an article and its translations, the anti-bot wall); then
the web archive's CDX endpoint, the clock, the database and the sinks. One verdict per check: ok, warn, fail, skip.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode

from scheduler.doctor_checks import Check, cdx_check, clock_check, database_checks, portal_checks, sink_checks

DEFAULT_CDX_URL = "https://web.archive.org/cdx/search/cdx"
USER_AGENT = "ministry-watch doctor (+https://github.com/ministry-watch/ministry-watch)"


@dataclass
class DoctorOptions:
    """What `crawl doctor` was asked to check."""

    db: str
    sites: tuple[str, ...] = ("mid.ru", "archive.mid.ru")
    base_url: str | None = None
    delay: float = 1.0
    timeout: float = 30.0
    ignore_robots: bool = False
    browser_after: int = 5
    cdx_url: str | None = DEFAULT_CDX_URL
    atom: str | None = None
    jsonl: str | None = None
    notify: tuple[str, ...] = ()
    feed_url: str | None = None
    verbose: int = 0


@dataclass
class Diagnosis:
    """The checks, and what they were read from (for --json)."""

    checks: list[Check] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return any(c.verdict == "fail" for c in self.checks)

    def to_json(self) -> str:
        return json.dumps({"checks": [asdict(c) for c in self.checks], **self.details}, ensure_ascii=False)


def diagnose(options: DoctorOptions) -> Diagnosis:
    """Run every check."""
    diagnosis = Diagnosis()
    server_dates: list[tuple[str, str]] = []
    for site in options.sites:
        report = checkup(site, options)
        diagnosis.details.setdefault("portals", {})[site] = report
        diagnosis.checks += portal_checks(report)
        if report.get("server_date") and report.get("local_date"):
            server_dates.append((report["server_date"], report["local_date"]))
    if options.cdx_url:
        cdx = cdx_probe(options.cdx_url, options.timeout)
        diagnosis.details["cdx"] = cdx
        diagnosis.checks.append(cdx_check(cdx))
    else:
        diagnosis.checks.append(Check("web archive CDX", "skip", "no --cdx-url"))
    clock = clock_report(server_dates)
    diagnosis.details["clock"] = clock
    diagnosis.checks.append(clock_check(clock))
    db_checks, health = database_checks(options.db)
    diagnosis.details["database"] = health
    diagnosis.checks += db_checks
    diagnosis.checks += sink_checks(atom=options.atom, jsonl=options.jsonl, notify=options.notify,
                                    feed_url=options.feed_url, registered=health.get("sinks") or [])
    return diagnosis


def checkup(site: str, options: DoctorOptions) -> dict[str, Any]:
    """One portal checked by a crawler child; its JSON report (or the reason there is none)."""
    base = (options.base_url or f"https://{site}").rstrip("/")
    cmd = [sys.executable, "-m", "crawler", "doctor", "--site", site, "--base-url", base, "--delay", str(options.delay),
           "--timeout", str(options.timeout), "--browser-after", str(options.browser_after)]
    cmd += ["--ignore-robots"] if options.ignore_robots else []
    cmd += ["-v"] * options.verbose
    # A handful of requests, each at most `timeout` (and the browser's wait), plus start-up.
    limit = 60 + 12 * (options.timeout + options.delay + 30)
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=limit)
    except subprocess.TimeoutExpired:
        return {"site": site, "base_url": base, "error": f"the checkup did not finish within {limit:.0f}s"}
    notes = [line for line in proc.stderr.splitlines() if line.startswith(("note:", "warning:", "error:"))]
    try:
        report = json.loads(proc.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        tail = proc.stderr.strip().splitlines()[-1:] or [f"exit status {proc.returncode}"]
        return {"site": site, "base_url": base, "error": f"the checkup failed: {tail[0][:300]}", "notes": notes}
    report["notes"] = notes
    return report


def cdx_probe(cdx_url: str, timeout: float) -> dict[str, Any]:
    """A tiny query to the web archive's CDX endpoint: does it answer, how fast, with which captures."""
    query = {"url": "mid.ru/ru/foreign_policy/news/", "matchType": "prefix", "filter": "statuscode:200",
             "limit": "3", "output": "json", "fl": "timestamp,original"}
    url = f"{cdx_url}?{urlencode(query)}"
    began = time.monotonic()
    report: dict[str, Any] = {"url": url}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers={"User-Agent": USER_AGENT}),
                                    timeout=timeout) as response:
            report["status"] = response.status
            body = response.read(1_000_000)
    except urllib.error.HTTPError as exc:
        report.update(status=exc.code, error=f"HTTP {exc.code}")
        return report
    except (urllib.error.URLError, OSError, ValueError) as exc:
        report["error"] = str(getattr(exc, "reason", exc))[:300]
        return report
    finally:
        report["seconds"] = round(time.monotonic() - began, 2)
    try:
        rows = json.loads(body.decode("utf-8") or "[]")
    except ValueError:
        report["error"] = "the answer is not CDX JSON"
        return report
    rows = rows[1:] if rows and rows[0] == ["timestamp", "original"] else rows
    report["captures"] = [{"timestamp": r[0], "original": r[1]} for r in rows if isinstance(r, list) and len(r) >= 2]
    return report


def clock_report(server_dates: list[tuple[str, str]]) -> dict[str, Any]:
    """Our clock and time zone, the site's clock against it, and the Moscow zone the dates are read in."""
    now = datetime.now().astimezone()
    report: dict[str, Any] = {"utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                              "local": now.isoformat(timespec="seconds"), "zone": now.tzname()}
    try:
        from zoneinfo import ZoneInfo

        report["moscow"] = datetime.now(ZoneInfo("Europe/Moscow")).isoformat(timespec="seconds")
    except Exception as exc:  # noqa: BLE001 - a missing tz database is what this reports
        report["moscow_error"] = f"{type(exc).__name__}: {exc}"
    for server, local in server_dates:
        try:
            skew = (datetime.fromisoformat(local) - parsedate_to_datetime(server)).total_seconds()
        except (TypeError, ValueError):
            continue
        report["skew_seconds"] = round(skew)
        break
    return report


def render_table(checks: list[Check]) -> str:
    """The verdict table."""
    width = max([len(c.name) for c in checks] + [5])
    lines = [f"{'check'.ljust(width)}  verdict  detail", f"{'-' * width}  -------  {'-' * 40}"]
    lines += [f"{c.name.ljust(width)}  {c.verdict.ljust(7)}  {c.detail}" for c in checks]
    return "\n".join(lines)
