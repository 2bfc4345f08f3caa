"""The `crawl` CLI's shared pieces: option decorators defined once, the one database opener, exit statuses."""
from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any, Callable

import click
import sqlite_utils

from scheduler.cycle import CycleSettings
from scheduler.detect import DeletionRule
from scheduler.divergence.findings import Config as DivergenceConfig
from scheduler.edit_rules import EditRules
from scheduler.durations import Duration
from store.catalog import LANGUAGES, SECTION_KEYS, SITES
from store.db import DEFAULT_DB, StoreError, open_db
from store.exit_codes import ExitCode
from store.health import DatabaseDamaged, ensure_sound

DEFAULT_EDIT_DELAY = "48h"
DEFAULT_TRANSLATION_DELAY = "72h"
ALL_SECTION_KEYS = tuple(dict.fromkeys(k for keys in SECTION_KEYS.values() for k in keys))
# The crawl request's own fields, as the crawl options name them (option name -> request field).
_REQUEST_FIELDS = {"site": "site", "base_url": "base_url", "section": "sections", "lang": "langs", "since": "since",
                   "max_pages": "max_pages", "delay": "delay", "timeout": "timeout", "retries": "retries",
                   "ignore_robots": "ignore_robots", "recheck": "recheck", "max_requests": "max_requests",
                   "policy": "policy", "discovery": "discovery", "verbose": "verbose", "warc_dir": "warc_dir",
                   "warc_max_size": "warc_max_size", "browser_after": "browser_after"}


class FatalError(click.ClickException):
    """The database or the site cannot be used: one line on stderr, exit status 3."""

    exit_code = ExitCode.FATAL


class NotFoundError(click.ClickException):
    """What was asked for is not in the archive (a statement, a variant, a version): exit status 5."""

    exit_code = ExitCode.NOT_FOUND


def open_store(db: str, *, write: bool = False) -> sqlite_utils.Database:
    """Open an existing database for a command (read-only unless `write`), or stop with one line and exit
    status 3. Read commands work on files the user cannot write; an older schema is upgraded first if it can be."""
    try:
        store = open_db(db, create=False, readonly=not write)
    except StoreError as exc:
        raise FatalError(str(exc)) from None
    try:
        ensure_sound(store, db, record=write)
    except DatabaseDamaged as exc:
        store.conn.close()
        raise FatalError(str(exc).replace("; nothing was written", "")) from None
    return store


class Date(click.ParamType):
    """A date on the command line: a calendar date (YYYY-MM-DD, checked: no 2024-02-30), given to commands as
    that ISO string, or a time ago (7d, 12h, 2w, 30m), given as the UTC timestamp it means; with `day_only`,
    as the calendar day (UTC) that timestamp falls on (for filters that compare days, such as the crawl's)."""

    name = "date"

    def __init__(self, day_only: bool = False) -> None:
        self.day_only = day_only

    def convert(self, value: Any, param: Any, ctx: Any) -> str:
        from scheduler.durations import time_ago

        if isinstance(value, date):
            return value.isoformat()
        text = str(value).strip()
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            try:
                return date.fromisoformat(text).isoformat()
            except ValueError:
                self.fail(f"{value!r} is not a date on the calendar", param, ctx)
        try:
            moment = time_ago(text)
        except ValueError:
            self.fail(f"{value!r} is not a date: use YYYY-MM-DD, or a time ago such as 7d, 12h, 2w", param, ctx)
        return moment.date().isoformat() if self.day_only else moment.isoformat()


