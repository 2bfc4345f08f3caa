"""Durations on the command line ('0s', '30m', '6h', '2d', '1w') as timedeltas, and the click type for them."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any

import click

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str) -> timedelta:
    """'0s', '90', '30m', '6h', '2d', '1w' -> timedelta; ValueError otherwise."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a duration (e.g. 30m, 6h, 2d, 0s)")
    try:
        return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])
    except OverflowError:
        raise ValueError(f"{text!r} is too long a duration") from None


def time_ago(text: str, now: datetime | None = None) -> datetime:
    """'7d', '12h', '2w', '30m' -> that long before `now` (UTC, whole seconds); ValueError otherwise. The unit is
    required: a bare number is more likely a mistyped date than seconds."""
    match = _DURATION.match(text)
    if not match or not match.group(2):
        raise ValueError(f"{text!r} is not a time ago (e.g. 7d, 12h, 2w)")
    try:
        moment = (now or datetime.now(timezone.utc)) - parse_duration(text)
    except OverflowError:
        raise ValueError(f"{text!r} reaches before the year 1") from None
    return moment.astimezone(timezone.utc).replace(microsecond=0)


class Duration(click.ParamType):
    """A click option type for durations."""

    name = "duration"

    def convert(self, value: Any, param: Any, ctx: Any) -> timedelta:
        if isinstance(value, timedelta):
            return value
        try:
            return parse_duration(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)
