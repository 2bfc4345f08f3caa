"""Downloader middleware: retries with exponential backoff that honour Retry-After, so a struggling site gets a pause."""
from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Request, Response


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date); None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    now = now or datetime.now(timezone.utc)
    return max(0.0, (when - now).total_seconds())


def backoff_seconds(attempt: int, base: float, cap: float) -> float:
    """base, 2*base, 4*base, ... for the 1st, 2nd, 3rd retry, capped."""
    return min(cap, base * (2 ** attempt)) if base > 0 else 0.0


class RetryAfterMiddleware(RetryMiddleware):
    """RetryMiddleware that waits before each retry: Retry-After when the server gives one (capped by
    MW_MAX_RETRY_AFTER), else exponential backoff from MW_RETRY_BACKOFF seconds."""

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self.max_wait = settings.getfloat("MW_MAX_RETRY_AFTER", 120.0)
        self.backoff = settings.getfloat("MW_RETRY_BACKOFF", 1.0)

    def _will_retry(self, request: Request) -> bool:
        return not request.meta.get("dont_retry") and request.meta.get("retry_times", 0) < self.max_retry_times

    async def process_response(self, request: Request, response: Response, spider: Any = None) -> Any:
        if response.status in self.retry_http_codes and self._will_retry(request):
            header = (response.headers.get("Retry-After") or b"").decode("latin-1") or None
            wait = retry_after_seconds(header)
            if wait is None:
                wait = backoff_seconds(request.meta.get("retry_times", 0), self.backoff, self.max_wait)
            if wait:
                await asyncio.sleep(min(wait, self.max_wait))
        return super().process_response(request, response)

    async def process_exception(self, request: Request, exception: Exception, spider: Any = None) -> Any:
        if isinstance(exception, self.exceptions_to_retry) and self._will_retry(request):
            wait = backoff_seconds(request.meta.get("retry_times", 0), self.backoff, self.max_wait)
            if wait:
                await asyncio.sleep(wait)
        return super().process_exception(request, exception)
