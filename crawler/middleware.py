"""Downloader middleware: retries that honour Retry-After, so a rate-limited site is given the pause it asks for."""
from __future__ import annotations

import asyncio
from email.utils import parsedate_to_datetime
from datetime import datetime, timezone
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
    now = now or datetime.now(timezone.utc)
    return max(0.0, (when - now).total_seconds())


class RetryAfterMiddleware(RetryMiddleware):
    """RetryMiddleware that sleeps for Retry-After (capped by MW_MAX_RETRY_AFTER) before retrying 429/503."""

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self.max_wait = settings.getfloat("MW_MAX_RETRY_AFTER", 120.0)

    async def process_response(self, request: Request, response: Response, spider: Any = None) -> Any:
        if response.status in (429, 503) and not request.meta.get("dont_retry"):
            wait = retry_after_seconds(
                (response.headers.get("Retry-After") or b"").decode("latin-1") or None)
            if wait:
                await asyncio.sleep(min(wait, self.max_wait))
        return super().process_response(request, response)
