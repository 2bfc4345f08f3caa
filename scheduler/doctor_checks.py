"""`crawl doctor`'s verdicts: a portal (robots.txt, listing, article, translations, the
anti-bot wall), the database and the sinks."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

BROWSER_HINT = "pip install 'ministry-watch[browser]' and Debian's chromium (apt install chromium)"
CLOCK_SKEW = 120.0   # seconds between our clock and the site's before the doctor warns

@dataclass
class Check:
    """One line of the verdict table."""

    name: str
    verdict: str          # ok | warn | fail | skip
    detail: str


# Outcomes that say the site was not reached at all.
_UNREACHED = frozenset({"connection_error", "timeout"})


def portal_checks(report: dict[str, Any]) -> list[Check]:
    """The verdicts on one portal's checkup."""
    site = report.get("site", "?")
    if report.get("error"):
        return [Check(f"{site}", "fail", report["error"])]
    checks = [_robots(site, report), _listing(site, report.get("listing")), _article(site, report.get("article")),
              _translations(site, report)]
    return checks + [_wall(site, report)]


def _failure(answer: dict[str, Any]) -> str:
    status = f"HTTP {answer['status']}, " if answer.get("status") else ""
    why = f": {answer['error']}" if answer.get("error") else ""
    return f"{status}{answer.get('outcome')}{why}"[:300]


def _robots(site: str, report: dict[str, Any]) -> Check:
    robots = report.get("robots") or {}
    name = f"{site} robots.txt"
    listing = report.get("listing") or {}
    if robots.get("outcome") in _UNREACHED:
        return Check(name, "fail", f"cannot reach {report.get('base_url')}: {_failure(robots)}")
    if robots.get("outcome") != "ok":
        return Check(name, "warn", f"{_failure(robots)} (read as no rules)")
    if listing.get("outcome") == "robots":
        return Check(name, "warn", f"{robots.get('bytes')} bytes; it forbids the listing: this portal is crawled only"
                                   " with --ignore-robots (keep --delay at 1 s or more)")
    return Check(name, "ok", f"{robots.get('bytes')} bytes; the listing and articles are allowed")


def _listing(site: str, listing: dict[str, Any] | None) -> Check:
    name = f"{site} listing"
    if not listing:
        return Check(name, "skip", "not asked")
    if listing.get("outcome") == "robots":
        return Check(name, "skip", "forbidden by robots.txt (--ignore-robots asks all the same)")
    if listing.get("outcome") != "ok":
        return Check(name, "fail", _failure(listing))
    first = listing.get("first") or {}
    newest = f"; newest {first.get('published_at') or '(no date)'}: {(first.get('title') or '')[:60]}" if first else ""
    return Check(name, "ok" if listing.get("entries") else "warn", f"{listing.get('entries')} entries{newest}{_via(listing)}")


def _fields(fields: dict[str, Any]) -> str:
    speakers = f", speakers {', '.join(fields['speakers'])}" if fields.get("speakers") else ""
    number = f"No {fields['document_number']}" if fields.get("document_number") else "no document number"
    return (f"{(fields.get('title') or '')[:60]!r}; {fields.get('published_at') or 'no date'}; {number};"
            f" {fields.get('kind')}; {fields.get('paragraphs')} paragraphs{speakers};"
            f" languages {' '.join(fields.get('languages') or [])}")


def _article(site: str, article: dict[str, Any] | None) -> Check:
    name = f"{site} article"
    if not article:
        return Check(name, "skip", "no article to read (the listing was not read)")
    if article.get("outcome") == "robots":
        return Check(name, "skip", "forbidden by robots.txt")
    if article.get("outcome") != "ok":
        return Check(name, "fail", _failure(article))
    return Check(name, "ok", _fields(article.get("fields") or {}) + _via(article))


def _translations(site: str, report: dict[str, Any]) -> Check:
    name = f"{site} translations"
    translations = report.get("translations") or {}
    if not translations:
        return Check(name, "skip", "none offered by the articles tried" if report.get("article") else "no article read")
    good = sorted(lang for lang, a in translations.items() if a and a.get("outcome") == "ok")
    bad = {lang: a for lang, a in translations.items() if not a or a.get("outcome") != "ok"}
    detail = f"{len(good)} of {len(translations)} parsed ({' '.join(good) or 'none'})"
    detail += "".join(f"; {lang}: {_failure(a) if a else 'no answer'}" for lang, a in sorted(bad.items()))
    return Check(name, "ok" if not bad else "fail" if not good else "warn", detail)


def _via(answer: dict[str, Any]) -> str:
    return {"cookie": " (with the browser's cookie)", "browser": " (through the browser)"}.get(answer.get("via") or "", "")


