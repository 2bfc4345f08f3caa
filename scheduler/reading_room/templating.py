"""The reading room's Jinja environment: autoescaped, every page text made safe, dates and languages for people.

Every expression a template prints goes through ``finalize``: page text (titles, bodies, speakers) loses
control, bidi-override and zero-width characters before it is escaped, so a hostile page stays inert text.
HTML built by our own renderers (diffs, charts) is passed in as Markup and printed as it is.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from functools import lru_cache
from importlib import resources
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from scheduler.diff.terminal import safe_terminal
from store.timestamps import parse_timestamp

LANG_NAMES = {"ru": "Russian", "en": "English", "de": "German", "fr": "French", "es": "Spanish",
              "pt": "Portuguese", "ar": "Arabic", "zh": "Chinese", "it": "Italian"}
RTL = {"ar", "fa", "he", "ur"}
KIND_LABELS = {"new": "new", "edited": "edited", "flapping": "edited back and forth", "deleted": "deleted",
               "restored": "restored", "flip": "flipped back", "unconfirmed": "edit not confirmed"}


def _finalize(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and not isinstance(value, Markup):
        return safe_terminal(value)
    return value


def lang_name(code: str | None) -> str:
    return LANG_NAMES.get(code or "", code or "")


def text_dir(code: str | None) -> str:
    """The `dir` of a text in this language (`auto` lets the browser judge mixed or unknown texts)."""
    return "rtl" if (code or "") in RTL else "auto"


def published(value: str | None) -> str:
    """A publication time as the page gave it: "8 Oct 2024, 19:39 (UTC+03:00)"."""
    moment = parse_timestamp(value)
    if moment is None:
        return value or "unknown"
    offset = moment.strftime("%z")
    zone = f"UTC{offset[:3]}:{offset[3:]}" if offset else "UTC"
    return f"{moment.day} {moment:%b %Y, %H:%M} ({zone})"


def utc(value: str | None) -> str:
    """A stored UTC timestamp: "2024-10-16 10:05 UTC"."""
    moment = parse_timestamp(value)
    if moment is None:
        return value or ""
    return f"{moment.astimezone(timezone.utc):%Y-%m-%d %H:%M} UTC"


def day(value: str | None) -> str:
    moment = parse_timestamp(value)
    return f"{moment:%Y-%m-%d}" if moment else (value or "")[:10]


def http_url(value: str | None) -> str:
    """Only http(s) addresses become links: a hostile value can never be a javascript: link."""
    text = safe_terminal(str(value or "")).strip()
    return text if re.match(r"(?i)https?://", text) else ""


@lru_cache(maxsize=1)
def environment() -> Environment:
    folder = resources.files("scheduler.reading_room").joinpath("jinja")
    env = Environment(loader=FileSystemLoader(str(folder)), autoescape=True, finalize=_finalize,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(lang_name=lang_name, dir=text_dir, published=published, utc=utc, day=day,
                       http_url=http_url)
    env.globals.update(lang_name=lang_name, text_dir=text_dir, kind_labels=KIND_LABELS)
    return env


def render(template: str, **context: Any) -> str:
    """Render a page template with ``links`` and the page's context."""
    return environment().get_template(template).render(**context)


def stylesheet() -> str:
    return resources.files("scheduler.reading_room").joinpath("assets/style.css").read_text(encoding="utf-8")


def now_utc() -> datetime:
    return datetime.now(timezone.utc)
