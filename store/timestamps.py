"""The store's one timestamp format (ISO 8601, UTC, seconds): made and read here."""
from __future__ import annotations

from datetime import datetime, timezone


def utcnow() -> str:
    """Current UTC time as ISO 8601 with seconds (the store's one timestamp format)."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def to_datetime(value: str | datetime) -> datetime:
    """A stored timestamp (or a datetime) as an aware datetime; no offset means UTC. ValueError if unreadable."""
    if isinstance(value, datetime):
        parsed = value
    else:
        parsed = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def parse_timestamp(value: str | datetime | None) -> datetime | None:
    """Like :func:`to_datetime`, but None for a missing or unreadable value."""
    if not value:
        return None
    try:
        return to_datetime(value)
    except ValueError:
        return None