def with_options(options: list[Callable[..., Any]]) -> Callable[..., Any]:
    """Apply a list of click options to a command function, in the order listed."""
    def apply(func: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed(options):
            func = option(func)
        return func
    return apply


def db_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """--db FILE, on every command."""
    return click.option("--db", default=DEFAULT_DB, show_default=True, help="SQLite database file.")(func)


def warc_options() -> list[Callable[..., Any]]:
    """--warc-dir / --warc-max-size: where the evidence archive goes, and when a file is rotated."""
    return [
        click.option("--warc-dir", type=click.Path(file_okay=False), default=None,
                     help="Where the WARC evidence archive goes (default: <db stem>-warc/ next to the database)."),
        click.option("--warc-max-size", default=None, callback=_check_size,
                     help="Start a new WARC file beyond this size (default 100M)."),
    ]


def _check_size(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from store.warc import parse_size

    if value is not None:
        try:
            parse_size(value)
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None
    return value


def _check_feed_url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from scheduler.sinks import SinkError, check_feed_url

    try:
        check_feed_url(value)
    except SinkError as exc:
        raise click.BadParameter(str(exc).split(": ", 1)[-1]) from None
    return value


def divergence_delay_options() -> list[Callable[..., Any]]:
    """--divergence-after / --translation-after, for the crawling commands and `crawl divergences`."""
    return [
        click.option("--divergence-after", type=Duration(), default=DEFAULT_EDIT_DELAY, show_default=True,
                     help="An edit of one language not followed in another within this long is a divergence."),
        click.option("--translation-after", type=Duration(), default=DEFAULT_TRANSLATION_DELAY, show_default=True,
                     help="A speech, interview or briefing with no English version after this long is a divergence."),
    ]


def divergence_config(params: dict[str, Any]) -> DivergenceConfig:
    """The divergence delays of a command's parameters."""
    edit, translation = params.get("divergence_after"), params.get("translation_after")
    return DivergenceConfig(edit_delay=timedelta(hours=48) if edit is None else edit,
                            translation_delay=timedelta(hours=72) if translation is None else translation)


def target_options() -> list[Callable[..., Any]]:
    """--site, --base-url, --section, --lang, --since: what a crawl or a backfill is about."""
    return [
        click.option("--site", type=click.Choice(SITES), default="mid.ru", show_default=True,
                     help="The current site, or the ministry's older portal (statements before late 2021)."),
        click.option("--base-url", default=None,
                     help="Crawl this host instead of https://<site> (a mirror); only this host is fetched."),
        click.option("--section", multiple=True, type=click.Choice(ALL_SECTION_KEYS),
                     help="Section (repeatable). Default: all."),
        click.option("--lang", multiple=True, type=click.Choice(LANGUAGES),
                     help="Content language (repeatable). Default: all."),
        click.option("--since", type=Date(day_only=True), default=None,
                     help="Only discover statements published on/after this date (YYYY-MM-DD, or 7d, 2w ago)."),
    ]


def politeness_options() -> list[Callable[..., Any]]:
    """--delay, --timeout, --retries, --ignore-robots: how gently the hosts are asked."""
    return [
        click.option("--delay", type=click.FloatRange(min=0), default=1.0, show_default=True,
                     help="Seconds between requests to the host, with jitter; 0 for a local mirror."),
        click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=30.0, show_default=True,
                     help="Seconds per request."),
        click.option("--retries", type=click.IntRange(min=0), default=3, show_default=True,
                     help="Retries on 429/5xx/timeouts/resets (with backoff and Retry-After)."),
        click.option("--ignore-robots", is_flag=True, help="Do not obey robots.txt (prints a warning)."),
        click.option("--browser-after", type=click.IntRange(min=0), default=5, show_default=True,
                     help="When this many different pages in a row answer the anti-bot challenge, get through it with"
                          " headless Chromium (needs the browser extra); 0: never."),
    ]


def crawl_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Every option of a crawl (`run`, `watch`): what to fetch, how politely, and where the results go."""
    options = [
        *target_options(),
        click.option("--max-pages", type=click.IntRange(min=1), default=1, show_default=True,
                     help="Listing pages per section and language (robots.txt forbids paging on mid.ru)."),
        *politeness_options(),
        click.option("--recheck", type=click.Choice(["all", "due", "none"]), default="due", show_default=True,
                     help="Re-fetch known variants: all, those due by age, or none."),
        click.option("--max-requests", type=click.IntRange(min=0), default=None,
                     help="At most this many re-checks per run; the rest are carried over, oldest-due first."),
        click.option("--policy", default=None,
                     help="Re-check policy AGE:EVERY,... Default '3h:0,1d:2h,7d:1d,30d:7d,*:90d'."),
        click.option("--discovery", type=click.Choice(["adaptive", "all"]), default="adaptive", show_default=True,
                     help="Listings and feeds each run: adaptive (Russian ones that changed today every run, "
                          "quiet ones and translations' listings less often; 404s daily) or all."),
        click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
                     help="Crawler processes sharing the work (one per core; for mirrors and backfills)."),
        click.option("--delete-after-checks", type=click.IntRange(min=1), default=2, show_default=True,
                     help="'Gone' answers needed before a variant counts as deleted."),
        click.option("--delete-after", type=Duration(), default="6h", show_default=True,
                     help="Minimum time between the first and last of those answers."),
        click.option("--confirm-share", type=click.FloatRange(0, 1), default=round(1 / 3, 2), show_default=True,
                     help="An edit removing at least this share of the paragraphs is reported only once a second,"
                          " unconditional fetch shows the same text."),
        click.option("--confirm-age", type=Duration(), default="7d", show_default=True,
                     help="Any edit of a statement older than this is likewise confirmed before it is reported."),
        click.option("--confirm-delay", type=Duration(), default="10m", show_default=True,
                     help="The confirming fetch comes at least this long after the edit was first seen."),
        click.option("--flap-window", type=Duration(), default="24h", show_default=True,
                     help="A page back to an earlier text within this long is flapping: reported once, flips counted."),
        click.option("--atom", type=click.Path(dir_okay=False), default=None, help="Write an Atom feed of changes here."),
        click.option("--jsonl", type=click.Path(dir_okay=False), default=None,
                     help="Append each change as one JSON line to this file."),
        click.option("--notify", multiple=True, help="Apprise URL to notify (repeatable; needs [notify] extra)."),
        click.option("--feed-url", default=None, callback=_check_feed_url,
                     help="The http(s) address the --atom feed is published at (its self link)."),
        click.option("--backlog", is_flag=True,
                     help="Also send sinks the changes recorded before they were added (a new sink starts from now)."),
        click.option("--announce-initial", is_flag=True,
                     help="Also send sinks the database's first fill (recorded, but not announced by default)."),
        *divergence_delay_options(),
        click.option("--emit-divergences", is_flag=True,
                     help="Also send new and resolved cross-language divergences to the sinks (off by default)."),
        *warc_options(),
        click.option("--site-dir", type=click.Path(file_okay=False), default=None,
                     help="After each run, bring the reading room's static site in this directory up to date"
                          " (as `crawl site --out DIR`)."),
        click.option("-v", "--verbose", count=True, help="More crawler logging (-vv for debug)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def edit_rules(params: dict[str, Any]) -> EditRules:
    """The edit confirmation and flapping thresholds of a command's parameters."""
    default = EditRules()
    return EditRules(confirm_share=params.get("confirm_share", default.confirm_share),
                     confirm_age=params.get("confirm_age", default.confirm_age),
                     confirm_delay=params.get("confirm_delay", default.confirm_delay),
                     flap_window=params.get("flap_window", default.flap_window))


def cycle_settings(params: dict[str, Any], *, time_limit: float | None = None, progress: bool = False) -> CycleSettings:
    """The cycle the crawl options of a command describe."""
    crawl = {field: params[name] for name, field in _REQUEST_FIELDS.items() if name in params}
    crawl["sections"], crawl["langs"] = tuple(crawl.get("sections") or ()), tuple(crawl.get("langs") or ())
    crawl["progress"] = progress and params.get("workers", 1) == 1
    return CycleSettings(
        crawl=crawl, workers=params.get("workers") or 1, time_limit=time_limit,
        deletion=DeletionRule(checks=params.get("delete_after_checks", 2),
                              span=params.get("delete_after", timedelta(hours=6))),
        edits=edit_rules(params), divergence=divergence_config(params),
        emit_divergences=bool(params.get("emit_divergences")),
        atom=params.get("atom"), jsonl=params.get("jsonl"), notify=tuple(params.get("notify") or ()),
        feed_url=params.get("feed_url"), backlog=bool(params.get("backlog")),
        announce_initial=bool(params.get("announce_initial")), site_dir=params.get("site_dir"))
