"""The web archive's capture index (the Wayback Machine's CDX API) and raw captures: the queries a backfill asks,
reading the answers, and which statement variant a captured URL is. Pure functions.

Queries ask JSON (`output=json`), statuses 200 only, and page with `showResumeKey`/`resumeKey`: an answer ends
with an empty row and a row holding the key of the next one, or holds no key when the listing is complete.
Statement discovery asks one prefix per section and language with `collapse=urlkey` (one row per URL); a
variant's captures ask its URL as a prefix (with or without `?lang=`) with `collapse=digest`, so consecutive
identical captures of a URL come once. A raw capture is `<archive>/web/<timestamp>id_/<original URL>`: the
body as archived, without the archive's banner or rewritten links.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from crawler import sections
from crawler.parsers.g1_urls import ARCHIVE_SECTIONS, split_g1_url

PAGE_LIMIT = 500                  # rows asked per answer (the public server also caps answers on its own)
FIELDS = ("urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length")
_TIMESTAMP = re.compile(r"^\d{14}$")
_CAPTURE_PATH = re.compile(r"^/web/(?P<ts>\d{1,14})id_/(?P<original>.+)$")


@dataclass
class Answer:
    """One answer of the index: its rows (dicts by field name) and the key of the next answer, if any."""

    rows: list[dict[str, str]]
    resume_key: str | None


class BadAnswer(ValueError):
    """An answer that is not the index's JSON (an error page, a cut answer): the chain is asked again later."""


def index_query(cdx_url: str, url: str, *, collapse: str, since: str | None = None, resume_key: str | None = None,
                limit: int = PAGE_LIMIT) -> str:
    """The index query for every capture whose URL starts with `url` (host and path, no scheme), statuses 200."""
    params = [("url", url), ("matchType", "prefix"), ("output", "json"), ("fl", ",".join(FIELDS)),
              ("filter", "statuscode:200"), ("collapse", collapse), ("showResumeKey", "true"), ("limit", str(limit))]
    if since:
        # A statement published on `since` can only have been captured from then on.
        params.append(("from", since.replace("-", "")))
    if resume_key:
        params.append(("resumeKey", resume_key))
    return f"{cdx_url}?{urlencode(params)}"


def read_answer(text: str) -> Answer:
    """Rows and resume key of a JSON answer (`[]` is an empty, complete one); BadAnswer for anything else."""
    try:
        data = json.loads(text) if text.strip() else []
    except ValueError:
        raise BadAnswer("the index did not answer JSON") from None
    if not isinstance(data, list) or not all(isinstance(row, list) for row in data):
        raise BadAnswer("the index's answer is not a list of rows")
    if not data:
        return Answer([], None)
    header, body = [str(h) for h in data[0]], data[1:]
    resume_key = None
    if len(body) >= 2 and body[-2] == [] and len(body[-1]) == 1:
        resume_key, body = str(body[-1][0]), body[:-2]
    rows = [dict(zip(header, (str(v) for v in row))) for row in body if row]
    if any("original" not in r or not _TIMESTAMP.match(r.get("timestamp", "")) for r in rows):
        raise BadAnswer("the index's rows lack a timestamp or an original URL")
    return Answer(rows, resume_key)


def capture_url(archive_origin: str, timestamp: str, original: str) -> str:
    """The raw capture (no banner, links as archived)."""
    return f"{archive_origin.rstrip('/')}/web/{timestamp}id_/{original}"


def capture_of(url: str) -> tuple[str, str] | None:
    """(timestamp, original URL) of a raw capture's address, or None."""
    parts = urlsplit(url)
    m = _CAPTURE_PATH.match(parts.path)
    if not m:
        return None
    original = m.group("original") + (f"?{parts.query}" if parts.query else "")
    return m.group("ts"), original


def timestamp_iso(timestamp: str) -> str:
    """The index's 14-digit UTC timestamp in the store's format (ISO 8601, UTC, seconds)."""
    full = (timestamp + "00000101000000"[len(timestamp):])[:14]   # a short timestamp means the start of its period
    when = datetime.strptime(full, "%Y%m%d%H%M%S").replace(tzinfo=timezone.utc)
    return when.isoformat()


# -- which statements and variants the index's URLs are ------------------------------------------------------


def discovery_prefixes(site: str, key: str, lang: str) -> list[str]:
    """The URL prefixes under which the index lists a section's statements in one language (none when the
    section does not exist in it). The older portal's statements were captured under www.mid.ru until 2021."""
    if site == "archive.mid.ru":
        if key not in ARCHIVE_SECTIONS or (key == "comments" and lang != "ru"):
            return []
        path, instance = ARCHIVE_SECTIONS[key]
        tail = f"/{lang}/{path}/-/asset_publisher/{instance}/content/id/"
        return [f"mid.ru{tail}", f"archive.mid.ru{tail}"]
    path = sections.listing_path(key, lang)
    return [f"mid.ru{path}"] if path else []


def variant_prefixes(site: str, url: str, lang: str, also: str | None = None) -> list[str]:
    """The URL prefixes under which the index lists the captures of one variant: under its stored canonical URL,
    and for the current site also under `also`, another section path the statement is known under (one id may
    live under several sections)."""
    if site == "archive.mid.ru":
        parts = split_g1_url(url)
        if parts is None:
            return []
        tail = f"/{lang}/{parts.section}/-/asset_publisher/{parts.instance}/content/id/{parts.asset_id}"
        return [f"mid.ru{tail}", f"archive.mid.ru{tail}"]
    _, section, source_id = sections.split_article_path(urlsplit(url).path)
    if section is None or source_id is None:
        return []
    # (no trailing slash: the index lists `/<id>/` and `/<id>/?lang=..`; a longer id is told apart by variant_of)
    return [f"mid.ru/{lang}/{path}/{source_id}" for path in dict.fromkeys(p for p in (section, also) if p)]


def variant_of(site: str, original: str) -> tuple[int, str] | None:
    """(source id, content language) of a captured article URL of the site, or None when it is none (a listing,
    an image, another section's page). mid.ru: the content language is `?lang=`, else the interface prefix."""
    if site == "archive.mid.ru":
        parts = split_g1_url(original)
        if parts is None:
            return None
        return parts.asset_id, parts.lang or "ru"
    split = urlsplit(original)
    ui, section, source_id = sections.split_article_path(split.path)
    if source_id is None or ui is None or sections.section_key(section) is None:
        return None
    if not re.fullmatch(r"/[a-z]{2}/[^?#]*/\d{6,8}/?", split.path):
        return None   # a print version, an attachment, a path going on after the id
    lang = (parse_qs(split.query).get("lang") or [ui])[0]
    return source_id, lang


def is_listed(row: dict[str, Any]) -> bool:
    """A row for a page captured with content (status 200; revisits carry '-')."""
    return row.get("statuscode", "200") == "200" and row.get("mimetype", "text/html").startswith("text/html")