def _wall(site: str, report: dict[str, Any]) -> Check:
    name = f"{site} anti-bot wall"
    wall = report.get("wall") or {}
    pages = [report.get("listing"), report.get("article"), *(report.get("translations") or {}).values()]
    challenges = sum((a or {}).get("challenges") or 0 for a in pages) + ((report.get("robots") or {}).get("outcome") == "challenge")
    missing = wall.get("browser_missing")
    refused = wall.get("refused_offsite") or []
    kept = f"; the site's pages asked {len(refused)} things of other hosts: refused" if refused else ""
    if not challenges:
        path = f"browser path not installed ({missing}: {BROWSER_HINT})" if missing else "browser path available"
        return Check(name, "ok", f"not met ({path})")
    passed = [a for a in pages if a and a.get("outcome") == "ok"]
    mode = wall.get("mode")
    if mode in ("cookie", "browser") and passed:
        how = "its cookie works over plain HTTP" if mode == "cookie" else "pages come only through the browser"
        return Check(name, "ok", f"up ({challenges} challenge answers); the browser got through: {how}{kept}")
    if missing:
        return Check(name, "fail", f"up ({challenges} challenge answers) and {missing}: to get through it, {BROWSER_HINT}")
    if mode == "http":
        return Check(name, "warn", f"{challenges} challenge answers; the browser was not tried (--browser-after"
                                   f" {wall.get('browser_after')})")
    return Check(name, "fail", f"up ({challenges} challenge answers); the browser did not get through{kept}")


def database_checks(db: str) -> tuple[list[Check], dict[str, Any]]:
    """The database's verdict (read-only: PRAGMA quick_check), and what it was read from."""
    from store.checkup import database_health

    health = database_health(db)
    name = f"database {db}"
    if not health["exists"]:
        return [Check(name, "skip", "not created yet (the first `crawl run` creates it)")], health
    if health.get("problems"):
        return [Check(name, "fail", "; ".join(health["problems"])[:300])], health
    schema, expected = health.get("schema"), health["schema_expected"]
    last = health.get("last_run") or {}
    detail = (f"quick_check ok; {health['size'] / 1e6:.1f} MB, schema {schema}, {health.get('runs', 0)} runs"
              + (f", the last (#{last['id']}) {last['status']} at {last['finished_at']}" if last else ""))
    if schema is not None and schema < expected:
        return [Check(name, "warn", f"{detail}; older schema than this ministry-watch's ({expected}): the next"
                                    " `crawl run` upgrades it")], health
    return [Check(name, "ok", detail)], health


def sink_checks(*, atom: str | None, jsonl: str | None, notify: tuple[str, ...], feed_url: str | None,
                registered: list[str]) -> list[Check]:
    """Each sink given on the command line, and each one the database remembers, checked as `crawl run` checks
    them before crawling (scheduler/sinks.py: files writable, Apprise URLs usable; nothing is sent)."""
    from scheduler.sinks import SinkError, check_feed_url, check_sinks

    wanted: list[tuple[str, dict[str, Any]]] = []
    if atom:
        wanted.append((f"sink --atom {atom}", {"atom": atom}))
    if jsonl:
        wanted.append((f"sink --jsonl {jsonl}", {"jsonl": jsonl}))
    for i, url in enumerate(notify, 1):
        wanted.append((f"sink --notify #{i} ({url.split('://', 1)[0]}://...)", {"notify": (url,)}))
    given = {f"atom:{atom}", f"jsonl:{jsonl}"}
    for sink in registered:
        kind, _, rest = sink.partition(":")
        if kind in ("atom", "jsonl") and sink not in given:
            wanted.append((f"sink {kind} {rest} (remembered)", {kind: rest}))
    checks: list[Check] = []
    for name, kwargs in wanted:
        try:
            check_sinks(**kwargs)
        except SinkError as exc:
            checks.append(Check(name, "fail", str(exc)))
            continue
        checks.append(Check(name, "ok", "URL accepted by Apprise (nothing sent)" if "notify" in kwargs else "writable"))
    if feed_url:
        try:
            check_feed_url(feed_url)
            checks.append(Check("--feed-url", "ok", feed_url))
        except SinkError as exc:
            checks.append(Check("--feed-url", "fail", str(exc)))
    remembered = [s for s in registered if s.startswith("apprise:")]
    if remembered and not notify:
        checks.append(Check("sink --notify", "skip", f"{len(remembered)} remembered; give their --notify URLs to check them"))
    if not checks:
        checks.append(Check("sinks", "skip", "none given (--atom, --jsonl, --notify) or remembered"))
    return checks


def cdx_check(cdx: dict[str, Any]) -> Check:
    if cdx.get("error"):
        return Check("web archive CDX", "warn", f"no answer ({cdx['error']}); backfills from it will not work")
    captures = cdx.get("captures") or []
    if not captures:
        return Check("web archive CDX", "warn", f"answered in {cdx['seconds']}s but listed no capture of mid.ru")
    stamps = sorted(c["timestamp"] for c in captures)
    return Check("web archive CDX", "ok", f"answered in {cdx['seconds']}s; captures from {_stamp(stamps[0])}"
                                          f" ({len(captures)} asked for)")


def clock_check(clock: dict[str, Any]) -> Check:
    detail = f"{clock['utc']} UTC, local {clock['local'][11:]} ({clock['zone']})"
    if "moscow_error" in clock:
        return Check("clock", "fail", f"{detail}; the Europe/Moscow zone cannot be read ({clock['moscow_error']}):"
                                      " install tzdata")
    skew = clock.get("skew_seconds")
    if skew is None:
        return Check("clock", "ok", f"{detail}; the site gave no Date to compare with")
    if abs(skew) > CLOCK_SKEW:
        return Check("clock", "warn", f"{detail}; ours is {abs(skew)}s {'ahead of' if skew > 0 else 'behind'} the"
                                      " site's: fix the system clock (NTP), the store's timestamps come from it")
    return Check("clock", "ok", f"{detail}; the site's clock agrees within {abs(skew)}s")


def _stamp(stamp: str) -> str:
    return f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]}" if len(stamp) >= 8 else stamp
