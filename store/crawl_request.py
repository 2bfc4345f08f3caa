"""The one crawl request a run is made of: what the `crawl` CLI asks its crawler child to do, as JSON."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from store.backfill_request import BackfillSpec, BadSpec
from store.catalog import DEFAULT_SITE, SITES, check_languages, check_sections

RECHECK_MODES = ("all", "due", "none")
DISCOVERY_MODES = ("adaptive", "all")


class BadRequest(ValueError):
    """A crawl request that cannot be run; the message is one line for the user."""


@dataclass
class CrawlRequest:
    """Everything one crawl needs. The parent opens the run (`run_id`) and closes it; the child crawls into it."""

    db: str
    run_id: int
    site: str = DEFAULT_SITE
    base_url: str | None = None              # default https://<site>; only this host is ever fetched
    sections: tuple[str, ...] = ()           # section keys; empty: all of the site's
    langs: tuple[str, ...] = ()              # content languages; empty: all
    since: str | None = None                 # YYYY-MM-DD: only discover statements published on/after
    max_pages: int = 1                       # listing pages per section and language
    delay: float = 1.0                       # seconds between requests to the host
    timeout: float = 30.0                    # seconds per request
    retries: int = 3
    ignore_robots: bool = False
    recheck: str = "due"                     # all | due | none
    max_requests: int | None = None          # cap on re-checks this run
    policy: str | None = None                # re-check policy spec (store/recheck.py)
    discovery: str = "adaptive"              # adaptive | all
    discover: bool = True                    # False: only re-check known variants
    shard: tuple[int, int] | None = None     # (index, count): this process takes ids with id % count == index
    progress: bool = False                   # a progress line on stderr
    verbose: int = 0                         # 0 warnings, 1 info, 2 debug (Scrapy's log)
    warc_dir: str | None = None              # default <db stem>-warc/ next to the database
    warc_max_size: str | None = None         # e.g. 100M (default), 1G
    parent_pid: int | None = None            # the process that started the crawl: the crawl stops when it dies
    backfill: BackfillSpec | None = None     # `crawl backfill`: the part of it this crawl does (store/backfill_request.py)
    browser_after: int = 5                   # different pages answering the anti-bot challenge in a row before the
                                             # browser is tried (crawler/wall.py); 0: never

    @property
    def target(self) -> str:
        """The base URL actually crawled."""
        return (self.base_url or f"https://{self.site}").rstrip("/")

    def validate(self) -> "CrawlRequest":
        """Raise BadRequest with a one-line reason when the request cannot be run; return self otherwise."""
        if self.site not in SITES:
            raise BadRequest(f"unknown site {self.site!r}; choose from {', '.join(SITES)}")
        try:
            check_sections(self.site, self.sections)
            check_languages(self.langs)
        except ValueError as exc:
            raise BadRequest(str(exc)) from None
        if self.since is not None:
            try:
                date.fromisoformat(self.since)
            except ValueError:
                raise BadRequest(f"since: {self.since!r} is not a date (YYYY-MM-DD)") from None
        if self.max_pages < 1:
            raise BadRequest("max_pages must be at least 1")
        if self.delay < 0 or self.timeout <= 0 or self.retries < 0:
            raise BadRequest("delay and retries must not be negative, timeout must be positive")
        if self.recheck not in RECHECK_MODES:
            raise BadRequest(f"recheck must be one of {', '.join(RECHECK_MODES)}")
        if self.discovery not in DISCOVERY_MODES:
            raise BadRequest(f"discovery must be one of {', '.join(DISCOVERY_MODES)}")
        if self.browser_after < 0:
            raise BadRequest("browser_after must not be negative")
        if self.max_requests is not None and self.max_requests < 0:
            raise BadRequest("max_requests must not be negative")
        parts = urlsplit(self.target)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise BadRequest(f"base_url: {self.target!r} is not an http(s) URL")
        if self.shard is not None:
            index, count = self.shard
            if not 0 <= index < count:
                raise BadRequest(f"shard {index}/{count} is not I/N with 0 <= I < N")
        if self.policy:
            from store.recheck import parse_policy

            try:
                parse_policy(self.policy)
            except ValueError as exc:
                raise BadRequest(f"policy: {exc}") from None
        if self.backfill is not None:
            try:
                self.backfill.validate()
            except BadSpec as exc:
                raise BadRequest(str(exc)) from None
        if self.warc_max_size:
            from store.warc import parse_size

            try:
                parse_size(self.warc_max_size)
            except ValueError as exc:
                raise BadRequest(f"warc_max_size: {exc}") from None
        return self

    def to_json(self) -> str:
        """The request as one JSON object (what the child reads)."""
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "CrawlRequest":
        """Read and validate a request; BadRequest for anything that is not a whole, valid request."""
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise BadRequest(f"the crawl request is not JSON: {exc}") from None
        if not isinstance(data, dict):
            raise BadRequest("the crawl request is not a JSON object")
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "CrawlRequest":
        """Build and validate a request from a dict of its fields (unknown keys are refused)."""
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise BadRequest(f"unknown crawl request field(s): {', '.join(unknown)}")
        missing = [name for name in ("db", "run_id") if data.get(name) is None]
        if missing:
            raise BadRequest(f"the crawl request lacks {', '.join(missing)}")
        values: dict[str, Any] = {}
        for name, value in data.items():
            try:
                values[name] = _coerce(name, value)
            except (TypeError, ValueError):
                raise BadRequest(f"{name}: {value!r} is not a valid value") from None
        return cls(**values).validate()

    def options(self) -> dict[str, Any]:
        """What the run row records as its options (no paths, no process details)."""
        return {"site": self.site, "section": list(self.sections), "lang": list(self.langs), "since": self.since,
                "max_pages": self.max_pages, "delay": self.delay, "ignore_robots": self.ignore_robots,
                "recheck": self.recheck}


_INTS = {"run_id", "max_pages", "retries", "verbose", "browser_after"}
_FLOATS = {"delay", "timeout"}
_BOOLS = {"ignore_robots", "discover", "progress"}
_TUPLES = {"sections", "langs"}


def _coerce(name: str, value: Any) -> Any:
    if name in _INTS:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(name)
        return value
    if name in _FLOATS:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(name)
        return float(value)
    if name in _BOOLS:
        if not isinstance(value, bool):
            raise TypeError(name)
        return value
    if name in _TUPLES:
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise TypeError(name)
        return tuple(value)
    if name == "shard":
        if value is None:
            return None
        if not isinstance(value, (list, tuple)) or len(value) != 2 or not all(
                isinstance(v, int) and not isinstance(v, bool) for v in value):
            raise TypeError(name)
        return (value[0], value[1])
    if name == "backfill":
        try:
            return None if value is None else BackfillSpec.from_dict(value)
        except BadSpec:
            raise ValueError(name) from None
    if name in ("max_requests", "parent_pid"):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise TypeError(name)
        return value
    if value is not None and not isinstance(value, str):
        raise TypeError(name)
    return value
