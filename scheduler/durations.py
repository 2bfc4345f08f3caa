"""Durations on the command line ('0s', '30m', '6h', '2d', '1w') as timedeltas, and the click type for them."""
from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import click

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str) -> timedelta:
    """'0s', '90', '30m', '6h', '2d', '1w' -> timedelta; ValueError otherwise."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a duration (e.g. 30m, 6h, 2d, 0s)")
    return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])


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
