"""crawler.middleware: Retry-After parsing and the retry backoff schedule."""
from datetime import datetime, timezone

from crawler.middleware import backoff_seconds, retry_after_seconds


def test_retry_after_seconds_and_http_date():
    now = datetime(2026, 11, 29, 12, 0, 0, tzinfo=timezone.utc)
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds("Sun, 29 Nov 2026 12:00:30 GMT", now) == 30.0
    assert retry_after_seconds("Sun, 29 Nov 2026 11:00:00 GMT", now) == 0.0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


def test_backoff_doubles_and_is_capped():
    assert [backoff_seconds(n, 1.0, 5.0) for n in range(5)] == [1.0, 2.0, 4.0, 5.0, 5.0]
    assert backoff_seconds(3, 0.0, 5.0) == 0.0
