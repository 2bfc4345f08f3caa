"""What a `crawl backfill` asks of one crawler child: which part of the backfill it does, from where, and how far."""
from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from typing import Any
from urllib.parse import urlsplit

SOURCES = ("listings", "web-archive", "links")
# The parts of a backfill, one crawler child each, so that every child talks to one host only:
#   index     the web archive's capture index: statement URLs of the site (`--source web-archive`)
#   site      the site (or its mirror): every listing page, the statements found, their translations and links
#   captures  the web archive: each variant's captures listed in the index, then fetched raw
#   estimate  nothing stored: the first page of each listing not read yet, to count what a backfill would ask
PHASES = ("index", "site", "captures", "estimate")
DEFAULT_CDX_URL = "https://web.archive.org/cdx/search/cdx"
DEFAULT_SOURCES = {"mid.ru": ("web-archive", "links"), "archive.mid.ru": ("listings", "links")}


class BadSpec(ValueError):
    """A backfill part that cannot be run; the message is one line for the user."""


@dataclass
class BackfillSpec:
    """One part of a backfill (its phase), with the options of the `crawl backfill` command that shape it."""

    phase: str = "site"
    sources: tuple[str, ...] = ("listings", "links")
    until: str | None = None                   # YYYY-MM-DD: statements published on or before it
    captures: bool = False
    cdx_url: str = DEFAULT_CDX_URL
    estimate_file: str | None = None           # estimate: where the child writes what it counted (JSON)

    @property
    def archive_origin(self) -> str:
        """scheme://host[:port] of the web archive (the CDX endpoint's host serves the raw captures too)."""
        parts = urlsplit(self.cdx_url)
        return f"{parts.scheme}://{parts.netloc}"

    def validate(self) -> "BackfillSpec":
        """Raise BadSpec with a one-line reason when the spec cannot be run; return self otherwise."""
        if self.phase not in PHASES:
            raise BadSpec(f"backfill phase must be one of {', '.join(PHASES)}")
        unknown = [s for s in self.sources if s not in SOURCES]
        if unknown or not self.sources:
            raise BadSpec(f"backfill sources must be some of {', '.join(SOURCES)}")
        if self.until is not None:
            try:
                date.fromisoformat(self.until)
            except ValueError:
                raise BadSpec(f"until: {self.until!r} is not a date (YYYY-MM-DD)") from None
        parts = urlsplit(self.cdx_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise BadSpec(f"cdx_url: {self.cdx_url!r} is not an http(s) URL")
        return self

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "BackfillSpec":
        """Build and validate a spec from a dict of its fields (unknown keys refused); BadSpec otherwise."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise BadSpec(f"unknown backfill field(s): {', '.join(unknown)}")
        values = dict(data)
        if "sources" in values:
            if not isinstance(values["sources"], (list, tuple)) or not all(isinstance(s, str) for s in values["sources"]):
                raise BadSpec("backfill sources must be a list of names")
            values["sources"] = tuple(values["sources"])
        if not isinstance(values.get("captures", False), bool):
            raise BadSpec("backfill captures must be true or false")
        for name in ("phase", "cdx_url", "until", "estimate_file"):
            if values.get(name) is not None and not isinstance(values[name], str):
                raise BadSpec(f"backfill {name} must be a string")
        return cls(**values).validate()
